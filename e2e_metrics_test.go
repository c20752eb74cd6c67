package trafficflow

import (
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// scrape returns the lines of /metrics that name a trafficflow per-record
// series.
func scrape(t testing.TB, addr string) []string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		for _, m := range []string{"requests_total{", "answers_total{", "failopen_total{", "record_info{"} {
			if strings.HasPrefix(l, "coredns_trafficflow_"+m) {
				out = append(out, l)
			}
		}
	}
	return out
}

func hasSeries(lines []string, parts ...string) bool {
	for _, l := range lines {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(l, p)
		}
		if ok {
			return true
		}
	}
	return false
}

// The per-record metrics as a Prometheus server sees them: after queries,
// a fail-open and a reload that removes a record (whose series go).
func TestE2EMetrics(t *testing.T) {
	files := map[string]string{
		"policies/web/1.json": switchPolicy("192.0.2.1", "192.0.2.2"),
		"policies/one/1.json": valuePolicy("A", "192.0.2.9"),
		"healthchecks.json":   reloadChecks,
		"healthstate.json":    `{"hp":"unhealthy","hs":"unhealthy"}`,
		"records.json": `{"PolicyRecords":[{"Name":"www.example.org","Policy":"web","Version":1,"TTL":60},
			{"Name":"gone.example.org","Policy":"one","Version":1,"TTL":60}]}`,
	}
	dir := writeFiles(t, files)
	metrics := freePort(t)
	_, addr := startServer(t, "example.org:0 {\nbind 127.0.0.1\nprometheus "+metrics+"\ntrafficflow "+dir+" {\nreload 0s\n}\n}")
	for range 3 {
		exchange(t, addr, "www.example.org.", dns.TypeA, "")
	}
	exchange(t, addr, "gone.example.org.", dns.TypeA, "")
	lines := scrape(t, metrics)
	for _, want := range [][]string{
		{`requests_total{record="www.example.org.",server="dns://127.0.0.1:`, `version="1",zone="example.org."} 3`},
		{`answers_total{endpoint="primary",record="www.example.org.",server="dns://127.0.0.1:`, `zone="example.org."} 3`},
		{`failopen_total{record="www.example.org.",rule="switch",server="dns://127.0.0.1:`, `zone="example.org."} 3`},
		{`requests_total{record="gone.example.org."`, `} 1`},
		{`answers_total{endpoint="e",record="gone.example.org."`, `} 1`},
		{`record_info{canary="false",policy="one",record="gone.example.org.",version="1"} 1`},
	} {
		if !hasSeries(lines, want...) {
			t.Errorf("no series %q in:\n%s", want, strings.Join(lines, "\n"))
		}
	}
	// A scrape that names a family gets that family alone (client_golang's
	// name[] filter, which trafficflow editor --health-from uses).
	resp, err := http.Get("http://" + metrics + "/metrics?name[]=coredns_trafficflow_healthcheck_status")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(strings.TrimSpace(string(body)), "\n") {
		if !strings.HasPrefix(l, "coredns_trafficflow_healthcheck_status{") && !strings.HasPrefix(l, "# ") {
			t.Errorf("/metrics?name[]=coredns_trafficflow_healthcheck_status has %q", l)
		}
	}
	if !strings.Contains(string(body), `coredns_trafficflow_healthcheck_status{check="hp"} 0`) {
		t.Errorf("/metrics?name[]=coredns_trafficflow_healthcheck_status:\n%s", body)
	}
	// A reload drops gone.example.org: its series go, www's stay.
	renameOver(t, filepath.Join(dir, "records.json"), `{"PolicyRecords":[{"Name":"www.example.org","Policy":"web","Version":1,"TTL":60}]}`)
	deadline := time.Now().Add(10 * time.Second)
	for hasSeries(scrape(t, metrics), `record="gone.example.org."`) {
		if time.Now().After(deadline) {
			t.Fatalf("the series of a removed record are still there:\n%s", strings.Join(scrape(t, metrics), "\n"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if lines := scrape(t, metrics); !hasSeries(lines, `requests_total{record="www.example.org."`) || !hasSeries(lines, `record_info{canary="false",policy="web"`) {
		t.Errorf("www's series went with gone's:\n%s", strings.Join(lines, "\n"))
	}
}
