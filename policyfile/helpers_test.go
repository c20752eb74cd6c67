package policyfile

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/trafficflow/trafficflow/internal/storegen"
)

// writeStore creates a store directory from relative paths and contents.
func writeStore(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if err := storegen.WriteFiles(dir, files); err != nil {
		t.Fatal(err)
	}
	return dir
}

const simpleDoc = `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartEndpoint":"e","Endpoints":{"e":{"Type":"value","Value":"192.0.2.1"}}}`

// docA is an A document answering addr.
func docA(addr string) string {
	return `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartEndpoint":"e","Endpoints":{"e":{"Type":"value","Value":"` + addr + `"}}}`
}

// failoverHC is a failover document whose primary has the health check
// web-primary.
const failoverHC = `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"r",
"Endpoints":{"a":{"Type":"value","Value":"192.0.2.1"},"b":{"Type":"value","Value":"192.0.2.2"}},
"Rules":{"r":{"RuleType":"failover","Primary":{"EndpointReference":"a","HealthCheck":"web-primary"},"Secondary":{"EndpointReference":"b"}}}}`

// records is a records.json of the given PolicyRecords entries.
func records(entries ...string) string {
	return `{"PolicyRecords":[` + strings.Join(entries, ",") + `]}`
}

// rec is a PolicyRecords entry with TTL 60.
func rec(name, policy string, version int) string {
	return `{"Name":"` + name + `","Policy":"` + policy + `","Version":` + strconv.Itoa(version) + `,"TTL":60}`
}

// storeCase is a store and exactly the problems it must produce.
type storeCase struct {
	name  string
	files map[string]string
	opts  Options
	want  []string
	check func(t *testing.T, s *Store)
}

// runStoreCases loads each case's store and compares its problems.
func runStoreCases(t *testing.T, cases []storeCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeStore(t, tc.files)
			s, probs := Load(dir, tc.opts)
			var got []string
			for _, p := range probs {
				got = append(got, p.String())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("problems:\n got: %q\nwant: %q", got, tc.want)
			}
			if tc.check != nil && probs.Err() == nil {
				tc.check(t, s)
			}
		})
	}
}

// jsonString is s as a JSON string.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// docCase is a document and exactly the problems it must produce.
type docCase struct {
	name   string
	doc    string
	strict bool
	yaml   bool
	want   []string // every problem, in order, formatted
}

// runDocCases parses each case's document and compares its problems.
func runDocCases(t *testing.T, cases []docCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, probs := ParseDocument([]byte(tc.doc), tc.yaml, tc.strict)
			var got []string
			for _, p := range probs {
				got = append(got, p.String())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("problems:\n got: %q\nwant: %q", got, tc.want)
			}
			wantOK := len(probs.Errors()) == 0
			if (d != nil) != wantOK {
				t.Errorf("document returned = %v, want %v (errors: %v)", d != nil, wantOK, probs.Errors())
			}
		})
	}
}

// strictly turns a lenient warning (formatted) into the error strict mode
// gives for it: no "warning: " and, instead of what lenient mode does, fix.
func strictly(warning, fix string) string {
	w := strings.Replace(warning, "warning: ", "", 1)
	return w[:strings.LastIndex(w, "; ")+2] + fix
}

// rulesDoc wraps endpoints and rules into an A document starting at "start".
func rulesDoc(endpoints, rules string) string {
	return `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"start",
"Endpoints":{` + endpoints + `},"Rules":{` + rules + `}}`
}

// twoEndpoints are value endpoints a and b, for rulesDoc.
const twoEndpoints = `"a":{"Type":"value","Value":"192.0.2.1"},"b":{"Type":"value","Value":"192.0.2.2"}`

// legacyIn2023 is a 2023-05-09 document with geoproximity items in
// 2015-10-01 syntax (Region, Latitude and Longitude).
const legacyIn2023 = `{"AWSPolicyFormatVersion":"2023-05-09","RecordType":"A","StartRule":"start",
"Endpoints":{"a":{"Type":"value","Value":"192.0.2.1"},"b":{"Type":"value","Value":"192.0.2.2"}},
"Rules":{"start":{"RuleType":"geoproximity","GeoproximityLocations":[
 {"EndpointReference":"a","Region":"aws:route53:us-east-1"},
 {"EndpointReference":"b","Latitude":"51.50","Longitude":"-0.07"}]}}}`

// locationIn2015 is a 2015-10-01 document with a 2023-05-09 Location.
const locationIn2015 = `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"start",
"Endpoints":{"a":{"Type":"value","Value":"192.0.2.1"}},
"Rules":{"start":{"RuleType":"geoproximity","GeoproximityLocations":[
 {"EndpointReference":"a","Location":{"Type":"Region","LocationName":"aws:route53:eu-west-1"}}]}}}`

// weightedDoc is a weighted rule whose first item has the given Weight
// (JSON).
func weightedDoc(weight string) string {
	return rulesDoc(twoEndpoints, `"start":{"RuleType":"weighted","Items":[{"EndpointReference":"a","Weight":`+weight+`},{"EndpointReference":"b","Weight":1}]}`)
}

// biasDoc is a geoproximity rule whose first item has the given Bias
// (JSON).
func biasDoc(bias string) string {
	return rulesDoc(twoEndpoints, `"start":{"RuleType":"geoproximity","GeoproximityLocations":[
	 {"EndpointReference":"a","Region":"aws:route53:us-east-1","Bias":`+bias+`},{"EndpointReference":"b","Region":"aws:route53:eu-west-1"}]}`)
}

// coordDoc is a geoproximity rule whose first item is at the given
// Latitude and Longitude (JSON).
func coordDoc(lat, lon string) string {
	return rulesDoc(twoEndpoints, `"start":{"RuleType":"geoproximity","GeoproximityLocations":[
	 {"EndpointReference":"a","Latitude":`+lat+`,"Longitude":`+lon+`},{"EndpointReference":"b","Region":"aws:route53:eu-west-1"}]}`)
}

// latencyDoc is a latency rule over the given regions, alternating
// endpoints a and b.
func latencyDoc(regions ...string) string {
	var items []string
	for i, r := range regions {
		ep := "a"
		if i%2 == 1 {
			ep = "b"
		}
		items = append(items, `{"EndpointReference":"`+ep+`","Region":"`+r+`"}`)
	}
	return rulesDoc(twoEndpoints, `"start":{"RuleType":"latency","Regions":[`+strings.Join(items, ",")+`]}`)
}

// geoDoc is a geo rule of the given locations (JSON objects).
func geoDoc(locations ...string) string {
	return rulesDoc(twoEndpoints, `"start":{"RuleType":"geo","Locations":[`+strings.Join(locations, ",")+`]}`)
}

// endpointDoc is a document of the given RecordType whose start is the
// given endpoint (a JSON object).
func endpointDoc(rrtype, endpoint string) string {
	return `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"` + rrtype + `","StartEndpoint":"e","Endpoints":{"e":` + endpoint + `}}`
}
