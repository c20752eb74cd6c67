package health

import (
	"testing"
	"time"

	"github.com/trafficflow/trafficflow/policyfile"
)

// A check that a running engine probes starts, in a new engine (a Corefile
// restart), from that engine's state: a backend that is down stays down,
// and the check counts as settled; another configuration starts afresh,
// and so does the check once no engine runs it.
func TestCarryAcrossEngines(t *testing.T) {
	tcp := newTCPBackend(t, nil)
	tcp.down()
	fast := func(c *policyfile.HealthCheck) {
		c.RequestInterval = 100 * time.Millisecond
		c.FailureThreshold = 1
	}
	old, _ := newEngine(t, Options{})
	old.Update([]*policyfile.HealthCheck{hc("carried", policyfile.TCP, tcp.ap, fast)}, nil)
	old.Start()
	waitFor(t, "the old engine to see the backend down", 5*time.Second, func() bool { return !mustCell(t, old, "carried").Load() })

	next, _ := newEngine(t, Options{})
	next.Update([]*policyfile.HealthCheck{
		hc("carried", policyfile.TCP, tcp.ap, fast),
		hc("other", policyfile.TCP, tcp.ap, func(c *policyfile.HealthCheck) { fast(c); c.Port++ }),
	}, nil)
	if mustCell(t, next, "carried").Load() {
		t.Error("the new engine's check starts healthy although the running one knows its backend is down")
	}
	if got := next.Unsettled([]string{"carried"}); len(got) != 0 {
		t.Errorf("a carried check is unsettled: %v", got)
	}
	if s := statusOf(t, next, "carried"); s.Reason == "" || s.LastProbe.IsZero() {
		t.Errorf("carried status %+v", s)
	}
	old.Stop()
	third, _ := newEngine(t, Options{})
	third.Update([]*policyfile.HealthCheck{hc("carried", policyfile.TCP, tcp.ap, fast)}, nil)
	if mustCell(t, third, "carried").Load() {
		t.Error("the second engine still runs the check: its state must carry")
	}
	next.Stop()
	fourth, _ := newEngine(t, Options{})
	third.Stop()
	fourth.Update([]*policyfile.HealthCheck{hc("carried", policyfile.TCP, tcp.ap, fast)}, nil)
	if !mustCell(t, fourth, "carried").Load() {
		t.Error("no engine runs the check any more: it starts afresh (healthy)")
	}
}
