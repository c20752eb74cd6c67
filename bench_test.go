package trafficflow

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/coredns/coredns/plugin"
	"github.com/miekg/dns"

	"github.com/trafficflow/trafficflow/health"
	"github.com/trafficflow/trafficflow/internal/storegen"
)

// Benchmarks of ServeDNS per rule type and for a 3-level tree, each beside
// the file plugin answering a static A in the same binary (the baseline
// CoreDNS operators know). Run:
//
//	go test -run '^$' -bench ServeDNS -benchmem .
//
// The writer discards replies without packing them, so the numbers are
// the plugins' own cost.

// discardWriter is a ResponseWriter that drops replies.
type discardWriter struct {
	remote net.Addr
}

func (w *discardWriter) LocalAddr() net.Addr {
	return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53}
}
func (w *discardWriter) RemoteAddr() net.Addr        { return w.remote }
func (w *discardWriter) WriteMsg(*dns.Msg) error     { return nil }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) Close() error                { return nil }
func (w *discardWriter) TsigStatus() error           { return nil }
func (w *discardWriter) TsigTimersOnly(bool)         {}
func (w *discardWriter) Hijack()                     {}

// benchPolicies are the benchmark's policies, by record label.
var benchPolicies = map[string]string{
	"single": `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartEndpoint":"e","Endpoints":{"e":{"Type":"value","Value":"192.0.2.1"}}}`,
	"weighted": `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"w","Endpoints":{"a":{"Type":"value","Value":"192.0.2.1"},"b":{"Type":"value","Value":"192.0.2.2"},"c":{"Type":"value","Value":"192.0.2.3"}},
		"Rules":{"w":{"RuleType":"weighted","Items":[{"EndpointReference":"a","Weight":3,"HealthCheck":"h1"},{"EndpointReference":"b","Weight":1,"HealthCheck":"h2"},{"EndpointReference":"c","Weight":1}]}}}`,
	"failover": `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"f","Endpoints":{"a":{"Type":"value","Value":"192.0.2.1"},"b":{"Type":"value","Value":"192.0.2.2"}},
		"Rules":{"f":{"RuleType":"failover","Primary":{"EndpointReference":"a","HealthCheck":"h1"},"Secondary":{"EndpointReference":"b","HealthCheck":"h2"}}}}`,
	"geo": geoBenchPolicy,
	"geoproximity": `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"g","Endpoints":{"a":{"Type":"value","Value":"192.0.2.1"},"b":{"Type":"value","Value":"192.0.2.2"},"c":{"Type":"value","Value":"192.0.2.3"},"d":{"Type":"value","Value":"192.0.2.4"}},
		"Rules":{"g":{"RuleType":"geoproximity","GeoproximityLocations":[{"EndpointReference":"a","Region":"aws:route53:us-east-1","Bias":20},{"EndpointReference":"b","Region":"aws:route53:eu-central-1","HealthCheck":"h1"},
		{"EndpointReference":"c","Region":"aws:route53:ap-southeast-2","Bias":-10},{"EndpointReference":"d","Latitude":"51.50","Longitude":"-0.12"}]}}}`,
	"latency": `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"l","Endpoints":{"a":{"Type":"value","Value":"192.0.2.1"},"b":{"Type":"value","Value":"192.0.2.2"},"c":{"Type":"value","Value":"192.0.2.3"}},
		"Rules":{"l":{"RuleType":"latency","Regions":[{"EndpointReference":"a","Region":"us-east-1"},{"EndpointReference":"b","Region":"eu-west-1","HealthCheck":"h1"},{"EndpointReference":"c","Region":"ap-northeast-1"}]}}}`,
	"multivalue": multivalueBenchPolicy(),
	"tree":       treeBenchPolicy,
}

