package health

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/trafficflow/trafficflow/policyfile"
)

func TestInverted(t *testing.T) {
	b := newBackend(t, false)
	e, log := newEngine(t, Options{})
	e.Update([]*policyfile.HealthCheck{hc("inv", policyfile.HTTP, b.ap, func(c *policyfile.HealthCheck) {
		c.Inverted = true
		c.FailureThreshold = 2
	})}, nil)
	cell := mustCell(t, e, "inv")
	if cell.Load() {
		t.Fatal("a new inverted check must start unhealthy")
	}
	e.probeNow("inv")
	e.probeNow("inv")
	if cell.Load() {
		t.Fatal("inverted check with a healthy endpoint must stay unhealthy")
	}
	b.status.Store(503)
	e.probeNow("inv")
	if cell.Load() {
		t.Fatal("flipped after 1 of 2 failures")
	}
	e.probeNow("inv")
	if !cell.Load() {
		t.Fatal("inverted check with a failing endpoint must become healthy")
	}
	if n := log.count(`"inv" is now healthy: status 503 (inverted)`); n != 1 {
		t.Errorf("want the inverted transition logged:\n%s", log)
	}
}

func TestDisabled(t *testing.T) {
	for _, tt := range []struct {
		name     string
		inverted bool
		want     bool
	}{
		{"disabled", false, true},
		{"disabled and inverted", true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := newBackend(t, false)
			b.status.Store(503)
			e, _ := newEngine(t, Options{})
			e.Update([]*policyfile.HealthCheck{hc("off", policyfile.HTTP, b.ap, func(c *policyfile.HealthCheck) {
				c.Disabled = true
				c.Inverted = tt.inverted
				c.FailureThreshold = 1
			})}, nil)
			e.Start()
			if e.probeNow("off") {
				t.Error("a disabled check must not be probed")
			}
			if done, _ := e.doneOf("off"); done != nil {
				t.Error("a disabled check must have no prober")
			}
			if got := mustCell(t, e, "off").Load(); got != tt.want {
				t.Errorf("healthy = %v, want %v", got, tt.want)
			}
			if s := statusOf(t, e, "off"); s.Reason != tt.name {
				t.Errorf("Reason %q, want %q", s.Reason, tt.name)
			}
			if b.hits.Load() != 0 {
				t.Error("the endpoint of a disabled check was contacted")
			}
		})
	}
}

func TestCalculated(t *testing.T) {
	ba, bb, bc := newBackend(t, false), newBackend(t, false), newBackend(t, false)
	child := func(id string, b *backend) *policyfile.HealthCheck {
		return hc(id, policyfile.HTTP, b.ap, func(c *policyfile.HealthCheck) { c.FailureThreshold = 1 })
	}
	calc := func(id string, threshold int, children []string, mods ...func(*policyfile.HealthCheck)) *policyfile.HealthCheck {
		return hc(id, policyfile.Calculated, netip.AddrPort{}, append([]func(*policyfile.HealthCheck){func(c *policyfile.HealthCheck) {
			c.HealthThreshold = threshold
			c.ChildHealthChecks = children
		}}, mods...)...)
	}
	abc := []string{"a", "b", "c"}
	disabledChild := hc("d", policyfile.HTTP, bc.ap, func(c *policyfile.HealthCheck) { c.Disabled = true })
	e, log := newEngine(t, Options{})
	e.Update([]*policyfile.HealthCheck{
		child("a", ba), child("b", bb), child("c", bc), disabledChild,
		calc("zero", 0, abc),
		calc("all", 3, abc),
		calc("two", 2, abc),
		calc("more", 4, abc),
		calc("two-inverted", 2, abc, func(c *policyfile.HealthCheck) { c.Inverted = true }),
		calc("with-disabled", 2, []string{"a", "d"}),
		calc("zero-none", 0, nil),
	}, nil)
	want := func(step string, states map[string]bool) {
		t.Helper()
		for id, w := range states {
			if got := mustCell(t, e, id).Load(); got != w {
				t.Errorf("%s: %s healthy = %v, want %v (%+v)", step, id, got, w, statusOf(t, e, id))
			}
		}
	}
	want("initial", map[string]bool{
		"zero": true, "all": true, "two": true, "more": false, "two-inverted": false,
		"with-disabled": true, "zero-none": true,
	})

	ba.status.Store(503)
	e.probeNow("a") // a: unhealthy; parents follow at once
	want("a down", map[string]bool{
		"a": false, "zero": true, "all": false, "two": true, "more": false, "two-inverted": false,
		"with-disabled": false,
	})
	if n := log.count(`"all" is now unhealthy: 2 of 3 child health checks healthy, HealthThreshold 3`); n != 1 {
		t.Errorf("want the recomputation of \"all\" logged:\n%s", log)
	}

	bb.status.Store(503)
	e.probeNow("b")
	want("a and b down", map[string]bool{"zero": true, "all": false, "two": false, "two-inverted": true})

	ba.status.Store(200)
	e.probeNow("a")
	want("b down", map[string]bool{"zero": true, "all": false, "two": true, "two-inverted": false, "with-disabled": true})

	// A forced state of a child feeds its parents.
	e.Update(e.configs(), map[string]policyfile.ForcedState{"b": policyfile.ForcedHealthy})
	want("b forced healthy", map[string]bool{"b": true, "all": true})
	e.Update(e.configs(), map[string]policyfile.ForcedState{"a": policyfile.ForcedUnhealthy})
	want("a forced unhealthy, b unforced", map[string]bool{"a": false, "b": false, "all": false, "two": false, "with-disabled": false})
	e.Update(e.configs(), nil)
	want("nothing forced", map[string]bool{"a": true, "b": false, "two": true})

	// A forced CALCULATED check ignores its children.
	e.Update(e.configs(), map[string]policyfile.ForcedState{"more": policyfile.ForcedHealthy})
	want("calculated forced", map[string]bool{"more": true})
}

