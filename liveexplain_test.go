package trafficflow

import (
	"context"
	"strings"
	"testing"

	"github.com/coredns/coredns/plugin/pkg/dnstest"
	"github.com/coredns/coredns/plugin/test"
	"github.com/miekg/dns"
)

// chaosTXT sends a CH TXT query for name from the address from, with an
// ECS subnet when ecs is set, and returns the reply and the rcode.
func chaosTXT(t *testing.T, tf *TrafficFlow, name, from, ecs string) (*dns.Msg, int) {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, dns.TypeTXT)
	m.Question[0].Qclass = dns.ClassCHAOS
	if ecs != "" {
		addECS(m, ecs)
	}
	rec := dnstest.NewRecorder(&test.ResponseWriter{RemoteIP: from})
	rc, err := tf.ServeDNS(context.Background(), rec, m)
	if err != nil {
		t.Fatal(err)
	}
	return rec.Msg, rc
}

// A CH TXT query for a policy name from an allowed network is answered
// with the decision path of that client's query, live; from any other
// network it is REFUSED; other names go to the next plugin; without the
// option, CH queries are not answered at all.
func TestLiveExplain(t *testing.T) {
	next := test.NextHandler(dns.RcodeNotImplemented, nil)
	tf := newPlugin(t, pluginOpts{files: baseStore(), locator: geoStub, next: next, block: "explain 192.0.2.0/24 198.51.100.7"})
	tf.health.Cell("hp").Store(false) // live health: the primary is down

	m, _ := chaosTXT(t, tf, "www.example.org.", "192.0.2.9", "")
	if m == nil || m.Rcode != dns.RcodeSuccess || len(m.Answer) == 0 {
		t.Fatalf("allowed network: %v", m)
	}
	var lines []string
	for _, rr := range m.Answer {
		txt := rr.(*dns.TXT)
		if txt.Hdr.Class != dns.ClassCHAOS || txt.Hdr.Name != "www.example.org." {
			t.Errorf("record %v: want class CH, owned by the name asked", rr)
		}
		lines = append(lines, strings.Join(txt.Txt, ""))
	}
	text := strings.Join(lines, "\n")
	for _, want := range []string{
		"query: www.example.org. A",
		"resolver address 192.0.2.9",
		`record www.example.org.: policy "web" version 1, TTL 60`,
		"took [1] Secondary: the primary is not healthy",
		"answer: NOERROR, www.example.org. 60 IN A 192.0.2.2",
		"health check hp: unhealthy (live)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("explanation lacks %q:\n%s", want, text)
		}
	}
	// The client of a geo query is the query's ECS subnet.
	m, _ = chaosTXT(t, tf, "geo.example.org.", "198.51.100.7", "203.0.113.0/24")
	if text := txtText(m); !strings.Contains(text, "client subnet 203.0.113.0/24") || !strings.Contains(text, "192.0.2.30") {
		t.Errorf("geo through ECS:\n%s", text)
	}

	if m, _ := chaosTXT(t, tf, "www.example.org.", "198.51.100.8", ""); m == nil || m.Rcode != dns.RcodeRefused || len(m.Answer) != 0 {
		t.Errorf("other network: %v, want REFUSED and nothing else", m)
	}
	if _, rc := chaosTXT(t, tf, "version.bind.", "192.0.2.9", ""); rc != dns.RcodeNotImplemented {
		t.Errorf("a name that is not a policy name: rcode %d, want the next plugin's", rc)
	}
	off := newPlugin(t, pluginOpts{files: baseStore(), locator: geoStub, next: next})
	if _, rc := chaosTXT(t, off, "www.example.org.", "192.0.2.9", ""); rc != dns.RcodeNotImplemented {
		t.Errorf("without explain: rcode %d, want the next plugin's", rc)
	}
}

func txtText(m *dns.Msg) string {
	if m == nil {
		return ""
	}
	var lines []string
	for _, rr := range m.Answer {
		if txt, ok := rr.(*dns.TXT); ok {
			lines = append(lines, strings.Join(txt.Txt, ""))
		}
	}
	return strings.Join(lines, "\n")
}
