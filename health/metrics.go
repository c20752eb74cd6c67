package health

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// The metrics are labelled by health-check ID; their number is bounded by the
// configuration. An engine deletes a check's series when Update removes the
// check, but not on Stop: during a CoreDNS reload the new engine is already
// running when the old one stops.
var (
	// statusGauge is 1 while a check is healthy (as queries see it), else 0.
	statusGauge = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: "coredns",
		Subsystem: "trafficflow",
		Name:      "healthcheck_status",
		Help:      "State of each health check as queries see it (1 healthy, 0 unhealthy).",
	}, []string{"check"})

	// transitionsCount counts the changes of the state queries see.
	transitionsCount = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: "coredns",
		Subsystem: "trafficflow",
		Name:      "healthcheck_transitions_total",
		Help:      "Counter of state changes of each health check.",
	}, []string{"check"})

	// forcedGauge is 1 while healthstate.json forces a check's state, else 0.
	forcedGauge = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: "coredns",
		Subsystem: "trafficflow",
		Name:      "healthcheck_forced",
		Help:      "Whether healthstate.json forces the state of each health check (1 forced, 0 not).",
	}, []string{"check"})
)

// deleteMetrics removes the series of a check that no longer exists.
func deleteMetrics(id string) {
	statusGauge.DeleteLabelValues(id)
	transitionsCount.DeleteLabelValues(id)
	forcedGauge.DeleteLabelValues(id)
}

func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
