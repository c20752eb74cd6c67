package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/trafficflow/trafficflow/internal/storegen"
)

func writeStore(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if err := storegen.WriteFiles(dir, files); err != nil {
		t.Fatal(err)
	}
	return dir
}

const weighted = `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"split",
"Endpoints":{"a":{"Type":"value","Value":"192.0.2.1"},"b":{"Type":"value","Value":"192.0.2.2"}},
"Rules":{"split":{"RuleType":"weighted","Items":[{"EndpointReference":"a","Weight":1},{"EndpointReference":"b","Weight":%s}]}}}`

func TestValidate(t *testing.T) {
	good := writeStore(t, map[string]string{
		"policies/web/1.json": strings.Replace(weighted, "%s", "3", 1),
		"policies/web/2.json": `{"_note":"x",` + strings.Replace(weighted, "%s", "3", 1)[1:],
		"records.json":        `{"PolicyRecords":[{"Name":"www.example.org","Policy":"web","Version":1,"TTL":60}]}`,
	})
	bad := writeStore(t, map[string]string{
		"policies/web/2.json": strings.Replace(weighted, "%s", "256", 1),
		"records.json":        `{"PolicyRecords":[{"Name":"example.org","Policy":"web","Version":3,"TTL":60}]}`,
	})
	cname := writeStore(t, map[string]string{
		"policies/cdn/1.json": `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"CNAME","StartEndpoint":"e","Endpoints":{"e":{"Type":"value","Value":"cdn.example.net"}}}`,
		"records.json":        `{"PolicyRecords":[{"Name":"example.org","Policy":"cdn","Version":1,"TTL":60}]}`,
	})
	missing := writeStore(t, map[string]string{
		"policies/web/1.json": `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"f","Endpoints":{"a":{"Type":"value","Value":"192.0.2.1"},"b":{"Type":"value","Value":"192.0.2.2"}},
			"Rules":{"f":{"RuleType":"failover","Primary":{"EndpointReference":"a","HealthCheck":"nope"},"Secondary":{"EndpointReference":"b"}}}}`,
		"records.json": `{"PolicyRecords":[{"Name":"www.example.org","Policy":"web","Version":1,"TTL":60}]}`,
	})
	cases := []struct {
		args   []string
		code   int
		out    string
		stderr string // a part of the standard error
	}{
		{[]string{"validate", good}, 0, "policies/web/2.json: _note: warning: unknown key; ignored\n" +
			good + ": valid: 1 policy, 2 versions, 1 policy record, 0 aliases, 0 health checks, 1 warning\n", ""},
		// Flags may follow the directory, as with every command.
		{[]string{"validate", good, "--strict"}, 1, "policies/web/2.json: _note: unknown key; remove it, or correct its name\n" +
			good + ": invalid: 1 error, 0 warnings (loaded 1 policy, 2 versions, 1 policy record, 0 aliases, 0 health checks)\n", ""},
		{[]string{"validate", "--strict", good}, 1, "policies/web/2.json: _note: unknown key; remove it, or correct its name\n" +
			good + ": invalid: 1 error, 0 warnings (loaded 1 policy, 2 versions, 1 policy record, 0 aliases, 0 health checks)\n", ""},
		{[]string{"validate", bad}, 1, "policies/web/2.json: Rules.split.Items[1].Weight: 256 is out of range 0..255\n" +
			"records.json: PolicyRecords[0].Version: policy \"web\" has no version 3 (it has 2)\n" +
			bad + ": invalid: 2 errors, 0 warnings (loaded 0 policies, 0 versions, 0 policy records, 0 aliases, 0 health checks)\n", ""},
		{[]string{"validate", cname}, 0, cname + ": valid: 1 policy, 1 version, 1 policy record, 0 aliases, 0 health checks, 0 warnings\n", ""},
		{[]string{"validate", "--zones", "example.org,example.net", cname}, 1, "records.json: PolicyRecords[0].Name: example.org. is the apex of zone example.org., and a CNAME cannot be at a zone apex\n" +
			cname + ": invalid: 1 error, 0 warnings (loaded 1 policy, 1 version, 1 policy record, 0 aliases, 0 health checks)\n", ""},
		// Zones are read as the Corefile reads them.
		{[]string{"validate", "--zones", "Example.ORG:53", cname}, 1, "records.json: PolicyRecords[0].Name: example.org. is the apex of zone example.org., and a CNAME cannot be at a zone apex\n" +
			cname + ": invalid: 1 error, 0 warnings (loaded 1 policy, 1 version, 1 policy record, 0 aliases, 0 health checks)\n", ""},
		{[]string{"validate", "--zones", "example.net", cname}, 0, "records.json: PolicyRecords[0].Name: warning: example.org. is outside the zones example.net.; it is not served\n" +
			cname + ": valid: 1 policy, 1 version, 1 policy record, 0 aliases, 0 health checks, 1 warning\n", ""},
		{[]string{"validate", "--zones", "exa mple.org", cname}, 2, "", `"exa mple.org" is not a zone name`},
		{[]string{"validate", missing}, 1, "policies/web/1.json: Rules.f.Primary.HealthCheck: no health check \"nope\" in healthchecks.json\n" +
			missing + ": invalid: 1 error, 0 warnings (loaded 1 policy, 1 version, 1 policy record, 0 aliases, 0 health checks)\n", ""},
		{[]string{"validate", "--missing-healthcheck", "healthy", missing}, 0, "policies/web/1.json: Rules.f.Primary.HealthCheck: warning: no health check \"nope\" in healthchecks.json; treated as healthy (missing_healthcheck)\n" +
			missing + ": valid: 1 policy, 1 version, 1 policy record, 0 aliases, 0 health checks, 1 warning\n", ""},
		{[]string{"validate", "--missing-healthcheck", "unhealthy", missing}, 0, "policies/web/1.json: Rules.f.Primary.HealthCheck: warning: no health check \"nope\" in healthchecks.json; treated as unhealthy (missing_healthcheck)\n" +
			missing + ": valid: 1 policy, 1 version, 1 policy record, 0 aliases, 0 health checks, 1 warning\n", ""},
		{[]string{"validate"}, 2, "", "usage: trafficflow validate"},
		{[]string{"validate", "a", "b"}, 2, "", "usage: trafficflow validate"},
		{[]string{"validate", "--frob", good}, 2, "", "flag provided but not defined: -frob\nusage: trafficflow validate"},
		{[]string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{[]string{"validate", "--missing-healthcheck", "maybe", good}, 2, "", `--missing-healthcheck must be error, healthy or unhealthy, not "maybe"`},
	}
	for _, tc := range cases {
		checkRun(t, tc.args, tc.code, tc.out, tc.stderr)
	}
}

// checkRun runs a command line as a subtest and checks its exit status,
// its output, and that its standard error contains stderr (and is empty
// when stderr is).
func checkRun(t *testing.T, args []string, code int, out, stderr string) {
	t.Helper()
	t.Run(strings.Join(args, " "), func(t *testing.T) {
		var gotOut, errOut bytes.Buffer
		got := run(args, &gotOut, &errOut)
		if got != code {
			t.Errorf("exit %d, want %d (stderr %q)", got, code, errOut.String())
		}
		if gotOut.String() != out {
			t.Errorf("output:\n%s\nwant:\n%s", gotOut.String(), out)
		}
		if !strings.Contains(errOut.String(), stderr) || (stderr == "") != (errOut.Len() == 0) {
			t.Errorf("standard error %q, want it to contain %q", errOut.String(), stderr)
		}
	})
}

// The example store in the repository is valid.
func TestExampleStore(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"validate", "--strict", "--zones", "example.org", "../../examples/store"}, &out, &errOut); code != 0 {
		t.Errorf("exit %d:\n%s%s", code, out.String(), errOut.String())
	}
}

