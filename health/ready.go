package health

import "github.com/trafficflow/trafficflow/policyfile"

// Readiness: a server should not take traffic before its health checks know
// something, or it answers from the initial states (healthy) for up to an
// interval. A check is settled once it has its first probe result, or its
// prober has run for two intervals without one (a probe that hangs must
// not keep the server unready), or when it is not probed at all (disabled,
// CLOUDWATCH_METRIC, RECOVERY_CONTROL); a CALCULATED check once its
// children are. Before Start, no probed check is settled.

// Unsettled returns the IDs among ids whose checks are not settled yet, in
// the order given. IDs the engine has no check for are settled (fixed
// states, or nothing to wait for).
func (e *Engine) Unsettled(ids []string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, id := range ids {
		if c := e.checks[id]; c != nil && !e.settled(c) {
			out = append(out, id)
		}
	}
	return out
}

// settled reports whether c is settled. Caller holds e.mu.
func (e *Engine) settled(c *check) bool {
	if c.cfg.Type == policyfile.Calculated {
		for _, id := range c.cfg.ChildHealthChecks {
			if child := e.checks[id]; child != nil && child.cfg.Type != policyfile.Calculated && !e.settled(child) {
				return false
			}
		}
		return true
	}
	switch {
	case !probed(c.cfg):
		return true
	case !c.lastProbe.IsZero():
		return true
	case c.launched.IsZero():
		return false
	}
	return e.now().Sub(c.launched) >= 2*c.cfg.RequestInterval
}
