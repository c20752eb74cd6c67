//go:build !race

package trafficflow

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin"
	"github.com/miekg/dns"
)

// The stack budget in a real server (see stack_test.go). The other tests
// measure depths below ServeDNS; this one checks what they are for, whole:
// queries of every benchmark policy go over UDP to a CoreDNS server, on
// miekg/dns's own goroutine per query, through the chain of
// Corefile.example (errors, then trafficflow), and a probe just before
// trafficflow tells whether trafficflow's part of the query, the real
// reply's write included, grew the stack. The probe's frame counts against
// trafficflow, so the test is slightly stricter than a server. Behind
// prometheus as well, every query outgrows 4 KB before it reaches
// trafficflow (nothing trafficflow can change): that chain is only logged.
//
// Not under the race detector, which changes every frame's size.

// stackProbe is the probe plugin: it only compares the stack pointer
// before and after next. Its frame, the only stack it adds to the chain,
// is small (about 100 bytes), and counts against trafficflow.
type stackProbe struct {
	next  plugin.Handler
	moved atomic.Bool
}

func (p *stackProbe) Name() string { return "stackprobe" }

func (p *stackProbe) ServeDNS(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
	before := stackPointer()
	rc, err := p.next.ServeDNS(ctx, w, r)
	p.moved.Store(stackPointer() != before)
	return rc, err
}

// probes is the stackprobe instance of the running test's server.
var probes struct {
	sync.Mutex
	last *stackProbe
}

func init() {
	plugin.Register("stackprobe", func(c *caddy.Controller) error {
		c.Next()
		p := &stackProbe{}
		probes.Lock()
		probes.last = p
		probes.Unlock()
		dnsserver.GetConfig(c).AddPlugin(func(next plugin.Handler) plugin.Handler { p.next = next; return p })
		return nil
	})
}

func TestServerStackBudget(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // a GC may shrink a stack: that moves it too
	dir := writeFiles(t, benchStore(0))
	geoip := testdataPath(t, "geoip/GeoIP2-City-Test.mmdb")
	for _, chain := range []struct {
		name, front string
		mustFit     bool
	}{
		{"errors (Corefile.example)", "errors", true},
		{"errors, prometheus", "errors\n prometheus 127.0.0.1:0", false},
	} {
		t.Run(chain.name, func(t *testing.T) {
			_, addr := startServer(t, fmt.Sprintf("example.org:0 {\n bind 127.0.0.1\n %s\n stackprobe\n trafficflow %s {\n  geoip %s\n }\n}\n",
				chain.front, dir, geoip))
			probes.Lock()
			probe := probes.last
			probes.Unlock()
			// moves reports whether trafficflow's part of a query moves the
			// stack when it runs again and again: a run now and then takes a
			// colder, deeper path (the memory allocator refilling its
			// cache, say), which a query that fits survives.
			moves := func(name, subnet string) bool {
				moved := 0
				for range 5 {
					probe.moved.Store(false)
					if r := exchange(t, addr, name, dns.TypeA, subnet); r.Rcode != dns.RcodeSuccess || len(r.Answer) == 0 {
						t.Fatalf("%s from %q: %v", name, subnet, r)
					}
					if probe.moved.Load() {
						moved++
					}
				}
				return moved >= 4
			}
			for name := range benchPolicies {
				for _, subnet := range []string{"2.125.160.216/29", "81.2.69.160/27", "216.160.83.56/29", ""} {
					qname := name + ".example.org."
					switch {
					case !moves(qname, subnet):
					case chain.mustFit:
						t.Errorf("%s from %q: trafficflow's part of the query grows the stack", qname, subnet)
					default:
						t.Logf("%s from %q: trafficflow's part of the query grows the stack", qname, subnet)
					}
				}
			}
		})
	}
}
