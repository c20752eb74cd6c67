package health

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"

	"github.com/trafficflow/trafficflow/policyfile"
)

// metricValue reads the value of a metric family's series for check id, the
// way prometheus/testutil.ToFloat64 does (testutil itself needs a module that
// is not in go.sum). ok is false if the series does not exist.
func metricValue(t *testing.T, name, id string) (value float64, ok bool) {
	t.Helper()
	families, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "check" && l.GetValue() == id {
					return valueOf(m), true
				}
			}
		}
	}
	return 0, false
}

func valueOf(m *dto.Metric) float64 {
	switch {
	case m.Gauge != nil:
		return m.GetGauge().GetValue()
	case m.Counter != nil:
		return m.GetCounter().GetValue()
	}
	return 0
}

func TestMetrics(t *testing.T) {
	const (
		status      = "coredns_trafficflow_healthcheck_status"
		transitions = "coredns_trafficflow_healthcheck_transitions_total"
		forced      = "coredns_trafficflow_healthcheck_forced"
	)
	b := newBackend(t, false)
	e, _ := newEngine(t, Options{})
	id := "metrics-web"
	checks := []*policyfile.HealthCheck{hc(id, policyfile.HTTP, b.ap, func(c *policyfile.HealthCheck) { c.FailureThreshold = 2 })}
	e.Update(checks, nil)
	if _, ok := metricValue(t, status, id); ok {
		t.Errorf("%s{check=%q} exists before Start", status, id)
	}
	e.startQuiet()

	want := func(step string, wantStatus, wantTransitions, wantForced float64) {
		t.Helper()
		for _, m := range []struct {
			name string
			want float64
		}{{status, wantStatus}, {transitions, wantTransitions}, {forced, wantForced}} {
			if got, ok := metricValue(t, m.name, id); !ok || got != m.want {
				t.Errorf("%s: %s{check=%q} = %v (exists %v), want %v", step, m.name, id, got, ok, m.want)
			}
		}
	}
	want("new", 1, 0, 0)
	b.status.Store(503)
	e.probeNow(id)
	want("one failure", 1, 0, 0)
	e.probeNow(id)
	want("unhealthy", 0, 1, 0)
	b.status.Store(200)
	e.probeNow(id)
	e.probeNow(id)
	want("healthy again", 1, 2, 0)
	e.Update(checks, map[string]policyfile.ForcedState{id: policyfile.ForcedUnhealthy})
	want("forced unhealthy", 0, 3, 1)
	e.Update(checks, map[string]policyfile.ForcedState{id: policyfile.ForcedHealthy})
	want("forced healthy", 1, 4, 1)
	e.Update(checks, nil)
	want("unforced", 1, 4, 0)

	// Removal deletes the series (the sharing of series between engines is
	// TestMetricsOwners').
	e.Update(nil, nil)
	for _, name := range []string{status, transitions, forced} {
		if _, ok := metricValue(t, name, id); ok {
			t.Errorf("%s{check=%q} still exists after the check was removed", name, id)
		}
	}
}