const geoBenchPolicy = `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"g",
"Endpoints":{"ca":{"Type":"value","Value":"192.0.2.10"},"us":{"Type":"value","Value":"192.0.2.20"},"gb":{"Type":"value","Value":"192.0.2.30"},"eu":{"Type":"value","Value":"192.0.2.40"},"def":{"Type":"value","Value":"192.0.2.99"}},
"Rules":{"g":{"RuleType":"geo","Locations":[{"Country":"US","Subdivision":"CA","EndpointReference":"ca"},{"Country":"US","EndpointReference":"us"},
{"Country":"GB","EndpointReference":"gb","HealthCheck":"h1"},{"Continent":"EU","EndpointReference":"eu"},{"Country":"*","EndpointReference":"def"}]}}}`

// treeBenchPolicy is geo → weighted → failover, three levels, with
// EvaluateTargetHealth and health checks on the way.
const treeBenchPolicy = `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"by-geo",
"Endpoints":{"eu-blue-a":{"Type":"value","Value":"203.0.113.10"},"eu-blue-b":{"Type":"value","Value":"203.0.113.11"},
"eu-green-a":{"Type":"value","Value":"203.0.113.20"},"eu-green-b":{"Type":"value","Value":"203.0.113.21"},
"us-a":{"Type":"value","Value":"203.0.113.30"},"us-b":{"Type":"value","Value":"203.0.113.31"},"rest":{"Type":"value","Value":"203.0.113.99"}},
"Rules":{"by-geo":{"RuleType":"geo","Locations":[{"Continent":"EU","RuleReference":"eu-split","EvaluateTargetHealth":true},
{"Country":"US","RuleReference":"us-pair"},{"IsDefault":true,"EndpointReference":"rest"}]},
"eu-split":{"RuleType":"weighted","Items":[{"RuleReference":"eu-blue","Weight":90,"EvaluateTargetHealth":true},{"RuleReference":"eu-green","Weight":10,"EvaluateTargetHealth":true}]},
"eu-blue":{"RuleType":"failover","Primary":{"EndpointReference":"eu-blue-a","HealthCheck":"h1"},"Secondary":{"EndpointReference":"eu-blue-b","HealthCheck":"h2"}},
"eu-green":{"RuleType":"failover","Primary":{"EndpointReference":"eu-green-a","HealthCheck":"h1"},"Secondary":{"EndpointReference":"eu-green-b"}},
"us-pair":{"RuleType":"failover","Primary":{"EndpointReference":"us-a","HealthCheck":"h2"},"Secondary":{"EndpointReference":"us-b"}}}}`

func multivalueBenchPolicy() string {
	var eps, items []string
	for i := range 12 {
		eps = append(eps, fmt.Sprintf(`"n%d":{"Type":"value","Value":"198.51.100.%d"}`, i, i+1))
		items = append(items, fmt.Sprintf(`{"EndpointReference":"n%d","HealthCheck":"h%d"}`, i, i%2+1))
	}
	return `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"m","Endpoints":{` + strings.Join(eps, ",") +
		`},"Rules":{"m":{"RuleType":"multivalue","Items":[` + strings.Join(items, ",") + `]}}}`
}

const benchZone = `$ORIGIN example.org.
@      3600 IN SOA ns1.example.org. hostmaster.example.org. 1 7200 1800 1209600 300
@      3600 IN NS  ns1.example.org.
ns1    3600 IN A   192.0.2.53
static 3600 IN A   192.0.2.80
`

// benchStore returns the files of the benchmark store, with extra filler
// records (all answered by the single-endpoint policy) to test how query
// cost grows with the store.
func benchStore(filler int) map[string]string {
	files := map[string]string{
		"healthchecks.json": `{"HealthChecks":[{"Id":"h1","HealthCheckConfig":{"Type":"TCP","IPAddress":"127.0.0.1","Port":9,"RequestInterval":300}},
			{"Id":"h2","HealthCheckConfig":{"Type":"TCP","IPAddress":"127.0.0.1","Port":9,"RequestInterval":300}}]}`,
	}
	var recs []string
	for name, doc := range benchPolicies {
		files["policies/"+name+"/1.json"] = doc
		recs = append(recs, fmt.Sprintf(`{"Name":"%s.example.org","Policy":"%s","Version":1,"TTL":60}`, name, name))
	}
	for i := range filler {
		recs = append(recs, fmt.Sprintf(`{"Name":"r%d.example.org","Policy":"single","Version":1,"TTL":60}`, i))
	}
	files["records.json"] = `{"PolicyRecords":[` + strings.Join(recs, ",\n") + `]}`
	return files
}

