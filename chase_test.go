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

// Spec §8 item 54: alias-type endpoints are flattened.
func TestAliasFlattening(t *testing.T) {
	files := baseStore()
	files["policies/lb/1.json"] = albPolicy
	files["records.json"] = `{"PolicyRecords":[{"Name":"lb.example.org","Policy":"lb","Version":1,"TTL":300}],"Aliases":[{"Name":"lb-alias.example.org","Target":"lb.example.org"}]}`
	res := &fakeResolver{answers: map[string][]dns.RR{"web-1.us-east-1.elb.amazonaws.com./A": {
		mustRR(t, "web-1.us-east-1.elb.amazonaws.com. 60 IN CNAME web-1.internal.example.net."),
		mustRR(t, "web-1.internal.example.net. 60 IN A 203.0.113.7"),
		mustRR(t, "web-1.internal.example.net. 60 IN A 203.0.113.8"),
	}}}
	tf := newPlugin(t, pluginOpts{files: files, upstream: res})
	m, rc := ask(t, tf, "lb-alias.example.org.", dns.TypeA, "", "")
	if rc != dns.RcodeSuccess || len(m.Answer) != 2 {
		t.Fatalf("rcode %d answer %v", rc, m.Answer)
	}
	for _, rr := range m.Answer {
		if rr.Header().Name != "lb-alias.example.org." || rr.Header().Ttl != 60 || rr.Header().Rrtype != dns.TypeA {
			t.Errorf("record %v: want owner lb-alias.example.org., TTL min(300, 60)", rr)
		}
	}
	// AAAA for an A policy: NODATA, and the alias target is not even asked.
	calls := res.calls.Load()
	m, _ = ask(t, tf, "lb.example.org.", dns.TypeAAAA, "", "")
	if len(m.Answer) != 0 || len(m.Ns) != 1 || res.calls.Load() != calls {
		t.Errorf("AAAA: %v %v", m.Answer, m.Ns)
	}
	// A failing resolution is SERVFAIL.
	res.rcode = dns.RcodeServerFailure
	if _, rc := ask(t, tf, "lb.example.org.", dns.TypeA, "", ""); rc != dns.RcodeServerFailure {
		t.Errorf("rcode %d, want SERVFAIL", rc)
	}
}

const cnamePolicy = `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"CNAME","StartEndpoint":"e","Endpoints":{"e":{"Type":"value","Value":"%s"}}}`

// CNAME policies answer every type and are followed like the file plugin
// follows CNAMEs.
func TestCNAMEPolicy(t *testing.T) {
	files := baseStore()
	files["policies/in/1.json"] = fmt.Sprintf(cnamePolicy, "www.example.org")
	files["policies/out/1.json"] = fmt.Sprintf(cnamePolicy, "cdn.example.net")
	files["policies/gone/1.json"] = fmt.Sprintf(cnamePolicy, "gone.example.net")
	files["records.json"] = `{"PolicyRecords":[{"Name":"www.example.org","Policy":"web","Version":1,"TTL":60},
		{"Name":"in.example.org","Policy":"in","Version":1,"TTL":300},{"Name":"out.example.org","Policy":"out","Version":1,"TTL":300},
		{"Name":"gone.example.org","Policy":"gone","Version":1,"TTL":300}]}`
	res := &fakeResolver{answers: map[string][]dns.RR{"cdn.example.net./A": {mustRR(t, "cdn.example.net. 20 IN A 203.0.113.9")}}}
	tf := newPlugin(t, pluginOpts{files: files, upstream: res})
	m, _ := ask(t, tf, "in.example.org.", dns.TypeA, "", "")
	if got := fmt.Sprint(m.Answer); got != "[in.example.org.\t300\tIN\tCNAME\twww.example.org. www.example.org.\t60\tIN\tA\t192.0.2.1]" {
		t.Errorf("in-store chain: %s", got)
	}
	m, _ = ask(t, tf, "in.example.org.", dns.TypeCNAME, "", "")
	if len(m.Answer) != 1 {
		t.Errorf("CNAME query: %v", m.Answer)
	}
	m, _ = ask(t, tf, "in.example.org.", dns.TypeTXT, "", "")
	if len(m.Answer) != 1 || m.Answer[0].Header().Rrtype != dns.TypeCNAME || len(m.Ns) != 1 {
		t.Errorf("TXT via CNAME to an A record: %v %v (want the CNAME and the SOA)", m.Answer, m.Ns)
	}
	m, _ = ask(t, tf, "out.example.org.", dns.TypeA, "", "")
	if got := fmt.Sprint(m.Answer); got != "[out.example.org.\t300\tIN\tCNAME\tcdn.example.net. cdn.example.net.\t20\tIN\tA\t203.0.113.9]" {
		t.Errorf("external chain: %s", got)
	}
	res.rcode = dns.RcodeNameError
	m, _ = ask(t, tf, "gone.example.org.", dns.TypeA, "", "")
	if m.Rcode != dns.RcodeNameError || len(m.Answer) != 1 {
		t.Errorf("chain to NXDOMAIN: rcode %d %v", m.Rcode, m.Answer)
	}
	// A target that fails to resolve: SERVFAIL with the CNAME (RFC 6604), a
	// reply the plugin writes itself (ask checks the returned rcode says so).
	res.rcode = dns.RcodeServerFailure
	m, _ = ask(t, tf, "gone.example.org.", dns.TypeA, "", "")
	if m == nil || m.Rcode != dns.RcodeServerFailure || len(m.Answer) != 1 {
		t.Errorf("chain to SERVFAIL: %v", m)
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
		"web-1.us-east-1.elb.amazonaws.com./A": {mustRR(t, "web-1.us-east-1.elb.amazonaws.com. 60 IN A 203.0.113.7")},
		"cdn.example.net./A":                   {mustRR(t, "cdn.example.net. 20 IN A 203.0.113.9")},
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