// TestMetricsOwners: engines share the series of a check ID (the old and the
// new engine during a Corefile reload, server blocks with the same checks). A
// series lives while any engine has the check, and shows the values of the
// engine that published last; when that one lets go, those of the remaining
// engine that published most recently.
func TestMetricsOwners(t *testing.T) {
	const (
		status      = "coredns_trafficflow_healthcheck_status"
		transitions = "coredns_trafficflow_healthcheck_transitions_total"
		forced      = "coredns_trafficflow_healthcheck_forced"
	)
	const (
		old = iota // engine indexes
		cur
	)
	const (
		update = iota
		start
		stop
	)
	unhealthy := policyfile.ForcedUnhealthy
	// series is the values of one check's series: status, transitions,
	// forced. A nil *series means there must be none.
	type series [3]float64
	type step struct {
		engine int
		op     int
		checks []string // update: the checks (short names, CLOUDWATCH, healthy)
		forced map[string]policyfile.ForcedState
		want   map[string]*series // after the step
	}
	for _, tt := range []struct {
		name  string
		steps []step
	}{
		{"reload", []step{
			// Nothing is published before Start (an instance dropped
			// after setup never starts or stops).
			{old, update, []string{"gone", "kept"}, nil, map[string]*series{"gone": nil, "kept": nil}},
			{old, start, nil, nil, map[string]*series{"gone": {1, 0, 0}, "kept": {1, 0, 0}}},
			// The new engine is configured and started before the old
			// one stops.
			{cur, update, []string{"kept", "added"}, nil, map[string]*series{"gone": {1, 0, 0}, "kept": {1, 0, 0}, "added": nil}},
			{cur, start, nil, nil, map[string]*series{"kept": {1, 0, 0}, "added": {1, 0, 0}}},
			// The old engine publishes last (healthstate.json changed
			// under it): the shared series shows its values for now.
			{old, update, []string{"gone", "kept"}, map[string]policyfile.ForcedState{"kept": unhealthy}, map[string]*series{"kept": {0, 1, 1}}},
			// Its Stop deletes what only it had and hands the shared
			// series back to the new engine's values; the transition
			// counted stays counted.
			{old, stop, nil, nil, map[string]*series{"gone": nil, "kept": {1, 1, 0}, "added": {1, 0, 0}}},
			// A stopped engine publishes nothing any more.
			{old, update, []string{"gone", "kept"}, map[string]policyfile.ForcedState{"kept": unhealthy, "gone": unhealthy}, map[string]*series{"gone": nil, "kept": {1, 1, 0}}},
			{cur, stop, nil, nil, map[string]*series{"kept": nil, "added": nil}},
		}},
		{"two engines, removal", []step{
			{old, update, []string{"shared", "a"}, nil, map[string]*series{"shared": nil, "a": nil}},
			{cur, update, []string{"shared"}, nil, map[string]*series{"shared": nil}},
			{old, start, nil, nil, map[string]*series{"shared": {1, 0, 0}, "a": {1, 0, 0}}},
			{cur, start, nil, nil, map[string]*series{"shared": {1, 0, 0}}},
			{cur, update, []string{"shared"}, map[string]policyfile.ForcedState{"shared": unhealthy}, map[string]*series{"shared": {0, 1, 1}}},
			// Removing it from the engine whose values it shows hands the
			// series to the other one.
			{cur, update, nil, nil, map[string]*series{"shared": {1, 1, 0}, "a": {1, 0, 0}}},
			{old, update, []string{"a"}, nil, map[string]*series{"shared": nil, "a": {1, 0, 0}}},
		}},
		{"two engines, removal from the other", []step{
			{old, update, []string{"shared"}, nil, nil},
			{old, start, nil, nil, map[string]*series{"shared": {1, 0, 0}}},
			{cur, update, []string{"shared"}, map[string]policyfile.ForcedState{"shared": unhealthy}, map[string]*series{"shared": {1, 0, 0}}},
			{cur, start, nil, nil, map[string]*series{"shared": {0, 0, 1}}},
			// Not the engine whose values it shows: nothing changes.
			{old, update, nil, nil, map[string]*series{"shared": {0, 0, 1}}},
			{old, stop, nil, nil, map[string]*series{"shared": {0, 0, 1}}},
			{cur, update, nil, nil, map[string]*series{"shared": nil}},
		}},
		{"stop of the only engine", []step{
			{old, update, []string{"x"}, nil, map[string]*series{"x": nil}},
			{old, start, nil, nil, map[string]*series{"x": {1, 0, 0}}},
			{old, stop, nil, nil, map[string]*series{"x": nil}},
		}},
		{"set up, never started", []step{
			{old, update, []string{"x"}, nil, map[string]*series{"x": nil}},
			{old, stop, nil, nil, map[string]*series{"x": nil}},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// Check IDs unique to the case: the series are process-wide.
			id := func(short string) string { return "owners/" + tt.name + "/" + short }
			engines := [2]*Engine{}
			for i := range engines {
				engines[i], _ = newEngine(t, Options{})
			}
			for i, s := range tt.steps {
				e := engines[s.engine]
				switch s.op {
				case update:
					var checks []*policyfile.HealthCheck
					for _, c := range s.checks {
						checks = append(checks, hc(id(c), policyfile.CloudWatch, netip.AddrPort{}, func(c *policyfile.HealthCheck) {
							c.InsufficientDataHealthStatus = policyfile.InsufficientHealthy
						}))
					}
					forcedStates := map[string]policyfile.ForcedState{}
					for c, f := range s.forced {
						forcedStates[id(c)] = f
					}
					e.Update(checks, forcedStates)
				case start:
					e.Start()
				case stop:
					e.Stop()
				}
				for c, w := range s.want {
					for j, name := range []string{status, transitions, forced} {
						got, ok := metricValue(t, name, id(c))
						switch {
						case w == nil && ok:
							t.Errorf("step %d: %s{check=%q} = %v, want no series", i, name, id(c), got)
						case w != nil && (!ok || got != w[j]):
							t.Errorf("step %d: %s{check=%q} = %v (exists %v), want %v", i, name, id(c), got, ok, w[j])
						}
					}
				}
			}
		})
	}
}

func TestMetricsLint(t *testing.T) {
	// Vectors without series are not gathered: make sure each has one.
	statusGauge.WithLabelValues("lint")
	transitionsCount.WithLabelValues("lint")
	forcedGauge.WithLabelValues("lint")
	defer deleteMetrics("lint")
	families, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var ours []*dto.MetricFamily
	for _, f := range families {
		if strings.HasPrefix(f.GetName(), "coredns_trafficflow_healthcheck_") {
			ours = append(ours, f)
		}
	}
	if len(ours) != 3 {
		t.Fatalf("gathered %d metric families, want 3", len(ours))
	}
	problems, err := promlint.NewWithMetricFamilies(ours).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
}
