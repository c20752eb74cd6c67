package evaluate

import (
	"fmt"
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
	st := Step{Rule: doc.ID, Type: doc.Type, Healthy: healthy || i < 0, Note: note}
	if i >= 0 {
		st.Item = doc.Items[i].Path
	}
	s.trace.Steps = append(s.trace.Steps, st)
}

//go:noinline
func (s *state) traceMultivalue(r ref, healthy bool, answered []int16) {
	doc := s.p.doc.Rules[r.rule()]
	ids := make([]string, len(answered))
	for i, e := range answered {
		ids[i] = s.p.endpoints[e].ID
	}
	s.trace.Steps = append(s.trace.Steps, Step{Rule: doc.ID, Type: doc.Type, Healthy: healthy,
		Note: fmt.Sprintf("answered %s (%d of %d items)", strings.Join(ids, ", "), len(answered), len(doc.Items))})
}

//go:noinline
func (s *state) traceEndpoint(i int) {
	e := s.p.endpoints[i]
	s.trace.Steps = append(s.trace.Steps, Step{Endpoint: e.ID, Healthy: true, Note: string(e.Type) + " " + e.Value})
}