// TestCalculatedNestedBounded: policyfile rejects CALCULATED children of
// CALCULATED checks; a configuration made by hand that has them anyway, even
// in a cycle whose checks would flip each other forever, does not make the
// engine recurse: a transition reaches the direct parents only.
func TestCalculatedNestedBounded(t *testing.T) {
	b := newBackend(t, false)
	e, _ := newEngine(t, Options{})
	calc := func(id string, children ...string) *policyfile.HealthCheck {
		return hc(id, policyfile.Calculated, netip.AddrPort{}, func(c *policyfile.HealthCheck) {
			c.HealthThreshold = 1
			c.ChildHealthChecks = children
		})
	}
	flip := calc("flip", "leaf", "flop")
	flip.HealthThreshold = 2
	flop := calc("flop", "flip")
	flop.Inverted = true // flop = !flip: flip and flop would flip each other forever
	e.Update([]*policyfile.HealthCheck{
		hc("leaf", policyfile.HTTP, b.ap, func(c *policyfile.HealthCheck) { c.FailureThreshold = 1 }),
		calc("parent", "leaf"),
		calc("grandparent", "parent"),
		flip, flop,
	}, nil)
	b.status.Store(503)
	e.probeNow("leaf") // returns
	if mustCell(t, e, "parent").Load() || mustCell(t, e, "flip").Load() {
		t.Error("the direct parents did not follow their child")
	}
	// The grandparent may lag until the next Update, which recomputes every
	// CALCULATED check once.
	e.Update(e.configs(), nil)
	if mustCell(t, e, "grandparent").Load() {
		t.Error("Update did not recompute the grandparent")
	}
}

// configs returns the current configuration (for tests that re-Update it).
func (e *Engine) configs() []*policyfile.HealthCheck {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []*policyfile.HealthCheck
	for _, c := range e.checks {
		out = append(out, c.cfg)
	}
	return out
}

