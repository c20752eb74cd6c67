package trafficflow

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/file"
	"github.com/coredns/coredns/plugin/pkg/dnstest"
	clog "github.com/coredns/coredns/plugin/pkg/log"
	"github.com/coredns/coredns/plugin/test"
	"github.com/coredns/coredns/request"
	"github.com/miekg/dns"

	"github.com/trafficflow/trafficflow/geo"
	"github.com/trafficflow/trafficflow/watch"
)

// Helpers shared by the root package's tests: the plugin builder
// (newPlugin), queries through the handler and checks of their replies,
// and the fakes that stand in for the GeoIP database, the upstream and the
// next plugin. The stores the tests serve, and the ways their files
// change, are in helpers_store_test.go; metrics, logs and goroutines in
// helpers_observe_test.go; a real CoreDNS server for the end-to-end tests
// (e2e_*_test.go) in helpers_server_test.go.

func init() { clog.Discard() }

// pluginOpts says how newPlugin sets trafficflow up; a field left at its
// zero value takes the default.
type pluginOpts struct {
	// files are the store's files (relative path → content), written to a
	// new directory; dir names an existing store directory instead.
	files map[string]string
	dir   string
	// block is the body of the directive's block ("geoip FILE", "reload
	// 0s", ...), empty for none.
	block string
	// locator, when set, replaces the GeoIP database as the source of
	// client locations: policies that need a location load without one.
	locator clientLocator
	// upstream resolves names outside the store (alias targets, CNAME
	// targets); by default a fakeResolver with no answers.
	upstream upstreamResolver
	// next is the next plugin; none by default.
	next plugin.Handler
	// seed returns each query's random seed; by default a fixed sequence,
	// so that weighted and multivalue answers are reproducible.
	seed func() uint64
	// start runs OnStartup: the health checks and the store watcher.
	start bool
	// watch runs OnStartup and waits for the watcher's first reload.
	//
	// The watcher checks the store once as it starts, asynchronously; a
	// change made before that check would be found by it, not by the
	// mechanism under test. So watch forgets the baseline fingerprint (the
	// first check then always reloads) and waits for that reload's
	// snapshot: from then on, only events and polls bring changes in.
	watch bool
}

// newPlugin sets trafficflow up as setup does (the directive "trafficflow
// DIR example.org. { BLOCK }" through parse, then init), with the test
// seams o gives; the test's cleanup runs OnShutdown.
func newPlugin(t testing.TB, o pluginOpts) *TrafficFlow {
	t.Helper()
	dir := o.dir
	if o.files != nil {
		dir = writeFiles(t, o.files)
	}
	if dir == "" {
		t.Fatal("newPlugin: no store (files or dir)")
	}
	tf, err := parse(caddy.NewTestController("dns", "trafficflow "+dir+" example.org. {\n"+o.block+"\n}"))
	if err != nil {
		t.Fatal(err)
	}
	tf.Next, tf.locator, tf.upstream, tf.seed = o.next, o.locator, o.upstream, o.seed
	if tf.upstream == nil {
		tf.upstream = &fakeResolver{}
	}
	if tf.seed == nil {
		var seed atomic.Uint64
		tf.seed = func() uint64 { return seed.Add(0x9e3779b97f4a7c15) }
	}
	if err := tf.init(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tf.loader.stop() })
	if !o.start && !o.watch {
		return tf
	}
	if o.watch {
		tf.loader.loaded = watch.Sum{}
	}
	first := tf.snap.Load()
	if err := tf.loader.start(); err != nil {
		t.Fatal(err)
	}
	if o.watch {
		pollUntil(t, answerWait, func() (bool, string) {
			return tf.snap.Load() != first, "the watcher's first check did not reload the store"
		})
	}
	return tf
}

// answerWait is how long a change on disk may take to be served.
const answerWait = 2 * time.Second

// ask sends one query through the plugin, from client address from (and
// with ECS subnet ecs when not empty), and returns the reply and rcode. It
// fails the test on a ServeDNS error or a breach of the rcode contract.
func ask(t testing.TB, h plugin.Handler, name string, qtype uint16, from, ecs string) (*dns.Msg, int) {
	t.Helper()
	m, rc, err := serveQuery(h, name, qtype, from, ecs)
	if err != nil {
		t.Fatal(err)
	}
	return m, rc
}

