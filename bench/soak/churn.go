package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// What an operator changes while the server answers: the stores (writeStores),
// the health-check backends (flapBackends) and the Corefile (editCorefile).

// writeStores writes a new state to both stores every interval until ctx
// ends: about half of them invalid (a random choice; the invalid ones take
// the invalidKinds in turn), the plain store alternately atomically and
// in place.
func (s *soak) writeStores(ctx context.Context, interval time.Duration) error {
	rng := rand.New(rand.NewPCG(uint64(s.start.UnixNano()), 15))
	tick := time.NewTicker(interval)
	defer tick.Stop()
	invalid := 0
	kind := func() string {
		if rng.IntN(2) == 0 {
			return "valid"
		}
		invalid++
		return invalidKinds[invalid%len(invalidKinds)]
	}
	for n := 1; ; n++ {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		if n > maxState {
			return fmt.Errorf("more than %d states", maxState)
		}
		k := kind()
		mode := []string{"atomic", "in-place"}[n%2]
		if err := s.plain.write(n, k, mode == "in-place", func() {
			s.check.wrote(storePlain, state{n: n, kind: k, mode: mode, at: time.Now()})
		}); err != nil {
			return err
		}
		k = kind()
		if err := s.cm.write(n, k, func() {
			s.check.wrote(storeCM, state{n: n, kind: k, mode: "configmap", at: time.Now()})
		}); err != nil {
			return err
		}
	}
}

// backend is a TCP listener that a health check probes: up while it
// listens.
type backend struct {
	addr string
	ln   net.Listener
	wg   sync.WaitGroup
}

func (b *backend) set(up bool) error {
	if !up {
		if b.ln != nil {
			b.ln.Close()
			b.wg.Wait()
			b.ln = nil
		}
		return nil
	}
	if b.ln != nil {
		return nil
	}
	ln, err := net.Listen("tcp", b.addr)
	if err != nil {
		return err
	}
	b.ln = ln
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return nil
}

// flapScript is the backends' schedule, one step a tick (a second by
// default), repeated: {primary up, secondary up}. The failover answers the
// secondary in ticks 0 and 2-4 and 8, and the primary in the others (in
// 5-7 because neither is up: fail-open). The one-tick holds are flaps
// faster than the detection allowance; the three-tick holds are long
// enough for every answer after the allowance to be held to them.
var flapScript = [][2]bool{
	{false, true}, // 0: primary closed → secondary
	{true, true},  // 1: primary reopened → primary
	{false, true}, // 2: primary closed → secondary for three ticks
	{false, true},
	{false, true},
	{false, false}, // 5: secondary closed too → primary (fail-open) for three ticks
	{false, false},
	{false, false},
	{false, true}, // 8: secondary reopened → secondary
	{true, true},  // 9: primary reopened → primary for three ticks
	{true, true},
	{true, true},
}

// flapBackends runs flapScript until ctx ends, then leaves both backends
// up.
func (s *soak) flapBackends(ctx context.Context, tick time.Duration) error {
	t := time.NewTicker(tick)
	defer t.Stop()
	cur := [2]bool{true, true}
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return s.setBackends([2]bool{true, true}, &cur)
		case <-t.C:
		}
		if err := s.setBackends(flapScript[i%len(flapScript)], &cur); err != nil {
			return err
		}
	}
}

func (s *soak) setBackends(want [2]bool, cur *[2]bool) error {
	if want == *cur {
		return nil
	}
	s.check.flapped(flap{at: time.Now(), primary: want[0], secondary: want[1]})
	for i, b := range []*backend{s.primary, s.secondary} {
		if err := b.set(want[i]); err != nil {
			return err
		}
	}
	*cur = want
	return nil
}

// corefileEdit is one version of the Corefile.
type corefileEdit struct {
	what string
	fail bool // the restart must fail (a server block on a port the soak holds)
	text string
}

