package trafficflow

import (
	"context"
	"strings"

	"github.com/coredns/coredns/plugin"
	"github.com/miekg/dns"

	"github.com/trafficflow/trafficflow/evaluate"
)

// The query path, and the stack budget that shapes it.
//
// CoreDNS's UDP server (miekg/dns) answers every query on a new goroutine
// whose stack starts small; whenever a query's call chain outgrows it, the
// runtime copies the whole stack to one twice the size, which costs more
// than trafficflow's whole answer. So the query path is kept shallow:
//
//   - ServeDNS has a small frame and writes the reply itself;
//   - answer (out of line) holds the per-query state (queryState) in its
//     frame, builds the reply and returns it, so that its frame is gone
//     by the time ServeDNS writes;
//   - the client's location is looked up in answer's frame, not deeper
//     inside evaluation, and evaluation keeps no per-query data in its
//     recursive frames;
//   - rarely used steps (negative answers, metrics) stay out of line so
//     that their temporaries do not grow answer's frame.
//
// stack_test.go measures the depth of the reply's write and of the
// location lookup against a budget and fails when a change makes the path
// deeper. Every //go:noinline on the query path is there for it.
//
// Where each step is decided: ecs.go (EDNS Client Subnet in and out),
// location.go (the client's location and latency row), chase.go (CNAME
// policies and alias-type endpoints through the server), reply.go (the
// reply and its answer records), negative.go (other types, NODATA and the
// SOA of negative answers).

// ServeDNS implements plugin.Handler. It answers the names of policy
// records and aliases and hands every other query to the next plugin.
func (tf *TrafficFlow) ServeDNS(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
	snap := tf.snap.Load()
	if snap == nil || len(r.Question) != 1 {
		return plugin.NextOrFailure(pluginName, tf.Next, ctx, w, r)
	}
	q := r.Question[0]
	if q.Qclass != dns.ClassINET {
		if q.Qclass == dns.ClassCHAOS && q.Qtype == dns.TypeTXT && tf.cfg.explain != nil {
			return tf.serveExplain(ctx, w, r, snap) // liveexplain.go
		}
		return plugin.NextOrFailure(pluginName, tf.Next, ctx, w, r)
	}
	e := snap.names[strings.ToLower(q.Name)] // no allocation when already lower case
	if e == nil {
		return plugin.NextOrFailure(pluginName, tf.Next, ctx, w, r)
	}
	if q.Qtype != e.rrtype && e.rrtype != dns.TypeCNAME {
		return tf.otherType(ctx, w, r, snap, e)
	}
	m, v := tf.answer(ctx, w, r, snap, e, nil)
	switch v {
	case passOn:
		return plugin.NextOrFailure(pluginName, tf.Next, ctx, w, r)
	case refuseFormat:
		return dns.RcodeFormatError, nil
	case fail:
		return dns.RcodeServerFailure, nil
	}
	// Written from ServeDNS's small frame: see the top of this file.
	if err := w.WriteMsg(m); err != nil {
		return dns.RcodeServerFailure, err
	}
	// Written, even when it is a SERVFAIL with a partial answer: an rcode
	// that plugin.ClientWrite rejects would make the server write another.
	return dns.RcodeSuccess, nil
}

// verdict is what ServeDNS does with a query that answer has seen.
type verdict uint8

const (
	// writeReply: answer returned the reply to write.
	writeReply verdict = iota
	// passOn: the next plugin answers (fallthrough).
	passOn
	// refuseFormat: the query is malformed (FORMERR, written by the server).
	refuseFormat
	// fail: nothing could be answered (SERVFAIL, written by the server).
	fail
)

// queryState carries one query through evaluation. It lives on the stack,
// in answer's frame.
type queryState struct {
	tf   *TrafficFlow
	ctx  context.Context
	w    dns.ResponseWriter
	r    *dns.Msg
	snap *snapshot

	// ecs is the query's client-subnet option (nil if none or ignored).
	ecs    *dns.EDNS0_SUBNET
	client evaluate.Client
	// keyHash is the client key's hash (key.go).
	keyHash uint64
	// scope is the number of address bits the location (and latency row)
	// depends on; usedLocation says whether an answer depended on it.
	scope int32
	// keyBits is the client key's prefix length; keyValid says there is a
	// key, keyDone that it was computed, usedKey that an answer depended
	// on it (a keyed choice, a canary).
	keyBits                    uint8
	keyValid, keyDone, usedKey bool
	// located is set once the client's location has been looked up.
	located      bool
	usedLocation bool
	// reply is the reply being built.
	reply *reply
	// x records the query for an explanation (nil: not explained).
	x *explainState
}

// answer builds the reply to a query for e whose type the policy answers
// (or any type, for a CNAME policy), and says what ServeDNS does with it.
// With x, the query is recorded for an explanation (explain.go).
// The per-query state lives in its frame, which is gone by the time
// ServeDNS writes the reply (the stack budget, at the top of this file).
//
//go:noinline
func (tf *TrafficFlow) answer(ctx context.Context, w dns.ResponseWriter, r *dns.Msg, snap *snapshot, e *entry, x *explainState) (*dns.Msg, verdict) {
	qs := queryState{tf: tf, ctx: ctx, w: w, r: r, snap: snap, x: x}
	if !qs.readECS() {
		return nil, refuseFormat
	}
	q := r.Question[0]
	qs.reply = newReply(r, e.multi)
	m := &qs.reply.msg
	if e.needsLocation {
		qs.locate() // here rather than deeper inside evaluation: the stack budget
	}

	answer, out := qs.chase(e, q.Name, q.Qtype, m)
	switch {
	case out == failed && len(answer) == 0:
		return nil, fail
	case out == failed:
		m.Rcode = dns.RcodeServerFailure // a partial answer (RFC 6604)
	case out == noAnswer && len(answer) == 0 && tf.Fall.Through(q.Name):
		return nil, passOn
	}
	m.Answer = answer
	if len(m.Answer) == 0 && len(m.Ns) == 0 && m.Rcode == dns.RcodeSuccess || out == noAnswer && len(m.Ns) == 0 {
		qs.addSOA(m, e)
	}
	qs.writeECS(m)
	return m, writeReply
}
