package trafficflow

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/coredns/coredns/plugin/test"
	"github.com/miekg/dns"
)

// Corefile.example served by a real CoreDNS server.

// exampleCorefile is Corefile.example, on ports the test can use.
func exampleCorefile(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile("Corefile.example")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, r := range [][2]string{{"example.org:1053", "example.org:0"}, {"127.0.0.1:9153", "127.0.0.1:0"}, {"127.0.0.1:8181", "127.0.0.1:0"}} {
		if !strings.Contains(s, r[0]) {
			t.Fatalf("Corefile.example no longer has %q", r[0])
		}
		s = strings.Replace(s, r[0], r[1], 1)
	}
	return s
}

// TestExampleServer starts Corefile.example (the example store and the
// MaxMind test City database) and checks geolocation answers for clients
// given by ECS.
func TestExampleServer(t *testing.T) {
	_, addr := startServer(t, exampleCorefile(t))
	opt := test.OPT(1232, false) // the EDNS0 record of every reply (exchange sends one)
	cases := []struct {
		name, subnet string
		want         string
		scope        uint8
	}{
		{"GB", "2.2.3.0/24", "192.0.2.30", 24},
		{"US-CA", "214.78.120.0/24", "192.0.2.10", 22},
		{"US-WA", "216.160.83.56/32", "192.0.2.11", 29},
		{"SE by continent", "89.160.20.112/32", "192.0.2.40", 28},
		{"CN", "175.16.199.0/24", "192.0.2.50", 24},
		{"AU by continent", "214.0.1.0/24", "192.0.2.60", 24},
		{"no GeoIP data", "214.1.1.0/24", "192.0.2.99", 24},
		{"IPv6 JP by continent", "2001:218::/32", "192.0.2.51", 32},
		{"IPv6 DE by continent", "2a02:d180::/29", "192.0.2.40", 29},
		{"IPv6 without data", "2001:db8::/48", "192.0.2.99", 32}, // the database network without data
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := exchange(t, addr, "geo.example.org.", dns.TypeA, tc.subnet)
			checkReply(t, r, test.Case{Qname: "geo.example.org.", Qtype: dns.TypeA, Authoritative: true,
				Answer: []dns.RR{test.A("geo.example.org. 303 IN A " + tc.want)}, Extra: []dns.RR{opt}})
			e := ecsOf(r)
			if e == nil {
				t.Fatal("no ECS option in the reply")
			}
			if e.SourceScope != tc.scope {
				t.Errorf("ECS scope %d, want %d (the GeoIP network)", e.SourceScope, tc.scope)
			}
		})
	}
	// The resolver's own address (127.0.0.1 has no GeoIP data) without ECS.
	r := exchange(t, addr, "geo.example.org.", dns.TypeA, "")
	checkReply(t, r, test.Case{Qname: "geo.example.org.", Qtype: dns.TypeA, Authoritative: true,
		Answer: []dns.RR{test.A("geo.example.org. 303 IN A 192.0.2.99")}, Extra: []dns.RR{opt}})
	if e := ecsOf(r); e != nil {
		t.Errorf("no ECS in the query, ECS %v in the reply", e)
	}
	// Every rule type answers, for a client in Sweden: the answers each
	// rule can give it.
	for _, tc := range []struct {
		name string
		n    int      // records per answer
		from []string // the records they come from
	}{
		{"www.example.org.", 1, []string{"192.0.2.1", "192.0.2.2"}},
		{"example.org.", 1, []string{"192.0.2.1", "192.0.2.2"}},
		{"nearest.example.org.", 1, []string{"198.51.100.2"}}, // Frankfurt
		{"latency.example.org.", 1, []string{"203.0.113.2"}},  // eu-west-2, by distance (no latency table)
		{"weighted.example.org.", 1, []string{"192.0.2.101", "192.0.2.102"}},
		{"pool.example.org.", 8, []string{"198.51.100.11", "198.51.100.12", "198.51.100.13", "198.51.100.14", "198.51.100.15", "198.51.100.16", "198.51.100.17", "198.51.100.18", "198.51.100.19", "198.51.100.20"}},
		{"tree.example.org.", 1, []string{"203.0.113.10", "203.0.113.11", "203.0.113.20", "203.0.113.21"}}, // Europe
		{"app.example.org.", 1, []string{"203.0.113.10", "203.0.113.11", "203.0.113.20", "203.0.113.21"}},
		// A weighted CNAME policy to names outside the server's zones: the
		// CNAME alone, for the resolver to follow.
		{"cdn.example.org.", 1, []string{"static.cdn-a.example.net.", "static.cdn-b.example.net."}},
	} {
		r := exchange(t, addr, tc.name, dns.TypeA, "89.160.20.112/32")
		got := values(r)
		distinct := len(slices.Compact(slices.Sorted(slices.Values(got))))
		if r.Rcode != dns.RcodeSuccess || len(got) != tc.n || distinct != tc.n || slices.ContainsFunc(got, func(v string) bool { return !slices.Contains(tc.from, v) }) {
			t.Errorf("%s: rcode %d, answer %v, want %d of %v", tc.name, r.Rcode, got, tc.n, tc.from)
		}
	}
	// The zone file serves the rest (the apex MX, an unknown name, another
	// type at a policy name), through cache, whose TTLs count down (303:
	// any TTL).
	zoneSOA := test.SOA("example.org. 303 IN SOA ns1.example.org. hostmaster.example.org. 2026112601 7200 1800 1209600 300")
	for _, tc := range []test.Case{
		{Qname: "example.org.", Qtype: dns.TypeMX, Answer: []dns.RR{test.MX("example.org. 303 IN MX 10 mail.example.org.")},
			Ns: []dns.RR{test.NS("example.org. 303 IN NS ns1.example.org.")}, Extra: []dns.RR{opt, test.A("mail.example.org. 303 IN A 192.0.2.25")}},
		{Qname: "nope.example.org.", Qtype: dns.TypeA, Rcode: dns.RcodeNameError, Ns: []dns.RR{zoneSOA}, Extra: []dns.RR{opt}},
		{Qname: "www.example.org.", Qtype: dns.TypeAAAA, Ns: []dns.RR{zoneSOA}, Extra: []dns.RR{opt}},
	} {
		checkReply(t, exchange(t, addr, tc.Qname, tc.Qtype, ""), tc)
	}
}
