package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testsStore is a store whose record www.example.org splits 1:3 between
// 192.0.2.1 and 192.0.2.2, with the tests given.
func testsStore(t *testing.T, tests string) string {
	files := map[string]string{
		"policies/web/1.json": strings.Replace(weighted, "%s", "3", 1),
		"records.json":        `{"PolicyRecords":[{"Name":"www.example.org","Policy":"web","Version":1,"TTL":60}]}`,
	}
	if tests != "" {
		files["tests.json"] = tests
	}
	return writeStore(t, files)
}

// trafficflow test: a line per test, the counts, and the exit status.
func TestTestCommand(t *testing.T) {
	examples := "../../examples/store"
	pass := testsStore(t, `{"Tests":[{"Name":"split","Record":"www.example.org","ExpectShare":{"192.0.2.1":25,"192.0.2.2":75}}]}`)
	fail := testsStore(t, `{"Tests":[{"Name":"split","Record":"www.example.org","ExpectShare":{"192.0.2.1":25,"192.0.2.2":75}},
		{"Name":"only one","Record":"www.example.org","Expect":["192.0.2.1"]},
		{"Name":"by address","Record":"www.example.org","Client":"192.0.2.200","Expect":["192.0.2.1","192.0.2.2"]}]}`)
	none := testsStore(t, "")
	invalid := testsStore(t, `{"Tests":[{"Name":"x","Record":"nope.example.org","Expect":[]},{"Name":"y","Record":"www.example.org","Expect":[],"Extra":1}]}`)
	table := writeFile(t, "2.2.3.0/24 us-east-1=5 eu-west-2=50\n")
	brokenTable := writeFile(t, "2.2.3.0/24 us-east-1=fast\n")
	doc, err := os.ReadFile(examples + "/policies/latency/1.json")
	if err != nil {
		t.Fatal(err)
	}
	latencyDoc := string(doc)
	latency := writeStore(t, map[string]string{
		"policies/lat/1.json": latencyDoc,
		"records.json":        `{"PolicyRecords":[{"Name":"lat.example.org","Policy":"lat","Version":1,"TTL":60}]}`,
		"tests.json":          `{"Tests":[{"Name":"measured","Record":"lat.example.org","ECS":"2.2.3.0/24","Expect":["203.0.113.1"]}]}`,
	})

	exampleOut := ""
	for _, name := range []string{"Californian clients get the California endpoint", "British clients get the UK endpoint, not Europe's",
		"Swedish clients stay in Europe", "clients without location data get the default",
		"www fails over to the secondary when the primary is down", "the apex fails over with www", "blue/green split 3:1",
		"the pool leaves out an unhealthy node", "Melbourne is nearest to Sydney", "Chinese clients get Tokyo",
		"the canary sends 10% of Europe to green", "the CDN split is 200:55 and the origin stands by"} {
		exampleOut += "PASS " + name + "\n"
	}
	for _, tc := range []struct {
		args   []string
		code   int
		out    string
		stderr string // a part of the standard error ("" for none)
	}{
		{[]string{"--geoip", explainGeoIP, examples}, 0, exampleOut + "12 passed, 0 failed\n", ""},
		{[]string{pass}, 0, "PASS split\n1 passed, 0 failed\n", ""},
		// Flags may follow DIR.
		{[]string{fail, "--bias-formula", "linear"}, 1, "PASS split\n" +
			"FAIL only one: got 192.0.2.2 (75%), 192.0.2.1 (25%), want 192.0.2.1\n" +
			"PASS by address\n" +
			"2 passed, 1 failed\n", ""},
		{[]string{none}, 0, none + " has no tests (tests.json)\n0 passed, 0 failed\n", ""},
		{[]string{"--latency-table", table, latency}, 0, "PASS measured\n1 passed, 0 failed\n", ""},
		{[]string{latency}, 1, "FAIL measured: no GeoIP database to locate ECS 2.2.3.0/24, which the latency rule at policies/lat/1.json: Rules.lowest-latency needs; give a GeoIP database, or a Location instead\n" +
			"0 passed, 1 failed\n", ""},
		{[]string{invalid}, 1, "", "tests.json: Tests[0].Record: no policy record or alias nope.example.org.\n" +
			"tests.json: Tests[1].Extra: warning: unknown key; ignored\n" +
			invalid + ": invalid: 1 error, 1 warning; run trafficflow validate " + invalid + "\n"},
		{[]string{"--geoip", "nope.mmdb", pass}, 1, "", "trafficflow test: geo: open nope.mmdb: no such file or directory"},
		{[]string{"--latency-table", brokenTable, pass}, 1, "", `line 1: us-east-1: "fast" is not a round-trip time in milliseconds`},
		{[]string{}, 2, "", "usage: trafficflow test"},
		{[]string{pass, pass}, 2, "", "usage: trafficflow test"},
		{[]string{"--bias-formula", "steep", pass}, 2, "", `--bias-formula must be legacy or linear, not "steep"`},
		{[]string{"--missing-healthcheck", "maybe", pass}, 2, "", `--missing-healthcheck must be error, healthy or unhealthy, not "maybe"`},
		{[]string{"--frobnicate", pass}, 2, "", "flag provided but not defined: -frobnicate"},
	} {
		checkRun(t, append([]string{"test"}, tc.args...), tc.code, tc.out, tc.stderr)
	}
}

// validate with --geoip (or --latency-table) runs the tests too: a
// failing test is an error at its path.
func TestValidateRunsTests(t *testing.T) {
	examples := "../../examples/store"
	fail := testsStore(t, `{"Tests":[{"Name":"split","Record":"www.example.org","ExpectShare":{"192.0.2.1":25,"192.0.2.2":75}},
		{"Name":"only one","Record":"www.example.org","Expect":["192.0.2.1"]}]}`)
	summary := "1 policy, 1 version, 1 policy record, 0 aliases, 0 health checks"
	for _, tc := range []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"--geoip", explainGeoIP, "--zones", "example.org", "--strict", examples}, 0,
			examples + ": valid: 8 policies, 10 versions, 8 policy records, 2 aliases, 4 health checks, 0 warnings; 12 tests passed\n"},
		// Without them, validate checks the store alone.
		{[]string{fail}, 0, fail + ": valid: " + summary + ", 0 warnings\n"},
		{[]string{"--geoip", explainGeoIP, fail}, 1, `tests.json: Tests[1]: test "only one" fails: got 192.0.2.2 (75%), 192.0.2.1 (25%), want 192.0.2.1` + "\n" +
			fail + ": invalid: 1 error, 0 warnings (loaded " + summary + ")\n"},
		{[]string{"--bias-formula", "steep", fail}, 2, ""},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(append([]string{"validate"}, tc.args...), &out, &errOut)
			if code != tc.code || out.String() != tc.out {
				t.Errorf("exit %d, output:\n%s\nwant exit %d:\n%s(stderr %q)", code, out.String(), tc.code, tc.out, errOut.String())
			}
		})
	}
}

// writeFile writes content to a new file and returns its path.
func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "latency.txt")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
