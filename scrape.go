package trafficflow

import (
	"cmp"
	"slices"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Series made at scrape time. A store of 100,000 records, every name
// queried, has half a million per-record series; made with
// MustNewConstMetric and sent in map order, a scrape took about 3.5 s, near
// the prometheus plugin's 5 s write timeout: a third in client_golang
// sorting the metrics of each family (in random order, comparing label
// pairs through their getters), a fifth in MustNewConstMetric (checking and
// sorting the label pairs). scrapeMetric skips both: its label names are
// fixed and in order, its values are valid UTF-8 (they come from the store,
// which JSON decoding made valid), and sendSorted sends a family's series
// in the order client_golang sorts them to, which its sort then only
// confirms.

// scrapeMetric is one series of four labels made at scrape time.
type scrapeMetric struct {
	desc *prometheus.Desc
	// family orders the metrics of several families in sendSorted.
	family uint8
	// names are the label names in sorted order; values are in the same
	// order.
	names  *[4]string
	values [4]string
	value  float64
	gauge  bool
}

// Desc implements prometheus.Metric.
func (m *scrapeMetric) Desc() *prometheus.Desc { return m.desc }

// Write implements prometheus.Metric.
func (m *scrapeMetric) Write(out *dto.Metric) error {
	var pairs [4]dto.LabelPair
	labels := make([]*dto.LabelPair, 4)
	for i := range pairs {
		pairs[i].Name, pairs[i].Value = &m.names[i], &m.values[i]
		labels[i] = &pairs[i]
	}
	out.Label = labels
	if m.gauge {
		out.Gauge = &dto.Gauge{Value: &m.value}
	} else {
		out.Counter = &dto.Counter{Value: &m.value}
	}
	return nil
}

// sendSorted sends ms, sorted as client_golang sorts a family's metrics
// (by label values, in the order of the label names), family by family,
// to ch.
func sendSorted(ch chan<- prometheus.Metric, ms []scrapeMetric) {
	slices.SortFunc(ms, func(a, b scrapeMetric) int {
		if c := cmp.Compare(a.family, b.family); c != 0 {
			return c
		}
		for i := range a.values {
			if c := cmp.Compare(a.values[i], b.values[i]); c != 0 {
				return c
			}
		}
		return 0
	})
	for i := range ms {
		ch <- &ms[i]
	}
}
