package trafficflow

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/file"
	"github.com/coredns/coredns/plugin/pkg/dnstest"
	"github.com/coredns/coredns/plugin/test"
	"github.com/miekg/dns"

	"github.com/trafficflow/trafficflow/geo"
)

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

const failoverPolicy = `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"switch",
"Endpoints":{"primary":{"Type":"value","Value":"192.0.2.1"},"secondary":{"Type":"value","Value":"192.0.2.2"}},
"Rules":{"switch":{"RuleType":"failover","Primary":{"EndpointReference":"primary","HealthCheck":"hp"},"Secondary":{"EndpointReference":"secondary","HealthCheck":"hs"}}}}`

const geoPolicy = `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"where",
"Endpoints":{"ca":{"Type":"value","Value":"192.0.2.10"},"us":{"Type":"value","Value":"192.0.2.20"},"gb":{"Type":"value","Value":"192.0.2.30"},"eu":{"Type":"value","Value":"192.0.2.40"}},
"Rules":{"where":{"RuleType":"geo","Locations":[{"Country":"US","Subdivision":"CA","EndpointReference":"ca"},{"Country":"US","EndpointReference":"us"},
{"Country":"GB","EndpointReference":"gb"},{"Continent":"EU","EndpointReference":"eu"}]}}}`

const healthChecks = `{"HealthChecks":[
{"Id":"hp","HealthCheckConfig":{"Type":"TCP","IPAddress":"127.0.0.1","Port":9,"RequestInterval":300}},
{"Id":"hs","HealthCheckConfig":{"Type":"TCP","IPAddress":"127.0.0.1","Port":9,"RequestInterval":300}}]}`

func baseStore() map[string]string {
	return map[string]string{
		"policies/web/1.json": failoverPolicy,
		"policies/geo/1.json": geoPolicy,
		"policies/txt/1.json": `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"TXT","StartEndpoint":"e","Endpoints":{"e":{"Type":"value","Value":"\"hello world\""}}}`,
		"healthchecks.json":   healthChecks,
		"records.json": `{"PolicyRecords":[
			{"Name":"www.example.org","Policy":"web","Version":1,"TTL":60},
			{"Name":"geo.example.org","Policy":"geo","Version":1,"TTL":30},
			{"Name":"txt.example.org","Policy":"txt","Version":1,"TTL":120}],
			"Aliases":[{"Name":"example.org","Target":"www.example.org"},{"Name":"shop.example.org","Target":"example.org"}]}`,
	}
}

// geoStub knows a few made-up clients.
var geoStub = stubLocator{
	netip.MustParseAddr("198.51.100.0"): {Country: "US", Subdivision: "CA", Continent: "NA"},
	netip.MustParseAddr("198.51.100.7"): {Country: "US", Subdivision: "CA", Continent: "NA"},
	netip.MustParseAddr("203.0.113.0"):  {Country: "GB", Subdivision: "ENG", Continent: "EU"},
	netip.MustParseAddr("10.240.0.1"):   {Country: "FR", Continent: "EU"},
	netip.MustParseAddr("2001:db8::"):   {Country: "US", Continent: "NA"},
}