// corefile returns the k-th Corefile of the soak, in a cycle of four: a new
// cache TTL; a third server block added; removed again (and another TTL);
// a fourth block on the held port, whose restart must fail. The 0th is the
// starting configuration.
func (s *soak) corefile(k int) corefileEdit {
	w, p := s.work, s.ports
	tf := func(store string) string {
		return fmt.Sprintf("    trafficflow %s {\n        reload 1s\n    }\n", filepath.Join(w, "stores", store))
	}
	block := func(zone string, port int, body string) string {
		return fmt.Sprintf("%s:%d {\n    bind 127.0.0.1\n    errors\n%s}\n", zone, port, body)
	}
	base := func(ttl int) string {
		return block("plain.soak.", p.dns, fmt.Sprintf("    prometheus 127.0.0.1:%d\n    pprof 127.0.0.1:%d\n    ready 127.0.0.1:%d\n    reload 2s 1s\n%s    cache %d\n    file %s\n",
			p.metrics, p.pprof, p.ready, tf("plain"), ttl, filepath.Join(w, "db.plain.soak"))) +
			"\n" + block("cm.soak.", p.dns, fmt.Sprintf("    prometheus 127.0.0.1:%d\n%s", p.metrics, tf("cm")))
	}
	ttl := 30 + k
	switch {
	case k == 0:
		return corefileEdit{"start", false, base(ttl)}
	case k%4 == 1:
		return corefileEdit{fmt.Sprintf("cache TTL %d", ttl), false, base(ttl)}
	case k%4 == 2:
		return corefileEdit{"a third server block added", false, base(ttl-1) + "\n" + block("extra.soak.", p.dns, tf("extra"))}
	case k%4 == 3:
		return corefileEdit{fmt.Sprintf("the third block removed, cache TTL %d", ttl), false, base(ttl)}
	}
	return corefileEdit{fmt.Sprintf("a block on the held port %d (must fail)", p.held), true,
		base(ttl-1) + "\n" + block("fail.soak.", p.held, tf("extra"))}
}

// editResult is what became of a Corefile edit.
type editResult struct {
	corefileEdit
	at      time.Time
	outcome string // "restarted", "failed", or "no restart seen"
	after   time.Duration
	// sample is the process's state just before the next edit.
	sample sample
}

// editCorefile writes the next Corefile every interval until ctx ends,
// then the starting one again, and records each restart's outcome from
// the server's log.
func (s *soak) editCorefile(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for k := 1; ; k++ {
		last := ctx.Err() != nil
		if !last {
			select {
			case <-ctx.Done():
				last = true
			case <-t.C:
			}
		}
		if n := len(s.edits); n > 0 {
			s.edits[n-1].sample = s.sampleNow()
		}
		e := s.corefile(k)
		if last {
			e = s.corefile(0)
			e.what = "back to the start"
		}
		restarts, fails := s.log.count(logRestarted), s.log.count(logRestartFailed)
		at := time.Now()
		if err := writeAtomic(s.corefilePath, e.text); err != nil {
			return err
		}
		os.WriteFile(filepath.Join(s.results, fmt.Sprintf("Corefile.%02d", k)), []byte(e.text), 0o644)
		r := editResult{corefileEdit: e, at: at, outcome: "no restart seen"}
		// The reload plugin checks every 2 s ± 0.5 s; a restart takes a
		// moment more.
		for deadline := time.Now().Add(min(interval, 4*time.Second)); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if s.log.count(logRestarted) > restarts {
				r.outcome = "restarted"
			} else if s.log.count(logRestartFailed) > fails {
				r.outcome = "failed"
			} else {
				continue
			}
			r.after = time.Since(at)
			break
		}
		s.edits = append(s.edits, r)
		if last {
			return nil
		}
	}
}

// summary is the edits' outcomes in one line.
func editSummary(edits []editResult) string {
	var ok, failed, missing, unexpected int
	for _, e := range edits {
		switch {
		case e.outcome == "no restart seen":
			missing++
		case (e.outcome == "failed") != e.fail:
			unexpected++
		case e.fail:
			failed++
		default:
			ok++
		}
	}
	s := fmt.Sprintf("%d edits: %d restarted, %d failed as they must", len(edits), ok, failed)
	if missing > 0 || unexpected > 0 {
		s += fmt.Sprintf("; %d without a restart seen, %d with the wrong outcome", missing, unexpected)
	}
	return strings.TrimSpace(s)
}
