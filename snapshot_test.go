package trafficflow

import (
	"testing"

	"github.com/miekg/dns"
)

// A snapshot serves the records and aliases of its zones, each with the
// answers of its value endpoints precomputed (owner, TTL, class), shares
// one compiled evaluator among the names of one version, and has an SOA
// for every zone it serves.
func TestBuildSnapshot(t *testing.T) {
	files := baseStore()
	files["records.json"] = `{"PolicyRecords":[
		{"Name":"www.example.org","Policy":"web","Version":1,"TTL":60},
		{"Name":"other.example.net","Policy":"web","Version":1,"TTL":60}],
		"Aliases":[{"Name":"example.org","Target":"www.example.org"}]}`
	tf := newPlugin(t, pluginOpts{files: files, locator: geoStub})
	s := tf.snap.Load()
	if len(s.names) != 2 || s.names["other.example.net."] != nil {
		t.Fatalf("names %v: want www.example.org. and its alias, not the record outside the zone", s.names)
	}
	www, apex := s.names["www.example.org."], s.names["example.org."]
	if www.policy != apex.policy || www.zone != "example.org." || www.ttl != 60 {
		t.Errorf("entries %+v %+v: one evaluator for one version, the zone and TTL of the record", www, apex)
	}
	for i, want := range []string{"www.example.org.\t60\tIN\tA\t192.0.2.1", "www.example.org.\t60\tIN\tA\t192.0.2.2"} {
		if got := www.answer(int16(i))[0].String(); got != want {
			t.Errorf("precomputed answer %d: %s, want %s", i, got, want)
		}
	}
	if got := apex.answer(0)[0].Header().Name; got != "example.org." {
		t.Errorf("the alias's answers are owned by %s, want its own name", got)
	}
	if soa := s.soa["example.org."]; soa == nil || soa.Hdr.Rrtype != dns.TypeSOA || len(s.soa) != 1 {
		t.Errorf("synthesized SOAs %v", s.soa)
	}
}
