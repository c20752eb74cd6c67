package evaluate

import (
	"fmt"
	"strings"
	"testing"

	"github.com/trafficflow/trafficflow/policyfile"
)

// countries returns n country codes Route 53 knows, FR and DE left out.
func countries(t *testing.T, n int) []string {
	t.Helper()
	var out []string
	for a := byte('A'); a <= 'Z' && len(out) < n; a++ {
		for b := byte('A'); b <= 'Z' && len(out) < n; b++ {
			c := string([]byte{a, b})
			if c != "FR" && c != "DE" && policyfile.ContinentOf(c) != "" {
				out = append(out, c)
			}
		}
	}
	if len(out) < n {
		t.Fatalf("only %d country codes", len(out))
	}
	return out
}

// bigGeoDoc is a geo rule with a location per country in cs, each pointing
// at its own failover rule (with EvaluateTargetHealth eth), then FR →
// failover "pair" and DE → multivalue "pool" (both with
// EvaluateTargetHealth) and a default endpoint. pair and pool come last in
// the document, so their rule indexes are past 64.
func bigGeoDoc(cs []string, eth bool) string {
	var locs, rules []string
	for i, c := range cs {
		locs = append(locs, fmt.Sprintf(`{"Country":"%s","RuleReference":"r%d","EvaluateTargetHealth":%v}`, c, i, eth))
		rules = append(rules, fmt.Sprintf(`"r%d":{"RuleType":"failover","Primary":{"EndpointReference":"x","HealthCheck":"hx"},"Secondary":{"EndpointReference":"y","HealthCheck":"hy"}}`, i))
	}
	locs = append(locs, `{"Country":"FR","RuleReference":"pair","EvaluateTargetHealth":true}`,
		`{"Country":"DE","RuleReference":"pool","EvaluateTargetHealth":true}`,
		`{"Country":"*","EndpointReference":"backup"}`)
	rules = append([]string{`"g":{"RuleType":"geo","Locations":[` + strings.Join(locs, ",") + `]}`}, rules...)
	rules = append(rules,
		`"pair":{"RuleType":"failover","Primary":{"EndpointReference":"fra","HealthCheck":"fra"},"Secondary":{"EndpointReference":"dub","HealthCheck":"dub"}}`,
		`"pool":{"RuleType":"multivalue","Items":[{"EndpointReference":"m0","HealthCheck":"m0"},{"EndpointReference":"m1","HealthCheck":"m1"}]}`)
	return doc("g", endpoints("x", "y", "fra", "dub", "m0", "m1", "backup"), strings.Join(rules, ","))
}

// A policy of more than 64 rules keeps the memo on the stack as long as at
// most 64 rules are targets of EvaluateTargetHealth, and backs out of
// unhealthy branches as a small one does.
func TestMemoManyRules(t *testing.T) {
	h := Static{}
	cs := countries(t, 66)
	p := compile(t, bigGeoDoc(cs, false), h, BiasLegacy)
	if len(p.rules) < 65 {
		t.Fatalf("%d rules, want at least 65", len(p.rules))
	}
	// Only pair and pool have memo slots, numbered densely.
	if p.memoSlots != 2 {
		t.Errorf("%d memo slots, want 2 (pair and pool)", p.memoSlots)
	}
	for i, r := range p.doc.Rules {
		want := int32(-1)
		switch r.ID {
		case "pair":
			want = 0
		case "pool":
			want = 1
		}
		if p.rules[i].memo != want {
			t.Errorf("rule %s (index %d): memo slot %d, want %d", r.ID, i, p.rules[i].memo, want)
		}
	}

	set := func(up map[string]bool) {
		for _, id := range []string{"hx", "hy", "fra", "dub", "m0", "m1"} {
			h.Set(id, up[id])
		}
	}
	all := map[string]bool{"hx": true, "hy": true, "fra": true, "dub": true, "m0": true, "m1": true}
	fr, de, first := client("FR", "", "EU"), client("DE", "", "EU"), client(cs[0], "", "")
	for _, tc := range []struct {
		name    string
		c       *Client
		up      map[string]bool
		want    string
		healthy bool
	}{
		{"FR primary", fr, all, "fra", true},
		{"FR secondary", fr, map[string]bool{"dub": true}, "dub", true},
		{"FR pair down backs out to the default", fr, map[string]bool{"hx": true}, "backup", true},
		{"DE pool", de, map[string]bool{"m1": true}, "m1", true},
		{"DE pool down backs out to the default", de, map[string]bool{"fra": true}, "backup", true},
		{"country without EvaluateTargetHealth", first, map[string]bool{"hy": true}, "y", true},
		{"country without EvaluateTargetHealth, all down", first, nil, "x", false},
	} {
		set(tc.up)
		var res Result
		p.Evaluate(&Query{Client: tc.c, Seed: 1}, &res)
		if res.N != 1 || p.Endpoints()[res.Endpoints[0]].ID != tc.want || res.Healthy != tc.healthy {
			t.Errorf("%s: %+v, want %s healthy %v", tc.name, res, tc.want, tc.healthy)
		}
		if allocs := testing.AllocsPerRun(100, func() { p.Evaluate(&Query{Client: tc.c, Seed: 1}, &res) }); allocs != 0 {
			t.Errorf("%s: %v allocations per query, want 0", tc.name, allocs)
		}
	}
}

// More than 64 rules with EvaluateTargetHealth targets: the memo moves to
// the heap (one allocation per query) and answers stay right.
func TestMemoFallback(t *testing.T) {
	h := Static{}
	cs := countries(t, 66)
	p := compile(t, bigGeoDoc(cs, true), h, BiasLegacy)
	if p.memoSlots != 68 {
		t.Fatalf("%d memo slots, want 68", p.memoSlots)
	}
	last := client(cs[len(cs)-1], "", "")
	for _, tc := range []struct {
		name   string
		c      *Client
		hx, hy bool
		fra    bool
		want   string
	}{
		{"primary", last, true, true, true, "x"},
		{"secondary", last, false, true, true, "y"},
		{"rule down backs out to the default", last, false, false, true, "backup"},
		{"FR primary", client("FR", "", "EU"), false, false, true, "fra"},
		{"FR down backs out to the default", client("FR", "", "EU"), false, false, false, "backup"},
	} {
		h.Set("hx", tc.hx)
		h.Set("hy", tc.hy)
		h.Set("fra", tc.fra)
		h.Set("dub", false)
		var res Result
		p.Evaluate(&Query{Client: tc.c, Seed: 1}, &res)
		if res.N != 1 || p.Endpoints()[res.Endpoints[0]].ID != tc.want || !res.Healthy {
			t.Errorf("%s: %+v, want %s, healthy", tc.name, res, tc.want)
		}
		if allocs := testing.AllocsPerRun(100, func() { p.Evaluate(&Query{Client: tc.c, Seed: 1}, &res) }); allocs > 1 {
			t.Errorf("%s: %v allocations per query, want at most 1 (the memo)", tc.name, allocs)
		}
	}
}
