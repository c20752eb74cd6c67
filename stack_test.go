package trafficflow

import (
	"context"
	"net"
	"net/netip"
	"runtime"
	"runtime/debug"
	"testing"
	"unsafe"

	"github.com/miekg/dns"

	"github.com/trafficflow/trafficflow/geo"
)

// The stack budget. CoreDNS's UDP server (miekg/dns) answers every query on
// a new goroutine, and a new goroutine starts with a small stack (2 KB,
// or the average size of the process's stacks): every time a query's call
// chain outgrows it, the runtime copies the whole stack to one twice the
// size, which costs more than trafficflow's whole answer (2-3 µs, a fifth of
// the server's CPU per query in bench/run.sh's profiles). Under a server
// block with only errors in front, the chain reaches trafficflow at about
// 1.4 KB and the reply's write (Scrub, Pack, sendmsg) needs about 1.2 KB
// below the caller of WriteMsg; a 4 KB stack has about 3.2 KB to give before
// it grows. So trafficflow keeps the reply's write close to ServeDNS's frame
// (answer's frame, with the per-query state, is gone by then) and its
// evaluation shallow (no per-query data in recursive frames, one frame per
// level of a tree). These tests hold that: they fail when a change makes
// the query path deeper than its budget. TestQueryStackDepth measures the
// deepest point of every benchmark query, TestQueryStackBudget the depth
// at the location lookup and at the reply's write, and
// stack_server_test.go checks, in a real server, that no query grows the
// stack in trafficflow's part.
//
// The budgets are in stack_norace_test.go, and larger in stack_race_test.go
// (the race detector changes every frame's size): writeBudget from
// ServeDNS's caller to the reply's WriteMsg, lookupBudget to the client
// location lookup, which runs in the frame that then evaluates the policy,
// depthBudget to the deepest point (including TestQueryStackDepth's own
// closure frame, about 130 bytes).
// Evaluation's recursion has small frames (evaluate.state lives in
// Policy.Evaluate's frame; eval's own is under 100 bytes).

// stackPointer returns (about) the caller's stack pointer.
//
//go:noinline
func stackPointer() uintptr {
	var x byte
	return uintptr(unsafe.Pointer(&x))
}

// growStack uses n bytes of stack and returns, so that the goroutine's
// stack does not move (grow) while a measurement runs.
//
//go:noinline
func growStack(n int) byte {
	var buf [1024]byte
	buf[n%1024] = byte(n)
	if n <= 1024 {
		return buf[0]
	}
	return growStack(n-1024) + buf[n%1024]
}

// depthProbe records the deepest stack position seen at its hooks,
// relative to base.
type depthProbe struct {
	base     uintptr
	write    uintptr // depth at WriteMsg
	lookup   uintptr // deepest depth at Locator.Lookup
	lookups  int
	inner    clientLocator
	answered *dns.Msg
}

func (p *depthProbe) depth() uintptr { return p.base - stackPointer() }

func (p *depthProbe) Lookup(a netip.Addr) (geo.Location, int) {
	p.lookup = max(p.lookup, p.depth())
	p.lookups++
	return p.inner.Lookup(a)
}

// probeWriter is a ResponseWriter that measures the stack at WriteMsg.
type probeWriter struct {
	discardWriter
	p *depthProbe
}

func (w *probeWriter) WriteMsg(m *dns.Msg) error {
	w.p.write = w.p.depth()
	w.p.answered = m
	return nil
}

