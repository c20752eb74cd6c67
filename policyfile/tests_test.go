package policyfile

import (
	"net/netip"
	"reflect"
	"testing"

	"github.com/trafficflow/trafficflow/internal/storegen"
)

// testsStore is a store for tests.json cases: www.example.org (failover,
// health check web-primary), its alias example.org, and the files given.
func testsStore(tests string) map[string]string {
	return map[string]string{
		"policies/web/1.json": failoverHC,
		"healthchecks.json":   `{"HealthChecks":[{"Id":"web-primary","HealthCheckConfig":{"Type":"TCP","IPAddress":"192.0.2.1","Port":80}}]}`,
		"records.json":        `{"PolicyRecords":[` + rec("www.example.org", "web", 1) + `],"Aliases":[{"Name":"example.org","Target":"www.example.org"}]}`,
		"tests.json":          tests,
	}
}

// tests.json: every field read into the model, in file order.
func TestTestsFile(t *testing.T) {
	runStoreCases(t, []storeCase{{name: "ok", files: testsStore(`{"Tests":[
		{"Name":"primary","Record":"WWW.example.org","Expect":["192.0.2.1"]},
		{"Name":"drained","Record":"example.org.","Client":"2001:db8::1","Health":{"web-primary":"Unhealthy"},"Expect":["192.0.2.2"]},
		{"Name":"subnet","Record":"www.example.org","ECS":"89.160.20.0/24","ExpectShare":{"192.0.2.1":100}},
		{"Name":"country","Record":"www.example.org","Location":{"Country":"US","Subdivision":"CA"},"Expect":[]},
		{"Name":"continent","Record":"www.example.org","Location":{"Continent":"EU"},"ExpectShare":{}},
		{"Name":"coordinates","Record":"www.example.org","Location":{"Latitude":"59.334","Longitude":18.06},"Expect":["192.0.2.1"]}]}`),
		check: func(t *testing.T, s *Store) {
			www := s.records["www.example.org."]
			want := []*Test{
				{Name: "primary", Record: "www.example.org.", Rec: www, Expect: []string{"192.0.2.1"}, Path: "Tests[0]"},
				{Name: "drained", Record: "example.org.", Rec: www, Client: netip.MustParseAddr("2001:db8::1"), Health: map[string]bool{"web-primary": false},
					Expect: []string{"192.0.2.2"}, Path: "Tests[1]"},
				{Name: "subnet", Record: "www.example.org.", Rec: www, ECS: netip.MustParsePrefix("89.160.20.0/24"), Share: true,
					ExpectShare: []Share{{"192.0.2.1", 100}}, Path: "Tests[2]"},
				{Name: "country", Record: "www.example.org.", Rec: www, Location: &TestLocation{Country: "US", Subdivision: "CA"}, Expect: []string{}, Path: "Tests[3]"},
				{Name: "continent", Record: "www.example.org.", Rec: www, Location: &TestLocation{Continent: "EU"}, Share: true, ExpectShare: []Share{}, Path: "Tests[4]"},
				{Name: "coordinates", Record: "www.example.org.", Rec: www, Location: &TestLocation{HasCoordinates: true, Latitude: 59.334, Longitude: 18.06},
					Expect: []string{"192.0.2.1"}, Path: "Tests[5]"},
			}
			if len(s.Tests) != len(want) {
				t.Fatalf("%d tests, want %d", len(s.Tests), len(want))
			}
			for i, w := range want {
				w.File = "tests.json"
				if !reflect.DeepEqual(s.Tests[i], w) {
					t.Errorf("test %d:\n got %+v\nwant %+v", i, s.Tests[i], w)
				}
			}
		}}})
}

