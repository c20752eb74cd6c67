package trafficflow

import (
	"strconv"

	"github.com/coredns/coredns/plugin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/trafficflow/trafficflow/policyfile"
)

var (
	reloads = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: pluginName,
		Name:      "reloads_total",
		Help:      "Counter of policy store loads, by result (success or failure). The first load counts.",
	}, []string{"result"})

	lastReload = promauto.NewGauge(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: pluginName,
		Name:      "last_reload_timestamp_seconds",
		Help:      "The time of the last successful policy store load, in seconds since the Unix epoch.",
	})

	recordInfo = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: pluginName,
		Name:      "record_info",
		Help:      "One series per policy record in service, with the policy and version it uses; the value is always 1.",
	}, []string{"record", "policy", "version"})

	failOpen = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: pluginName,
		Name:      "failopen_answers_total",
		Help:      "Counter of answers chosen while nothing on the way was healthy (Route 53's fail-open).",
	}, []string{"server", "zone"})
)

// setRecordInfo replaces the record_info series with the store's records.
func setRecordInfo(store *policyfile.Store) {
	recordInfo.Reset()
	for _, r := range store.Records {
		recordInfo.WithLabelValues(r.Name, r.Policy, strconv.Itoa(r.Version)).Set(1)
	}
}
