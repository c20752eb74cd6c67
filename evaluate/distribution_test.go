package evaluate

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// The exact distribution agrees with the draws: over many seeds, each
// endpoint is answered as often as Distribution says, through weighted
// tiers (with an unhealthy item and a zero-weight standby), a geo choice
// and a multivalue sample.
func TestDistribution(t *testing.T) {
	h := Static{}
	var items []string
	var ids []string
	for i := range 10 {
		id := fmt.Sprintf("m%d", i)
		ids = append(ids, id)
		items = append(items, fmt.Sprintf(`{"EndpointReference":%q}`, id))
	}
	p := compile(t, doc("g", endpoints(append(ids, "a", "b", "c", "s")...), `
		"g":{"RuleType":"geo","Locations":[{"Continent":"EU","RuleReference":"w"},{"IsDefault":true,"RuleReference":"pool"}]},
		"w":{"RuleType":"weighted","Items":[{"EndpointReference":"a","Weight":3},{"EndpointReference":"b","Weight":1},
			{"EndpointReference":"c","Weight":4,"HealthCheck":"c"},{"EndpointReference":"s","Weight":0}]},
		"pool":{"RuleType":"multivalue","Items":[`+strings.Join(items, ",")+`]}`), h, BiasLegacy)
	h.Set("c", false)
	for _, tc := range []struct {
		name   string
		client *Client
		want   map[string]float64
	}{
		{"weighted, c unhealthy", client("FR", "", "EU"), map[string]float64{"a": 0.75, "b": 0.25}},
		{"multivalue: 8 of 10", client("JP", "", "AS"), func() map[string]float64 {
			m := map[string]float64{}
			for _, id := range ids {
				m[id] = 0.8
			}
			return m
		}()},
	} {
		dist := p.Distribution(&Query{Client: tc.client})
		const n = 20000
		counts := make([]float64, len(dist))
		for seed := range uint64(n) {
			var res Result
			p.Evaluate(&Query{Client: tc.client, Seed: seed}, &res)
			for _, e := range res.Endpoints[:res.N] {
				counts[e]++
			}
		}
		for i, e := range p.Endpoints() {
			if math.Abs(dist[i]-tc.want[e.ID]) > 1e-9 {
				t.Errorf("%s: %s: distribution %v, want %v", tc.name, e.ID, dist[i], tc.want[e.ID])
			}
			if got := counts[i] / n; math.Abs(got-dist[i]) > 0.02 {
				t.Errorf("%s: %s: drawn %.3f of the time, distribution says %.3f", tc.name, e.ID, got, dist[i])
			}
		}
	}
	// The standby takes over when every weighted item is down.
	h.Set("c", false)
	p2 := compile(t, doc("w", endpoints("a", "s"), `"w":{"RuleType":"weighted","Items":[{"EndpointReference":"a","Weight":1,"HealthCheck":"a"},{"EndpointReference":"s","Weight":0}]}`), h, BiasLegacy)
	h.Set("a", false)
	if d := p2.Distribution(&Query{}); d[0] != 0 || d[1] != 1 {
		t.Errorf("standby: %v", d)
	}
}