// Spec §8 item 31 (and the overlay over the next plugin).
func TestQueryTypes(t *testing.T) {
	tf := newPlugin(t, pluginOpts{files: baseStore(), locator: geoStub, next: fileNext(t, zoneFile)})
	m, rc := ask(t, tf, "www.example.org.", dns.TypeA, "", "")
	if rc != dns.RcodeSuccess || !m.Authoritative || len(m.Answer) != 1 || m.Answer[0].String() != "www.example.org.\t60\tIN\tA\t192.0.2.1" {
		t.Fatalf("A: rcode %d answer %v", rc, m.Answer)
	}
	// Another type at a policy name the zone file does not have: NODATA
	// with the zone's SOA, TTL clamped to its minimum.
	m, rc = ask(t, tf, "www.example.org.", dns.TypeAAAA, "", "")
	if rc != dns.RcodeSuccess || m.Rcode != dns.RcodeSuccess || len(m.Answer) != 0 || !m.Authoritative ||
		len(m.Ns) != 1 || m.Ns[0].Header().Rrtype != dns.TypeSOA || m.Ns[0].(*dns.SOA).Serial != 42 || m.Ns[0].Header().Ttl != 300 {
		t.Fatalf("AAAA: rcode %d (%d) answer %v ns %v", rc, m.Rcode, m.Answer, m.Ns)
	}
	// Types the zone file has at an apex policy record come from it.
	m, _ = ask(t, tf, "example.org.", dns.TypeMX, "", "")
	if len(m.Answer) != 1 || m.Answer[0].Header().Rrtype != dns.TypeMX {
		t.Fatalf("apex MX: %v", m.Answer)
	}
	m, _ = ask(t, tf, "example.org.", dns.TypeSOA, "", "")
	if len(m.Answer) != 1 || m.Answer[0].Header().Rrtype != dns.TypeSOA {
		t.Fatalf("apex SOA: %v", m.Answer)
	}
	// Names trafficflow does not own go to the next plugin.
	m, _ = ask(t, tf, "static.example.org.", dns.TypeA, "", "")
	if len(m.Answer) != 1 || values(m)[0] != "192.0.2.80" {
		t.Fatalf("static: %v", m.Answer)
	}
	m, _ = ask(t, tf, "nope.example.org.", dns.TypeA, "", "")
	if m.Rcode != dns.RcodeNameError {
		t.Fatalf("nope: rcode %d", m.Rcode)
	}
	// Without a next plugin, negative answers carry a synthesized SOA.
	tf.Next = nil
	m, rc = ask(t, tf, "txt.example.org.", dns.TypeA, "", "")
	if rc != dns.RcodeSuccess || len(m.Ns) != 1 || m.Ns[0].(*dns.SOA).Ns != "ns.example.org." || m.Ns[0].Header().Ttl != 60 {
		t.Fatalf("synthesized SOA: rcode %d ns %v", rc, m.Ns)
	}
	m, _ = ask(t, tf, "txt.example.org.", dns.TypeTXT, "", "")
	if len(m.Answer) != 1 || m.Answer[0].Header().Ttl != 120 || values(m)[0] != `"hello world"` {
		t.Fatalf("TXT: %v", m.Answer)
	}
}

// Spec §8 item 32: the owner is the query name, for aliases too, in the
// query's case.
func TestOwnerName(t *testing.T) {
	tf := newPlugin(t, pluginOpts{files: baseStore(), locator: geoStub, next: fileNext(t, zoneFile)})
	for _, name := range []string{"www.example.org.", "example.org.", "shop.example.org.", "WwW.ExAmPlE.oRg.", "Shop.Example.ORG."} {
		m, _ := ask(t, tf, name, dns.TypeA, "", "")
		if len(m.Answer) != 1 || m.Answer[0].Header().Name != name || values(m)[0] != "192.0.2.1" || m.Question[0].Name != name {
			t.Errorf("%s: answer %v", name, m.Answer)
		}
	}
	// The shared precomputed record is never modified by a case-changed query.
	m, _ := ask(t, tf, "www.example.org.", dns.TypeA, "", "")
	if m.Answer[0].Header().Name != "www.example.org." {
		t.Errorf("shared record modified: %v", m.Answer[0])
	}
}

// Spec §8 items 33 and 34 through DNS: no location matches → NODATA with
// SOA, or the next plugin with fallthrough.
func TestNoAnswer(t *testing.T) {
	tf := newPlugin(t, pluginOpts{files: baseStore(), locator: geoStub, next: fileNext(t, zoneFile)})
	m, rc := ask(t, tf, "geo.example.org.", dns.TypeA, "192.0.2.200", "") // unknown to the stub
	if rc != dns.RcodeSuccess || len(m.Answer) != 0 || len(m.Ns) != 1 || m.Ns[0].Header().Rrtype != dns.TypeSOA || !m.Authoritative {
		t.Fatalf("no match: rcode %d %v %v", rc, m.Answer, m.Ns)
	}
	m, _ = ask(t, tf, "geo.example.org.", dns.TypeA, "198.51.100.7", "")
	if got := values(m); len(got) != 1 || got[0] != "192.0.2.10" {
		t.Fatalf("California: %v", got)
	}
	ft := newPlugin(t, pluginOpts{files: baseStore(), block: "fallthrough", locator: geoStub, next: fileNext(t, zoneFile)})
	m, _ = ask(t, ft, "geo.example.org.", dns.TypeA, "192.0.2.200", "")
	if m.Rcode != dns.RcodeNameError {
		t.Fatalf("fallthrough: the next plugin should answer (NXDOMAIN), got rcode %d %v", m.Rcode, m.Answer)
	}
}

