package trafficflow

import (
	"slices"
	"testing"

	"github.com/miekg/dns"
)

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
