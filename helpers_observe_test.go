package trafficflow

import (
	"bytes"
	"io"
	golog "log"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Observing the plugin beside its answers: its metrics, its log and its
// goroutines.

// gatherMetric returns the series of a metric family from the default registry
// (where promauto registers), the way prometheus/testutil would (it needs a
// module that is not in go.sum).
func gatherMetric(t testing.TB, name string) []*dto.Metric {
	t.Helper()
	families, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name {
			return f.GetMetric()
		}
	}
	return nil
}

// metricLabels returns a series' labels as "name=value" pairs joined by ",",
// in label-name order.
func metricLabels(m *dto.Metric) string {
	var pairs []string
	for _, l := range m.GetLabel() {
		pairs = append(pairs, l.GetName()+"="+l.GetValue())
	}
	slices.Sort(pairs)
	return strings.Join(pairs, ",")
}

// metricValue returns the value of the series of a counter or gauge whose
// labels are exactly labels ("name=value,..." in label-name order, "" for
// none), and 0 if there is no such series.
func metricValue(t testing.TB, name, labels string) float64 {
	t.Helper()
	for _, m := range gatherMetric(t, name) {
		if metricLabels(m) != labels {
			continue
		}
		if c := m.GetCounter(); c != nil {
			return c.GetValue()
		}
		return m.GetGauge().GetValue() // 0 for neither
	}
	return 0
}

// reloadCount returns reloads_total for a result (success or failure).
func reloadCount(t testing.TB, result string) float64 {
	t.Helper()
	return metricValue(t, reloadsMetric, "result="+result)
}

// syncBuffer is a bytes.Buffer safe for concurrent writers (the log).
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// captureLog sends CoreDNS's log to a buffer until the test ends.
func captureLog(t testing.TB) *syncBuffer {
	t.Helper()
	buf := &syncBuffer{}
	golog.SetOutput(buf)
	t.Cleanup(func() { golog.SetOutput(io.Discard) })
	return buf
}

// stacks returns the stacks of every goroutine.
func stacks() string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return string(buf[:n])
		}
		buf = make([]byte, 2*len(buf))
	}
}

// stacksWith returns the goroutine stacks of dump (a stacks() result)
// that contain any of frags.
func stacksWith(dump string, frags ...string) []string {
	var out []string
	for _, g := range strings.Split(dump, "\n\n") {
		for _, f := range frags {
			if strings.Contains(g, f) {
				out = append(out, g)
				break
			}
		}
	}
	return out
}
