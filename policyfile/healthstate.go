package policyfile

import (
	"fmt"
	"strings"

	"github.com/trafficflow/trafficflow/internal/jsontree"
)

// loadHealthState reads healthstate.json: {"check-id": "healthy" |
// "unhealthy"}, states forced by an operator or an external system.
func (l *loader) loadHealthState(dec *decoder, n *jsontree.Node) {
	ms, ok := dec.entries(n, root)
	if !ok {
		return
	}
	known := map[string]bool{}
	for _, hc := range l.store.HealthChecks {
		known[hc.ID] = true
	}
	for _, m := range ms {
		p := root.Key(m.Key)
		s, ok := dec.str(m.Value, p)
		if !ok {
			continue
		}
		var st ForcedState
		switch strings.ToLower(s) {
		case "healthy":
			st = ForcedHealthy
		case "unhealthy":
			st = ForcedUnhealthy
		default:
			dec.errorf(p, "%q is not a state (healthy or unhealthy)", s)
			continue
		}
		if !known[m.Key] {
			dec.warn(p, fmt.Sprintf("no health check %q in healthchecks.json", m.Key), "ignored", "remove it, or define the check in healthchecks.json")
			continue
		}
		l.store.Forced[m.Key] = st
	}
}
