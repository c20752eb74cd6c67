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
	d, _ := ParseDocument([]byte(nullRef), false, false)
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

// Weight and Bias may be strings or numbers, and booleans strings in any
// case; values out of range or of the wrong kind are errors.
func TestLenientScalars(t *testing.T) {
	// A number written as a string reads as the number.
	for _, tc := range []struct {
		text string
		want int
	}{{`"3"`, 3}, {`3`, 3}, {`"0"`, 0}, {`0`, 0}, {`"255"`, 255}, {`255`, 255}} {
		d, p := ParseDocument([]byte(weightedDoc(tc.text)), false, false)
		if d == nil || len(p) != 0 {
			t.Fatalf("weight %s: %v", tc.text, p)
		}
		if got := d.rules["start"].Items[0].Weight; got != tc.want {
			t.Errorf("weight %s read as %d, want %d", tc.text, got, tc.want)
		}
	}
	for _, tc := range []struct {
		text string
		want int
	}{{`"-10"`, -10}, {`-10`, -10}, {`"99"`, 99}, {`99`, 99}, {`"-99"`, -99}, {`"0"`, 0}, {`0`, 0}} {
		d, p := ParseDocument([]byte(biasDoc(tc.text)), false, false)
		if d == nil || len(p) != 0 {
			t.Fatalf("bias %s: %v", tc.text, p)
		}
		if got := d.rules["start"].Items[0].Bias; got != tc.want {
			t.Errorf("bias %s read as %d, want %d", tc.text, got, tc.want)
		}
		if got := d.rules["start"].Items[1].Bias; got != 0 {
			t.Errorf("omitted bias read as %d, want 0", got)
		}
	}
	eth := func(v string) string {
		return rulesDoc(twoEndpoints, `"start":{"RuleType":"failover","Primary":{"EndpointReference":"a","EvaluateTargetHealth":`+v+`},"Secondary":{"EndpointReference":"b"}}`)
	}
	def := func(v string) string {
		return rulesDoc(twoEndpoints, `"start":{"RuleType":"geo","Locations":[{"EndpointReference":"a","Country":"FR"},{"EndpointReference":"b","IsDefault":`+v+`}]}`)
	}
	for _, tc := range []struct {
		v    string
		want bool
	}{{`true`, true}, {`"true"`, true}, {`"TRUE"`, true}, {`"True"`, true}, {`false`, false}, {`"false"`, false}, {`"FALSE"`, false}} {
		d, p := ParseDocument([]byte(eth(tc.v)), false, false)
		if d == nil || len(p) != 0 || d.rules["start"].Items[0].EvaluateTargetHealth != tc.want {
			t.Errorf("EvaluateTargetHealth %s: got %v, problems %v", tc.v, d != nil && d.rules["start"].Items[0].EvaluateTargetHealth, p)
		}
		if tc.want {
			d, p = ParseDocument([]byte(def(tc.v)), false, false)
			if d == nil || len(p) != 0 || !d.rules["start"].Items[1].IsDefault {
				t.Errorf("IsDefault %s: problems %v", tc.v, p)
			}
		}
	}
	// An omitted EvaluateTargetHealth is true.
	d, _ := ParseDocument([]byte(eth(`true`)), false, false)
	if !d.rules["start"].Items[1].EvaluateTargetHealth {
		t.Error("omitted EvaluateTargetHealth should default to true")
	}

	runDocCases(t, []docCase{
		{name: "10 weight 3.5", doc: weightedDoc(`"3.5"`), want: []string{`Rules.start.Items[0].Weight: "3.5" is not a whole number`}},
		{name: "10 weight 3.5 number", doc: weightedDoc(`3.5`), want: []string{`Rules.start.Items[0].Weight: 3.5 is not a whole number`}},
		{name: "10 weight 256", doc: weightedDoc(`256`), want: []string{`Rules.start.Items[0].Weight: 256 is out of range 0..255`}},
		{name: "10 weight -1", doc: weightedDoc(`-1`), want: []string{`Rules.start.Items[0].Weight: -1 is out of range 0..255`}},
		{name: "10 weight missing", doc: rulesDoc(twoEndpoints, `"start":{"RuleType":"weighted","Items":[{"EndpointReference":"a"},{"EndpointReference":"b","Weight":1}]}`),
			want: []string{`Rules.start.Items[0].Weight: is required (0..255)`}},
		{name: "10 bias 100", doc: biasDoc(`100`), want: []string{`Rules.start.GeoproximityLocations[0].Bias: 100 is out of range -99..99`}},
		{name: "10 bias -100 string", doc: biasDoc(`"-100"`), want: []string{`Rules.start.GeoproximityLocations[0].Bias: -100 is out of range -99..99`}},
		{name: "10 bias huge", doc: biasDoc(`99999999999999999999`), want: []string{`Rules.start.GeoproximityLocations[0].Bias: 99999999999999999999 is out of range -99..99`}},
		{name: "11 bad boolean", doc: eth(`"yes"`), want: []string{`Rules.start.Primary.EvaluateTargetHealth: "yes" is not a boolean (true or false)`}},
		{name: "11 bad boolean number", doc: eth(`1`), want: []string{`Rules.start.Primary.EvaluateTargetHealth: must be a boolean, not a number`}},
		{name: "11 bad IsDefault", doc: def(`"maybe"`), want: []string{`Rules.start.Locations[1].IsDefault: "maybe" is not a boolean (true or false)`}},
	})
}

