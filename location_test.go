package trafficflow

import (
	"fmt"
	"strings"
	"testing"

	"github.com/trafficflow/trafficflow/geo"
	"github.com/trafficflow/trafficflow/policyfile"
)

const nearestPolicy = `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"n",
"Endpoints":{"a":{"Type":"value","Value":"192.0.2.1"},"b":{"Type":"value","Value":"192.0.2.2"}},
"Rules":{"n":{"RuleType":"geoproximity","GeoproximityLocations":[{"EndpointReference":"a","Region":"us-east-1"},{"EndpointReference":"b","Region":"eu-west-1"}]}}}`

// checkLocation: what each rule type needs from the geoip database and the
// latency table, as errors (the store does not load) and warnings.
func TestCheckLocation(t *testing.T) {
	policies := map[string]string{"geo": geoPolicy, "nearest": nearestPolicy, "latency": latencyPolicy, "web": failoverPolicy}
	dbs := map[string]string{"none": "", "country": "geoip/GeoIP2-Country-Test.mmdb", "city": "geoip/GeoIP2-City-Test.mmdb"}
	const needsDB = `a %s rule needs the client's location, but the trafficflow directive has no geoip database (policy record %s.example.org. uses policy %q version 1); add "geoip FILE"`
	const needsCoords = `warning: a %s rule needs the client's coordinates, but the geoip database %s (GeoIP2-Country) has none; it takes its items in document order (policy record %s.example.org. uses policy %q version 1)`
	for _, tc := range []struct {
		policy, db string
		latency    bool
		want       string // the problem after "FILE: PATH: ", "" for none
	}{
		{"web", "none", false, ""},
		{"geo", "none", false, needsDB},
		{"geo", "country", false, ""},
		{"nearest", "none", false, needsDB},
		{"nearest", "country", false, needsCoords},
		{"nearest", "city", false, ""},
		{"latency", "none", false, needsDB},
		{"latency", "none", true, ""},
		{"latency", "country", false, needsCoords},
		{"latency", "country", true, ""},
		{"latency", "city", false, ""},
	} {
		t.Run(fmt.Sprintf("%s/%s/latency_table=%v", tc.policy, tc.db, tc.latency), func(t *testing.T) {
			dir := writeFiles(t, map[string]string{
				"policies/" + tc.policy + "/1.json": policies[tc.policy],
				"healthchecks.json":                 healthChecks,
				"records.json":                      fmt.Sprintf(`{"PolicyRecords":[{"Name":"%s.example.org","Policy":"%s","Version":1,"TTL":60}]}`, tc.policy, tc.policy),
			})
			store, probs := policyfile.Load(dir, policyfile.Options{})
			if err := probs.Err(); err != nil {
				t.Fatal(err)
			}
			tf := &TrafficFlow{}
			var db *geo.DB
			if path := dbs[tc.db]; path != "" {
				tf.cfg.geoipPath = testdataPath(t, path)
				var err error
				if db, err = geo.Open(tf.cfg.geoipPath); err != nil {
					t.Fatal(err)
				}
			}
			var lat *latencyTable
			if tc.latency {
				lat = &latencyTable{}
			}
			var got []string
			for _, p := range tf.checkLocation(store, db, lat) {
				got = append(got, p.String())
			}
			want := []string{}
			if tc.want != "" {
				rule := map[string]string{"geo": "where", "nearest": "n", "latency": "l"}[tc.policy]
				ruleType := map[string]string{"geo": "geo", "nearest": "geoproximity", "latency": "latency"}[tc.policy]
				msg := fmt.Sprintf(tc.want, ruleType, tc.policy, tc.policy)
				if strings.HasPrefix(tc.want, "warning") {
					msg = fmt.Sprintf(tc.want, ruleType, tf.cfg.geoipPath, tc.policy, tc.policy)
				}
				want = []string{"policies/" + tc.policy + "/1.json: Rules." + rule + ": " + msg}
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}