// Spec §8 item 39: EDNS Client Subnet.
func TestECS(t *testing.T) {
	tf := newPlugin(t, pluginOpts{files: baseStore(), locator: geoStub, next: fileNext(t, zoneFile)})
	cases := []struct {
		name, from, ecs string
		want            string
		scope           int // -1: no ECS in the reply
	}{
		{"subnet from a resolver elsewhere", "10.240.0.1", "203.0.113.0/24", "192.0.2.30", 24},
		{"no ECS uses the resolver address", "10.240.0.1", "", "192.0.2.40", -1},
		{"source prefix 0 is ignored", "10.240.0.1", "0.0.0.0/0", "192.0.2.40", 0},
		{"host bits beyond the prefix are ignored", "10.240.0.1", "198.51.100.7/24", "192.0.2.10", 24},
		{"IPv6 subnet", "10.240.0.1", "2001:db8::/56", "192.0.2.20", 24},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := ask(t, tf, "geo.example.org.", dns.TypeA, tc.from, tc.ecs)
			if got := values(m); len(got) != 1 || got[0] != tc.want {
				t.Fatalf("answer %v, want %s", got, tc.want)
			}
			e := ecsOf(m)
			switch {
			case tc.scope < 0 && e != nil:
				t.Errorf("ECS in the reply to a query without it: %v", e)
			case tc.scope >= 0 && e == nil:
				t.Errorf("no ECS in the reply")
			case e != nil && int(e.SourceScope) != tc.scope:
				t.Errorf("scope %d, want %d", e.SourceScope, tc.scope)
			case e != nil && tc.ecs != "" && netip.PrefixFrom(netip.MustParseAddr(e.Address.String()).Unmap(), int(e.SourceNetmask)).Masked() != netip.MustParsePrefix(tc.ecs).Masked():
				t.Errorf("echoed %s/%d, want %s", e.Address, e.SourceNetmask, tc.ecs)
			}
		})
	}
	// An answer that does not depend on the client has scope 0.
	m, _ := ask(t, tf, "www.example.org.", dns.TypeA, "", "203.0.113.0/24")
	if e := ecsOf(m); e == nil || e.SourceScope != 0 || e.SourceNetmask != 24 {
		t.Errorf("failover answer: ECS %v, want scope 0", e)
	}
	// No answer for the client's location depends on the location too: the
	// scope is the network the location came from.
	m, _ = ask(t, tf, "geo.example.org.", dns.TypeA, "", "192.0.2.0/24")
	if e := ecsOf(m); len(m.Answer) != 0 || e == nil || e.SourceScope != 8 {
		t.Errorf("no answer for the subnet: %v (the answer depended on the location: scope is the stub's /8)", e)
	}
	// A query whose ECS has a non-zero scope is malformed (RFC 7871).
	q := new(dns.Msg)
	q.SetQuestion("geo.example.org.", dns.TypeA)
	addECS(t, q, "203.0.113.0/24")
	ecsOf(q).SourceScope = 8
	rec := dnstest.NewRecorder(&test.ResponseWriter{})
	if rc, _ := tf.ServeDNS(context.Background(), rec, q); rc != dns.RcodeFormatError {
		t.Errorf("malformed ECS: rcode %d, want FORMERR", rc)
	}
	// ecs off: the subnet is not used.
	tf.cfg.ecs = false
	m, _ = ask(t, tf, "geo.example.org.", dns.TypeA, "10.240.0.1", "203.0.113.0/24")
	if got := values(m); len(got) != 1 || got[0] != "192.0.2.40" || ecsOf(m) != nil {
		t.Errorf("ecs off: %v %v", got, ecsOf(m))
	}
}

// Spec §8 item 52 (first half): a health change shows on the next query.
func TestHealthOnNextQuery(t *testing.T) {
	tf := newPlugin(t, pluginOpts{files: baseStore(), locator: geoStub, next: fileNext(t, zoneFile)})
	for i, primary := range []bool{true, false, true} {
		tf.health.Cell("hp").Store(primary)
		m, _ := ask(t, tf, "www.example.org.", dns.TypeA, "", "")
		want := map[bool]string{true: "192.0.2.1", false: "192.0.2.2"}[primary]
		if got := values(m); len(got) != 1 || got[0] != want {
			t.Errorf("step %d: %v, want %s", i, got, want)
		}
	}
}

