package policyfile

import (
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// Lookup loops between served names.
//
// A query can lead from one name the store serves to another in two ways:
// an alias-type endpoint (load balancer, CloudFront, S3 website, ...) is
// resolved through the DNS server, and a CNAME policy's target is followed
// inside the store. When such steps lead back to a name already on the way,
// the server answers SERVFAIL once it gives up (an alias loop), or a
// truncated CNAME chain (a CNAME loop). A valid store must not produce
// either: an alias loop is an error, a loop of CNAMEs only a warning (the
// file plugin serves those too).

// loopStep is one step from a served name to another.
type loopStep struct {
	to string
	// endpoint is the endpoint the step goes through, and ver its version.
	endpoint *Endpoint
	ver      *Version
	// alias says the step resolves an alias-type endpoint through the
	// server (else it follows a CNAME).
	alias bool
}

// checkLookupLoops reports every loop of lookups between the names the
// store serves (in Options.Zones, when set), for A and AAAA queries.
func (l *loader) checkLookupLoops(dec *decoder) {
	// The endpoints that lead on to another name (alias-type endpoints and
	// CNAME values), per version: most documents have none, and many
	// records share a version.
	hops := map[*Version][]*Endpoint{}
	hopsOf := func(v *Version) []*Endpoint {
		out, ok := hops[v]
		if !ok {
			doc := v.Document
			for _, e := range doc.ReachableEndpoints() {
				if e.Type.IsAlias() || doc.RecordType == dns.TypeCNAME && e.RR != nil {
					out = append(out, e)
				}
			}
			hops[v] = out
		}
		return out
	}
	served := map[string]*Record{} // name -> the record answering it
	leads := false
	for _, rec := range l.store.Records {
		if l.inZones(rec.Name) {
			served[rec.Name] = rec
			leads = leads || len(hopsOf(rec.Ver)) > 0 || rec.Canary != nil && len(hopsOf(rec.Canary.Ver)) > 0
		}
	}
	if !leads {
		return // no name leads to another
	}
	for _, a := range l.store.Aliases {
		if l.inZones(a.Name) {
			served[a.Name] = a.Record
		}
	}
	// where says where a name is defined, for messages.
	where := func(name string) string {
		for _, a := range l.store.Aliases {
			if a.Name == name {
				return a.File + ": " + a.Path
			}
		}
		rec := served[name]
		return rec.File + ": " + rec.Path
	}
	reported := map[string]bool{}
	for _, qtype := range []uint16{dns.TypeA, dns.TypeAAAA} {
		steps := func(name string) []loopStep {
			rec := served[name]
			vers := []*Version{rec.Ver}
			if rec.Canary != nil {
				vers = append(vers, rec.Canary.Ver)
			}
			var out []loopStep
			for _, v := range vers {
				out = append(out, stepsOf(v, hopsOf(v), qtype, served)...)
			}
			return out
		}
		// A depth-first walk from every name; a step back onto the path
		// closes a loop.
		const (
			unvisited = iota
			active
			done
		)
		state := map[string]int{}
		var path []string
		var via []loopStep
		var visit func(name string)
		visit = func(name string) {
			state[name] = active
			path = append(path, name)
			for _, st := range steps(name) {
				switch state[st.to] {
				case active:
					start := len(path) - 1
					for path[start] != st.to {
						start--
					}
					l.reportLoop(dec, path[start:], append(via[start:len(via):len(via)], st), where, reported)
				case unvisited:
					via = append(via, st)
					visit(st.to)
					via = via[:len(via)-1]
				}
			}
			path = path[:len(path)-1]
			state[name] = done
		}
		for _, rec := range l.store.Records {
			if served[rec.Name] != nil && state[rec.Name] == unvisited {
				visit(rec.Name)
			}
		}
		for _, a := range l.store.Aliases {
			if served[a.Name] != nil && state[a.Name] == unvisited {
				visit(a.Name)
			}
		}
	}
}

// reportLoop reports a loop through names (names[i] goes to names[i+1],
// and the last back to the first, by steps[i]) once: at the first endpoint
// that resolves an alias, or at the first CNAME for a loop of CNAMEs.
func (l *loader) reportLoop(dec *decoder, names []string, steps []loopStep, where func(string) string, reported map[string]bool) {
	key := strings.Join(slices.Sorted(slices.Values(names)), " ")
	if reported[key] {
		return
	}
	reported[key] = true
	at := 0
	alias := false
	for i, st := range steps {
		if st.alias {
			at, alias = i, true
			break
		}
	}
	var chain strings.Builder
	for i, name := range names {
		st := steps[i]
		kind := "CNAME"
		if st.alias {
			kind = string(st.endpoint.Type)
		}
		fmt.Fprintf(&chain, "%s (%s) -> %s endpoint %q of policy %q version %d -> ", name, where(name), kind, st.endpoint.ID, st.ver.Policy, st.ver.Number)
	}
	chain.WriteString(names[0])
	st := steps[at]
	vdec := &decoder{file: st.ver.File, strict: dec.strict, out: dec.out}
	path := st.endpoint.Path + ".Value"
	if alias {
		vdec.addAt(Error, path, "%s is a name this store serves, and leads back: alias loop %s; queries would fail with SERVFAIL",
			st.to, chain.String())
		return
	}
	vdec.warnAt(path, fmt.Sprintf("%s is a name this store serves, and leads back: CNAME loop %s", st.to, chain.String()),
		"resolvers cannot resolve it", "break the loop")
}

// inZones reports whether the store serves name: it is inside one of
// Options.Zones, or no zones are set.
func (l *loader) inZones(name string) bool {
	if len(l.opts.Zones) == 0 {
		return true
	}
	for _, z := range l.opts.Zones {
		if dns.IsSubDomain(z, name) {
			return true
		}
	}
	return false
}

// stepsOf returns the steps from a name answered by version v, whose
// endpoints that lead on are hops, for qtype queries.
func stepsOf(v *Version, hops []*Endpoint, qtype uint16, served map[string]*Record) []loopStep {
	doc := v.Document
	var out []loopStep
	for _, e := range hops {
		var st loopStep
		switch {
		case doc.RecordType == qtype && e.Type.IsAlias():
			st = loopStep{to: e.Target, alias: true}
		case doc.RecordType == dns.TypeCNAME && e.RR != nil:
			st = loopStep{to: strings.ToLower(e.RR.(*dns.CNAME).Target)}
		default:
			continue
		}
		next := served[st.to]
		if next == nil || next.Ver.Document.RecordType != qtype && next.Ver.Document.RecordType != dns.TypeCNAME {
			continue // answered elsewhere, or not for this type
		}
		st.endpoint, st.ver = e, v
		out = append(out, st)
	}
	return out
}
