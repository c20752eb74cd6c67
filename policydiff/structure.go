package policydiff

import (
	"strconv"
	"strings"

	"github.com/miekg/dns"

	"github.com/trafficflow/trafficflow/policyfile"
	"github.com/trafficflow/trafficflow/policygraph"
)

// compareStructure compares two documents: rules and endpoints by ID,
// items by position.
func compareStructure(a, b *policyfile.Document) Structure {
	s := Structure{Document: []FieldChange{}, Endpoints: []EndpointChange{}, Rules: []RuleChange{}}
	s.Document = fields(s.Document, "format_version", a.FormatVersion, b.FormatVersion)
	s.Document = fields(s.Document, "record_type", recordType(a), recordType(b))
	s.Document = fields(s.Document, "start", start(a), start(b))
	s.Endpoints = compareEndpoints(a, b)
	s.Rules = compareRules(a, b)
	return s
}

// fields appends a FieldChange when old and new differ.
func fields(list []FieldChange, field, old, cur string) []FieldChange {
	if old != cur {
		list = append(list, FieldChange{Field: field, Old: old, New: cur})
	}
	return list
}

func recordType(d *policyfile.Document) string {
	if t, ok := dns.TypeToString[d.RecordType]; ok {
		return t
	}
	return "TYPE" + strconv.Itoa(int(d.RecordType))
}

func start(d *policyfile.Document) string {
	if d.StartEndpoint != "" {
		return "endpoint " + d.StartEndpoint
	}
	return "rule " + d.StartRule
}

// valueOf is what an endpoint answers with, as a key and as shown: the
// record value of a value endpoint as an answer writes it (so that
// "www.example.com" and "www.example.com." are one value), "alias NAME"
// for an alias-type endpoint.
func valueOf(e *policyfile.Endpoint) string {
	if e.Type.IsAlias() {
		return "alias " + e.Target
	}
	if e.RR != nil {
		return strings.TrimPrefix(e.RR.String(), e.RR.Header().String())
	}
	return e.Value
}

// byID indexes rules or endpoints by their IDs.
func byID[T any](list []T, id func(T) string) map[string]T {
	m := make(map[string]T, len(list))
	for _, x := range list {
		m[id(x)] = x
	}
	return m
}

func endpointID(e *policyfile.Endpoint) string { return e.ID }
func ruleID(r *policyfile.Rule) string         { return r.ID }

func endpointOf(e *policyfile.Endpoint, reachable map[string]*policyfile.Endpoint) *Endpoint {
	return &Endpoint{Type: string(e.Type), Value: e.Value, Region: e.Region, Reachable: reachable[e.ID] != nil}
}

// compareEndpoints matches endpoints by ID; of the rest, a removed and an
// added endpoint with the same type, value and region are a rename.
func compareEndpoints(a, b *policyfile.Document) []EndpointChange {
	ra, rb := byID(a.ReachableEndpoints(), endpointID), byID(b.ReachableEndpoints(), endpointID)
	inA, inB := byID(a.Endpoints, endpointID), byID(b.Endpoints, endpointID)
	var added []*policyfile.Endpoint
	for _, e := range b.Endpoints {
		if inA[e.ID] == nil {
			added = append(added, e)
		}
	}
	renamed := map[string]bool{} // added IDs taken by a rename
	out := []EndpointChange{}
	for _, old := range a.Endpoints {
		if cur := inB[old.ID]; cur != nil {
			var f []FieldChange
			f = fields(f, "type", string(old.Type), string(cur.Type))
			if valueOf(old) != valueOf(cur) {
				f = append(f, FieldChange{Field: "value", Old: old.Value, New: cur.Value})
			}
			f = fields(f, "region", old.Region, cur.Region)
			if len(f) > 0 {
				out = append(out, EndpointChange{Change: Changed, ID: old.ID, Old: endpointOf(old, ra), New: endpointOf(cur, rb), Fields: f})
			}
			continue
		}
		c := EndpointChange{Change: Removed, ID: old.ID, Old: endpointOf(old, ra)}
		for _, cur := range added {
			if !renamed[cur.ID] && cur.Type == old.Type && cur.Region == old.Region && valueOf(cur) == valueOf(old) {
				renamed[cur.ID] = true
				c.Change, c.RenamedTo, c.New = Renamed, cur.ID, endpointOf(cur, rb)
				break
			}
		}
		out = append(out, c)
	}
	for _, cur := range added {
		if !renamed[cur.ID] {
			out = append(out, EndpointChange{Change: Added, ID: cur.ID, New: endpointOf(cur, rb)})
		}
	}
	return out
}