const albPolicy = `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"f",
"Endpoints":{"alb":{"Type":"application-load-balancer","Value":"web-1.us-east-1.elb.amazonaws.com"},"banner":{"Type":"value","Value":"192.0.2.99"}},
"Rules":{"f":{"RuleType":"failover","Primary":{"EndpointReference":"alb","HealthCheck":"hp"},"Secondary":{"EndpointReference":"banner"}}}}`

// Spec §8 item 54: alias-type endpoints are flattened.
func TestAliasFlattening(t *testing.T) {
	files := baseStore()
	files["policies/lb/1.json"] = albPolicy
	files["records.json"] = `{"PolicyRecords":[{"Name":"lb.example.org","Policy":"lb","Version":1,"TTL":300}],"Aliases":[{"Name":"lb-alias.example.org","Target":"lb.example.org"}]}`
	res := &fakeResolver{answers: map[string][]dns.RR{"web-1.us-east-1.elb.amazonaws.com./A": {
		mustRR(t, "web-1.us-east-1.elb.amazonaws.com. 60 IN CNAME web-1.internal.example.net."),
		mustRR(t, "web-1.internal.example.net. 60 IN A 203.0.113.7"),
		mustRR(t, "web-1.internal.example.net. 60 IN A 203.0.113.8"),
	}}}
	tf := newPlugin(t, pluginOpts{files: files, upstream: res})
	m, rc := ask(t, tf, "lb-alias.example.org.", dns.TypeA, "", "")
	if rc != dns.RcodeSuccess || len(m.Answer) != 2 {
		t.Fatalf("rcode %d answer %v", rc, m.Answer)
	}
	for _, rr := range m.Answer {
		if rr.Header().Name != "lb-alias.example.org." || rr.Header().Ttl != 60 || rr.Header().Rrtype != dns.TypeA {
			t.Errorf("record %v: want owner lb-alias.example.org., TTL min(300, 60)", rr)
		}
	}
	// AAAA for an A policy: NODATA, and the alias target is not even asked.
	calls := res.calls.Load()
	m, _ = ask(t, tf, "lb.example.org.", dns.TypeAAAA, "", "")
	if len(m.Answer) != 0 || len(m.Ns) != 1 || res.calls.Load() != calls {
		t.Errorf("AAAA: %v %v", m.Answer, m.Ns)
	}
	// A failing resolution is SERVFAIL.
	res.rcode = dns.RcodeServerFailure
	if _, rc := ask(t, tf, "lb.example.org.", dns.TypeA, "", ""); rc != dns.RcodeServerFailure {
		t.Errorf("rcode %d, want SERVFAIL", rc)
	}
}

const cnamePolicy = `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"CNAME","StartEndpoint":"e","Endpoints":{"e":{"Type":"value","Value":"%s"}}}`

