package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trafficflow/trafficflow/explain"
)

var update = flag.Bool("update", false, "rewrite the golden files of explain")

// explainGeoIP is MaxMind's test City database in the repository.
const explainGeoIP = "../../testdata/geoip/GeoIP2-City-Test.mmdb"

// Golden explanations, as text and as JSON, for each rule type and the
// cases that need explaining most: EvaluateTargetHealth backing out of an
// unhealthy rule, fail-open, a zero-weight standby, an alias, a CNAME
// policy, and a client without location data.
func TestExplainGolden(t *testing.T) {
	examples := "../../examples/store"
	special := "testdata/explainstore"
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"geo-ecs-gb", []string{"--geoip", explainGeoIP, "--ecs", "2.2.3.0/24", examples, "geo.example.org"}},
		{"geo-no-location", []string{"--geoip", explainGeoIP, "--client", "127.0.0.1", examples, "geo.example.org"}},
		{"geo-placed-us-ca", []string{"--location", "US-CA", examples, "geo.example.org"}},
		{"geoproximity", []string{"--coordinates", "48.85,2.35", examples, "nearest.example.org"}},
		{"latency-distance", []string{"--coordinates", "59.33,18.07", examples, "latency.example.org"}},
		{"weighted", []string{"--seed", "7", examples, "weighted.example.org"}},
		{"multivalue", []string{"--seed", "2", examples, "pool.example.org"}},
		{"tree-alias", []string{"--location", "SE", "--seed", "3", examples, "app.example.org"}},
		{"alias-failopen", []string{"--health", "web-primary=unhealthy", "--health", "web-secondary=unhealthy", examples, "example.org"}},
		{"cname", []string{"--seed", "4", examples, "cdn.example.org", "--type", "A"}},
		{"eth-back-out", []string{"--health", "a=unhealthy", "--health", "b=unhealthy", special, "eth.example.org"}},
		{"zero-weight-standby", []string{"--health", "live=unhealthy", special, "standby.example.org"}},
	} {
		for _, format := range []string{"txt", "json"} {
			t.Run(tc.name+"."+format, func(t *testing.T) {
				args := append([]string{"explain"}, tc.args...)
				if format == "json" {
					args = append(args, "--json")
				}
				var out, errOut bytes.Buffer
				if code := run(args, &out, &errOut); code != 0 {
					t.Fatalf("exit %d: %s", code, errOut.String())
				}
				if format == "json" {
					var ex explain.Explanation
					if err := json.Unmarshal(out.Bytes(), &ex); err != nil {
						t.Fatalf("not an explanation: %v", err)
					}
				}
				golden := filepath.Join("testdata", "explain", tc.name+"."+format)
				if *update {
					if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatal(err)
				}
				if out.String() != string(want) {
					t.Errorf("output differs from %s (go test -run TestExplainGolden -update rewrites it):\n%s", golden, out.String())
				}
			})
		}
	}
}

// explain's errors and exit codes.
func TestExplainErrors(t *testing.T) {
	examples := "../../examples/store"
	bad := writeStore(t, map[string]string{"records.json": `{"PolicyRecords":[{"Name":"www.example.org","Policy":"nope","Version":1,"TTL":60}]}`})
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{examples}, 2, "usage: trafficflow explain"},
		{[]string{"--client", "nope", examples, "geo.example.org"}, 2, `--client "nope" is not an IP address`},
		{[]string{"--client", "127.0.0.1", "--location", "GB", examples, "geo.example.org"}, 2, "give one of --client, --ecs, --location and --coordinates"},
		{[]string{"--health", "web-primary=sick", examples, "www.example.org"}, 2, "the state must be healthy or unhealthy"},
		{[]string{examples, "nope.example.org"}, 1, "nope.example.org.: not a policy record or an alias of the store"},
		{[]string{"--client", "2.2.3.4", examples, "geo.example.org"}, 1, "policies/geo/1.json: a geo rule (Rules.where-is-client) needs the client's location: give a GeoIP database, or place the client at a location"},
		{[]string{"--type", "AAAA", examples, "www.example.org"}, 1, "www.example.org. is a A policy record: it answers A queries only"},
		{[]string{bad, "www.example.org"}, 1, `records.json: PolicyRecords[0].Policy: no policy "nope" in policies/`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(append([]string{"explain"}, tc.args...), &out, &errOut)
			if code != tc.code || !strings.Contains(errOut.String(), tc.stderr) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, errOut.String(), tc.code, tc.stderr)
			}
		})
	}
}
