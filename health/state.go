package health

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/trafficflow/trafficflow/policyfile"
)

// check is one configured health check. cfg, cell, req and reqErr never
// change, nor do ctx and cancel once the check is applied (Engine.Apply); a
// changed configuration makes a new check.
type check struct {
	cfg    *policyfile.HealthCheck
	cell   *atomic.Bool
	ctx    context.Context
	cancel context.CancelFunc
	// req is the request every probe of an HTTP(S) check sends (read only);
	// nil for other types, and with reqErr saying why if ResourcePath is
	// not a valid request path.
	req    *http.Request
	reqErr string
	// probeMu keeps one probe in flight per check.
	probeMu sync.Mutex

	// Guarded by Engine.mu.
	done        chan struct{} // closed when the prober exits; nil if none started
	initialised bool          // the first state was published
	raw         bool          // counted probe state before inversion; last known state of unprobed checks
	rawReason   string        // why raw is what it is
	streak      int           // consecutive results against raw
	own         bool          // state before forcing
	forced      policyfile.ForcedState
	reason      string // why the reported state is what it is
	since       time.Time
	lastResult  string
	lastProbe   time.Time
	launched    time.Time // when its prober started (zero: not yet)
	// carried: its state came from another engine's probes (carry.go).
	carried bool
}

// newCheck makes a check in its initial state: healthy until enough data.
// Its context is made when it is applied (Engine.Apply).
func newCheck(cfg *policyfile.HealthCheck, forced policyfile.ForcedState) *check {
	c := &check{
		cfg:       cfg,
		cell:      new(atomic.Bool),
		raw:       true,
		rawReason: "new health check, no probe result yet",
		forced:    forced,
	}
	if probed(cfg) && cfg.Type.UsesHTTP() {
		var err error
		if c.req, err = newRequest(cfg); err != nil {
			c.reqErr = err.Error()
		}
	}
	if lastKnown(cfg) && forced != policyfile.NotForced {
		c.raw = (forced == policyfile.ForcedHealthy) != cfg.Inverted
	}
	return c
}

// probed reports whether cfg is a type this package probes, and enabled.
func probed(cfg *policyfile.HealthCheck) bool { return !cfg.Disabled && cfg.Type.Probed() }

// lastKnown reports whether cfg keeps its last known state: an unprobed type
// with InsufficientDataHealthStatus LastKnownStatus (or unset).
func lastKnown(cfg *policyfile.HealthCheck) bool {
	switch cfg.Type {
	case policyfile.CloudWatch, policyfile.RecoveryControl:
		s := cfg.InsufficientDataHealthStatus
		return s != policyfile.InsufficientHealthy && s != policyfile.InsufficientUnhealthy
	}
	return false
}

// ownState computes c's state before forcing. Caller holds e.mu.
func (e *Engine) ownState(c *check) (bool, string) {
	cfg := c.cfg
	if cfg.Disabled {
		if cfg.Inverted {
			return false, "disabled and inverted"
		}
		return true, "disabled"
	}
	var (
		state  bool
		reason string
	)
	switch {
	case cfg.Type.Probed():
		state, reason = c.raw, c.rawReason
	case cfg.Type == policyfile.Calculated:
		n := 0
		for _, id := range cfg.ChildHealthChecks {
			if child := e.checks[id]; child != nil && child.cell.Load() {
				n++
			}
		}
		state = n >= cfg.HealthThreshold
		reason = fmt.Sprintf("%d of %d child health checks healthy, HealthThreshold %d",
			n, len(cfg.ChildHealthChecks), cfg.HealthThreshold)
	case cfg.Type == policyfile.CloudWatch, cfg.Type == policyfile.RecoveryControl:
		switch cfg.InsufficientDataHealthStatus {
		case policyfile.InsufficientHealthy:
			state = true
		case policyfile.InsufficientUnhealthy:
			state = false
		default:
			state = c.raw
		}
		reason = fmt.Sprintf("%s is not probed here: InsufficientDataHealthStatus %s",
			cfg.Type, cfg.InsufficientDataHealthStatus)
	default:
		state, reason = true, fmt.Sprintf("type %q is not supported: treated as healthy", cfg.Type)
	}
	if cfg.Inverted {
		state = !state
		reason += " (inverted)"
	}
	return state, reason
}

