package trafficflow

import (
	"strconv"

	"github.com/coredns/coredns/plugin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/trafficflow/trafficflow/internal/series"
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
)

// The per-record counters' descriptions; their values are in perRecord
// (counters.go).
var (
	requestsDesc = prometheus.NewDesc(prometheus.BuildFQName(plugin.Namespace, pluginName, "requests_total"),
		"Counter of queries answered for each policy record or alias (the name queried), by the policy version it uses.",
		[]string{"server", "zone", "record", "version"}, nil)
	answersDesc = prometheus.NewDesc(prometheus.BuildFQName(plugin.Namespace, pluginName, "answers_total"),
		"Counter of the endpoints served for each policy record or alias, by endpoint ID.",
		[]string{"server", "zone", "record", "endpoint"}, nil)
	failOpenDesc = prometheus.NewDesc(prometheus.BuildFQName(plugin.Namespace, pluginName, "failopen_total"),
		"Counter of answers for which a rule had no healthy branch and answered as if all were (Route 53's fail-open), by record and rule ID.",
		[]string{"server", "zone", "record", "rule"}, nil)
)

// recordInfoDesc describes record_info, whose series are the keys of
// recordOwners.
var recordInfoDesc = prometheus.NewDesc(prometheus.BuildFQName(plugin.Namespace, pluginName, "record_info"),
	"One series per policy record in service, with the policy and version it uses, and one for its canary version (canary=\"true\"); the value is always 1.",
	[]string{"record", "policy", "version", "canary"}, nil)

// recordInfoCollector collects record_info: a series per key of
// recordOwners, made at scrape time (a GaugeVec's series would cost about
// 2 KB each, 200 MB for a store of 100,000 records).
type recordInfoCollector struct{}

// Describe implements prometheus.Collector.
func (recordInfoCollector) Describe(ch chan<- *prometheus.Desc) { ch <- recordInfoDesc }

// Collect implements prometheus.Collector.
func (recordInfoCollector) Collect(ch chan<- prometheus.Metric) {
	keys := recordOwners.Keys()
	ms := make([]scrapeMetric, len(keys))
	for i, k := range keys {
		record, policy, version, canary := k[0], k[1], k[2], k[3]
		ms[i] = scrapeMetric{desc: recordInfoDesc, names: &recordInfoLabels, values: [4]string{canary, policy, record, version}, value: 1, gauge: true}
	}
	sendSorted(ch, ms)
}

// recordInfoLabels are record_info's label names, sorted.
var recordInfoLabels = [4]string{"canary", "policy", "record", "version"}

// The per-record counters are collected by perRecordCollector, which
// first flushes the instances' hits (hits.go).
func init() {
	prometheus.MustRegister(perRecordCollector{}, recordInfoCollector{})
}

// recordOwners tracks which instances have each record_info series
// (record, policy, version): the instances share the metric (several server
// blocks; the old and the new instance during a Corefile reload), so a
// series goes when no instance has it any more.
var recordOwners series.Owners[[4]string, struct{}]

// publishRecordInfo replaces tf's record_info series, those of prev (nil
// at the first load), by those of next (nil at shutdown). It is idempotent.
func (tf *TrafficFlow) publishRecordInfo(prev, next *policyfile.Store) {
	if tf.cfg.metrics == metricsZones || tf.cfg.metrics == metricsNone {
		return
	}
	// A record's series, and its canary's.
	keys := func(r *policyfile.Record) [][4]string {
		out := [][4]string{{r.Name, r.Policy, strconv.Itoa(r.Version), "false"}}
		if c := r.Canary; c != nil {
			out = append(out, [4]string{r.Name, r.Policy, strconv.Itoa(c.Version), "true"})
		}
		return out
	}
	kept := map[[4]string]bool{}
	if next != nil {
		for _, r := range next.Records {
			for _, k := range keys(r) {
				kept[k] = true
				recordOwners.Publish(k, tf, struct{}{}, nil)
			}
		}
	}
	if prev != nil {
		var gone [][4]string
		for _, r := range prev.Records {
			for _, k := range keys(r) {
				if !kept[k] {
					gone = append(gone, k)
				}
			}
		}
		recordOwners.Release(tf, gone, nil, nil)
	}
}
