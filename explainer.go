package trafficflow

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/coredns/coredns/request"
	"github.com/miekg/dns"

	"github.com/trafficflow/trafficflow/evaluate"
	"github.com/trafficflow/trafficflow/explain"
	"github.com/trafficflow/trafficflow/geo"
	"github.com/trafficflow/trafficflow/health"
	"github.com/trafficflow/trafficflow/policyfile"
)

// ExplainConfig is what an Explainer needs: the store, and the options of
// the trafficflow directive that change answers, with the same meanings.
type ExplainConfig struct {
	// Dir is the policy store.
	Dir string
	// GeoIP is a MaxMind database (the directive's geoip), or "".
	GeoIP string
	// LatencyTable is the directive's latency_table, or "".
	LatencyTable string
	// BiasFormula is "legacy" (the default, also for "") or "linear".
	BiasFormula string
	// MissingHealthCheck is the directive's missing_healthcheck.
	MissingHealthCheck policyfile.MissingHealthCheck
	// Consistent is the directive's consistent: weighted and multivalue
	// choices by the client's subnet instead of the seed.
	Consistent bool
	// Health forces health checks healthy (true) or unhealthy (false).
	// Every other check is healthy unless healthstate.json forces it: an
	// Explainer does not probe.
	Health map[string]bool
}

// Explainer explains queries against a store outside the server
// (trafficflow explain, the editor's simulation), with the plugin's own
// query path: the answers are the server's for the same client, health
// states and seed.
type Explainer struct {
	tf     *TrafficFlow
	cfg    ExplainConfig
	placed *placedLocator
	// mu serialises explanations: the placed location and the seed are
	// per query.
	mu sync.Mutex
}

// ExplainClient is who asks. Set Addr (the resolver's address), ECS (a
// client subnet, whose address the location comes from), or Location (a
// client placed there without a GeoIP lookup: a country, subdivision or
// continent, or coordinates).
type ExplainClient struct {
	Addr     netip.Addr
	ECS      netip.Prefix
	Location *geo.Location
}

// NewExplainer loads the store as the plugin loads it. It returns the
// warnings of a store that loads, or the error of one that does not (a
// *policyfile.LoadError lists every problem, FILE: JSON.PATH: message).
func NewExplainer(cfg ExplainConfig) (*Explainer, policyfile.Problems, error) {
	bias, ok := map[string]evaluate.BiasFormula{"": evaluate.BiasLegacy, "legacy": evaluate.BiasLegacy, "linear": evaluate.BiasLinear}[cfg.BiasFormula]
	if !ok {
		return nil, nil, fmt.Errorf("bias formula %q is not legacy or linear", cfg.BiasFormula)
	}
	x := &Explainer{cfg: cfg, placed: &placedLocator{}}
	tf := &TrafficFlow{
		Zones:    []string{"."},
		upstream: &offlineResolver{},
		seed:     func() uint64 { return 0 },
		cfg: config{dir: cfg.Dir, geoipPath: cfg.GeoIP, ecs: true, latencyPath: cfg.LatencyTable,
			biasFormula: bias, missingCheck: cfg.MissingHealthCheck, consistent: cfg.Consistent,
			metrics: metricsNone}, // an explained query counts nothing
	}
	if cfg.GeoIP == "" {
		// A client placed at a location needs no database; one given by
		// its address does, which Explain says.
		tf.locator = x.placed
	}
	x.tf = tf
	tf.health = health.New(health.Options{})
	tf.loader = &loader{tf: tf, skipTests: true}
	if _, err := tf.loader.load(files{geoip: true, latency: true}, nil); err != nil {
		return nil, nil, err
	}
	store := tf.snap.Load().store
	for _, hc := range store.HealthChecks {
		healthy, _ := x.healthOf(store, hc.ID)
		if c := tf.health.Cell(hc.ID); c != nil {
			c.Store(healthy)
		}
	}
	for id, healthy := range cfg.Health {
		if c := tf.health.Cell(id); c != nil {
			c.Store(healthy)
		}
	}
	return x, store.Warnings, nil
}

// healthOf is the state of check id for an explanation, and its source.
func (x *Explainer) healthOf(store *policyfile.Store, id string) (bool, string) {
	if h, ok := x.cfg.Health[id]; ok {
		return h, "--health"
	}
	return store.HealthState(id)
}

// ErrNotServed says that a name is not a policy record or an alias.
var ErrNotServed = errors.New("not a policy record or an alias of the store")