// checkCase asks h tc's question from the default test client; see
// checkQuery.
func checkCase(t testing.TB, h plugin.Handler, tc test.Case) *dns.Msg {
	t.Helper()
	return checkQuery(t, h, "", "", tc)
}

// checkQuery asks h tc's question from the client address from, with the
// ECS subnet ecs when not empty (see ask), checks that h wrote its reply
// and returned success (as trafficflow and the file plugin do whenever
// they write, whatever the reply's rcode), and checks the reply
// (checkReply).
func checkQuery(t testing.TB, h plugin.Handler, from, ecs string, tc test.Case) *dns.Msg {
	t.Helper()
	m, rc := ask(t, h, tc.Qname, tc.Qtype, from, ecs)
	if m == nil {
		t.Errorf("%s %s: no reply written (rcode %s)", tc.Qname, dns.TypeToString[tc.Qtype], dns.RcodeToString[rc])
		return nil
	}
	if rc != dns.RcodeSuccess {
		t.Errorf("%s %s: the handler wrote its reply and returned rcode %s, want NOERROR", tc.Qname, dns.TypeToString[tc.Qtype], dns.RcodeToString[rc])
	}
	return checkReply(t, m, tc)
}

// checkReply checks a reply to tc's question as CoreDNS's plugin tests do:
// test.SortAndCheck compares its rcode and every record of its answer,
// authority and additional sections with tc's (name, type, TTL unless tc
// says 303, and the data), after test.CNAMEOrder has checked that no CNAME
// comes after its target. Beyond them: the reply is authoritative when
// tc.Authoritative says so, and TXT records have tc's character strings
// one by one (test.Section compares them joined). It returns the reply.
func checkReply(t testing.TB, m *dns.Msg, tc test.Case) *dns.Msg {
	t.Helper()
	q := tc.Qname + " " + dns.TypeToString[tc.Qtype]
	if tc.Authoritative && !m.Authoritative {
		t.Errorf("%s: the reply is not authoritative", q)
	}
	if err := test.CNAMEOrder(m); err != nil {
		t.Errorf("%s: %v:\n%v", q, err, m)
	}
	if err := test.SortAndCheck(m, tc); err != nil {
		t.Errorf("%s: %v:\n%v", q, err, m)
		return m
	}
	for i, rr := range tc.Answer {
		if want, ok := rr.(*dns.TXT); ok && !slices.Equal(m.Answer[i].(*dns.TXT).Txt, want.Txt) {
			t.Errorf("%s: TXT strings %q, want %q", q, m.Answer[i].(*dns.TXT).Txt, want.Txt)
		}
	}
	return m
}

// errRcodeContract marks a handler that broke CoreDNS's rcode contract.
var errRcodeContract = errors.New("rcode contract broken")

// serveQuery is ask without a test, safe on any goroutine: it returns the
// reply h wrote (nil if none) and h's rcode, or an error when ServeDNS
// failed or h broke CoreDNS's rcode contract (errRcodeContract).
func serveQuery(h plugin.Handler, name string, qtype uint16, from, ecs string) (*dns.Msg, int, error) {
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	if ecs != "" {
		addECS(nil, m, ecs)
	}
	var w dns.ResponseWriter = &test.ResponseWriter{RemoteIP: from}
	if strings.Contains(from, ":") {
		w = &test.ResponseWriter6{} // from fe80::42:ff:feca:4c65
	}
	rec := dnstest.NewRecorder(w)
	rc, err := h.ServeDNS(context.Background(), rec, m)
	if err != nil {
		return rec.Msg, rc, fmt.Errorf("%s %s: ServeDNS: %w", name, dns.TypeToString[qtype], err)
	}
	// CoreDNS's contract: the rcode tells the server whether the plugin
	// wrote the reply; otherwise it writes a second one itself.
	if written := rec.Msg != nil; written != plugin.ClientWrite(rc) {
		return rec.Msg, rc, fmt.Errorf("%s %s: %w: reply written: %v, but rcode %d says %v",
			name, dns.TypeToString[qtype], errRcodeContract, written, rc, plugin.ClientWrite(rc))
	}
	return rec.Msg, rc, nil
}

