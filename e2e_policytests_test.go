package trafficflow

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// Policy tests (tests.json) through a real CoreDNS server: every load runs
// them with the server's own GeoIP database and latency table, a store
// whose tests fail is rejected like an invalid one (the last good store
// keeps serving), and at setup it stops CoreDNS from starting.

// policyTestsStore is reloadStore with a geo record (GB → 192.0.2.30) and
// a latency record whose latency table prefers us-east-1 (192.0.2.1) for
// 2.2.3.0/24 where distance would choose eu-west-1, and the tests given.
func policyTestsStore(tests string) map[string]string {
	return storeWith(reloadStore(), map[string]string{
		"policies/geo/1.json": reloadGeoPolicy,
		"policies/lat/1.json": latencyPolicy,
		"records.json": recordsFile(prec{"www.example.org.", "web", 1}, prec{"sw.example.org.", "sw", 1},
			prec{"geo.example.org.", "geo", 1}, prec{"lat.example.org.", "lat", 1}),
		"tests.json": tests,
	})
}

// wwwTests are tests that www.example.org answers want, and that the
// GeoIP database, the latency table and the forced health states count.
func wwwTests(want string) string {
	return `{"Tests":[
		{"Name":"www answers ` + want + `","Record":"www.example.org","Expect":["` + want + `"]},
		{"Name":"sw fails over","Record":"sw.example.org","Health":{"hp":"unhealthy"},"Expect":["192.0.2.12"]},
		{"Name":"British clients","Record":"geo.example.org","ECS":"2.2.3.0/24","Expect":["192.0.2.30"]},
		{"Name":"measured latency","Record":"lat.example.org","Client":"2.2.3.4","Expect":["192.0.2.1"]}]}`
}

func policyTestsCorefile(t *testing.T, dir string) string {
	table := filepath.Join(t.TempDir(), "latency.txt")
	mustWriteFile(t, table, "2.2.3.0/24 us-east-1=5 eu-west-1=50\n")
	return fmt.Sprintf("example.org:0 {\n bind 127.0.0.1\n trafficflow %s {\n  geoip %s\n  latency_table %s\n  reload 0s\n }\n}\n",
		dir, testdataPath(t, "geoip/GeoIP2-City-Test.mmdb"), table)
}

// A reload whose tests fail is rejected: the old answers keep being
// served, reloads_total{result="failure"} counts it, and the log names
// each failing test with what it got. A fixed store is then served.
func TestPolicyTestsReload(t *testing.T) {
	log := captureLog(t)
	dir := writeFiles(t, policyTestsStore(wwwTests("192.0.2.1")))
	_, addr := startServer(t, policyTestsCorefile(t, dir))
	waitServed(t, addr, "www.example.org.", "192.0.2.1")
	if !strings.Contains(log.String(), "[INFO] plugin/trafficflow: loaded policy store "+dir+": ") ||
		!strings.Contains(log.String(), "; 4 policy tests passed") {
		t.Errorf("the log does not say the tests passed:\n%s", log.String())
	}

	// Version 2 answers 192.0.2.2, which the tests do not expect.
	success, failure := reloadCount(t, "success"), reloadCount(t, "failure")
	logged := len(log.String())
	renameOver(t, filepath.Join(dir, "records.json"), recordsFile(prec{"www.example.org.", "web", 2}, prec{"sw.example.org.", "sw", 1},
		prec{"geo.example.org.", "geo", 1}, prec{"lat.example.org.", "lat", 1}))
	pollUntil(t, answerWait, func() (bool, string) {
		return reloadCount(t, "failure") > failure, fmt.Sprintf("reloads_total{result=failure} still %v", failure)
	})
	if got := reloadCount(t, "success"); got != success {
		t.Errorf("reloads_total{result=success} went from %v to %v", success, got)
	}
	for range 5 {
		if got := values(exchange(t, addr, "www.example.org.", dns.TypeA, "")); len(got) != 1 || got[0] != "192.0.2.1" {
			t.Fatalf("www.example.org. answers %v after a rejected reload, want the old 192.0.2.1", got)
		}
	}
	pollUntil(t, answerWait, func() (bool, string) {
		out := log.String()[logged:]
		return strings.Contains(out, "[ERROR] plugin/trafficflow: policy store "+dir+" is invalid; the running configuration stays in service") &&
				strings.Contains(out, `[ERROR] plugin/trafficflow: tests.json: Tests[0]: test "www answers 192.0.2.1" fails: got 192.0.2.2 (100%), want 192.0.2.1`+"\n"),
			fmt.Sprintf("the log does not name the failing test:\n%s", out)
	})
	if out := log.String()[logged:]; strings.Contains(out, "Tests[1]") || strings.Contains(out, "Tests[2]") || strings.Contains(out, "Tests[3]") {
		t.Errorf("tests that pass are logged as failing:\n%s", out)
	}

	// The tests follow the change: the store is served.
	renameOver(t, filepath.Join(dir, "tests.json"), wwwTests("192.0.2.2"))
	waitServed(t, addr, "www.example.org.", "192.0.2.2")
	if got := reloadCount(t, "success"); got != success+1 {
		t.Errorf("reloads_total{result=success} went from %v to %v, want one more", success, got)
	}
}

// At setup, a store whose tests fail stops CoreDNS from starting, with the
// failing test and what it got in the error.
func TestPolicyTestsSetup(t *testing.T) {
	dir := writeFiles(t, policyTestsStore(wwwTests("192.0.2.9")))
	inst, err := startCoreDNS(t, policyTestsCorefile(t, dir))
	if err == nil {
		t.Fatalf("CoreDNS started (%v) with a store whose tests fail", inst.Servers())
	}
	want := "plugin/trafficflow: policy store " + dir + " is invalid:\n" +
		`tests.json: Tests[0]: test "www answers 192.0.2.9" fails: got 192.0.2.1 (100%), want 192.0.2.9`
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error:\n%v\nwant it to contain:\n%s", err, want)
	}
	if strings.Contains(err.Error(), "Tests[1]") {
		t.Errorf("a passing test in the error:\n%v", err)
	}
}

// An Explainer loads a store whose tests fail: explaining is how one finds
// out why they fail.
func TestPolicyTestsExplainer(t *testing.T) {
	dir := writeFiles(t, storeWith(reloadStore(), map[string]string{
		"tests.json": `{"Tests":[{"Name":"www","Record":"www.example.org","Expect":["192.0.2.9"]}]}`}))
	x, _, err := NewExplainer(ExplainConfig{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := x.Explain("www.example.org", 0, ExplainClient{}, 1)
	if err != nil || len(ex.Answer.Records) != 1 || !strings.HasSuffix(ex.Answer.Records[0], "192.0.2.1") {
		t.Errorf("explained %+v, %v", ex, err)
	}
}
