package policyfile

import "testing"

// locations.json overrides and extends the built-in region and Local Zone
// points that documents use.
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
