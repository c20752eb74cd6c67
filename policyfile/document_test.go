package policyfile

import (
	"fmt"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// docCase is a document and exactly the problems it must produce.
type docCase struct {
	name   string
	doc    string
	strict bool
	yaml   bool
	want   []string // every problem, in order, formatted
}

func runDocCases(t *testing.T, cases []docCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, probs := parseStandaloneDocument([]byte(tc.doc), tc.yaml, tc.strict)
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

const twoEndpoints = `"a":{"Type":"value","Value":"192.0.2.1"},"b":{"Type":"value","Value":"192.0.2.2"}`

// A document's structure: a start (StartEndpoint without Rules; both or
// neither start), references that do not resolve, items with both or no
// reference, rule cycles, rule types, format versions and 2023-05-09
// Location objects. Subtests are numbered as in docs/conformance.md.
func TestDocumentStructure(t *testing.T) {
	runDocCases(t, []docCase{
		{name: "1 start endpoint without rules", doc: `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A",
			"Endpoints":{"e":{"Type":"value","Value":"10.0.0.2"}},"StartEndpoint":"e"}`},
		{name: "2 both starts", doc: `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A",
			"Endpoints":{"e":{"Type":"value","Value":"10.0.0.2"}},"StartEndpoint":"e","StartRule":"r","Rules":{"r":{"RuleType":"weighted","Items":[{"EndpointReference":"e","Weight":1}]}}}`,
			want: []string{"StartRule and StartEndpoint are both set; use exactly one"}},
		{name: "2 no start", doc: `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","Endpoints":{"e":{"Type":"value","Value":"10.0.0.2"}}}`,
			want: []string{"one of StartRule or StartEndpoint is required"}},
		{name: "3 start rule missing", doc: `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"nope",
			"Endpoints":{"e":{"Type":"value","Value":"10.0.0.2"}}}`,
			want: []string{`StartRule: no rule "nope" in Rules`}},
		{name: "3 start endpoint missing", doc: `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartEndpoint":"nope"}`,
			want: []string{`StartEndpoint: no endpoint "nope" in Endpoints`}},
		{name: "3 endpoint and rule references missing", doc: rulesDoc(twoEndpoints,
			`"start":{"RuleType":"failover","Primary":{"EndpointReference":"ghost"},"Secondary":{"RuleReference":"phantom"}}`),
			want: []string{`Rules.start.Primary.EndpointReference: no endpoint "ghost" in Endpoints`,
				`Rules.start.Secondary.RuleReference: no rule "phantom" in Rules`}},
		{name: "4 item with both references", doc: rulesDoc(twoEndpoints,
			`"start":{"RuleType":"weighted","Items":[{"EndpointReference":"a","RuleReference":"start","Weight":1}]}`),
			want: []string{"Rules.start.Items[0]: has both EndpointReference and RuleReference; use exactly one"}},
		{name: "4 item with no reference", doc: rulesDoc(twoEndpoints,
			`"start":{"RuleType":"weighted","Items":[{"Weight":1},{"EndpointReference":"a","Weight":1},{"EndpointReference":"b","Weight":1}]}`),
			want: []string{"Rules.start.Items[0]: needs an EndpointReference or a RuleReference"}},
		{name: "5 cycle", doc: rulesDoc(twoEndpoints,
			`"start":{"RuleType":"failover","Primary":{"RuleReference":"b"},"Secondary":{"EndpointReference":"a"}},
			 "b":{"RuleType":"failover","Primary":{"RuleReference":"start"},"Secondary":{"EndpointReference":"b"}}`),
			want: []string{"Rules.b.Primary.RuleReference: rule cycle start -> b -> start"}},
		{name: "5 self reference", doc: rulesDoc(twoEndpoints,
			`"start":{"RuleType":"weighted","Items":[{"RuleReference":"start","Weight":1},{"EndpointReference":"a","Weight":1},{"EndpointReference":"b","Weight":1}]}`),
			want: []string{"Rules.start.Items[0].RuleReference: rule cycle start -> start"}},
		{name: "5 shared child is a DAG", doc: rulesDoc(twoEndpoints,
			`"start":{"RuleType":"weighted","Items":[{"RuleReference":"x","Weight":1},{"RuleReference":"y","Weight":1}]},
			 "x":{"RuleType":"failover","Primary":{"RuleReference":"shared"},"Secondary":{"EndpointReference":"a"}},
			 "y":{"RuleType":"failover","Primary":{"RuleReference":"shared"},"Secondary":{"EndpointReference":"b"}},
			 "shared":{"RuleType":"multivalue","Items":[{"EndpointReference":"a"},{"EndpointReference":"b"}]}`)},
		{name: "6 simple", doc: rulesDoc(twoEndpoints, `"start":{"RuleType":"simple","Items":[{"EndpointReference":"a"}]}`),
			want: []string{`Rules.start.RuleType: "simple" is not a rule type (failover, geo, geoproximity, latency, multivalue, weighted)`}},
		{name: "6 ipbased", doc: rulesDoc(twoEndpoints, `"start":{"RuleType":"ipbased","Items":[{"EndpointReference":"a"}]}`),
			want: []string{`Rules.start.RuleType: "ipbased" is not a rule type (failover, geo, geoproximity, latency, multivalue, weighted)`}},
		{name: "6 wrong case", doc: rulesDoc(twoEndpoints, `"start":{"RuleType":"Weighted","Items":[{"EndpointReference":"a","Weight":1}]}`),
			want: []string{`Rules.start.RuleType: "Weighted" is not a rule type; did you mean "weighted"?`}},
		{name: "7 unknown format version", doc: `{"AWSPolicyFormatVersion":"2012-10-17","RecordType":"A","StartEndpoint":"e","Endpoints":{"e":{"Type":"value","Value":"192.0.2.1"}}}`,
			want: []string{`AWSPolicyFormatVersion: "2012-10-17" is not a policy format version (2015-10-01 or 2023-05-09)`}},
		{name: "7 missing format version", doc: `{"RecordType":"A","StartEndpoint":"e","Endpoints":{"e":{"Type":"value","Value":"192.0.2.1"}}}`,
			want: []string{`AWSPolicyFormatVersion: is required (2015-10-01 or 2023-05-09)`}},
		{name: "7 2023 accepted", doc: `{"AWSPolicyFormatVersion":"2023-05-09","RecordType":"A","StartEndpoint":"e","Endpoints":{"e":{"Type":"value","Value":"192.0.2.1"}}}`},
		{name: "8 location objects", doc: `{"AWSPolicyFormatVersion":"2023-05-09","RecordType":"A","StartRule":"start",
			"Endpoints":{"a":{"Type":"value","Value":"192.0.2.1"},"b":{"Type":"value","Value":"192.0.2.2"},"c":{"Type":"value","Value":"192.0.2.3"}},
			"Rules":{"start":{"RuleType":"geoproximity","GeoproximityLocations":[
			 {"EndpointReference":"a","Location":{"Type":"Region","LocationName":"aws:route53:us-east-1"}},
			 {"EndpointReference":"b","Location":{"Type":"LocalZone","LocationName":"aws:route53:us-east-1-atl-1a"},"Bias":15},
			 {"EndpointReference":"c","Location":{"Type":"Coordinate","Latitude":"51.51","Longitude":"-0.13"}}]}}}`},
		{name: "8 unknown location type", doc: `{"AWSPolicyFormatVersion":"2023-05-09","RecordType":"A","StartRule":"start",
			"Endpoints":{"a":{"Type":"value","Value":"192.0.2.1"}},
			"Rules":{"start":{"RuleType":"geoproximity","GeoproximityLocations":[{"EndpointReference":"a","Location":{"Type":"Planet","LocationName":"aws:route53:mars"}}]}}}`,
			want: []string{`Rules.start.GeoproximityLocations[0].Location.Type: "Planet" is not a location type (Region, LocalZone or Coordinate)`}},
		{name: "8 unknown local zone", doc: `{"AWSPolicyFormatVersion":"2023-05-09","RecordType":"A","StartRule":"start",
			"Endpoints":{"a":{"Type":"value","Value":"192.0.2.1"}},
			"Rules":{"start":{"RuleType":"geoproximity","GeoproximityLocations":[{"EndpointReference":"a","Location":{"Type":"LocalZone","LocationName":"aws:route53:us-east-1-zzz-1a"}}]}}}`,
			want: []string{`Rules.start.GeoproximityLocations[0].Location.LocationName: "aws:route53:us-east-1-zzz-1a" is not a Local Zone trafficflow knows; add its coordinates to locations.json`}},
	})
}

const legacyIn2023 = `{"AWSPolicyFormatVersion":"2023-05-09","RecordType":"A","StartRule":"start",
"Endpoints":{"a":{"Type":"value","Value":"192.0.2.1"},"b":{"Type":"value","Value":"192.0.2.2"}},
"Rules":{"start":{"RuleType":"geoproximity","GeoproximityLocations":[
 {"EndpointReference":"a","Region":"aws:route53:us-east-1"},
 {"EndpointReference":"b","Latitude":"51.50","Longitude":"-0.07"}]}}}`

const locationIn2015 = `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"start",
"Endpoints":{"a":{"Type":"value","Value":"192.0.2.1"}},
"Rules":{"start":{"RuleType":"geoproximity","GeoproximityLocations":[
 {"EndpointReference":"a","Location":{"Type":"Region","LocationName":"aws:route53:eu-west-1"}}]}}}`

// Geoproximity syntax of the format version the document does not declare
// is accepted with a warning, and is an error in strict mode.
func TestFormatVersionSyntaxMismatch(t *testing.T) {
	w1 := "Rules.start.GeoproximityLocations[0].Region: warning: Region is 2015-10-01 syntax, but the document declares 2023-05-09 (which uses Location); accepted"
	w2 := "Rules.start.GeoproximityLocations[1].Latitude: warning: Latitude and Longitude are 2015-10-01 syntax, but the document declares 2023-05-09 (which uses Location); accepted"
	w3 := "Rules.start.GeoproximityLocations[0].Location: warning: Location is 2023-05-09 syntax, but the document declares 2015-10-01; accepted"
	runDocCases(t, []docCase{
		{name: "2015 syntax in 2023 lenient", doc: legacyIn2023, want: []string{w1, w2}},
		{name: "2015 syntax in 2023 strict", doc: legacyIn2023, strict: true, want: []string{strictly(w1, "use a Location object, or declare AWSPolicyFormatVersion 2015-10-01"),
			strictly(w2, "use a Location object, or declare AWSPolicyFormatVersion 2015-10-01")}},
		{name: "Location in 2015 lenient", doc: locationIn2015, want: []string{w3}},
		{name: "Location in 2015 strict", doc: locationIn2015, strict: true, want: []string{strictly(w3, "declare AWSPolicyFormatVersion 2023-05-09, or use Region or Latitude and Longitude")}},
	})
}

func weightedDoc(weight string) string {
	return rulesDoc(twoEndpoints, `"start":{"RuleType":"weighted","Items":[{"EndpointReference":"a","Weight":`+weight+`},{"EndpointReference":"b","Weight":1}]}`)
}

func biasDoc(bias string) string {
	return rulesDoc(twoEndpoints, `"start":{"RuleType":"geoproximity","GeoproximityLocations":[
	 {"EndpointReference":"a","Region":"aws:route53:us-east-1","Bias":`+bias+`},{"EndpointReference":"b","Region":"aws:route53:eu-west-1"}]}`)
}

// Weight and Bias may be strings or numbers, and booleans strings in any
// case; values out of range or of the wrong kind are errors.
func TestLenientScalars(t *testing.T) {
	// A number written as a string reads as the number.
	for _, tc := range []struct {
		text string
		want int
	}{{`"3"`, 3}, {`3`, 3}, {`"0"`, 0}, {`0`, 0}, {`"255"`, 255}, {`255`, 255}} {
		d, p := parseStandaloneDocument([]byte(weightedDoc(tc.text)), false, false)
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
		d, p := parseStandaloneDocument([]byte(biasDoc(tc.text)), false, false)
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
		d, p := parseStandaloneDocument([]byte(eth(tc.v)), false, false)
		if d == nil || len(p) != 0 || d.rules["start"].Items[0].EvaluateTargetHealth != tc.want {
			t.Errorf("EvaluateTargetHealth %s: got %v, problems %v", tc.v, d != nil && d.rules["start"].Items[0].EvaluateTargetHealth, p)
		}
		if tc.want {
			d, p = parseStandaloneDocument([]byte(def(tc.v)), false, false)
			if d == nil || len(p) != 0 || !d.rules["start"].Items[1].IsDefault {
				t.Errorf("IsDefault %s: problems %v", tc.v, p)
			}
		}
	}
	// An omitted EvaluateTargetHealth is true.
	d, _ := parseStandaloneDocument([]byte(eth(`true`)), false, false)
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

func coordDoc(lat, lon string) string {
	return rulesDoc(twoEndpoints, `"start":{"RuleType":"geoproximity","GeoproximityLocations":[
	 {"EndpointReference":"a","Latitude":`+lat+`,"Longitude":`+lon+`},{"EndpointReference":"b","Region":"aws:route53:eu-west-1"}]}`)
}

// Latitude and longitude: their ranges, and more than two decimals
// truncated toward zero (a warning; an error in strict mode).
func TestCoordinates(t *testing.T) {
	d, p := parseStandaloneDocument([]byte(coordDoc(`"51.50"`, `"-0.07"`)), false, false)
	if d == nil || len(p) != 0 {
		t.Fatalf("51.50: %v", p)
	}
	if got := d.rules["start"].Items[0].Point; got != (LatLon{51.50, -0.07}) {
		t.Errorf("point = %v", got)
	}
	d, _ = parseStandaloneDocument([]byte(coordDoc(`"43.6532"`, `"-79.3832"`)), false, false)
	if d == nil {
		t.Fatal("lenient truncation rejected")
	}
	if got := d.rules["start"].Items[0].Point; got != (LatLon{43.65, -79.38}) {
		t.Errorf("truncated point = %v, want {43.65 -79.38} (truncated, not rounded)", got)
	}
	d, _ = parseStandaloneDocument([]byte(coordDoc(`43.6599`, `-79.3899`)), false, false)
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

// Region codes: a missing or extra aws:route53: prefix is accepted with a
// warning; an availability zone, a placeholder, an unknown region and a
// region listed twice are errors.
func TestRegions(t *testing.T) {
	geoprox := rulesDoc(twoEndpoints, `"start":{"RuleType":"geoproximity","GeoproximityLocations":[
	 {"EndpointReference":"a","Region":"us-east-1"},{"EndpointReference":"b","Region":"aws:route53:eu-west-1"}]}`)
	d, _ := parseStandaloneDocument([]byte(geoprox), false, false)
	if d == nil || d.rules["start"].Items[0].Region != "us-east-1" || d.rules["start"].Items[0].Point != (LatLon{39.04, -77.49}) {
		t.Errorf("geoproximity region without prefix not normalised: %+v", d)
	}
	d, _ = parseStandaloneDocument([]byte(latencyDoc("aws:route53:us-east-1", "eu-west-1")), false, false)
	if d == nil || d.rules["start"].Items[0].Region != "us-east-1" {
		t.Errorf("latency region with prefix not normalised")
	}
	runDocCases(t, []docCase{
		{name: "13 geoproximity region without prefix", doc: geoprox,
			want: []string{`Rules.start.GeoproximityLocations[0].Region: warning: "us-east-1" should be "aws:route53:us-east-1" (geoproximity regions have the aws:route53: prefix); accepted`}},
		{name: "13 strict", doc: geoprox, strict: true,
			want: []string{`Rules.start.GeoproximityLocations[0].Region: "us-east-1" should be "aws:route53:us-east-1" (geoproximity regions have the aws:route53: prefix); write "aws:route53:us-east-1"`}},
		{name: "13 latency region with prefix", doc: latencyDoc("aws:route53:us-east-1", "eu-west-1"),
			want: []string{`Rules.start.Regions[0].Region: warning: "aws:route53:us-east-1" should be "us-east-1" (no aws:route53: prefix here); accepted`}},
		{name: "14 availability zone", doc: latencyDoc("us-east-1a", "eu-west-1"),
			want: []string{`Rules.start.Regions[0].Region: "us-east-1a" is an availability zone, not an AWS region (did you mean "us-east-1"?)`}},
		{name: "14 placeholder", doc: latencyDoc("%[1]s", "eu-west-1"),
			want: []string{`Rules.start.Regions[0].Region: "%[1]s" is not an AWS region`}},
		{name: "14 duplicate region", doc: latencyDoc("us-east-1", "eu-west-1", "us-east-1"),
			want: []string{`Rules.start.Regions[2].Region: us-east-1 is already listed in Regions[0]; a latency rule has one item per region`}},
		{name: "geoproximity unknown region", doc: biasDocRegion("aws:route53:moon-1"),
			want: []string{`Rules.start.GeoproximityLocations[0].Region: "moon-1" is not an AWS region`}},
	})
}

func biasDocRegion(region string) string {
	return rulesDoc(twoEndpoints, `"start":{"RuleType":"geoproximity","GeoproximityLocations":[{"EndpointReference":"a","Region":"`+region+`"}]}`)
}

func geoDoc(locations ...string) string {
	return rulesDoc(twoEndpoints, `"start":{"RuleType":"geo","Locations":[`+strings.Join(locations, ",")+`]}`)
}

// Geo locations: Continent with Country, subdivisions, two defaults, "*"
// with IsDefault, a place routed twice, "UK" and the countries Route 53
// cannot route (BV, CX, EH, HM), and continent names.
func TestGeoLocations(t *testing.T) {
	d, _ := parseStandaloneDocument([]byte(geoDoc(`{"EndpointReference":"a","Country":"*","IsDefault":true}`)), false, false)
	if d == nil || !d.rules["start"].Items[0].IsDefault {
		t.Error(`Country "*" with IsDefault true should be one default location`)
	}
	d, _ = parseStandaloneDocument([]byte(geoDoc(`{"EndpointReference":"a","Continent":"Europe"}`, `{"EndpointReference":"b","IsDefault":true}`)), false, false)
	if d == nil || d.rules["start"].Items[0].Continent != "EU" {
		t.Error(`lenient "Europe" should be read as EU`)
	}
	runDocCases(t, []docCase{
		{name: "15 continent and country", doc: geoDoc(`{"EndpointReference":"a","Continent":"EU","Country":"FR"}`),
			want: []string{`Rules.start.Locations[0]: Continent cannot be combined with Country or Subdivision; a location has exactly one scope`}},
		{name: "15 subdivision without country", doc: geoDoc(`{"EndpointReference":"a","Subdivision":"CA"}`),
			want: []string{`Rules.start.Locations[0].Subdivision: needs a Country (Route 53 subdivisions are US states: Country "US")`}},
		{name: "15 subdivision outside the US", doc: geoDoc(`{"EndpointReference":"a","Country":"UA","Subdivision":"43"}`, `{"EndpointReference":"b","IsDefault":true}`),
			want: []string{`Rules.start.Locations[0].Subdivision: warning: Route 53 documents subdivisions for the US only; UA-43 is matched against the GeoIP database's ISO 3166-2 code`}},
		{name: "15 unknown US state", doc: geoDoc(`{"EndpointReference":"a","Country":"US","Subdivision":"XX"}`),
			want: []string{`Rules.start.Locations[0].Subdivision: "XX" is not a US state code`}},
		{name: "16 two defaults", doc: geoDoc(`{"EndpointReference":"a","Country":"*"}`, `{"EndpointReference":"b","IsDefault":true}`),
			want: []string{`Rules.start.Locations[1]: a second default location (the first is Locations[0]); a geo rule has at most one`}},
		{name: "16 star and IsDefault together", doc: geoDoc(`{"EndpointReference":"a","Country":"*","IsDefault":"true"}`, `{"EndpointReference":"b","Country":"FR"}`)},
		{name: "16 IsDefault false means nothing", doc: geoDoc(`{"EndpointReference":"a","Country":"FR","IsDefault":false}`, `{"EndpointReference":"b","IsDefault":true}`)},
		{name: "16 IsDefault with a country", doc: geoDoc(`{"EndpointReference":"a","Country":"FR","IsDefault":true}`),
			want: []string{`Rules.start.Locations[0].IsDefault: the default location cannot also have a Continent or Country`}},
		{name: "16 no scope", doc: geoDoc(`{"EndpointReference":"a"}`),
			want: []string{`Rules.start.Locations[0]: needs Continent, Country (with an optional Subdivision), or IsDefault true`}},
		{name: "17 duplicate country", doc: geoDoc(`{"EndpointReference":"a","Country":"FR"}`, `{"EndpointReference":"b","Country":"FR"}`),
			want: []string{`Rules.start.Locations[1]: country FR is already routed by Locations[0]`}},
		{name: "17 duplicate subdivision", doc: geoDoc(`{"EndpointReference":"a","Country":"US","Subdivision":"CA"}`, `{"EndpointReference":"b","Country":"US","Subdivision":"CA"}`),
			want: []string{`Rules.start.Locations[1]: subdivision US-CA is already routed by Locations[0]`}},
		{name: "17 country and its state are different scopes", doc: geoDoc(`{"EndpointReference":"a","Country":"US","Subdivision":"CA"}`, `{"EndpointReference":"b","Country":"US"}`)},
		{name: "18 UK lenient", doc: geoDoc(`{"EndpointReference":"a","Country":"UK"}`, `{"EndpointReference":"b","IsDefault":true}`),
			want: []string{`Rules.start.Locations[0].Country: warning: "UK" is not an ISO 3166-1 country code (the United Kingdom is GB); this location never matches`}},
		{name: "18 UK strict", strict: true, doc: geoDoc(`{"EndpointReference":"a","Country":"UK"}`, `{"EndpointReference":"b","IsDefault":true}`),
			want: []string{`Rules.start.Locations[0].Country: "UK" is not an ISO 3166-1 country code (the United Kingdom is GB); write "GB"`}},
		{name: "18 BV", doc: geoDoc(`{"EndpointReference":"a","Country":"BV"}`),
			want: []string{`Rules.start.Locations[0].Country: Route 53 has no location data for BV and cannot route by it`}},
		{name: "18 CX EH HM", doc: geoDoc(`{"EndpointReference":"a","Country":"CX"}`, `{"EndpointReference":"a","Country":"EH"}`, `{"EndpointReference":"b","Country":"HM"}`),
			want: []string{`Rules.start.Locations[0].Country: Route 53 has no location data for CX and cannot route by it`,
				`Rules.start.Locations[1].Country: Route 53 has no location data for EH and cannot route by it`,
				`Rules.start.Locations[2].Country: Route 53 has no location data for HM and cannot route by it`}},
		{name: "19 continent name lenient", doc: geoDoc(`{"EndpointReference":"a","Continent":"Europe"}`, `{"EndpointReference":"b","IsDefault":true}`),
			want: []string{`Rules.start.Locations[0].Continent: warning: "Europe" is a continent name; Route 53 uses the code "EU"; accepted as EU`}},
		{name: "19 continent name strict", strict: true, doc: geoDoc(`{"EndpointReference":"a","Continent":"Europe"}`, `{"EndpointReference":"b","IsDefault":true}`),
			want: []string{`Rules.start.Locations[0].Continent: "Europe" is a continent name; Route 53 uses the code "EU"; write "EU"`}},
		{name: "19 not a continent", doc: geoDoc(`{"EndpointReference":"a","Continent":"XX"}`),
			want: []string{`Rules.start.Locations[0].Continent: "XX" is not a continent code (AF, AN, AS, EU, NA, OC, SA)`}},
	})
}

func endpointDoc(rrtype, endpoint string) string {
	return `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"` + rrtype + `","StartEndpoint":"e","Endpoints":{"e":` + endpoint + `}}`
}

// Endpoint types against the RecordType, and Values that are not valid
// RDATA of the RecordType.
func TestEndpoints(t *testing.T) {
	runDocCases(t, []docCase{
		{name: "20 s3 under AAAA", doc: endpointDoc("AAAA", `{"Type":"s3-website","Region":"us-east-1","Value":"www.example.com"}`),
			want: []string{`Endpoints.e.Type: s3-website endpoints can only be used in policies with RecordType A, not AAAA`}},
		{name: "20 alias under CNAME", doc: endpointDoc("CNAME", `{"Type":"application-load-balancer","Value":"alb-1.us-east-1.elb.amazonaws.com"}`),
			want: []string{`Endpoints.e.Type: application-load-balancer endpoints can only be used in policies with RecordType A or AAAA, not CNAME`}},
		{name: "20 alias under MX", doc: endpointDoc("MX", `{"Type":"elastic-load-balancer","Value":"dualstack.elb-1.us-east-1.elb.amazonaws.com"}`),
			want: []string{`Endpoints.e.Type: elastic-load-balancer endpoints can only be used in policies with RecordType A or AAAA, not MX`}},
		{name: "20 alias under TXT", doc: endpointDoc("TXT", `{"Type":"cloudfront","Value":"d111111abcdef8.cloudfront.net"}`),
			want: []string{`Endpoints.e.Type: cloudfront endpoints can only be used in policies with RecordType A or AAAA, not TXT`}},
		{name: "20 s3 without region", doc: endpointDoc("A", `{"Type":"s3-website","Value":"www.example.com"}`),
			want: []string{`Endpoints.e.Region: is required for s3-website endpoints (the bucket's region)`}},
		{name: "20 s3 placeholder region", doc: endpointDoc("A", `{"Type":"s3-website","Region":"%[1]s","Value":"www.example.com"}`),
			want: []string{`Endpoints.e.Region: "%[1]s" is not an AWS region`}},
		{name: "20 cloudfront under AAAA", doc: endpointDoc("AAAA", `{"Type":"cloudfront","Value":"d111111abcdef8.cloudfront.net"}`)},
		{name: "20 every alias type under A", doc: `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"r","Endpoints":{
			"a":{"Type":"cloudfront","Value":"d1.cloudfront.net"},"b":{"Type":"application-load-balancer","Value":"alb.us-east-1.elb.amazonaws.com."},
			"c":{"Type":"elastic-load-balancer","Value":"dualstack.clb.us-east-1.elb.amazonaws.com"},"d":{"Type":"network-load-balancer","Value":"nlb.elb.us-east-1.amazonaws.com"},
			"e":{"Type":"elastic-beanstalk","Value":"env.eba-x.us-east-1.elasticbeanstalk.com"},"f":{"Type":"s3-website","Region":"us-east-1","Value":"example.com.s3-website-us-east-1.amazonaws.com"}},
			"Rules":{"r":{"RuleType":"weighted","Items":[{"EndpointReference":"a","Weight":1},{"EndpointReference":"b","Weight":1},{"EndpointReference":"c","Weight":1},
			{"EndpointReference":"d","Weight":1},{"EndpointReference":"e","Weight":1},{"EndpointReference":"f","Weight":1}]}}}`},
		{name: "20 unknown endpoint type", doc: endpointDoc("A", `{"Type":"lambda","Value":"x"}`),
			want: []string{`Endpoints.e.Type: "lambda" is not an endpoint type (value, cloudfront, application-load-balancer, elastic-load-balancer, network-load-balancer, elastic-beanstalk, s3-website)`}},
		{name: "20 alias placeholder name", doc: endpointDoc("A", `{"Type":"elastic-load-balancer","Value":"elb-111111.%[1]s.elb.amazonaws.com"}`),
			want: []string{`Endpoints.e.Value: "elb-111111.%[1]s.elb.amazonaws.com" is not a valid DNS name`}},
		{name: "21 IPv6 under A", doc: endpointDoc("A", `{"Type":"value","Value":"::1"}`),
			want: []string{`Endpoints.e.Value: "::1" is not a valid A record value`}},
		{name: "21 MX without preference", doc: endpointDoc("MX", `{"Type":"value","Value":"mail.example.com"}`),
			want: []string{`Endpoints.e.Value: "mail.example.com" is not a valid MX record value`}},
		{name: "21 shell variable", doc: endpointDoc("A", `{"Type":"value","Value":"$WEBSERVER_PRIMARY_PRIVATE_IP"}`),
			want: []string{`Endpoints.e.Value: "$WEBSERVER_PRIMARY_PRIVATE_IP" is not a valid A record value`}},
		{name: "21 two records in one value", doc: endpointDoc("A", `{"Type":"value","Value":"192.0.2.1\n. 0 IN A 192.0.2.2"}`),
			want: []string{`Endpoints.e.Value: "192.0.2.1\n. 0 IN A 192.0.2.2" is not a valid A record value`}},
		{name: "21 empty value", doc: endpointDoc("A", `{"Type":"value","Value":""}`),
			want: []string{`Endpoints.e.Value: is empty; a A record value is required`}},
		{name: "21 MX ok", doc: endpointDoc("MX", `{"Type":"value","Value":"10 mail.example.com"}`)},
		{name: "21 TXT ok", doc: endpointDoc("TXT", `{"Type":"value","Value":"\"v=spf1 -all\""}`)},
		{name: "21 CAA ok", doc: endpointDoc("CAA", `{"Type":"value","Value":"0 issue \"amazon.com\""}`)},
		{name: "21 SRV ok", doc: endpointDoc("SRV", `{"Type":"value","Value":"10 5 443 web.example.com."}`)},
		{name: "NS record type", doc: endpointDoc("NS", `{"Type":"value","Value":"ns1.example.com."}`),
			want: []string{`RecordType: NS cannot be the record type of a traffic policy (A, AAAA, CAA, CNAME, MX, NAPTR, PTR, SPF, SRV, TXT, SSHFP, TLSA, SVCB, HTTPS)`}},
		{name: "SOA record type", doc: endpointDoc("SOA", `{"Type":"value","Value":"x"}`),
			want: []string{`RecordType: SOA cannot be the record type of a traffic policy (A, AAAA, CAA, CNAME, MX, NAPTR, PTR, SPF, SRV, TXT, SSHFP, TLSA, SVCB, HTTPS)`}},
		{name: "lower-case record type", doc: endpointDoc("aaaa", `{"Type":"value","Value":"2001:db8::1"}`),
			want: []string{`RecordType: warning: "aaaa" should be upper case; accepted as AAAA`}},
	})
	d, _ := parseStandaloneDocument([]byte(endpointDoc("MX", `{"Type":"value","Value":"10 mail.example.com"}`)), false, false)
	if mx, ok := d.endpoints["e"].RR.(*dns.MX); !ok || mx.Mx != "mail.example.com." || mx.Preference != 10 {
		t.Errorf("MX value parsed as %v", d.endpoints["e"].RR)
	}
	d, _ = parseStandaloneDocument([]byte(endpointDoc("A", `{"Type":"network-load-balancer","Value":"NLB-1.elb.us-east-1.amazonaws.com"}`)), false, false)
	if d.endpoints["e"].Target != "nlb-1.elb.us-east-1.amazonaws.com." {
		t.Errorf("alias target = %q, want it fully qualified and lower case", d.endpoints["e"].Target)
	}
}

// Rule shapes: multivalue rules with a rule reference, under CNAME or with
// alias endpoints; failover rules without Primary or Secondary; extra
// top-level keys; duplicate keys in Endpoints and Rules; a document over
// 102,400 characters.
func TestRuleShapes(t *testing.T) {
	big := `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"TXT","StartEndpoint":"e","Endpoints":{"e":{"Type":"value","Value":"x"}},"_pad":"` +
		strings.Repeat("x", MaxDocumentSize) + `"}`
	runDocCases(t, []docCase{
		{name: "22 multivalue rule reference", doc: rulesDoc(twoEndpoints, `"start":{"RuleType":"multivalue","Items":[{"RuleReference":"x"}]},"x":{"RuleType":"multivalue","Items":[{"EndpointReference":"a"}]}`),
			want: []string{`Rules.start.Items[0].RuleReference: multivalue rules can only reference endpoints`}},
		{name: "22 multivalue CNAME", doc: `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"CNAME","StartRule":"m","Endpoints":{"a":{"Type":"value","Value":"a.example.com"}},
			"Rules":{"m":{"RuleType":"multivalue","Items":[{"EndpointReference":"a"}]}}}`,
			want: []string{`Rules.m.RuleType: multivalue rules cannot be used in policies with RecordType CNAME`}},
		{name: "22 multivalue alias endpoint lenient", doc: `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"m","Endpoints":{"a":{"Type":"network-load-balancer","Value":"nlb.elb.us-east-1.amazonaws.com"}},
			"Rules":{"m":{"RuleType":"multivalue","Items":[{"EndpointReference":"a"}]}}}`,
			want: []string{`Rules.m.Items[0].EndpointReference: warning: multivalue items should reference value endpoints, and "a" is network-load-balancer; its addresses are answered as values`}},
		{name: "22 multivalue alias endpoint strict", strict: true, doc: `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"m","Endpoints":{"a":{"Type":"network-load-balancer","Value":"nlb.elb.us-east-1.amazonaws.com"}},
			"Rules":{"m":{"RuleType":"multivalue","Items":[{"EndpointReference":"a"}]}}}`,
			want: []string{`Rules.m.Items[0].EndpointReference: multivalue items should reference value endpoints, and "a" is network-load-balancer; reference a value endpoint`}},
		{name: "23 failover without secondary", doc: rulesDoc(twoEndpoints, `"start":{"RuleType":"failover","Primary":{"EndpointReference":"a"}}`),
			want: []string{`Rules.start: a failover rule needs Secondary`}},
		{name: "23 failover without primary", doc: rulesDoc(twoEndpoints, `"start":{"RuleType":"failover","Secondary":{"EndpointReference":"a"}}`),
			want: []string{`Rules.start: a failover rule needs Primary`}},
		{name: "empty items", doc: rulesDoc(twoEndpoints, `"start":{"RuleType":"weighted","Items":[]}`),
			want: []string{`Rules.start.Items: is empty; a weighted rule needs at least one item`}},
		{name: "missing container", doc: rulesDoc(twoEndpoints, `"start":{"RuleType":"geo","Items":[{"EndpointReference":"a","Weight":1}]}`),
			want: []string{`Rules.start.Items: warning: geo rules do not use Items; ignored`, `Rules.start: a geo rule needs Locations`}},
		{name: "25 extra keys lenient", doc: `{"_description":"x","AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartEndpoint":"e","Endpoints":{"e":{"Type":"value","Value":"192.0.2.1"}}}`,
			want: []string{`_description: warning: unknown key; ignored`}},
		{name: "25 extra keys strict", strict: true, doc: `{"_description":"x","AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartEndpoint":"e","Endpoints":{"e":{"Type":"value","Value":"192.0.2.1"}}}`,
			want: []string{`_description: unknown key; remove it, or correct its name`}},
		{name: "wrong key case", doc: `{"AWSPolicyFormatVersion":"2015-10-01","recordType":"A","StartEndpoint":"e","Endpoints":{"e":{"Type":"value","Value":"192.0.2.1"}}}`,
			want: []string{`recordType: warning: key should be spelled "RecordType"; accepted`}},
		{name: "26 duplicate endpoint", doc: `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartEndpoint":"e","Endpoints":{"e":{"Type":"value","Value":"192.0.2.1"},"e":{"Type":"value","Value":"192.0.2.2"}}}`,
			want: []string{`Endpoints.e: duplicate key`}},
		{name: "26 duplicate rule", doc: rulesDoc(twoEndpoints, `"start":{"RuleType":"failover","Primary":{"EndpointReference":"a"},"Secondary":{"EndpointReference":"b"}},"start":{"RuleType":"failover","Primary":{"EndpointReference":"b"},"Secondary":{"EndpointReference":"a"}}`),
			want: []string{`Rules.start: duplicate key`}},
		{name: "duplicate field", doc: weightedDocDup(),
			want: []string{`Rules.start.Items[0].Weight: duplicate key`}},
		{name: "27 too large", doc: big, want: []string{
			fmt.Sprintf(`the document is %d characters long; Route 53 allows at most 102400`, len(big)),
			`_pad: warning: unknown key; ignored`}},
		{name: "unreachable", doc: rulesDoc(twoEndpoints+`,"c":{"Type":"value","Value":"192.0.2.3"}`, `"start":{"RuleType":"failover","Primary":{"EndpointReference":"a"},"Secondary":{"EndpointReference":"b"}},"orphan":{"RuleType":"multivalue","Items":[{"EndpointReference":"a"}]}`),
			want: []string{`Rules.orphan: warning: rule is not reachable from the start; ignored`, `Endpoints.c: warning: endpoint is not reachable from the start; ignored`}},
		{name: "syntax error", doc: `{"AWSPolicyFormatVersion": "2015-10-01",}`,
			want: []string{`line 1, column 41: syntax error: unexpected character '}', expecting a quoted object key`}},
		{name: "not an object", doc: `[1,2]`, want: []string{`must be an object, not an array`}},
	})
}

func weightedDocDup() string {
	return rulesDoc(twoEndpoints, `"start":{"RuleType":"weighted","Items":[{"EndpointReference":"a","Weight":1,"Weight":2},{"EndpointReference":"b","Weight":1}]}`)
}

// YAML files read like the same JSON, with YAML 1.2 scalars.
func TestYAMLDocument(t *testing.T) {
	doc := `
# hand-edited, with comments
AWSPolicyFormatVersion: 2015-10-01
RecordType: A
StartRule: where
Endpoints:
  norway: {Type: value, Value: 192.0.2.1}
  rest: {Type: value, Value: 192.0.2.2}
Rules:
  where:
    RuleType: geo
    Locations:
      - {EndpointReference: norway, Country: NO}
      - {EndpointReference: rest, IsDefault: yes}
`
	d, probs := parseStandaloneDocument([]byte(doc), true, false)
	// IsDefault: yes is the string "yes" in YAML 1.2, which is not a boolean.
	if d != nil || len(probs) != 1 || probs[0].String() != `Rules.where.Locations[1].IsDefault: "yes" is not a boolean (true or false)` {
		t.Fatalf("got %v", probs)
	}
	d, probs = parseStandaloneDocument([]byte(strings.Replace(doc, "IsDefault: yes", "IsDefault: true", 1)), true, false)
	if d == nil {
		t.Fatalf("problems: %v", probs)
	}
	if got := d.rules["where"].Items[0].Country; got != "NO" {
		t.Errorf("Country NO read as %q (the Norway problem)", got)
	}
	if d.FormatVersion != Format2015 {
		t.Errorf("format version %q", d.FormatVersion)
	}
	runDocCases(t, []docCase{
		{name: "yaml syntax error", yaml: true, doc: "a: [1, 2\nb: 3\n", want: []string{`line 1: syntax error: did not find expected ',' or ']'`}},
		{name: "yaml duplicate key", yaml: true, doc: "AWSPolicyFormatVersion: 2015-10-01\nRecordType: A\nRecordType: AAAA\n", want: []string{`RecordType: duplicate key`, `one of StartRule or StartEndpoint is required`}},
	})
}
