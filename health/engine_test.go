package health

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trafficflow/trafficflow/policyfile"
)

func TestUpdateKeepsUnchangedChecks(t *testing.T) {
	b := newBackend(t, false)
	b.status.Store(503)
	e, log := newEngine(t, Options{})
	keep := hc("keep", policyfile.HTTP, b.ap, func(c *policyfile.HealthCheck) { c.FailureThreshold = 1 })
	change := hc("change", policyfile.HTTP, b.ap, func(c *policyfile.HealthCheck) { c.FailureThreshold = 1 })
	remove := hc("remove", policyfile.HTTP, b.ap)
	e.Update([]*policyfile.HealthCheck{keep, change, remove}, nil)
	e.probeNow("keep")
	e.probeNow("change")
	keepCell, changeCell := mustCell(t, e, "keep"), mustCell(t, e, "change")
	if keepCell.Load() || changeCell.Load() {
		t.Fatal("setup: both checks should be unhealthy")
	}

	// Same configuration defined elsewhere (File/Path differ) is unchanged;
	// another interval is a change.
	keep2 := *keep
	keep2.File, keep2.Path = "other.json", "$.HealthChecks[3]"
	change2 := *change
	change2.RequestInterval = 10 * time.Second
	added := hc("added", policyfile.TCP, b.ap)
	_, removed := e.doneOf("remove")
	e.Update([]*policyfile.HealthCheck{&keep2, &change2, added}, nil)

	if got := e.Cell("keep"); got != keepCell || got.Load() {
		t.Errorf("unchanged check: cell %p (was %p), healthy %v; want the same cell, still unhealthy", got, keepCell, got.Load())
	}
	if s := statusOf(t, e, "keep"); s.Reason != "status 503" {
		t.Errorf("unchanged check lost its reason: %+v", s)
	}
	if got := e.Cell("change"); got == changeCell || got == nil || !got.Load() {
		t.Errorf("changed check: want a new cell, healthy (fresh)")
	}
	if changeCell.Load() {
		t.Error("the old cell of a changed check must keep its last state")
	}
	if e.Cell("remove") != nil {
		t.Error("removed check still has a cell")
	}
	if removed.ctx.Err() == nil {
		t.Error("removed check's context not cancelled")
	}
	if e.Cell("added") == nil || !e.Cell("added").Load() {
		t.Error("added check must exist and start healthy")
	}
	if n := log.count(`health check "remove" removed`); n != 1 {
		t.Errorf("want the removal logged:\n%s", log)
	}
	var ids []string
	for _, s := range e.Status() {
		ids = append(ids, s.ID)
	}
	if got := strings.Join(ids, ","); got != "added,change,keep" {
		t.Errorf("Status IDs %s, want added,change,keep", got)
	}
	// The result of a probe of the removed check that was in flight is
	// dropped (TestStaleResultsDropped covers the other cases).
	e.mu.Lock()
	e.applyResult(removed, false, "status 503")
	e.mu.Unlock()
	if removed.streak != 0 || removed.lastResult != "" {
		t.Error("the result of a removed check's probe was counted")
	}
}

// TestStaleResultsDropped: the result of a probe that was in flight when its
// check was removed, changed or stopped is not counted, and neither is one
// of a check the engine does not hold.
func TestStaleResultsDropped(t *testing.T) {
	b := newBackend(t, false)
	threshold1 := func(c *policyfile.HealthCheck) { c.FailureThreshold = 1 }
	for _, tt := range []struct {
		name string
		// stale makes the check e holds as "web" stale and returns it.
		stale func(e *Engine, c *check) *check
	}{
		{"removed", func(e *Engine, c *check) *check {
			e.Update(nil, nil)
			return c
		}},
		{"changed", func(e *Engine, c *check) *check {
			changed := *c.cfg
			changed.FailureThreshold = 2
			e.Update([]*policyfile.HealthCheck{&changed}, nil)
			return c
		}},
		{"stopped", func(e *Engine, c *check) *check {
			e.Stop()
			return c // still held by the engine
		}},
		{"not held", func(e *Engine, c *check) *check {
			n := newCheck(c.cfg, policyfile.NotForced)
			n.ctx, n.cancel = context.WithCancel(e.base) // a live context
			t.Cleanup(n.cancel)
			return n
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e, log := newEngine(t, Options{})
			e.Update([]*policyfile.HealthCheck{hc("web", policyfile.HTTP, b.ap, threshold1)}, nil)
			_, c := e.doneOf("web")
			stale := tt.stale(e, c)
			cell, before := stale.cell, stale.cell.Load()
			e.mu.Lock()
			e.applyResult(stale, false, "status 503")
			e.mu.Unlock()
			if stale.streak != 0 || stale.lastResult != "" || !stale.raw {
				t.Errorf("stale result counted: streak %d, lastResult %q, raw %v", stale.streak, stale.lastResult, stale.raw)
			}
			if cell.Load() != before {
				t.Error("a stale result changed the cell")
			}
			if _, now := e.doneOf("web"); now != nil && now != stale && !now.cell.Load() {
				t.Error("a stale result changed the check that replaced it")
			}
			if n := log.count("is now unhealthy"); n != 0 {
				t.Errorf("stale result logged a transition:\n%s", log)
			}
		})
	}

	// A removed check's pending probe gives up without probing.
	e, _ := newEngine(t, Options{})
	e.Update([]*policyfile.HealthCheck{hc("web", policyfile.HTTP, b.ap)}, nil)
	_, c := e.doneOf("web")
	e.Update(nil, nil)
	hits := b.hits.Load()
	e.probeOnce(c)
	if b.hits.Load() != hits || c.lastResult != "" {
		t.Error("a removed check was probed")
	}
}

