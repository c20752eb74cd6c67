package evaluate

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/trafficflow/trafficflow/policyfile"
)

// traced evaluates with a trace and returns the answer's endpoint IDs.
func traced(p *Evaluator, c *Client, seed uint64) ([]string, *Trace, Result) {
	tr := &Trace{}
	var res Result
	p.Evaluate(&Query{Client: c, Seed: seed, Trace: tr}, &res)
	ids := make([]string, res.N)
	for i, e := range res.Endpoints[:res.N] {
		ids[i] = p.Endpoints()[e].ID
	}
	return ids, tr, res
}

// A multivalue rule's step names the endpoints it answered, in answer
// order, and how many items it chose from; the steps before it give the
// path through the tree, one rule at a time.
func TestTraceMultivalue(t *testing.T) {
	h := Static{}
	var ids, items []string
	for i := range 12 {
		id := fmt.Sprintf("m%d", i)
		ids = append(ids, id)
		items = append(items, fmt.Sprintf(`{"EndpointReference":"%s","HealthCheck":"%s"}`, id, id))
	}
	p := compile(t, doc("f", endpoints(append(ids, "s")...), `
		"f":{"RuleType":"failover","Primary":{"RuleReference":"pick","EvaluateTargetHealth":false},"Secondary":{"EndpointReference":"s"}},
		"pick":{"RuleType":"weighted","Items":[{"RuleReference":"pool","Weight":1,"EvaluateTargetHealth":false},{"EndpointReference":"s","Weight":0}]},
		"pool":{"RuleType":"multivalue","Items":[`+strings.Join(items, ",")+`]}`), h, BiasLegacy)
	const path = "rule f (failover): Rules.f.Primary\nrule pick (weighted): Rules.pick.Items[0]\n"
	for _, tc := range []struct {
		name    string
		up      int // m0..m(up-1) are healthy
		n       int
		healthy bool
		mark    string
	}{
		{"three healthy", 3, 3, true, ""},
		{"all healthy: a sample of 8", 12, 8, true, ""},
		{"none healthy: fail-open", 0, 8, false, " [nothing healthy: fail-open]"},
	} {
		for i := range 12 {
			h.Set(fmt.Sprintf("m%d", i), i < tc.up)
		}
		for seed := range uint64(5) {
			got, tr, res := traced(p, nil, seed)
			if len(got) != tc.n || res.Healthy != tc.healthy {
				t.Fatalf("%s: answered %v healthy %v, want %d answers healthy %v", tc.name, got, res.Healthy, tc.n, tc.healthy)
			}
			want := path + fmt.Sprintf("rule pool (multivalue)%s (answered %s (%d of 12 items))\n", tc.mark, strings.Join(got, ", "), tc.n)
			if s := tr.String(); s != want {
				t.Errorf("%s, seed %d: trace\n%s\nwant\n%s", tc.name, seed, s, want)
			}
			if len(tr.Steps) != 3 {
				t.Fatalf("%s: %d steps, want 3", tc.name, len(tr.Steps))
			}
			if st := tr.Steps[2]; st.Rule != "pool" || st.Type != policyfile.Multivalue || st.Item != "" || st.Healthy != tc.healthy || st.Endpoint != "" {
				t.Errorf("%s: multivalue step %+v", tc.name, st)
			}
			for i, st := range tr.Steps[:2] {
				if !st.Healthy || st.Endpoint != "" {
					t.Errorf("%s: step %d %+v, want a healthy rule step", tc.name, i, st)
				}
			}
		}
	}
}

// A geo rule with no location for the client ends the trace with the
// reason there is no answer; a fail-open choice is marked.
func TestTraceNoAnswerAndFailOpen(t *testing.T) {
	h := Static{}
	p := compile(t, doc("f", endpoints("fr", "de", "s"), `
		"f":{"RuleType":"failover","Primary":{"RuleReference":"g","EvaluateTargetHealth":false,"HealthCheck":"f"},"Secondary":{"EndpointReference":"s","HealthCheck":"s"}},
		"g":{"RuleType":"geo","Locations":[{"Country":"FR","EndpointReference":"fr","HealthCheck":"fr"},{"Country":"DE","EndpointReference":"de"}]}`), h, BiasLegacy)
	got, tr, res := traced(p, client("JP", "", "AS"), 1)
	want := "rule f (failover): Rules.f.Primary\nrule g (geo) (no location matches the client and there is no default: no answer)\n"
	if len(got) != 0 || res.Healthy || tr.String() != want {
		t.Errorf("no match: answered %v healthy %v, trace\n%s\nwant\n%s", got, res.Healthy, tr, want)
	}
	h.Set("f", false)
	h.Set("s", false)
	h.Set("fr", false)
	got, tr, res = traced(p, client("FR", "", "EU"), 1)
	want = "rule f (failover): Rules.f.Primary [nothing healthy: fail-open]\nrule g (geo): Rules.g.Locations[0] [nothing healthy: fail-open]\nendpoint fr (value 192.0.2.1)\n"
	if len(got) != 1 || got[0] != "fr" || res.Healthy || tr.String() != want {
		t.Errorf("fail-open: answered %v healthy %v, trace\n%s\nwant\n%s", got, res.Healthy, tr, want)
	}
}

