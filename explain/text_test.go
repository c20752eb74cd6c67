package explain

import (
	"strings"
	"testing"
)

// Text renders every fact of an explanation, one per line: the client,
// the alias chain, each step with its items, the answer, the health
// states and the seed.
func TestText(t *testing.T) {
	d, b, rtt := 478.1, 239.1, 12.0
	scope := 24
	ex := &Explanation{
		Query: Query{Name: "app.example.org.", Type: "A"},
		Client: Client{Source: "ecs", ECS: "2.2.3.0/24", Address: "2.2.3.0", Network: "2.2.3.0/24", LatencyRow: "2.2.0.0/16",
			Location: &Location{Country: "GB", Subdivision: "ENG", Continent: "EU", HasCoordinates: true, Latitude: 51.5, Longitude: -0.12}},
		Links: []Link{{Name: "app.example.org.", Aliases: []string{"app.example.org.", "web.example.org."},
			Record: Record{Name: "www.example.org.", Policy: "web", Version: 2, TTL: 60, Where: "records.json: PolicyRecords[0]", Document: "policies/web/2.json"},
			Steps: []Step{{Rule: "near", Type: "geoproximity", Path: "Rules.near", Chosen: 0, Ranking: "biased distance", Note: "took [0]",
				Items: []Item{
					{Index: 0, Label: "eu-central-1, bias +50", Endpoint: "fra", Applies: true, Healthy: true, Distance: &d, Biased: &b, Chosen: true},
					{Index: 1, Label: "eu-west-2", Rule: "lon", Applies: true, Why: "EvaluateTargetHealth: no branch of rule lon is healthy", RTT: &rtt},
				}}},
			Endpoints: []string{"fra"}}},
		Answer: Answer{Rcode: "NOERROR", Records: []string{"app.example.org. 60 IN A 192.0.2.1"}, TTL: 60, ECSScope: &scope, FailOpen: true},
		Health: []Health{{ID: "hc", Healthy: false, Source: "live"}},
		Seed:   7,
	}
	want := `query: app.example.org. A
client: client subnet 2.2.3.0/24 (address 2.2.3.0), country GB-ENG, continent EU, at 51.50, -0.12, GeoIP network 2.2.3.0/24, latency-table row 2.2.0.0/16
alias app.example.org. -> web.example.org.
alias web.example.org. -> www.example.org.
record www.example.org.: policy "web" version 2, TTL 60 (records.json: PolicyRecords[0]; document policies/web/2.json)
rule near (geoproximity) at Rules.near, ranked by biased distance: took [0]
  * [0] eu-central-1, bias +50 -> endpoint fra: distance 478 km, biased 239 km, healthy
    [1] eu-west-2 -> rule lon: rtt 12 ms, unhealthy: EvaluateTargetHealth: no branch of rule lon is healthy
endpoints answered: fra
answer: NOERROR, app.example.org. 60 IN A 192.0.2.1
ECS scope: /24
fail-open: a rule on the way had no healthy branch and answered as if all were
health check hc: unhealthy (live)
seed: 7
`
	if got := ex.Text(); got != want {
		t.Errorf("text:\n%s\nwant:\n%s", got, want)
	}
	if n := len(ex.Lines()); n != strings.Count(want, "\n") {
		t.Errorf("%d lines", n)
	}
}