func TestUpdateWhileRunning(t *testing.T) {
	b := newBackend(t, false)
	tcp := newTCPBackend(t, nil)
	e, _ := newEngine(t, Options{})
	fast := func(c *policyfile.HealthCheck) {
		c.RequestInterval = 100 * time.Millisecond
		c.FailureThreshold = 1
	}
	keep := hc("keep", policyfile.HTTP, b.ap, fast)
	change := hc("change", policyfile.TCP, tcp.ap, fast)
	remove := hc("remove", policyfile.HTTP, b.ap, fast)
	e.Update([]*policyfile.HealthCheck{keep, change, remove}, nil)
	if done, _ := e.doneOf("keep"); done != nil {
		t.Fatal("probing must not start before Start")
	}
	e.Start()
	e.Start() // idempotent
	keepDone, _ := e.doneOf("keep")
	changeDone, _ := e.doneOf("change")
	removeDone, _ := e.doneOf("remove")
	if keepDone == nil || changeDone == nil || removeDone == nil {
		t.Fatal("Start must start one prober per check")
	}

	// The real scheduler detects a failure within about
	// RequestInterval × FailureThreshold.
	keepCell := mustCell(t, e, "keep")
	b.status.Store(503)
	waitFor(t, "keep to turn unhealthy", 2*time.Second, func() bool { return !keepCell.Load() })
	tcp.down()
	changeCell := mustCell(t, e, "change")
	waitFor(t, "change to turn unhealthy", 2*time.Second, func() bool { return !changeCell.Load() })

	change2 := *change
	change2.FailureThreshold = 3
	e.Update([]*policyfile.HealthCheck{keep, &change2}, nil)
	for name, done := range map[string]chan struct{}{"change": changeDone, "remove": removeDone} {
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			t.Fatalf("the old prober of %q did not exit", name)
		}
	}
	select {
	case <-keepDone:
		t.Fatal("the prober of an unchanged check must keep running")
	default:
	}
	if newDone, _ := e.doneOf("change"); newDone == nil || newDone == changeDone {
		t.Fatal("a changed check needs a new prober")
	}
	if mustCell(t, e, "keep") != keepCell || keepCell.Load() {
		t.Fatal("the unchanged check must keep its cell and state")
	}
	newChange := mustCell(t, e, "change")
	if newChange == changeCell || !newChange.Load() {
		t.Fatal("the changed check must start fresh, healthy, in a new cell")
	}
	waitFor(t, "the restarted check to turn unhealthy after 3 failures", 3*time.Second, func() bool { return !newChange.Load() })

	b.status.Store(200)
	waitFor(t, "keep to recover", 2*time.Second, func() bool { return keepCell.Load() })
}

func TestJitter(t *testing.T) {
	for _, tt := range []struct {
		iv           time.Duration
		r            float64
		first, every time.Duration
	}{
		{30 * time.Second, 0, 0, 28500 * time.Millisecond},
		{30 * time.Second, 0.5, 500 * time.Millisecond, 30 * time.Second},
		{10 * time.Second, 0.999, 999 * time.Millisecond, 10499 * time.Millisecond},
		{200 * time.Millisecond, 0.5, 100 * time.Millisecond, 200 * time.Millisecond},
	} {
		e := New(Options{random: func() float64 { return tt.r }})
		if got := e.initialDelay(tt.iv); got != tt.first {
			t.Errorf("interval %v, r %v: initial delay %v, want %v", tt.iv, tt.r, got, tt.first)
		}
		if got := e.nextDelay(tt.iv); got.Round(time.Millisecond) != tt.every {
			t.Errorf("interval %v, r %v: next delay %v, want %v", tt.iv, tt.r, got, tt.every)
		}
	}
}