// tests.json's problems, each at its JSON path; lenient fixes are
// warnings, and strict mode says what to write instead.
func TestTestsFileProblems(t *testing.T) {
	runStoreCases(t, []storeCase{
		{name: "file", files: testsStore(`{"Test":[]}`), want: []string{
			`tests.json: Test: warning: unknown key; ignored`,
			`tests.json: Tests: is required (a list of tests)`,
		}},
		{name: "not a list", files: testsStore(`{"Tests":{}}`), want: []string{`tests.json: Tests: must be an array, not an object`}},
		{name: "yaml", files: storegen.With(testsStore(""), map[string]string{"tests.json": "", "tests.yaml": "Tests:\n  - {Name: a, Record: www.example.org, Expect: [192.0.2.9, 192.0.2.9]}\n"}), want: []string{
			`tests.yaml: Tests[0].Expect[1]: warning: "192.0.2.9" is listed twice; ignored`,
		}},
		{name: "two syntaxes", files: storegen.With(testsStore(`{"Tests":[]}`), map[string]string{"tests.yml": "Tests: []\n"}), want: []string{
			`tests.json: tests.yml also exists; keep only one of them`,
		}},
		{name: "fields", files: testsStore(`{"Tests":[
			{"Record":"www.example.org","Expect":[]},
			{"Name":"","Record":"nope.example.org","Expect":[]},
			{"Name":"a","Record":"bad name","Expect":["192.0.2.1"],"ExpectShare":{"192.0.2.1":100}},
			{"Name":"a","Expect":[""],"Comment":"x"},
			{"Name":"b","Record":"www.example.org"},
			{"Name":"c","Record":"www.example.org","Expect":"192.0.2.1"},
			{"Name":"d","Record":"www.example.org","ExpectShare":{"192.0.2.1":"75%","192.0.2.2":101,"":1,"a.example.net.":50,"A.example.net":50}}]}`), want: []string{
			`tests.json: Tests[0].Name: is required (what the test checks, in a few words)`,
			`tests.json: Tests[1].Name: is empty`,
			`tests.json: Tests[1].Record: no policy record or alias nope.example.org.`,
			`tests.json: Tests[2].Record: "bad name" is not a valid DNS name`,
			`tests.json: Tests[2]: has both Expect and ExpectShare; give one of them`,
			`tests.json: Tests[3].Comment: warning: unknown key; ignored`,
			`tests.json: Tests[3].Name: "a" is already the name of Tests[2]`,
			`tests.json: Tests[3].Record: is required (a policy record or alias, such as www.example.org.)`,
			`tests.json: Tests[3].Expect[0]: is empty`,
			`tests.json: Tests[4]: needs Expect (the values answers may hold) or ExpectShare (the percentage of answers that hold each value)`,
			`tests.json: Tests[5].Expect: must be an array, not a string`,
			`tests.json: Tests[6].ExpectShare["192.0.2.1"]: "75%" is not a percentage (a decimal number such as 75)`,
			`tests.json: Tests[6].ExpectShare["192.0.2.2"]: 101 is out of range 0..100`,
			`tests.json: Tests[6].ExpectShare[""]: a value cannot be empty`,
			`tests.json: Tests[6].ExpectShare["A.example.net"]: "A.example.net" is "a.example.net." again (values compare in any case, without a trailing dot)`,
		}},
		{name: "clients", files: testsStore(`{"Tests":[
			{"Name":"a","Record":"www.example.org","Client":"192.0.2.300","Expect":[]},
			{"Name":"b","Record":"www.example.org","Client":"::ffff:192.0.2.1","Expect":[]},
			{"Name":"c","Record":"www.example.org","ECS":"89.160.20.0","Expect":[]},
			{"Name":"d","Record":"www.example.org","ECS":"0.0.0.0/0","Expect":[]},
			{"Name":"e","Record":"www.example.org","ECS":"::ffff:89.160.20.0/120","Expect":[]},
			{"Name":"f","Record":"www.example.org","ECS":"89.160.20.112/24","Expect":[]},
			{"Name":"g","Record":"www.example.org","Client":"192.0.2.1","Location":{"Country":"SE"},"Expect":[]},
			{"Name":"h","Record":"www.example.org","Client":7,"Expect":[]}]}`), want: []string{
			`tests.json: Tests[0].Client: "192.0.2.300" is not an IP address`,
			`tests.json: Tests[1].Client: "::ffff:192.0.2.1": write an IPv4 address in IPv4 notation (192.0.2.1)`,
			`tests.json: Tests[2].ECS: "89.160.20.0" is not a client subnet in CIDR notation (such as 89.160.20.0/24)`,
			`tests.json: Tests[3].ECS: "0.0.0.0/0" has no address bits (the server would locate the resolver's address instead); give the client's network, or Client`,
			`tests.json: Tests[4].ECS: "::ffff:89.160.20.0/120": write IPv4 networks in IPv4 notation`,
			`tests.json: Tests[5].ECS: warning: 89.160.20.112/24 has host bits set; located as the network 89.160.20.0/24`,
			`tests.json: Tests[6]: give at most one of Client, ECS and Location`,
			`tests.json: Tests[7].Client: must be a string, not a number`,
		}},
		{name: "locations", files: testsStore(`{"Tests":[
			{"Name":"a","Record":"www.example.org","Location":{},"Expect":[]},
			{"Name":"b","Record":"www.example.org","Location":{"Country":"SE","Continent":"EU"},"Expect":[]},
			{"Name":"c","Record":"www.example.org","Location":{"Country":"UK"},"Expect":[]},
			{"Name":"d","Record":"www.example.org","Location":{"Country":"XX"},"Expect":[]},
			{"Name":"e","Record":"www.example.org","Location":{"Country":"se","Subdivision":"ab"},"Expect":[]},
			{"Name":"f","Record":"www.example.org","Location":{"Country":"US","Subdivision":"ZZ"},"Expect":[]},
			{"Name":"g","Record":"www.example.org","Location":{"Country":"GB","Subdivision":"EN-G"},"Expect":[]},
			{"Name":"h","Record":"www.example.org","Location":{"Subdivision":"CA"},"Expect":[]},
			{"Name":"i","Record":"www.example.org","Location":{"Continent":"Europe"},"Expect":[]},
			{"Name":"j","Record":"www.example.org","Location":{"Continent":"XX"},"Expect":[]},
			{"Name":"k","Record":"www.example.org","Location":{"Latitude":59.33},"Expect":[]},
			{"Name":"l","Record":"www.example.org","Location":{"Latitude":91,"Longitude":"east"},"Expect":[]},
			{"Name":"m","Record":"www.example.org","Location":"SE","Expect":[]}]}`), want: []string{
			`tests.json: Tests[0].Location: give one of Country (with an optional Subdivision), Continent, or Latitude and Longitude`,
			`tests.json: Tests[1].Location: give one of Country (with an optional Subdivision), Continent, or Latitude and Longitude`,
			`tests.json: Tests[2].Location.Country: "UK" is not an ISO 3166-1 country code (the United Kingdom is GB)`,
			`tests.json: Tests[3].Location.Country: "XX" is not a country code Route 53 knows (an ISO 3166-1 alpha-2 code such as DE)`,
			`tests.json: Tests[4].Location.Country: warning: "se" should be upper case; accepted as SE`,
			`tests.json: Tests[4].Location.Subdivision: warning: "ab" should be upper case; accepted as AB`,
			`tests.json: Tests[5].Location.Subdivision: "ZZ" is not a US state code`,
			`tests.json: Tests[6].Location.Subdivision: "EN-G" is not a subdivision code (the ISO 3166-2 code after the country, such as ENG in GB-ENG)`,
			`tests.json: Tests[7].Location.Subdivision: needs a Country`,
			`tests.json: Tests[8].Location.Continent: warning: "Europe" is a continent name; Route 53 uses the code "EU"; accepted as EU`,
			`tests.json: Tests[9].Location.Continent: "XX" is not a continent code (AF, AN, AS, EU, NA, OC, SA)`,
			`tests.json: Tests[10].Location: needs both Latitude and Longitude`,
			`tests.json: Tests[11].Location.Latitude: 91 is out of range -90..90`,
			`tests.json: Tests[11].Location.Longitude: "east" is not a decimal number of degrees`,
			`tests.json: Tests[12].Location: must be an object, not a string`,
		}},
		{name: "health", files: testsStore(`{"Tests":[
			{"Name":"a","Record":"www.example.org","Health":{"web-primary":"down","ghost":"healthy","web-primary ":true},"Expect":[]},
			{"Name":"b","Record":"www.example.org","Health":["web-primary"],"Expect":[]}]}`), want: []string{
			`tests.json: Tests[0].Health.web-primary: "down" is not a state (healthy or unhealthy)`,
			`tests.json: Tests[0].Health.ghost: no health check "ghost" in healthchecks.json`,
			`tests.json: Tests[0].Health["web-primary "]: must be a string, not a boolean`,
			`tests.json: Tests[1].Health: must be an object, not an array`,
		}},
		// A check that missing_healthcheck fixes may be set; one it does
		// not fix may not.
		{name: "missing check", files: storegen.With(testsStore(`{"Tests":[{"Name":"a","Record":"www.example.org","Health":{"web-primary":"healthy"},"Expect":["192.0.2.1"]}]}`), map[string]string{"healthchecks.json": ""}),
			want: []string{
				`policies/web/1.json: Rules.r.Primary.HealthCheck: no health check "web-primary" in healthchecks.json`,
				`tests.json: Tests[0].Health.web-primary: no health check "web-primary" in healthchecks.json`,
			}},
		{name: "missing check fixed", opts: Options{MissingHealthCheck: MissingUnhealthy},
			files: storegen.With(testsStore(`{"Tests":[{"Name":"a","Record":"www.example.org","Health":{"web-primary":"healthy"},"Expect":["192.0.2.1"]}]}`), map[string]string{"healthchecks.json": ""}),
			want:  []string{`policies/web/1.json: Rules.r.Primary.HealthCheck: warning: no health check "web-primary" in healthchecks.json; treated as unhealthy (missing_healthcheck)`},
			check: func(t *testing.T, s *Store) {
				if len(s.Tests) != 1 || !s.Tests[0].Health["web-primary"] {
					t.Errorf("tests %+v", s.Tests)
				}
			}},
		// A record that records.json defines with an error is reported
		// there only.
		{name: "broken record", files: storegen.With(testsStore(`{"Tests":[{"Name":"a","Record":"www.example.org","Expect":[]}]}`),
			map[string]string{"records.json": `{"PolicyRecords":[` + rec("www.example.org", "web", 2) + `]}`}),
			want: []string{`records.json: PolicyRecords[0].Version: policy "web" has no version 2 (it has 1)`}},
		{name: "broken records file", files: storegen.With(testsStore(`{"Tests":[{"Name":"a","Record":"www.example.org","Expect":[]}]}`),
			map[string]string{"records.json": `{"PolicyRecords":[`}),
			want: []string{`records.json: line 1, column 19: syntax error: unexpected end of file, expecting a value`}},
		{name: "strict", opts: Options{Strict: true}, files: testsStore(`{"Tests":[
			{"Name":"a","Record":"www.example.org","ECS":"89.160.20.112/24","Location":null,"Expect":["192.0.2.1","192.0.2.1."]}]}`), want: []string{
			`tests.json: Tests[0].Location: is null; remove it, or give it a value`,
			`tests.json: Tests[0].ECS: 89.160.20.112/24 has host bits set; write "89.160.20.0/24"`,
			`tests.json: Tests[0].Expect[1]: "192.0.2.1." is listed twice; remove it`,
		}},
	})
}

// HealthState: missing_healthcheck's state, then healthstate.json's, then
// healthy.
func TestHealthState(t *testing.T) {
	s := &Store{Missing: map[string]ForcedState{"m": ForcedUnhealthy}, Forced: map[string]ForcedState{"f": ForcedUnhealthy, "g": ForcedHealthy}}
	for id, want := range map[string]string{"m": "false missing_healthcheck", "f": "false healthstate.json", "g": "true healthstate.json", "x": "true default"} {
		healthy, source := s.HealthState(id)
		if got := map[bool]string{true: "true ", false: "false "}[healthy] + source; got != want {
			t.Errorf("%s: %s, want %s", id, got, want)
		}
	}
}