func TestQueryStackBudget(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skipf("the stack budgets are measured on amd64; frames differ on %s", runtime.GOARCH)
	}
	tf := newPlugin(t, benchOpts(t, 0))
	snap := tf.snap.Load()
	if snap.geo == nil {
		t.Fatal("the benchmark store has no GeoIP database")
	}
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // no stack shrinking mid-measurement

	for name := range benchPolicies {
		for _, subnet := range []string{"2.125.160.216/29", "81.2.69.160/27", "216.160.83.56/29", ""} {
			t.Run(name+"/"+subnet, func(t *testing.T) {
				p := &depthProbe{inner: snap.geo}
				tf.locator = p
				defer func() { tf.locator = nil }()
				w := &probeWriter{discardWriter: discardWriter{remote: &net.UDPAddr{IP: net.IPv4(10, 240, 0, 1), Port: 40212}}, p: p}
				q := benchQuery(name+".example.org.", subnet)
				done := make(chan int)
				go func() {
					growStack(64 << 10)
					p.base = stackPointer()
					rc, _ := tf.ServeDNS(context.Background(), w, q)
					done <- rc
				}()
				if rc := <-done; rc != dns.RcodeSuccess || p.answered == nil || len(p.answered.Answer) == 0 {
					t.Fatalf("rcode %d, reply %v", rc, p.answered)
				}
				if p.write == 0 || p.write > 64<<10 {
					t.Fatalf("bad measurement: write depth %d", p.write)
				}
				if p.write > writeBudget {
					t.Errorf("the reply is written %d bytes below ServeDNS's caller; the budget is %d", p.write, writeBudget)
				}
				if p.lookups > 0 && p.lookup > lookupBudget {
					t.Errorf("the location lookup runs %d bytes below ServeDNS's caller; the budget is %d", p.lookup, lookupBudget)
				}
				t.Logf("write at %d bytes, lookup at %d bytes (%d lookups)", p.write, p.lookup, p.lookups)
			})
		}
	}
}

// withStack calls f about n bytes of stack below its caller (in steps of
// its frame, 64 bytes on amd64).
//
//go:noinline
func withStack(n int, f func()) byte {
	var buf [32]byte
	if n < len(buf) {
		f()
		return buf[0]
	}
	buf[n%len(buf)] = byte(n)
	return withStack(n-64, f) + buf[n%len(buf)]
}

// TestQueryStackDepth measures the deepest point of each benchmark query
// below ServeDNS's caller, whatever function reaches it (evaluation of a
// deep tree, the location lookup, ...), without hooks: on a goroutine
// whose stack is 4 KB, it finds the most stack a caller can use before
// the query makes the stack grow, and compares it with the most a call
// that does nothing allows. The reply's write is not included (the writer
// discards it; see TestQueryStackBudget and stack_server_test.go).
func TestQueryStackDepth(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skipf("the stack budgets are measured on amd64; frames differ on %s", runtime.GOARCH)
	}
	tf := newPlugin(t, benchOpts(t, 0))
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // a GC may shrink a stack: that moves it too
	w := &discardWriter{remote: &net.UDPAddr{IP: net.IPv4(10, 240, 0, 1), Port: 40212}}
	// moves reports whether f, pad bytes down a fresh 4 KB stack, moves it.
	moves := func(pad int, f func()) bool {
		done := make(chan bool)
		go func() {
			growStack(1500) // from the first 2 KB to 4 KB
			before := stackPointer()
			withStack(pad, f)
			done <- stackPointer() != before
		}()
		return <-done
	}
	// room is the most stack a caller of f can use (to 64 bytes).
	room := func(f func()) int {
		lo, hi := 0, 4096
		for hi-lo > 64 {
			if mid := (lo + hi) / 2; moves(mid, f) {
				hi = mid
			} else {
				lo = mid
			}
		}
		return lo
	}
	if moves(0, func() {}) || !moves(4096, func() {}) {
		t.Fatal("the measurement does not work: the goroutine's stack is not 4 KB")
	}
	free := room(func() {})
	for name := range benchPolicies {
		for _, subnet := range []string{"2.125.160.216/29", "81.2.69.160/27", "216.160.83.56/29", ""} {
			q := benchQuery(name+".example.org.", subnet)
			serve := func() {
				if rc, _ := tf.ServeDNS(context.Background(), w, q); rc != dns.RcodeSuccess {
					t.Errorf("%s from %q: rcode %d", name, subnet, rc)
				}
			}
			serve() // warm: first-time paths are deeper
			depth := free - room(serve)
			if depth > depthBudget {
				t.Errorf("%s from %q: the query reaches %d bytes below ServeDNS's caller; the budget is %d", name, subnet, depth, depthBudget)
			}
			t.Logf("%s from %q: %d bytes", name, subnet, depth)
		}
	}
}
