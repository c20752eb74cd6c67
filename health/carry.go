package health

import (
	"strings"
	"sync"
	"time"

	"github.com/trafficflow/trafficflow/policyfile"
)

// States carried across engines. A Corefile restart sets up a new engine
// while the old one still runs; a new check starts healthy until its first
// probes, so without this, a backend that is down would be answered again
// for up to RequestInterval × FailureThreshold after every Corefile edit. A
// check whose configuration a running engine of this process probes starts
// from that engine's probe state instead, as a check kept across a store
// reload does.

// carriedNote ends the reason of a state carried over.
const carriedNote = " (carried over from the running configuration)"

// carriedState is what a running check's probes have established.
type carriedState struct {
	cfg        *policyfile.HealthCheck
	raw        bool
	rawReason  string
	lastProbe  time.Time
	lastResult string
}

// carry holds the probe state of every running check of every engine, by
// check ID. Engines write it holding their own mu; carry never takes an
// engine's mu.
var carry = struct {
	sync.Mutex
	m map[string]map[*Engine]carriedState
}{m: map[string]map[*Engine]carriedState{}}

// remember records c's probe state. Caller holds e.mu.
func (e *Engine) remember(c *check) {
	if c.lastProbe.IsZero() {
		return // nothing established yet
	}
	carry.Lock()
	defer carry.Unlock()
	byEngine := carry.m[c.cfg.ID]
	if byEngine == nil {
		byEngine = map[*Engine]carriedState{}
		carry.m[c.cfg.ID] = byEngine
	}
	byEngine[e] = carriedState{cfg: c.cfg, raw: c.raw, rawReason: c.rawReason, lastProbe: c.lastProbe, lastResult: c.lastResult}
}

// forget drops e's states of the checks ids.
func (e *Engine) forget(ids ...string) {
	carry.Lock()
	defer carry.Unlock()
	for _, id := range ids {
		delete(carry.m[id], e)
		if len(carry.m[id]) == 0 {
			delete(carry.m, id)
		}
	}
}

// carried returns the most recent probe state another engine has for a
// check configured as cfg.
func (e *Engine) carried(cfg *policyfile.HealthCheck) (carriedState, bool) {
	carry.Lock()
	defer carry.Unlock()
	var best carriedState
	found := false
	for other, s := range carry.m[cfg.ID] {
		if other != e && s.cfg.Equal(cfg) && (!found || s.lastProbe.After(best.lastProbe)) {
			best, found = s, true
		}
	}
	return best, found
}

// takeCarried makes s c's probe state. Caller holds the engine's mu.
func (c *check) takeCarried(s carriedState) {
	c.carried = true
	c.raw, c.rawReason, c.streak = s.raw, s.rawReason, 0
	if !strings.HasSuffix(c.rawReason, carriedNote) {
		c.rawReason += carriedNote
	}
	c.lastProbe, c.lastResult = s.lastProbe, s.lastResult
}

// catchUp takes a carried check's state again, at Start, from the engine
// it came from: that engine kept probing while this one was set up, and a
// Corefile restart may take seconds, in which a backend may have gone down
// or come back. Caller holds e.mu.
func (e *Engine) catchUp(c *check) {
	if !c.carried || c.done != nil {
		return
	}
	s, ok := e.carried(c.cfg)
	if !ok || !s.lastProbe.After(c.lastProbe) {
		return
	}
	c.takeCarried(s)
	e.remember(c)
	e.refresh(c, "")
}