func TestForced(t *testing.T) {
	b := newBackend(t, false)
	e, log := newEngine(t, Options{})
	cfg := hc("web", policyfile.HTTP, b.ap, func(c *policyfile.HealthCheck) { c.FailureThreshold = 2 })
	checks := []*policyfile.HealthCheck{cfg}
	e.Update(checks, nil)
	cell := mustCell(t, e, "web")

	// Forced unhealthy applies at once while the endpoint is fine, and
	// probing continues underneath.
	e.Update(checks, map[string]policyfile.ForcedState{"web": policyfile.ForcedUnhealthy})
	if cell.Load() {
		t.Fatal("forced unhealthy must apply at once")
	}
	if mustCell(t, e, "web") != cell {
		t.Fatal("forcing must not replace the cell")
	}
	if n := log.count(`"web" is now unhealthy: forced unhealthy by healthstate.json`); n != 1 {
		t.Errorf("want the forced transition logged:\n%s", log)
	}
	hits := b.hits.Load()
	b.status.Store(503)
	e.probeNow("web")
	e.probeNow("web")
	if b.hits.Load() != hits+2 {
		t.Error("a forced check must keep probing")
	}
	if s := statusOf(t, e, "web"); s.Healthy || s.Unforced || s.Forced != policyfile.ForcedUnhealthy {
		t.Errorf("status = %+v, want unhealthy underneath too", s)
	}

	// Forced healthy overrides the probed unhealthy state.
	e.Update(checks, map[string]policyfile.ForcedState{"web": policyfile.ForcedHealthy})
	if !cell.Load() {
		t.Fatal("forced healthy must apply at once")
	}

	// Unforcing returns to the probed state.
	e.Update(checks, nil)
	if cell.Load() {
		t.Fatal("unforced: want the probed state (unhealthy)")
	}
	if n := log.count(`"web" is now unhealthy: no longer forced by healthstate.json: status 503`); n != 1 {
		t.Errorf("want the unforced transition logged:\n%s", log)
	}
	b.status.Store(200)
	e.probeNow("web")
	e.probeNow("web")
	if !cell.Load() {
		t.Fatal("probing must continue after unforcing")
	}

	// A new check that is forced starts in the forced state.
	e2, _ := newEngine(t, Options{})
	e2.Update(checks, map[string]policyfile.ForcedState{"web": policyfile.ForcedUnhealthy})
	if mustCell(t, e2, "web").Load() {
		t.Error("a new forced check must start in its forced state")
	}
}

func TestUnprobedTypes(t *testing.T) {
	for _, typ := range []policyfile.HealthCheckType{policyfile.CloudWatch, policyfile.RecoveryControl} {
		for _, tt := range []struct {
			data     policyfile.InsufficientData
			inverted bool
			want     bool
		}{
			{policyfile.InsufficientHealthy, false, true},
			{policyfile.InsufficientUnhealthy, false, false},
			{policyfile.InsufficientLastKnown, false, true},
			{"", false, true},
			{policyfile.InsufficientHealthy, true, false},
			{policyfile.InsufficientLastKnown, true, false},
		} {
			name := string(typ) + "/" + string(tt.data)
			if tt.inverted {
				name += "/inverted"
			}
			t.Run(name, func(t *testing.T) {
				e, _ := newEngine(t, Options{})
				checks := []*policyfile.HealthCheck{hc("x", typ, netip.AddrPort{}, func(c *policyfile.HealthCheck) {
					c.InsufficientDataHealthStatus = tt.data
					c.Inverted = tt.inverted
				})}
				e.Update(checks, nil)
				e.Start()
				if e.probeNow("x") {
					t.Error("must not be probed")
				}
				cell := mustCell(t, e, "x")
				if got := cell.Load(); got != tt.want {
					t.Fatalf("healthy = %v, want %v", got, tt.want)
				}
				if s := statusOf(t, e, "x"); !strings.Contains(s.Reason, "is not probed here") {
					t.Errorf("Reason %q", s.Reason)
				}
				// Forced states override; after unforcing, LastKnownStatus
				// keeps the last forced state, the others return to theirs.
				for _, f := range []policyfile.ForcedState{policyfile.ForcedUnhealthy, policyfile.ForcedHealthy, policyfile.ForcedUnhealthy} {
					e.Update(checks, map[string]policyfile.ForcedState{"x": f})
					if got := cell.Load(); got != (f == policyfile.ForcedHealthy) {
						t.Fatalf("forced %v: healthy = %v", f, got)
					}
				}
				e.Update(checks, nil)
				want := tt.want
				if tt.data == policyfile.InsufficientLastKnown || tt.data == "" {
					want = false // the last forced state
				}
				if got := cell.Load(); got != want {
					t.Errorf("after unforcing: healthy = %v, want %v", got, want)
				}
			})
		}
	}
}
