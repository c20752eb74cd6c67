package policyfile

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// TestCompatCorpus loads every real-world policy document in
// testdata/compat (see SOURCES.md there): each either loads, or is rejected
// for exactly the reasons its quirk calls for.
func TestCompatCorpus(t *testing.T) {
	geoproxMismatch := func(i int) []string {
		base := "Rules.geo-canada.GeoproximityLocations[" + strconv.Itoa(i) + "]"
		return []string{
			base + ".Latitude: warning: Latitude and Longitude are 2015-10-01 syntax, but the document declares 2023-05-09 (which uses Location); accepted",
		}
	}
	truncations := []string{
		"Rules.geo-canada.GeoproximityLocations[0].Latitude: warning: 43.6532 has more than two decimal places; truncated to 43.65",
		"Rules.geo-canada.GeoproximityLocations[0].Longitude: warning: -79.3832 has more than two decimal places; truncated to -79.38",
	}
	truncations2 := []string{
		"Rules.geo-canada.GeoproximityLocations[1].Latitude: warning: 49.2827 has more than two decimal places; truncated to 49.28",
		"Rules.geo-canada.GeoproximityLocations[1].Longitude: warning: -123.1207 has more than two decimal places; truncated to -123.12",
	}
	datahorders := func(extra ...string) []string {
		var out []string
		for _, k := range extra {
			out = append(out, k+": warning: unknown key; ignored")
		}
		out = append(out, geoproxMismatch(0)...)
		out = append(out, truncations...)
		out = append(out, geoproxMismatch(1)...)
		return append(out, truncations2...)
	}
	cases := []struct {
		file  string
		loads bool
		want  []string
		check func(t *testing.T, d *Document)
	}{
		{file: "01-terraform-docs-minimal-startendpoint.json", loads: true, check: func(t *testing.T, d *Document) {
			if d.StartEndpoint != "endpoint-start-NkPh" || len(d.Rules) != 0 {
				t.Errorf("start %q, %d rules", d.StartEndpoint, len(d.Rules))
			}
			if a, ok := d.endpoints["endpoint-start-NkPh"].RR.(*dns.A); !ok || a.A.String() != "10.0.0.2" {
				t.Errorf("endpoint record %v", d.endpoints["endpoint-start-NkPh"].RR)
			}
		}},
		{file: "02-terraform-test-failover-elb-s3.json", want: []string{
			`Endpoints.my_elb.Value: "elb-111111.%[1]s.elb.amazonaws.com" is not a valid DNS name`,
			`Endpoints.site_down_banner.Region: "%[1]s" is not an AWS region`,
		}},
		{file: "03-terraform-test-geo-latency-failover-geoprox.json", want: []string{
			`Endpoints.east_coast_lb1.Value: "elb-111111.%[1]s.elb.amazonaws.com" is not a valid DNS name`,
			`Endpoints.east_coast_lb2.Value: "elb-222222.%[1]s.elb.amazonaws.com" is not a valid DNS name`,
			`Endpoints.west_coast_lb1.Value: "elb-111111.%[2]s.elb.amazonaws.com" is not a valid DNS name`,
			`Endpoints.west_coast_lb2.Value: "elb-222222.%[2]s.elb.amazonaws.com" is not a valid DNS name`,
			`Endpoints.denied_message.Region: "%[1]s" is not an AWS region`,
			`Rules.geo_restriction.Locations[2].Country: warning: "UK" is not an ISO 3166-1 country code (the United Kingdom is GB); this location never matches`,
			`Rules.region_selector.Regions[0].Region: "%[1]s" is not an AWS region`,
			`Rules.region_selector.Regions[1].Region: "%[2]s" is not an AWS region`,
		}},
		{file: "04-cloudquery-geoproximity-console-export.json", loads: true, check: func(t *testing.T, d *Document) {
			r := d.rules["geoproximity-start-Hfni"]
			if r == nil || r.Type != Geoproximity || len(r.Items) != 2 || r.Items[1].Region != "us-east-2" || !r.Items[1].EvaluateTargetHealth {
				t.Errorf("rule %+v", r)
			}
		}},
		{file: "05-drworkshop-failover-primary-hc.json", want: []string{
			`Endpoints.WEBSERVER_PRIMARY.Value: "$WEBSERVER_PRIMARY_PRIVATE_IP" is not a valid A record value`,
			`Endpoints.WEBSERVER_SECONDARY.Value: "$WEBSERVER_SECONDARY_PRIVATE_IP" is not a valid A record value`,
		}},
		{file: "06-drworkshop-apigw-failover-nlb-ip.json", want: []string{
			`Endpoints.my_ec2.Value: "$PRIMARY_NLB_IP" is not a valid A record value`,
			`Endpoints.my_bkp_ec2.Value: "$SECONDARY_NLB_IP" is not a valid A record value`,
		}},
		{file: "07-string-typed-weighted-cname.json", loads: true, check: func(t *testing.T, d *Document) {
			items := d.rules["split"].Items
			if items[0].Weight != 50 || items[1].Weight != 50 || !items[0].EvaluateTargetHealth || !items[1].EvaluateTargetHealth || items[1].HealthCheck != "hc-east" {
				t.Errorf("items %+v %+v", items[0], items[1])
			}
		}},
		{file: "08-datahorders-readme-geo-continent-us-states.json", loads: true, check: func(t *testing.T, d *Document) {
			if d.RecordType != dns.TypeCNAME || len(d.rules["geo-northamerica"].Items) != 21 {
				t.Errorf("type %d, %d locations", d.RecordType, len(d.rules["geo-northamerica"].Items))
			}
		}},
		{file: "09-datahorders-global-geo-2023.json", loads: true, want: datahorders("_description", "_usage", "_notes", "_coverage")},
		{file: "10-datahorders-us-states-geo-2023.json", loads: true, want: datahorders("_description", "_usage", "_notes", "_endpoints"), check: func(t *testing.T, d *Document) {
			if n := len(d.rules["geo-us-states"].Items); n != 52 {
				t.Errorf("%d state locations", n)
			}
			if p := d.rules["geo-canada"].Items[0].Point; p != (LatLon{43.65, -79.38}) {
				t.Errorf("Toronto at %v", p)
			}
		}},
	}
	files, _ := filepath.Glob("testdata/compat/*.json")
	if len(files) != len(cases) {
		t.Fatalf("%d corpus files, %d cases: every file needs a case", len(files), len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata/compat", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			d, probs := ParseDocument(data, false, false)
			var got []string
			for _, p := range probs {
				got = append(got, p.String())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("problems:\n got: %q\nwant: %q", got, tc.want)
			}
			if (d != nil) != tc.loads {
				t.Fatalf("loads = %v, want %v", d != nil, tc.loads)
			}
			if d != nil && tc.check != nil {
				tc.check(t, d)
			}
			// Strict mode rejects every document that has warnings.
			ds, _ := ParseDocument(data, false, true)
			if wantStrict := tc.loads && len(probs.Warnings()) == 0; (ds != nil) != wantStrict {
				t.Errorf("strict: loads = %v, want %v", ds != nil, wantStrict)
			}
		})
	}
}