// healthGoroutines returns the stacks of goroutines running this package's
// code (other than the test itself).
func healthGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "trafficflow/health.(*Engine)") || strings.Contains(g, "trafficflow/health.probe") ||
			strings.Contains(g, "trafficflow/health.dial") {
			if !strings.Contains(g, "testing.tRunner") {
				out = append(out, g)
			}
		}
	}
	return out
}

func TestStopLeavesNoGoroutine(t *testing.T) {
	b := newBackend(t, false)
	hang := newBackend(t, false)
	hang.hang.Store(1)
	tcp := newTCPBackend(t, nil)
	secure := newBackend(t, true)
	before := runtime.NumGoroutine()
	if g := healthGoroutines(); len(g) != 0 {
		t.Fatalf("goroutines left over before the test:\n%s", strings.Join(g, "\n\n"))
	}

	// The name of check "resolving" resolves only when its probe is
	// cancelled or times out; lookupErr says which.
	resolving := make(chan struct{})
	var once sync.Once
	lookupErr := make(chan error, 1)
	lookup := func(ctx context.Context, host string) ([]netip.Addr, error) {
		once.Do(func() { close(resolving) })
		<-ctx.Done()
		lookupErr <- ctx.Err()
		return nil, ctx.Err()
	}
	e, log := newEngine(t, Options{LookupIPv4: lookup})
	fast := func(c *policyfile.HealthCheck) { c.RequestInterval = 100 * time.Millisecond }
	e.Update([]*policyfile.HealthCheck{
		hc("resolving", policyfile.HTTP, netip.AddrPort{}, func(c *policyfile.HealthCheck) {
			c.FullyQualifiedDomainName = "slow.example.test"
			c.Port = 80
		}),
		hc("http", policyfile.HTTP, b.ap, fast),
		hc("tls", policyfile.HTTPS, secure.ap, fast),
		hc("hang", policyfile.HTTPStrMatch, hang.ap, func(c *policyfile.HealthCheck) {
			c.RequestInterval = 30 * time.Second // its probe hangs for up to 8s
			c.SearchString = "x"
		}),
		hc("tcp", policyfile.TCP, tcp.ap, fast),
		hc("calc", policyfile.Calculated, netip.AddrPort{}, func(c *policyfile.HealthCheck) { c.ChildHealthChecks = []string{"http", "tcp"} }),
	}, nil)
	e.Start()
	waitFor(t, "probes to hang", 5*time.Second, func() bool { return hang.active.Load() == 1 && b.hits.Load() >= 2 })
	<-resolving

	// Stop cancels the probes in flight (TestProbeCancelled shows that this
	// ends a blocked HTTP probe) and waits for them.
	e.Stop()
	select {
	case err := <-lookupErr:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("the probe in flight ended with %v, want it cancelled by Stop", err)
		}
	default:
		t.Error("Stop returned before the probe in flight ended")
	}
	e.Stop() // idempotent
	for _, id := range []string{"resolving", "http", "tls", "hang", "tcp"} {
		done, _ := e.doneOf(id)
		select {
		case <-done:
		default:
			t.Errorf("prober of %q still running after Stop", id)
		}
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		g := healthGoroutines()
		n := runtime.NumGoroutine()
		if len(g) == 0 && n <= before {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines before, %d after Stop; this package's:\n%s", before, n, strings.Join(g, "\n\n"))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := log.count("health checks stopped"); n != 1 {
		t.Errorf("want one stop message:\n%s", log)
	}

	// Nothing starts again after Stop.
	hits := b.hits.Load()
	e.Start()
	e.Update([]*policyfile.HealthCheck{hc("late", policyfile.HTTP, b.ap, fast)}, nil)
	if done, _ := e.doneOf("late"); done != nil {
		t.Error("Update after Stop started a prober")
	}
	if e.probeNow("late"); b.hits.Load() != hits {
		t.Error("a probe ran after Stop")
	}
}

