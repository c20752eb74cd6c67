package trafficflow

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coredns/coredns/core/dnsserver"
)

// Hits: how a query counts cheaply. Looking up a name's series per query
// costs several CPU cache misses in a big store (the entry's counters,
// each counter, for requests and for every endpoint answered). So a query
// only adds one to plain atomic counters that each entry holds in one
// contiguous block, allocated with the snapshot (requests, then answers
// per endpoint, then fail-opens per rule). The deltas go into the series
// (perRecord, counters.go) every flushInterval while the instance runs,
// when /metrics is read, when a reload replaces the snapshot and at
// shutdown. A series appears at the first flush after its first count.
//
// Hits count for one server: the first that asks (an instance almost
// always serves one; with several listeners in one server block, the
// others take the slow path, counters.go).

// serverSlot is the server whose queries an instance counts in hits.
type serverSlot struct {
	server any    // the *dnsserver.Server (nil outside a server: tests)
	label  string // its metrics label
}

// entryFlush is the flush side of an entry's hits, guarded by the
// instance's flush.mu.
type entryFlush struct {
	// done holds, per hit counter (hits, then failHits), what has gone
	// into the series.
	done []uint64
	// counters are the entry's counters on the slot's server, resolved at
	// the first flush with something to count.
	counters *entryCounters
}

// flushState is an instance's flush side.
type flushState struct {
	mu sync.Mutex
	// slot is the server the instance counts in hits, claimed by its first
	// counted query.
	slot atomic.Pointer[serverSlot]
	// stop and done stop the periodic flush (startFlusher).
	stop, done chan struct{}
	// retired is the snapshot the last reload replaced, until the next
	// flush: queries that loaded it may still be counting. That flush adds
	// what they counted to the series the snapshot had, resolving none,
	// and lets the snapshot go.
	retired *snapshot
}

// allocHits gives every entry of s (and its canary) its hit counters, in
// one block: requests, answers per endpoint (endpoints mode), fail-opens
// per rule (one per entry with metrics off, where an answer counts once).
func (s *snapshot) allocHits(mode metricsMode) {
	if mode == metricsNone {
		return
	}
	sizes := func(e *entry) (hits, fails int) {
		hits, fails = 1, len(e.policy.Rules())
		if mode == metricsEndpoints {
			hits += len(e.policy.Endpoints())
		}
		if mode == metricsZones {
			fails = 1
		}
		return hits, fails
	}
	total := 0
	for _, e := range s.entries {
		h, f := sizes(e)
		total += h + f
	}
	block := make([]atomic.Uint64, total)
	done := make([]uint64, total)
	for _, e := range s.entries {
		h, f := sizes(e)
		e.hits, e.failHits = block[:h:h], block[h:h+f:h+f]
		e.flush.done = done[: h+f : h+f]
		block, done = block[h+f:], done[h+f:]
	}
}

// countsHere reports whether the query's server is the one whose queries
// the instance counts in hits.
func (tf *TrafficFlow) countsHere(ctx context.Context) bool {
	srv := ctx.Value(dnsserver.Key{})
	p := tf.flush.slot.Load()
	if p == nil {
		p = tf.claimSlot(srv)
	}
	return p.server == srv
}

// claimSlot makes srv the server the instance counts in hits, unless a
// query of another server claimed it first, and returns the slot.
//
//go:noinline
func (tf *TrafficFlow) claimSlot(srv any) *serverSlot {
	p := &serverSlot{server: srv, label: serverLabel(srv)}
	if tf.flush.slot.CompareAndSwap(nil, p) {
		flushers.add(tf)
		return p
	}
	return tf.flush.slot.Load()
}

// flushInterval is how often a running instance flushes its hits.
const flushInterval = time.Second

// startFlusher starts the periodic flush (OnStartup).
func (tf *TrafficFlow) startFlusher() {
	if tf.cfg.metrics == metricsNone || tf.flush.stop != nil {
		return
	}
	stop, done := make(chan struct{}), make(chan struct{})
	tf.flush.stop, tf.flush.done = stop, done
	go func() {
		defer close(done)
		t := time.NewTicker(flushInterval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				tf.flushHits()
			case <-stop:
				return
			}
		}
	}()
}