// benchOpts sets trafficflow up on benchStore(filler) with the MaxMind test
// City database and seeds drawn as in production, the file plugin serving
// benchZone as its next plugin (o.next, the baseline).
func benchOpts(b testing.TB, filler int) pluginOpts {
	return pluginOpts{files: benchStore(filler), block: "geoip " + testdataPath(b, "geoip/GeoIP2-City-Test.mmdb"),
		next: fileNext(b, benchZone), seed: defaultSeed}
}

// benchQuery is a query as a resolver sends it: EDNS0 with ECS.
func benchQuery(name, subnet string) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(name, dns.TypeA)
	m.SetEdns0(1232, false)
	if subnet != "" {
		addECS(m, subnet)
	}
	return m
}

func runServe(b *testing.B, h plugin.Handler, q *dns.Msg, parallel bool) {
	b.Helper()
	w := &discardWriter{remote: &net.UDPAddr{IP: net.IPv4(10, 240, 0, 1), Port: 40212}}
	ctx := context.Background()
	if rc, err := h.ServeDNS(ctx, w, q); err != nil || rc != dns.RcodeSuccess {
		b.Fatalf("rcode %d, %v", rc, err)
	}
	b.ReportAllocs()
	if !parallel {
		for b.Loop() {
			h.ServeDNS(ctx, w, q)
		}
		return
	}
	b.RunParallel(func(pb *testing.PB) {
		w := &discardWriter{remote: w.remote}
		for pb.Next() {
			h.ServeDNS(ctx, w, q)
		}
	})
}

func BenchmarkServeDNS(b *testing.B) {
	o := benchOpts(b, 0)
	tf, f := newPlugin(b, o), o.next
	// The same store with a latency table: latency rules rank by the
	// client's row (the longest of several prefix lengths) instead of by
	// distance.
	lo := benchOpts(b, 0)
	lo.block += "\nlatency_table " + benchLatencyTable(b)
	tfLat := newPlugin(b, lo)
	cases := []struct {
		name string
		h    plugin.Handler
		q    *dns.Msg
	}{
		{"file_static", f, benchQuery("static.example.org.", "2.2.3.0/24")},
		{"single", tf, benchQuery("single.example.org.", "2.2.3.0/24")},
		{"failover", tf, benchQuery("failover.example.org.", "2.2.3.0/24")},
		{"weighted", tf, benchQuery("weighted.example.org.", "2.2.3.0/24")},
		{"geo", tf, benchQuery("geo.example.org.", "2.2.3.0/24")},
		{"geoproximity", tf, benchQuery("geoproximity.example.org.", "2.2.3.0/24")},
		{"latency", tf, benchQuery("latency.example.org.", "2.2.3.0/24")},
		{"latency_table", tfLat, benchQuery("latency.example.org.", "2.2.3.0/24")},
		{"multivalue", tf, benchQuery("multivalue.example.org.", "2.2.3.0/24")},
		{"tree3_geo", tf, benchQuery("tree.example.org.", "2.2.3.0/24")},
		{"tree3_geo_noecs", tf, benchQuery("tree.example.org.", "")},
	}
	for _, par := range []bool{false, true} {
		for _, c := range cases {
			name := c.name
			if par {
				name += "_parallel"
			}
			b.Run(name, func(b *testing.B) { runServe(b, c.h, c.q, par) })
		}
	}
}