// Real-world documents through validate: an s3-website bucket bound at its
// own name (no loop), an alias endpoint that does loop, a null reference,
// and a strict run that keeps every lenient finding.
func TestValidateRealWorld(t *testing.T) {
	s3doc, err := os.ReadFile("../../policyfile/testdata/realworld/aws-geo-latency-failover-s3.json")
	if err != nil {
		t.Fatal(err)
	}
	s3 := writeStore(t, map[string]string{
		"policies/video/1.json": string(s3doc),
		"records.json":          `{"PolicyRecords":[{"Name":"video.example.com","Policy":"video","Version":1,"TTL":60}]}`,
	})
	loop := writeStore(t, map[string]string{
		"policies/lb/1.json": `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartEndpoint":"lb","Endpoints":{"lb":{"Type":"application-load-balancer","Value":"www.example.com"}}}`,
		"records.json":       `{"PolicyRecords":[{"Name":"www.example.com","Policy":"lb","Version":1,"TTL":60}]}`,
	})
	null := writeStore(t, map[string]string{
		"policies/web/1.json": `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"top","Endpoints":{"a":{"Type":"value","Value":"192.0.2.1"},"b":{"Type":"value","Value":"192.0.2.2"}},
			"Rules":{"top":{"RuleType":"failover","Primary":{"EndpointReference":null,"RuleReference":"w"},"Secondary":{"EndpointReference":"b"}},
			"w":{"RuleType":"weighted","Items":[{"EndpointReference":"a","Weight":1}]}}}`,
		"records.json": `{"PolicyRecords":[{"Name":"www.example.com","Policy":"web","Version":1,"TTL":60}]}`,
	})
	lost := writeStore(t, map[string]string{
		"policies/web/1.json": `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartEndpoint":"a","Endpoints":{"a":{"Type":"value","Value":"192.0.2.1"},"b":{"Type":"value","Value":"192.0.2.2","Region":"x"}}}`,
	})
	for _, tc := range []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"validate", "--strict", "--zones", "example.com", s3}, 0, s3 + ": valid: 1 policy, 1 version, 1 policy record, 0 aliases, 0 health checks, 0 warnings\n"},
		{[]string{"validate", loop}, 1, `policies/lb/1.json: Endpoints.lb.Value: www.example.com. is a name this store serves, and leads back: alias loop www.example.com. (records.json: PolicyRecords[0]) -> application-load-balancer endpoint "lb" of policy "lb" version 1 -> www.example.com.; queries would fail with SERVFAIL` + "\n" +
			loop + ": invalid: 1 error, 0 warnings (loaded 1 policy, 1 version, 1 policy record, 0 aliases, 0 health checks)\n"},
		{[]string{"validate", null}, 0, "policies/web/1.json: Rules.top.Primary.EndpointReference: warning: is null; treated as absent\n" +
			null + ": valid: 1 policy, 1 version, 1 policy record, 0 aliases, 0 health checks, 1 warning\n"},
		{[]string{"validate", "--strict", null}, 1, "policies/web/1.json: Rules.top.Primary.EndpointReference: is null; remove it, or give it a value\n" +
			null + ": invalid: 1 error, 0 warnings (loaded 1 policy, 1 version, 1 policy record, 0 aliases, 0 health checks)\n"},
		{[]string{"validate", lost}, 0, "policies/web/1.json: Endpoints.b.Region: warning: only s3-website endpoints have a Region; ignored\n" +
			"policies/web/1.json: Endpoints.b: warning: endpoint is not reachable from the start; ignored\n" +
			lost + ": valid: 1 policy, 1 version, 0 policy records, 0 aliases, 0 health checks, 2 warnings\n"},
		{[]string{"validate", "--strict", lost}, 1, "policies/web/1.json: Endpoints.b.Region: only s3-website endpoints have a Region; remove it\n" +
			"policies/web/1.json: Endpoints.b: endpoint is not reachable from the start; remove it, or reference it\n" +
			lost + ": invalid: 2 errors, 0 warnings (loaded 1 policy, 1 version, 0 policy records, 0 aliases, 0 health checks)\n"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(tc.args, &out, &errOut); code != tc.code || out.String() != tc.out {
				t.Errorf("exit %d, output:\n%s\nwant exit %d:\n%s", code, out.String(), tc.code, tc.out)
			}
		})
	}
}
