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
// evaluation shallow (no per-query data in recursive frames). These tests
// hold that: they fail when a change makes the query path deeper than its
// budget.
//
// The budgets are in stack_norace_test.go, and larger in stack_race_test.go
// (the race detector changes every frame's size): writeBudget from
// ServeDNS's caller to the reply's WriteMsg, lookupBudget to the client
// location lookup, which runs in the frame that then evaluates the policy.
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