// Latitude and longitude: their ranges, and more than two decimals
// truncated toward zero (a warning; an error in strict mode).
func TestCoordinates(t *testing.T) {
	d, p := ParseDocument([]byte(coordDoc(`"51.50"`, `"-0.07"`)), false, false)
	if d == nil || len(p) != 0 {
		t.Fatalf("51.50: %v", p)
	}
	if got := d.rules["start"].Items[0].Point; got != (LatLon{51.50, -0.07}) {
		t.Errorf("point = %v", got)
	}
	d, _ = ParseDocument([]byte(coordDoc(`"43.6532"`, `"-79.3832"`)), false, false)
	if d == nil {
		t.Fatal("lenient truncation rejected")
	}
	if got := d.rules["start"].Items[0].Point; got != (LatLon{43.65, -79.38}) {
		t.Errorf("truncated point = %v, want {43.65 -79.38} (truncated, not rounded)", got)
	}
	d, _ = ParseDocument([]byte(coordDoc(`43.6599`, `-79.3899`)), false, false)
	if got := d.rules["start"].Items[0].Point; got != (LatLon{43.65, -79.38}) {
		t.Errorf("numeric coordinates truncated to %v, want {43.65 -79.38}", got)
	}
	runDocCases(t, []docCase{
		{name: "lat 91", doc: coordDoc(`"91"`, `"0"`), want: []string{`Rules.start.GeoproximityLocations[0].Latitude: 91 is out of range -90..90`}},
		{name: "lon -181", doc: coordDoc(`"0"`, `"-181"`), want: []string{`Rules.start.GeoproximityLocations[0].Longitude: -181 is out of range -180..180`}},
		{name: "not a number", doc: coordDoc(`"north"`, `"0"`), want: []string{`Rules.start.GeoproximityLocations[0].Latitude: "north" is not a decimal number of degrees`}},
		{name: "precision lenient", doc: coordDoc(`"43.6532"`, `"-79.3832"`), want: []string{
			`Rules.start.GeoproximityLocations[0].Latitude: warning: 43.6532 has more than two decimal places; truncated to 43.65`,
			`Rules.start.GeoproximityLocations[0].Longitude: warning: -79.3832 has more than two decimal places; truncated to -79.38`}},
		{name: "precision strict", strict: true, doc: coordDoc(`"43.6532"`, `"-79.3832"`), want: []string{
			`Rules.start.GeoproximityLocations[0].Latitude: 43.6532 has more than two decimal places; write at most two (such as 43.65)`,
			`Rules.start.GeoproximityLocations[0].Longitude: -79.3832 has more than two decimal places; write at most two (such as -79.38)`}},
		{name: "latitude alone", doc: rulesDoc(twoEndpoints, `"start":{"RuleType":"geoproximity","GeoproximityLocations":[{"EndpointReference":"a","Latitude":"1"}]}`),
			want: []string{`Rules.start.GeoproximityLocations[0]: Latitude and Longitude go together; one of them is missing`}},
	})
}
