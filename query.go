package trafficflow

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"

	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin/metrics"
	"github.com/coredns/coredns/request"
	"github.com/miekg/dns"

	"github.com/trafficflow/trafficflow/evaluate"
)

// maxChain bounds CNAME chains and alias resolutions, like the file plugin.
const maxChain = 8

// queryState carries one query through evaluation. It lives on the stack,
// in answer's frame.
type queryState struct {
	tf   *TrafficFlow
	ctx  context.Context
	w    dns.ResponseWriter
	r    *dns.Msg
	snap *snapshot

	// ecs is the query's client-subnet option (nil if none or ignored).
	ecs *dns.EDNS0_SUBNET
	// located is set once the client's location has been looked up.
	located bool
	client  evaluate.Client
	// scope is the number of address bits the location (and latency row)
	// depends on; usedLocation says whether an answer depended on it.
	scope        int
	usedLocation bool
	// fellOpen says whether an answer came from a fail-open choice.
	fellOpen bool
	// reply is the reply being built.
	reply *reply
}

// outcome is how an evaluation ended.
type outcome uint8

const (
	// answered: the answer holds records (or a CNAME chain).
	answered outcome = iota
	// noAnswer: the policy has nothing for this client (a geo rule without
	// a matching location or default), or a CNAME chain ends at a name
	// without data of the query type.
	noAnswer
	// failed: an alias target could not be resolved.
	failed
)

// fallThrough is the rcode answer returns for a query the next plugin
// answers.
const fallThrough = -1

// answer builds the reply to a query for e whose type the policy answers (or
// any type, for a CNAME policy). It returns the reply, or nil and the rcode
// to return without one (fallThrough: the next plugin answers). The
// per-query state lives in its frame, which is gone by the time ServeDNS
// writes the reply (see stack_test.go for why that matters).
//
//go:noinline
func (tf *TrafficFlow) answer(ctx context.Context, w dns.ResponseWriter, r *dns.Msg, snap *snapshot, e *entry) (*dns.Msg, int) {
	qs := queryState{tf: tf, ctx: ctx, w: w, r: r, snap: snap}
	if rc := qs.readECS(); rc != dns.RcodeSuccess {
		return nil, rc
	}
	q := r.Question[0]
	qs.reply = newReply(r, e.policy.HasMultivalue())
	m := &qs.reply.msg
	if e.policy.NeedsLocation() {
		qs.locate() // here rather than deeper inside evaluate: see stack_test.go
	}

	answer, out := qs.evaluate(e, q.Name, q.Qtype, m)
	switch {
	case out == failed && len(answer) == 0:
		return nil, dns.RcodeServerFailure
	case out == failed:
		m.Rcode = dns.RcodeServerFailure // a partial answer (RFC 6604)
	case out == noAnswer && len(answer) == 0 && tf.Fall.Through(q.Name):
		return nil, fallThrough
	}
	m.Answer = answer
	if len(m.Answer) == 0 && len(m.Ns) == 0 && m.Rcode == dns.RcodeSuccess || out == noAnswer && len(m.Ns) == 0 {
		qs.addSOA(m, e)
	}
	qs.writeECS(m)
	if qs.fellOpen {
		qs.countFailOpen(e)
	}
	return m, m.Rcode
}

// addSOA puts the zone's SOA into a negative answer. It and countFailOpen
// stay out of line to keep answer's frame small.
//
//go:noinline
func (qs *queryState) addSOA(m *dns.Msg, e *entry) {
	m.Ns = []dns.RR{qs.tf.soa(qs.ctx, qs.w, qs.snap, e.zone)}
}

//go:noinline
func (qs *queryState) countFailOpen(e *entry) {
	failOpen.WithLabelValues(metrics.WithServer(qs.ctx), e.zone).Inc()
}

// evaluate answers owner (the name as the client wrote it) from entry e for
// qtype, following CNAME policies like the file plugin follows CNAMEs:
// inside the store, or through the server for names outside it. Rcode
// changes and authority records from an external chain go to m.
func (qs *queryState) evaluate(e *entry, owner string, qtype uint16, m *dns.Msg) ([]dns.RR, outcome) {
	var answer []dns.RR
	for depth := 0; ; depth++ {
		var res evaluate.Result
		query := evaluate.Query{Seed: qs.tf.Seed()}
		if e.policy.NeedsLocation() {
			qs.locate()
			query.Client = &qs.client
		}
		e.policy.Evaluate(&query, &res)
		qs.usedLocation = qs.usedLocation || res.UsedLocation
		if res.N == 0 {
			return answer, noAnswer // not a fail-open answer: no answer
		}
		qs.fellOpen = qs.fellOpen || !res.Healthy
		rrs, ok := qs.records(e, owner, qtype, &res)
		if !ok {
			return answer, failed
		}
		if answer == nil {
			answer = rrs
		} else {
			answer = append(answer, rrs...)
		}
		if e.rrtype != dns.TypeCNAME || qtype == dns.TypeCNAME {
			return answer, answered
		}
		target := rrs[0].(*dns.CNAME).Target
		if depth+1 >= maxChain {
			return answer, answered // the resolver follows the rest
		}
		next := qs.snap.names[strings.ToLower(target)]
		if next == nil {
			return qs.external(answer, target, qtype, m), answered
		}
		if next.rrtype != qtype && next.rrtype != dns.TypeCNAME {
			return answer, noAnswer // the target has no record of this type
		}
		e, owner = next, target
	}
}

