package policyfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// Fuzz targets: run one with, for example,
//
//	go test ./policyfile -run '^$' -fuzz '^FuzzParseDocument$' -fuzztime 60s
//
// The default go test run executes only their seed corpus.

// FuzzParseDocument parses one document on its own, in lenient and in
// strict mode: both find the same problems, and an accepted document holds
// what evaluation relies on.
func FuzzParseDocument(f *testing.F) {
	files, _ := filepath.Glob("testdata/compat/*.json")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, false)
	}
	for _, doc := range []string{legacyIn2023, locationIn2015, weightedDoc(`"3"`), biasDoc(`-10`), coordDoc(`"43.6532"`, `1`),
		latencyDoc("us-east-1", "eu-west-1"), geoDoc(`{"EndpointReference":"a","Country":"*"}`, `{"EndpointReference":"b","Continent":"EU"}`),
		endpointDoc("MX", `{"Type":"value","Value":"10 mail.example.com"}`), `{"a":"\ud83d\ude00\u0000"}`, `[1e10,-0.5,true,null]`,
		rulesDoc(twoEndpoints, `"start":{"RuleType":"failover","Primary":{"EndpointReference":null,"RuleReference":"w"},"Secondary":{"EndpointReference":"b","_x":1}},"w":{"RuleType":"weighted","Items":[{"EndpointReference":"a","Weight":"1"}]},"u":{"RuleType":"weighted","Items":[{"EndpointReference":"a","Weight":1}]}`),
		endpointDoc("A", `{"Type":"s3-website","Region":"us-east-1","Value":"www.example.com.s3-website-us-west-2.amazonaws.com"}`)} {
		f.Add([]byte(doc), false)
	}
	f.Add([]byte("AWSPolicyFormatVersion: 2015-10-01\nRecordType: A\nStartEndpoint: e\nEndpoints:\n  e: {Type: value, Value: 192.0.2.1}\n"), true)
	f.Add([]byte("a: &x [*x]\n"), true)
	f.Fuzz(func(t *testing.T, data []byte, yaml bool) {
		d, probs := ParseDocument(data, yaml, false)
		for _, p := range probs {
			if p.Message == "" {
				t.Fatalf("problem without a message: %+v", p)
			}
		}
		// Strict mode finds exactly what lenient mode finds, as errors.
		_, strict := ParseDocument(data, yaml, true)
		if len(strict) != len(probs) {
			t.Fatalf("strict: %d problems, lenient %d:\n%v\n%v", len(strict), len(probs), strict, probs)
		}
		for i, p := range probs {
			if s := strict[i]; s.Path != p.Path || s.Severity != Error || p.Severity == Warning && s.Message == p.Message {
				t.Fatalf("strict %q for lenient %q", s, p)
			}
		}
		if d == nil {
			if probs.Err() == nil {
				t.Fatal("no document and no error")
			}
			return
		}
		if probs.Err() != nil {
			t.Fatalf("a document despite errors: %v", probs.Errors())
		}
		checkDocumentInvariants(t, d)
	})
}

