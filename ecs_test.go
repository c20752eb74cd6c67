package trafficflow

import (
	"context"
	"net/netip"
	"testing"

	"github.com/coredns/coredns/plugin/pkg/dnstest"
	"github.com/coredns/coredns/plugin/test"
	"github.com/miekg/dns"
)

// EDNS Client Subnet: the client's location comes from the query's subnet
// (its address, when there is no option or the source prefix is 0; host
// bits past the prefix do not count), and the reply echoes the subnet
// with the scope the answer depended on: the location's network, or 0 for
// an answer that does not depend on the client. An option with a non-zero
// scope in the query gets FORMERR; "ecs off" ignores the option.
func TestECS(t *testing.T) {
	cases := []struct {
		name, from, ecs string
		want            string
		scope           int // -1: no ECS in the reply
	}{
		{"subnet from a resolver elsewhere", "10.240.0.1", "203.0.113.0/24", "192.0.2.30", 24},
		{"no ECS uses the resolver address", "10.240.0.1", "", "192.0.2.40", -1},
		{"source prefix 0 is ignored", "10.240.0.1", "0.0.0.0/0", "192.0.2.40", 0},
		{"host bits beyond the prefix are ignored", "10.240.0.1", "198.51.100.7/24", "192.0.2.10", 24},
		{"IPv6 subnet", "10.240.0.1", "2001:db8::/56", "192.0.2.20", 24},
	}
	tf := newPlugin(t, pluginOpts{files: baseStore(), locator: geoStub})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := ask(t, tf, "geo.example.org.", dns.TypeA, tc.from, tc.ecs)
			if got := values(m); len(got) != 1 || got[0] != tc.want {
				t.Fatalf("answer %v, want %s", got, tc.want)
			}
			e := ecsOf(m)
			switch {
			case tc.scope < 0 && e != nil:
				t.Errorf("ECS in the reply to a query without it: %v", e)
			case tc.scope >= 0 && e == nil:
				t.Errorf("no ECS in the reply")
			case e != nil && int(e.SourceScope) != tc.scope:
				t.Errorf("scope %d, want %d", e.SourceScope, tc.scope)
			case e != nil && tc.ecs != "" && netip.PrefixFrom(netip.MustParseAddr(e.Address.String()).Unmap(), int(e.SourceNetmask)).Masked() != netip.MustParsePrefix(tc.ecs).Masked():
				t.Errorf("echoed %s/%d, want %s", e.Address, e.SourceNetmask, tc.ecs)
			}
		})
	}
	// An answer that does not depend on the client has scope 0.
	m, _ := ask(t, tf, "www.example.org.", dns.TypeA, "", "203.0.113.0/24")
	if e := ecsOf(m); e == nil || e.SourceScope != 0 || e.SourceNetmask != 24 {
		t.Errorf("failover answer: ECS %v, want scope 0", e)
	}
	// No answer for the client's location depends on the location too: the
	// scope is the network the location came from.
	m, _ = ask(t, tf, "geo.example.org.", dns.TypeA, "", "192.0.2.0/24")
	if e := ecsOf(m); len(m.Answer) != 0 || e == nil || e.SourceScope != 8 {
		t.Errorf("no answer for the subnet: %v (the answer depended on the location: scope is the stub's /8)", e)
	}
	// A query whose ECS has a non-zero scope is malformed (RFC 7871).
	q := new(dns.Msg)
	q.SetQuestion("geo.example.org.", dns.TypeA)
	addECS(q, "203.0.113.0/24")
	ecsOf(q).SourceScope = 8
	rec := dnstest.NewRecorder(&test.ResponseWriter{})
	if rc, _ := tf.ServeDNS(context.Background(), rec, q); rc != dns.RcodeFormatError {
		t.Errorf("malformed ECS: rcode %d, want FORMERR", rc)
	}
	// ecs off: the subnet is not used, and the reply carries none.
	off := newPlugin(t, pluginOpts{files: baseStore(), block: "ecs off", locator: geoStub})
	m, _ = ask(t, off, "geo.example.org.", dns.TypeA, "10.240.0.1", "203.0.113.0/24")
	if got := values(m); len(got) != 1 || got[0] != "192.0.2.40" || ecsOf(m) != nil {
		t.Errorf("ecs off: %v %v", got, ecsOf(m))
	}
}
