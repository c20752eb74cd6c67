package policydiff

import (
	"reflect"
	"testing"
)

func TestStructureEndpoints(t *testing.T) {
	rules := `"top": {"RuleType": "multivalue", "Items": [{"EndpointReference": "a"}, {"EndpointReference": "b"}, {"EndpointReference": "c"}, {"EndpointReference": "d"}]}`
	rules2 := `"top": {"RuleType": "multivalue", "Items": [{"EndpointReference": "a"}, {"EndpointReference": "b2"}, {"EndpointReference": "c"}, {"EndpointReference": "e"}]}`
	d := compare(t,
		doc(`"a": {"Type": "value", "Value": "192.0.2.1"}, "b": {"Type": "value", "Value": "192.0.2.2"},
			"c": {"Type": "value", "Value": "192.0.2.3"}, "d": {"Type": "value", "Value": "192.0.2.4"},
			"spare": {"Type": "value", "Value": "192.0.2.9"}`, rules),
		doc(`"a": {"Type": "value", "Value": "192.0.2.1"}, "b2": {"Type": "value", "Value": "192.0.2.2"},
			"c": {"Type": "value", "Value": "192.0.2.33"}, "e": {"Type": "value", "Value": "192.0.2.5"},
			"spare": {"Type": "cloudfront", "Value": "d111111abcdef8.cloudfront.net"}`, rules2))
	got := map[string]EndpointChange{}
	for _, e := range d.Structure.Endpoints {
		got[e.ID] = e
	}
	if len(got) != 5 {
		t.Errorf("%d endpoint changes, want 5: %+v", len(got), d.Structure.Endpoints)
	}
	if e := got["b"]; e.Change != Renamed || e.RenamedTo != "b2" || e.New.Value != "192.0.2.2" {
		t.Errorf("b: %+v, want renamed to b2", e)
	}
	if e := got["c"]; e.Change != Changed || !reflect.DeepEqual(e.Fields, []FieldChange{{"value", "192.0.2.3", "192.0.2.33"}}) {
		t.Errorf("c: %+v", e)
	}
	if e := got["d"]; e.Change != Removed || e.Old.Value != "192.0.2.4" || e.New != nil {
		t.Errorf("d: %+v", e)
	}
	if e := got["e"]; e.Change != Added || e.New.Value != "192.0.2.5" || !e.New.Reachable {
		t.Errorf("e: %+v", e)
	}
	if e := got["spare"]; e.Change != Changed || len(e.Fields) != 2 || e.Fields[0].Field != "type" || e.New.Reachable {
		t.Errorf("spare: %+v", e)
	}
	if _, ok := got["a"]; ok {
		t.Error("a is listed, but it is the same")
	}
	// Renamed, not changed: the same value, so the same answers.
	if d.Impact.Changed != d.Impact.Clients.Total {
		t.Errorf("%d of %d clients changed; every client's multivalue answer changes", d.Impact.Changed, d.Impact.Clients.Total)
	}
	txt := d.Text()
	hasLines(t, txt,
		"  endpoint b renamed b2: value 192.0.2.2\n",
		"  endpoint c changed: Value 192.0.2.3 → 192.0.2.33\n",
		"  endpoint d removed: value 192.0.2.4\n",
		"  endpoint spare changed: Type value → cloudfront; Value 192.0.2.9 → d111111abcdef8.cloudfront.net\n",
		"  endpoint e added: value 192.0.2.5\n",
		"    [1] multivalue: endpoint b → endpoint b2 (renamed, same value)\n",
		"    [3] multivalue: endpoint d → endpoint e\n",
		"every client (305): 192.0.2.1 (a), 192.0.2.2 (b), 192.0.2.3 (c), 192.0.2.4 (d) → 192.0.2.1 (a), 192.0.2.2 (b2), 192.0.2.33 (c), 192.0.2.5 (e)\n",
	)
}

// Values are compared as answers write them: a CNAME with and without the
// final dot is one value; a renamed endpoint with another value is not a
// rename.
func TestStructureValues(t *testing.T) {
	v := func(eps string) string {
		return `{"AWSPolicyFormatVersion": "2015-10-01", "RecordType": "CNAME", "StartEndpoint": "x", "Endpoints": {` + eps + `}}`
	}
	d := compare(t, v(`"x": {"Type": "value", "Value": "www.example.com"}, "y": {"Type": "value", "Value": "a.example.com"}`),
		v(`"x": {"Type": "value", "Value": "www.example.com."}, "z": {"Type": "value", "Value": "b.example.com"}`))
	want := []EndpointChange{
		{Change: Removed, ID: "y", Old: &Endpoint{Type: "value", Value: "a.example.com"}},
		{Change: Added, ID: "z", New: &Endpoint{Type: "value", Value: "b.example.com"}},
	}
	if !reflect.DeepEqual(d.Structure.Endpoints, want) {
		t.Errorf("endpoints %+v, want %+v", d.Structure.Endpoints, want)
	}
	if d.Impact.Changed != 0 {
		t.Errorf("%d clients changed; x has the same value", d.Impact.Changed)
	}
}

