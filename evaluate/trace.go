package evaluate

import (
	"fmt"
	"slices"
	"strings"

	"github.com/trafficflow/trafficflow/policyfile"
)

// Trace records the path an evaluation took: one Step per rule decided and
// one for each endpoint answered, to explain an answer. Set Query.Trace to
// record one; String prints it.
type Trace struct {
	Steps []Step
}

// Step is one decision of an evaluation.
type Step struct {
	// Rule and Type identify the rule decided; both are empty for an
	// endpoint step.
	Rule string
	Type policyfile.RuleType
	// Item is the JSON path of the chosen item ("" when none applied, and
	// for endpoint steps).
	Item string
	// Healthy is false for a fail-open choice (nothing was healthy).
	Healthy bool
	// Endpoint is the endpoint answered, for an endpoint step.
	Endpoint string
	// Note explains the step in words.
	Note string

	// The details of a rule step:

	// Index is the rule's index in Evaluator.Rules (-1 for an endpoint
	// step).
	Index int
	// Chosen is the index of the item taken (-1: none applied); for a
	// multivalue rule, the items answered are marked in Items.
	Chosen int
	// Ranking says how a geoproximity or latency rule ordered its items:
	// RankBiasedDistance, RankDistance, RankLatencyTable or RankDocument.
	Ranking string
	// Items describes every item of the rule as the decision saw it.
	Items []ItemTrace
}

// How geoproximity and latency rules rank their items.
const (
	RankBiasedDistance = "biased distance"
	RankDistance       = "distance"
	RankLatencyTable   = "latency table"
	RankDocument       = "document order"
)

// ItemTrace is one item of a rule as a decision saw it.
type ItemTrace struct {
	// Applies is false for the geo locations of other places (only the
	// client's subdivision, country, continent and default apply).
	Applies bool
	// Level is the geo level of an applicable location: "subdivision",
	// "country", "continent" or "default".
	Level string
	// Healthy is the branch's health (its health check and, with
	// EvaluateTargetHealth, its target rule's); CheckUnhealthy and
	// TargetUnhealthy say which part failed.
	Healthy         bool
	CheckUnhealthy  bool
	TargetUnhealthy bool
	// Distance (km) from the client, and Biased, the distance the bias
	// scales, when the rule ranks by distance.
	HasDistance      bool
	Distance, Biased float64
	// RTT is the client's latency-table time to the item's region in ms
	// (HasRTT false: the row does not list the region; it ranks last).
	HasRTT bool
	RTT    float64
	// Weight of a weighted item, and Share, its probability in the draw
	// (0 for items outside the tier the draw was among).
	Weight int
	Share  float64
	// Chosen says the decision took the item (multivalue: it is in the
	// sample).
	Chosen bool
}