// checkDocumentInvariants asserts what evaluation relies on in every
// document ParseDocument accepts.
func checkDocumentInvariants(t *testing.T, d *Document) {
	t.Helper()
	if (d.StartRule == "") == (d.StartEndpoint == "") {
		t.Fatalf("start rule %q, start endpoint %q", d.StartRule, d.StartEndpoint)
	}
	if d.StartRule != "" && d.rules[d.StartRule] == nil || d.StartEndpoint != "" && d.endpoints[d.StartEndpoint] == nil {
		t.Fatal("start does not resolve")
	}
	for _, e := range d.Endpoints {
		if e.Type == ValueEndpoint && (e.RR == nil || e.RR.Header().Rrtype != d.RecordType) {
			t.Fatalf("endpoint %q has record %v", e.ID, e.RR)
		}
		if e.Type.IsAlias() && !strings.HasSuffix(e.Target, ".") {
			t.Fatalf("endpoint %q target %q", e.ID, e.Target)
		}
	}
	for _, r := range d.Rules {
		if len(r.Items) == 0 || r.Type == Failover && len(r.Items) != 2 {
			t.Fatalf("rule %q has %d items", r.ID, len(r.Items))
		}
		for _, it := range r.Items {
			if (it.Endpoint == "") == (it.Rule == "") {
				t.Fatalf("item %s references %q and %q", it.Path, it.Endpoint, it.Rule)
			}
			if it.Endpoint != "" && d.endpoints[it.Endpoint] == nil || it.Rule != "" && d.rules[it.Rule] == nil {
				t.Fatalf("item %s does not resolve", it.Path)
			}
			if it.Weight < 0 || it.Weight > 255 || it.Bias < -99 || it.Bias > 99 {
				t.Fatalf("item %s weight %d bias %d", it.Path, it.Weight, it.Bias)
			}
			if it.Point.Lat < -90 || it.Point.Lat > 90 || it.Point.Lon < -180 || it.Point.Lon > 180 {
				t.Fatalf("item %s at %v", it.Path, it.Point)
			}
		}
	}
	// No cycles: every rule reaches only endpoints within len(Rules) steps.
	var depth func(id string, n int)
	depth = func(id string, n int) {
		if n > len(d.Rules) {
			t.Fatalf("rule cycle through %q", id)
		}
		for _, it := range d.rules[id].Items {
			if it.Rule != "" {
				depth(it.Rule, n+1)
			}
		}
	}
	for _, r := range d.Rules {
		depth(r.ID, 0)
	}
}

