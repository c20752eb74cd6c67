package trafficflow

import (
	"context"
	"net"
	"net/netip"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/pkg/dnstest"
	clog "github.com/coredns/coredns/plugin/pkg/log"
	"github.com/coredns/coredns/plugin/test"
	"github.com/coredns/coredns/request"
	"github.com/miekg/dns"

	"github.com/trafficflow/trafficflow/geo"
	"github.com/trafficflow/trafficflow/internal/storegen"
)

func init() { clog.Discard() }

// writeFiles creates files (relative path → content) under a new
// directory and returns it.
func writeFiles(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if err := storegen.WriteFiles(dir, files); err != nil {
		t.Fatal(err)
	}
	return dir
}

// setupPlugin sets trafficflow up on the store directory dir for the zone
// example.org., with the body of a directive block (which may be empty),
// as setup does, without starting it; the test's cleanup runs its
// OnShutdown. Its queries draw their seeds from a fixed sequence.
func setupPlugin(t testing.TB, dir, block string) *TrafficFlow {
	t.Helper()
	c := caddy.NewTestController("dns", "trafficflow "+dir+" example.org. {\n"+block+"\n}")
	tf, err := parse(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := tf.init(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tf.shutdown() })
	var seed atomic.Uint64
	tf.Seed = func() uint64 { return seed.Add(0x9e3779b97f4a7c15) }
	return tf
}

// newPlugin writes files into a new store directory and sets the plugin up
// on it; STORE in block is replaced by the store directory.
func newPlugin(t testing.TB, files map[string]string, block string) *TrafficFlow {
	t.Helper()
	dir := writeFiles(t, files)
	return setupPlugin(t, dir, strings.ReplaceAll(block, "STORE", dir))
}

// stacks returns the stacks of every goroutine.
func stacks() string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return string(buf[:n])
		}
		buf = make([]byte, 2*len(buf))
	}
}

// testdataPath returns the absolute path of a file in the repository's
// testdata directory.
func testdataPath(t testing.TB, rel string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", rel))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// ask sends one query through the plugin, from client address from (and
// with ECS subnet ecs when not empty), and returns the reply and rcode.
func ask(t testing.TB, h plugin.Handler, name string, qtype uint16, from, ecs string) (*dns.Msg, int) {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	if ecs != "" {
		addECS(t, m, ecs)
	}
	var w dns.ResponseWriter = &test.ResponseWriter{RemoteIP: from}
	if strings.Contains(from, ":") {
		w = &test.ResponseWriter6{} // from fe80::42:ff:feca:4c65
	}
	rec := dnstest.NewRecorder(w)
	rc, err := h.ServeDNS(context.Background(), rec, m)
	if err != nil {
		t.Fatalf("ServeDNS: %v", err)
	}
	// CoreDNS's contract: the rcode tells the server whether the plugin
	// wrote the reply; otherwise it writes a second one itself.
	if written := rec.Msg != nil; written != plugin.ClientWrite(rc) {
		t.Fatalf("%s %s: reply written: %v, but rcode %d says %v", name, dns.TypeToString[qtype], written, rc, plugin.ClientWrite(rc))
	}
	return rec.Msg, rc
}

// addECS adds an EDNS Client Subnet option (CIDR notation) to a query.
func addECS(_ testing.TB, m *dns.Msg, cidr string) {
	p := netip.MustParsePrefix(cidr)
	e := &dns.EDNS0_SUBNET{Code: dns.EDNS0SUBNET, SourceNetmask: uint8(p.Bits()), Address: net.IP(p.Addr().AsSlice())}
	e.Family = 1
	if p.Addr().Is6() {
		e.Family = 2
	}
	o := m.IsEdns0()
	if o == nil {
		m.SetEdns0(1232, false)
		o = m.IsEdns0()
	}
	o.Option = append(o.Option, e)
}

// ecsOf returns the client-subnet option of a reply, or nil.
func ecsOf(m *dns.Msg) *dns.EDNS0_SUBNET {
	if o := m.IsEdns0(); o != nil {
		for _, opt := range o.Option {
			if e, ok := opt.(*dns.EDNS0_SUBNET); ok {
				return e
			}
		}
	}
	return nil
}

// values returns the RDATA of the answer section, one string per RR.
func values(m *dns.Msg) []string {
	var out []string
	for _, rr := range m.Answer {
		hdr := rr.Header().String()
		out = append(out, strings.TrimSpace(strings.TrimPrefix(rr.String(), hdr)))
	}
	return out
}

// stubLocator answers fixed locations per address.
type stubLocator map[netip.Addr]geo.Location

func (s stubLocator) Lookup(a netip.Addr) (geo.Location, int) {
	if l, ok := s[a]; ok {
		return l, 24
	}
	return geo.Location{}, 8
}

// fakeResolver answers alias and CNAME lookups from a table.
type fakeResolver struct {
	answers map[string][]dns.RR // "name/TYPE" → answer
	rcode   int
	calls   atomic.Int32
}

func (f *fakeResolver) Lookup(_ context.Context, state request.Request, name string, typ uint16) (*dns.Msg, error) {
	f.calls.Add(1)
	m := new(dns.Msg)
	m.SetQuestion(name, typ)
	m.Response = true
	m.Rcode = f.rcode
	m.Answer = f.answers[strings.ToLower(name)+"/"+dns.TypeToString[typ]]
	return m, nil
}

func mustRR(t testing.TB, s string) dns.RR {
	t.Helper()
	rr, err := dns.NewRR(s)
	if err != nil {
		t.Fatal(err)
	}
	return rr
}
