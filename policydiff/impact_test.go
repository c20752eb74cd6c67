package policydiff

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/trafficflow/trafficflow/evaluate"
)

// Clients without an answer, and the clients of the countries and
// subdivisions only a rule names.
func TestImpactNoAnswer(t *testing.T) {
	eps := `"a": {"Type": "value", "Value": "192.0.2.1"}, "b": {"Type": "value", "Value": "192.0.2.2"}, "c": {"Type": "value", "Value": "192.0.2.3"}`
	d := compare(t,
		doc(eps, `"top": {"RuleType": "geo", "Locations": [{"Continent": "EU", "EndpointReference": "a"}]}`),
		doc(eps, `"top": {"RuleType": "geo", "Locations": [{"Continent": "EU", "EndpointReference": "a"},
			{"Country": "CA", "Subdivision": "QC", "EndpointReference": "c"}, {"IsDefault": true, "EndpointReference": "b"}]}`))
	if c := d.Impact.Clients; c != (ClientCounts{Total: 306, Continents: 7, Countries: 246, Subdivisions: 52, NoLocation: 1}) {
		t.Errorf("clients %+v", c)
	}
	var qc, none *Group
	for i, g := range d.Impact.Groups {
		if len(g.Old) != 0 {
			t.Errorf("group %+v had an answer", g)
		}
		if slices.Contains(g.Clients, "CA-QC") {
			qc = &d.Impact.Groups[i]
		}
		if g.Continent == "" {
			none = &d.Impact.Groups[i]
		}
	}
	if qc == nil || qc.Continent != "NA" || !reflect.DeepEqual(qc.Clients, []string{"CA-QC"}) || qc.New[0].Value != "192.0.2.3" {
		t.Errorf("CA-QC's group: %+v", qc)
	}
	if none == nil || !reflect.DeepEqual(none.Clients, []string{"no location"}) {
		t.Errorf("the group without a continent: %+v", none)
	}
	txt := d.Text()
	hasLines(t, txt,
		"impact: 251 of 306 clients get another answer\n",
		"  AF, every client (58): no answer → 192.0.2.2 (b)\n",
		"  NA: CA-QC: no answer → 192.0.2.3 (c)\n",
		"  no location: no answer → 192.0.2.2 (b)\n",
	)
}

// A geoproximity rule places clients at their points: countries without
// one are left out, and the bias formula counts.
func TestImpactDistance(t *testing.T) {
	eps := `"london": {"Type": "value", "Value": "192.0.2.1"}, "frankfurt": {"Type": "value", "Value": "192.0.2.2"}`
	rule := func(bias string) string {
		return `"top": {"RuleType": "geoproximity", "GeoproximityLocations": [
			{"Region": "eu-west-2", "EndpointReference": "london"},
			{"Region": "eu-central-1", "Bias": ` + bias + `, "EndpointReference": "frankfurt"}]}`
	}
	a, b := versions(t, doc(eps, rule("0")), doc(eps, rule("-20")))
	moved := map[evaluate.BiasFormula][]string{}
	for _, f := range []evaluate.BiasFormula{evaluate.BiasLegacy, evaluate.BiasLinear} {
		d, err := Compare("p", a, b, Options{BiasFormula: f})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(d.Impact.SkippedNoPoint, []string{"BQ", "CC", "GF", "GP", "MQ", "RE", "SJ", "TK", "YT"}) {
			t.Errorf("skipped %v", d.Impact.SkippedNoPoint)
		}
		for _, g := range d.Impact.Groups {
			if g.Old[0].Value != "192.0.2.2" || g.New[0].Value != "192.0.2.1" {
				t.Errorf("%+v: a negative bias only takes clients from frankfurt", g)
			}
			moved[f] = append(moved[f], g.Clients...)
		}
		if !strings.Contains(d.Text(), "  left out: 9 countries without a point for geoproximity and latency rules (BQ, CC, GF, GP, MQ, RE, SJ, TK, YT)\n") {
			t.Errorf("the text does not name the countries left out:\n%s", d.Text())
		}
	}
	// Legacy divides by 0.8 (×1.25), linear multiplies by 1.2: legacy moves
	// more clients, including every one that linear moves.
	if len(moved[evaluate.BiasLegacy]) <= len(moved[evaluate.BiasLinear]) || len(moved[evaluate.BiasLinear]) == 0 {
		t.Errorf("legacy moved %v, linear %v", moved[evaluate.BiasLegacy], moved[evaluate.BiasLinear])
	}
	for _, c := range moved[evaluate.BiasLinear] {
		if !slices.Contains(moved[evaluate.BiasLegacy], c) {
			t.Errorf("linear moved %s, legacy did not", c)
		}
	}
}
