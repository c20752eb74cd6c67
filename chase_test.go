package trafficflow

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin/pkg/dnstest"
	"github.com/coredns/coredns/plugin/test"
	"github.com/miekg/dns"
)

const albPolicy = `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"f",
"Endpoints":{"alb":{"Type":"application-load-balancer","Value":"web-1.us-east-1.elb.amazonaws.com"},"banner":{"Type":"value","Value":"192.0.2.99"}},
"Rules":{"f":{"RuleType":"failover","Primary":{"EndpointReference":"alb","HealthCheck":"hp"},"Secondary":{"EndpointReference":"banner"}}}}`

// Alias-type endpoints (a load balancer here) are resolved through the
// server and flattened into the answer, as Route 53's alias records are:
// the target's addresses without its CNAMEs, owned by the name asked, with
// TTL min(record TTL 300, target TTL 60). An AAAA query for an A policy
// is NODATA without a lookup of the target, and a target that fails to
// resolve makes the answer SERVFAIL.
func TestAliasFlattening(t *testing.T) {
	files := baseStore()
	files["policies/lb/1.json"] = albPolicy
	files["records.json"] = `{"PolicyRecords":[{"Name":"lb.example.org","Policy":"lb","Version":1,"TTL":300}],"Aliases":[{"Name":"lb-alias.example.org","Target":"lb.example.org"}]}`
	res := &fakeResolver{answers: map[string][]dns.RR{"web-1.us-east-1.elb.amazonaws.com./A": {
		test.CNAME("web-1.us-east-1.elb.amazonaws.com. 60 IN CNAME web-1.internal.example.net."),
		test.A("web-1.internal.example.net. 60 IN A 203.0.113.7"),
		test.A("web-1.internal.example.net. 60 IN A 203.0.113.8"),
	}}}
	tf := newPlugin(t, pluginOpts{files: files, upstream: res})
	checkCase(t, tf, test.Case{Qname: "lb-alias.example.org.", Qtype: dns.TypeA, Authoritative: true, Answer: []dns.RR{
		test.A("lb-alias.example.org. 60 IN A 203.0.113.7"),
		test.A("lb-alias.example.org. 60 IN A 203.0.113.8"),
	}})

	calls := res.calls.Load()
	checkCase(t, tf, test.Case{Qname: "lb.example.org.", Qtype: dns.TypeAAAA, Authoritative: true,
		Ns: []dns.RR{test.SOA("example.org. 60 IN SOA ns.example.org. hostmaster.example.org. 1 7200 1800 1209600 60")}})
	if n := res.calls.Load() - calls; n != 0 {
		t.Errorf("AAAA for an A policy: %d lookups of the alias target, want none", n)
	}

	res.rcode = dns.RcodeServerFailure
	if _, rc := ask(t, tf, "lb.example.org.", dns.TypeA, "", ""); rc != dns.RcodeServerFailure {
		t.Errorf("rcode %d, want SERVFAIL", rc)
	}
}

const cnamePolicy = `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"CNAME","StartEndpoint":"e","Endpoints":{"e":{"Type":"value","Value":"%s"}}}`

