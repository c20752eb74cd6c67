package policyfile

import (
	"encoding/json"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/miekg/dns"

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

func docA(addr string) string {
	return `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartEndpoint":"e","Endpoints":{"e":{"Type":"value","Value":"` + addr + `"}}}`
}

const failoverHC = `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"r",
"Endpoints":{"a":{"Type":"value","Value":"192.0.2.1"},"b":{"Type":"value","Value":"192.0.2.2"}},
"Rules":{"r":{"RuleType":"failover","Primary":{"EndpointReference":"a","HealthCheck":"web-primary"},"Secondary":{"EndpointReference":"b"}}}}`

func records(entries ...string) string {
	return `{"PolicyRecords":[` + strings.Join(entries, ",") + `]}`
}

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

func TestEmptyStore(t *testing.T) {
	s, probs := Load(t.TempDir(), Options{})
	if probs.Err() != nil || len(s.Records) != 0 || len(s.Policies) != 0 {
		t.Fatalf("empty store: %v", probs)
	}
	if s.Summary() != "0 policies, 0 versions, 0 policy records, 0 aliases, 0 health checks" {
		t.Errorf("summary %q", s.Summary())
	}
	_, probs = Load(filepath.Join(t.TempDir(), "nope"), Options{})
	if len(probs) != 1 || !strings.HasSuffix(probs[0].String(), "nope: no such file or directory") {
		t.Errorf("missing dir: %v", probs)
	}
}

// A HealthCheck healthchecks.json does not define: an error in a version a
// record uses, unless missing_healthcheck treats it as healthy or unhealthy
// (with a warning); only a warning in a version no record uses.
func TestMissingHealthCheck(t *testing.T) {
	files := map[string]string{
		"policies/web/1.json": failoverHC,
		"policies/web/2.json": simpleDoc,
		"records.json":        records(rec("www.example.com", "web", 1)),
	}
	unused := map[string]string{
		"policies/web/1.json": failoverHC,
		"policies/web/2.json": simpleDoc,
		"records.json":        records(rec("www.example.com", "web", 2)),
	}
	runStoreCases(t, []storeCase{
		{name: "error by default", files: files,
			want: []string{`policies/web/1.json: Rules.r.Primary.HealthCheck: no health check "web-primary" in healthchecks.json`}},
		{name: "treated as healthy", files: files, opts: Options{MissingHealthCheck: MissingHealthy},
			want: []string{`policies/web/1.json: Rules.r.Primary.HealthCheck: warning: no health check "web-primary" in healthchecks.json; treated as healthy (missing_healthcheck)`},
			check: func(t *testing.T, s *Store) {
				if h, ok := s.Missing["web-primary"]; !ok || !h {
					t.Errorf("Missing = %v", s.Missing)
				}
			}},
		{name: "treated as unhealthy", files: files, opts: Options{MissingHealthCheck: MissingUnhealthy},
			want: []string{`policies/web/1.json: Rules.r.Primary.HealthCheck: warning: no health check "web-primary" in healthchecks.json; treated as unhealthy (missing_healthcheck)`},
			check: func(t *testing.T, s *Store) {
				if h, ok := s.Missing["web-primary"]; !ok || h {
					t.Errorf("Missing = %v", s.Missing)
				}
			}},
		{name: "unused version only warns", files: unused,
			want: []string{`policies/web/1.json: Rules.r.Primary.HealthCheck: warning: no health check "web-primary" in healthchecks.json (no record uses this version)`}},
		{name: "defined", files: map[string]string{
			"policies/web/1.json": failoverHC,
			"records.json":        records(rec("www.example.com", "web", 1)),
			"healthchecks.json":   `{"HealthChecks":[{"Id":"web-primary","HealthCheckConfig":{"Type":"TCP","IPAddress":"192.0.2.1","Port":443}}]}`,
		}},
	})
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// Every import shape (a raw document, a Comment and Document wrapper, the
// output of get-traffic-policy, create-traffic-policy and
// list-traffic-policy-versions, YAML) loads, each version addressable.
func TestImportShapes(t *testing.T) {
	getOutput := `{"TrafficPolicy":{"Id":"3c1b2f50-7d3e-4a2b-9c51-0e2d8a6b7f10","Version":2,"Name":"web","Type":"A","Comment":"v2",
		"Document":` + jsonString(docA("192.0.2.2")) + `}}`
	createOutput := `{"Location":"https://route53.amazonaws.com/2013-04-01/trafficpolicy/3c1b2f50-7d3e-4a2b-9c51-0e2d8a6b7f10/3",
		"TrafficPolicy":{"Id":"3c1b2f50-7d3e-4a2b-9c51-0e2d8a6b7f10","Version":3,"Name":"web","Type":"A","Document":` + jsonString(docA("192.0.2.3")) + `}}`
	listOutput := `{"TrafficPolicies":[
		{"Id":"a1","Version":1,"Name":"api","Type":"A","Comment":"initial","Document":` + jsonString(docA("198.51.100.1")) + `},
		{"Id":"a1","Version":2,"Name":"api","Type":"A","Comment":"switch address","Document":` + jsonString(docA("198.51.100.2")) + `},
		{"Id":"a1","Version":5,"Name":"api","Type":"A","Document":` + docA("198.51.100.5") + `}],
		"IsTruncated":false,"TrafficPolicyVersionMarker":"5","MaxItems":"100"}`
	files := map[string]string{
		"policies/web/1.json": docA("192.0.2.1"),
		"policies/web/2.json": getOutput,
		"policies/web/3.json": createOutput,
		"policies/web/4.json": `{"Comment":"hand written","Document":` + docA("192.0.2.4") + `}`,
		"policies/web/5.yaml": "Comment: yaml\nDocument:\n  AWSPolicyFormatVersion: 2015-10-01\n  RecordType: A\n  StartEndpoint: e\n  Endpoints:\n    e: {Type: value, Value: 192.0.2.5}\n",
		"policies/api.json":   listOutput,
		"records.json": records(rec("a.example.com", "web", 1), rec("b.example.com", "web", 2), rec("c.example.com", "web", 3),
			rec("d.example.com", "web", 4), rec("e.example.com", "web", 5), rec("f.example.com", "api", 1), rec("g.example.com", "api", 2), rec("h.example.com", "api", 5)),
	}
	runStoreCases(t, []storeCase{{name: "all shapes", files: files, check: func(t *testing.T, s *Store) {
		want := map[string]string{"a": "192.0.2.1", "b": "192.0.2.2", "c": "192.0.2.3", "d": "192.0.2.4", "e": "192.0.2.5",
			"f": "198.51.100.1", "g": "198.51.100.2", "h": "198.51.100.5"}
		for label, addr := range want {
			r := s.records[label+".example.com."]
			if r == nil {
				t.Fatalf("no record %s", label)
			}
			if got := r.Ver.Document.endpoints["e"].RR.(*dns.A).A.String(); got != addr {
				t.Errorf("%s: %s, want %s", label, got, addr)
			}
		}
		if s.Policies["web"].ID != "3c1b2f50-7d3e-4a2b-9c51-0e2d8a6b7f10" || s.Policies["api"].ID != "a1" {
			t.Errorf("ids %q %q", s.Policies["web"].ID, s.Policies["api"].ID)
		}
		if c := s.Policies["api"].Versions[2].Comment; c != "switch address" {
			t.Errorf("comment %q", c)
		}
		if c := s.Policies["web"].Versions[4].Comment; c != "hand written" {
			t.Errorf("comment %q", c)
		}
		if p := s.Policies["api"].Versions[2]; p.File != "policies/api.json" || p.Path != "TrafficPolicies[1].Document" {
			t.Errorf("version 2 at %s %s", p.File, p.Path)
		}
		if s.Summary() != "2 policies, 8 versions, 8 policy records, 0 aliases, 0 health checks" {
			t.Errorf("summary %q", s.Summary())
		}
	}}})

	runStoreCases(t, []storeCase{
		{name: "type does not match", files: map[string]string{
			"policies/web/2.json": `{"TrafficPolicy":{"Id":"x","Version":2,"Name":"web","Type":"AAAA","Document":` + jsonString(docA("192.0.2.2")) + `}}`},
			want: []string{`policies/web/2.json: TrafficPolicy.Type: AAAA does not match the document's RecordType A`}},
		{name: "error inside an embedded document", files: map[string]string{
			"policies/web.json": `{"TrafficPolicies":[{"Version":1,"Document":` + jsonString(docA("::1")) + `}]}`},
			want: []string{`policies/web.json: TrafficPolicies[0].Document.Endpoints.e.Value: "::1" is not a valid A record value`}},
		{name: "embedded string is not JSON", files: map[string]string{
			"policies/web/1.json": `{"TrafficPolicy":{"Version":1,"Document":"{nope"}}`},
			want: []string{`policies/web/1.json: TrafficPolicy.Document: the document string is not valid JSON: line 1, column 2: syntax error: unexpected character 'n', expecting a quoted object key`}},
		{name: "version does not match the file name", files: map[string]string{"policies/web/2.json": strings.Replace(getOutput, `"Version":2`, `"Version":7`, 1)},
			want: []string{`policies/web/2.json: TrafficPolicy.Version: 7 does not match the file name, which says version 2`}},
		{name: "name differs", files: map[string]string{"policies/site/2.json": getOutput},
			want: []string{`policies/site/2.json: TrafficPolicy.Name: warning: "web" differs from the policy's name in the store, "site" (records refer to "site")`}},
		{name: "version defined twice", files: map[string]string{"policies/api/2.json": docA("192.0.2.9"), "policies/api.json": listOutput},
			want: []string{`policies/api.json: TrafficPolicies[1].Version: version 2 of policy "api" is already defined in policies/api/2.json`}},
		{name: "list in a version file", files: map[string]string{"policies/api/1.json": listOutput},
			want: []string{`policies/api/1.json: holds list-traffic-policy-versions output, which has many versions; save it as policies/api.json`}},
		{name: "raw document without a version", files: map[string]string{"policies/web.json": simpleDoc},
			want: []string{`policies/web.json: a policy document without a version number; save it as policies/web/VERSION.json`}},
		{name: "bad version file names", files: map[string]string{"policies/web/0.json": simpleDoc, "policies/web/latest.json": simpleDoc,
			"policies/web/1001.json": simpleDoc, "policies/web/01.json": simpleDoc, "policies/web/README.md": "notes"},
			want: []string{
				`policies/web/0.json: the file name must be a version number 1..1000 (such as 1.json)`,
				`policies/web/01.json: the file name must be a version number 1..1000 (such as 1.json)`,
				`policies/web/1001.json: the file name must be a version number 1..1000 (such as 1.json)`,
				`policies/web/README.md: warning: not a .json, .yaml or .yml file; ignored`,
				`policies/web/latest.json: the file name must be a version number 1..1000 (such as 1.json)`}},
		{name: "not a policy", files: map[string]string{"policies/web/1.json": `{"Hello":"world"}`},
			want: []string{`policies/web/1.json: is not a traffic policy document (no AWSPolicyFormatVersion), a {"Comment", "Document"} object, or the output of aws route53 get-traffic-policy or list-traffic-policy-versions`}},
		{name: "truncated listing", files: map[string]string{"policies/api.json": strings.Replace(listOutput, `"IsTruncated":false`, `"IsTruncated":true`, 1)},
			want: []string{`policies/api.json: IsTruncated: warning: the listing is truncated; versions after TrafficPolicyVersionMarker are missing (use --no-paginate off, or list again with --traffic-policy-version-marker)`}},
		{name: "syntax error", files: map[string]string{"policies/web/1.json": "{\n  \"AWSPolicyFormatVersion\": \"2015-10-01\"\n  \"RecordType\": \"A\"\n}"},
			want: []string{`policies/web/1.json: line 3, column 3: syntax error: unexpected character '"', expecting ',' or '}'`}},
	})
}

// Versions sort numerically and records bind to the right one.
func TestVersionsAndRecords(t *testing.T) {
	files := map[string]string{
		"policies/web/1.json":  docA("192.0.2.1"),
		"policies/web/2.json":  docA("192.0.2.2"),
		"policies/web/10.json": docA("192.0.2.10"),
		"records.json": `{"PolicyRecords":[` + rec("www.Example.com", "web", 10) + `,` + rec("example.com.", "web", 2) + `],
			"Aliases":[{"Name":"alias.example.com","Target":"other.example.com"},{"Name":"other.example.com","Target":"www.example.com."}]}`,
	}
	runStoreCases(t, []storeCase{{name: "ok", files: files, check: func(t *testing.T, s *Store) {
		if got := slices.Sorted(maps.Keys(s.Policies["web"].Versions)); len(got) != 3 || got[0] != 1 || got[1] != 2 || got[2] != 10 {
			t.Errorf("numbers %v", got)
		}
		r := s.records["www.example.com."]
		if r == nil || r.Ver.Number != 10 || r.TTL != 60 || r.Path != "PolicyRecords[0]" {
			t.Fatalf("record %+v", r)
		}
		if len(s.Records) != 2 || s.Records[0].Name != "example.com." {
			t.Errorf("records not sorted: %v", s.Records)
		}
		if len(s.Aliases) != 2 || s.Aliases[0].Name != "alias.example.com." || s.Aliases[0].Record != r || s.Aliases[1].Record != r {
			t.Errorf("aliases %+v", s.Aliases)
		}
	}}})
	runStoreCases(t, []storeCase{
		{name: "references", files: map[string]string{
			"policies/web/1.json": docA("192.0.2.1"),
			"records.json": `{"PolicyRecords":[` + rec("a.example.com", "web", 3) + `,` + rec("b.example.com", "nope", 1) + `,` + rec("a.example.com.", "web", 1) + `,
				{"Name":"c.example.com","Policy":"web","Version":1},{"Name":"d.example.com","Policy":"web","Version":1,"TTL":-1},
				{"Name":"bad name..example.com","Policy":"web","Version":1,"TTL":1},{"Name":"*.example.com","Policy":"web","Version":1,"TTL":1},
				{"Name":"e.example.com","Policy":"web","Version":"1","TTL":"2147483648"}],
				"Aliases":[{"Name":"x.example.com","Target":"y.example.com"},{"Name":"y.example.com","Target":"x.example.com"},
				{"Name":"z.example.com","Target":"nowhere.example.com"},{"Name":"a.example.com","Target":"z.example.com"}]}`,
		}, want: []string{
			`records.json: PolicyRecords[0].Version: policy "web" has no version 3 (it has 1)`,
			`records.json: PolicyRecords[1].Policy: no policy "nope" in policies/`,
			`records.json: PolicyRecords[2].Name: a.example.com. is already defined by PolicyRecords[0]`,
			`records.json: PolicyRecords[3].TTL: is required (0..2147483647 seconds)`,
			`records.json: PolicyRecords[4].TTL: -1 is out of range 0..2147483647`,
			`records.json: PolicyRecords[5].Name: "bad name..example.com" is not a valid DNS name`,
			`records.json: PolicyRecords[6].Name: "*.example.com": wildcard names are not supported`,
			`records.json: PolicyRecords[7].TTL: 2147483648 is out of range 0..2147483647`,
			`records.json: Aliases[3].Name: a.example.com. is already defined by PolicyRecords[0]`,
			`records.json: Aliases[0].Target: alias loop x.example.com. -> y.example.com. -> x.example.com.`,
			`records.json: Aliases[1].Target: alias loop y.example.com. -> x.example.com. -> y.example.com.`,
			`records.json: Aliases[2].Target: nowhere.example.com. is not a policy record or an alias in this file`,
		}},
		{name: "record of a broken version is not reported twice", files: map[string]string{
			"policies/web/1.json": docA("::1"),
			"records.json":        records(rec("a.example.com", "web", 1)),
		}, want: []string{`policies/web/1.json: Endpoints.e.Value: "::1" is not a valid A record value`}},
		{name: "two syntaxes of one file", files: map[string]string{"records.json": `{}`, "records.yaml": "{}"},
			want: []string{`records.json: records.yaml also exists; keep only one of them`}},
		{name: "yaml records", files: map[string]string{
			"policies/web/1.json": simpleDoc,
			"records.yml":         "# policy records\nPolicyRecords:\n  - {Name: www.example.com, Policy: web, Version: 1, TTL: 30}\nAliases:\n  - Name: example.com\n    Target: www.example.com\n",
		}, check: func(t *testing.T, s *Store) {
			if r := s.records["www.example.com."]; r == nil || r.TTL != 30 || len(s.Aliases) != 1 {
				t.Errorf("record %+v aliases %v", r, s.Aliases)
			}
		}},
		{name: "instances", files: map[string]string{
			"policies/web/4.json": `{"TrafficPolicy":{"Id":"3c1b2f50","Version":4,"Name":"web","Type":"A","Document":` + jsonString(simpleDoc) + `}}`,
			"records.json": `{"TrafficPolicyInstances":[{"Id":"i-1","HostedZoneId":"Z1","Name":"www.example.com.","TTL":300,"State":"Applied","Message":"",
				"TrafficPolicyId":"3c1b2f50","TrafficPolicyVersion":4,"TrafficPolicyType":"A"},
				{"Id":"i-2","Name":"api.example.com.","TTL":300,"TrafficPolicyId":"3c1b2f50","TrafficPolicyVersion":4,"TrafficPolicyType":"AAAA"},
				{"Id":"i-3","Name":"x.example.com.","TTL":300,"TrafficPolicyId":"unknown","TrafficPolicyVersion":4}],
				"IsTruncated":false,"MaxItems":"100"}`,
		}, want: []string{
			`records.json: TrafficPolicyInstances[1].TrafficPolicyType: AAAA does not match the RecordType A of policy "web" version 4`,
			`records.json: TrafficPolicyInstances[2].TrafficPolicyId: no policy in policies/ has Id "unknown" (policy files from aws route53 get-traffic-policy carry their Id)`,
		}},
	})
}

// A record whose type would change from the previous store's is an error
// (ConflictingTypes), so is a CNAME at a zone apex, and records outside
// the zones are not served.
func TestRecordTypesAndZones(t *testing.T) {
	cname := `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"CNAME","StartEndpoint":"e","Endpoints":{"e":{"Type":"value","Value":"cdn.example.net"}}}`
	prevDir := writeStore(t, map[string]string{"policies/web/1.json": simpleDoc, "records.json": records(rec("www.example.com", "web", 1))})
	prev, probs := Load(prevDir, Options{})
	if probs.Err() != nil {
		t.Fatal(probs)
	}
	runStoreCases(t, []storeCase{
		{name: "29 type change", opts: Options{Previous: prev}, files: map[string]string{
			"policies/web/1.json": simpleDoc, "policies/web/2.json": cname, "records.json": records(rec("www.example.com", "web", 2))},
			want: []string{`records.json: PolicyRecords[0].Version: www.example.com. would change type from A to CNAME (policy "web" version 2); Route 53 rejects this as ConflictingTypes: remove the record, then add it again`}},
		{name: "29 same type is an update", opts: Options{Previous: prev}, files: map[string]string{
			"policies/web/1.json": simpleDoc, "policies/web/2.json": docA("192.0.2.2"), "records.json": records(rec("www.example.com", "web", 2))}},
		{name: "30 CNAME at the apex", opts: Options{Zones: []string{"example.com."}}, files: map[string]string{
			"policies/cdn/1.json": cname, "records.json": `{"PolicyRecords":[` + rec("example.com", "cdn", 1) + `,` + rec("www.example.com", "cdn", 1) + `],
			"Aliases":[{"Name":"example.org.","Target":"www.example.com."}]}`},
			want: []string{
				`records.json: PolicyRecords[0].Name: example.com. is the apex of zone example.com., and a CNAME cannot be at a zone apex`,
				`records.json: Aliases[0].Name: warning: example.org. is outside the zones example.com.; it is not served`,
			}},
		{name: "30 alias at the apex to a CNAME", opts: Options{Zones: []string{"example.com.", "example.org."}}, files: map[string]string{
			"policies/cdn/1.json": cname, "records.json": `{"PolicyRecords":[` + rec("www.example.com", "cdn", 1) + `],
			"Aliases":[{"Name":"example.org.","Target":"www.example.com."}]}`},
			want: []string{`records.json: Aliases[0].Name: example.org. is the apex of zone example.org., and a CNAME cannot be at a zone apex`}},
		{name: "A at the apex is fine", opts: Options{Zones: []string{"example.com."}}, files: map[string]string{
			"policies/web/1.json": simpleDoc, "records.json": records(rec("example.com", "web", 1))}},
	})
}

// An s3-website endpoint whose bucket is not named after the record that
// serves it is a warning.
func TestS3BucketName(t *testing.T) {
	s3 := `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"r","Endpoints":{
		"lb":{"Type":"application-load-balancer","Value":"alb.us-east-1.elb.amazonaws.com"},
		"banner":{"Type":"s3-website","Region":"us-east-1","Value":"video.example.com.s3-website-us-east-1.amazonaws.com"}},
		"Rules":{"r":{"RuleType":"failover","Primary":{"EndpointReference":"lb"},"Secondary":{"EndpointReference":"banner"}}}}`
	runStoreCases(t, []storeCase{
		{name: "mismatch", files: map[string]string{"policies/site/1.json": s3, "records.json": records(rec("www.example.com", "site", 1))},
			want: []string{`records.json: PolicyRecords[0].Name: warning: s3-website endpoint "banner" of policy "site" version 1 is bucket "video.example.com", but S3 serves a website only under its bucket's name (www.example.com)`}},
		{name: "match", files: map[string]string{"policies/site/1.json": s3, "records.json": records(rec("video.example.com", "site", 1))}},
	})
}

func TestHealthChecksFile(t *testing.T) {
	list := `{"HealthChecks":[
		{"Id":"web","CallerReference":"x","HealthCheckConfig":{"Type":"HTTP","IPAddress":"192.0.2.10","ResourcePath":"health","RequestInterval":10,"FailureThreshold":"2"},"HealthCheckVersion":1},
		{"Id":"tls","HealthCheckConfig":{"Type":"HTTPS_STR_MATCH","FullyQualifiedDomainName":"www.example.com","SearchString":"OK","Inverted":"true"}},
		{"Id":"tcp","HealthCheckConfig":{"Type":"TCP","IPAddress":"2001:db8::1","Port":5432,"Disabled":true}},
		{"Id":"both","HealthCheckConfig":{"Type":"CALCULATED","HealthThreshold":1,"ChildHealthChecks":["web","tcp"]}},
		{"Id":"alarm","HealthCheckConfig":{"Type":"CLOUDWATCH_METRIC","AlarmIdentifier":{"Region":"us-east-1","Name":"a"},"InsufficientDataHealthStatus":"Unhealthy"}},
		{"Id":"arc","HealthCheckConfig":{"Type":"RECOVERY_CONTROL","RoutingControlArn":"arn:aws:route53-recovery-control::1:controlpanel/x/routingcontrol/y"}}],
		"Marker":"","IsTruncated":false,"MaxItems":"100"}`
	runStoreCases(t, []storeCase{{name: "list-health-checks", files: map[string]string{"healthchecks.json": list}, check: func(t *testing.T, s *Store) {
		byID := map[string]*HealthCheck{}
		for _, hc := range s.HealthChecks {
			byID[hc.ID] = hc
		}
		want := map[string]HealthCheck{
			"web":   {Type: HTTP, IPAddress: netip.MustParseAddr("192.0.2.10"), Port: 80, ResourcePath: "/health", RequestInterval: 10 * time.Second, FailureThreshold: 2},
			"tls":   {Type: HTTPSStrMatch, Port: 443, ResourcePath: "/", FullyQualifiedDomainName: "www.example.com", SearchString: "OK", RequestInterval: 30 * time.Second, FailureThreshold: 3, Inverted: true, EnableSNI: true},
			"tcp":   {Type: TCP, IPAddress: netip.MustParseAddr("2001:db8::1"), Port: 5432, RequestInterval: 30 * time.Second, FailureThreshold: 3, Disabled: true},
			"both":  {Type: Calculated, HealthThreshold: 1, ChildHealthChecks: []string{"web", "tcp"}, RequestInterval: 30 * time.Second, FailureThreshold: 3},
			"alarm": {Type: CloudWatch, InsufficientDataHealthStatus: InsufficientUnhealthy, RequestInterval: 30 * time.Second, FailureThreshold: 3},
			"arc":   {Type: RecoveryControl, InsufficientDataHealthStatus: InsufficientLastKnown, RequestInterval: 30 * time.Second, FailureThreshold: 3},
		}
		if len(byID) != len(want) {
			t.Fatalf("%d checks", len(byID))
		}
		index := map[string]int{"web": 0, "tls": 1, "tcp": 2, "both": 3, "alarm": 4, "arc": 5}
		for id, w := range want {
			w.ID = id
			w.File, w.Path = "healthchecks.json", "HealthChecks["+strconv.Itoa(index[id])+"].HealthCheckConfig"
			// Every field, so that a new one cannot be left unchecked.
			if !reflect.DeepEqual(*byID[id], w) {
				t.Errorf("%s:\n got %+v\nwant %+v", id, *byID[id], w)
			}
		}
		if s.HealthChecks[0].ID != "alarm" {
			t.Errorf("not sorted by ID")
		}
	}}})
	runStoreCases(t, []storeCase{
		{name: "get-health-check", files: map[string]string{"healthchecks.json": `{"HealthCheck":{"Id":"one","HealthCheckConfig":{"Type":"TCP","IPAddress":"192.0.2.1","Port":22}}}`},
			check: func(t *testing.T, s *Store) {
				if len(s.HealthChecks) != 1 || s.HealthChecks[0].ID != "one" {
					t.Errorf("%v", s.HealthChecks)
				}
			}},
		{name: "keyed configs in yaml", files: map[string]string{"healthchecks.yaml": "web:\n  Type: HTTP\n  IPAddress: 127.0.0.1\n  Port: 8080\n  RequestInterval: 1\n"},
			check: func(t *testing.T, s *Store) {
				if len(s.HealthChecks) != 1 || s.HealthChecks[0].Port != 8080 || s.HealthChecks[0].RequestInterval != time.Second {
					t.Errorf("%+v", s.HealthChecks[0])
				}
			}},
		{name: "errors", files: map[string]string{"healthchecks.json": `{"HealthChecks":[
			{"Id":"a","HealthCheckConfig":{"IPAddress":"192.0.2.1"}},
			{"Id":"b","HealthCheckConfig":{"Type":"TCP","IPAddress":"192.0.2.1"}},
			{"Id":"c","HealthCheckConfig":{"Type":"HTTP_STR_MATCH","IPAddress":"192.0.2.1"}},
			{"Id":"d","HealthCheckConfig":{"Type":"HTTP"}},
			{"Id":"e","HealthCheckConfig":{"Type":"HTTP","IPAddress":"192.0.2.300","RequestInterval":301,"FailureThreshold":11}},
			{"Id":"f","HealthCheckConfig":{"Type":"CALCULATED","ChildHealthChecks":["g","nope","f"]}},
			{"Id":"g","HealthCheckConfig":{"Type":"CALCULATED","HealthThreshold":0,"ChildHealthChecks":[]}},
			{"Id":"a","HealthCheckConfig":{"Type":"TCP","IPAddress":"192.0.2.1","Port":1}},
			{"HealthCheckConfig":{"Type":"TCP","IPAddress":"192.0.2.1","Port":1}},
			{"Id":"h","HealthCheckConfig":{"Type":"PING","IPAddress":"192.0.2.1"}},
			{"Id":"i","HealthCheckConfig":{"Type":"TCP","IPAddress":"192.0.2.1","Port":1,"SearchString":"x"}}]}`},
			want: []string{
				`healthchecks.json: HealthChecks[8].Id: is required (the ID policy documents use in HealthCheck)`,
				`healthchecks.json: HealthChecks[0].HealthCheckConfig.Type: is required (HTTP, HTTPS, HTTP_STR_MATCH, HTTPS_STR_MATCH, TCP, CALCULATED, CLOUDWATCH_METRIC, RECOVERY_CONTROL)`,
				`healthchecks.json: HealthChecks[1].HealthCheckConfig.Port: is required for TCP checks`,
				`healthchecks.json: HealthChecks[2].HealthCheckConfig.SearchString: is required for HTTP_STR_MATCH checks`,
				`healthchecks.json: HealthChecks[3].HealthCheckConfig: a HTTP check needs IPAddress or FullyQualifiedDomainName`,
				`healthchecks.json: HealthChecks[4].HealthCheckConfig.IPAddress: "192.0.2.300" is not an IPv4 or IPv6 address`,
				`healthchecks.json: HealthChecks[4].HealthCheckConfig.RequestInterval: 301 is out of range 1..300`,
				`healthchecks.json: HealthChecks[4].HealthCheckConfig.FailureThreshold: 11 is out of range 1..10`,
				`healthchecks.json: HealthChecks[5].HealthCheckConfig.HealthThreshold: is required for CALCULATED checks (0..256)`,
				`healthchecks.json: HealthChecks[5].HealthCheckConfig.ChildHealthChecks[2]: a calculated check cannot be its own child`,
				`healthchecks.json: HealthChecks[7].Id: health check "a" is already defined by HealthChecks[0]`,
				`healthchecks.json: HealthChecks[9].HealthCheckConfig.Type: "PING" is not a health check type (HTTP, HTTPS, HTTP_STR_MATCH, HTTPS_STR_MATCH, TCP, CALCULATED, CLOUDWATCH_METRIC, RECOVERY_CONTROL)`,
				`healthchecks.json: HealthChecks[10].HealthCheckConfig.SearchString: warning: TCP checks do not use SearchString; ignored`,
			}},
		{name: "calculated children", files: map[string]string{"healthchecks.json": `{"HealthChecks":[
			{"Id":"f","HealthCheckConfig":{"Type":"CALCULATED","HealthThreshold":1,"ChildHealthChecks":["g","nope"]}},
			{"Id":"g","HealthCheckConfig":{"Type":"CALCULATED","HealthThreshold":0,"ChildHealthChecks":[]}}]}`},
			want: []string{
				`healthchecks.json: HealthChecks[0].HealthCheckConfig.ChildHealthChecks[0]: "g" is itself CALCULATED; a calculated check's children cannot be calculated`,
				`healthchecks.json: HealthChecks[0].HealthCheckConfig.ChildHealthChecks[1]: no health check "nope" in this file`,
			}},
	})
}

func TestHealthStateFile(t *testing.T) {
	hcs := `{"HealthChecks":[{"Id":"web","HealthCheckConfig":{"Type":"TCP","IPAddress":"192.0.2.1","Port":80}},{"Id":"db","HealthCheckConfig":{"Type":"TCP","IPAddress":"192.0.2.2","Port":5432}}]}`
	runStoreCases(t, []storeCase{
		{name: "forced", files: map[string]string{"healthchecks.json": hcs, "healthstate.json": `{"web":"unhealthy","db":"Healthy"}`},
			check: func(t *testing.T, s *Store) {
				if s.Forced["web"] != ForcedUnhealthy || s.Forced["db"] != ForcedHealthy {
					t.Errorf("forced %v", s.Forced)
				}
			}},
		{name: "bad", files: map[string]string{"healthchecks.json": hcs, "healthstate.json": `{"web":"down","ghost":"healthy","db":true}`},
			want: []string{
				`healthstate.json: web: "down" is not a state (healthy or unhealthy)`,
				`healthstate.json: ghost: warning: no health check "ghost" in healthchecks.json; ignored`,
				`healthstate.json: db: must be a string, not a boolean`,
			}},
	})
}

func TestLocationsFile(t *testing.T) {
	doc := `{"AWSPolicyFormatVersion":"2023-05-09","RecordType":"A","StartRule":"r","Endpoints":{"a":{"Type":"value","Value":"192.0.2.1"},"b":{"Type":"value","Value":"192.0.2.2"},"c":{"Type":"value","Value":"192.0.2.3"}},
		"Rules":{"r":{"RuleType":"geoproximity","GeoproximityLocations":[
		{"EndpointReference":"a","Location":{"Type":"Region","LocationName":"aws:route53:us-east-1"}},
		{"EndpointReference":"b","Location":{"Type":"LocalZone","LocationName":"aws:route53:xx-test-1-abc-1a"}},
		{"EndpointReference":"c","Location":{"Type":"Region","LocationName":"aws:route53:xx-new-1"}}]}}}`
	runStoreCases(t, []storeCase{
		{name: "override and extend", files: map[string]string{
			"locations.json":      `{"Regions":{"us-east-1":{"Latitude":"38.90","Longitude":"-77.04"},"xx-new-1":{"Latitude":1,"Longitude":2}},"LocalZones":{"aws:route53:xx-test-1-abc-1a":{"Latitude":10,"Longitude":20}}}`,
			"policies/geo/1.json": doc}, check: func(t *testing.T, s *Store) {
			items := s.Policies["geo"].Versions[1].Document.rules["r"].Items
			if items[0].Point != (LatLon{38.90, -77.04}) || items[1].Point != (LatLon{10, 20}) || items[2].Point != (LatLon{1, 2}) {
				t.Errorf("points %v %v %v", items[0].Point, items[1].Point, items[2].Point)
			}
		}},
		{name: "bad", files: map[string]string{"locations.json": `{"Regions":{"us-east-1":{"Latitude":"95","Longitude":"0"},"x y":{"Latitude":1,"Longitude":1}},"LocalZones":{"z":{"Latitude":1}}}`},
			want: []string{
				`locations.json: Regions.us-east-1.Latitude: 95 is out of range -90..90`,
				`locations.json: Regions["x y"]: "x y" is not a region or Local Zone name`,
				`locations.json: LocalZones.z: needs Latitude and Longitude`,
			}},
	})
}

func TestStrictStore(t *testing.T) {
	files := map[string]string{"policies/web/1.json": `{"_note":"x",` + simpleDoc[1:], "records.json": records(rec("www.example.com", "web", 1))}
	dir := writeStore(t, files)
	if s, probs := Load(dir, Options{}); probs.Err() != nil || len(s.Warnings) != 1 {
		t.Errorf("lenient: %v", probs)
	}
	if _, probs := Load(dir, Options{Strict: true}); probs.Err() == nil || probs[0].String() != "policies/web/1.json: _note: unknown key; remove it, or correct its name" {
		t.Errorf("strict: %v", probs)
	}
	err := Problems{{File: "a.json", Path: "X", Message: "bad"}, {File: "b.json", Message: "worse"}}.Err()
	if err == nil || err.Error() != "a.json: X: bad\nb.json: worse" {
		t.Errorf("LoadError = %v", err)
	}
}

// Problems about calculated checks' children follow the file's order on
// every load (they were once reported in map order).
func TestCalculatedChildrenOrder(t *testing.T) {
	ids := []string{"z", "b", "m", "a", "q", "c", "y", "d"}
	var checks, want []string
	for i, id := range ids {
		checks = append(checks, `{"Id":"`+id+`","HealthCheckConfig":{"Type":"CALCULATED","HealthThreshold":1,"ChildHealthChecks":["missing-`+id+`"]}}`)
		want = append(want, `healthchecks.json: HealthChecks[`+strconv.Itoa(i)+`].HealthCheckConfig.ChildHealthChecks[0]: no health check "missing-`+id+`" in this file`)
	}
	dir := writeStore(t, map[string]string{"healthchecks.json": `{"HealthChecks":[` + strings.Join(checks, ",") + `]}`})
	for range 20 {
		_, probs := Load(dir, Options{})
		err := probs.Err()
		if err == nil || err.Error() != strings.Join(want, "\n") {
			t.Fatalf("LoadError:\n%v\nwant:\n%s", err, strings.Join(want, "\n"))
		}
	}
}

// padDoc is a TXT document whose unknown _pad key carries pad.
func padDoc(pad string) map[string]any {
	return map[string]any{"AWSPolicyFormatVersion": "2015-10-01", "RecordType": "TXT", "StartEndpoint": "e",
		"Endpoints": map[string]any{"e": map[string]any{"Type": "value", "Value": "x"}}, "_pad": pad}
}

// compactJSON is v written by encoding/json: compact, so its length in
// characters is what the size limit measures.
func compactJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// padYAML is padDoc(pad) as YAML, indented by indent.
func padYAML(indent, pad string) string {
	return indent + "AWSPolicyFormatVersion: \"2015-10-01\"\n" + indent + "RecordType: TXT\n" + indent + "StartEndpoint: e\n" +
		indent + "Endpoints:\n" + indent + "  e: {Type: value, Value: x}\n" + indent + "_pad: " + pad + "\n"
}

// The document size limit in a store: it holds whatever the syntax and
// whatever wraps the document, and counts characters of the document as
// compact JSON (or of the Document string).
func TestDocumentSizeInStore(t *testing.T) {
	base := utf8.RuneCountInString(compactJSON(t, padDoc("")))
	fit := strings.Repeat("x", MaxDocumentSize-base)     // exactly the limit
	over := strings.Repeat("x", MaxDocumentSize-base+1)  // one character more
	fitWide := strings.Repeat("é", MaxDocumentSize-base) // 2 bytes each, 1 character
	if n := utf8.RuneCountInString(compactJSON(t, padDoc(over))); n != MaxDocumentSize+1 {
		t.Fatalf("test document is %d characters", n)
	}
	tooLong := `the document is 102401 characters long; Route 53 allows at most 102400`
	recs := records(rec("www.example.com", "web", 1))
	runStoreCases(t, []storeCase{
		{name: "yaml wrapper over", files: map[string]string{"policies/web/1.yaml": "Comment: big\nDocument:\n" + padYAML("  ", over)},
			want: []string{`policies/web/1.yaml: Document: ` + tooLong, `policies/web/1.yaml: Document._pad: warning: unknown key; ignored`}},
		{name: "yaml wrapper at the limit", files: map[string]string{"policies/web/1.yaml": "Comment: big\nDocument:\n" + padYAML("  ", fit), "records.json": recs},
			want: []string{`policies/web/1.yaml: Document._pad: warning: unknown key; ignored`},
			check: func(t *testing.T, s *Store) {
				if got := s.records["www.example.com."].Ver.Document.Size; got != MaxDocumentSize {
					t.Errorf("Size = %d, want %d", got, MaxDocumentSize)
				}
			}},
		{name: "yaml characters not bytes", files: map[string]string{"policies/web/1.yaml": "Document:\n" + padYAML("  ", fitWide)},
			want: []string{`policies/web/1.yaml: Document._pad: warning: unknown key; ignored`}},
		{name: "yaml traffic policy over", files: map[string]string{"policies/web/1.yml": "TrafficPolicy:\n  Version: 1\n  Document:\n" + padYAML("    ", over)},
			want: []string{`policies/web/1.yml: TrafficPolicy.Document: ` + tooLong, `policies/web/1.yml: TrafficPolicy.Document._pad: warning: unknown key; ignored`}},
		{name: "yaml version list over", files: map[string]string{"policies/web.yaml": "TrafficPolicies:\n  - Version: 1\n    Document:\n" + padYAML("      ", over)},
			want: []string{`policies/web.yaml: TrafficPolicies[0].Document: ` + tooLong, `policies/web.yaml: TrafficPolicies[0].Document._pad: warning: unknown key; ignored`}},
		{name: "yaml document file over", files: map[string]string{"policies/web/1.yaml": padYAML("", over)},
			want: []string{`policies/web/1.yaml: ` + tooLong, `policies/web/1.yaml: _pad: warning: unknown key; ignored`}},
		{name: "yaml document file at the limit", files: map[string]string{"policies/web/1.yaml": "# a comment\n" + padYAML("", fit)},
			want: []string{`policies/web/1.yaml: _pad: warning: unknown key; ignored`}},
		{name: "json wrapper over", files: map[string]string{"policies/web/1.json": `{"Comment":"big","Document":` + compactJSON(t, padDoc(over)) + `}`},
			want: []string{`policies/web/1.json: Document: ` + tooLong, `policies/web/1.json: Document._pad: warning: unknown key; ignored`}},
		{name: "json document file over", files: map[string]string{"policies/web/1.json": compactJSON(t, padDoc(over))},
			want: []string{`policies/web/1.json: ` + tooLong, `policies/web/1.json: _pad: warning: unknown key; ignored`}},
		{name: "json document file white space not counted", files: map[string]string{"policies/web/1.json": strings.ReplaceAll(compactJSON(t, padDoc(fit)), ",", ",\n    ")},
			want: []string{`policies/web/1.json: _pad: warning: unknown key; ignored`}},
		{name: "json string over", files: map[string]string{"policies/web/1.json": `{"TrafficPolicy":{"Version":1,"Document":` + jsonString(compactJSON(t, padDoc(over))) + `}}`},
			want: []string{`policies/web/1.json: TrafficPolicy.Document: ` + tooLong, `policies/web/1.json: TrafficPolicy.Document._pad: warning: unknown key; ignored`}},
		{name: "json string counts its white space", files: map[string]string{"policies/web/1.json": `{"TrafficPolicy":{"Version":1,"Document":` + jsonString(" "+compactJSON(t, padDoc(fit))) + `}}`},
			want: []string{`policies/web/1.json: TrafficPolicy.Document: ` + tooLong, `policies/web/1.json: TrafficPolicy.Document._pad: warning: unknown key; ignored`}},
		{name: "json string characters not bytes", files: map[string]string{"policies/web/1.json": `{"TrafficPolicy":{"Version":1,"Document":` + jsonString(compactJSON(t, padDoc(fitWide))) + `}}`},
			want: []string{`policies/web/1.json: TrafficPolicy.Document._pad: warning: unknown key; ignored`}},
	})
}

// An HTTP check's ResourcePath must be one the prober can send.
func TestResourcePath(t *testing.T) {
	valid := `
		{"Id":"ok","HealthCheckConfig":{"Type":"HTTP","IPAddress":"192.0.2.1","ResourcePath":"/health?deep=1&x=%20"}},
		{"Id":"rel","HealthCheckConfig":{"Type":"HTTPS","IPAddress":"192.0.2.1","ResourcePath":"status"}}`
	hcs := `{"HealthChecks":[` + valid + `,
		{"Id":"bad","HealthCheckConfig":{"Type":"HTTP","IPAddress":"192.0.2.1","ResourcePath":"/%zz"}},
		{"Id":"bad2","HealthCheckConfig":{"Type":"HTTP_STR_MATCH","IPAddress":"192.0.2.1","SearchString":"x","ResourcePath":"health%2"}},
		{"Id":"ctl","HealthCheckConfig":{"Type":"HTTP","IPAddress":"192.0.2.1","ResourcePath":"/a\nb"}}]}`
	runStoreCases(t, []storeCase{
		{name: "invalid", files: map[string]string{"healthchecks.json": hcs}, want: []string{
			`healthchecks.json: HealthChecks[2].HealthCheckConfig.ResourcePath: "/%zz" is not a valid URL path: invalid URL escape "%zz"`,
			`healthchecks.json: HealthChecks[3].HealthCheckConfig.ResourcePath: "health%2" is not a valid URL path: invalid URL escape "%2"`,
			`healthchecks.json: HealthChecks[4].HealthCheckConfig.ResourcePath: "/a\nb" is not a valid URL path: net/url: invalid control character in URL`,
		}},
		{name: "valid", files: map[string]string{"healthchecks.json": `{"HealthChecks":[` + valid + `]}`},
			check: func(t *testing.T, s *Store) {
				if len(s.HealthChecks) != 2 || s.HealthChecks[0].ResourcePath != "/health?deep=1&x=%20" || s.HealthChecks[1].ResourcePath != "/status" {
					t.Errorf("checks %+v", s.HealthChecks)
				}
			}},
	})
}

// Problems a store reports outside any document: duplicate keys at their
// own path, files that are not regular files, strict mode.
func TestStoreFileProblems(t *testing.T) {
	hcs := `{"HealthChecks":[{"Id":"web","HealthCheckConfig":{"Type":"TCP","IPAddress":"192.0.2.1","Port":80}}]}`
	list := `{"TrafficPolicies":[{"Version":1,"Document":` + jsonString(simpleDoc) + `},{"Version":1,"Document":` + simpleDoc + `}]}`
	runStoreCases(t, []storeCase{
		{name: "duplicate key at top level", files: map[string]string{"healthchecks.json": hcs, "healthstate.json": `{"web":"healthy","web":"unhealthy"}`},
			want: []string{`healthstate.json: web: duplicate key`},
			check: func(t *testing.T, s *Store) {
				if s.Forced["web"] != ForcedHealthy {
					t.Errorf("forced %v: the first value counts", s.Forced)
				}
			}},
		{name: "duplicate key in a wrapper", files: map[string]string{"policies/web/1.json": `{"Document":` + simpleDoc + `,"Document":` + simpleDoc + `}`},
			want: []string{`policies/web/1.json: Document: duplicate key`}},
		{name: "duplicate key spelled differently", files: map[string]string{"healthchecks.json": `{"web":{"Type":"TCP","IPAddress":"192.0.2.1","Port":80,"port":81}}`},
			want: []string{`healthchecks.json: web.port: warning: key should be spelled "Port"; accepted`, `healthchecks.json: web.port: duplicate key`}},
		{name: "version twice in one file", files: map[string]string{"policies/web.json": list},
			want: []string{`policies/web.json: TrafficPolicies[1].Version: version 1 of policy "web" is already defined earlier in this file`}},
		{name: "strict: not a store file", opts: Options{Strict: true}, files: map[string]string{"policies/notes.txt": "x", "policies/web/notes.txt": "x"},
			want: []string{`policies/notes.txt: not a .json, .yaml or .yml file; remove it from the store`, `policies/web/notes.txt: not a .json, .yaml or .yml file; remove it from the store`}},
	})
	// No record uses the version, so the missing check only warns; strict
	// makes that an error.
	dir := writeStore(t, map[string]string{"policies/web/1.json": failoverHC})
	_, probs := Load(dir, Options{Strict: true})
	if err := probs.Err(); err == nil || err.Error() != `policies/web/1.json: Rules.r.Primary.HealthCheck: no health check "web-primary" in healthchecks.json (no record uses this version); define the check in healthchecks.json, or remove the reference` {
		t.Errorf("strict unused version: %v", err)
	}
}

// A version file that cannot be stat'ed is reported with the reason; a
// directory where a version file should be is not a regular file.
func TestVersionFileNotRegular(t *testing.T) {
	dir := writeStore(t, map[string]string{"policies/web/1.json": simpleDoc, "policies/web/3.json/x": "x"})
	if err := os.Symlink("nowhere.json", filepath.Join(dir, "policies", "web", "2.json")); err != nil {
		t.Skip("no symlinks:", err)
	}
	for _, strict := range []bool{false, true} {
		_, probs := Load(dir, Options{Strict: strict})
		var got []string
		for _, p := range probs {
			got = append(got, p.String())
		}
		last := `policies/web/3.json: warning: is not a regular file; ignored`
		if strict {
			last = `policies/web/3.json: is not a regular file; remove it from the store`
		}
		want := []string{`policies/web/2.json: no such file or directory`, last}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("strict %v:\n got: %q\nwant: %q", strict, got, want)
		}
	}
}
