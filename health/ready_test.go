package health

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/trafficflow/trafficflow/policyfile"
)

// A check is settled by its first probe result, or by two intervals of its
// prober without one (a hanging backend), or at once when it is not
// probed; a CALCULATED check when its children are.
func TestUnsettled(t *testing.T) {
	var mu sync.Mutex
	clock := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }

	b := newBackend(t, false)
	e, _ := newEngine(t, Options{now: now})
	checks := []*policyfile.HealthCheck{
		hc("first", policyfile.HTTP, b.ap),
		hc("silent", policyfile.HTTP, b.ap, func(c *policyfile.HealthCheck) { c.RequestInterval = 10 * time.Second }),
		hc("off", policyfile.HTTP, b.ap, func(c *policyfile.HealthCheck) { c.Disabled = true }),
		hc("alarm", policyfile.CloudWatch, b.ap),
		{ID: "sum", Type: policyfile.Calculated, HealthThreshold: 1, ChildHealthChecks: []string{"first", "silent"}},
	}
	e.Update(checks, nil)
	all := []string{"first", "silent", "off", "alarm", "sum", "undefined"}
	if got := e.Unsettled(all); !slices.Equal(got, []string{"first", "silent", "sum"}) {
		t.Errorf("before Start: unsettled %v, want the probed checks and their parent", got)
	}
	// The probers start (as Start does, without running them: "silent"
	// stands for a check whose probes hang), and "first" has a result.
	e.mu.Lock()
	e.started = true
	for _, id := range []string{"first", "silent"} {
		e.checks[id].launched = now()
	}
	e.applyResult(e.checks["first"], true, "status 200")
	e.mu.Unlock()
	if got := e.Unsettled(all); !slices.Equal(got, []string{"silent", "sum"}) {
		t.Errorf("after a first result: unsettled %v", got)
	}
	advance(19 * time.Second)
	if got := e.Unsettled(all); !slices.Equal(got, []string{"silent", "sum"}) {
		t.Errorf("no result after 1.9 intervals: unsettled %v", got)
	}
	advance(time.Second)
	if got := e.Unsettled(all); len(got) != 0 {
		t.Errorf("no result after 2 intervals: unsettled %v, want none", got)
	}

	// A real prober: settled by its first result.
	e2, _ := newEngine(t, Options{})
	e2.Update([]*policyfile.HealthCheck{hc("real", policyfile.HTTP, b.ap)}, nil)
	e2.Start()
	waitFor(t, "the first result", 5*time.Second, func() bool { return len(e2.Unsettled([]string{"real"})) == 0 })
}