// stopFlusher stops the periodic flush and waits for it (OnShutdown).
func (tf *TrafficFlow) stopFlusher() {
	if tf.flush.stop == nil {
		return
	}
	close(tf.flush.stop)
	<-tf.flush.done
	tf.flush.stop = nil
}

// flushHits adds what the current and the retired snapshot counted since
// the last flush to the series, and lets the retired one go.
func (tf *TrafficFlow) flushHits() {
	tf.flush.mu.Lock()
	defer tf.flush.mu.Unlock()
	tf.flushLocked(tf.snap.Load(), true)
	tf.flushLocked(tf.flush.retired, false)
	tf.flush.retired = nil
}

// retire flushes the snapshot a reload replaced (prev, nil at the first
// load) and keeps it as the retired one until the next flush; one retired
// before gets its last flush. A reload calls it before releasing the
// series the new snapshot does not have.
func (tf *TrafficFlow) retire(prev *snapshot) {
	tf.flush.mu.Lock()
	defer tf.flush.mu.Unlock()
	tf.flushLocked(prev, true)
	if r := tf.flush.retired; r != prev {
		tf.flushLocked(r, false)
	}
	tf.flush.retired = prev
}

// stopHits flushes everything (shutdown, before the series are released)
// and stops flushing the instance.
func (tf *TrafficFlow) stopHits() {
	tf.stopFlusher()
	tf.flushHits()
	flushers.remove(tf)
}

// flushLocked flushes the entries of s. With resolve false it resolves no
// series: what an entry without counters counted is dropped (a retired
// snapshot's series may be gone).
func (tf *TrafficFlow) flushLocked(s *snapshot, resolve bool) {
	slot := tf.flush.slot.Load()
	if s == nil || slot == nil {
		return
	}
	for _, e := range s.entries {
		// take returns what hit counter j (hits, then failHits) counted
		// since the last flush, and marks it flushed.
		take := func(j int, h *atomic.Uint64) uint64 {
			d := h.Load() - e.flush.done[j]
			e.flush.done[j] += d
			return d
		}
		// Counters are resolved only for what was counted.
		for i := range e.hits {
			d := take(i, &e.hits[i])
			if d == 0 {
				continue
			}
			if c := tf.flushCounters(e, slot, resolve); c == nil {
				continue
			} else if i == 0 {
				c.requests.n.Add(d)
			} else {
				c.answers[i-1].n.Add(d)
			}
		}
		for r := range e.failHits {
			d := take(len(e.hits)+r, &e.failHits[r])
			if d == 0 {
				continue
			}
			if c := tf.flushCounters(e, slot, resolve); c != nil && (resolve || c.failOpen[r].Load() != nil) {
				tf.failOpenCounter(c, e, r).n.Add(d)
			}
		}
	}
}

// flushCounters returns e's counters for the flush, resolving them if
// resolve allows (nil if not).
func (tf *TrafficFlow) flushCounters(e *entry, slot *serverSlot, resolve bool) *entryCounters {
	if e.flush.counters == nil && resolve {
		e.flush.counters = tf.resolveCounters(e, slot.server, slot.label)
	}
	return e.flush.counters
}

// flusherSet holds the instances that count in hits, for the collector.
type flusherSet struct {
	mu sync.Mutex
	m  map[*TrafficFlow]struct{}
}

// flushers are the instances that count in hits: those whose first counted
// query has come and that have not shut down.
var flushers flusherSet

func (f *flusherSet) add(tf *TrafficFlow) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		f.m = map[*TrafficFlow]struct{}{}
	}
	f.m[tf] = struct{}{}
}

func (f *flusherSet) remove(tf *TrafficFlow) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.m, tf)
}

// flushAll flushes every instance's hits.
func (f *flusherSet) flushAll() {
	f.mu.Lock()
	all := make([]*TrafficFlow, 0, len(f.m))
	for tf := range f.m {
		all = append(all, tf)
	}
	f.mu.Unlock()
	for _, tf := range all {
		tf.flushHits()
	}
}