// CNAME policies answer every type and are followed like the file plugin
// follows CNAMEs.
func TestCNAMEPolicy(t *testing.T) {
	files := baseStore()
	files["policies/in/1.json"] = fmt.Sprintf(cnamePolicy, "www.example.org")
	files["policies/out/1.json"] = fmt.Sprintf(cnamePolicy, "cdn.example.net")
	files["policies/gone/1.json"] = fmt.Sprintf(cnamePolicy, "gone.example.net")
	files["records.json"] = `{"PolicyRecords":[{"Name":"www.example.org","Policy":"web","Version":1,"TTL":60},
		{"Name":"in.example.org","Policy":"in","Version":1,"TTL":300},{"Name":"out.example.org","Policy":"out","Version":1,"TTL":300},
		{"Name":"gone.example.org","Policy":"gone","Version":1,"TTL":300}]}`
	res := &fakeResolver{answers: map[string][]dns.RR{"cdn.example.net./A": {mustRR(t, "cdn.example.net. 20 IN A 203.0.113.9")}}}
	tf := newPlugin(t, pluginOpts{files: files, upstream: res})
	m, _ := ask(t, tf, "in.example.org.", dns.TypeA, "", "")
	if got := fmt.Sprint(m.Answer); got != "[in.example.org.\t300\tIN\tCNAME\twww.example.org. www.example.org.\t60\tIN\tA\t192.0.2.1]" {
		t.Errorf("in-store chain: %s", got)
	}
	m, _ = ask(t, tf, "in.example.org.", dns.TypeCNAME, "", "")
	if len(m.Answer) != 1 {
		t.Errorf("CNAME query: %v", m.Answer)
	}
	m, _ = ask(t, tf, "in.example.org.", dns.TypeTXT, "", "")
	if len(m.Answer) != 1 || m.Answer[0].Header().Rrtype != dns.TypeCNAME || len(m.Ns) != 1 {
		t.Errorf("TXT via CNAME to an A record: %v %v (want the CNAME and the SOA)", m.Answer, m.Ns)
	}
	m, _ = ask(t, tf, "out.example.org.", dns.TypeA, "", "")
	if got := fmt.Sprint(m.Answer); got != "[out.example.org.\t300\tIN\tCNAME\tcdn.example.net. cdn.example.net.\t20\tIN\tA\t203.0.113.9]" {
		t.Errorf("external chain: %s", got)
	}
	res.rcode = dns.RcodeNameError
	m, _ = ask(t, tf, "gone.example.org.", dns.TypeA, "", "")
	if m.Rcode != dns.RcodeNameError || len(m.Answer) != 1 {
		t.Errorf("chain to NXDOMAIN: rcode %d %v", m.Rcode, m.Answer)
	}
	// A target that fails to resolve: SERVFAIL with the CNAME (RFC 6604), a
	// reply the plugin writes itself (ask checks the returned rcode says so).
	res.rcode = dns.RcodeServerFailure
	m, _ = ask(t, tf, "gone.example.org.", dns.TypeA, "", "")
	if m == nil || m.Rcode != dns.RcodeServerFailure || len(m.Answer) != 1 {
		t.Errorf("chain to SERVFAIL: %v", m)
	}
}

