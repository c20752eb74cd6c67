package editor

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	clog "github.com/coredns/coredns/plugin/pkg/log"
)

// weightedDoc is a valid document: a weighted rule over two endpoints.
const weightedDoc = `{"AWSPolicyFormatVersion": "2015-10-01", "RecordType": "A", "StartRule": "split",
  "Endpoints": {"a": {"Type": "value", "Value": "192.0.2.1"}, "b": {"Type": "value", "Value": "192.0.2.2"}},
  "Rules": {"split": {"RuleType": "weighted", "Items": [
    {"EndpointReference": "a", "Weight": 3}, {"EndpointReference": "b", "Weight": 1, "HealthCheck": "web-primary"}]}}}`

func TestMain(m *testing.M) {
	clog.Discard() // the explainer's store loads
	code := m.Run()
	closeBrowser()
	os.Exit(code)
}

type errorBody struct {
	Error    string        `json:"error"`
	Problems []problemJSON `json:"problems"`
}

func TestStore(t *testing.T) {
	srv, _ := newTestServer(t, Config{})
	status, h, body := call(t, srv, "GET", "/api/store", nil)
	if status != 200 {
		t.Fatalf("GET /api/store: %d %s", status, body)
	}
	for _, name := range []string{"Content-Security-Policy", "X-Content-Type-Options"} {
		if h.Get(name) == "" {
			t.Errorf("no %s header", name)
		}
	}
	st := decode[storeJSON](t, body)
	if !st.Valid || len(st.Policies) != 8 || len(st.Records) != 8 || len(st.Aliases) != 2 || len(st.HealthChecks) == 0 {
		t.Fatalf("store: valid %v, %d policies, %d records, %d aliases, %d checks", st.Valid, len(st.Policies), len(st.Records), len(st.Aliases), len(st.HealthChecks))
	}
	var web policyJSON
	for _, p := range st.Policies {
		if p.Name == "web" {
			web = p
		}
	}
	if len(web.Versions) != 2 || web.Versions[0].Type != "A" || strings.Join(web.Versions[0].Records, ",") != "www.example.org.,example.org." ||
		web.Versions[0].Deletable || !web.Versions[1].Deletable {
		t.Errorf("policy web: %+v", web)
	}
}