func TestStructureRules(t *testing.T) {
	eps := `"a": {"Type": "value", "Value": "192.0.2.1"}, "b": {"Type": "value", "Value": "192.0.2.2"}, "c": {"Type": "value", "Value": "192.0.2.3"}`
	d := compare(t,
		doc(eps, `"top": {"RuleType": "failover", "Primary": {"RuleReference": "split"}, "Secondary": {"EndpointReference": "c"}},
			"split": {"RuleType": "weighted", "Items": [{"Weight": 1, "EndpointReference": "a"}, {"Weight": 1, "EndpointReference": "b"}, {"Weight": 2, "EndpointReference": "c"}]},
			"gone": {"RuleType": "failover", "Primary": {"EndpointReference": "a", "HealthCheck": "hc"}, "Secondary": {"EndpointReference": "b"}},
			"kind": {"RuleType": "weighted", "Items": [{"Weight": 1, "EndpointReference": "a"}]}`),
		doc(eps, `"top": {"RuleType": "failover", "Primary": {"RuleReference": "split", "EvaluateTargetHealth": false, "HealthCheck": "hc"}, "Secondary": {"EndpointReference": "c"}},
			"split": {"RuleType": "weighted", "Items": [{"Weight": 1, "EndpointReference": "a"}, {"Weight": 3, "EndpointReference": "b"}]},
			"kind": {"RuleType": "multivalue", "Items": [{"EndpointReference": "a"}]},
			"new": {"RuleType": "weighted", "Items": [{"Weight": 0, "EndpointReference": "b"}]}`))
	var got []string
	for _, r := range d.Structure.Rules {
		got = append(got, r.Change+" "+r.ID)
	}
	if want := []string{"changed top", "changed split", "removed gone", "changed kind", "added new"}; !reflect.DeepEqual(got, want) {
		t.Errorf("rules %q, want %q", got, want)
	}
	txt := d.Text()
	hasLines(t, txt,
		"  rule top (failover) changed:\n    [0] Primary: HealthCheck none → hc; EvaluateTargetHealth true → false\n",
		// Item 0 keeps its weight: its share changes, not the item.
		"  rule split (weighted) changed:\n    [1] weight 1 (25%) → weight 3 (75%)\n    [2] removed: weight 2 (50%) → endpoint c\n",
		"  rule gone (failover, not reached from the start) removed:\n    [0] removed: Primary → endpoint a, HealthCheck hc\n    [1] removed: Secondary → endpoint b\n",
		"  rule kind (weighted → multivalue, not reached from the start) changed:\n    [0] weight 1 (100%) → multivalue\n",
		"  rule new (weighted, not reached from the start) added:\n    [0] added: weight 0 (all zero: 100%) → endpoint b\n",
	)
	if f := d.Structure.Rules[3].Fields; !reflect.DeepEqual(f, []FieldChange{{"rule_type", "weighted", "multivalue"}}) {
		t.Errorf("kind's fields: %+v", f)
	}
}

func TestStructureDocument(t *testing.T) {
	d := compare(t,
		`{"AWSPolicyFormatVersion": "2015-10-01", "RecordType": "A", "StartEndpoint": "a", "Endpoints": {"a": {"Type": "value", "Value": "192.0.2.1"}}}`,
		`{"AWSPolicyFormatVersion": "2023-05-09", "RecordType": "AAAA", "StartRule": "r", "Endpoints": {"a": {"Type": "value", "Value": "2001:db8::1"}},
		  "Rules": {"r": {"RuleType": "multivalue", "Items": [{"EndpointReference": "a"}]}}}`)
	want := []FieldChange{{"format_version", "2015-10-01", "2023-05-09"}, {"record_type", "A", "AAAA"}, {"start", "endpoint a", "rule r"}}
	if !reflect.DeepEqual(d.Structure.Document, want) {
		t.Errorf("document changes %+v, want %+v", d.Structure.Document, want)
	}
	txt := d.Text()
	hasLines(t, txt, "record type: A → AAAA\n", "  start: endpoint a → rule r\n", "  AWSPolicyFormatVersion: 2015-10-01 → 2023-05-09\n",
		"  endpoint a changed: Value 192.0.2.1 → 2001:db8::1\n", "  rule r (multivalue) added:\n")
}

// A version compared with itself has no differences.
func TestSameVersion(t *testing.T) {
	store := loadStore(t)
	v := store.Policies["geo"].Versions[2]
	d, err := Compare("geo", v, v, Options{})
	if err != nil {
		t.Fatal(err)
	}
	txt := d.Text()
	hasLines(t, txt, "\nstructure: no differences\n", "\nimpact: no client's answer changes (of 305)\n")
	if !d.Structure.Empty() || len(d.Impact.Groups) != 0 {
		t.Errorf("differences: %+v", d)
	}
}
