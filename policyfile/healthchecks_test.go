package policyfile

import (
	"net/netip"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

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
				if s.Missing["web-primary"] != ForcedHealthy {
					t.Errorf("Missing = %v", s.Missing)
				}
			}},
		{name: "treated as unhealthy", files: files, opts: Options{MissingHealthCheck: MissingUnhealthy},
			want: []string{`policies/web/1.json: Rules.r.Primary.HealthCheck: warning: no health check "web-primary" in healthchecks.json; treated as unhealthy (missing_healthcheck)`},
			check: func(t *testing.T, s *Store) {
				if s.Missing["web-primary"] != ForcedUnhealthy {
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

// healthchecks.json in each of its shapes, with Route 53's defaults filled
// in, and every error a check can have.
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
