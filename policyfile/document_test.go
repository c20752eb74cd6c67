package policyfile

import (
	"fmt"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

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
	d, _ := ParseDocument([]byte(endpointDoc("MX", `{"Type":"value","Value":"10 mail.example.com"}`)), false, false)
	if mx, ok := d.endpoints["e"].RR.(*dns.MX); !ok || mx.Mx != "mail.example.com." || mx.Preference != 10 {
		t.Errorf("MX value parsed as %v", d.endpoints["e"].RR)
	}
	d, _ = ParseDocument([]byte(endpointDoc("A", `{"Type":"network-load-balancer","Value":"NLB-1.elb.us-east-1.amazonaws.com"}`)), false, false)
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
	d, probs := ParseDocument([]byte(doc), true, false)
	// IsDefault: yes is the string "yes" in YAML 1.2, which is not a boolean.
	if d != nil || len(probs) != 1 || probs[0].String() != `Rules.where.Locations[1].IsDefault: "yes" is not a boolean (true or false)` {
		t.Fatalf("got %v", probs)
	}
	d, probs = ParseDocument([]byte(strings.Replace(doc, "IsDefault: yes", "IsDefault: true", 1)), true, false)
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
