package trafficflow

import (
	"testing"

	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/test"
	"github.com/miekg/dns"
)

// When no location of a geo rule matches the client (and there is no
// default), a policy name answers NODATA with the zone's SOA, or, with
// fallthrough, hands the query to the next plugin (which answers NXDOMAIN
// here: the zone file does not have the name).
func TestNoAnswer(t *testing.T) {
	zoneSOA := "example.org. 300 IN SOA ns1.example.org. hostmaster.example.org. 42 7200 1800 1209600 300"
	tf := newPlugin(t, pluginOpts{files: baseStore(), locator: geoStub, next: fileNext(t, zoneFile)})
	ft := newPlugin(t, pluginOpts{files: baseStore(), block: "fallthrough", locator: geoStub, next: fileNext(t, zoneFile)})
	for _, tc := range []struct {
		h    plugin.Handler
		from string // the client; 192.0.2.200 is unknown to geoStub
		test.Case
	}{
		{tf, "192.0.2.200", test.Case{Qname: "geo.example.org.", Qtype: dns.TypeA, Authoritative: true,
			Ns: []dns.RR{test.SOA(zoneSOA)}}},
		{tf, "198.51.100.7", test.Case{Qname: "geo.example.org.", Qtype: dns.TypeA, Authoritative: true,
			Answer: []dns.RR{test.A("geo.example.org. 30 IN A 192.0.2.10")}}}, // California
		{ft, "192.0.2.200", test.Case{Qname: "geo.example.org.", Qtype: dns.TypeA, Rcode: dns.RcodeNameError, Authoritative: true,
			Ns: []dns.RR{test.SOA("example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 42 7200 1800 1209600 300")}}},
	} {
		checkQuery(t, tc.h, tc.from, "", tc.Case)
	}
}

// Other types at a policy name than its policy's: the next plugin answers
// what the zone file has there (an apex policy record keeps the zone's SOA,
// NS and MX), and NODATA with the zone file's SOA (ns1.example.org.), its
// TTL clamped to the SOA's minimum (300), where the file has nothing.
// Without a next plugin, NODATA carries a synthesized SOA (ns.example.org.,
// TTL 60; test.Section compares an SOA's MNAME, not its serial).
func TestOtherTypes(t *testing.T) {
	withFile := newPlugin(t, pluginOpts{files: baseStore(), locator: geoStub, next: fileNext(t, zoneFile)})
	alone := newPlugin(t, pluginOpts{files: baseStore(), locator: geoStub})
	for _, tc := range []struct {
		h plugin.Handler
		test.Case
	}{
		{withFile, test.Case{Qname: "www.example.org.", Qtype: dns.TypeAAAA, Authoritative: true,
			Ns: []dns.RR{test.SOA("example.org. 300 IN SOA ns1.example.org. hostmaster.example.org. 42 7200 1800 1209600 300")}}},
		{withFile, test.Case{Qname: "example.org.", Qtype: dns.TypeMX, Authoritative: true,
			Answer: []dns.RR{test.MX("example.org. 3600 IN MX 10 mail.example.org.")},
			Ns:     []dns.RR{test.NS("example.org. 3600 IN NS ns1.example.org.")},
			Extra:  []dns.RR{test.A("mail.example.org. 3600 IN A 192.0.2.25")}}},
		{withFile, test.Case{Qname: "example.org.", Qtype: dns.TypeSOA, Authoritative: true,
			Answer: []dns.RR{test.SOA("example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 42 7200 1800 1209600 300")},
			Ns:     []dns.RR{test.NS("example.org. 3600 IN NS ns1.example.org.")}}},
		{alone, test.Case{Qname: "txt.example.org.", Qtype: dns.TypeA, Authoritative: true,
			Ns: []dns.RR{test.SOA("example.org. 60 IN SOA ns.example.org. hostmaster.example.org. 1 7200 1800 1209600 60")}}},
	} {
		checkCase(t, tc.h, tc.Case)
	}
}