// GET /api/store carries the store content's ETag; asked again with it,
// it answers 304 until the store changes on disk, then 200 with the new
// content and ETag (the page polls this way).
func TestStoreETag(t *testing.T) {
	srv, dir := newTestServer(t, Config{})
	status, h, _ := call(t, srv, "GET", "/api/store", nil)
	etag := h.Get("ETag")
	if status != 200 || !strings.HasPrefix(etag, `"`) {
		t.Fatalf("GET /api/store: %d, ETag %q", status, etag)
	}
	if status, h, body := call(t, srv, "GET", "/api/store", nil, "If-None-Match: "+etag); status != 304 || h.Get("ETag") != etag || len(body) != 0 {
		t.Fatalf("unchanged store with If-None-Match: %d, ETag %q, %d bytes", status, h.Get("ETag"), len(body))
	}
	if status, _, _ := call(t, srv, "GET", "/api/store", nil, `If-None-Match: "other"`); status != 200 {
		t.Fatalf("another ETag: %d", status)
	}
	data, err := os.ReadFile(filepath.Join(dir, "policies/web/2.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "policies/web/3.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	status, h, body := call(t, srv, "GET", "/api/store", nil, "If-None-Match: "+etag)
	if status != 200 || h.Get("ETag") == etag || h.Get("ETag") == "" {
		t.Fatalf("changed store with the old ETag: %d, ETag %q (was %q)", status, h.Get("ETag"), etag)
	}
	if st := decode[storeJSON](t, body); !strings.Contains(st.Summary, "11 versions") {
		t.Errorf("after adding web v3: %s", st.Summary)
	}
}

func TestGetVersion(t *testing.T) {
	srv, _ := newTestServer(t, Config{})
	for _, c := range []struct {
		path, want string
	}{
		{"/api/policies/geo/1", `"StartRule":"where-is-client"`},
		{"/api/policies/tree/2", `"AWSPolicyFormatVersion"`}, // in a list-traffic-policy-versions file
		{"/api/policies/cdn/1", `"RecordType"`},              // YAML
	} {
		status, _, body := call(t, srv, "GET", c.path, nil)
		if status != 200 {
			t.Fatalf("GET %s: %d %s", c.path, status, body)
		}
		v := decode[struct{ Document json.RawMessage }](t, body)
		compact := strings.ReplaceAll(strings.ReplaceAll(string(v.Document), " ", ""), "\n", "")
		if !strings.Contains(compact, strings.ReplaceAll(c.want, " ", "")) {
			t.Errorf("GET %s: %s", c.path, body)
		}
	}
	for path, want := range map[string]int{
		"/api/policies/geo/9":           404,
		"/api/policies/nope/1":          404,
		"/api/policies/geo/0":           400,
		"/api/policies/geo/01":          400,
		"/api/policies/geo/1001":        400,
		"/api/policies/..%2Fsecret/1":   400,
		"/api/policies/.hidden/1":       400,
		"/api/policies/a%5Cb/1":         400,
		"/api/nothing":                  404,
		"/api/policies/geo/1/something": 404,
	} {
		if status, _, body := call(t, srv, "GET", path, nil); status != want {
			t.Errorf("GET %s: %d, want %d: %s", path, status, want, body)
		}
	}
}

func TestValidate(t *testing.T) {
	srv, _ := newTestServer(t, Config{})
	status, _, body := call(t, srv, "POST", "/api/validate", weightedDoc)
	v := decode[struct {
		Valid    bool
		Problems []problemJSON
		Graph    struct{ Nodes []struct{ ID string } }
	}](t, body)
	if status != 200 || !v.Valid || len(v.Graph.Nodes) != 4 || len(v.Problems) != 0 {
		t.Errorf("a valid document: %d %s", status, body)
	}
	bad := strings.Replace(weightedDoc, `"Weight": 3`, `"Weight": 256`, 1)
	bad = strings.Replace(bad, `"web-primary"`, `"nowhere"`, 1)
	_, _, body = call(t, srv, "POST", "/api/validate", bad)
	v = decode[struct {
		Valid    bool
		Problems []problemJSON
		Graph    struct{ Nodes []struct{ ID string } }
	}](t, body)
	if v.Valid || len(v.Problems) != 1 || v.Problems[0].Path != "Rules.split.Items[0].Weight" || v.Problems[0].Severity != "error" {
		t.Errorf("an invalid document: %s", body)
	}
	_, _, body = call(t, srv, "POST", "/api/validate", strings.Replace(weightedDoc, `"web-primary"`, `"nowhere"`, 1))
	if !strings.Contains(string(body), `"path": "Rules.split.Items[1].HealthCheck"`) || !strings.Contains(string(body), `"severity": "warning"`) {
		t.Errorf("an undefined health check: %s", body)
	}
}

func TestPostVersion(t *testing.T) {
	srv, dir := newTestServer(t, Config{})
	body := `{"Comment": "three to one", "Document": ` + weightedDoc + `}`
	status, _, resp := call(t, srv, "POST", "/api/policies/split/versions", body)
	if status != 201 {
		t.Fatalf("POST: %d %s", status, resp)
	}
	if v := decode[struct{ Version int }](t, resp); v.Version != 2 {
		t.Errorf("version %d, want 2", v.Version)
	}
	if data, err := os.ReadFile(filepath.Join(dir, "policies/split/2.json")); err != nil || string(data) != body {
		t.Errorf("policies/split/2.json: %q, %v; want what was sent", data, err)
	}
	// A new policy, and the version after it.
	for want := 1; want <= 2; want++ {
		status, _, resp = call(t, srv, "POST", "/api/policies/brand-new/versions", body)
		if v := decode[struct{ Version int }](t, resp); status != 201 || v.Version != want {
			t.Errorf("new policy: %d %s, want version %d", status, resp, want)
		}
	}
	_, _, resp = call(t, srv, "GET", "/api/store", nil)
	if st := decode[storeJSON](t, resp); !st.Valid || len(st.Policies) != 9 {
		t.Errorf("after saving: valid %v, %d policies: %s", st.Valid, len(st.Policies), st.Problems)
	}

	// Nothing is written when a call fails.
	before := snapshotDir(t, dir)
	for _, c := range []struct {
		path, body string
		status     int
		want       string
	}{
		{"/api/policies/split/versions", `{"Document": ` + strings.Replace(weightedDoc, `"Weight": 3`, `"Weight": 256`, 1) + `}`, 422, "Document.Rules.split.Items[0].Weight"},
		{"/api/policies/split/versions", `{"Document": ` + strings.Replace(weightedDoc, `"web-primary"`, `"nowhere"`, 1) + `}`, 201, ""}, // no record uses it
		{"/api/policies/split/versions", `{"Comment": {}, "Document": ` + weightedDoc + `}`, 422, `"path": "Comment"`},
		{"/api/policies/split/versions", weightedDoc, 400, "Comment"},
		{"/api/policies/split/versions", `{"Document": "not an object"}`, 422, "object"},
		{"/api/policies/split/versions", `{"Document": ` + weightedDoc, 400, "not JSON"},
		{"/api/policies/..%2F..%2Fetc/versions", body, 400, "path separator"},
		{"/api/policies/..%5Cx/versions", body, 400, "path separator"},
		{"/api/policies/.git/versions", body, 400, `starts with \".\"`},
		{"/api/policies/a%00b/versions", body, 400, "control"},
	} {
		status, _, resp := call(t, srv, "POST", c.path, c.body)
		if status == 201 {
			os.Remove(filepath.Join(dir, "policies/split/3.json"))
		}
		if status != c.status || !strings.Contains(string(resp), c.want) {
			t.Errorf("POST %s %.60s: %d %s, want %d with %q", c.path, c.body, status, resp, c.status, c.want)
		}
	}
	unchanged(t, dir, before)

	// A write that fails on disk (policies/blocked is a file, not a
	// directory) leaves the store as it was.
	os.WriteFile(filepath.Join(dir, "policies/blocked"), []byte("x"), 0o644)
	before = snapshotDir(t, dir)
	if status, _, resp := call(t, srv, "POST", "/api/policies/blocked/versions", body); status != 500 || !strings.Contains(string(resp), "writing policies/blocked/1.json") {
		t.Errorf("a failed write: %d %s", status, resp)
	}
	unchanged(t, dir, before)
}

func TestDeleteVersion(t *testing.T) {
	srv, dir := newTestServer(t, Config{})
	before := snapshotDir(t, dir)
	for path, want := range map[string]int{
		"/api/policies/web/1":  409, // in use
		"/api/policies/tree/1": 409, // in a file with other versions
		"/api/policies/web/7":  404,
	} {
		if status, _, body := call(t, srv, "DELETE", path, nil); status != want {
			t.Errorf("DELETE %s: %d %s, want %d", path, status, body, want)
		}
	}
	unchanged(t, dir, before)
	// A canary uses a version too.
	records := filepath.Join(dir, "records.json")
	data, _ := os.ReadFile(records)
	canary := strings.Replace(string(data), `"Version": 1, "TTL": 60 },`, `"Version": 1, "TTL": 60, "Canary": {"Version": 2, "Percent": 10} },`, 1)
	os.WriteFile(records, []byte(canary), 0o644)
	_, _, body := call(t, srv, "GET", "/api/store", nil)
	if !strings.Contains(string(body), `"www.example.org. (canary 10%)"`) {
		t.Errorf("the store does not show the canary's use of web v2: %s", body)
	}
	if status, _, body := call(t, srv, "DELETE", "/api/policies/web/2", nil); status != 409 || !strings.Contains(string(body), "www.example.org.") {
		t.Errorf("DELETE a canary's version: %d %s", status, body)
	}
	os.WriteFile(records, data, 0o644)
	if status, _, body := call(t, srv, "DELETE", "/api/policies/web/2", nil); status != 200 {
		t.Fatalf("DELETE web/2: %d %s", status, body)
	}
	if _, err := os.Stat(filepath.Join(dir, "policies/web/2.json")); !os.IsNotExist(err) {
		t.Errorf("policies/web/2.json is still there: %v", err)
	}
}

func TestRecords(t *testing.T) {
	srv, dir := newTestServer(t, Config{})
	status, h, body := call(t, srv, "GET", "/api/records", nil)
	tag := h.Get("ETag")
	onDisk, _ := os.ReadFile(filepath.Join(dir, "records.json"))
	if status != 200 || tag == "" || string(body) != string(onDisk) {
		t.Fatalf("GET /api/records: %d, ETag %q, %s", status, tag, body)
	}
	changed := strings.Replace(string(body), `"Policy": "web",     "Version": 1`, `"Policy": "web",     "Version": 2`, 1)
	if changed == string(body) {
		t.Fatal("the example records.json changed shape")
	}

	before := snapshotDir(t, dir)
	for _, c := range []struct {
		body    string
		headers []string
		status  int
		want    string
	}{
		{changed, nil, 428, "If-Match"},
		{changed, []string{`If-Match: "0000"`}, 412, "changed since you read it"},
		{strings.Replace(changed, `"Version": 2`, `"Version": 9`, 1), []string{"If-Match: " + tag}, 422, "PolicyRecords[0].Version"},
		{"[1, 2]", []string{"If-Match: " + tag}, 400, "object"},
		{"{", []string{"If-Match: " + tag}, 400, "not JSON"},
	} {
		status, _, resp := call(t, srv, "PUT", "/api/records", c.body, c.headers...)
		if status != c.status || !strings.Contains(string(resp), c.want) {
			t.Errorf("PUT %v: %d %s, want %d with %q", c.headers, status, resp, c.status, c.want)
		}
	}
	unchanged(t, dir, before)

	// Records that make a policy test of the store fail are refused, as
	// the servers would refuse the store.
	if status, _, resp := call(t, srv, "POST", "/api/policies/split/versions", `{"Document": `+weightedDoc+`}`); status != 201 {
		t.Fatalf("saving split v2: %d %s", status, resp)
	}
	broken := strings.Replace(string(body), `"Policy": "split",   "Version": 1`, `"Policy": "split",   "Version": 2`, 1)
	before = snapshotDir(t, dir)
	if status, _, resp := call(t, srv, "PUT", "/api/records", broken, "If-Match: "+tag); status != 422 ||
		!strings.Contains(string(resp), `test \"blue/green split 3:1\" fails`) {
		t.Errorf("binding weighted.example.org. to a version that fails its test: %d %s", status, resp)
	}
	unchanged(t, dir, before)

	status, h, resp := call(t, srv, "PUT", "/api/records", changed, "If-Match: "+tag)
	if status != 200 || h.Get("ETag") == tag || h.Get("ETag") == "" {
		t.Fatalf("PUT: %d %s, ETag %q", status, resp, h.Get("ETag"))
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "records.json")); string(data) != changed {
		t.Errorf("records.json is %s, want what was sent", data)
	}
	// The old ETag is stale now; so is the new one once the file changes on disk.
	if status, _, _ := call(t, srv, "PUT", "/api/records", string(body), "If-Match: "+tag); status != 412 {
		t.Errorf("PUT with a stale ETag: %d", status)
	}
	os.WriteFile(filepath.Join(dir, "records.json"), []byte(changed+"\n"), 0o644)
	if status, _, _ := call(t, srv, "PUT", "/api/records", string(body), "If-Match: "+h.Get("ETag")); status != 412 {
		t.Errorf("PUT after a change on disk: %d", status)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 4 {
		t.Errorf("the store holds %d entries, want 4 (no temporary files left)", len(entries))
	}
}

func TestExplain(t *testing.T) {
	srv, _ := newTestServer(t, Config{GeoIP: geoipTest})
	geoDoc, _ := os.ReadFile(filepath.Join(exampleStore, "policies/geo/1.json"))
	for _, c := range []struct {
		body string
		want string
	}{
		{`{"Record": "geo.example.org.", "ECS": "2.2.3.0/24"}`, "192.0.2.30"},
		{`{"Record": "geo.example.org", "Client": "2.2.3.1"}`, "192.0.2.30"},
		{`{"Record": "app.example.org.", "Location": {"Country": "SE"}, "Seed": 3}`, "203.0.113.10"},
		{`{"Record": "geo.example.org.", "Location": {"Country": "US", "Subdivision": "CA"}}`, "192.0.2.10"},
		{`{"Record": "nearest.example.org.", "Location": {"Latitude": -33, "Longitude": 151}}`, "198.51.100.3"},
		{`{"Record": "www.example.org.", "Health": {"web-primary": false}}`, "192.0.2.2"},
		{`{"Document": ` + string(geoDoc) + `, "Location": {"Country": "GB"}}`, "simulated.invalid. 60 IN A 192.0.2.30"},
		{`{"Document": ` + weightedDoc + `, "TTL": 5, "Health": {"web-primary": false}}`, "simulated.invalid. 5 IN A 192.0.2.1"},
	} {
		status, _, body := call(t, srv, "POST", "/api/explain", c.body)
		if status != 200 {
			t.Errorf("%s: %d %s", c.body, status, body)
			continue
		}
		ex := decode[struct {
			Answer struct{ Records []string }
			Links  []struct{ Steps []struct{ Chosen int } }
		}](t, body)
		if got := strings.Join(ex.Answer.Records, "; "); !strings.Contains(got, c.want) || len(ex.Links) == 0 {
			t.Errorf("%.80s: answers %q, want %q", c.body, got, c.want)
		}
	}
	for body, want := range map[string]int{
		`{"Record": "nowhere.example.org."}`:                                       404,
		`{"Record": "geo.example.org.", "ECS": "2.2.3.0/24", "Client": "1.2.3.4"}`: 400,
		`{"Record": "geo.example.org.", "ECS": "x"}`:                               400,
		`{}`:                                400,
		`{"Document": {"RecordType": "A"}}`: 422,
		`{"Record": "geo.example.org.", "Location": {"Latitude": 100, "Longitude": 0}}`: 400,
	} {
		if status, _, resp := call(t, srv, "POST", "/api/explain", body); status != want {
			t.Errorf("%s: %d %s, want %d", body, status, resp, want)
		}
	}
}

// mustServer is an editor on a copy of the example store.
func mustServer(t *testing.T, cfg Config) *httptest.Server {
	srv, _ := newTestServer(t, cfg)
	return srv
}

// A check that healthstate.json forces says so in GET /api/store.
func TestStoreForced(t *testing.T) {
	srv, dir := newTestServer(t, Config{})
	if err := os.WriteFile(filepath.Join(dir, "healthstate.json"), []byte(`{"web-primary": "unhealthy"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, body := call(t, srv, "GET", "/api/store", nil)
	forced := map[string]string{}
	for _, c := range decode[storeJSON](t, body).HealthChecks {
		forced[c.ID] = c.Forced
	}
	if len(forced) < 2 || forced["web-primary"] != "unhealthy" || forced["web-secondary"] != "" {
		t.Errorf("forced states: %v", forced)
	}
}

// --health-from reads the live states from a server's /metrics.
func TestHealthFrom(t *testing.T) {
	var asked atomic.Value
	metrics := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Store(r.URL.Query()["name[]"])
		fmt.Fprint(w, "# TYPE coredns_trafficflow_healthcheck_status gauge\n"+
			`coredns_trafficflow_healthcheck_status{check="web-primary"} 0`+"\n"+
			`coredns_trafficflow_healthcheck_status{check="web-secondary"} 1`+"\n")
	}))
	defer metrics.Close()
	srv, _ := newTestServer(t, Config{HealthFrom: metrics.URL})
	_, _, body := call(t, srv, "POST", "/api/explain", `{"Record": "www.example.org."}`)
	if !strings.Contains(string(body), "192.0.2.2") {
		t.Errorf("with web-primary down on the server: %s", body)
	}
	_, _, body = call(t, srv, "POST", "/api/explain", `{"Record": "www.example.org.", "Health": {"web-primary": true}}`)
	if !strings.Contains(string(body), "192.0.2.1") {
		t.Errorf("with web-primary forced up: %s", body)
	}
	// It asks for the health family alone.
	if got, _ := asked.Load().([]string); len(got) != 1 || got[0] != "coredns_trafficflow_healthcheck_status" {
		t.Errorf("name[] asked for %q", got)
	}
	for raw, want := range map[string]string{
		"http://127.0.0.1:9153/metrics":               "http://127.0.0.1:9153/metrics?name%5B%5D=coredns_trafficflow_healthcheck_status",
		"http://127.0.0.1:9153/metrics?x=1":           "http://127.0.0.1:9153/metrics?name%5B%5D=coredns_trafficflow_healthcheck_status&x=1",
		"http://127.0.0.1:9153/metrics?name[]=up&a=b": "http://127.0.0.1:9153/metrics?name[]=up&a=b",
	} {
		if got := healthURL(raw); got != want {
			t.Errorf("healthURL(%s) = %s, want %s", raw, got, want)
		}
	}
	// The page's sidebar reads the same states.
	status, _, body := call(t, srv, "GET", "/api/health", nil)
	if h := decode[struct{ States map[string]bool }](t, body); status != 200 || len(h.States) != 2 || h.States["web-primary"] || !h.States["web-secondary"] {
		t.Errorf("GET /api/health: %d %s", status, body)
	}
	if status, _, body := call(t, mustServer(t, Config{}), "GET", "/api/health", nil); status != 404 || !strings.Contains(string(body), "--health-from") {
		t.Errorf("GET /api/health without --health-from: %d %s", status, body)
	}
	if status, _, body := call(t, mustServer(t, Config{HealthFrom: "http://127.0.0.1:1/metrics"}), "GET", "/api/health", nil); status != 502 {
		t.Errorf("GET /api/health from a server that does not answer: %d %s", status, body)
	}
	if got, ok := checkLabel(`server="dns://:53",check="a\"b"`); !ok || got != `a"b` {
		t.Errorf("checkLabel: %q %v", got, ok)
	}
}

func TestMap(t *testing.T) {
	srv, _ := newTestServer(t, Config{})
	geoDoc, _ := os.ReadFile(filepath.Join(exampleStore, "policies/geo/1.json"))
	_, _, body := call(t, srv, "POST", "/api/map", `{"Document": `+string(geoDoc)+`}`)
	m := decode[mapJSON](t, body)
	uk := -1
	for i, e := range m.Endpoints {
		if e == "uk" {
			uk = i
		}
	}
	if m.Countries["GB"][uk] != 1 || len(m.States) != 51 || m.Grid != nil {
		t.Errorf("geo map: GB %v, %d states, grid %v", m.Countries["GB"], len(m.States), m.Grid != nil)
	}

	nearest, _ := os.ReadFile(filepath.Join(exampleStore, "policies/nearest/1.json"))
	_, _, body = call(t, srv, "POST", "/api/map", `{"Document": `+string(nearest)+`}`)
	m = decode[mapJSON](t, body)
	if m.Grid == nil || len(m.Grid.Cells) != 90*180 || len(m.Sites) != 4 || m.Countries != nil {
		t.Fatalf("geoproximity map: %+v", m.Sites)
	}
	// London's cell goes to Frankfurt; with a big bias for Virginia, to Virginia.
	london := func(m mapJSON) string { return m.Endpoints[m.Grid.Cells[(51+90)/2*m.Grid.Cols+(0+180)/2]] }
	if got := london(m); got != "frankfurt" {
		t.Errorf("London reaches %s", got)
	}
	biased := strings.Replace(string(nearest), `"Bias": 25`, `"Bias": 99`, 1)
	_, _, body = call(t, srv, "POST", "/api/map", `{"Document": `+biased+`}`)
	if got := london(decode[mapJSON](t, body)); got != "virginia" {
		t.Errorf("with bias 99 for Virginia, London reaches %s", got)
	}
	if status, _, _ := call(t, srv, "POST", "/api/map", `{"Document": {}}`); status != 422 {
		t.Errorf("an invalid document's map: %d", status)
	}
}

func TestSecurity(t *testing.T) {
	srv, dir := newTestServer(t, Config{Token: "0123456789abcdef-token"})
	before := snapshotDir(t, dir)
	auth := "Authorization: Bearer 0123456789abcdef-token"
	body := `{"Document": ` + weightedDoc + `}`
	for _, c := range []struct {
		method, path, body string
		headers            []string
		status             int
	}{
		{"GET", "/api/store", "", nil, 401},
		{"GET", "/api/store", "", []string{"Authorization: Bearer wrong"}, 401},
		{"GET", "/api/store", "", []string{auth}, 200},
		{"POST", "/api/policies/split/versions", body, nil, 401},
		{"POST", "/api/policies/split/versions", body, []string{auth, "Origin: https://evil.example"}, 403},
		{"POST", "/api/policies/split/versions", body, []string{auth, "Sec-Fetch-Site: cross-site"}, 403},
		{"POST", "/api/policies/split/versions", body, []string{auth, "Content-Type: text/plain"}, 415},
		{"POST", "/api/policies/split/versions", `{"Document": "` + strings.Repeat("x", maxBody) + `"}`, []string{auth}, 413},
		{"PUT", "/api/records", "{}", []string{auth, "If-Match: x", "Sec-Fetch-Site: same-site"}, 403},
		{"DELETE", "/api/policies/web/2", "", []string{auth, "Sec-Fetch-Site: cross-site"}, 403},
		{"POST", "/api/validate", weightedDoc, []string{auth, "Sec-Fetch-Site: same-origin"}, 200},
	} {
		var b any
		if c.body != "" {
			b = c.body
		}
		status, _, resp := call(t, srv, c.method, c.path, b, c.headers...)
		if status != c.status {
			t.Errorf("%s %s %v: %d %.200s, want %d", c.method, c.path, c.headers, status, resp, c.status)
		}
		if status >= 400 && !strings.HasPrefix(string(resp), "{\n  \"error\": ") {
			t.Errorf("%s %s: the error is not JSON: %s", c.method, c.path, resp)
		}
	}
	unchanged(t, dir, before)
	// Without a token, a request must name the editor by a loopback address.
	open, _ := newTestServer(t, Config{})
	for host, want := range map[string]int{"localhost:8053": 200, "127.0.0.1": 200, "[::1]:8053": 200, "evil.example:8053": 403, "10.0.0.1:8053": 403} {
		if status, _, body := call(t, open, "GET", "/api/store", nil, "Host: "+host); status != want {
			t.Errorf("GET /api/store with Host %s: %d %.100s, want %d", host, status, body, want)
		}
	}
	// The page itself needs no token; it has no data.
	status, h, _ := call(t, srv, "GET", "/", nil)
	if status != 200 || !strings.Contains(h.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Errorf("GET /: %d, CSP %q", status, h.Get("Content-Security-Policy"))
	}
}

// createFile never replaces a file, and leaves no temporary file behind.
func TestCreateFileNeverReplaces(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "1.json")
	if err := createFile(name, []byte("first")); err != nil {
		t.Fatal(err)
	}
	if err := createFile(name, []byte("second")); !errors.Is(err, fs.ErrExist) {
		t.Errorf("a second createFile: %v, want fs.ErrExist", err)
	}
	if err := createFile(filepath.Join(dir, "missing", "sub", "1.json"), nil); err != nil {
		t.Errorf("createFile in a new directory: %v", err)
	}
	if data, _ := os.ReadFile(name); string(data) != "first" {
		t.Errorf("the file holds %q", data)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("%d entries, want 2 (no temporary file)", len(entries))
	}
}

func TestGeodata(t *testing.T) {
	srv, _ := newTestServer(t, Config{})
	status, _, body := call(t, srv, "GET", "/api/geodata", nil)
	g := decode[struct {
		Continents  map[string]string
		Countries   map[string]string
		UsStates    []string
		Regions     []string
		RecordTypes []string
	}](t, body)
	if status != 200 || g.Countries["GB"] != "EU" || g.Countries["TR"] != "EU" || len(g.UsStates) != 51 || len(g.Continents) != 7 ||
		!slices.Contains(g.Regions, "eu-west-2") || !slices.Contains(g.RecordTypes, "CNAME") {
		t.Errorf("GET /api/geodata: %d %.300s", status, body)
	}
}

// A store without records.json: GET gives an empty one, and PUT with its
// ETag creates the file.
func TestRecordsCreated(t *testing.T) {
	dir := t.TempDir()
	srv, _ := newTestServer(t, Config{Dir: dir})
	status, h, body := call(t, srv, "GET", "/api/records", nil)
	if status != 200 || !strings.Contains(string(body), `"PolicyRecords": []`) {
		t.Fatalf("GET /api/records: %d %s", status, body)
	}
	if status, _, body := call(t, srv, "PUT", "/api/records", `{"Aliases": []}`, "If-Match: "+h.Get("ETag")); status != 200 {
		t.Fatalf("PUT: %d %s", status, body)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "records.json")); string(data) != `{"Aliases": []}` {
		t.Errorf("records.json: %q", data)
	}
	// A draft simulates in a store without records.
	if status, _, body := call(t, srv, "POST", "/api/explain", `{"Document": `+weightedDoc+`}`); status != 200 || !strings.Contains(string(body), "simulated.invalid.") {
		t.Errorf("a draft in an empty store: %d %s", status, body)
	}
	// A health endpoint that does not answer is an error a person can act on.
	srv, _ = newTestServer(t, Config{HealthFrom: "http://127.0.0.1:1/metrics"})
	if status, _, body := call(t, srv, "POST", "/api/explain", `{"Record": "www.example.org."}`); status != 502 || !strings.Contains(string(body), "--health-from") {
		t.Errorf("explain with --health-from unreachable: %d %s", status, body)
	}
}