// benchLatencyTable writes a latency table of 1,000 networks of four
// prefix lengths (/16, /20, /22, /24), one of which holds 2.2.3.0/24, and
// returns its path.
func benchLatencyTable(b testing.TB) string {
	var t strings.Builder
	for i := range 250 {
		fmt.Fprintf(&t, "10.%d.0.0/16 us-east-1=%d eu-west-1=90\n", i, i%200)
		fmt.Fprintf(&t, "172.%d.%d.0/20 us-east-1=80 eu-west-1=%d\n", 16+i/16, i%16*16, i)
		fmt.Fprintf(&t, "198.%d.4.0/22 us-east-1=80 ap-northeast-1=%d\n", i, i)
		fmt.Fprintf(&t, "100.64.%d.0/24 eu-west-1=%d\n", i, i)
	}
	t.WriteString("2.2.0.0/16 us-east-1=5 eu-west-1=20 ap-northeast-1=250\n")
	path := filepath.Join(b.TempDir(), "latency.txt")
	mustWriteFile(b, path, t.String())
	return path
}

// BenchmarkServeDNSStoreSize shows how query cost grows as the store grows
// from 10 to 10,000 records: for one name asked again and again, and for
// all the names in turn (which adds the CPU cache misses of a big store).
func BenchmarkServeDNSStoreSize(b *testing.B) {
	for _, n := range []int{10, 1000, 10000} {
		tf := newPlugin(b, benchOpts(b, n))
		b.Run(fmt.Sprintf("records_%d/single", n), func(b *testing.B) {
			runServe(b, tf, benchQuery(fmt.Sprintf("r%d.example.org.", n/2), ""), false)
		})
		b.Run(fmt.Sprintf("records_%d/tree3_geo", n), func(b *testing.B) {
			runServe(b, tf, benchQuery("tree.example.org.", "2.2.3.0/24"), false)
		})
		b.Run(fmt.Sprintf("records_%d/every_name", n), func(b *testing.B) { runEveryName(b, tf, n) })
	}
	// The per-record counters' cost where it is largest: without them.
	o := benchOpts(b, 10000)
	o.block += "\nmetrics none"
	tf := newPlugin(b, o)
	b.Run("records_10000/every_name_metrics_none", func(b *testing.B) { runEveryName(b, tf, 10000) })
}

// runEveryName asks for the n filler names of a store in turn.
func runEveryName(b *testing.B, tf *TrafficFlow, n int) {
	qs := make([]*dns.Msg, n)
	for i := range qs {
		qs[i] = benchQuery(fmt.Sprintf("r%d.example.org.", i), "")
	}
	w := &discardWriter{remote: &net.UDPAddr{IP: net.IPv4(10, 240, 0, 1), Port: 40212}}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		tf.ServeDNS(context.Background(), w, qs[i%n])
		i += 7919 // a prime: every name, in a scattered order
	}
}

// BenchmarkReload loads and compiles a store of 1,000 policies × 3
// versions and 10,000 policy records (what a reload does), and reports the
// heap one loaded snapshot retains per policy record.
func BenchmarkReload(b *testing.B) {
	dir := b.TempDir()
	if err := storegen.Write(dir, storegen.Spec{Policies: 1000, Versions: 3, Records: 10000}); err != nil {
		b.Fatal(err)
	}
	tf := newPlugin(b, pluginOpts{dir: dir, block: "geoip " + testdataPath(b, "geoip/GeoIP2-City-Test.mmdb"), seed: defaultSeed})
	// The loop starts from nothing loaded, as before setup's first load:
	// no snapshot, and a health engine without checks.
	tf.snap.Store(nil)
	tf.health = health.New(health.Options{Logger: log})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tf.loader.load(files{}, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	tf.snap.Store(nil)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := tf.loader.load(files{}, nil); err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if n := len(tf.snap.Load().names); n != 10000 {
		b.Fatalf("%d names", n)
	}
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/10000, "heap-B/record")
}
