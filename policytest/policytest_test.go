package policytest

import (
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/trafficflow/trafficflow/evaluate"
	"github.com/trafficflow/trafficflow/geo"
	"github.com/trafficflow/trafficflow/policyfile"
)

const cityDB = "../testdata/geoip/GeoIP2-City-Test.mmdb"

func openDB(t *testing.T, path string) *geo.DB {
	t.Helper()
	db, err := geo.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// load loads a store given as files (path → content).
func load(t *testing.T, files map[string]string) *policyfile.Store {
	t.Helper()
	fsys := fstest.MapFS{}
	for p, content := range files {
		fsys[p] = &fstest.MapFile{Data: []byte(content)}
	}
	s, probs := policyfile.LoadFS(fsys, "store", policyfile.Options{})
	if err := probs.Err(); err != nil {
		t.Fatal(err)
	}
	return s
}

// exampleFiles returns the files of the example store.
func exampleFiles(t *testing.T) map[string]string {
	t.Helper()
	files := map[string]string{}
	fsys := os.DirFS("../examples/store")
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		files[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func lines(results []Result) string {
	var b strings.Builder
	for _, r := range results {
		b.WriteString(r.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// The example store's tests pass with MaxMind's test database, as the
// README's Corefile serves it.
func TestExampleStore(t *testing.T) {
	s := load(t, exampleFiles(t))
	if len(s.Tests) == 0 {
		t.Fatal("the example store has no tests")
	}
	results := Run(s, Options{GeoIP: openDB(t, cityDB)})
	if Failed(results) {
		t.Errorf("failures:\n%s", lines(results))
	}
	for _, r := range results {
		if len(r.Got) == 0 {
			t.Errorf("%s: no answer", r.Test.Name)
		}
	}
}

// The example store's policies under tests that fail, each saying what it
// got: a wrong value, a share off by more than a point, a value answers
// never hold, a location that needs a GeoIP database, and what a latency
// table and the bias formula change.
func TestRun(t *testing.T) {
	files := exampleFiles(t)
	files["healthstate.json"] = `{"web-secondary":"unhealthy"}`
	files["tests.json"] = `{"Tests":[
		{"Name":"exact","Record":"www.example.org","Expect":["192.0.2.1"]},
		{"Name":"wrong value","Record":"www.example.org","Expect":["192.0.2.9"]},
		{"Name":"fail-open: with both down, the primary","Record":"example.org","Health":{"web-primary":"unhealthy"},"Expect":["192.0.2.1"]},
		{"Name":"healthstate.json counts, a test overrides it","Record":"www.example.org","Health":{"web-primary":"unhealthy","web-secondary":"healthy"},"Expect":["192.0.2.2"]},
		{"Name":"within a point","Record":"weighted.example.org","ExpectShare":{"192.0.2.101":74,"192.0.2.102":26}},
		{"Name":"off by two points","Record":"weighted.example.org","ExpectShare":{"192.0.2.101":77,"192.0.2.102":23}},
		{"Name":"a value never answered","Record":"weighted.example.org","ExpectShare":{"192.0.2.101":75}},
		{"Name":"no answer wanted","Record":"weighted.example.org","Expect":[]},
		{"Name":"multivalue shares","Record":"pool.example.org","Health":{"pool-n1":"unhealthy"},"ExpectShare":{"198.51.100.12":88.9,"198.51.100.13":88.9,
			"198.51.100.14":88.9,"198.51.100.15":88.9,"198.51.100.16":88.9,"198.51.100.17":88.9,"198.51.100.18":88.9,"198.51.100.19":88.9,"198.51.100.20":88.9}},
		{"Name":"cname targets in any case","Record":"cdn.example.org","Expect":["STATIC.cdn-a.example.net.","static.cdn-b.example.net"]},
		{"Name":"placed in a subdivision","Record":"geo.example.org","Location":{"Country":"US","Subdivision":"WA"},"Expect":["192.0.2.11"]},
		{"Name":"placed at coordinates","Record":"nearest.example.org","Location":{"Latitude":48.85,"Longitude":2.35},"Expect":["198.51.100.2"]},
		{"Name":"by address","Record":"geo.example.org","ECS":"2.2.3.0/24","Expect":["192.0.2.30"]},
		{"Name":"by latency table","Record":"latency.example.org","Client":"2.2.3.4","Expect":["203.0.113.1"]},
		{"Name":"negative bias","Record":"nearest.example.org","Location":{"Latitude":-60,"Longitude":7},"Expect":["198.51.100.1"]},
		{"Name":"no location needed","Record":"www.example.org","Client":"192.0.2.200","Expect":["192.0.2.1"]}]}`
	s := load(t, files)
	table, probs := policyfile.ParseLatencyTable("latency.txt", []byte("2.2.3.0/24 us-east-1=5 eu-west-2=50\n"))
	if len(probs) != 0 {
		t.Fatal(probs)
	}

	withDB := Run(s, Options{GeoIP: openDB(t, cityDB), Latency: table})
	want := `PASS exact
FAIL wrong value: got 192.0.2.1 (100%), want 192.0.2.9
PASS fail-open: with both down, the primary
PASS healthstate.json counts, a test overrides it
PASS within a point
FAIL off by two points: got 192.0.2.101 (75%), 192.0.2.102 (25%), want 192.0.2.101 (77%), 192.0.2.102 (23%)
FAIL a value never answered: got 192.0.2.101 (75%), 192.0.2.102 (25%), want 192.0.2.101 (75%)
FAIL no answer wanted: got 192.0.2.101 (75%), 192.0.2.102 (25%), want no answer
PASS multivalue shares
PASS cname targets in any case
PASS placed in a subdivision
PASS placed at coordinates
PASS by address
PASS by latency table
PASS negative bias
PASS no location needed
`
	if got := lines(withDB); got != want {
		t.Errorf("with a GeoIP database and a latency table:\n%s\nwant:\n%s", got, want)
	}

	// Without a GeoIP database, a client given by address fails where
	// the policy needs its location (a latency table ranks regions
	// without one); the linear formula scales the negative bias less.
	noDB := Run(s, Options{Latency: table, BiasFormula: evaluate.BiasLinear})
	want = `FAIL by address: no GeoIP database to locate ECS 2.2.3.0/24, which the geo rule at policies/geo/1.json: Rules.where-is-client needs; give a GeoIP database, or a Location instead
PASS by latency table
FAIL negative bias: got 198.51.100.3 (100%), want 198.51.100.1
PASS no location needed
`
	if got := lines(pick(noDB, "by address", "by latency table", "negative bias", "no location needed")); got != want {
		t.Errorf("without a GeoIP database, linear bias:\n%s\nwant:\n%s", got, want)
	}
	r := pick(Run(s, Options{}), "by latency table")[0]
	if want := "FAIL by latency table: no GeoIP database to locate Client 2.2.3.4, which the latency rule at policies/latency/1.json: Rules.lowest-latency needs; give a GeoIP database, or a Location instead"; r.String() != want {
		t.Errorf("without a latency table: %s, want %s", r, want)
	}

	var failed []string
	for _, p := range Problems(withDB) {
		failed = append(failed, p.String())
	}
	wantProbs := []string{
		`tests.json: Tests[1]: test "wrong value" fails: got 192.0.2.1 (100%), want 192.0.2.9`,
		`tests.json: Tests[5]: test "off by two points" fails: got 192.0.2.101 (75%), 192.0.2.102 (25%), want 192.0.2.101 (77%), 192.0.2.102 (23%)`,
		`tests.json: Tests[6]: test "a value never answered" fails: got 192.0.2.101 (75%), 192.0.2.102 (25%), want 192.0.2.101 (75%)`,
		`tests.json: Tests[7]: test "no answer wanted" fails: got 192.0.2.101 (75%), 192.0.2.102 (25%), want no answer`,
	}
	if strings.Join(failed, "\n") != strings.Join(wantProbs, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(failed, "\n"), strings.Join(wantProbs, "\n"))
	}
	if !Failed(withDB) || Failed(pick(withDB, "exact")) {
		t.Error("Failed")
	}
}

// pick returns the results of the named tests, in the order named.
func pick(results []Result, names ...string) []Result {
	var out []Result
	for _, n := range names {
		for _, r := range results {
			if r.Test.Name == n {
				out = append(out, r)
			}
		}
	}
	return out
}

// A record with a canary answers from both versions, each in proportion to
// the share of clients it takes; a canary version that needs the client's
// location needs a GeoIP database for a client given by address.
func TestRunCanary(t *testing.T) {
	files := map[string]string{
		"policies/web/1.json": `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartEndpoint":"e","Endpoints":{"e":{"Type":"value","Value":"192.0.2.1"}}}`,
		"policies/web/2.json": `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"g",
			"Endpoints":{"eu":{"Type":"value","Value":"192.0.2.2"},"other":{"Type":"value","Value":"192.0.2.1"}},
			"Rules":{"g":{"RuleType":"geo","Locations":[{"Continent":"EU","EndpointReference":"eu"},{"IsDefault":true,"EndpointReference":"other"}]}}}`,
		"records.json": `{"PolicyRecords":[{"Name":"www.example.org","Policy":"web","Version":1,"TTL":60,"Canary":{"Version":2,"Percent":10}},
			{"Name":"all.example.org","Policy":"web","Version":1,"TTL":60,"Canary":{"Version":2,"Percent":100}}]}`,
		"tests.json": `{"Tests":[
			{"Name":"a tenth of Europe","Record":"www.example.org","Location":{"Country":"SE"},"ExpectShare":{"192.0.2.1":90,"192.0.2.2":10}},
			{"Name":"the rest of the world","Record":"www.example.org","Location":{"Country":"JP"},"ExpectShare":{"192.0.2.1":100}},
			{"Name":"by address","Record":"www.example.org","ECS":"2.2.3.0/24","Expect":["192.0.2.1","192.0.2.2"]},
			{"Name":"all of Europe","Record":"all.example.org","Location":{"Continent":"EU"},"Expect":["192.0.2.2"]}]}`,
	}
	s := load(t, files)
	want := `PASS a tenth of Europe
PASS the rest of the world
PASS by address
PASS all of Europe
`
	if got := lines(Run(s, Options{GeoIP: openDB(t, cityDB)})); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	r := pick(Run(s, Options{}), "by address")[0]
	if want := "FAIL by address: no GeoIP database to locate ECS 2.2.3.0/24, which the geo rule at policies/web/2.json: Rules.g needs; give a GeoIP database, or a Location instead"; r.String() != want {
		t.Errorf("without a GeoIP database: %s\nwant %s", r, want)
	}
}