// compareRules matches rules by ID and their items by position.
func compareRules(a, b *policyfile.Document) []RuleChange {
	ra, rb := byID(a.Reachable(), ruleID), byID(b.Reachable(), ruleID)
	inA, inB := byID(a.Rules, ruleID), byID(b.Rules, ruleID)
	out := []RuleChange{}
	for _, old := range a.Rules {
		oldInfo := &Rule{Type: string(old.Type), Reachable: ra[old.ID] != nil}
		cur := inB[old.ID]
		if cur == nil {
			c := RuleChange{Change: Removed, ID: old.ID, Old: oldInfo, Items: []ItemChange{}}
			for i := range old.Items {
				c.Items = append(c.Items, ItemChange{Change: Removed, Index: i, Old: itemOf(old, i)})
			}
			out = append(out, c)
			continue
		}
		c := RuleChange{Change: Changed, ID: old.ID, Old: oldInfo, New: &Rule{Type: string(cur.Type), Reachable: rb[cur.ID] != nil}, Items: compareItems(old, cur)}
		c.Fields = fields(c.Fields, "rule_type", string(old.Type), string(cur.Type))
		if len(c.Fields) > 0 || len(c.Items) > 0 {
			out = append(out, c)
		}
	}
	for _, cur := range b.Rules {
		if inA[cur.ID] != nil {
			continue
		}
		c := RuleChange{Change: Added, ID: cur.ID, New: &Rule{Type: string(cur.Type), Reachable: rb[cur.ID] != nil}, Items: []ItemChange{}}
		for i := range cur.Items {
			c.Items = append(c.Items, ItemChange{Change: Added, Index: i, New: itemOf(cur, i)})
		}
		out = append(out, c)
	}
	return out
}

func itemOf(r *policyfile.Rule, i int) *Item {
	it := r.Items[i]
	return &Item{Selector: policygraph.Selector(r, i), Rule: it.Rule, Endpoint: it.Endpoint,
		HealthCheck: it.HealthCheck, EvaluateTargetHealth: it.EvaluateTargetHealth, Path: it.Path}
}

// compareItems compares the items of two versions of a rule by position.
func compareItems(a, b *policyfile.Rule) []ItemChange {
	out := []ItemChange{}
	for i := range max(len(a.Items), len(b.Items)) {
		switch {
		case i >= len(b.Items):
			out = append(out, ItemChange{Change: Removed, Index: i, Old: itemOf(a, i)})
		case i >= len(a.Items):
			out = append(out, ItemChange{Change: Added, Index: i, New: itemOf(b, i)})
		default:
			old, cur := itemOf(a, i), itemOf(b, i)
			var f []FieldChange
			if selects(a, i) != selects(b, i) {
				f = append(f, FieldChange{Field: "selector", Old: old.Selector, New: cur.Selector})
			}
			f = fields(f, "reference", reference(old), reference(cur))
			f = fields(f, "health_check", old.HealthCheck, cur.HealthCheck)
			f = fields(f, "evaluate_target_health", strconv.FormatBool(old.EvaluateTargetHealth), strconv.FormatBool(cur.EvaluateTargetHealth))
			if len(f) > 0 {
				out = append(out, ItemChange{Change: Changed, Index: i, Old: old, New: cur, Fields: f})
			}
		}
	}
	return out
}

// selects is what selects item i of r, for comparing: its selector, but a
// weighted item's weight alone (its share also depends on the other items,
// whose changes are listed on their own).
func selects(r *policyfile.Rule, i int) string {
	if r.Type == policyfile.Weighted {
		return "weight " + strconv.Itoa(r.Items[i].Weight)
	}
	return policygraph.Selector(r, i)
}

// reference is "rule ID" or "endpoint ID".
func reference(it *Item) string {
	if it.Endpoint != "" {
		return "endpoint " + it.Endpoint
	}
	return "rule " + it.Rule
}
