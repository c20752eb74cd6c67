package policyfile

import "testing"

// A store whose alias-type endpoints lead back to a name it serves would
// answer SERVFAIL: an error, at the endpoint, with the whole loop.
func TestLookupLoops(t *testing.T) {
	elb := func(target string) string {
		return `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"f",
			"Endpoints":{"lb":{"Type":"elastic-load-balancer","Value":"` + target + `"},"v":{"Type":"value","Value":"192.0.2.1"}},
			"Rules":{"f":{"RuleType":"failover","Primary":{"EndpointReference":"lb"},"Secondary":{"EndpointReference":"v"}}}}`
	}
	cname := func(target string) string {
		return `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"CNAME","StartEndpoint":"c","Endpoints":{"c":{"Type":"value","Value":"` + target + `"}}}`
	}
	s3 := `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartEndpoint":"s3",
		"Endpoints":{"s3":{"Type":"s3-website","Region":"us-east-1","Value":"s3-website-us-east-1.amazonaws.com"}}}`
	runStoreCases(t, []storeCase{
		{name: "alias endpoint to itself", files: map[string]string{
			"policies/a/1.json": elb("www.example.com"),
			"records.json":      records(rec("www.example.com", "a", 1)),
		}, want: []string{`policies/a/1.json: Endpoints.lb.Value: www.example.com. is a name this store serves, and leads back: alias loop www.example.com. (records.json: PolicyRecords[0]) -> elastic-load-balancer endpoint "lb" of policy "a" version 1 -> www.example.com.; queries would fail with SERVFAIL`}},
		{name: "two records through an alias", files: map[string]string{
			"policies/a/1.json": elb("b.example.com"),
			"policies/b/1.json": elb("alias-of-a.example.com"),
			"records.json": `{"PolicyRecords":[` + rec("a.example.com", "a", 1) + `,` + rec("b.example.com", "b", 1) + `],
				"Aliases":[{"Name":"alias-of-a.example.com","Target":"a.example.com"}]}`,
		}, want: []string{`policies/b/1.json: Endpoints.lb.Value: alias-of-a.example.com. is a name this store serves, and leads back: alias loop b.example.com. (records.json: PolicyRecords[1]) -> elastic-load-balancer endpoint "lb" of policy "b" version 1 -> alias-of-a.example.com. (records.json: Aliases[0]) -> elastic-load-balancer endpoint "lb" of policy "a" version 1 -> b.example.com.; queries would fail with SERVFAIL`}},
		{name: "through a CNAME policy", files: map[string]string{
			"policies/a/1.json": elb("c.example.com"),
			"policies/c/1.json": cname("a.example.com"),
			"records.json":      records(rec("a.example.com", "a", 1), rec("c.example.com", "c", 1)),
		}, want: []string{`policies/a/1.json: Endpoints.lb.Value: c.example.com. is a name this store serves, and leads back: alias loop a.example.com. (records.json: PolicyRecords[0]) -> elastic-load-balancer endpoint "lb" of policy "a" version 1 -> c.example.com. (records.json: PolicyRecords[1]) -> CNAME endpoint "c" of policy "c" version 1 -> a.example.com.; queries would fail with SERVFAIL`}},
		{name: "a chain that ends is no loop", files: map[string]string{
			"policies/a/1.json":  elb("b.example.com"),
			"records.json":       records(rec("a.example.com", "a", 1), rec("b.example.com", "s3", 1)),
			"policies/s3/1.json": s3,
		}},
		{name: "a name served for another type is no loop", files: map[string]string{
			"policies/a/1.json":   elb("txt.example.com"),
			"policies/txt/1.json": `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"TXT","StartEndpoint":"t","Endpoints":{"t":{"Type":"value","Value":"\"x\""}}}`,
			"records.json":        records(rec("a.example.com", "a", 1), rec("txt.example.com", "txt", 1)),
		}},
		{name: "outside the zones is not served", opts: Options{Zones: []string{"example.org."}}, files: map[string]string{
			"policies/a/1.json": elb("www.example.com"),
			"records.json":      records(rec("www.example.com", "a", 1)),
		}, want: []string{`records.json: PolicyRecords[0].Name: warning: www.example.com. is outside the zones example.org.; it is not served`}},
		{name: "unreachable endpoint is no loop", files: map[string]string{
			"policies/a/1.json": `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartEndpoint":"v",
				"Endpoints":{"lb":{"Type":"elastic-load-balancer","Value":"www.example.com"},"v":{"Type":"value","Value":"192.0.2.1"}}}`,
			"records.json": records(rec("www.example.com", "a", 1)),
		}, want: []string{`policies/a/1.json: Endpoints.lb: warning: endpoint is not reachable from the start; ignored`}},
		{name: "a loop of CNAMEs warns", files: map[string]string{
			"policies/x/1.json": cname("y.example.com"),
			"policies/y/1.json": cname("x.example.com"),
			"records.json":      records(rec("x.example.com", "x", 1), rec("y.example.com", "y", 1)),
		}, want: []string{`policies/x/1.json: Endpoints.c.Value: warning: y.example.com. is a name this store serves, and leads back: CNAME loop x.example.com. (records.json: PolicyRecords[0]) -> CNAME endpoint "c" of policy "x" version 1 -> y.example.com. (records.json: PolicyRecords[1]) -> CNAME endpoint "c" of policy "y" version 1 -> x.example.com.; resolvers cannot resolve it`}},
	})
}
