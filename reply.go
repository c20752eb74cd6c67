package trafficflow

import (
	"github.com/miekg/dns"

	"github.com/trafficflow/trafficflow/evaluate"
)

// The reply: one allocation for the common reply (message, question, OPT
// record with its ECS option, and room for a multivalue answer), and the
// answer records, precomputed per name and shared (snapshot.go).

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

// records turns an evaluation result into answer RRs owned by owner.
func (qs *queryState) records(e *entry, owner string, qtype uint16, res *evaluate.Result) ([]dns.RR, bool) {
	exact := owner == e.name
	// The common case costs nothing: one precomputed RRset, shared.
	if res.N == 1 && exact {
		if rrs := e.answer(res.Endpoints[0]); rrs != nil {
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
		if rrs := e.answer(i); rrs != nil {
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
