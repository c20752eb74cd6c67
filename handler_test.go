package trafficflow

import (
	"slices"
	"testing"

	"github.com/coredns/coredns/plugin/test"
	"github.com/miekg/dns"
)

// A policy name answers queries of its policy's record type with the
// policy's answer: authoritative, owned by the name, with the policy
// record's TTL. Names the plugin does not own go to the next plugin (the
// file plugin here, whose replies are checked as it gives them). Other
// types at a policy name: TestOtherTypes.
func TestQueryTypes(t *testing.T) {
	tf := newPlugin(t, pluginOpts{files: baseStore(), locator: geoStub, next: fileNext(t, zoneFile)})
	for _, tc := range []test.Case{
		{Qname: "www.example.org.", Qtype: dns.TypeA, Authoritative: true,
			Answer: []dns.RR{test.A("www.example.org. 60 IN A 192.0.2.1")}},
		{Qname: "txt.example.org.", Qtype: dns.TypeTXT, Authoritative: true,
			Answer: []dns.RR{test.TXT(`txt.example.org. 120 IN TXT "hello world"`)}},
		{Qname: "static.example.org.", Qtype: dns.TypeA, Authoritative: true,
			Answer: []dns.RR{test.A("static.example.org. 3600 IN A 192.0.2.80")},
			Ns:     []dns.RR{test.NS("example.org. 3600 IN NS ns1.example.org.")}},
		{Qname: "nope.example.org.", Qtype: dns.TypeA, Rcode: dns.RcodeNameError, Authoritative: true,
			Ns: []dns.RR{test.SOA("example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 42 7200 1800 1209600 300")}},
	} {
		checkCase(t, tf, tc)
	}
}

// A health change shows on the next query: the failover answer follows
// the primary's check as it goes down and up.
func TestHealthOnNextQuery(t *testing.T) {
	tf := newPlugin(t, pluginOpts{files: baseStore(), locator: geoStub})
	for _, primary := range []bool{true, false, true} {
		tf.health.Cell("hp").Store(primary)
		want := map[bool]string{true: "192.0.2.1", false: "192.0.2.2"}[primary]
		checkCase(t, tf, test.Case{Qname: "www.example.org.", Qtype: dns.TypeA, Authoritative: true,
			Answer: []dns.RR{test.A("www.example.org. 60 IN A " + want)}})
	}
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
