package trafficflow

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"

	"github.com/miekg/dns"

	"github.com/trafficflow/trafficflow/evaluate"
	"github.com/trafficflow/trafficflow/explain"
	"github.com/trafficflow/trafficflow/geo"
	"github.com/trafficflow/trafficflow/policyfile"
	"github.com/trafficflow/trafficflow/policygraph"
)

// Explaining a query: the query runs through the plugin's own query path
// (answer, chase, locate, evaluation) with an explainState attached, which
// records what each step saw; explanation then turns that and the reply
// into an explain.Explanation. Nothing here decides anything: it only
// listens, so an explained query answers exactly as an unexplained one
// with the same seed. The live explain (CH TXT queries) is in
// liveexplain.go, the command's entry point (Explainer) in explainer.go.

// explainState records an explained query. Its methods stay out of line:
// the query path only tests a nil pointer.
type explainState struct {
	links []*explainLink
	// What locate found.
	addr       netip.Addr
	fromECS    bool
	location   *geo.Location
	geoBits    int
	latencyRow netip.Prefix
}

// explainLink is one name the answer went through.
type explainLink struct {
	entry *entry
	owner string
	seed  uint64
	trace evaluate.Trace
	res   evaluate.Result
}

// link starts the trace of the evaluation of e for owner with seed.
//
//go:noinline
func (x *explainState) link(e *entry, owner string, seed uint64) *evaluate.Trace {
	l := &explainLink{entry: e, owner: owner, seed: seed}
	x.links = append(x.links, l)
	return &l.trace
}

// evaluated records the result of the last link's evaluation.
//
//go:noinline
func (x *explainState) evaluated(res *evaluate.Result) {
	x.links[len(x.links)-1].res = *res
}

// located records what the GeoIP database said of the client.
//
//go:noinline
func (x *explainState) located(addr netip.Addr, fromECS bool, l geo.Location, bits int) {
	x.addr, x.fromECS = addr, fromECS
	x.location, x.geoBits = &l, bits
}

// latencyFound records the latency-table network whose row applies.
//
//go:noinline
func (x *explainState) latencyFound(addr netip.Addr, fromECS bool, bits int) {
	x.addr, x.fromECS = addr, fromECS
	x.latencyRow, _ = addr.Prefix(bits)
}

// health says where a check's state comes from, for an explanation.
type healthSource func(id string) (healthy bool, source string)

// explanation builds the explanation of a query that answer has seen with x
// attached: m and v are what answer returned.
func (tf *TrafficFlow) explanation(w dns.ResponseWriter, snap *snapshot, r *dns.Msg, x *explainState, m *dns.Msg, v verdict, health healthSource) *explain.Explanation {
	q := r.Question[0]
	ex := &explain.Explanation{
		Query: explain.Query{Name: q.Name, Type: dns.TypeToString[q.Qtype]},
	}
	if len(x.links) > 0 {
		ex.Seed = x.links[0].seed
	}
	if !x.addr.IsValid() {
		// The policy needs no location, so it was not looked up: say who
		// asked all the same.
		qs := queryState{tf: tf, w: w, r: r}
		qs.readECS()
		x.addr, _ = qs.clientAddr()
		x.fromECS = qs.ecs != nil && qs.ecs.SourceNetmask > 0
	}
	ex.Client = clientOf(r, x)
	checks := map[string]bool{}
	for _, l := range x.links {
		ex.Links = append(ex.Links, snap.explainLink(l, checks))
	}
	ex.Answer = explainAnswer(m, v)
	for _, st := range ex.Links {
		for _, s := range st.Steps {
			ex.Answer.FailOpen = ex.Answer.FailOpen || s.FailOpen
		}
	}
	for _, id := range snap.checks {
		if !checks[id] {
			continue
		}
		healthy, source := health(id)
		ex.Health = append(ex.Health, explain.Health{ID: id, Healthy: healthy, Source: source})
	}
	return ex
}

