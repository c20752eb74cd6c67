package evaluate

import (
	"fmt"
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