// answerOf asks h for the A records of name (with ECS subnet ecs when not
// empty) through serveQuery, so it is safe on any goroutine. It returns the
// rcode the client gets (the reply's, or the one the server writes when h
// wrote none) and the answer's RDATA, or serveQuery's error.
func answerOf(h plugin.Handler, name, ecs string) (int, []string, error) {
	m, rc, err := serveQuery(h, name, dns.TypeA, "", ecs)
	if err != nil {
		return rc, nil, err
	}
	if m == nil {
		return rc, nil, nil
	}
	return m.Rcode, values(m), nil
}

// waitAnswer polls the answer to an A query for name until it is want,
// and fails the test if that takes longer than answerWait. A name h hands
// to its (missing) next plugin is not an answer yet; a breach of the rcode
// contract fails the test at once.
func waitAnswer(t testing.TB, h plugin.Handler, name, ecs string, want ...string) {
	t.Helper()
	pollUntil(t, answerWait, func() (bool, string) {
		rc, got, err := answerOf(h, name, ecs)
		if errors.Is(err, errRcodeContract) {
			t.Fatal(err)
		}
		return err == nil && rc == dns.RcodeSuccess && slices.Equal(got, want),
			fmt.Sprintf("%s answers %v (rcode %s, error %v), want %v", name, got, dns.RcodeToString[rc], err, want)
	})
}

// assertAnswer checks the answer to an A query for name now.
func assertAnswer(t testing.TB, h plugin.Handler, name, ecs string, want ...string) {
	t.Helper()
	if rc, got, err := answerOf(h, name, ecs); err != nil || rc != dns.RcodeSuccess || !slices.Equal(got, want) {
		t.Fatalf("%s answers %v (rcode %s, error %v), want %v", name, got, dns.RcodeToString[rc], err, want)
	}
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

// values returns the RDATA of the answer section, one string per RR (none
// for a nil reply).
func values(m *dns.Msg) []string {
	if m == nil {
		return nil
	}
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

// geoStub knows a few made-up clients.
var geoStub = stubLocator{
	netip.MustParseAddr("198.51.100.0"): {Country: "US", Subdivision: "CA", Continent: "NA"},
	netip.MustParseAddr("198.51.100.7"): {Country: "US", Subdivision: "CA", Continent: "NA"},
	netip.MustParseAddr("203.0.113.0"):  {Country: "GB", Subdivision: "ENG", Continent: "EU"},
	netip.MustParseAddr("10.240.0.1"):   {Country: "FR", Continent: "EU"},
	netip.MustParseAddr("2001:db8::"):   {Country: "US", Continent: "NA"},
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

const zoneFile = `$ORIGIN example.org.
@      3600 IN SOA ns1.example.org. hostmaster.example.org. 42 7200 1800 1209600 300
@      3600 IN NS  ns1.example.org.
@      3600 IN MX  10 mail.example.org.
ns1    3600 IN A   192.0.2.53
mail   3600 IN A   192.0.2.25
static 3600 IN A   192.0.2.80
`

// fileNext is the file plugin serving zone (a zone file of example.org.,
// such as zoneFile): trafficflow's usual next plugin.
func fileNext(t testing.TB, zone string) plugin.Handler {
	t.Helper()
	z, err := file.Parse(strings.NewReader(zone), "example.org.", "db.example.org", 0)
	if err != nil {
		t.Fatal(err)
	}
	return file.File{Next: test.ErrorHandler(), Zones: file.Zones{Z: map[string]*file.Zone{"example.org.": z}, Names: []string{"example.org."}}}
}

// pollUntil polls cond every few milliseconds until it holds, and fails the
// test with cond's last description if that takes longer than within.
func pollUntil(t testing.TB, within time.Duration, cond func() (ok bool, state string)) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", within, state)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
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
