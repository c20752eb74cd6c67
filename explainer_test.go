package trafficflow

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// An Explainer answers as the server does, for the same client and seed:
// the same records, and the same ECS scope, for every rule type of the
// example store and clients in several places.
func TestExplainerAgreesWithServer(t *testing.T) {
	geoip := testdataPath(t, "geoip/GeoIP2-City-Test.mmdb")
	x, _, err := NewExplainer(ExplainConfig{Dir: "examples/store", GeoIP: geoip})
	if err != nil {
		t.Fatal(err)
	}
	for _, seed := range []uint64{1, 2, 3, 99} {
		tf := newPlugin(t, pluginOpts{dir: "examples/store", block: "geoip " + geoip, seed: func() uint64 { return seed }})
		for _, name := range []string{"www.example.org.", "example.org.", "geo.example.org.", "nearest.example.org.", "latency.example.org.",
			"weighted.example.org.", "pool.example.org.", "tree.example.org.", "app.example.org."} {
			for _, ecs := range []string{"2.2.3.0/24", "214.78.120.0/24", "89.160.20.112/32", "2001:218::/32", ""} {
				m, _ := ask(t, tf, name, dns.TypeA, "", ecs)
				var client ExplainClient
				if ecs != "" {
					client.ECS = netip.MustParsePrefix(ecs)
				} else {
					client.Addr = netip.MustParseAddr("10.240.0.1") // test.ResponseWriter's address
				}
				ex, err := x.Explain(name, 0, client, seed)
				if err != nil {
					t.Fatal(err)
				}
				var records []string
				for _, rr := range m.Answer {
					records = append(records, strings.ReplaceAll(rr.String(), "\t", " "))
				}
				if got, want := strings.Join(ex.Answer.Records, "; "), strings.Join(records, "; "); got != want {
					t.Errorf("%s from %q, seed %d: explained %q, served %q", name, ecs, seed, got, want)
				}
				if e := ecsOf(m); e != nil && (ex.Answer.ECSScope == nil || *ex.Answer.ECSScope != int(e.SourceScope)) {
					t.Errorf("%s from %q: explained scope %v, served %d", name, ecs, ex.Answer.ECSScope, e.SourceScope)
				}
			}
		}
	}
}