// refresh recomputes c's state and publishes it (see publish); when the state
// queries see changes, c's CALCULATED parents follow at once. Caller holds
// e.mu.
func (e *Engine) refresh(c *check, note string) {
	if !e.publish(c, note) {
		return
	}
	// A parent is never a child itself (policyfile rejects CALCULATED
	// children of CALCULATED checks), so one level is all there is; nor can
	// a configuration that breaks this rule make this recurse.
	for _, p := range e.parents[c.cfg.ID] {
		if p.initialised {
			e.publish(p, "")
		}
	}
}

// publish recomputes c's state and publishes it. The first publication of a
// check sets its initial state silently; after that, a change of the state
// queries see is counted and logged (note prefixes the logged reason), and
// publish reports it. Caller holds e.mu.
func (e *Engine) publish(c *check, note string) (changed bool) {
	own, reason := e.ownState(c)
	c.own = own
	state := own
	switch c.forced {
	case policyfile.ForcedHealthy:
		state, reason = true, "forced healthy by healthstate.json"
	case policyfile.ForcedUnhealthy:
		state, reason = false, "forced unhealthy by healthstate.json"
	}
	reason = note + reason
	id := c.cfg.ID
	if !c.initialised {
		c.initialised = true
		c.cell.Store(state)
		c.reason = reason
		c.since = e.now()
		e.report(c, false)
		if c.forced != policyfile.NotForced {
			e.log.Infof("health check %q is %s", id, reason)
		}
		return false
	}
	c.reason = reason
	if state == c.cell.Load() {
		return false
	}
	c.cell.Store(state)
	c.since = e.now()
	e.report(c, true)
	if state {
		e.log.Infof("health check %q is now healthy: %s", id, reason)
	} else {
		e.log.Warningf("health check %q is now unhealthy: %s", id, reason)
	}
	return true
}

// report publishes c's metrics: its state as queries see it and whether it
// is forced; transition counts one change of that state. The first report of
// a check makes e an owner of its series (see owners). A stopped engine
// reports nothing: it owns no series any more. Caller holds e.mu.
func (e *Engine) report(c *check, transition bool) {
	if !e.started || e.stopped {
		return // Start publishes what Updates before it set
	}
	publishMetrics(e, c.cfg.ID, c.cell.Load(), c.forced != policyfile.NotForced, transition)
}

// setForced applies a forced state to an existing check. Caller holds e.mu.
func (e *Engine) setForced(c *check, f policyfile.ForcedState) {
	if f == c.forced {
		return
	}
	c.forced = f
	e.report(c, false)
	note := ""
	if f == policyfile.NotForced {
		note = "no longer forced by healthstate.json: "
	} else if lastKnown(c.cfg) {
		// An unprobed check keeps the last state it was given.
		c.raw = (f == policyfile.ForcedHealthy) != c.cfg.Inverted
		c.rawReason = "last state forced by healthstate.json"
	}
	e.refresh(c, note)
}

// applyResult counts one probe result. Results of a check that was removed,
// changed or stopped meanwhile are dropped. Caller holds e.mu.
func (e *Engine) applyResult(c *check, ok bool, reason string) {
	if e.checks[c.cfg.ID] != c || c.ctx.Err() != nil {
		return
	}
	c.lastResult = reason
	c.lastProbe = e.now()
	defer e.remember(c)
	if ok == c.raw {
		c.streak = 0
		c.rawReason = reason
		return
	}
	c.streak++
	if c.streak < c.cfg.FailureThreshold {
		return
	}
	c.raw, c.rawReason, c.streak = ok, reason, 0
	if c.forced != policyfile.NotForced {
		own := ok != c.cfg.Inverted
		e.log.Infof("health check %q (forced by healthstate.json) is unforced %s now: %s",
			c.cfg.ID, stateWord(own), reason)
	}
	e.refresh(c, "")
}

func stateWord(healthy bool) string {
	if healthy {
		return "healthy"
	}
	return "unhealthy"
}