// Multivalue through DNS: never more than 8 records, never an unhealthy
// one while healthy ones exist.
func TestMultivalueAnswers(t *testing.T) {
	var eps, items, checks []string
	for i := range 12 {
		eps = append(eps, fmt.Sprintf(`"n%d":{"Type":"value","Value":"198.51.100.%d"}`, i, i))
		items = append(items, fmt.Sprintf(`{"EndpointReference":"n%d","HealthCheck":"c%d"}`, i, i))
		checks = append(checks, fmt.Sprintf(`{"Id":"c%d","HealthCheckConfig":{"Type":"TCP","IPAddress":"127.0.0.1","Port":9}}`, i))
	}
	files := map[string]string{
		"policies/pool/1.json": `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"m","Endpoints":{` + strings.Join(eps, ",") +
			`},"Rules":{"m":{"RuleType":"multivalue","Items":[` + strings.Join(items, ",") + `]}}}`,
		"healthchecks.json": `{"HealthChecks":[` + strings.Join(checks, ",") + `]}`,
		"records.json":      `{"PolicyRecords":[{"Name":"pool.example.org","Policy":"pool","Version":1,"TTL":30}]}`,
	}
	tf := newPlugin(t, pluginOpts{files: files})
	for healthy := 0; healthy <= 12; healthy += 3 {
		for i := range 12 {
			tf.health.Cell(fmt.Sprintf("c%d", i)).Store(i < healthy)
		}
		for range 100 {
			m, _ := ask(t, tf, "pool.example.org.", dns.TypeA, "", "")
			got := values(m)
			want := min(max(healthy, 8*boolInt(healthy == 0)), 8)
			if len(got) != want {
				t.Fatalf("%d healthy: %d records, want %d", healthy, len(got), want)
			}
			seen := map[string]bool{}
			for _, v := range got {
				var n int
				fmt.Sscanf(v, "198.51.100.%d", &n)
				if seen[v] || (healthy > 0 && n >= healthy) {
					t.Fatalf("%d healthy: answer %v", healthy, got)
				}
				seen[v] = true
			}
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Weighted through DNS with the injected seed: 10,000 draws follow 3:1.
func TestWeightedAnswers(t *testing.T) {
	files := map[string]string{
		"policies/w/1.json": `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"w","Endpoints":{"a":{"Type":"value","Value":"192.0.2.1"},"b":{"Type":"value","Value":"192.0.2.2"}},
			"Rules":{"w":{"RuleType":"weighted","Items":[{"EndpointReference":"a","Weight":"3"},{"EndpointReference":"b","Weight":1}]}}}`,
		"records.json": `{"PolicyRecords":[{"Name":"w.example.org","Policy":"w","Version":1,"TTL":30}]}`,
	}
	tf := newPlugin(t, pluginOpts{files: files})
	counts := map[string]int{}
	for range 10000 {
		m, _ := ask(t, tf, "w.example.org.", dns.TypeA, "", "")
		counts[values(m)[0]]++
	}
	if a := counts["192.0.2.1"]; a < 7300 || a > 7700 {
		t.Errorf("3:1 over 10,000 draws gave %v", counts)
	}
	// The same seeds give the same answers.
	var first, second []string
	for _, out := range []*[]string{&first, &second} {
		var n uint64
		tf.seed = func() uint64 { n++; return n }
		for range 20 {
			m, _ := ask(t, tf, "w.example.org.", dns.TypeA, "", "")
			*out = append(*out, values(m)[0])
		}
	}
	if !slices.Equal(first, second) {
		t.Errorf("seeded answers differ: %v %v", first, second)
	}
}

// Spec §8 item 36 through DNS: the stub locator reports a continent Route
// 53's table disagrees with.
func TestContinentFromTable(t *testing.T) {
	files := map[string]string{
		"policies/c/1.json": `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"g","Endpoints":{"eu":{"Type":"value","Value":"192.0.2.1"},"as":{"Type":"value","Value":"192.0.2.2"}},
			"Rules":{"g":{"RuleType":"geo","Locations":[{"Continent":"EU","EndpointReference":"eu"},{"Continent":"AS","EndpointReference":"as"}]}}}`,
		"records.json": `{"PolicyRecords":[{"Name":"c.example.org","Policy":"c","Version":1,"TTL":30}]}`,
	}
	tf := newPlugin(t, pluginOpts{files: files, locator: stubLocator{netip.MustParseAddr("192.0.2.0"): geo.Location{Country: "TR", Continent: "AS"}}})
	m, _ := ask(t, tf, "c.example.org.", dns.TypeA, "", "192.0.2.0/24")
	if got := values(m); len(got) != 1 || got[0] != "192.0.2.1" {
		t.Errorf("Turkey: %v, want Europe's answer", got)
	}
}

// failopen_answers_total counts answers that took a fail-open choice at
// any level of the tree, and neither healthy answers nor queries without an
// answer.
func TestFailOpenMetric(t *testing.T) {
	files := baseStore()
	files["policies/nested/1.json"] = `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"split",
"Endpoints":{"primary":{"Type":"value","Value":"192.0.2.1"},"secondary":{"Type":"value","Value":"192.0.2.2"}},
"Rules":{"split":{"RuleType":"weighted","Items":[{"RuleReference":"pair","Weight":1}]},
"pair":{"RuleType":"failover","Primary":{"EndpointReference":"primary","HealthCheck":"hp"},"Secondary":{"EndpointReference":"secondary","HealthCheck":"hs"}}}}`
	files["records.json"] = `{"PolicyRecords":[{"Name":"nested.example.org","Policy":"nested","Version":1,"TTL":60},
		{"Name":"geo.example.org","Policy":"geo","Version":1,"TTL":30}]}`
	tf := newPlugin(t, pluginOpts{files: files, locator: geoStub})
	const labels = "server=,zone=example.org."
	count := func() float64 { return metricValue(t, "coredns_trafficflow_failopen_answers_total", labels) }
	for _, tc := range []struct {
		name           string
		qname          string
		healthy        bool
		from           string
		want           string // the answer, "" for none
		failOpenCounts bool
	}{
		{"healthy", "nested.example.org.", true, "", "192.0.2.1", false},
		{"fail-open below a healthy weighted pick", "nested.example.org.", false, "", "192.0.2.1", true},
		{"no location matches: no answer", "geo.example.org.", false, "10.0.0.1", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tf.health.Cell("hp").Store(tc.healthy)
			tf.health.Cell("hs").Store(tc.healthy)
			before := count()
			m, _ := ask(t, tf, tc.qname, dns.TypeA, tc.from, "")
			if got := strings.Join(values(m), " "); got != tc.want {
				t.Fatalf("answer %q, want %q", got, tc.want)
			}
			if got := count() - before; got != float64(boolInt(tc.failOpenCounts)) {
				t.Errorf("failopen_answers_total went up by %v, want %d", got, boolInt(tc.failOpenCounts))
			}
		})
	}
}

// Lookups through the server stop at maxChain nested lookups (a loop
// through other plugins): an alias target is then SERVFAIL, and a CNAME
// chain out of the store ends at the CNAME for the resolver to follow.
func TestLookupLoop(t *testing.T) {
	files := baseStore()
	files["policies/lb/1.json"] = albPolicy
	files["policies/out/1.json"] = fmt.Sprintf(cnamePolicy, "cdn.example.net")
	files["records.json"] = `{"PolicyRecords":[{"Name":"lb.example.org","Policy":"lb","Version":1,"TTL":300},
		{"Name":"out.example.org","Policy":"out","Version":1,"TTL":300}]}`
	res := &fakeResolver{answers: map[string][]dns.RR{
		"web-1.us-east-1.elb.amazonaws.com./A": {mustRR(t, "web-1.us-east-1.elb.amazonaws.com. 60 IN A 203.0.113.7")},
		"cdn.example.net./A":                   {mustRR(t, "cdn.example.net. 20 IN A 203.0.113.9")},
	}}
	tf := newPlugin(t, pluginOpts{files: files, upstream: res})
	for _, tc := range []struct {
		loop          int
		lb, out       string // answers
		lbRc          int
		resolverCalls int32
	}{
		{0, "203.0.113.7", "cdn.example.net. 203.0.113.9", dns.RcodeSuccess, 2},
		{maxChain - 1, "203.0.113.7", "cdn.example.net. 203.0.113.9", dns.RcodeSuccess, 2},
		{maxChain, "", "cdn.example.net.", dns.RcodeServerFailure, 0},
	} {
		t.Run(fmt.Sprint(tc.loop), func(t *testing.T) {
			ctx := context.WithValue(context.Background(), dnsserver.LoopKey{}, tc.loop)
			calls := res.calls.Load()
			answer := func(name string) (string, int) {
				q := new(dns.Msg)
				q.SetQuestion(name, dns.TypeA)
				rec := dnstest.NewRecorder(&test.ResponseWriter{})
				rc, err := tf.ServeDNS(ctx, rec, q)
				if err != nil {
					t.Fatal(err)
				}
				if rec.Msg == nil {
					return "", rc
				}
				return strings.Join(values(rec.Msg), " "), rec.Msg.Rcode
			}
			if got, rc := answer("lb.example.org."); got != tc.lb || rc != tc.lbRc {
				t.Errorf("alias endpoint: %q rcode %d, want %q rcode %d", got, rc, tc.lb, tc.lbRc)
			}
			if got, _ := answer("out.example.org."); got != tc.out {
				t.Errorf("CNAME out of the store: %q, want %q", got, tc.out)
			}
			if got := res.calls.Load() - calls; got != tc.resolverCalls {
				t.Errorf("%d lookups through the server, want %d", got, tc.resolverCalls)
			}
		})
	}
}

// missing_healthcheck healthy|unhealthy: a HealthCheck ID healthchecks.json
// does not define is a check fixed in that state.
func TestMissingHealthCheckModes(t *testing.T) {
	files := map[string]string{
		"policies/web/1.json": strings.Replace(failoverPolicy, `"HealthCheck":"hp"`, `"HealthCheck":"nope"`, 1),
		"healthchecks.json":   healthChecks,
		"records.json":        `{"PolicyRecords":[{"Name":"www.example.org","Policy":"web","Version":1,"TTL":60}]}`,
	}
	for mode, want := range map[string]string{"healthy": "192.0.2.1", "unhealthy": "192.0.2.2"} {
		t.Run(mode, func(t *testing.T) {
			tf := newPlugin(t, pluginOpts{files: files, block: "missing_healthcheck " + mode})
			tf.health.Cell("hs").Store(true)
			m, _ := ask(t, tf, "www.example.org.", dns.TypeA, "", "")
			if got := strings.Join(values(m), " "); got != want {
				t.Errorf("answer %q, want %q", got, want)
			}
		})
	}
}