// clientOf describes the client of an explained query.
func clientOf(r *dns.Msg, x *explainState) explain.Client {
	c := explain.Client{Source: "none"}
	if x.addr.IsValid() {
		c.Address = x.addr.String()
		c.Source = "address"
		if x.fromECS {
			c.Source = "ecs"
		}
	}
	if o := r.IsEdns0(); o != nil {
		for _, opt := range o.Option {
			if e, ok := opt.(*dns.EDNS0_SUBNET); ok {
				c.ECS = fmt.Sprintf("%s/%d", e.Address, e.SourceNetmask)
			}
		}
	}
	if l := x.location; l != nil {
		cl := evaluate.NewClient(l.Country, l.Subdivision, l.Continent, l.HasCoordinates, l.Latitude, l.Longitude)
		loc := &explain.Location{Country: l.Country, Subdivision: l.Subdivision, Continent: cl.Continent(),
			HasCoordinates: l.HasCoordinates, Latitude: l.Latitude, Longitude: l.Longitude}
		if *loc != (explain.Location{}) {
			c.Location = loc
		}
		if p, err := x.addr.Prefix(x.geoBits); err == nil && x.addr.IsValid() {
			c.Network = p.String()
		}
	}
	if x.latencyRow.IsValid() {
		c.LatencyRow = x.latencyRow.String()
	}
	return c
}

// explainLink describes one name of an explained answer; checks collects
// the health checks its policy uses.
func (s *snapshot) explainLink(l *explainLink, checks map[string]bool) explain.Link {
	e := l.entry
	out := explain.Link{Name: l.owner}
	rec := s.store.Records[0]
	if r := s.record(e.name); r != nil {
		rec = r
	}
	// The alias chain from the name to its record.
	for name := e.name; name != rec.Name; {
		a := s.alias(name)
		if a == nil {
			break
		}
		out.Aliases = append(out.Aliases, a.Name)
		name = a.Target
	}
	doc := rec.Ver.Document
	where := rec.Ver.File
	if rec.Ver.Path != "" {
		where += ": " + rec.Ver.Path
	}
	out.Record = explain.Record{Name: rec.Name, Policy: rec.Policy, Version: e.version, TTL: rec.TTL,
		Where: rec.File + ": " + rec.Path, Document: where}
	if c := rec.Canary; c != nil {
		out.Record.Canary = &explain.Canary{Version: c.Version, Percent: c.Percent, Side: "stable"}
		if main := s.names[e.name]; main != nil && main.canary == e {
			out.Record.Canary.Side = "canary"
			doc = c.Ver.Document
			where = c.Ver.File
			if c.Ver.Path != "" {
				where += ": " + c.Ver.Path
			}
			out.Record.Document = where
		}
	}
	for _, st := range l.trace.Steps {
		if st.Index < 0 {
			continue // an endpoint step: the endpoints are listed below
		}
		out.Steps = append(out.Steps, explainStep(doc.Rules[st.Index], st))
	}
	for _, r := range doc.Reachable() {
		for _, it := range r.Items {
			if it.HealthCheck != "" {
				checks[it.HealthCheck] = true
			}
		}
	}
	for _, i := range l.res.Endpoints[:l.res.N] {
		out.Endpoints = append(out.Endpoints, e.policy.Endpoints()[i].ID)
	}
	out.NoAnswer = l.res.N == 0
	return out
}

// record returns the policy record named name, or that an alias named
// name leads to, or nil.
func (s *snapshot) record(name string) *policyfile.Record {
	for _, r := range s.store.Records {
		if r.Name == name {
			return r
		}
	}
	if a := s.alias(name); a != nil {
		return a.Record
	}
	return nil
}