// FuzzStoreFiles fuzzes records.json, healthchecks.json, healthstate.json
// and tests.json together, around a fixed policy.
func FuzzStoreFiles(f *testing.F) {
	f.Add([]byte(records(rec("www.example.com", "web", 1))),
		[]byte(`{"HealthChecks":[{"Id":"web-primary","HealthCheckConfig":{"Type":"HTTP","IPAddress":"192.0.2.1","Port":80}}]}`),
		[]byte(`{"web-primary":"unhealthy"}`),
		[]byte(`{"Tests":[{"Name":"drained","Record":"www.example.com","ECS":"89.160.20.112/24","Health":{"web-primary":"unhealthy"},"Expect":["192.0.2.2"]},
			{"Name":"split","Record":"WWW.example.com.","Location":{"Country":"us","Subdivision":"ca"},"ExpectShare":{"192.0.2.1":100,"192.0.2.1.":0}},
			{"Name":"far","Record":"www.example.com","Location":{"Latitude":"-33.87","Longitude":151.2},"Expect":[]}]}`))
	f.Add([]byte(`{"PolicyRecords":[{"Name":"a.example.com","Policy":"web","Version":1,"TTL":1}],"Aliases":[{"Name":"b.example.com","Target":"a.example.com"},{"Name":"c.example.com","Target":"c.example.com"}]}`),
		[]byte(`{"x":{"Type":"CALCULATED","HealthThreshold":1,"ChildHealthChecks":["y"]},"y":{"Type":"TCP","IPAddress":"::1","Port":1}}`),
		[]byte(`{}`),
		[]byte(`{"Tests":[{"Name":"b","Record":"b.example.com","Client":"2001:db8::1","Health":{"x":"healthy","y":"down"},"Expect":[""]},{"Name":"b","Record":"c.example.com","Expect":["a","A."]}]}`))
	f.Add([]byte(`{"TrafficPolicyInstances":[{"Name":"www.example.com.","TTL":300,"TrafficPolicyId":"web","TrafficPolicyVersion":1}]}`),
		[]byte(`{"HealthCheck":{"Id":"web-primary","HealthCheckConfig":{"Type":"HTTPS_STR_MATCH","FullyQualifiedDomainName":"a.example","SearchString":"ok"}}}`),
		[]byte(`[]`),
		[]byte("Tests:\n  - {Name: a, Record: www.example.com, Location: {Continent: EU}, Expect: [192.0.2.1]}\n"))
	f.Fuzz(func(t *testing.T, recs, hcs, state, tests []byte) {
		fsys := fstest.MapFS{
			"policies/web/1.json": {Data: []byte(failoverHC)},
			"records.json":        {Data: recs},
			"healthchecks.json":   {Data: hcs},
			"healthstate.json":    {Data: state},
			"tests.yaml":          {Data: tests},
		}
		s, probs := LoadFS(fsys, "fuzz", Options{})
		for _, p := range probs {
			if p.File == "" || p.Message == "" {
				t.Fatalf("problem without a file or message: %+v", p)
			}
		}
		if probs.Err() != nil {
			return
		}
		ids := map[string]*HealthCheck{}
		for _, hc := range s.HealthChecks {
			ids[hc.ID] = hc
			if hc.FailureThreshold < 1 || hc.FailureThreshold > 10 || hc.RequestInterval <= 0 {
				t.Fatalf("check %q: %+v", hc.ID, hc)
			}
			if _, err := hc.RequestURL(); hc.Type.UsesHTTP() && err != nil {
				t.Fatalf("check %q: ResourcePath %q: %v", hc.ID, hc.ResourcePath, err)
			}
		}
		for _, hc := range s.HealthChecks {
			for _, c := range hc.ChildHealthChecks {
				if ids[c] == nil || ids[c].Type == Calculated {
					t.Fatalf("check %q has child %q", hc.ID, c)
				}
			}
		}
		for _, r := range s.Records {
			if r.Ver == nil || s.records[r.Name] != r {
				t.Fatalf("record %q unresolved", r.Name)
			}
		}
		for _, a := range s.Aliases {
			if a.Record == nil || s.records[a.Name] != nil {
				t.Fatalf("alias %q: %+v", a.Name, a)
			}
		}
		for id := range s.Forced {
			if ids[id] == nil {
				t.Fatalf("forced state for unknown check %q", id)
			}
		}
		names := map[string]bool{}
		for _, tc := range s.Tests {
			if tc.Name == "" || names[tc.Name] || tc.Rec == nil || tc.Rec.Ver == nil {
				t.Fatalf("test %+v", tc)
			}
			names[tc.Name] = true
			if n := boolInt(tc.Client.IsValid()) + boolInt(tc.ECS.IsValid()) + boolInt(tc.Location != nil); n > 1 {
				t.Fatalf("test %q has %d clients", tc.Name, n)
			}
			if tc.ECS.IsValid() && (tc.ECS != tc.ECS.Masked() || tc.ECS.Bits() == 0) {
				t.Fatalf("test %q: ECS %s", tc.Name, tc.ECS)
			}
			if tc.Share == (tc.Expect != nil) || tc.Share != (tc.ExpectShare != nil) {
				t.Fatalf("test %q: Expect %v, ExpectShare %v", tc.Name, tc.Expect, tc.ExpectShare)
			}
			for _, sh := range tc.ExpectShare {
				if sh.Value == "" || sh.Percent < 0 || sh.Percent > 100 {
					t.Fatalf("test %q: share %+v", tc.Name, sh)
				}
			}
			for id := range tc.Health {
				if _, fixed := s.Missing[id]; ids[id] == nil && !fixed {
					t.Fatalf("test %q: unknown check %q", tc.Name, id)
				}
			}
		}
	})
}

func FuzzLatencyTable(f *testing.F) {
	f.Add([]byte("# comment\n203.0.113.0/24 us-east-1=21 eu-west-1=85.5\n2001:db8::/32 eu-west-1=12\n"))
	f.Add([]byte("0.0.0.0/0 us-east-1=1\n::/0 us-east-1=1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, probs := ParseLatencyTable("latency.txt", data)
		if (tab == nil) == (len(probs) == 0) {
			t.Fatalf("table %v with problems %v", tab, probs)
		}
		if tab == nil {
			return
		}
		seen := map[string]bool{}
		for _, e := range tab.Entries {
			if !e.Prefix.IsValid() || e.Prefix != e.Prefix.Masked() || seen[e.Prefix.String()] || len(e.RTT) == 0 {
				t.Fatalf("entry %+v", e)
			}
			seen[e.Prefix.String()] = true
			// Each entry's network finds its own row, or a longer one's.
			if row, bits := tab.Lookup(e.Prefix.Addr()); row == nil || bits < e.Prefix.Bits() {
				t.Fatalf("Lookup(%s) = %v, /%d", e.Prefix.Addr(), row, bits)
			}
		}
	})
}