// Explain answers a query for name of type qtype (0: the policy's type)
// from client, with seed for the random draws, and explains the answer.
func (x *Explainer) Explain(name string, qtype uint16, client ExplainClient, seed uint64) (*explain.Explanation, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	tf := x.tf
	snap := tf.snap.Load()
	e := snap.names[strings.ToLower(dns.Fqdn(name))]
	if e == nil {
		return nil, fmt.Errorf("%s: %w", dns.Fqdn(name), ErrNotServed)
	}
	if qtype == 0 {
		qtype = e.rrtype
	}
	if client.Location == nil && x.cfg.GeoIP == "" {
		if r := needsGeoIP(snap, e, x.cfg.LatencyTable != ""); r != nil {
			return nil, fmt.Errorf("%s: a %s rule (%s) needs the client's location: give a GeoIP database, or place the client at a location", r.File, r.Type, r.Path)
		}
	}
	x.placed.loc = client.Location
	tf.locator = nil
	if client.Location != nil || x.cfg.GeoIP == "" {
		tf.locator = x.placed
	}
	tf.seed = func() uint64 { return seed }
	x.upstream().names = nil

	r := new(dns.Msg)
	r.SetQuestion(dns.Fqdn(name), qtype)
	r.SetEdns0(1232, false)
	if client.ECS.IsValid() {
		p := client.ECS.Masked()
		family := uint16(1)
		if p.Addr().Is6() {
			family = 2
		}
		o := r.IsEdns0()
		o.Option = append(o.Option, &dns.EDNS0_SUBNET{Code: dns.EDNS0SUBNET, Family: family,
			SourceNetmask: uint8(p.Bits()), Address: net.IP(p.Addr().AsSlice())})
	}
	w := &explainWriter{remote: client.Addr}
	xs := &explainState{}
	var m *dns.Msg
	v := writeReply
	if qtype != e.rrtype && e.rrtype != dns.TypeCNAME {
		return nil, fmt.Errorf("%s is a %s policy record: it answers %s queries only (other types go to the next plugin)",
			e.name, dns.TypeToString[e.rrtype], dns.TypeToString[e.rrtype])
	}
	m, v = tf.answer(context.Background(), w, r, snap, e, xs)
	ex := tf.explanation(w, snap, r, xs, m, v, func(id string) (bool, string) { return x.healthOf(snap.store, id) })
	switch {
	case client.Location != nil:
		ex.Client.Source = "location"
		if client.Location.HasCoordinates && client.Location.Country == "" && client.Location.Continent == "" {
			ex.Client.Source = "coordinates"
		}
		ex.Client.Address, ex.Client.Network = "", ""
	case !client.Addr.IsValid() && !client.ECS.IsValid():
		ex.Client = explain.Client{Source: "none"}
	}
	if names := x.upstream().names; len(names) > 0 {
		note := "names outside the store (alias-type endpoints, CNAME targets) are resolved through the DNS server; not resolved here: " + strings.Join(names, ", ")
		if ex.Answer.Note != "" {
			note = ex.Answer.Note + "; " + note
		}
		ex.Answer.Note = note
	}
	return ex, nil
}

// needsGeoIP returns the first rule of e's policy that needs a GeoIP
// database (geo, geoproximity, or latency without a table), or nil.
func needsGeoIP(snap *snapshot, e *entry, table bool) *explainRule {
	rec := snap.record(e.name)
	if rec == nil {
		return nil
	}
	if r := rec.Ver.Document.LocationRule(table); r != nil {
		return &explainRule{File: rec.Ver.File, Path: r.Path, Type: string(r.Type)}
	}
	return nil
}

type explainRule struct{ File, Path, Type string }

func (x *Explainer) upstream() *offlineResolver { return x.tf.upstream.(*offlineResolver) }

// placedLocator places every client at one location (or none), for
// clients placed without a GeoIP lookup.
type placedLocator struct{ loc *geo.Location }

func (p *placedLocator) Lookup(netip.Addr) (geo.Location, int) {
	if p.loc == nil {
		return geo.Location{}, 0
	}
	return *p.loc, 0
}

// offlineResolver stands in for the server's upstream outside a server:
// it resolves nothing and remembers what it was asked.
type offlineResolver struct{ names []string }

func (o *offlineResolver) Lookup(_ context.Context, _ request.Request, name string, typ uint16) (*dns.Msg, error) {
	if !slices.Contains(o.names, name) {
		o.names = append(o.names, name)
	}
	m := new(dns.Msg)
	m.SetQuestion(name, typ)
	m.Response = true
	return m, nil
}

// explainWriter is the ResponseWriter of an explained query: it only has
// the client's address.
type explainWriter struct{ remote netip.Addr }

func (w *explainWriter) LocalAddr() net.Addr {
	return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53}
}
func (w *explainWriter) RemoteAddr() net.Addr {
	if !w.remote.IsValid() {
		return &net.UDPAddr{IP: net.IPv4zero}
	}
	return &net.UDPAddr{IP: net.IP(w.remote.AsSlice()), Port: 53}
}
func (w *explainWriter) WriteMsg(*dns.Msg) error     { return nil }
func (w *explainWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *explainWriter) Close() error                { return nil }
func (w *explainWriter) TsigStatus() error           { return nil }
func (w *explainWriter) TsigTimersOnly(bool)         {}
func (w *explainWriter) Hijack()                     {}
