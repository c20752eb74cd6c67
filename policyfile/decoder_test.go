package policyfile

import "testing"

// A JSON null is an absent field, for every optional field: a warning in
// lenient mode, an error with --strict, and a null field is never named as
// present.
func TestNullFields(t *testing.T) {
	nullRef := rulesDoc(twoEndpoints, `"start":{"RuleType":"failover",
		"Primary":{"EndpointReference":null,"RuleReference":"inner","HealthCheck":null,"EvaluateTargetHealth":null},
		"Secondary":{"EndpointReference":"b","RuleReference":null}},
		"inner":{"RuleType":"weighted","Items":[{"EndpointReference":"a","RuleReference":null,"Weight":1}]}`)
	runDocCases(t, []docCase{
		{name: "lenient", doc: nullRef, want: []string{
			"Rules.start.Primary.EndpointReference: warning: is null; treated as absent",
			"Rules.start.Primary.HealthCheck: warning: is null; treated as absent",
			"Rules.start.Primary.EvaluateTargetHealth: warning: is null; treated as absent",
			"Rules.start.Secondary.RuleReference: warning: is null; treated as absent",
			"Rules.inner.Items[0].RuleReference: warning: is null; treated as absent",
		}},
		{name: "strict", doc: nullRef, strict: true, want: []string{
			"Rules.start.Primary.EndpointReference: is null; remove it, or give it a value",
			"Rules.start.Primary.HealthCheck: is null; remove it, or give it a value",
			"Rules.start.Primary.EvaluateTargetHealth: is null; remove it, or give it a value",
			"Rules.start.Secondary.RuleReference: is null; remove it, or give it a value",
			"Rules.inner.Items[0].RuleReference: is null; remove it, or give it a value",
		}},
		{name: "a required field that is null is missing", doc: `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":null,"StartEndpoint":"e","Endpoints":{"e":{"Type":"value","Value":"192.0.2.1"}}}`,
			want: []string{"RecordType: warning: is null; treated as absent", "RecordType: is required"}},
		{name: "both starts, one null", doc: `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":null,"StartEndpoint":"e","Endpoints":{"e":{"Type":"value","Value":"192.0.2.1"}}}`,
			want: []string{"StartRule: warning: is null; treated as absent"}},
		{name: "geoproximity syntaxes, one null", doc: rulesDoc(twoEndpoints, `"start":{"RuleType":"geoproximity","GeoproximityLocations":[
			{"EndpointReference":"a","Region":"aws:route53:us-east-1","Location":null,"Latitude":null,"Longitude":null,"Bias":null}]}`),
			want: []string{
				"Rules.start.GeoproximityLocations[0].Location: warning: is null; treated as absent",
				"Rules.start.GeoproximityLocations[0].Latitude: warning: is null; treated as absent",
				"Rules.start.GeoproximityLocations[0].Longitude: warning: is null; treated as absent",
				"Rules.start.GeoproximityLocations[0].Bias: warning: is null; treated as absent",
				"Endpoints.b: warning: endpoint is not reachable from the start; ignored",
			}},
		{name: "null after a value is a duplicate", doc: `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartEndpoint":"e","StartEndpoint":null,"Endpoints":{"e":{"Type":"value","Value":"192.0.2.1"}}}`,
			want: []string{"StartEndpoint: duplicate key"}},
	})
	d, _ := parseStandaloneDocument([]byte(nullRef), false, false)
	if it := d.rules["start"].Items[0]; it.Rule != "inner" || it.Endpoint != "" || !it.EvaluateTargetHealth || it.HealthCheck != "" {
		t.Errorf("primary item %+v: the null fields must be absent (EvaluateTargetHealth defaults to true)", it)
	}
}

// null in the store's other files: wrappers, records, health checks.
func TestNullFieldsInStore(t *testing.T) {
	runStoreCases(t, []storeCase{
		{name: "wrapper and records", files: map[string]string{
			"policies/web/1.json": `{"Comment":null,"Document":` + simpleDoc + `}`,
			"policies/web/2.json": `{"TrafficPolicy":{"Id":null,"Version":2,"Name":"web","Type":"A","Comment":null,"Document":` + jsonString(simpleDoc) + `}}`,
			"records.json":        `{"PolicyRecords":[` + rec("www.example.com", "web", 2) + `],"Aliases":null,"TrafficPolicyInstances":null}`,
			"healthchecks.json":   `{"HealthChecks":[{"Id":"hc","CallerReference":null,"HealthCheckConfig":{"Type":"TCP","IPAddress":"192.0.2.1","Port":80,"ResourcePath":null,"Regions":null}}],"IsTruncated":null}`,
		}, want: []string{
			"healthchecks.json: IsTruncated: warning: is null; treated as absent",
			"healthchecks.json: HealthChecks[0].CallerReference: warning: is null; treated as absent",
			"healthchecks.json: HealthChecks[0].HealthCheckConfig.ResourcePath: warning: is null; treated as absent",
			"healthchecks.json: HealthChecks[0].HealthCheckConfig.Regions: warning: is null; treated as absent",
			"policies/web/1.json: Comment: warning: is null; treated as absent",
			"policies/web/2.json: TrafficPolicy.Id: warning: is null; treated as absent",
			"policies/web/2.json: TrafficPolicy.Comment: warning: is null; treated as absent",
			"records.json: Aliases: warning: is null; treated as absent",
			"records.json: TrafficPolicyInstances: warning: is null; treated as absent",
		}, check: func(t *testing.T, s *Store) {
			if len(s.Records) != 1 || s.Policies["web"].Versions[1].Comment != "" {
				t.Errorf("records %v", s.Records)
			}
		}},
		// A wrapper key that is null does not make the file that kind of
		// wrapper.
		{name: "null wrapper", files: map[string]string{"policies/web/1.json": `{"TrafficPolicy":null}`},
			want: []string{`policies/web/1.json: is not a traffic policy document (no AWSPolicyFormatVersion), a {"Comment", "Document"} object, or the output of aws route53 get-traffic-policy or list-traffic-policy-versions`}},
	})
}
