package trafficflow

import (
	"context"
	"errors"
	"strings"

	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/request"
	"github.com/miekg/dns"

	"github.com/trafficflow/trafficflow/evaluate"
)

// Following names: CNAME policies are chased like the file plugin chases
// CNAMEs (inside the store, or through the server for other names), and
// alias-type endpoints (load balancers, CloudFront, S3 websites, ...) are
// resolved through the server and flattened into the answer, as Route 53's
// alias records are. Lookups through the server count their nesting, as
// CoreDNS's loop detection does.

// maxChain bounds CNAME chains and alias resolutions, like the file plugin.
const maxChain = 8

// upstreamResolver looks up names through the server (CoreDNS's upstream).
type upstreamResolver interface {
	Lookup(ctx context.Context, state request.Request, name string, typ uint16) (*dns.Msg, error)
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

// chase answers owner (the name as the client wrote it) from entry e for
// qtype, following CNAME policies: inside the store, or through the
// server for names outside it. Rcode changes and authority records from an
// external chain go to m.
func (qs *queryState) chase(e *entry, owner string, qtype uint16, m *dns.Msg) ([]dns.RR, outcome) {
	var answer []dns.RR
	for depth := 0; ; depth++ {
		e = qs.pickSide(e) // key.go
		if depth == 0 {
			qs.countRequest(e)
		}
		var res evaluate.Result
		query := evaluate.Query{Seed: qs.tf.seed()}
		if e.policy.NeedsLocation() {
			qs.locate()
			query.Client = &qs.client
		}
		if qs.tf.cfg.consistent {
			query.Keyed, query.Key = true, qs.keyFor(e)
		}
		if qs.x != nil {
			query.Trace = qs.x.link(e, owner, query.Seed)
		}
		e.policy.Evaluate(&query, &res)
		if qs.x != nil {
			qs.x.evaluated(&res)
		}
		qs.usedLocation = qs.usedLocation || res.UsedLocation
		qs.usedKey = qs.usedKey || res.UsedKey
		if res.N == 0 {
			return answer, noAnswer // not a fail-open answer: no answer
		}
		qs.countAnswer(e, &res)
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

// lookup resolves name through the server (the upstream), counting the nesting
// in the context as CoreDNS's loop detection does.
func (qs *queryState) lookup(name string, qtype uint16) (*dns.Msg, error) {
	loop, _ := qs.ctx.Value(dnsserver.LoopKey{}).(int)
	if loop >= maxChain {
		return nil, errLoop
	}
	ctx := context.WithValue(qs.ctx, dnsserver.LoopKey{}, loop+1)
	return qs.tf.upstream.Lookup(ctx, request.Request{W: qs.w, Req: qs.r}, name, qtype)
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
