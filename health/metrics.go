package health

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/trafficflow/trafficflow/internal/series"
)

// The metrics are labelled by health-check ID; their number is bounded by the
// configuration. Several engines may have a check with the same ID at once:
// the old and the new engine during a Corefile reload, or the engines of
// server blocks that share checks. They share its series, which exist while
// at least one engine has the check (from the Update that adds it until the
// Update that removes it or the engine's Stop) and go when none has it any
// more (see owners).
//
// While several engines share a check, healthcheck_status and
// healthcheck_forced show the values most recently published by any of them
// (last writer wins), and when that engine lets go of the check, those of
// the remaining engine that published most recently (during a reload: the
// new engine's). healthcheck_transitions_total counts the transitions of all
// of them, so it keeps counting across reloads.
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

// owners tracks which engines have each check's series (see series.Owners)
// and the values each last published: the gauges show the values of the
// engine that published last. An engine calls in holding its own mu;
// owners never takes an engine's mu.
var owners series.Owners[string, shownValues]

// shownValues is what an engine last published for a check.
type shownValues struct {
	healthy, forced bool
}

// publishMetrics makes e an owner of check id (if it is not yet) and
// publishes its values: healthy as queries see it, forced by
// healthstate.json; transition counts one change of the state queries see.
func publishMetrics(e *Engine, id string, healthy, forced, transition bool) {
	owners.Publish(id, e, shownValues{healthy, forced}, func(v shownValues) {
		setGauges(id, v)
		c := transitionsCount.WithLabelValues(id) // exists from the first publication
		if transition {
			c.Inc()
		}
	})
}

// releaseMetrics ends e's ownership of the checks ids. The series of a check
// no engine has any more are deleted; if the gauges showed e's values, they
// show those of the remaining owner that published most recently.
func releaseMetrics(e *Engine, ids ...string) {
	owners.Release(e, ids, setGauges, deleteMetrics)
}

func setGauges(id string, v shownValues) {
	statusGauge.WithLabelValues(id).Set(boolGauge(v.healthy))
	forcedGauge.WithLabelValues(id).Set(boolGauge(v.forced))
}

// deleteMetrics removes the series of a check. Outside tests, only
// releaseMetrics calls it.
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