func (s *snapshot) alias(name string) *policyfile.Alias {
	for _, a := range s.store.Aliases {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// explainStep describes one rule decided.
func explainStep(rule *policyfile.Rule, st evaluate.Step) explain.Step {
	out := explain.Step{Rule: rule.ID, Type: string(rule.Type), Path: rule.Path, Chosen: st.Chosen,
		FailOpen: !st.Healthy, Ranking: st.Ranking}
	for i, it := range rule.Items {
		t := st.Items[i]
		item := explain.Item{Index: i, Path: it.Path, Label: itemLabel(rule, i), Rule: it.Rule, Endpoint: it.Endpoint,
			Applies: t.Applies, Healthy: t.Healthy, HealthCheck: it.HealthCheck, Chosen: t.Chosen}
		switch {
		case t.CheckUnhealthy:
			item.Why = "health check " + it.HealthCheck + " is unhealthy"
		case t.TargetUnhealthy:
			item.Why = "EvaluateTargetHealth: no branch of rule " + it.Rule + " is healthy"
		}
		if t.HasDistance {
			// To 0.1 km: the same on every machine, and more than the
			// region points' precision anyway.
			d, b := math.Round(t.Distance*10)/10, math.Round(t.Biased*10)/10
			item.Distance, item.Biased = &d, &b
		}
		if t.HasRTT {
			rtt := t.RTT
			item.RTT = &rtt
		}
		if rule.Type == policyfile.Weighted {
			w, sh := t.Weight, t.Share
			item.Weight, item.Share = &w, &sh
		}
		out.Items = append(out.Items, item)
	}
	out.Note = stepNote(rule, st)
	return out
}

// itemLabel says what selects an item, as the graph does; for a weighted
// item only its weight (the step gives the shares of the draw).
func itemLabel(rule *policyfile.Rule, i int) string {
	if rule.Type == policyfile.Weighted {
		return "weight " + strconv.Itoa(rule.Items[i].Weight)
	}
	return policygraph.Selector(rule, i)
}

// stepNote says in words what a rule decided.
func stepNote(rule *policyfile.Rule, st evaluate.Step) string {
	if st.Type == policyfile.Multivalue {
		if !st.Healthy {
			return "no item is healthy: " + st.Note + ", as if all were (fail-open)"
		}
		return st.Note + ", from the healthy items"
	}
	if st.Chosen < 0 {
		return "no location applies to the client and there is no default: no answer"
	}
	took := fmt.Sprintf("took [%d] %s", st.Chosen, itemLabel(rule, st.Chosen))
	if !st.Healthy {
		return took + ": nothing applicable is healthy, so it chose as if all were (fail-open)"
	}
	switch rule.Type {
	case policyfile.Failover:
		if st.Chosen == 0 {
			return took + ": the primary is healthy"
		}
		return took + ": the primary is not healthy"
	case policyfile.Geo:
		return took + ": the most specific healthy location that applies to the client"
	case policyfile.Geoproximity, policyfile.Latency:
		return took + ": the best healthy item by " + st.Ranking
	case policyfile.Weighted:
		total := 0
		for _, it := range rule.Items {
			total += it.Weight
		}
		switch {
		case total == 0:
			return took + ": every weight is 0, so a uniform draw among the healthy items"
		case rule.Items[st.Chosen].Weight == 0:
			return took + ": no item with a weight is healthy, so a draw among the healthy zero-weight items (standby)"
		}
		return took + ": a random draw by weight among the healthy items (see the shares)"
	}
	return took
}

// explainAnswer describes the reply.
func explainAnswer(m *dns.Msg, v verdict) explain.Answer {
	switch v {
	case passOn:
		return explain.Answer{Rcode: "(next plugin)", Note: "the policy has no answer for the client and fallthrough is on: the next plugin answers"}
	case refuseFormat:
		return explain.Answer{Rcode: dns.RcodeToString[dns.RcodeFormatError], Note: "malformed client-subnet option (a non-zero scope in the query)"}
	case fail:
		return explain.Answer{Rcode: dns.RcodeToString[dns.RcodeServerFailure], Note: "an alias-type endpoint could not be resolved"}
	}
	a := explain.Answer{Rcode: dns.RcodeToString[m.Rcode]}
	for i, rr := range m.Answer {
		a.Records = append(a.Records, strings.ReplaceAll(rr.String(), "\t", " "))
		if ttl := rr.Header().Ttl; i == 0 || ttl < a.TTL {
			a.TTL = ttl
		}
	}
	if len(m.Answer) == 0 && m.Rcode == dns.RcodeSuccess {
		a.Note = "NODATA: the name exists, the answer is empty (with the zone's SOA)"
	}
	if o := m.IsEdns0(); o != nil {
		for _, opt := range o.Option {
			if e, ok := opt.(*dns.EDNS0_SUBNET); ok {
				scope := int(e.SourceScope)
				a.ECSScope = &scope
			}
		}
	}
	return a
}

// txtLines renders an explanation as the TXT records of the live explain:
// one record per line, split into strings of at most 255 bytes.
func txtLines(ex *explain.Explanation, owner string, ttl uint32) []dns.RR {
	var out []dns.RR
	for _, line := range ex.Lines() {
		var parts []string
		for len(line) > 255 {
			parts = append(parts, line[:255])
			line = line[255:]
		}
		parts = append(parts, line)
		out = append(out, &dns.TXT{Hdr: dns.RR_Header{Name: owner, Rrtype: dns.TypeTXT, Class: dns.ClassCHAOS, Ttl: ttl}, Txt: parts})
	}
	return out
}
