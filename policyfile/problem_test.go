package policyfile

import (
	"strings"
	"testing"
)

// Under --strict every finding of the lenient run is there, at the same
// file and path, as an error that says what must change instead of what
// lenient mode does about it.
func TestStrictKeepsEveryFinding(t *testing.T) {
	geo := `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"g","_note":"x",
		"Endpoints":{"a":{"Type":"value","Value":"192.0.2.1","Region":"us-east-1"},"b":{"Type":"value","Value":"192.0.2.2"},"orphan":{"Type":"value","Value":"192.0.2.3"}},
		"Rules":{"g":{"RuleType":"geo","Locations":[
			{"EndpointReference":"a","Country":"UK"},{"EndpointReference":"a","Country":"de"},{"EndpointReference":"b","Continent":"Europe"},
			{"EndpointReference":"b","Country":"FR","Subdivision":"75"},{"EndpointReference":"b","IsDefault":true,"Weight":3}]},
		"unused":{"RuleType":"weighted","Items":[{"EndpointReference":"orphan","Weight":1}]}}}`
	prox := `{"AWSPolicyFormatVersion":"2023-05-09","RecordType":"A","StartRule":"p",
		"Endpoints":{"a":{"Type":"value","Value":"192.0.2.1"},"n":{"Type":"network-load-balancer","Value":"nlb.elb.us-east-1.amazonaws.com"}},
		"Rules":{"p":{"RuleType":"geoproximity","GeoproximityLocations":[
			{"EndpointReference":"a","Region":"us-east-1"},{"RuleReference":"m","Latitude":"43.6532","Longitude":"-79.38"},
			{"EndpointReference":"a","Location":{"Type":"Coordinate","LocationName":"x","Latitude":"1","Longitude":"2"}}]},
		"m":{"RuleType":"multivalue","Items":[{"EndpointReference":"n","EvaluateTargetHealth":false}]}}}`
	files := map[string]string{
		"policies/geo/1.json":    geo,
		"policies/prox/1.json":   `{"TrafficPolicy":{"Version":1,"Name":"other","Document":` + jsonString(prox) + `}}`,
		"policies/notes.txt":     "x",
		"policies/geo/2.json":    failoverHC, // unused, and its check is missing
		"records.json":           `{"PolicyRecords":[` + rec("geo.example.com", "geo", 1) + `,` + rec("prox.example.org", "prox", 1) + `]}`,
		"healthchecks.json":      `{"hc":{"Type":"TCP","IPAddress":"192.0.2.1","Port":80,"SearchString":"x","ResourcePath":null,"Regions":["mars-1"]}}`,
		"healthstate.json":       `{"nope":"healthy"}`,
		"policies/x/1.json":      `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"CNAME","StartEndpoint":"c","Endpoints":{"c":{"Type":"value","Value":"y.example.com"}}}`,
		"policies/y/1.json":      `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"CNAME","StartEndpoint":"c","Endpoints":{"c":{"Type":"value","Value":"x.example.com"}}}`,
		"policies/bucket/1.json": `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartEndpoint":"s","Endpoints":{"s":{"Type":"s3-website","Region":"us-east-1","Value":"other.example.com"}}}`,
	}
	files["records.json"] = `{"PolicyRecords":[` + strings.Join([]string{rec("geo.example.com", "geo", 1), rec("prox.example.org", "prox", 1),
		rec("x.example.com", "x", 1), rec("y.example.com", "y", 1), rec("bucket.example.com", "bucket", 1),
		`{"Name":"z.example.com","Policy":"x","version":1,"TTL":1,"Extra":null}`}, ",") + `]}`
	dir := writeStore(t, files)
	opts := Options{Zones: []string{"example.com."}}
	_, lenient := Load(dir, opts)
	opts.Strict = true
	_, strict := Load(dir, opts)
	if len(lenient.Errors()) != 0 {
		t.Fatalf("the fixture must be valid in lenient mode: %v", lenient.Errors())
	}
	// Every kind of lenient finding is in the fixture.
	for _, kind := range []string{"; ignored", "; accepted", "accepted as", "truncated to", "never matches", "treated as absent", "not served",
		"not reachable", "matched against the GeoIP", "answered as values", "probes from where it runs", "CNAME loop", "no record uses this version",
		"S3 serves a website only", "differs from the policy's name"} {
		found := false
		for _, p := range lenient {
			found = found || strings.Contains(p.Message, kind)
		}
		if !found {
			t.Errorf("no lenient finding %q in the fixture", kind)
		}
	}
	if len(strict) != len(lenient) {
		t.Fatalf("strict has %d findings, lenient %d:\nstrict:\n%s\nlenient:\n%s", len(strict), len(lenient), lines(strict), lines(lenient))
	}
	for i, l := range lenient {
		s := strict[i]
		if s.File != l.File || s.Path != l.Path {
			t.Errorf("finding %d: strict at %s: %s, lenient at %s: %s", i, s.File, s.Path, l.File, l.Path)
		}
		if s.Severity != Error || s.Message == l.Message {
			t.Errorf("strict: %s (lenient: %s): want an error that says what must change", s, l)
		}
		for _, lenientWords := range []string{"ignored", "accepted", "truncated to", "treated as", "never matches", "not served", "answered as values", "probes from where"} {
			if strings.Contains(s.Message[strings.LastIndex(s.Message, "; ")+1:], lenientWords) {
				t.Errorf("strict message keeps lenient wording %q: %s", lenientWords, s)
			}
		}
	}
}

func lines(ps Problems) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.String() + "\n")
	}
	return b.String()
}
