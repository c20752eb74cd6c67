package trafficflow

import (
	"fmt"
	"maps"
	"slices"
	"sync/atomic"

	"github.com/coredns/coredns/plugin"
	"github.com/miekg/dns"

	"github.com/trafficflow/trafficflow/evaluate"
	"github.com/trafficflow/trafficflow/geo"
	"github.com/trafficflow/trafficflow/policyfile"
)

// snapshot is one immutable generation of everything a query reads: the
// compiled records and aliases with their precomputed answers, the GeoIP
// database and the latency table. Reloads build a new one off the query
// path and publish it with one atomic store, so every query is answered
// entirely from one generation.
type snapshot struct {
	store   *policyfile.Store
	names   map[string]*entry
	geo     *geo.DB
	latency *policyfile.LatencyTable
	// soa holds a synthesized SOA per zone, for negative answers when the
	// next plugin has none.
	soa map[string]*dns.SOA
	// checks are the IDs of the health checks the served names' policies
	// use, for readiness.
	checks []string
	// zones are the plugin zones with a served name.
	zones map[string]bool
	// entries are the entries of names, and their canaries: what counts.
	entries []*entry
}

// entry is a name the plugin answers: a policy record, or an alias of one.
type entry struct {
	// name is the owner name, lower case and fully qualified.
	name string
	// zone is the plugin zone the name is in.
	zone   string
	policy *evaluate.Evaluator
	rrtype uint16
	ttl    uint32
	// version is the version of the policy the name's record uses.
	version int
	// canary, when set, answers canaryPercent of the clients (key.go): an
	// entry of the canary version.
	canary        *entry
	canaryPercent float64
	// multi and needsLocation say whether a multivalue rule, or a rule
	// that needs the client's location, is reachable on either side.
	multi, needsLocation bool
	// hits count the entry's queries on the server the instance counts
	// for (hits.go): [0] requests, [1+i] answers of endpoint i (endpoints
	// mode); failHits the answers on which each rule fell open (one for
	// the zone with metrics off). Nil with metrics none.
	hits, failHits []atomic.Uint64
	// rrs holds, per endpoint of the policy, the RR a value endpoint
	// answers with (owner name, TTL and class filled in; shared by every
	// query and never modified; see answer); nil for alias-type endpoints.
	rrs []dns.RR
	// targets holds the DNS name of each alias-type endpoint; nil when the
	// policy has none.
	targets []string

	// Cold: the flush side of the hits (hits.go), and the entry's
	// counters on another server, the one that last counted (counters.go).
	flush    entryFlush
	counters atomic.Pointer[entryCounters]
}

// buildSnapshot compiles a validated store whose location needs
// checkLocation has accepted, on the health cells of cells (the plan of
// the health checks that go into service with it). Compilation cannot fail for a validated
// document; the error only guards against a bug.
func (tf *TrafficFlow) buildSnapshot(store *policyfile.Store, db *geo.DB, lat *policyfile.LatencyTable, cells evaluate.HealthSource) (*snapshot, error) {
	s := &snapshot{store: store, names: map[string]*entry{}, geo: db, latency: lat, soa: map[string]*dns.SOA{}, zones: map[string]bool{}}
	compiled := map[*policyfile.Version]*evaluate.Evaluator{}
	compile := func(v *policyfile.Version) (*evaluate.Evaluator, error) {
		if p := compiled[v]; p != nil {
			return p, nil
		}
		p, err := evaluate.Compile(v.Document, evaluate.Options{Health: cells, BiasFormula: tf.cfg.biasFormula})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", v.File, err)
		}
		compiled[v] = p
		return p, nil
	}
	zones := plugin.Zones(tf.Zones)
	add := func(name string, rec *policyfile.Record) error {
		zone := zones.Matches(name)
		if zone == "" {
			return nil // policyfile.Load warned (Options.Zones)
		}
		p, err := compile(rec.Ver)
		if err != nil {
			return err
		}
		e := newEntry(name, zone, rec.TTL, rec.Version, p)
		if c := rec.Canary; c != nil {
			cp, err := compile(c.Ver)
			if err != nil {
				return err
			}
			e.canary = newEntry(name, zone, rec.TTL, c.Version, cp)
			e.canaryPercent = c.Percent
			e.multi = e.multi || e.canary.multi
			e.needsLocation = e.needsLocation || e.canary.needsLocation
			e.canary.multi, e.canary.needsLocation = e.multi, e.needsLocation
		}
		s.names[name] = e
		s.entries = append(s.entries, e)
		if e.canary != nil {
			s.entries = append(s.entries, e.canary)
		}
		if s.soa[zone] == nil {
			s.soa[zone] = synthesizedSOA(zone)
			s.zones[zone] = true
		}
		return nil
	}
	for _, rec := range store.Records {
		if err := add(rec.Name, rec); err != nil {
			return nil, err
		}
	}
	for _, a := range store.Aliases {
		if err := add(a.Name, a.Record); err != nil {
			return nil, err
		}
	}
	s.checks = checksInUse(compiled)
	s.allocHits(tf.cfg.metrics)
	return s, nil
}

// checksInUse returns the IDs of the health checks on the reachable
// branches of the compiled versions, sorted.
func checksInUse(compiled map[*policyfile.Version]*evaluate.Evaluator) []string {
	ids := map[string]bool{}
	for v := range compiled {
		for _, r := range v.Document.Reachable() {
			for _, it := range r.Items {
				if it.HealthCheck != "" {
					ids[it.HealthCheck] = true
				}
			}
		}
	}
	return slices.Sorted(maps.Keys(ids))
}

// newEntry precomputes the answers of every value endpoint for a name. The
// RRs of an entry are allocated together, so that answering a name touches
// few cache lines even when the store holds many names.
func newEntry(name, zone string, ttl uint32, version int, p *evaluate.Evaluator) *entry {
	eps := p.Endpoints()
	e := &entry{name: name, zone: zone, policy: p, rrtype: p.RecordType(), ttl: ttl, version: version,
		multi: p.HasMultivalue(), needsLocation: p.NeedsLocation(),
		rrs: make([]dns.RR, len(eps))}
	var as []dns.A
	if e.rrtype == dns.TypeA {
		as = make([]dns.A, len(eps))
	}
	hdr := dns.RR_Header{Name: name, Rrtype: e.rrtype, Class: dns.ClassINET, Ttl: ttl}
	for i, ep := range eps {
		if ep.Type.IsAlias() {
			if e.targets == nil {
				e.targets = make([]string, len(eps))
			}
			e.targets[i] = ep.Target
			continue
		}
		var rr dns.RR
		if a, ok := ep.RR.(*dns.A); ok && as != nil {
			as[i] = dns.A{Hdr: hdr, A: a.A} // the address bytes are shared and never modified
			rr = &as[i]
		} else {
			rr = dns.Copy(ep.RR)
			*rr.Header() = hdr
		}
		e.rrs[i] = rr
	}
	return e
}

// answer returns the RRset endpoint i answers with (one RR, shared: the
// caller must not modify or append to it), or nil for an alias-type
// endpoint.
func (e *entry) answer(i int16) []dns.RR {
	if e.rrs[i] == nil {
		return nil
	}
	return e.rrs[i : i+1 : i+1]
}
