package trafficflow

import (
	"context"
	"net"
	"net/netip"
	"strings"

	"github.com/coredns/coredns/plugin"
	"github.com/miekg/dns"

	"github.com/trafficflow/trafficflow/policyfile"
)

// The live explain: with the directive's "explain CIDR...", a query of
// class CH and type TXT for a policy name, from one of those networks, is
// answered with the decision path the same query of the policy's type
// would take now, for the same client (its ECS subnet or its address),
// with the live health states, as one TXT record per line. From any other
// network it is REFUSED. Other CH queries (version.bind, ...) go on to the
// next plugin.

// explainTTL is the TTL of a live explanation: 0, it is only true now.
const explainTTL = 0

// serveExplain answers a CH TXT query (see above). It stays out of line:
// ServeDNS only tests the class.
//
//go:noinline
func (tf *TrafficFlow) serveExplain(ctx context.Context, w dns.ResponseWriter, r *dns.Msg, snap *snapshot) (int, error) {
	q := r.Question[0]
	e := snap.names[strings.ToLower(q.Name)]
	if e == nil {
		return plugin.NextOrFailure(pluginName, tf.Next, ctx, w, r)
	}
	m := new(dns.Msg)
	m.SetReply(r)
	if !tf.explainAllowed(w.RemoteAddr()) {
		m.Rcode = dns.RcodeRefused
		return dns.RcodeSuccess, w.WriteMsg(m)
	}
	// The same query, as the client would ask it.
	in := r.Copy()
	in.Question[0].Qclass = dns.ClassINET
	if e.rrtype != dns.TypeCNAME {
		in.Question[0].Qtype = e.rrtype
	}
	x := &explainState{}
	reply, v := tf.answer(ctx, w, in, snap, e, x)
	ex := tf.explanation(w, snap, in, x, reply, v, tf.liveHealth)
	m.Authoritative = true
	m.Answer = txtLines(ex, q.Name, explainTTL)
	return dns.RcodeSuccess, w.WriteMsg(m)
}

// explainAllowed reports whether a live explain may answer a client.
func (tf *TrafficFlow) explainAllowed(a net.Addr) bool {
	var ip net.IP
	switch ra := a.(type) {
	case *net.UDPAddr:
		ip = ra.IP
	case *net.TCPAddr:
		ip = ra.IP
	}
	addr, ok := netip.AddrFromSlice(ip)
	if !ok {
		return false
	}
	addr = addr.Unmap()
	for _, p := range tf.cfg.explain {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// liveHealth reports a check's live state and whether healthstate.json
// forces it.
func (tf *TrafficFlow) liveHealth(id string) (bool, string) {
	for _, s := range tf.health.Status() {
		if s.ID == id {
			if s.Forced != policyfile.NotForced {
				return s.Healthy, "healthstate.json"
			}
			return s.Healthy, "live"
		}
	}
	if c := tf.health.Cell(id); c != nil {
		return c.Load(), "missing_healthcheck"
	}
	return true, "live"
}
