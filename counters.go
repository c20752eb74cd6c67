package trafficflow

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/coredns/coredns/core/dnsserver"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/trafficflow/trafficflow/evaluate"
)

// Per-record counters: the queries answered for each policy record or
// alias (requests_total), each endpoint served (answers_total) and each
// rule that fell open (failopen_total), as much of it as the metrics mode
// asks for. A query does not look labels up: each entry resolves its
// counters once per server (the first query of the entry on that server)
// and keeps them. The series exist only for the names, versions, endpoints
// and rules of the store in service: a reload that drops one deletes its
// series, unless another instance (another server block, or the new
// instance of a Corefile reload) still has it.

// metricsMode is how many series the per-record counters have.
type metricsMode uint8

const (
	// metricsEndpoints: requests per record and version, answers per
	// record and endpoint, fail-opens per record and rule (the default).
	metricsEndpoints metricsMode = iota
	// metricsRecords: requests per record and version, fail-opens per
	// record and rule; no answers_total.
	metricsRecords
	// metricsZones: per-zone totals only (the record label and the others
	// empty; an answer with fail-opens counts once), and no record_info:
	// for stores of many records.
	metricsZones
	// metricsNone: no per-query counters at all (and no record_info), for
	// measuring what they cost.
	metricsNone
)

var metricsModes = map[string]metricsMode{"endpoints": metricsEndpoints, "records": metricsRecords, "off": metricsZones, "none": metricsNone}

// counterMetric is one of the per-record counters.
type counterMetric uint8

const (
	requestsMetric counterMetric = iota
	answersMetric
	failOpenMetric
)

// seriesKey identifies one series of the per-record counters: the metric,
// then its labels server, zone, record and the last one (version, endpoint
// or rule).
type seriesKey struct {
	metric                     counterMetric
	server, zone, record, last string
}

// seriesValue is one per-record series: its count, and the instances that
// have it (several server blocks; the old and the new instance during a
// Corefile reload): it goes when none has it any more.
type seriesValue struct {
	n      atomic.Uint64
	owners []*TrafficFlow // guarded by seriesValues.mu
}

// seriesValues holds the per-record series. They are not client_golang
// CounterVecs: a vector's series costs about 2 KB (its label pairs, the
// counter, its self-collector), and with the owner bookkeeping beside it
// 100,000 names counted made 400 MB, a heap that size slowing every query
// by several percent (the allocator's working set). A series here is a map
// entry whose label strings are the store's own, and a counter: about
// 150 bytes.
type seriesValues struct {
	mu sync.Mutex
	m  map[seriesKey]*seriesValue
}

// perRecord holds the series of every instance.
var perRecord seriesValues

// acquire returns the series of k, making it if it does not exist, and
// makes tf one of its owners.
func (v *seriesValues) acquire(k seriesKey, tf *TrafficFlow) *seriesValue {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil {
		v.m = map[seriesKey]*seriesValue{}
	}
	c := v.m[k]
	if c == nil {
		c = &seriesValue{}
		v.m[k] = c
	}
	if !slices.Contains(c.owners, tf) {
		c.owners = append(c.owners, tf)
	}
	return c
}

// release ends tf's ownership of its series that keep does not keep; a
// series left without owners goes.
func (v *seriesValues) release(tf *TrafficFlow, keep func(seriesKey) bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for k, c := range v.m {
		i := slices.Index(c.owners, tf)
		if i < 0 || keep(k) {
			continue
		}
		c.owners = slices.Delete(c.owners, i, i+1)
		if len(c.owners) == 0 {
			delete(v.m, k)
		}
	}
}

// seriesLabels are the label names of each per-record counter, sorted.
var seriesLabels = [...][4]string{
	requestsMetric: {"record", "server", "version", "zone"},
	answersMetric:  {"endpoint", "record", "server", "zone"},
	failOpenMetric: {"record", "rule", "server", "zone"},
}

// values returns k's label values in the order of seriesLabels.
func (k seriesKey) values() [4]string {
	switch k.metric {
	case requestsMetric:
		return [4]string{k.record, k.server, k.last, k.zone}
	case answersMetric:
		return [4]string{k.last, k.record, k.server, k.zone}
	}
	return [4]string{k.record, k.last, k.server, k.zone}
}

// collect sends every series as a counter (scrape.go).
func (v *seriesValues) collect(ch chan<- prometheus.Metric) {
	descs := [...]*prometheus.Desc{requestsMetric: requestsDesc, answersMetric: answersDesc, failOpenMetric: failOpenDesc}
	v.mu.Lock()
	ms := make([]scrapeMetric, 0, len(v.m))
	for k, c := range v.m {
		ms = append(ms, scrapeMetric{desc: descs[k.metric], family: uint8(k.metric), names: &seriesLabels[k.metric], values: k.values(), value: float64(c.n.Load())})
	}
	v.mu.Unlock()
	sendSorted(ch, ms)
}

// perRecordCollector collects the per-record counters, after a flush of
// every instance's hits.
type perRecordCollector struct{}

// Describe implements prometheus.Collector.
func (perRecordCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- requestsDesc
	ch <- answersDesc
	ch <- failOpenDesc
}

// Collect implements prometheus.Collector.
func (perRecordCollector) Collect(ch chan<- prometheus.Metric) {
	flushers.flushAll()
	perRecord.collect(ch)
}

// entryCounters are an entry's counters on one server.
type entryCounters struct {
	// server is the *dnsserver.Server they count for (nil outside a
	// server, in tests).
	server   any
	label    string // its metrics label
	requests *seriesValue
	// answers holds a counter per endpoint of the entry's policy (nil in
	// records and zones modes).
	answers []*seriesValue
	// failOpen holds a counter per rule of the entry's policy, resolved
	// when the rule first falls open.
	failOpen []atomic.Pointer[seriesValue]
}