// Checks whose backends hang do not delay the others: with 200 of them
// in flight, a TCP check probed every second with a threshold of 1 still
// notices its backend going down and coming back within 2 seconds each.
func TestHangingChecksDoNotDelayOthers(t *testing.T) {
	hang := newBackend(t, false)
	hang.hang.Store(1)
	t.Cleanup(hang.free)
	tcp := newTCPBackend(t, nil)
	e, _ := newEngine(t, Options{})
	var checks []*policyfile.HealthCheck
	for i := range 200 {
		checks = append(checks, hc(fmt.Sprintf("hang%d", i), policyfile.HTTP, hang.ap, func(c *policyfile.HealthCheck) { c.RequestInterval = 10 * time.Second }))
	}
	checks = append(checks, hc("fast", policyfile.TCP, tcp.ap, func(c *policyfile.HealthCheck) {
		c.RequestInterval = time.Second
		c.FailureThreshold = 1
	}))
	e.Update(checks, nil)
	e.Start()
	waitFor(t, "200 hanging probes in flight", 10*time.Second, func() bool { return hang.active.Load() >= 200 })
	cell := mustCell(t, e, "fast")
	tcp.down()
	start := time.Now()
	waitFor(t, "the fast check to go down", 5*time.Second, func() bool { return !cell.Load() })
	down := time.Since(start)
	tcp.up()
	start = time.Now()
	waitFor(t, "the fast check to come back", 5*time.Second, func() bool { return cell.Load() })
	up := time.Since(start)
	if down > 2*time.Second || up > 2*time.Second {
		t.Errorf("detection took %s (down) and %s (up) behind 200 hanging checks, want at most 2s each", down, up)
	}
}

func BenchmarkCellLoad(b *testing.B) {
	e := New(Options{})
	var checks []*policyfile.HealthCheck
	for _, id := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		checks = append(checks, hc(id, policyfile.TCP, netip.MustParseAddrPort("127.0.0.1:1")))
	}
	e.Update(checks, nil)
	b.ReportAllocs()
	b.Run("Cell+Load", func(b *testing.B) {
		for b.Loop() {
			if !e.Cell("e").Load() {
				b.Fatal("unhealthy")
			}
		}
	})
	cell := e.Cell("e")
	b.Run("Load", func(b *testing.B) {
		for b.Loop() {
			if !cell.Load() {
				b.Fatal("unhealthy")
			}
		}
	})
}

// A plan changes nothing until it is applied: the plugin builds its
// snapshot on a plan's cells, and a snapshot that fails to build drops the
// plan, leaving the engine's checks, probes and metrics as they were.
// Applied, the plan's cells are the engine's, and fixed IDs hold their
// fixed state.
func TestPrepareApply(t *testing.T) {
	b := newBackend(t, false)
	e, _ := newEngine(t, Options{})
	keep := hc("keep", policyfile.TCP, b.ap)
	e.Update([]*policyfile.HealthCheck{keep}, nil)
	e.Start()
	keepCell := mustCell(t, e, "keep")

	cfg := Config{
		Checks: []*policyfile.HealthCheck{keep, hc("new", policyfile.TCP, b.ap)},
		Forced: map[string]policyfile.ForcedState{"keep": policyfile.ForcedUnhealthy},
		Fixed:  map[string]policyfile.ForcedState{"up": policyfile.ForcedHealthy, "down": policyfile.ForcedUnhealthy, "keep": policyfile.ForcedUnhealthy},
	}
	dropped := e.Prepare(cfg)
	if dropped.Cell("keep") != keepCell || dropped.Cell("new") == nil || dropped.Cell("nope") != nil {
		t.Errorf("plan cells: keep %p (engine %p), new %p", dropped.Cell("keep"), keepCell, dropped.Cell("new"))
	}
	if dropped.Cell("keep") == dropped.Cell("up") || !dropped.Cell("up").Load() || dropped.Cell("down").Load() {
		t.Error("fixed IDs must have cells of their own, in their fixed state")
	}
	// Dropped: nothing changed.
	if e.Cell("new") != nil || e.Cell("up") != nil || !keepCell.Load() {
		t.Errorf("a prepared plan changed the engine: new %p, up %p, keep healthy %v", e.Cell("new"), e.Cell("up"), keepCell.Load())
	}
	if done, c := e.doneOf("new"); len(e.Status()) != 1 || c != nil || done != nil {
		t.Errorf("a prepared plan started something: %d checks", len(e.Status()))
	}
	if _, ok := metricValue(t, "coredns_trafficflow_healthcheck_status", "new"); ok {
		t.Error("a prepared plan published metrics for its new check")
	}

	plan := e.Prepare(cfg)
	e.Apply(plan)
	for _, id := range []string{"keep", "new", "up", "down"} {
		if e.Cell(id) != plan.Cell(id) {
			t.Errorf("%s: the engine's cell is not the plan's", id)
		}
	}
	if e.Cell("keep") != keepCell || keepCell.Load() {
		t.Errorf("keep: a check defined in the store is not fixed; it is forced unhealthy (healthy %v)", keepCell.Load())
	}
	if !e.Cell("new").Load() || !e.Cell("up").Load() || e.Cell("down").Load() {
		t.Error("applied states: new starts healthy, up healthy, down unhealthy")
	}
	if got, ok := metricValue(t, "coredns_trafficflow_healthcheck_status", "new"); !ok || got != 1 {
		t.Errorf("healthcheck_status{check=new} = %v (exists %v) once applied, want 1", got, ok)
	}
}