// A rule step describes every item as the decision saw it: which geo
// locations apply and at what level, distances and biased distances,
// latency-table times, weighted shares within the tier drawn from, and
// health. A traced query answers exactly as an untraced one (the same
// endpoints, health and UsedLocation) for the same seed.
func TestTraceItems(t *testing.T) {
	h := Static{}
	p := compile(t, doc("g", endpoints("ca", "us", "eu", "d", "x", "y", "z", "a", "b"), `
		"g":{"RuleType":"geo","Locations":[
			{"Country":"US","Subdivision":"CA","EndpointReference":"ca","HealthCheck":"ca"},
			{"Country":"US","RuleReference":"w"},
			{"Continent":"EU","EndpointReference":"eu"},
			{"IsDefault":true,"RuleReference":"near"}]},
		"w":{"RuleType":"weighted","Items":[{"EndpointReference":"x","Weight":30},{"EndpointReference":"y","Weight":10,"HealthCheck":"y"},{"EndpointReference":"z","Weight":0}]},
		"near":{"RuleType":"geoproximity","GeoproximityLocations":[
			{"EndpointReference":"a","Latitude":"0","Longitude":"0","Bias":"50"},
			{"EndpointReference":"b","Latitude":"0","Longitude":"10"}]}`), h, BiasLegacy)
	h.Set("ca", false)
	h.Set("y", true)
	californian := NewClient("US", "CA", "NA", true, 37.77, -122.42)
	at := NewClient("", "", "", true, 0, 9)

	for _, c := range []*Client{&californian, &at, client("FR", "", "EU")} {
		for seed := range uint64(20) {
			var plain Result
			p.Evaluate(&Query{Client: c, Seed: seed}, &plain)
			_, _, res := traced(p, c, seed)
			if res != plain {
				t.Fatalf("seed %d: traced %+v, untraced %+v", seed, res, plain)
			}
		}
	}

	_, tr, _ := traced(p, &californian, 1)
	g := tr.Steps[0]
	if g.Index != 0 || g.Chosen != 1 || len(g.Items) != 4 {
		t.Fatalf("geo step %+v", g)
	}
	for i, want := range []ItemTrace{
		{Applies: true, Level: "subdivision", CheckUnhealthy: true},
		{Applies: true, Level: "country", Healthy: true, Chosen: true},
		{Applies: false, Healthy: true},
		{Applies: true, Level: "default", Healthy: true},
	} {
		if got := g.Items[i]; got != want {
			t.Errorf("geo item %d: %+v, want %+v", i, got, want)
		}
	}
	w := tr.Steps[1]
	if w.Rule != "w" || w.Items[0].Share != 0.75 || w.Items[1].Share != 0.25 || w.Items[2].Share != 0 || w.Items[0].Weight != 30 {
		t.Errorf("weighted step: %+v", w.Items)
	}
	h.Set("y", false)
	_, tr, _ = traced(p, &californian, 1)
	if w := tr.Steps[1]; w.Items[0].Share != 1 || w.Items[1].Share != 0 || !w.Items[1].CheckUnhealthy {
		t.Errorf("weighted step with y down: %+v", w.Items)
	}

	_, tr, _ = traced(p, &at, 1)
	near := tr.Steps[1]
	if near.Rule != "near" || near.Ranking != RankBiasedDistance {
		t.Fatalf("geoproximity step %+v", near)
	}
	a, b := near.Items[0], near.Items[1]
	// 9 and 1 degrees of longitude at the equator: about 1,001 and 111 km;
	// a's bias +50 halves its distance.
	if !a.HasDistance || math.Abs(a.Distance-1000.8) > 1 || math.Abs(a.Biased-a.Distance/2) > 0.01 ||
		math.Abs(b.Distance-111.2) > 1 || b.Biased != b.Distance || !b.Chosen || a.Chosen {
		t.Errorf("geoproximity items %+v %+v", a, b)
	}
}

// A latency rule with a table row ranks by its times; an unlisted region
// has none.
func TestTraceLatency(t *testing.T) {
	p := compile(t, doc("l", endpoints("use", "euw"), `
		"l":{"RuleType":"latency","Regions":[{"Region":"us-east-1","EndpointReference":"use"},{"Region":"eu-west-1","EndpointReference":"euw"}]}`), Static{}, BiasLegacy)
	c := NewClient("FR", "", "EU", false, 0, 0)
	c.RTT = map[string]float64{"eu-west-1": 12}
	_, tr, _ := traced(p, &c, 1)
	st := tr.Steps[0]
	if st.Ranking != RankLatencyTable || st.Items[0].HasRTT || !st.Items[1].HasRTT || st.Items[1].RTT != 12 || !st.Items[1].Chosen {
		t.Errorf("latency step %+v", st)
	}
	_, tr, _ = traced(p, nil, 1)
	if st := tr.Steps[0]; st.Ranking != RankDocument || !st.Items[0].Chosen {
		t.Errorf("without a client: %+v", st)
	}
}