// records turns an evaluation result into answer RRs owned by owner.
func (qs *queryState) records(e *entry, owner string, qtype uint16, res *evaluate.Result) ([]dns.RR, bool) {
	exact := owner == e.name
	// The common case costs nothing: one precomputed RRset, shared.
	if res.N == 1 && exact {
		if rrs := e.answers[res.Endpoints[0]]; rrs != nil {
			return rrs, true
		}
	}
	var out []dns.RR
	if rp := qs.reply; cap(rp.answer) > 0 {
		out, rp.answer = rp.answer, nil // room for a multivalue answer in the reply itself
	} else {
		out = make([]dns.RR, 0, res.N)
	}
	for _, i := range res.Endpoints[:res.N] {
		if rrs := e.answers[i]; rrs != nil {
			for _, rr := range rrs {
				if !exact {
					rr = withOwner(rr, owner)
				}
				out = append(out, rr)
			}
			continue
		}
		flat, ok := qs.flatten(e, e.targets[i], owner, qtype)
		if !ok {
			return nil, false
		}
		out = append(out, flat...)
	}
	if res.N > 1 && len(out) > evaluate.MaxAnswers {
		out = out[:evaluate.MaxAnswers] // multivalue answers hold at most 8 records
	}
	return out, true
}

// withOwner returns a copy of a shared, precomputed rr owned by owner (the
// name as the client wrote it, in another case). A and AAAA records share
// their address with the original, which is never modified.
func withOwner(rr dns.RR, owner string) dns.RR {
	switch r := rr.(type) {
	case *dns.A:
		c := *r
		c.Hdr.Name = owner
		return &c
	case *dns.AAAA:
		c := *r
		c.Hdr.Name = owner
		return &c
	}
	rr = dns.Copy(rr)
	rr.Header().Name = owner
	return rr
}

// flatten resolves an alias-type endpoint (load balancer, CloudFront, ...)
// and returns its addresses of type qtype under owner, with TTL = min(record
// TTL, target TTL): Route 53's alias flattening.
func (qs *queryState) flatten(e *entry, target, owner string, qtype uint16) ([]dns.RR, bool) {
	if qtype != dns.TypeA && qtype != dns.TypeAAAA {
		return nil, true
	}
	msg, err := qs.lookup(target, qtype)
	if err == errLoop {
		log.Warningf("alias loop resolving %s for %s; answering SERVFAIL", target, owner)
		return nil, false
	}
	if err != nil || msg == nil {
		log.Warningf("resolving alias target %s for %s: %v", target, owner, err)
		return nil, false
	}
	if msg.Rcode != dns.RcodeSuccess && msg.Rcode != dns.RcodeNameError {
		return nil, false
	}
	var out []dns.RR
	for _, rr := range msg.Answer {
		if rr.Header().Rrtype != qtype {
			continue // the CNAMEs of the target's chain
		}
		rr = dns.Copy(rr)
		rr.Header().Name = owner
		rr.Header().Ttl = min(rr.Header().Ttl, e.ttl)
		out = append(out, rr)
	}
	return out, true
}

// errLoop says that a lookup through the server would nest deeper than
// maxChain (an alias or CNAME loop through other plugins).
var errLoop = errors.New("lookup loop")

// lookup resolves name through the server (Resolver), counting the nesting
// in the context as CoreDNS's loop detection does.
func (qs *queryState) lookup(name string, qtype uint16) (*dns.Msg, error) {
	loop, _ := qs.ctx.Value(dnsserver.LoopKey{}).(int)
	if loop >= maxChain {
		return nil, errLoop
	}
	ctx := context.WithValue(qs.ctx, dnsserver.LoopKey{}, loop+1)
	return qs.tf.Resolver.Lookup(ctx, request.Request{W: qs.w, Req: qs.r}, name, qtype)
}

