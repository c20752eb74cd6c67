package policyfile

import (
	"maps"
	"slices"
	"testing"
)

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

// A record's Canary names a version of the record's policy that answers the
// record's type, and a percentage 0..100 (decimals allowed).
func TestCanary(t *testing.T) {
	withCanary := func(c string) map[string]string {
		return map[string]string{
			"policies/web/1.json": simpleDoc,
			"policies/web/2.json": docA("192.0.2.2"),
			"policies/web/3.json": `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"AAAA","StartEndpoint":"e","Endpoints":{"e":{"Type":"value","Value":"2001:db8::1"}}}`,
			"records.json":        `{"PolicyRecords":[{"Name":"www.example.com","Policy":"web","Version":1,"TTL":60,"Canary":` + c + `}]}`,
		}
	}
	runStoreCases(t, []storeCase{
		{name: "valid", files: withCanary(`{"Version":2,"Percent":12.5}`), check: func(t *testing.T, s *Store) {
			c := s.Records[0].Canary
			if c == nil || c.Version != 2 || c.Percent != 12.5 || c.Ver == nil || c.Ver.Number != 2 {
				t.Errorf("canary %+v", c)
			}
		}},
		{name: "percent as a string", files: withCanary(`{"Version":"2","Percent":"10"}`)},
		{name: "no such version", files: withCanary(`{"Version":9,"Percent":10}`),
			want: []string{`records.json: PolicyRecords[0].Canary.Version: policy "web" has no version 9 (it has 1, 2, 3)`}},
		{name: "another type", files: withCanary(`{"Version":3,"Percent":10}`),
			want: []string{`records.json: PolicyRecords[0].Canary.Version: version 3 of policy "web" answers AAAA, but the record's version 1 answers A; a canary must answer the record's type`}},
		{name: "out of range", files: withCanary(`{"Version":2,"Percent":100.5}`),
			want: []string{`records.json: PolicyRecords[0].Canary.Percent: 100.5 is out of range 0..100`}},
		{name: "not a number", files: withCanary(`{"Version":2,"Percent":"ten"}`),
			want: []string{`records.json: PolicyRecords[0].Canary.Percent: "ten" is not a number`}},
		{name: "missing fields", files: withCanary(`{}`),
			want: []string{`records.json: PolicyRecords[0].Canary.Version: is required (the version a share of the clients gets, 1..1000)`,
				`records.json: PolicyRecords[0].Canary.Percent: is required (the share of clients that get the canary version, 0..100)`}},
	})
}
