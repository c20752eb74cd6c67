package evaluate

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
)

// compile parses and compiles a document, failing the test on any error.
func compile(t testing.TB, doc string, health Static, formula BiasFormula) *Evaluator {
	t.Helper()
	p, err := Compile(parseDocument(t, []byte(doc)), Options{Health: health, BiasFormula: formula})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// answer evaluates and returns the endpoint IDs answered.
func answer(p *Evaluator, c *Client, seed uint64) []string {
	var res Result
	p.Evaluate(&Query{Client: c, Seed: seed}, &res)
	out := make([]string, res.N)
	for i, e := range res.Endpoints[:res.N] {
		out[i] = p.Endpoints()[e].ID
	}
	return out
}

func one(t *testing.T, p *Evaluator, c *Client) string {
	t.Helper()
	got := answer(p, c, 1)
	if len(got) != 1 {
		t.Fatalf("answer %v, want one endpoint", got)
	}
	return got[0]
}

func client(country, sub, continent string) *Client {
	c := NewClient(country, sub, continent, false, 0, 0)
	return &c
}

func at(lat, lon float64) *Client {
	c := NewClient("", "", "", true, lat, lon)
	return &c
}

func endpoints(ids ...string) string {
	var parts []string
	for i, id := range ids {
		parts = append(parts, fmt.Sprintf(`"%s":{"Type":"value","Value":"192.0.2.%d"}`, id, i+1))
	}
	return strings.Join(parts, ",")
}

func doc(start, eps, rules string) string {
	return `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"` + start + `","Endpoints":{` + eps + `},"Rules":{` + rules + `}}`
}

// geoExample is a geolocation policy with states, a country, a continent
// (behind a failover pair) and a default.
const geoExample = `{
  "AWSPolicyFormatVersion": "2015-10-01", "RecordType": "A", "StartRule": "where-is-client",
  "Endpoints": {
    "us-west": { "Type": "value", "Value": "192.0.2.10" }, "us-east": { "Type": "value", "Value": "192.0.2.20" },
    "uk": { "Type": "value", "Value": "192.0.2.30" }, "eu-fra": { "Type": "value", "Value": "192.0.2.40" },
    "eu-dub": { "Type": "value", "Value": "192.0.2.41" }, "global": { "Type": "value", "Value": "192.0.2.99" }
  },
  "Rules": {
    "where-is-client": { "RuleType": "geo", "Locations": [
        { "Country": "US", "Subdivision": "CA", "EndpointReference": "us-west", "HealthCheck": "hc1" },
        { "Country": "US", "Subdivision": "WA", "EndpointReference": "us-west", "HealthCheck": "hc1" },
        { "Country": "US", "EndpointReference": "us-east", "HealthCheck": "hc2" },
        { "Country": "GB", "EndpointReference": "uk" },
        { "Continent": "EU", "RuleReference": "eu-pair", "EvaluateTargetHealth": true },
        { "Country": "*", "EndpointReference": "global" } ] },
    "eu-pair": { "RuleType": "failover",
      "Primary":   { "EndpointReference": "eu-fra", "HealthCheck": "hc3" },
      "Secondary": { "EndpointReference": "eu-dub" } }
  }
}`

// Geolocation: the most specific location that applies answers (state,
// country, continent, default; GB beats EU), a US client without state
// data takes the country, and an unhealthy location falls to the next
// larger one.
func TestGeo(t *testing.T) {
	h := Static{}
	p := compile(t, geoExample, h, BiasLegacy)
	cases := []struct {
		name   string
		client *Client
		down   []string
		want   string
	}{
		{"35 California state", client("US", "CA", "NA"), nil, "us-west"},
		{"35 Texas falls to the country", client("US", "TX", "NA"), nil, "us-east"},
		{"34 US without state data", client("US", "", "NA"), nil, "us-east"},
		{"35 GB beats EU", client("GB", "ENG", "EU"), nil, "uk"},
		{"35 Paris by continent", client("FR", "IDF", "EU"), nil, "eu-fra"},
		{"Paris with the primary down", client("FR", "", "EU"), []string{"hc3"}, "eu-dub"},
		{"Tokyo gets the default", client("JP", "13", "AS"), nil, "global"},
		{"no location data gets the default", &Client{}, nil, "global"},
		{"nil client gets the default", nil, nil, "global"},
		{"37 state unhealthy falls to the country", client("US", "CA", "NA"), []string{"hc1"}, "us-east"},
		{"37 state and country unhealthy fall to the default", client("US", "CA", "NA"), []string{"hc1", "hc2"}, "global"},
		{"continent only (no country) matches the continent", client("", "", "EU"), nil, "eu-fra"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, id := range []string{"hc1", "hc2", "hc3"} {
				h.Set(id, !slices.Contains(tc.down, id))
			}
			if got := one(t, p, tc.client); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
	// The EU location's target, eu-pair, has a secondary without a health
	// check, so the EU branch is never unhealthy: with every check down a
	// European client still takes it (never the default), and the answer
	// counts as healthy, while a Californian client's branches are
	// unhealthy and it falls to the default.
	t.Run("EU branch is never unhealthy (secondary has no check)", func(t *testing.T) {
		for _, id := range []string{"hc1", "hc2", "hc3"} {
			h.Set(id, false)
		}
		for _, c := range []*Client{client("FR", "", "EU"), client("DE", "BE", "EU"), client("", "", "EU")} {
			var res Result
			p.Evaluate(&Query{Client: c, Seed: 1}, &res)
			if res.N != 1 || p.Endpoints()[res.Endpoints[0]].ID != "eu-dub" || !res.Healthy {
				t.Errorf("%+v: %+v, want eu-dub, healthy", *c, res)
			}
		}
		var res Result
		p.Evaluate(&Query{Client: client("US", "CA", "NA"), Seed: 1}, &res)
		if res.N != 1 || p.Endpoints()[res.Endpoints[0]].ID != "global" {
			t.Errorf("California, all down: %+v, want the default (its branches are unhealthy)", res)
		}
	})
}

// Geolocation edges: no location and no default gives no answer; a US
// client without state data never takes a state location; with every
// applicable location unhealthy, the most specific answers; and an
// unhealthy country never falls to another country's location.
func TestGeoEdges(t *testing.T) {
	h := Static{}
	noDefault := compile(t, doc("g", endpoints("fr", "de"), `"g":{"RuleType":"geo","Locations":[
		{"Country":"FR","EndpointReference":"fr","HealthCheck":"fr"},{"Country":"DE","EndpointReference":"de"}]}`), h, BiasLegacy)
	var res Result
	noDefault.Evaluate(&Query{Client: client("JP", "", "AS")}, &res)
	if res.N != 0 || !res.UsedLocation {
		t.Errorf("33: no match and no default: %+v, want no answer", res)
	}
	// 38: FR unhealthy never falls back to DE (a different country).
	h.Set("fr", false)
	if got := one(t, noDefault, client("FR", "", "EU")); got != "fr" {
		t.Errorf("38: got %s, want the unhealthy fr (fail-open), never de", got)
	}

	states := compile(t, doc("g", endpoints("ca", "wa", "other"), `"g":{"RuleType":"geo","Locations":[
		{"Country":"US","Subdivision":"CA","EndpointReference":"ca"},{"Country":"US","Subdivision":"WA","EndpointReference":"wa"},
		{"IsDefault":true,"EndpointReference":"other"}]}`), h, BiasLegacy)
	if got := one(t, states, client("US", "", "NA")); got != "other" {
		t.Errorf("34: US without state, only state locations: got %s, want the default", got)
	}
	if got := one(t, states, client("US", "WA", "NA")); got != "wa" {
		t.Errorf("got %s", got)
	}

	// 37: every applicable location unhealthy: the most specific one.
	all := compile(t, doc("g", endpoints("ca", "us", "na", "def"), `"g":{"RuleType":"geo","Locations":[
		{"Country":"US","Subdivision":"CA","EndpointReference":"ca","HealthCheck":"a"},{"Country":"US","EndpointReference":"us","HealthCheck":"b"},
		{"Continent":"NA","EndpointReference":"na","HealthCheck":"c"},{"Country":"*","EndpointReference":"def","HealthCheck":"d"}]}`), h, BiasLegacy)
	for _, id := range []string{"a", "b", "c"} {
		h.Set(id, false)
	}
	if got := one(t, all, client("US", "CA", "NA")); got != "def" {
		t.Errorf("37: got %s, want the default (the only healthy one)", got)
	}
	h.Set("b", true)
	if got := one(t, all, client("US", "CA", "NA")); got != "us" {
		t.Errorf("37: got %s, want us", got)
	}
	h.Set("b", false)
	h.Set("d", false)
	if got := one(t, all, client("US", "CA", "NA")); got != "ca" {
		t.Errorf("37: all unhealthy: got %s, want the most specific (ca)", got)
	}
	if got := one(t, all, client("MX", "", "NA")); got != "na" {
		t.Errorf("37: all unhealthy, Mexico: got %s, want na", got)
	}
}

// Route 53's country → continent table wins over the continent a GeoIP
// database reports.
func TestGeoContinentTable(t *testing.T) {
	p := compile(t, doc("g", endpoints("af", "as", "eu", "oc", "na", "def"), `"g":{"RuleType":"geo","Locations":[
		{"Continent":"AF","EndpointReference":"af"},{"Continent":"AS","EndpointReference":"as"},{"Continent":"EU","EndpointReference":"eu"},
		{"Continent":"OC","EndpointReference":"oc"},{"Continent":"NA","EndpointReference":"na"},{"IsDefault":true,"EndpointReference":"def"}]}`), Static{}, BiasLegacy)
	cases := []struct{ country, dbContinent, want string }{
		{"TR", "AS", "eu"}, {"CY", "AS", "eu"}, {"RU", "AS", "eu"}, {"GE", "EU", "as"}, {"AM", "EU", "as"},
		{"AZ", "EU", "as"}, {"EG", "AS", "af"}, {"TL", "AS", "oc"}, {"UM", "NA", "oc"},
		// A country missing from the table falls back to the database's continent.
		{"XX", "AF", "af"},
	}
	for _, tc := range cases {
		if got := one(t, p, client(tc.country, "", tc.dbContinent)); got != tc.want {
			t.Errorf("%s (database says %s): got %s, want %s", tc.country, tc.dbContinent, got, tc.want)
		}
	}
}

// Failover: the primary when healthy, else a healthy secondary, else the
// primary (fail-open); a branch without a health check is healthy; and
// EvaluateTargetHealth false enters a primary rule whose leaves are all
// unhealthy.
func TestFailover(t *testing.T) {
	h := Static{}
	p := compile(t, doc("f", endpoints("p", "s"), `"f":{"RuleType":"failover",
		"Primary":{"EndpointReference":"p","HealthCheck":"hp"},"Secondary":{"EndpointReference":"s","HealthCheck":"hs"}}`), h, BiasLegacy)
	for _, tc := range []struct {
		p, s    bool
		want    string
		healthy bool
	}{{true, true, "p", true}, {true, false, "p", true}, {false, true, "s", true}, {false, false, "p", false}} {
		h.Set("hp", tc.p)
		h.Set("hs", tc.s)
		var res Result
		p.Evaluate(&Query{}, &res)
		if got := p.Endpoints()[res.Endpoints[0]].ID; got != tc.want || res.Healthy != tc.healthy || res.UsedLocation {
			t.Errorf("primary %v secondary %v: got %s healthy %v, want %s healthy %v", tc.p, tc.s, got, res.Healthy, tc.want, tc.healthy)
		}
	}
	// A secondary without a health check counts as healthy, so it answers
	// whenever the primary is down.
	noCheck := compile(t, doc("f", endpoints("p", "s"), `"f":{"RuleType":"failover",
		"Primary":{"EndpointReference":"p","HealthCheck":"hp"},"Secondary":{"EndpointReference":"s"}}`), h, BiasLegacy)
	h.Set("hp", false)
	if got := one(t, noCheck, nil); got != "s" {
		t.Errorf("got %s, want the unchecked secondary", got)
	}
	// A primary without a health check and EvaluateTargetHealth false
	// always answers.
	always := compile(t, doc("f", endpoints("p", "s"), `"f":{"RuleType":"failover",
		"Primary":{"EndpointReference":"p","EvaluateTargetHealth":false},"Secondary":{"EndpointReference":"s","HealthCheck":"hs"}}`), h, BiasLegacy)
	h.Set("hs", true)
	if got := one(t, always, nil); got != "p" {
		t.Errorf("got %s, want the primary", got)
	}

	// 41: EvaluateTargetHealth false on a primary whose rule has only
	// unhealthy leaves: still the primary branch, leaves by fail-open.
	nested := compile(t, doc("f", endpoints("a", "b", "s"), `
		"f":{"RuleType":"failover","Primary":{"RuleReference":"pool","EvaluateTargetHealth":false},"Secondary":{"EndpointReference":"s"}},
		"pool":{"RuleType":"failover","Primary":{"EndpointReference":"a","HealthCheck":"ha"},"Secondary":{"EndpointReference":"b","HealthCheck":"hb"}}`), h, BiasLegacy)
	h.Set("ha", false)
	h.Set("hb", false)
	if got := one(t, nested, nil); got != "a" {
		t.Errorf("41: got %s, want a (primary branch, fail-open inside)", got)
	}
	// With EvaluateTargetHealth true the same tree backs out to the secondary.
	backOut := compile(t, doc("f", endpoints("a", "b", "s"), `
		"f":{"RuleType":"failover","Primary":{"RuleReference":"pool"},"Secondary":{"EndpointReference":"s"}},
		"pool":{"RuleType":"failover","Primary":{"EndpointReference":"a","HealthCheck":"ha"},"Secondary":{"EndpointReference":"b","HealthCheck":"hb"}}`), h, BiasLegacy)
	if got := one(t, backOut, nil); got != "s" {
		t.Errorf("41: with EvaluateTargetHealth (default true) got %s, want s", got)
	}
	h.Set("hb", true)
	if got := one(t, backOut, nil); got != "b" {
		t.Errorf("got %s, want b", got)
	}
}

// counts evaluates n seeded queries and counts the endpoints answered.
func counts(p *Evaluator, c *Client, n int) map[string]int {
	out := map[string]int{}
	for i := range n {
		for _, id := range answer(p, c, uint64(i)*0x9e3779b97f4a7c15+12345) {
			out[id]++
		}
	}
	return out
}

// within reports whether got is within tol (absolute fraction) of want of n.
func within(got, n int, want, tol float64) bool {
	return math.Abs(float64(got)/float64(n)-want) <= tol
}

// Weighted: 10,000 seeded draws follow the weights, zero weights answer
// only when no weighted item is healthy, and with nothing healthy the draw
// fails open.
func TestWeighted(t *testing.T) {
	h := Static{}
	const n = 10000
	w := func(weights ...int) *Evaluator {
		var items []string
		var ids []string
		for i, wt := range weights {
			id := fmt.Sprintf("e%d", i)
			ids = append(ids, id)
			items = append(items, fmt.Sprintf(`{"EndpointReference":"%s","Weight":%d,"HealthCheck":"%s"}`, id, wt, id))
		}
		return compile(t, doc("w", endpoints(ids...), `"w":{"RuleType":"weighted","Items":[`+strings.Join(items, ",")+`]}`), h, BiasLegacy)
	}
	set := func(states ...bool) {
		for i, s := range states {
			h.Set(fmt.Sprintf("e%d", i), s)
		}
	}

	set(true, true, true)
	c := counts(w(3, 1, 1), nil, n)
	if !within(c["e0"], n, 0.6, 0.02) || !within(c["e1"], n, 0.2, 0.02) || !within(c["e2"], n, 0.2, 0.02) {
		t.Errorf("42: 3:1:1 gave %v", c)
	}
	set(true, true)
	c = counts(w(1, 255), nil, n)
	if !within(c["e0"], n, 1.0/256, 0.003) || c["e0"] == 0 || !within(c["e1"], n, 255.0/256, 0.003) {
		t.Errorf("42: 1:255 gave %v", c)
	}
	// 43: a zero weight is never chosen while a non-zero branch is healthy.
	set(true, true, true)
	c = counts(w(2, 0, 1), nil, n)
	if c["e1"] != 0 || !within(c["e0"], n, 2.0/3, 0.02) {
		t.Errorf("43: 2:0:1 gave %v", c)
	}
	set(false, true, false)
	if c = counts(w(2, 0, 1), nil, n); c["e1"] != n {
		t.Errorf("43: zero weight with every non-zero branch down gave %v", c)
	}
	set(true, true, true)
	c = counts(w(0, 0, 0), nil, n)
	for _, id := range []string{"e0", "e1", "e2"} {
		if !within(c[id], n, 1.0/3, 0.02) {
			t.Errorf("43: all-zero group gave %v, want uniform", c)
		}
	}
	// Unhealthy branches are redrawn with the same weighting.
	set(true, false, true)
	c = counts(w(3, 1, 1), nil, n)
	if c["e1"] != 0 || !within(c["e0"], n, 0.75, 0.02) {
		t.Errorf("redraw gave %v", c)
	}
	// 44: all unhealthy: the draw follows the non-zero weights.
	set(false, false, false, false)
	c = counts(w(3, 1, 0, 1), nil, n)
	if c["e2"] != 0 || !within(c["e0"], n, 0.6, 0.02) || !within(c["e1"], n, 0.2, 0.02) {
		t.Errorf("44: fail-open gave %v", c)
	}
	var res Result
	w(3, 1, 0, 1).Evaluate(&Query{Seed: 1}, &res)
	if res.Healthy || res.UsedLocation {
		t.Errorf("44: fail-open result %+v", res)
	}
}

// A weighted CNAME split between two CDNs, with a zero-weight origin as
// the standby.
func TestWeightedCDN(t *testing.T) {
	h := Static{}
	p := compile(t, `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"CNAME","StartRule":"cdn-split",
		"Endpoints":{"cdn-a":{"Type":"value","Value":"static.cdn-a.example.net"},"cdn-b":{"Type":"value","Value":"static.cdn-b.example.net"},"origin":{"Type":"value","Value":"origin.example.org"}},
		"Rules":{"cdn-split":{"RuleType":"weighted","Items":[
		{"EndpointReference":"cdn-a","Weight":200,"HealthCheck":"a"},{"EndpointReference":"cdn-b","Weight":55,"HealthCheck":"b"},{"EndpointReference":"origin","Weight":0,"HealthCheck":"c"}]}}}`, h, BiasLegacy)
	const n = 10000
	c := counts(p, nil, n)
	if c["origin"] != 0 || !within(c["cdn-a"], n, 200.0/255, 0.02) {
		t.Errorf("healthy: %v", c)
	}
	h.Set("a", false)
	h.Set("b", false)
	if c = counts(p, nil, n); c["origin"] != n {
		t.Errorf("both CDNs down: %v", c)
	}
	h.Set("c", false)
	if c = counts(p, nil, n); c["origin"] != 0 || !within(c["cdn-a"], n, 200.0/255, 0.02) {
		t.Errorf("all down: %v", c)
	}
}

func multivalueDoc(n int) string {
	var ids, items []string
	for i := range n {
		id := fmt.Sprintf("m%d", i)
		ids = append(ids, id)
		items = append(items, fmt.Sprintf(`{"EndpointReference":"%s","HealthCheck":"%s"}`, id, id))
	}
	return doc("mv", endpoints(ids...), `"mv":{"RuleType":"multivalue","Items":[`+strings.Join(items, ",")+`]}`)
}

// Multivalue: up to 8 healthy values at random (3 of 3, 8 of 12, 2 of 12,
// and 8 of all 12 when none is healthy), and a parent with
// EvaluateTargetHealth skips a pool with no healthy item.
func TestMultivalue(t *testing.T) {
	h := Static{}
	setHealthy := func(n, healthy int) {
		for i := range n {
			h.Set(fmt.Sprintf("m%d", i), i < healthy)
		}
	}
	check := func(name string, p *Evaluator, n, healthy, want int, wantHealthy bool) {
		t.Helper()
		seen := map[string]bool{}
		for seed := range uint64(200) {
			var res Result
			p.Evaluate(&Query{Seed: seed}, &res)
			if res.N != want || res.Healthy != wantHealthy {
				t.Fatalf("%s: %d answers (healthy %v), want %d (healthy %v)", name, res.N, res.Healthy, want, wantHealthy)
			}
			distinct := map[int16]bool{}
			for _, e := range res.Endpoints[:res.N] {
				if distinct[e] {
					t.Fatalf("%s: duplicate answer %d", name, e)
				}
				distinct[e] = true
				if healthy > 0 && int(e) >= healthy {
					t.Fatalf("%s: unhealthy m%d answered while healthy ones exist", name, e)
				}
				seen[p.Endpoints()[e].ID] = true
			}
		}
		// Over many queries every eligible item shows up.
		if eligible := min(n, max(healthy, 0)); healthy > 0 && len(seen) != eligible {
			t.Errorf("%s: %d distinct items answered over 200 queries, want %d", name, len(seen), eligible)
		}
	}
	p3 := compile(t, multivalueDoc(3), h, BiasLegacy)
	setHealthy(3, 3)
	check("3 of 3", p3, 3, 3, 3, true)
	p12 := compile(t, multivalueDoc(12), h, BiasLegacy)
	setHealthy(12, 12)
	check("12 healthy", p12, 12, 12, 8, true)
	setHealthy(12, 2)
	check("2 of 12", p12, 12, 2, 2, true)
	setHealthy(12, 0)
	check("0 of 12", p12, 12, 0, 8, false)
	noChecks := compile(t, doc("mv", endpoints("a", "b", "c"), `"mv":{"RuleType":"multivalue","Items":[{"EndpointReference":"a"},{"EndpointReference":"b"},{"EndpointReference":"c"}]}`), h, BiasLegacy)
	if got := answer(noChecks, nil, 7); len(got) != 3 {
		t.Errorf("no health checks: %v, want all three", got)
	}
	// Answers come in random order.
	orders := map[string]bool{}
	for seed := range uint64(50) {
		orders[strings.Join(answer(noChecks, nil, seed), ",")] = true
	}
	if len(orders) < 4 {
		t.Errorf("only %d orders of 3 answers over 50 queries", len(orders))
	}

	// 46: under a parent with EvaluateTargetHealth true, a pool with no
	// healthy item is skipped.
	parent := compile(t, doc("f", endpoints("m0", "m1", "backup"), `
		"f":{"RuleType":"failover","Primary":{"RuleReference":"pool","EvaluateTargetHealth":true},"Secondary":{"EndpointReference":"backup"}},
		"pool":{"RuleType":"multivalue","Items":[{"EndpointReference":"m0","HealthCheck":"m0"},{"EndpointReference":"m1","HealthCheck":"m1"}]}`), h, BiasLegacy)
	setHealthy(2, 0)
	if got := answer(parent, nil, 1); len(got) != 1 || got[0] != "backup" {
		t.Errorf("46: got %v, want backup", got)
	}
	setHealthy(2, 1)
	if got := answer(parent, nil, 1); len(got) != 1 || got[0] != "m0" {
		t.Errorf("46: got %v, want m0", got)
	}
}

// geoproxDoc places items on the equator east of 0°, lon in degrees.
func geoproxDoc(items ...string) string {
	var ids []string
	for i := range items {
		ids = append(ids, fmt.Sprintf("e%d", i))
	}
	return doc("g", endpoints(ids...), `"g":{"RuleType":"geoproximity","GeoproximityLocations":[`+strings.Join(items, ",")+`]}`)
}

func gpItem(i int, lon string, bias int) string {
	return fmt.Sprintf(`{"EndpointReference":"e%d","Latitude":"0","Longitude":"%s","Bias":%d,"HealthCheck":"e%d"}`, i, lon, bias, i)
}

// Geoproximity: the nearest item by biased distance (both bias formulas,
// -99, ties to the earlier item), and the next nearest when it is
// unhealthy.
func TestGeoproximity(t *testing.T) {
	h := Static{}
	origin := at(0, 0)
	// 1° of longitude on the equator is 111.19 km.
	if d := distanceDeg(0, 0, 0, 1); math.Abs(d-111.19) > 0.01 {
		t.Fatalf("1 degree = %.2f km", d)
	}
	cases := []struct {
		name    string
		formula BiasFormula
		items   []string
		want    string
	}{
		{"no bias: nearest", BiasLegacy, []string{gpItem(0, "1.35", 0), gpItem(1, "0.90", 0)}, "e1"},
		{"+50 at 150 km beats 100 km", BiasLegacy, []string{gpItem(0, "1.35", 50), gpItem(1, "0.90", 0)}, "e0"},
		{"-50 legacy doubles (120 > 100)", BiasLegacy, []string{gpItem(0, "0.90", 0), gpItem(1, "0.54", -50)}, "e0"},
		{"-50 linear is x1.5 (90 < 100)", BiasLinear, []string{gpItem(0, "0.90", 0), gpItem(1, "0.54", -50)}, "e1"},
		{"-99 legacy is x100", BiasLegacy, []string{gpItem(0, "0.45", 0), gpItem(1, "0.01", -99)}, "e0"},
		{"-99 linear is x1.99", BiasLinear, []string{gpItem(0, "0.45", 0), gpItem(1, "0.01", -99)}, "e1"},
		{"+99 is x0.01", BiasLegacy, []string{gpItem(0, "0.45", 0), gpItem(1, "40", 99)}, "e1"},
		{"tie: document order", BiasLegacy, []string{gpItem(0, "1", 0), gpItem(1, "1", 0)}, "e0"},
		{"tie: document order, reversed", BiasLegacy, []string{gpItem(0, "-1", 0), gpItem(1, "1", 0)}, "e0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h.Set("e0", true)
			h.Set("e1", true)
			if got := one(t, compile(t, geoproxDoc(tc.items...), h, tc.formula), origin); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
	// 48: nearest unhealthy → second nearest; all unhealthy → nearest.
	p := compile(t, geoproxDoc(gpItem(0, "3", 0), gpItem(1, "1", 0), gpItem(2, "2", 0)), h, BiasLegacy)
	h.Set("e0", true)
	h.Set("e1", false)
	h.Set("e2", true)
	if got := one(t, p, origin); got != "e2" {
		t.Errorf("48: got %s, want e2", got)
	}
	h.Set("e0", false)
	h.Set("e2", false)
	if got := one(t, p, origin); got != "e1" {
		t.Errorf("48: all unhealthy: got %s, want e1 (nearest)", got)
	}
	// No client location: document order (first healthy).
	h.Set("e0", true)
	if got := one(t, p, &Client{}); got != "e0" {
		t.Errorf("unknown location: got %s, want e0", got)
	}
	h.Set("e0", false)
	h.Set("e2", true)
	if got := one(t, p, &Client{}); got != "e2" {
		t.Errorf("unknown location, e0 and e1 down: got %s, want e2", got)
	}
}

// Geoproximity with a bias, between two regions and a coordinate.
func TestGeoproximityExample(t *testing.T) {
	h := Static{}
	const example = `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"nearest-site",
	"Endpoints":{"virginia-alb":{"Type":"application-load-balancer","Value":"web-use1-1234567890.us-east-1.elb.amazonaws.com"},
	 "frankfurt-alb":{"Type":"application-load-balancer","Value":"web-euc1-0987654321.eu-central-1.elb.amazonaws.com"},
	 "capetown-dc":{"Type":"value","Value":"198.51.100.77"}},
	"Rules":{"nearest-site":{"RuleType":"geoproximity","GeoproximityLocations":[
	 {"EndpointReference":"virginia-alb","Region":"aws:route53:us-east-1","Bias":25,"EvaluateTargetHealth":true},
	 {"EndpointReference":"frankfurt-alb","Region":"aws:route53:eu-central-1","Bias":0,"EvaluateTargetHealth":true},
	 {"EndpointReference":"capetown-dc","Latitude":"-33.92","Longitude":"18.42","Bias":-10,"HealthCheck":"cpt"}]}}}`
	p := compile(t, example, h, BiasLegacy)
	if d := distanceDeg(64.15, -21.94, 50.11, 8.68); math.Abs(d-2378) > 5 {
		t.Errorf("Reykjavik-Frankfurt %.0f km, want about 2,378", d)
	}
	if d := distanceDeg(45, -35, 39.04, -77.49); math.Abs(d-3530) > 5 {
		t.Errorf("mid-Atlantic-Virginia %.0f km, want about 3,530", d)
	}
	for _, tc := range []struct {
		name     string
		lat, lon float64
		want     string
	}{
		{"Reykjavik", 64.15, -21.94, "frankfurt-alb"},
		{"mid-Atlantic (Virginia's bias wins)", 45, -35, "virginia-alb"},
		{"Johannesburg", -26.2, 28.04, "capetown-dc"},
	} {
		if got := one(t, p, at(tc.lat, tc.lon)); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, got, tc.want)
		}
	}
}

// Geoproximity with a Local Zone and coordinates, over a multivalue pool.
func TestGeoproximityLocalZone(t *testing.T) {
	h := Static{}
	p := compile(t, `{"AWSPolicyFormatVersion":"2023-05-09","RecordType":"A","StartRule":"proximity",
	"Endpoints":{"iad-1":{"Type":"value","Value":"198.51.100.1"},"iad-2":{"Type":"value","Value":"198.51.100.2"},"iad-3":{"Type":"value","Value":"198.51.100.3"},
	 "atl-lz-nlb":{"Type":"network-load-balancer","Value":"edge-atl-0123456789abcdef.elb.us-east-1.amazonaws.com"},"london-dc":{"Type":"value","Value":"203.0.113.50"}},
	"Rules":{"proximity":{"RuleType":"geoproximity","GeoproximityLocations":[
	 {"RuleReference":"iad-pool","Location":{"Type":"Region","LocationName":"aws:route53:us-east-1"},"Bias":0,"EvaluateTargetHealth":true},
	 {"EndpointReference":"atl-lz-nlb","Location":{"Type":"LocalZone","LocationName":"aws:route53:us-east-1-atl-1a"},"Bias":15,"EvaluateTargetHealth":true},
	 {"EndpointReference":"london-dc","Location":{"Type":"Coordinate","Latitude":"51.51","Longitude":"-0.13"},"Bias":0,"HealthCheck":"lon"}]},
	 "iad-pool":{"RuleType":"multivalue","Items":[{"EndpointReference":"iad-1","HealthCheck":"i1"},{"EndpointReference":"iad-2","HealthCheck":"i2"},{"EndpointReference":"iad-3","HealthCheck":"i3"}]}}}`, h, BiasLegacy)
	dc := at(38.9, -77.04)
	got := answer(p, dc, 3)
	slices.Sort(got)
	if strings.Join(got, ",") != "iad-1,iad-2,iad-3" {
		t.Errorf("Washington: %v", got)
	}
	h.Set("i2", false)
	if got := answer(p, dc, 3); len(got) != 2 || slices.Contains(got, "iad-2") {
		t.Errorf("Washington, iad-2 down: %v", got)
	}
	for _, id := range []string{"i1", "i3"} {
		h.Set(id, false)
	}
	if got := one(t, p, dc); got != "atl-lz-nlb" {
		t.Errorf("Washington, pool down: %s, want the Atlanta Local Zone", got)
	}
	if got := one(t, p, at(48.86, 2.35)); got != "london-dc" {
		t.Errorf("Paris: %s", got)
	}
}

func latencyItems(regions ...string) string {
	var ids, items []string
	for _, r := range regions {
		ids = append(ids, r)
		items = append(items, fmt.Sprintf(`{"EndpointReference":"%s","Region":"%s","HealthCheck":"%s"}`, r, r, r))
	}
	return doc("l", endpoints(ids...), `"l":{"RuleType":"latency","Regions":[`+strings.Join(items, ",")+`]}`)
}

// Latency: the lowest round-trip time in the client's latency-table row,
// and without a row the nearest region.
func TestLatency(t *testing.T) {
	h := Static{}
	p := compile(t, latencyItems("us-east-1", "eu-west-1", "ap-southeast-1"), h, BiasLegacy)
	c := client("GB", "", "EU")
	c.RTT = map[string]float64{"us-east-1": 80, "eu-west-1": 12, "ap-southeast-1": 190, "ap-south-1": 5}
	if got := one(t, p, c); got != "eu-west-1" {
		t.Errorf("lowest RTT: got %s (ap-south-1 is not in the rule and must never be chosen)", got)
	}
	h.Set("eu-west-1", false)
	if got := one(t, p, c); got != "us-east-1" {
		t.Errorf("unhealthy skipped: got %s", got)
	}
	for _, r := range []string{"us-east-1", "ap-southeast-1"} {
		h.Set(r, false)
	}
	if got := one(t, p, c); got != "eu-west-1" {
		t.Errorf("all unhealthy: got %s, want the lowest RTT", got)
	}
	for _, r := range []string{"us-east-1", "eu-west-1", "ap-southeast-1"} {
		h.Set(r, true)
	}
	// Regions the client's row does not list rank last.
	partial := client("", "", "")
	partial.RTT = map[string]float64{"ap-southeast-1": 300}
	if got := one(t, p, partial); got != "ap-southeast-1" {
		t.Errorf("partial row: got %s", got)
	}
	// Distance mode: Sydney is nearest ap-southeast-1 of the three.
	if got := one(t, p, at(-33.87, 151.21)); got != "ap-southeast-1" {
		t.Errorf("distance mode: got %s", got)
	}
	if got := one(t, p, at(40.7, -74)); got != "us-east-1" {
		t.Errorf("distance mode, New York: got %s", got)
	}
	// No location: document order.
	if got := one(t, p, &Client{}); got != "us-east-1" {
		t.Errorf("no location: got %s", got)
	}
}

// latencyTree is latency → weighted → failover, with EvaluateTargetHealth
// backing out across three levels (TestNestedBackOut).
const latencyTree = `{
  "AWSPolicyFormatVersion": "2015-10-01", "RecordType": "A", "StartRule": "by-latency",
  "Endpoints": {
    "use1-blue-a": { "Type": "value", "Value": "198.51.100.10" }, "use1-blue-b": { "Type": "value", "Value": "198.51.100.11" },
    "use1-green-a": { "Type": "value", "Value": "198.51.100.20" }, "use1-green-b": { "Type": "value", "Value": "198.51.100.21" },
    "euw1-a": { "Type": "value", "Value": "203.0.113.10" }, "euw1-b": { "Type": "value", "Value": "203.0.113.11" }
  },
  "Rules": {
    "by-latency": { "RuleType": "latency", "Regions": [
        { "Region": "us-east-1", "RuleReference": "use1-split", "EvaluateTargetHealth": true },
        { "Region": "eu-west-1", "RuleReference": "euw1-pair",  "EvaluateTargetHealth": true } ] },
    "use1-split": { "RuleType": "weighted", "Items": [
        { "RuleReference": "use1-blue-pair",  "Weight": 90, "EvaluateTargetHealth": true },
        { "RuleReference": "use1-green-pair", "Weight": 10, "EvaluateTargetHealth": true } ] },
    "use1-blue-pair": { "RuleType": "failover",
      "Primary":   { "EndpointReference": "use1-blue-a", "HealthCheck": "b1a" },
      "Secondary": { "EndpointReference": "use1-blue-b", "HealthCheck": "b1b" } },
    "use1-green-pair": { "RuleType": "failover",
      "Primary":   { "EndpointReference": "use1-green-a", "HealthCheck": "c2a" },
      "Secondary": { "EndpointReference": "use1-green-b", "HealthCheck": "c2b" } },
    "euw1-pair": { "RuleType": "failover",
      "Primary":   { "EndpointReference": "euw1-a", "HealthCheck": "e1a" },
      "Secondary": { "EndpointReference": "euw1-b", "HealthCheck": "e1b" } }
  }
}`

// EvaluateTargetHealth backs out of latencyTree's unhealthy branches
// across three levels.
func TestNestedBackOut(t *testing.T) {
	h := Static{}
	p := compile(t, latencyTree, h, BiasLegacy)
	us := client("US", "VA", "NA")
	us.RTT = map[string]float64{"us-east-1": 10, "eu-west-1": 90}
	all := []string{"b1a", "b1b", "c2a", "c2b", "e1a", "e1b"}
	setDown := func(down ...string) {
		for _, id := range all {
			h.Set(id, !slices.Contains(down, id))
		}
	}
	const n = 10000
	setDown()
	c := counts(p, us, n)
	if !within(c["use1-blue-a"], n, 0.9, 0.02) || !within(c["use1-green-a"], n, 0.1, 0.02) {
		t.Errorf("healthy: %v", c)
	}
	setDown("b1a", "b1b")
	if c = counts(p, us, 1000); c["use1-green-a"] != 1000 {
		t.Errorf("blue down: %v", c)
	}
	setDown("b1a", "b1b", "c2a", "c2b")
	if c = counts(p, us, 1000); c["euw1-a"] != 1000 {
		t.Errorf("50: every us-east-1 leaf down: %v, want euw1-a", c)
	}
	setDown(all...)
	c = counts(p, us, n)
	if !within(c["use1-blue-a"], n, 0.9, 0.02) || !within(c["use1-green-a"], n, 0.1, 0.02) {
		t.Errorf("all down: %v, want the latency winner, the weighted draw, and each primary", c)
	}
	var res Result
	p.Evaluate(&Query{Client: us, Seed: 1}, &res)
	if res.Healthy || !res.UsedLocation {
		t.Errorf("all down: %+v", res)
	}
}

// A branch with both a HealthCheck and EvaluateTargetHealth is healthy only
// when both are.
func TestHealthCheckAndTargetHealth(t *testing.T) {
	h := Static{}
	p := compile(t, doc("f", endpoints("a", "s"), `
		"f":{"RuleType":"failover","Primary":{"RuleReference":"inner","HealthCheck":"branch","EvaluateTargetHealth":true},"Secondary":{"EndpointReference":"s"}},
		"inner":{"RuleType":"failover","Primary":{"EndpointReference":"a","HealthCheck":"leaf"},"Secondary":{"EndpointReference":"a","HealthCheck":"leaf"}}`), h, BiasLegacy)
	for _, tc := range []struct {
		branch, leaf bool
		want         string
	}{{true, true, "a"}, {false, true, "s"}, {true, false, "s"}, {false, false, "s"}} {
		h.Set("branch", tc.branch)
		h.Set("leaf", tc.leaf)
		if got := one(t, p, nil); got != tc.want {
			t.Errorf("branch %v leaf %v: got %s, want %s", tc.branch, tc.leaf, got, tc.want)
		}
	}
}

// A health change shows on the next query.
func TestHealthChangeNextQuery(t *testing.T) {
	h := Static{}
	p := compile(t, doc("f", endpoints("p", "s"), `"f":{"RuleType":"failover","Primary":{"EndpointReference":"p","HealthCheck":"x"},"Secondary":{"EndpointReference":"s"}}`), h, BiasLegacy)
	for i, healthy := range []bool{true, false, true, false} {
		h.Set("x", healthy)
		want := map[bool]string{true: "p", false: "s"}[healthy]
		if got := one(t, p, nil); got != want {
			t.Errorf("step %d: got %s, want %s", i, got, want)
		}
	}
}

// A fixed seed gives reproducible answers.
func TestSeedReproducible(t *testing.T) {
	p := compile(t, multivalueDoc(20), Static{}, BiasLegacy)
	w := compile(t, latencyTree, Static{}, BiasLegacy)
	for seed := range uint64(100) {
		a, b := answer(p, nil, seed), answer(p, nil, seed)
		if !slices.Equal(a, b) {
			t.Fatalf("seed %d: %v then %v", seed, a, b)
		}
		if x, y := answer(w, at(40, -74), seed), answer(w, at(40, -74), seed); !slices.Equal(x, y) {
			t.Fatalf("seed %d: %v then %v", seed, x, y)
		}
	}
	if slices.Equal(answer(p, nil, 1), answer(p, nil, 2)) && slices.Equal(answer(p, nil, 3), answer(p, nil, 4)) {
		t.Error("different seeds should give different samples")
	}
}

// Traces name every decision.
func TestTrace(t *testing.T) {
	h := Static{}
	p := compile(t, latencyTree, h, BiasLegacy)
	h.Set("b1a", false)
	us := client("US", "", "NA")
	us.RTT = map[string]float64{"us-east-1": 10, "eu-west-1": 90}
	var tr Trace
	var res Result
	found := false
	for seed := range uint64(1000) { // a seed whose draw picks blue (90%)
		tr = Trace{}
		p.Evaluate(&Query{Client: us, Seed: seed, Trace: &tr}, &res)
		if res.N == 1 && p.Endpoints()[res.Endpoints[0]].ID == "use1-blue-b" {
			found = true
			break
		}
	}
	if !found {
		t.Fatal("no seed in 0..999 draws the blue pair (weight 90 of 100): the weighted draw is broken")
	}
	want := `rule by-latency (latency): Rules.by-latency.Regions[0]
rule use1-split (weighted): Rules.use1-split.Items[0]
rule use1-blue-pair (failover): Rules.use1-blue-pair.Secondary
endpoint use1-blue-b (value 198.51.100.11)
`
	if got := tr.String(); got != want {
		t.Errorf("trace:\n%s\nwant:\n%s", got, want)
	}
}

// A large but legal document (testdata/compat's 10, a 50-state geo tree)
// evaluates within the per-query budget. Run with -bench.
func BenchmarkEvaluateUSStates(b *testing.B) {
	data, err := os.ReadFile("../policyfile/testdata/compat/10-datahorders-us-states-geo-2023.json")
	if err != nil {
		b.Fatal(err)
	}
	p, err := Compile(parseDocument(b, data), Options{})
	if err != nil {
		b.Fatal(err)
	}
	clients := []Client{NewClient("US", "TX", "NA", true, 31, -97), NewClient("CA", "ON", "NA", true, 43.7, -79.4), NewClient("FR", "", "EU", true, 48.9, 2.35)}
	b.ReportAllocs()
	var res Result
	i := 0
	for b.Loop() {
		p.Evaluate(&Query{Client: &clients[i%len(clients)], Seed: uint64(i)}, &res)
		i++
	}
	if res.N != 1 {
		b.Fatalf("no answer")
	}
}

// The 50-state tree answers as its document says.
func TestUSStates(t *testing.T) {
	data, err := os.ReadFile("../policyfile/testdata/compat/10-datahorders-us-states-geo-2023.json")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(parseDocument(t, data), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		c    Client
		want string
	}{
		{NewClient("US", "WA", "NA", false, 0, 0), "ep-us-west-2"},
		{NewClient("US", "TX", "NA", false, 0, 0), "ep-us-central-1"},
		{NewClient("US", "NY", "NA", false, 0, 0), "ep-us-east-1"},
		{NewClient("CA", "ON", "NA", true, 43.7, -79.4), "ep-us-east-1"},
		{NewClient("CA", "BC", "NA", true, 49.3, -123.1), "ep-us-west-2"},
	} {
		if got := one(t, p, &tc.c); got != tc.want {
			t.Errorf("%+v: got %s, want %s", tc.c, got, tc.want)
		}
	}
}

// Result.Healthy is true only when every choice on the path found a
// healthy branch: a fail-open choice anywhere, even below a healthy one,
// makes it false; Result.FailOpen names the rules that fell open.
func TestResultHealthy(t *testing.T) {
	h := Static{}
	// The outer primary has no health check and EvaluateTargetHealth
	// false, so the outer choice is healthy whatever the inner rule's.
	nested := compile(t, doc("f", endpoints("a", "b", "s"), `
		"f":{"RuleType":"failover","Primary":{"RuleReference":"inner","EvaluateTargetHealth":false},"Secondary":{"EndpointReference":"s"}},
		"inner":{"RuleType":"failover","Primary":{"EndpointReference":"a","HealthCheck":"ha"},"Secondary":{"EndpointReference":"b","HealthCheck":"hb"}}`), h, BiasLegacy)
	pool := compile(t, doc("w", endpoints("a", "b", "s"), `
		"w":{"RuleType":"weighted","Items":[{"RuleReference":"pool","Weight":1,"EvaluateTargetHealth":false},{"EndpointReference":"s","Weight":0}]},
		"pool":{"RuleType":"multivalue","Items":[{"EndpointReference":"a","HealthCheck":"ha"},{"EndpointReference":"b","HealthCheck":"hb"}]}`), h, BiasLegacy)
	for _, tc := range []struct {
		name    string
		p       *Evaluator
		ha, hb  bool
		want    string
		healthy bool
		open    string // the rules that fell open
	}{
		{"fully healthy", nested, true, true, "a", true, ""},
		{"inner secondary", nested, false, true, "b", true, ""},
		{"inner fail-open under a healthy outer choice", nested, false, false, "a", false, "inner"},
		{"healthy pool", pool, true, false, "a", true, ""},
		{"pool fail-open under a healthy weighted choice", pool, false, false, "a b", false, "pool"},
	} {
		h.Set("ha", tc.ha)
		h.Set("hb", tc.hb)
		var res Result
		tc.p.Evaluate(&Query{Seed: 1}, &res)
		var ids []string
		for _, e := range res.Endpoints[:res.N] {
			ids = append(ids, tc.p.Endpoints()[e].ID)
		}
		slices.Sort(ids)
		if got := strings.Join(ids, " "); got != tc.want || res.Healthy != tc.healthy {
			t.Errorf("%s: answered %q healthy %v, want %q healthy %v", tc.name, got, res.Healthy, tc.want, tc.healthy)
		}
		var open []string
		for _, r := range res.FailOpen[:res.FailOpens] {
			open = append(open, tc.p.Rules()[r].ID)
		}
		if got := strings.Join(open, " "); got != tc.open {
			t.Errorf("%s: rules that fell open %q, want %q", tc.name, got, tc.open)
		}
	}
	// Both levels fall open: the outer rule first.
	both := compile(t, doc("f", endpoints("a", "b", "s"), `
		"f":{"RuleType":"failover","Primary":{"RuleReference":"inner","HealthCheck":"ha"},"Secondary":{"EndpointReference":"s","HealthCheck":"hb"}},
		"inner":{"RuleType":"failover","Primary":{"EndpointReference":"a","HealthCheck":"ha"},"Secondary":{"EndpointReference":"b","HealthCheck":"hb"}}`), h, BiasLegacy)
	h.Set("ha", false)
	h.Set("hb", false)
	var res Result
	both.Evaluate(&Query{Seed: 1}, &res)
	if res.FailOpens != 2 || both.Rules()[res.FailOpen[0]].ID != "f" || both.Rules()[res.FailOpen[1]].ID != "inner" {
		t.Errorf("two fail-opens: %d, %v", res.FailOpens, res.FailOpen)
	}
}

// The flags compiled from the rules the start reaches (NeedsLocation and
// HasMultivalue, which the plugin reads, and geo and latency) reflect
// those rules, and only those.
func TestReachableFlags(t *testing.T) {
	const failover = `"f":{"RuleType":"failover","Primary":{"EndpointReference":"a"},"Secondary":{"RuleReference":"%s"}}`
	rules := map[string]string{
		"geo":      `"x":{"RuleType":"geo","Locations":[{"Country":"FR","EndpointReference":"a"},{"IsDefault":true,"EndpointReference":"b"}]}`,
		"geoprox":  `"x":{"RuleType":"geoproximity","GeoproximityLocations":[{"EndpointReference":"a","Latitude":"1","Longitude":"1"},{"EndpointReference":"b","Latitude":"2","Longitude":"2"}]}`,
		"latency":  `"x":{"RuleType":"latency","Regions":[{"EndpointReference":"a","Region":"us-east-1"},{"EndpointReference":"b","Region":"eu-west-1"}]}`,
		"mv":       `"x":{"RuleType":"multivalue","Items":[{"EndpointReference":"a"},{"EndpointReference":"b"}]}`,
		"weighted": `"x":{"RuleType":"weighted","Items":[{"EndpointReference":"a","Weight":1},{"EndpointReference":"b","Weight":1}]}`,
	}
	for _, tc := range []struct {
		name, doc                          string
		location, geo, latency, multivalue bool
	}{
		{"geo below the start", doc("f", endpoints("a", "b"), fmt.Sprintf(failover, "x")+","+rules["geo"]), true, true, false, false},
		{"geoproximity", doc("x", endpoints("a", "b"), rules["geoprox"]), true, true, false, false},
		{"latency below the start", doc("f", endpoints("a", "b"), fmt.Sprintf(failover, "x")+","+rules["latency"]), true, false, true, false},
		{"multivalue", doc("x", endpoints("a", "b"), rules["mv"]), false, false, false, true},
		{"weighted", doc("x", endpoints("a", "b"), rules["weighted"]), false, false, false, false},
		{"unreachable latency rule", doc("x", endpoints("a", "b"), rules["weighted"]+","+strings.Replace(rules["latency"], `"x"`, `"unused"`, 1)), false, false, false, false},
		{"start endpoint", `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartEndpoint":"a","Endpoints":{` + endpoints("a", "b") + `},"Rules":{` + rules["latency"] + `}}`, false, false, false, false},
	} {
		p := compile(t, tc.doc, Static{}, BiasLegacy)
		if p.NeedsLocation() != tc.location || p.geo != tc.geo || p.latency != tc.latency || p.HasMultivalue() != tc.multivalue {
			t.Errorf("%s: NeedsLocation %v geo %v latency %v HasMultivalue %v, want %v %v %v %v", tc.name,
				p.NeedsLocation(), p.geo, p.latency, p.HasMultivalue(), tc.location, tc.geo, tc.latency, tc.multivalue)
		}
	}
}
