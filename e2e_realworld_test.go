package trafficflow

import (
	"os"
	"strings"
	"testing"

	"github.com/coredns/coredns/plugin/test"
	"github.com/miekg/dns"

	_ "github.com/coredns/coredns/plugin/hosts" // stands in for the S3 website endpoint
)

// Real-world documents through a real CoreDNS server.

// AWS's combined geo → latency → failover example, with its s3-website
// secondary given as the bare bucket name and bound at the bucket's own
// name (as S3 requires): the bucket resolves through its region's website
// host, answered here by the hosts plugin, not through itself (which was
// an alias loop and SERVFAIL).
func TestRealWorldS3Website(t *testing.T) {
	doc, err := os.ReadFile("policyfile/testdata/realworld/aws-geo-latency-failover-s3.json")
	if err != nil {
		t.Fatal(err)
	}
	// The load balancers are down, so every path ends at the bucket.
	s := strings.ReplaceAll(string(doc), `"Primary": {"EndpointReference": "elb_eu_west_1"}`, `"Primary": {"EndpointReference": "elb_eu_west_1", "HealthCheck": "elb"}`)
	s = strings.ReplaceAll(s, `"Primary": {"EndpointReference": "elb_us_east_1"}`, `"Primary": {"EndpointReference": "elb_us_east_1", "HealthCheck": "elb"}`)
	s = strings.ReplaceAll(s, `"Primary": {"EndpointReference": "elb_us_west_2"}`, `"Primary": {"EndpointReference": "elb_us_west_2", "HealthCheck": "elb"}`)
	if strings.Count(s, `"HealthCheck": "elb"`) != 3 {
		t.Fatal("fixture changed")
	}
	dir := writeFiles(t, map[string]string{
		"policies/video/1.json": s,
		"healthchecks.json":     `{"elb":{"Type":"TCP","IPAddress":"127.0.0.1","Port":9,"RequestInterval":300}}`,
		"healthstate.json":      `{"elb":"unhealthy"}`,
		"records.json":          `{"PolicyRecords":[{"Name":"video.example.com","Policy":"video","Version":1,"TTL":60}]}`,
	})
	_, addr := startServer(t, `video.example.com:0 {
		bind 127.0.0.1
		trafficflow `+dir+` {
			geoip `+testdataPath(t, "geoip/GeoIP2-City-Test.mmdb")+`
		}
	}
	amazonaws.com:0 {
		bind 127.0.0.1
		hosts {
			52.217.0.10 s3-website-us-east-1.amazonaws.com
			ttl 20
		}
	}`)
	for _, subnet := range []string{"2.2.3.0/24", "214.78.120.0/24", ""} { // Europe, the US, no location
		// The website host's address, TTL min(60, 20).
		checkReply(t, exchange(t, addr, "video.example.com.", dns.TypeA, subnet), test.Case{Qname: "video.example.com.", Qtype: dns.TypeA,
			Answer: []dns.RR{test.A("video.example.com. 20 IN A 52.217.0.10")}, Extra: []dns.RR{test.OPT(1232, false)}})
	}
}

// A document written by a tool that emits every field, with
// "EndpointReference": null beside a RuleReference, loads (with a warning
// that says the null is treated as absent) and answers through the rule.
// Every lenient finding is logged.
func TestRealWorldNullReference(t *testing.T) {
	logs := captureLog(t)
	dir := writeFiles(t, map[string]string{
		"policies/web/1.json": `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"top","Endpoints":{
			"a":{"Type":"value","Value":"192.0.2.1","Region":null},"b":{"Type":"value","Value":"192.0.2.2"},"orphan":{"Type":"value","Value":"192.0.2.3"}},
			"Rules":{"top":{"RuleType":"failover","Primary":{"EndpointReference":null,"RuleReference":"w","HealthCheck":null},"Secondary":{"EndpointReference":"b","RuleReference":null}},
			"w":{"RuleType":"weighted","Items":[{"EndpointReference":"a","RuleReference":null,"Weight":1}]}}}`,
		"records.json": `{"PolicyRecords":[{"Name":"www.example.org","Policy":"web","Version":1,"TTL":60}]}`,
	})
	_, addr := startServer(t, "example.org:0 {\nbind 127.0.0.1\ntrafficflow "+dir+"\n}")
	// 192.0.2.1 through the weighted rule.
	checkReply(t, exchange(t, addr, "www.example.org.", dns.TypeA, ""), test.Case{Qname: "www.example.org.", Qtype: dns.TypeA,
		Answer: []dns.RR{test.A("www.example.org. 60 IN A 192.0.2.1")}, Extra: []dns.RR{test.OPT(1232, false)}})
	for _, want := range []string{
		"policies/web/1.json: Endpoints.a.Region: warning: is null; treated as absent",
		"policies/web/1.json: Rules.top.Primary.EndpointReference: warning: is null; treated as absent",
		"policies/web/1.json: Rules.top.Primary.HealthCheck: warning: is null; treated as absent",
		"policies/web/1.json: Rules.top.Secondary.RuleReference: warning: is null; treated as absent",
		"policies/web/1.json: Rules.w.Items[0].RuleReference: warning: is null; treated as absent",
		"policies/web/1.json: Endpoints.orphan: warning: endpoint is not reachable from the start; ignored",
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, logs.String())
		}
	}
	if strings.Contains(logs.String(), "has both") {
		t.Errorf("a null field named as present:\n%s", logs.String())
	}
}
