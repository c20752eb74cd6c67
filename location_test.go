package trafficflow

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/trafficflow/trafficflow/geo"
	"github.com/trafficflow/trafficflow/policyfile"
)

// A geo rule's continents are Route 53's, not the GeoIP database's: the
// locator puts Turkey in Asia, Route 53 puts it in Europe, and the client
// gets Europe's answer.
func TestContinentFromTable(t *testing.T) {
	files := map[string]string{
		"policies/c/1.json": `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"g","Endpoints":{"eu":{"Type":"value","Value":"192.0.2.1"},"as":{"Type":"value","Value":"192.0.2.2"}},
			"Rules":{"g":{"RuleType":"geo","Locations":[{"Continent":"EU","EndpointReference":"eu"},{"Continent":"AS","EndpointReference":"as"}]}}}`,
		"records.json": `{"PolicyRecords":[{"Name":"c.example.org","Policy":"c","Version":1,"TTL":30}]}`,
	}
	tf := newPlugin(t, pluginOpts{files: files, locator: stubLocator{netip.MustParseAddr("192.0.2.0"): geo.Location{Country: "TR", Continent: "AS"}}})
	m, _ := ask(t, tf, "c.example.org.", dns.TypeA, "", "192.0.2.0/24")
	if got := values(m); len(got) != 1 || got[0] != "192.0.2.1" {
		t.Errorf("Turkey: %v, want Europe's answer", got)
	}
}

const latencyPolicy = `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"l",
"Endpoints":{"use1":{"Type":"value","Value":"192.0.2.1"},"euw1":{"Type":"value","Value":"192.0.2.2"}},
"Rules":{"l":{"RuleType":"latency","Regions":[{"EndpointReference":"use1","Region":"us-east-1"},{"EndpointReference":"euw1","Region":"eu-west-1"}]}}}`

// The latency_table directive: a client takes the row of the longest
// prefix holding it, regions its row does not list rank last, clients
// without a row take document order (no GeoIP database here), the ECS scope
// is the row's prefix length, and a reload applies a changed table (a
// broken one keeps the table in service).
func TestLatencyTable(t *testing.T) {
	table := filepath.Join(t.TempDir(), "latency.txt")
	mustWriteFile(t, table, `# measured from the resolvers
192.0.2.0/24      us-east-1=80 eu-west-1=20
192.0.2.128/25    us-east-1=5  eu-west-1=50
203.0.113.0/24    eu-west-1=50
2001:db8::/32     us-east-1=100 eu-west-1=10
`)
	tf := newPlugin(t, pluginOpts{files: map[string]string{
		"policies/lat/1.json": latencyPolicy,
		"records.json":        `{"PolicyRecords":[{"Name":"lat.example.org","Policy":"lat","Version":1,"TTL":60}]}`,
	}, block: "latency_table " + table + "\nreload 0s"})
	check := func(ecs, want string, scope uint8) {
		t.Helper()
		m, _ := ask(t, tf, "lat.example.org.", dns.TypeA, "", ecs)
		if got := strings.Join(values(m), " "); got != want {
			t.Errorf("ECS %s: answer %q, want %q", ecs, got, want)
		}
		if e := ecsOf(m); e == nil || e.SourceScope != scope {
			t.Errorf("ECS %s: reply ECS %v, want scope %d", ecs, e, scope)
		}
	}
	check("192.0.2.0/25", "192.0.2.2", 24)   // eu-west-1 is faster
	check("192.0.2.128/26", "192.0.2.1", 25) // the longer prefix's row
	check("203.0.113.0/24", "192.0.2.2", 24) // us-east-1 is not listed: last
	check("2001:db8:1::/48", "192.0.2.2", 32)
	check("198.51.100.0/24", "192.0.2.1", 0) // no row: document order

	mustWriteFile(t, table, "192.0.2.0/24 us-east-1=1 eu-west-1=20\n")
	if _, err := tf.loader.load(files{latency: true}, nil); err != nil {
		t.Fatal(err)
	}
	check("192.0.2.0/25", "192.0.2.1", 24)
	check("192.0.2.128/26", "192.0.2.1", 24)

	mustWriteFile(t, table, "192.0.2.0/24 us-east-1=fast\n")
	_, err := tf.loader.load(files{latency: true}, nil)
	if err == nil || !strings.Contains(tf.invalid(err), "latency table "+table+" is invalid") || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("broken table: %v", err)
	}
	check("192.0.2.0/25", "192.0.2.1", 24) // the table in service stays
}

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
			var lat *policyfile.LatencyTable
			if tc.latency {
				lat = &policyfile.LatencyTable{}
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
