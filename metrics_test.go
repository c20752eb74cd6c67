package trafficflow

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin/pkg/dnstest"
	"github.com/coredns/coredns/plugin/test"
	"github.com/miekg/dns"
)

// The plugin's metrics: reloads_total, last_reload_timestamp_seconds,
// record_info and the per-record counters.

const (
	reloadsMetric    = "coredns_trafficflow_reloads_total"
	lastReloadMetric = "coredns_trafficflow_last_reload_timestamp_seconds"
	recordInfoMetric = "coredns_trafficflow_record_info"
)

// recordInfoSeries returns the record_info series as "record policy version"
// strings (with " canary" for a canary's), sorted, checking that every
// value is 1.
func recordInfoSeries(t testing.TB) []string {
	t.Helper()
	var out []string
	for _, m := range gatherMetric(t, recordInfoMetric) {
		l := map[string]string{}
		for _, p := range m.GetLabel() {
			l[p.GetName()] = p.GetValue()
		}
		if len(l) != 4 {
			t.Errorf("record_info series with labels %s", metricLabels(m))
		}
		if v := m.GetGauge().GetValue(); v != 1 {
			t.Errorf("record_info{%s} = %v, want 1", metricLabels(m), v)
		}
		s := l["record"] + " " + l["policy"] + " " + l["version"]
		if l["canary"] == "true" {
			s += " canary"
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// waitRecordInfo waits until the record_info series are want (sorted
// "record policy version" strings).
func waitRecordInfo(t testing.TB, want ...string) {
	t.Helper()
	slices.Sort(want)
	pollUntil(t, answerWait, func() (bool, string) {
		got := recordInfoSeries(t)
		return slices.Equal(got, want), fmt.Sprintf("record_info series %q, want %q", got, want)
	})
}

// TestReloadMetrics checks reloads_total (the first load counts),
// last_reload_timestamp_seconds and record_info across reloads: one
// record_info series per policy record with its policy and version, stale
// series removed.
func TestReloadMetrics(t *testing.T) {
	success, failure := reloadCount(t, "success"), reloadCount(t, "failure")
	before := float64(time.Now().UnixNano()) / 1e9
	dir := writeFiles(t, reloadStore())
	tf := newPlugin(t, pluginOpts{dir: dir, block: "reload 0s"})
	if got := reloadCount(t, "success"); got != success+1 {
		t.Errorf("after the first load: reloads_total{result=success} = %v, want %v", got, success+1)
	}
	last := metricValue(t, lastReloadMetric, "")
	if after := float64(time.Now().UnixNano()) / 1e9; last < before || last > after {
		t.Errorf("last_reload_timestamp_seconds = %f, want between %f and %f", last, before, after)
	}
	// record_info shows the records in service: none before OnStartup (an
	// instance Caddy drops after setup, when a later directive fails,
	// never gets OnShutdown to take its series back).
	waitRecordInfo(t)
	if err := tf.loader.start(); err != nil {
		t.Fatal(err)
	}
	waitRecordInfo(t, "sw.example.org. sw 1", "www.example.org. web 1")

	steps := []struct {
		what    string
		records []prec
		want    []string
	}{
		{"update www to version 2", []prec{{"www.example.org.", "web", 2}, {"sw.example.org.", "sw", 1}},
			[]string{"sw.example.org. sw 1", "www.example.org. web 2"}},
		{"remove sw, add two records", []prec{{"www.example.org.", "web", 2}, {"a.example.org.", "web", 1}, {"b.example.org.", "sw", 1}},
			[]string{"a.example.org. web 1", "b.example.org. sw 1", "www.example.org. web 2"}},
		{"roll www back", []prec{{"www.example.org.", "web", 1}},
			[]string{"www.example.org. web 1"}},
	}
	for _, s := range steps {
		success := reloadCount(t, "success")
		renameOver(t, filepath.Join(dir, "records.json"), recordsFile(s.records...))
		pollUntil(t, answerWait, func() (bool, string) {
			return reloadCount(t, "success") > success, s.what + ": no successful reload"
		})
		waitRecordInfo(t, s.want...)
		now := metricValue(t, lastReloadMetric, "")
		if now <= last {
			t.Errorf("%s: last_reload_timestamp_seconds %f did not move forward from %f", s.what, now, last)
		}
		last = now
	}
	if got := reloadCount(t, "failure"); got != failure {
		t.Errorf("reloads_total{result=failure} went from %v to %v", failure, got)
	}

	// A failed reload counts, and changes neither record_info nor the
	// timestamp.
	renameOver(t, filepath.Join(dir, "records.json"), `{"PolicyRecords":[`)
	pollUntil(t, answerWait, func() (bool, string) {
		return reloadCount(t, "failure") > failure, "no failed reload"
	})
	waitRecordInfo(t, "www.example.org. web 1")
	if now := metricValue(t, lastReloadMetric, ""); now != last {
		t.Errorf("a failed reload moved last_reload_timestamp_seconds from %f to %f", last, now)
	}
}

// TestReloadRecordInfoInstances runs two trafficflow instances (two server
// blocks, or the old and the new instance during a Corefile reload) on
// different stores: record_info holds the records of both, a reload of one
// keeps the other's series, and an instance's series go with its shutdown.
func TestReloadRecordInfoInstances(t *testing.T) {
	dirA := writeFiles(t, reloadStore())
	dirB := writeFiles(t, storeWith(reloadStore(), map[string]string{"records.json": recordsFile(prec{"other.example.org.", "web", 2})}))
	a := newPlugin(t, pluginOpts{dir: dirA, block: "reload 0s", watch: true})
	b := newPlugin(t, pluginOpts{dir: dirB, block: "reload 0s", start: true})
	waitRecordInfo(t, "other.example.org. web 2", "sw.example.org. sw 1", "www.example.org. web 1")

	renameOver(t, filepath.Join(dirA, "records.json"), recordsFile(prec{"www.example.org.", "web", 2}))
	waitAnswer(t, a, "www.example.org.", "", "192.0.2.2")
	waitRecordInfo(t, "other.example.org. web 2", "www.example.org. web 2")

	b.loader.stop()
	waitRecordInfo(t, "www.example.org. web 2")
	b.loader.stop() // idempotent: a's series stay
	waitRecordInfo(t, "www.example.org. web 2")

	// The same store in two instances (a Corefile reload): the new
	// instance's series survive the old instance's shutdown.
	c := newPlugin(t, pluginOpts{dir: dirA, block: "reload 0s", start: true})
	a.loader.stop()
	waitRecordInfo(t, "www.example.org. web 2")
	c.loader.stop()
	waitRecordInfo(t)
}

// The per-record counters: requests per record (or alias) and version,
// answers per endpoint, fail-opens per rule, in each metrics mode; a
// fail-open below a healthy choice counts its own rule, and a query
// without an answer counts no fail-open.
func TestRecordMetrics(t *testing.T) {
	files := baseStore()
	files["policies/nested/1.json"] = `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"split",
"Endpoints":{"primary":{"Type":"value","Value":"192.0.2.1"},"secondary":{"Type":"value","Value":"192.0.2.2"}},
"Rules":{"split":{"RuleType":"weighted","Items":[{"RuleReference":"pair","Weight":1}]},
"pair":{"RuleType":"failover","Primary":{"EndpointReference":"primary","HealthCheck":"hp"},"Secondary":{"EndpointReference":"secondary","HealthCheck":"hs"}}}}`
	files["records.json"] = `{"PolicyRecords":[{"Name":"nested.example.org","Policy":"nested","Version":1,"TTL":60},
		{"Name":"geo.example.org","Policy":"geo","Version":1,"TTL":30}],"Aliases":[{"Name":"alias.example.org","Target":"nested.example.org"}]}`
	for _, mode := range []string{"endpoints", "records", "off"} {
		t.Run(mode, func(t *testing.T) {
			tf := newPlugin(t, pluginOpts{files: files, locator: geoStub, block: "metrics " + mode})
			record := func(name string) string {
				if mode == "off" {
					return ""
				}
				return name
			}
			last := func(v string) string {
				if mode == "off" {
					return ""
				}
				return v
			}
			series := func(metric, name, lastLabel, v string) float64 {
				labels := []string{lastLabel + "=" + last(v), "record=" + record(name), "server=", "zone=example.org."}
				slices.Sort(labels)
				return metricValue(t, "coredns_trafficflow_"+metric, strings.Join(labels, ","))
			}
			for _, tc := range []struct {
				name, qname, from string
				healthy           bool
				want              string // the answer, "" for none
				requests          string // the record label counted
				answered          string // the endpoint answered
				fellOpen          string // the rule that fell open
			}{
				{"healthy", "nested.example.org.", "", true, "192.0.2.1", "nested.example.org.", "primary", ""},
				{"through an alias", "alias.example.org.", "", true, "192.0.2.1", "alias.example.org.", "primary", ""},
				{"fail-open below a healthy weighted pick", "nested.example.org.", "", false, "192.0.2.1", "nested.example.org.", "primary", "pair"},
				{"no location matches: no answer", "geo.example.org.", "10.0.0.1", false, "", "geo.example.org.", "", ""},
			} {
				tf.health.Cell("hp").Store(tc.healthy)
				tf.health.Cell("hs").Store(tc.healthy)
				requests := series("requests_total", tc.requests, "version", "1")
				answers := series("answers_total", tc.requests, "endpoint", tc.answered)
				fellOpen := series("failopen_total", tc.requests, "rule", tc.fellOpen)
				m, _ := ask(t, tf, tc.qname, dns.TypeA, tc.from, "")
				if got := strings.Join(values(m), " "); got != tc.want {
					t.Fatalf("%s: answer %q, want %q", tc.name, got, tc.want)
				}
				if got := series("requests_total", tc.requests, "version", "1") - requests; got != 1 {
					t.Errorf("%s: requests_total went up by %v, want 1", tc.name, got)
				}
				wantAnswers := float64(boolInt(tc.answered != "" && mode == "endpoints"))
				if got := series("answers_total", tc.requests, "endpoint", tc.answered) - answers; tc.answered != "" && got != wantAnswers {
					t.Errorf("%s: answers_total{endpoint=%s} went up by %v, want %v", tc.name, tc.answered, got, wantAnswers)
				}
				if got := series("failopen_total", tc.requests, "rule", tc.fellOpen) - fellOpen; tc.fellOpen != "" && got != 1 {
					t.Errorf("%s: failopen_total{rule=%s} went up by %v, want 1", tc.name, tc.fellOpen, got)
				}
			}
			if mode != "endpoints" && len(gatherMetric(t, "coredns_trafficflow_answers_total")) > 0 {
				for _, m := range gatherMetric(t, "coredns_trafficflow_answers_total") {
					if strings.Contains(metricLabels(m), "record=nested") && mode == "records" {
						t.Errorf("answers_total series in records mode: %s", metricLabels(m))
					}
				}
			}
			if n := len(gatherMetric(t, "coredns_trafficflow_failopen_total")); n == 0 {
				t.Error("no failopen_total series")
			}
			if mode == "off" {
				for _, m := range gatherMetric(t, "coredns_trafficflow_requests_total") {
					if l := metricLabels(m); strings.Contains(l, "record=nested") && strings.Contains(l, "server=,") {
						t.Errorf("a per-record series with metrics off: %s", l)
					}
				}
			}
		})
	}
}

// TestCounterHits checks how queries reach the per-record counters: an
// instance counts the queries of its first server in its entries' hits,
// those of another server directly (both show, each with its server
// label); what was counted before a reload is flushed into the counters
// by the reload, and what a query still counts on the replaced snapshot
// after it goes into the series the record keeps, never into those a
// reload dropped.
func TestCounterHits(t *testing.T) {
	dir := writeFiles(t, reloadStore())
	tf := newPlugin(t, pluginOpts{dir: dir, block: "reload 0s", watch: true})
	serverA, serverB := &dnsserver.Server{Addr: "dns://:1053"}, &dnsserver.Server{Addr: "dns://:2053"}
	query := func(srv *dnsserver.Server, name string, n int) {
		t.Helper()
		m := new(dns.Msg)
		m.SetQuestion(name, dns.TypeA)
		ctx := context.WithValue(context.Background(), dnsserver.Key{}, srv)
		for range n {
			if _, err := tf.ServeDNS(ctx, dnstest.NewRecorder(&test.ResponseWriter{}), m); err != nil {
				t.Fatal(err)
			}
		}
	}
	requests := func(srv *dnsserver.Server, record, version string) float64 {
		return metricValue(t, "coredns_trafficflow_requests_total", "record="+record+",server="+srv.Addr+",version="+version+",zone=example.org.")
	}
	answers := func(srv *dnsserver.Server, record, endpoint string) float64 {
		return metricValue(t, "coredns_trafficflow_answers_total", "endpoint="+endpoint+",record="+record+",server="+srv.Addr+",zone=example.org.")
	}

	query(serverA, "www.example.org.", 3) // serverA claims the hits
	// A running instance flushes its hits every second, scrape or not.
	pollUntil(t, 3*flushInterval, func() (bool, string) {
		got := unscraped(seriesKey{requestsMetric, serverA.Addr, "example.org.", "www.example.org.", "1"})
		return got == 3, fmt.Sprintf("requests_total without a scrape: %v, want 3", got)
	})
	// The rest flushes only at scrapes and reloads: a late count on a
	// replaced snapshot (below) must come before the flush that lets the
	// snapshot go.
	tf.stopFlusher()
	query(serverB, "www.example.org.", 2)
	if tf.flush.slot.Load().server != any(serverA) {
		t.Fatal("the first server to ask does not own the instance's hits")
	}
	for _, c := range []struct {
		what      string
		got, want float64
	}{
		{"requests www on A", requests(serverA, "www.example.org.", "1"), 3},
		{"requests www on B", requests(serverB, "www.example.org.", "1"), 2},
		{"answers www on A", answers(serverA, "www.example.org.", "e"), 3},
		{"answers www on B", answers(serverB, "www.example.org.", "e"), 2},
	} {
		if c.got != c.want {
			t.Errorf("%s: %v, want %v", c.what, c.got, c.want)
		}
	}
	// A name nothing asked for has no series, though the flushes went
	// over its entry.
	for _, m := range gatherMetric(t, "coredns_trafficflow_requests_total") {
		if l := metricLabels(m); strings.Contains(l, "record=sw.example.org.") {
			t.Errorf("a series for a name never queried: %s", l)
		}
	}

	// Counted, then a reload that keeps both records before anything
	// reads /metrics: the reload flushes the old snapshot, resolving the
	// series of sw, which had not counted yet.
	query(serverA, "www.example.org.", 5)
	query(serverA, "sw.example.org.", 6)
	reload := func(recs ...prec) *snapshot {
		t.Helper()
		old := tf.snap.Load()
		renameOver(t, filepath.Join(dir, "records.json"), recordsFile(recs...))
		pollUntil(t, answerWait, func() (bool, string) { return tf.snap.Load() != old, "no reload" })
		return old
	}
	reload(prec{"www.example.org.", "web", 1}, prec{"sw.example.org.", "sw", 1}, prec{"new.example.org.", "web", 1})
	if got := requests(serverA, "www.example.org.", "1"); got != 8 {
		t.Errorf("requests www after the reload: %v, want 8", got)
	}
	if got := requests(serverA, "sw.example.org.", "1"); got != 6 {
		t.Errorf("requests sw after the reload: %v, want 6", got)
	}

	// A reload that drops sw and moves www to version 2: their old series
	// go, and the flush of the old snapshot does not bring them back.
	old := reload(prec{"www.example.org.", "web", 2})
	if got := requests(serverA, "www.example.org.", "1"); got != 0 {
		t.Errorf("requests www version 1 after the reload: a series of %v, want none", got)
	}
	if got := requests(serverA, "sw.example.org.", "1"); got != 0 {
		t.Errorf("requests sw after the reload removed it: a series of %v, want none", got)
	}
	query(serverA, "www.example.org.", 1)
	if got := requests(serverA, "www.example.org.", "2"); got != 1 {
		t.Errorf("requests www version 2: %v, want 1", got)
	}

	// A query still finishing on the replaced snapshot counts in its
	// hits: into www's series if the record keeps them (same version),
	// never into series the reload dropped.
	cur := reload(prec{"www.example.org.", "web", 2}, prec{"new.example.org.", "web", 1})
	cur.names["www.example.org."].hits[0].Add(7)
	old.names["sw.example.org."].hits[0].Add(1)
	if got := requests(serverA, "www.example.org.", "2"); got != 8 {
		t.Errorf("requests www version 2 with a late count on the replaced snapshot: %v, want 8", got)
	}
	if got := requests(serverA, "sw.example.org.", "1"); got != 0 {
		t.Errorf("a late count on a snapshot two reloads back brought back sw's series: %v", got)
	}
	// The same on a record the last reload dropped, which never counted
	// before: no series.
	prev := reload(prec{"www.example.org.", "web", 2})
	prev.names["new.example.org."].hits[0].Add(1)
	if got := requests(serverA, "new.example.org.", "1"); got != 0 {
		t.Errorf("a late count for a record the reload dropped made a series: %v", got)
	}

	// Shutdown flushes, then lets go of the series.
	query(serverA, "www.example.org.", 1)
	tf.loader.stop()
	if n := len(gatherMetric(t, "coredns_trafficflow_requests_total")); n != 0 {
		for _, m := range gatherMetric(t, "coredns_trafficflow_requests_total") {
			if strings.Contains(metricLabels(m), "server="+serverA.Addr) {
				t.Errorf("a series after shutdown: %s", metricLabels(m))
			}
		}
	}
}

// unscraped returns the count of a per-record series as it is, without
// the flush of a scrape of /metrics (0 if the series does not exist).
func unscraped(k seriesKey) uint64 {
	perRecord.mu.Lock()
	defer perRecord.mu.Unlock()
	if c := perRecord.m[k]; c != nil {
		return c.n.Load()
	}
	return 0
}

// TestCounterSeriesInstances runs two instances that count the same series
// (the old and the new instance of a Corefile reload): the series stays
// until neither has it, and keeps what both counted.
func TestCounterSeriesInstances(t *testing.T) {
	dir := writeFiles(t, reloadStore())
	a := newPlugin(t, pluginOpts{dir: dir, start: true})
	b := newPlugin(t, pluginOpts{dir: dir, start: true})
	const labels = "record=sw.example.org.,server=,version=1,zone=example.org."
	before := metricValue(t, "coredns_trafficflow_requests_total", labels)
	ask(t, a, "sw.example.org.", dns.TypeA, "", "")
	ask(t, b, "sw.example.org.", dns.TypeA, "", "")
	ask(t, b, "sw.example.org.", dns.TypeA, "", "")
	if got := metricValue(t, "coredns_trafficflow_requests_total", labels) - before; got != 3 {
		t.Errorf("requests_total with two instances went up by %v, want 3", got)
	}
	a.loader.stop()
	ask(t, b, "sw.example.org.", dns.TypeA, "", "")
	if got := metricValue(t, "coredns_trafficflow_requests_total", labels) - before; got != 4 {
		t.Errorf("requests_total after one instance stopped: up by %v, want 4", got)
	}
	b.loader.stop()
	for _, m := range gatherMetric(t, "coredns_trafficflow_requests_total") {
		if metricLabels(m) == labels {
			t.Errorf("a series after both instances stopped: %s", labels)
		}
	}
}
