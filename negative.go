package trafficflow

import (
	"context"
	"time"

	"github.com/coredns/coredns/plugin/pkg/dnsutil"
	"github.com/coredns/coredns/plugin/pkg/nonwriter"
	"github.com/miekg/dns"
)

// Negative answers and other types: trafficflow owns only the (name,
// policy type) pair of its records, so the next plugin answers other types
// at their names; NXDOMAIN there becomes NODATA, since the name exists.
// Every NODATA answer carries the zone's SOA, TTL clamped to its minimum
// (RFC 2308 §5): the next plugin's SOA when it has one, else a
// synthesized one.

// otherType answers a query for a policy name with a type the policy does
// not answer. The next plugin (typically file, serving the rest of the
// zone) answers, so an apex policy record keeps the zone's SOA, NS and MX;
// when it does not know the name, the answer becomes NODATA; when it
// cannot answer at all, trafficflow answers NODATA with the zone's SOA
// itself.
func (tf *TrafficFlow) otherType(ctx context.Context, w dns.ResponseWriter, r *dns.Msg, snap *snapshot, e *entry) (int, error) {
	if tf.Next != nil {
		nw := nonwriter.New(w)
		rc, err := tf.Next.ServeDNS(ctx, nw, r)
		if m := nw.Msg; m != nil && (m.Rcode == dns.RcodeSuccess || m.Rcode == dns.RcodeNameError) {
			if m.Rcode == dns.RcodeNameError {
				m.Rcode = dns.RcodeSuccess
				m.Answer = nil
			}
			m.Authoritative = true
			if len(m.Answer) == 0 {
				if hasSOA(m.Ns) {
					m.Ns = clampSOA(m.Ns)
				} else {
					m.Ns = append(m.Ns, tf.soa(ctx, w, snap, e.zone))
				}
			}
			return m.Rcode, w.WriteMsg(m)
		}
		if err != nil {
			log.Debugf("next plugin for %s %s: rcode %d: %v", r.Question[0].Name, dns.TypeToString[r.Question[0].Qtype], rc, err)
		}
	}
	m := new(dns.Msg)
	m.SetReply(r)
	m.Authoritative = true
	m.Ns = []dns.RR{tf.soa(ctx, w, snap, e.zone)}
	return dns.RcodeSuccess, w.WriteMsg(m)
}

// addSOA puts the zone's SOA into a negative answer of a policy name. It
// stays out of line to keep answer's frame small (the stack budget, in
// handler.go).
//
//go:noinline
func (qs *queryState) addSOA(m *dns.Msg, e *entry) {
	m.Ns = []dns.RR{qs.tf.soa(qs.ctx, qs.w, qs.snap, e.zone)}
}

// soa returns the SOA for a negative answer in zone: the next plugin's
// (file's) when it has one, else the snapshot's synthesized one, with the
// TTL clamped to the SOA's minimum.
func (tf *TrafficFlow) soa(ctx context.Context, w dns.ResponseWriter, snap *snapshot, zone string) dns.RR {
	var soa *dns.SOA
	if tf.Next != nil {
		req := new(dns.Msg)
		req.SetQuestion(zone, dns.TypeSOA)
		nw := nonwriter.New(w)
		if _, err := tf.Next.ServeDNS(ctx, nw, req); err == nil && nw.Msg != nil {
			for _, rr := range nw.Msg.Answer {
				if s, ok := rr.(*dns.SOA); ok && s.Hdr.Name == zone {
					soa = s
					break
				}
			}
		}
	}
	if soa == nil {
		soa = snap.soa[zone] // every zone with a served name has one
	}
	out := dns.Copy(soa).(*dns.SOA)
	out.Hdr.Ttl = min(out.Hdr.Ttl, out.Minttl)
	return out
}

// clampSOA returns rrs with every SOA's TTL clamped to its minimum,
// copying what it changes.
func clampSOA(rrs []dns.RR) []dns.RR {
	out := make([]dns.RR, len(rrs))
	for i, rr := range rrs {
		if s, ok := rr.(*dns.SOA); ok && s.Hdr.Ttl > s.Minttl {
			c := dns.Copy(s).(*dns.SOA)
			c.Hdr.Ttl = c.Minttl
			rr = c
		}
		out[i] = rr
	}
	return out
}

func hasSOA(rrs []dns.RR) bool {
	for _, rr := range rrs {
		if rr.Header().Rrtype == dns.TypeSOA {
			return true
		}
	}
	return false
}

// synthesizedSOA is the SOA negative answers carry when the next plugin
// has none for the zone.
func synthesizedSOA(zone string) *dns.SOA {
	return &dns.SOA{
		Hdr:     dns.RR_Header{Name: zone, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 60},
		Ns:      dnsutil.Join("ns", zone),
		Mbox:    dnsutil.Join("hostmaster", zone),
		Serial:  uint32(time.Now().Unix()),
		Refresh: 7200,
		Retry:   1800,
		Expire:  1209600,
		Minttl:  60,
	}
}
