package policyfile

import "testing"

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

// Region codes: a missing or extra aws:route53: prefix is accepted with a
// warning; an availability zone, a placeholder, an unknown region and a
// region listed twice are errors.
func TestRegions(t *testing.T) {
	geoprox := rulesDoc(twoEndpoints, `"start":{"RuleType":"geoproximity","GeoproximityLocations":[
	 {"EndpointReference":"a","Region":"us-east-1"},{"EndpointReference":"b","Region":"aws:route53:eu-west-1"}]}`)
	d, _ := ParseDocument([]byte(geoprox), false, false)
	if d == nil || d.rules["start"].Items[0].Region != "us-east-1" || d.rules["start"].Items[0].Point != (LatLon{39.04, -77.49}) {
		t.Errorf("geoproximity region without prefix not normalised: %+v", d)
	}
	d, _ = ParseDocument([]byte(latencyDoc("aws:route53:us-east-1", "eu-west-1")), false, false)
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

// Geo locations: Continent with Country, subdivisions, two defaults, "*"
// with IsDefault, a place routed twice, "UK" and the countries Route 53
// cannot route (BV, CX, EH, HM), and continent names.
func TestGeoLocations(t *testing.T) {
	d, _ := ParseDocument([]byte(geoDoc(`{"EndpointReference":"a","Country":"*","IsDefault":true}`)), false, false)
	if d == nil || !d.rules["start"].Items[0].IsDefault {
		t.Error(`Country "*" with IsDefault true should be one default location`)
	}
	d, _ = ParseDocument([]byte(geoDoc(`{"EndpointReference":"a","Continent":"Europe"}`, `{"EndpointReference":"b","IsDefault":true}`)), false, false)
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
