package trafficflow

import (
	"testing"

	"github.com/miekg/dns"
)

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
