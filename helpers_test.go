package trafficflow

import (
	"context"
	"net/netip"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/file"
	clog "github.com/coredns/coredns/plugin/pkg/log"
	"github.com/coredns/coredns/plugin/test"
	"github.com/coredns/coredns/request"
	"github.com/miekg/dns"

	"github.com/trafficflow/trafficflow/geo"
	"github.com/trafficflow/trafficflow/watch"
)

// Helpers shared by the root package's tests: the plugin builder
// (newPlugin) and the fakes that stand in for the GeoIP database, the
// upstream and the next plugin. Queries through the handler and checks of
// their replies are in helpers_query_test.go; the stores the tests serve,
// and the ways their files change, in helpers_store_test.go; metrics, logs
// and goroutines in helpers_observe_test.go; a real CoreDNS server for the
// end-to-end tests (e2e_*_test.go) in helpers_server_test.go; the health
// checks' targets of the health e2e tests in helpers_health_test.go.

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

// boolInt is 1 for true and 0 for false.
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