// counter returns the counter of key and makes tf an owner of its series.
func (tf *TrafficFlow) counter(key seriesKey) *seriesValue {
	return perRecord.acquire(key, tf)
}

// resolveCounters resolves e's counters on the server srv, labelled label:
// requests and, in endpoints mode, answers; fail-opens are resolved when a
// rule first falls open (failOpenCounter).
func (tf *TrafficFlow) resolveCounters(e *entry, srv any, label string) *entryCounters {
	c := &entryCounters{server: srv, label: label}
	record, version := e.name, strconv.Itoa(e.version)
	if tf.cfg.metrics == metricsZones {
		record, version = "", ""
	}
	c.requests = tf.counter(seriesKey{requestsMetric, c.label, e.zone, record, version})
	if tf.cfg.metrics == metricsEndpoints {
		eps := e.policy.Endpoints()
		c.answers = make([]*seriesValue, len(eps))
		for i, ep := range eps {
			c.answers[i] = tf.counter(seriesKey{answersMetric, c.label, e.zone, record, ep.ID})
		}
	}
	c.failOpen = make([]atomic.Pointer[seriesValue], len(e.policy.Rules()))
	return c
}

// failOpenCounter returns the fail-open counter of rule r of e in c,
// resolving it the first time.
func (tf *TrafficFlow) failOpenCounter(c *entryCounters, e *entry, r int) *seriesValue {
	if fc := c.failOpen[r].Load(); fc != nil {
		return fc
	}
	record, rule := e.name, e.policy.Rules()[r].ID
	if tf.cfg.metrics == metricsZones {
		record, rule = "", ""
	}
	counter := tf.counter(seriesKey{failOpenMetric, c.label, e.zone, record, rule})
	c.failOpen[r].Store(counter)
	return counter
}

// counters returns e's counters on the query's server, resolving them on
// the entry's first query there: the slow path, for a server other than
// the one the instance counts in its entries' hits (hits.go).
func (tf *TrafficFlow) counters(ctx context.Context, e *entry) *entryCounters {
	srv := ctx.Value(dnsserver.Key{})
	if c := e.counters.Load(); c != nil && c.server == srv {
		return c
	}
	c := tf.resolveCounters(e, srv, serverLabel(srv))
	e.counters.Store(c)
	return c
}

// serverLabel is the server label of the per-record series of a query's
// server: its address ("" outside a server, in tests).
func serverLabel(srv any) string {
	if s, ok := srv.(*dnsserver.Server); ok {
		return s.Addr
	}
	return ""
}

// countRequest counts a query answered for e. It stays out of line to keep
// answer's frame small (the stack budget, in handler.go).
//
//go:noinline
func (qs *queryState) countRequest(e *entry) {
	if qs.tf.cfg.metrics == metricsNone {
		return
	}
	if len(e.hits) > 0 && qs.tf.countsHere(qs.ctx) {
		e.hits[0].Add(1)
		return
	}
	qs.tf.counters(qs.ctx, e).requests.n.Add(1)
}

// countAnswer counts the endpoints of an answer of e, and the rules that
// fell open on the way to it.
//
//go:noinline
func (qs *queryState) countAnswer(e *entry, res *evaluate.Result) {
	if qs.tf.cfg.metrics == metricsNone {
		return
	}
	fellOpen := res.FailOpen[:res.FailOpens]
	zones := qs.tf.cfg.metrics == metricsZones
	if zones && len(fellOpen) > 0 {
		fellOpen = fellOpen[:1] // per zone: the answer counts once
	}
	if len(e.hits) > 0 && qs.tf.countsHere(qs.ctx) {
		if len(e.hits) > 1 {
			for _, i := range res.Endpoints[:res.N] {
				e.hits[1+int(i)].Add(1)
			}
		}
		for _, r := range fellOpen {
			if zones {
				r = 0
			}
			e.failHits[r].Add(1)
		}
		return
	}
	c := qs.tf.counters(qs.ctx, e)
	if c.answers != nil {
		for _, i := range res.Endpoints[:res.N] {
			c.answers[i].n.Add(1)
		}
	}
	for _, r := range fellOpen {
		qs.tf.failOpenCounter(c, e, int(r)).n.Add(1)
	}
}

// releaseSeries lets go of the per-record series tf has that the snapshot
// next (nil at shutdown) no longer has: names it does not serve, versions
// they no longer use, endpoints and rules their policies no longer have.
func (tf *TrafficFlow) releaseSeries(next *snapshot) {
	perRecord.release(tf, func(k seriesKey) bool { return next != nil && next.hasSeries(k, tf.cfg.metrics) })
}

// hasSeries reports whether a series belongs to what s serves.
func (s *snapshot) hasSeries(k seriesKey, mode metricsMode) bool {
	if mode == metricsZones {
		return k.record == "" && s.zones[k.zone]
	}
	e := s.names[k.record]
	if e == nil || e.zone != k.zone {
		return false
	}
	if e.canary != nil && e.canary.hasSeries(k) {
		return true
	}
	return e.hasSeries(k)
}

// hasSeries reports whether a per-record series belongs to e.
func (e *entry) hasSeries(k seriesKey) bool {
	switch k.metric {
	case requestsMetric:
		return k.last == strconv.Itoa(e.version)
	case answersMetric:
		for _, ep := range e.policy.Endpoints() {
			if ep.ID == k.last {
				return true
			}
		}
	case failOpenMetric:
		for _, r := range e.policy.Rules() {
			if r.ID == k.last {
				return true
			}
		}
	}
	return false
}
