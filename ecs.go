package trafficflow

import "github.com/miekg/dns"

// EDNS Client Subnet (RFC 7871): the client address a query carries, and
// the scope a reply gives back.

// readECS reads the query's EDNS Client Subnet option, unless the
// directive says "ecs off". It reports false for a malformed option (a
// non-zero scope in a query, RFC 7871 §7.1.2), which gets FORMERR.
func (qs *queryState) readECS() bool {
	if !qs.tf.cfg.ecs {
		return true
	}
	opt := qs.r.IsEdns0()
	if opt == nil {
		return true
	}
	for _, o := range opt.Option {
		e, ok := o.(*dns.EDNS0_SUBNET)
		if !ok {
			continue
		}
		if e.SourceScope != 0 {
			return false
		}
		qs.ecs = e
		return true
	}
	return true
}

// writeECS puts the client-subnet option into the reply with the scope the
// answer depends on: the location's network prefix when the answer
// depended on the location, at least the client key's prefix when it
// depended on the key (key.go), else 0. CoreDNS strips ECS from replies that do
// not carry their own OPT record, so the reply gets one (in the reply's
// own allocation, see reply.go).
func (qs *queryState) writeECS(m *dns.Msg) {
	if qs.ecs == nil {
		return
	}
	opt := qs.r.IsEdns0()
	rp := qs.reply
	o := &rp.opt
	o.Hdr = dns.RR_Header{Name: ".", Rrtype: dns.TypeOPT}
	o.SetUDPSize(opt.UDPSize())
	o.SetDo(opt.Do())
	scope := uint8(0)
	if qs.ecs.SourceNetmask > 0 {
		if qs.usedLocation {
			scope = uint8(qs.scope)
		}
		if qs.usedKey && qs.keyValid {
			scope = max(scope, qs.keyBits)
		}
	}
	rp.ecs = dns.EDNS0_SUBNET{
		Code:          dns.EDNS0SUBNET,
		Family:        qs.ecs.Family,
		SourceNetmask: qs.ecs.SourceNetmask,
		SourceScope:   scope,
		Address:       qs.ecs.Address,
	}
	rp.options[0] = &rp.ecs
	o.Option = rp.options[:]
	if len(m.Extra) == 0 {
		rp.extra[0] = o
		m.Extra = rp.extra[:]
		return
	}
	m.Extra = append(m.Extra, o)
}
