package trafficflow

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// metricsOf collects ms through sendSorted.
type metricsOf []scrapeMetric

func (c metricsOf) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{requestsDesc, answersDesc, failOpenDesc, recordInfoDesc} {
		ch <- d
	}
}

func (c metricsOf) Collect(ch chan<- prometheus.Metric) { sendSorted(ch, slices.Clone(c)) }

// labelString is a metric's label pairs as name=value,...
func labelString(m *dto.Metric) string {
	var b strings.Builder
	for i, lp := range m.GetLabel() {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(lp.GetName() + "=" + lp.GetValue())
	}
	return b.String()
}

// The series made at scrape time are what a pedantic registry accepts
// (label names those of their Desc, in order, and unique series), carry
// their values, and come in the order client_golang sorts them to, so that
// its sort has nothing to do.
func TestScrapeMetrics(t *testing.T) {
	key := func(m counterMetric, record, last string) seriesKey {
		return seriesKey{m, "dns://:53", "example.org.", record, last}
	}
	keys := []seriesKey{
		key(answersMetric, "www.example.org.", "b"),
		key(requestsMetric, "www.example.org.", "2"),
		key(answersMetric, "api.example.org.", "b"),
		key(failOpenMetric, "www.example.org.", "top"),
		key(requestsMetric, "api.example.org.", "10"),
		key(answersMetric, "www.example.org.", "a"),
		key(requestsMetric, "www.example.org.", "1"),
	}
	var ms metricsOf
	for i, k := range keys {
		ms = append(ms, scrapeMetric{desc: []*prometheus.Desc{requestsDesc, answersDesc, failOpenDesc}[k.metric], family: uint8(k.metric),
			names: &seriesLabels[k.metric], values: k.values(), value: float64(i + 1)})
	}
	for _, v := range [][4]string{{"false", "web", "www.example.org.", "2"}, {"true", "web", "www.example.org.", "3"}, {"false", "api", "api.example.org.", "1"}} {
		ms = append(ms, scrapeMetric{desc: recordInfoDesc, family: 9, names: &recordInfoLabels, values: v, value: 1, gauge: true})
	}

	// The order sent, family by family.
	ch := make(chan prometheus.Metric, len(ms))
	sendSorted(ch, slices.Clone(ms))
	close(ch)
	sent := map[string][]string{}
	for m := range ch {
		var d dto.Metric
		if err := m.Write(&d); err != nil {
			t.Fatal(err)
		}
		name := strings.Split(m.Desc().String(), `"`)[1]
		sent[name] = append(sent[name], labelString(&d))
	}

	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(ms)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, mf := range mfs {
		var gathered []string
		for _, m := range mf.GetMetric() {
			gathered = append(gathered, labelString(m))
			v := m.GetCounter().GetValue()
			if mf.GetType() == dto.MetricType_GAUGE {
				v = m.GetGauge().GetValue()
			}
			got[mf.GetName()+"{"+labelString(m)+"}"] = strconv.FormatFloat(v, 'g', -1, 64)
		}
		if !slices.Equal(sent[mf.GetName()], gathered) {
			t.Errorf("%s: sent in the order\n%q\nclient_golang sorts them to\n%q", mf.GetName(), sent[mf.GetName()], gathered)
		}
	}
	want := map[string]string{
		"coredns_trafficflow_answers_total{endpoint=a,record=www.example.org.,server=dns://:53,zone=example.org.}":  "6",
		"coredns_trafficflow_answers_total{endpoint=b,record=api.example.org.,server=dns://:53,zone=example.org.}":  "3",
		"coredns_trafficflow_answers_total{endpoint=b,record=www.example.org.,server=dns://:53,zone=example.org.}":  "1",
		"coredns_trafficflow_failopen_total{record=www.example.org.,rule=top,server=dns://:53,zone=example.org.}":   "4",
		"coredns_trafficflow_requests_total{record=api.example.org.,server=dns://:53,version=10,zone=example.org.}": "5",
		"coredns_trafficflow_requests_total{record=www.example.org.,server=dns://:53,version=1,zone=example.org.}":  "7",
		"coredns_trafficflow_requests_total{record=www.example.org.,server=dns://:53,version=2,zone=example.org.}":  "2",
		"coredns_trafficflow_record_info{canary=false,policy=api,record=api.example.org.,version=1}":                "1",
		"coredns_trafficflow_record_info{canary=false,policy=web,record=www.example.org.,version=2}":                "1",
		"coredns_trafficflow_record_info{canary=true,policy=web,record=www.example.org.,version=3}":                 "1",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d series, want %d: %v", len(got), len(want), got)
	}
}