// external follows a CNAME target outside the store through the server,
// as the file plugin does, and maps the result onto m.
func (qs *queryState) external(answer []dns.RR, target string, qtype uint16, m *dns.Msg) []dns.RR {
	msg, err := qs.lookup(target, qtype)
	if err != nil || msg == nil {
		return answer // the resolver chases the CNAME itself (or a loop stops here)
	}
	switch msg.Rcode {
	case dns.RcodeSuccess:
		if len(msg.Answer) == 0 {
			m.Ns = msg.Ns
		}
		return append(answer, msg.Answer...)
	case dns.RcodeNameError:
		m.Rcode = dns.RcodeNameError
		m.Ns = msg.Ns
	case dns.RcodeServerFailure:
		m.Rcode = dns.RcodeServerFailure
	}
	return answer
}

// readECS reads the query's EDNS Client Subnet option. It returns FORMERR
// for a malformed option (RFC 7871 §7.1.2).
func (qs *queryState) readECS() int {
	if !qs.tf.cfg.ecs {
		return dns.RcodeSuccess
	}
	opt := qs.r.IsEdns0()
	if opt == nil {
		return dns.RcodeSuccess
	}
	for _, o := range opt.Option {
		e, ok := o.(*dns.EDNS0_SUBNET)
		if !ok {
			continue
		}
		if e.SourceScope != 0 {
			return dns.RcodeFormatError
		}
		qs.ecs = e
		return dns.RcodeSuccess
	}
	return dns.RcodeSuccess
}

// clientAddr is the address the client's location comes from: the ECS
// address when the query has one with a non-zero source prefix, else the
// address the query came from.
func (qs *queryState) clientAddr() (netip.Addr, bool) {
	if e := qs.ecs; e != nil && e.SourceNetmask > 0 {
		if a, ok := netip.AddrFromSlice(e.Address); ok {
			a = a.Unmap()
			if p, err := a.Prefix(int(e.SourceNetmask)); err == nil {
				return p.Addr(), true
			}
			return a, true
		}
	}
	switch ra := qs.w.RemoteAddr().(type) {
	case *net.UDPAddr:
		a, ok := netip.AddrFromSlice(ra.IP)
		return a.Unmap(), ok
	case *net.TCPAddr:
		a, ok := netip.AddrFromSlice(ra.IP)
		return a.Unmap(), ok
	}
	return netip.Addr{}, false
}

// locate looks the client up once per query.
func (qs *queryState) locate() {
	if qs.located {
		return
	}
	qs.located = true
	addr, ok := qs.clientAddr()
	if !ok {
		return
	}
	fromECS := qs.ecs != nil && qs.ecs.SourceNetmask > 0
	if loc := qs.tf.Locator; loc != nil || qs.snap.geo != nil {
		if loc == nil {
			loc = qs.snap.geo
		}
		l, bits := loc.Lookup(addr)
		qs.client = evaluate.NewClient(l.Country, l.Subdivision, l.Continent, l.HasCoordinates, l.Latitude, l.Longitude)
		if fromECS {
			qs.scope = bits
		}
	}
	if qs.snap.latency != nil {
		if row, bits := qs.snap.latency.lookup(addr); row != nil {
			qs.client.RTT = row
			if fromECS {
				qs.scope = max(qs.scope, bits)
			}
		}
	}
}

// writeECS puts the client-subnet option into the reply with the scope the
// answer depends on: the location's network prefix when the answer
// depended on the location, else 0. CoreDNS strips ECS from replies that do
// not carry their own OPT record, so the reply gets one.
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
	if qs.usedLocation && qs.ecs.SourceNetmask > 0 {
		scope = uint8(qs.scope)
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

// reply is a reply message with room for its question and an OPT record
// with one ECS option, allocated in one piece: the common reply costs one
// allocation.
type reply struct {
	msg      dns.Msg
	question [1]dns.Question
	extra    [1]dns.RR
	opt      dns.OPT
	options  [1]dns.EDNS0
	ecs      dns.EDNS0_SUBNET
	// answer is room for a multivalue answer (empty, with capacity), in a
	// multiReply; nil otherwise and once taken.
	answer []dns.RR
}

// multiReply is a reply with room for a multivalue answer, for policies
// that have one: single answers stay small.
type multiReply struct {
	reply
	buf [evaluate.MaxAnswers]dns.RR
}

// newReply starts an authoritative reply to r, as dns.Msg.SetReply does,
// with room for a multivalue answer when multi is set.
func newReply(r *dns.Msg, multi bool) *reply {
	var rp *reply
	if multi {
		mr := new(multiReply)
		mr.answer = mr.buf[:0]
		rp = &mr.reply
	} else {
		rp = new(reply)
	}
	m := &rp.msg
	m.Id = r.Id
	m.Response = true
	m.Opcode = r.Opcode
	if m.Opcode == dns.OpcodeQuery {
		m.RecursionDesired = r.RecursionDesired
		m.CheckingDisabled = r.CheckingDisabled
	}
	m.Authoritative = true
	if len(r.Question) > 0 {
		rp.question[0] = r.Question[0]
		m.Question = rp.question[:]
	}
	return rp
}