// CNAME policies answer every type and are followed as the file plugin
// follows CNAMEs: to a policy name in the store (the whole chain in one
// answer, the CNAME first), or through the server to a name outside it. A
// target without data of the query type adds the zone's SOA; a target
// outside the store that is NXDOMAIN or SERVFAIL gives the answer its
// rcode, after the CNAME (RFC 6604).
func TestCNAMEPolicy(t *testing.T) {
	files := baseStore()
	files["policies/in/1.json"] = fmt.Sprintf(cnamePolicy, "www.example.org")
	files["policies/out/1.json"] = fmt.Sprintf(cnamePolicy, "cdn.example.net")
	files["policies/gone/1.json"] = fmt.Sprintf(cnamePolicy, "gone.example.net")
	files["records.json"] = `{"PolicyRecords":[{"Name":"www.example.org","Policy":"web","Version":1,"TTL":60},
		{"Name":"in.example.org","Policy":"in","Version":1,"TTL":300},{"Name":"out.example.org","Policy":"out","Version":1,"TTL":300},
		{"Name":"gone.example.org","Policy":"gone","Version":1,"TTL":300}]}`
	res := &fakeResolver{answers: map[string][]dns.RR{"cdn.example.net./A": {test.A("cdn.example.net. 20 IN A 203.0.113.9")}}}
	tf := newPlugin(t, pluginOpts{files: files, upstream: res})
	in := test.CNAME("in.example.org. 300 IN CNAME www.example.org.")
	gone := test.CNAME("gone.example.org. 300 IN CNAME gone.example.net.")
	for _, tc := range []struct {
		upstream int // the rcode of lookups through the server
		test.Case
	}{
		{dns.RcodeSuccess, test.Case{Qname: "in.example.org.", Qtype: dns.TypeA, Authoritative: true,
			Answer: []dns.RR{in, test.A("www.example.org. 60 IN A 192.0.2.1")}}},
		{dns.RcodeSuccess, test.Case{Qname: "in.example.org.", Qtype: dns.TypeCNAME, Authoritative: true,
			Answer: []dns.RR{in}}},
		{dns.RcodeSuccess, test.Case{Qname: "in.example.org.", Qtype: dns.TypeTXT, Authoritative: true,
			Answer: []dns.RR{in},
			Ns:     []dns.RR{test.SOA("example.org. 60 IN SOA ns.example.org. hostmaster.example.org. 1 7200 1800 1209600 60")}}},
		{dns.RcodeSuccess, test.Case{Qname: "out.example.org.", Qtype: dns.TypeA, Authoritative: true,
			Answer: []dns.RR{test.A("cdn.example.net. 20 IN A 203.0.113.9"), test.CNAME("out.example.org. 300 IN CNAME cdn.example.net.")}}},
		{dns.RcodeNameError, test.Case{Qname: "gone.example.org.", Qtype: dns.TypeA, Rcode: dns.RcodeNameError, Authoritative: true,
			Answer: []dns.RR{gone}}},
		// A reply the plugin writes itself: checkCase checks that the
		// handler's rcode says so.
		{dns.RcodeServerFailure, test.Case{Qname: "gone.example.org.", Qtype: dns.TypeA, Rcode: dns.RcodeServerFailure, Authoritative: true,
			Answer: []dns.RR{gone}}},
	} {
		res.rcode = tc.upstream
		checkCase(t, tf, tc.Case)
	}
}

// Lookups through the server stop at maxChain nested lookups (a loop
// through other plugins): an alias target is then SERVFAIL, and a CNAME
// chain out of the store ends at the CNAME for the resolver to follow.
func TestLookupLoop(t *testing.T) {
	files := baseStore()
	files["policies/lb/1.json"] = albPolicy
	files["policies/out/1.json"] = fmt.Sprintf(cnamePolicy, "cdn.example.net")
	files["records.json"] = `{"PolicyRecords":[{"Name":"lb.example.org","Policy":"lb","Version":1,"TTL":300},
		{"Name":"out.example.org","Policy":"out","Version":1,"TTL":300}]}`
	res := &fakeResolver{answers: map[string][]dns.RR{
		"web-1.us-east-1.elb.amazonaws.com./A": {test.A("web-1.us-east-1.elb.amazonaws.com. 60 IN A 203.0.113.7")},
		"cdn.example.net./A":                   {test.A("cdn.example.net. 20 IN A 203.0.113.9")},
	}}
	tf := newPlugin(t, pluginOpts{files: files, upstream: res})
	for _, tc := range []struct {
		loop          int
		lb, out       string // answers
		lbRc          int
		resolverCalls int32
	}{
		{0, "203.0.113.7", "cdn.example.net. 203.0.113.9", dns.RcodeSuccess, 2},
		{maxChain - 1, "203.0.113.7", "cdn.example.net. 203.0.113.9", dns.RcodeSuccess, 2},
		{maxChain, "", "cdn.example.net.", dns.RcodeServerFailure, 0},
	} {
		t.Run(fmt.Sprint(tc.loop), func(t *testing.T) {
			ctx := context.WithValue(context.Background(), dnsserver.LoopKey{}, tc.loop)
			calls := res.calls.Load()
			answer := func(name string) (string, int) {
				q := new(dns.Msg)
				q.SetQuestion(name, dns.TypeA)
				rec := dnstest.NewRecorder(&test.ResponseWriter{})
				rc, err := tf.ServeDNS(ctx, rec, q)
				if err != nil {
					t.Fatal(err)
				}
				if rec.Msg == nil {
					return "", rc
				}
				return strings.Join(values(rec.Msg), " "), rec.Msg.Rcode
			}
			if got, rc := answer("lb.example.org."); got != tc.lb || rc != tc.lbRc {
				t.Errorf("alias endpoint: %q rcode %d, want %q rcode %d", got, rc, tc.lb, tc.lbRc)
			}
			if got, _ := answer("out.example.org."); got != tc.out {
				t.Errorf("CNAME out of the store: %q, want %q", got, tc.out)
			}
			if got := res.calls.Load() - calls; got != tc.resolverCalls {
				t.Errorf("%d lookups through the server, want %d", got, tc.resolverCalls)
			}
		})
	}
}
