package health

import (
	"net/netip"
	"testing"
	"time"

	"github.com/trafficflow/trafficflow/policyfile"
)

// A check that a running engine probes starts, in a new engine (a Corefile
// restart), from that engine's state: a backend that is down stays down,
// and the check counts as settled; another configuration starts afresh,
// and so does the check once no engine runs it.
// fastCheck probes every 100 ms and flips at the first opposite result.
func fastCheck(c *policyfile.HealthCheck) {
	c.RequestInterval = 100 * time.Millisecond
	c.FailureThreshold = 1
}

// runningEngine is an engine probing check "carried" on tcp, started.
func runningEngine(t *testing.T, tcp *tcpBackend) *Engine {
	t.Helper()
	e, _ := newEngine(t, Options{})
	e.Update([]*policyfile.HealthCheck{hc("carried", policyfile.TCP, tcp.ap, fastCheck)}, nil)
	e.Start()
	return e
}

func TestCarryAcrossEngines(t *testing.T) {
	tcp := newTCPBackend(t, nil)
	tcp.down()
	old := runningEngine(t, tcp)
	waitFor(t, "the old engine to see the backend down", 5*time.Second, func() bool { return !mustCell(t, old, "carried").Load() })

	next, _ := newEngine(t, Options{})
	next.Update([]*policyfile.HealthCheck{
		hc("carried", policyfile.TCP, tcp.ap, fastCheck),
		hc("other", policyfile.TCP, tcp.ap, func(c *policyfile.HealthCheck) { fastCheck(c); c.Port++ }),
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
	third.Update([]*policyfile.HealthCheck{hc("carried", policyfile.TCP, tcp.ap, fastCheck)}, nil)
	if mustCell(t, third, "carried").Load() {
		t.Error("the second engine still runs the check: its state must carry")
	}
	next.Stop()
	fourth, _ := newEngine(t, Options{})
	third.Stop()
	fourth.Update([]*policyfile.HealthCheck{hc("carried", policyfile.TCP, tcp.ap, fastCheck)}, nil)
	if !mustCell(t, fourth, "carried").Load() {
		t.Error("no engine runs the check any more: it starts afresh (healthy)")
	}
}

// At Start, a carried check takes the running engine's state again: the
// backend went down while the new engine was set up (a Corefile restart
// takes a while), and the new engine answers with that at once, before a
// probe of its own.
func TestCarryCatchUpAtStart(t *testing.T) {
	tcp := newTCPBackend(t, nil)
	old := runningEngine(t, tcp)
	waitFor(t, "the old engine's first probe", 5*time.Second, func() bool { return !statusOf(t, old, "carried").LastProbe.IsZero() })

	next, _ := newEngine(t, Options{})
	next.Update([]*policyfile.HealthCheck{hc("carried", policyfile.TCP, tcp.ap, fastCheck)}, nil)
	if !mustCell(t, next, "carried").Load() {
		t.Fatal("set up while the backend is up: want healthy")
	}
	tcp.down()
	waitFor(t, "the old engine to see the backend down", 5*time.Second, func() bool { return !mustCell(t, old, "carried").Load() })
	next.Start()
	if mustCell(t, next, "carried").Load() {
		t.Error("started after the running engine saw the backend down: still healthy")
	}
	old.Stop()
	next.Stop()
}

// A carried check's first probe comes an interval after the running
// engine's last one; any other check's within min(interval, 1 s).
func TestFirstDelay(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	e, _ := newEngine(t, Options{now: func() time.Time { return now }, random: func() float64 { return 0.5 }})
	iv := 10 * time.Second // nextDelay: exactly iv with random 0.5
	for _, tc := range []struct {
		name      string
		carried   bool
		lastProbe time.Duration // before now; 0: none
		want      time.Duration
	}{
		{"carried, probed 3 s ago", true, 3 * time.Second, 7 * time.Second},
		{"carried, probed 12 s ago", true, 12 * time.Second, 0},
		{"carried, never probed", true, 0, 500 * time.Millisecond},
		{"new", false, 0, 500 * time.Millisecond},
		{"new, with a probe time", false, 3 * time.Second, 500 * time.Millisecond},
	} {
		c := newCheck(hc("x", policyfile.TCP, netip.MustParseAddrPort("127.0.0.1:1"), func(c *policyfile.HealthCheck) { c.RequestInterval = iv }), policyfile.NotForced)
		c.carried = tc.carried
		if tc.lastProbe > 0 {
			c.lastProbe = now.Add(-tc.lastProbe)
		}
		if got := e.firstDelay(c); got != tc.want {
			t.Errorf("%s: first probe after %v, want %v", tc.name, got, tc.want)
		}
	}
}
