package health

import (
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

	// Stop keeps the series (a reloaded engine may own them); removal
	// deletes them.
	e.Update(nil, nil)
	for _, name := range []string{status, transitions, forced} {
		if _, ok := metricValue(t, name, id); ok {
			t.Errorf("%s{check=%q} still exists after the check was removed", name, id)
		}
	}
	e2, _ := newEngine(t, Options{})
	e2.Update([]*policyfile.HealthCheck{hc("metrics-kept", policyfile.TCP, b.ap)}, nil)
	e2.Start()
	e2.Stop()
	if _, ok := metricValue(t, status, "metrics-kept"); !ok {
		t.Error("Stop must not delete the series")
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