// String renders one step per line.
func (t *Trace) String() string {
	var b strings.Builder
	for _, s := range t.Steps {
		switch {
		case s.Endpoint != "":
			fmt.Fprintf(&b, "endpoint %s", s.Endpoint)
		default:
			fmt.Fprintf(&b, "rule %s (%s)", s.Rule, s.Type)
			if s.Item != "" {
				fmt.Fprintf(&b, ": %s", s.Item)
			}
			if !s.Healthy {
				b.WriteString(" [nothing healthy: fail-open]")
			}
		}
		if s.Note != "" {
			fmt.Fprintf(&b, " (%s)", s.Note)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// The trace helpers stay out of line: inlined, their Step temporaries would
// grow eval's frame, which recursion multiplies. A query runs on a new
// goroutine with a small stack, and a deeper query path costs a stack copy
// per query (see the plugin's stack_test.go).
//
//go:noinline
func (s *state) traceStep(r ref, i int, healthy bool, note string) {
	doc := s.p.doc.Rules[r.rule()]
	st := Step{Rule: doc.ID, Type: doc.Type, Healthy: healthy || i < 0, Note: note, Index: r.rule(), Chosen: i}
	if i >= 0 {
		st.Item = doc.Items[i].Path
	}
	st.Ranking, st.Items = s.traceItems(r, func(j int) bool { return j == i })
	s.trace.Steps = append(s.trace.Steps, st)
}

//go:noinline
func (s *state) traceMultivalue(r ref, healthy bool, answered []int16) {
	doc := s.p.doc.Rules[r.rule()]
	ids := make([]string, len(answered))
	for i, e := range answered {
		ids[i] = s.p.endpoints[e].ID
	}
	st := Step{Rule: doc.ID, Type: doc.Type, Healthy: healthy, Index: r.rule(), Chosen: -1,
		Note: fmt.Sprintf("answered %s (%d of %d items)", strings.Join(ids, ", "), len(answered), len(doc.Items))}
	ru := &s.p.rules[r.rule()]
	st.Ranking, st.Items = s.traceItems(r, func(j int) bool {
		return slices.Contains(answered, int16(ru.items[j].target.endpoint()))
	})
	s.trace.Steps = append(s.trace.Steps, st)
}

//go:noinline
func (s *state) traceEndpoint(i int) {
	e := s.p.endpoints[i]
	s.trace.Steps = append(s.trace.Steps, Step{Endpoint: e.ID, Healthy: true, Note: string(e.Type) + " " + e.Value, Index: -1, Chosen: -1})
}

// traceItems describes every item of rule r as its decision saw it;
// chosen says which items the decision took. It asks the items' health
// again (memoised, and no random draw), and leaves the result's
// UsedLocation as the decision left it, so that a traced query answers
// exactly as an untraced one.
func (s *state) traceItems(r ref, chosen func(int) bool) (string, []ItemTrace) {
	used := s.res.UsedLocation
	defer func() { s.res.UsedLocation = used }()
	ru := &s.p.rules[r.rule()]
	doc := s.p.doc.Rules[r.rule()]
	items := make([]ItemTrace, len(ru.items))
	var chain [4]int16
	n := 0
	if ru.kind == kGeo {
		n = ru.geo.chain(s.client, &chain)
	}
	for j := range ru.items {
		it := &ru.items[j]
		t := &items[j]
		t.Applies = ru.kind != kGeo || slices.Contains(chain[:n], int16(j))
		if ru.kind == kGeo && t.Applies {
			t.Level = geoLevel(doc.Items[j])
		}
		t.CheckUnhealthy = !itemCheck(it)
		t.Healthy = s.branchHealthy(it)
		t.TargetUnhealthy = !t.CheckUnhealthy && !t.Healthy
		t.Chosen = chosen(j)
		t.Weight = int(it.weight)
	}
	ranking := ""
	switch ru.kind {
	case kGeoproximity, kLatency:
		ranking = s.traceRanking(ru, items)
	case kWeighted:
		traceShares(ru, items)
	}
	return ranking, items
}

// geoLevel names the scope of an applicable geo location.
func geoLevel(it *policyfile.Item) string {
	switch {
	case it.IsDefault:
		return "default"
	case it.Continent != "":
		return "continent"
	case it.Subdivision != "":
		return "subdivision"
	}
	return "country"
}

// traceRanking fills in the distances or round-trip times a geoproximity
// or latency rule ranked its items by, and says which.
func (s *state) traceRanking(ru *rule, items []ItemTrace) string {
	c := s.client
	switch {
	case ru.kind == kLatency && c.RTT != nil:
		for j := range ru.items {
			items[j].RTT, items[j].HasRTT = c.RTT[ru.items[j].region]
		}
		return RankLatencyTable
	case c.hasCoords:
		for j := range ru.items {
			d := distance(c, &ru.items[j])
			items[j].HasDistance, items[j].Distance, items[j].Biased = true, d, d
			if ru.kind == kGeoproximity {
				items[j].Biased = d * ru.items[j].factor
			}
		}
		if ru.kind == kGeoproximity {
			return RankBiasedDistance
		}
		return RankDistance
	}
	return RankDocument
}

// traceShares fills in the probability of each item of a weighted rule in
// the draw it was among: the healthy items with a weight, else the healthy
// zero-weight items (uniformly), else all items (fail-open: by weight, or
// uniformly when every weight is 0). It is the tier order of weighted.
func traceShares(ru *rule, items []ItemTrace) {
	for t := tierHealthyWeighted; t <= tierAll; t++ {
		var total float64
		for j := range items {
			if t.holds(&ru.items[j], func() bool { return items[j].Healthy }) {
				total += float64(t.weightIn(&ru.items[j]))
			}
		}
		if total == 0 {
			continue
		}
		for j := range items {
			if t.holds(&ru.items[j], func() bool { return items[j].Healthy }) {
				items[j].Share = float64(t.weightIn(&ru.items[j])) / total
			}
		}
		return
	}
}
