package evaluate

import (
	"fmt"
	"math"
	"sync/atomic"

	"github.com/trafficflow/trafficflow/policyfile"
)

// HealthSource resolves a health-check ID to the live status cell the
// evaluator reads on every query (true = healthy). The health engine
// implements it.
type HealthSource interface {
	Cell(id string) *atomic.Bool
}

// BiasFormula is how a negative geoproximity bias scales distances: Route
// 53's developer guide has given two formulas over time, so it is
// configurable (bias_formula in the Corefile).
type BiasFormula uint8

const (
	// BiasLegacy is the developer guide's formula until 2022: a positive
	// bias b multiplies distances by 1-b/100 and a negative one divides them
	// by 1+b/100, so that +b and -b are exact inverses (-50 doubles).
	BiasLegacy BiasFormula = iota
	// BiasLinear is the current page's single formula, distance × (1-b/100)
	// for every b (-50 multiplies by 1.5).
	BiasLinear
)

// Options tune Compile.
type Options struct {
	// Health resolves the HealthCheck IDs of the document. A nil source, or
	// a nil cell, makes a check always healthy.
	Health HealthSource
	// BiasFormula applies to negative geoproximity biases.
	BiasFormula BiasFormula
}

// Evaluator is one policy version compiled for evaluation. It is immutable
// and safe for concurrent use.
type Evaluator struct {
	doc       *policyfile.Document
	start     ref
	rules     []rule
	endpoints []*policyfile.Endpoint
	// needsLocation is set when a geo, geoproximity or latency rule is
	// reachable: evaluation needs the client's location.
	needsLocation bool
	// geo is set when a geo or geoproximity rule is reachable; latency
	// when a latency rule is; multivalue when a multivalue rule is.
	geo, latency, multivalue bool
	// memoSlots is how many rules have a slot in the per-query memo of
	// anyHealthy (see rule.memo).
	memoSlots int
}

// ref points at a rule (>= 0) or an endpoint (-1 - index).
type ref int32

func endpointRef(i int) ref    { return ref(-1 - i) }
func (r ref) isEndpoint() bool { return r < 0 }
func (r ref) endpoint() int    { return int(-1 - r) }
func (r ref) rule() int        { return int(r) }

type ruleKind uint8

const (
	kFailover ruleKind = iota
	kGeo
	kGeoproximity
	kLatency
	kMultivalue
	kWeighted
)

var kindOf = map[policyfile.RuleType]ruleKind{
	policyfile.Failover: kFailover, policyfile.Geo: kGeo, policyfile.Geoproximity: kGeoproximity,
	policyfile.Latency: kLatency, policyfile.Multivalue: kMultivalue, policyfile.Weighted: kWeighted,
}

type rule struct {
	kind ruleKind
	// memo is the rule's slot in the per-query memo of anyHealthy, or -1
	// when the rule has none (see assignMemo).
	memo  int32
	items []item
	geo   *geoIndex // kGeo
}

type item struct {
	target ref
	// hc is the item's health check, alwaysHealthy when it has none.
	hc *atomic.Bool
	// deep: the item has EvaluateTargetHealth and points at a rule, whose
	// health then counts (an endpoint carries none).
	deep bool
	// weight of a weighted item.
	weight uint32
	// idHash is the hash of the ID the item references (a rule or an
	// endpoint), for keyed choices.
	idHash uint64
	// Geoproximity and latency: the item's point (radians) and the factor
	// the bias scales distances by; region is the latency region code.
	lat, lon, cosLat float64
	factor           float64
	region           string
}

// alwaysHealthy is the health of an item without a health check; nothing
// writes it after this.
var alwaysHealthy = func() *atomic.Bool {
	b := new(atomic.Bool)
	b.Store(true)
	return b
}()

// Compile turns a validated document into an evaluator.
func Compile(doc *policyfile.Document, opts Options) (*Evaluator, error) {
	p := &Evaluator{doc: doc, endpoints: doc.Endpoints}
	epIndex := make(map[string]int, len(doc.Endpoints))
	for i, e := range doc.Endpoints {
		epIndex[e.ID] = i
	}
	ruleIndex := make(map[string]int, len(doc.Rules))
	for i, r := range doc.Rules {
		ruleIndex[r.ID] = i
	}
	resolve := func(endpoint, rule string) (ref, error) {
		if endpoint != "" {
			i, ok := epIndex[endpoint]
			if !ok {
				return 0, fmt.Errorf("no endpoint %q", endpoint)
			}
			return endpointRef(i), nil
		}
		i, ok := ruleIndex[rule]
		if !ok {
			return 0, fmt.Errorf("no rule %q", rule)
		}
		return ref(i), nil
	}
	var err error
	if p.start, err = resolve(doc.StartEndpoint, doc.StartRule); err != nil {
		return nil, err
	}
	p.rules = make([]rule, len(doc.Rules))
	for i, r := range doc.Rules {
		cr := rule{kind: kindOf[r.Type], items: make([]item, len(r.Items))}
		for j, it := range r.Items {
			ci := &cr.items[j]
			if ci.target, err = resolve(it.Endpoint, it.Rule); err != nil {
				return nil, fmt.Errorf("%s: %w", it.Path, err)
			}
			ci.deep = it.EvaluateTargetHealth && !ci.target.isEndpoint()
			ci.idHash = HashString(0, it.Endpoint+"\x00"+it.Rule)
			if it.HealthCheck != "" && opts.Health != nil {
				ci.hc = opts.Health.Cell(it.HealthCheck)
			}
			if ci.hc == nil {
				ci.hc = alwaysHealthy
			}
			ci.weight = uint32(it.Weight)
			ci.region = it.Region
			ci.lat, ci.lon = it.Point.Lat*math.Pi/180, it.Point.Lon*math.Pi/180
			ci.cosLat = math.Cos(ci.lat)
			ci.factor = biasFactor(it.Bias, opts.BiasFormula)
		}
		if cr.kind == kGeo {
			cr.geo = newGeoIndex(r.Items)
		}
		p.rules[i] = cr
	}
	reachable := doc.Reachable()
	for _, r := range reachable {
		switch p.rules[ruleIndex[r.ID]].kind {
		case kGeo, kGeoproximity:
			p.needsLocation, p.geo = true, true
		case kLatency:
			p.needsLocation, p.latency = true, true
		case kMultivalue:
			p.multivalue = true
		}
	}
	p.assignMemo(reachable, ruleIndex)
	return p, nil
}

// assignMemo gives memo slots to the rules anyHealthy can be asked about
// more than once per query: the rules an item with EvaluateTargetHealth
// points at (branchHealthy asks about them from every such item, and
// multivalue asks again about its own rule). A rule no such item points at
// is asked about only by multivalue, once per query (a query's path visits
// a rule at most once: rules form no cycle), so it needs no slot. Only
// reachable rules are evaluated. Slots are dense, so that the memo's two
// bitmasks cover up to 64 such rules whatever the size of the policy.
func (p *Evaluator) assignMemo(reachable []*policyfile.Rule, ruleIndex map[string]int) {
	for i := range p.rules {
		p.rules[i].memo = -1
	}
	for _, r := range reachable {
		for _, it := range p.rules[ruleIndex[r.ID]].items {
			if !it.deep {
				continue
			}
			if t := &p.rules[it.target.rule()]; t.memo < 0 {
				t.memo = int32(p.memoSlots)
				p.memoSlots++
			}
		}
	}
}

// biasFactor is what a bias multiplies distances by.
func biasFactor(bias int, f BiasFormula) float64 {
	b := float64(bias) / 100
	if bias < 0 && f == BiasLegacy {
		return 1 / (1 + b)
	}
	return 1 - b
}

// NeedsLocation reports whether evaluation may use the client's location
// (a reachable geo, geoproximity or latency rule). When it does not, the
// caller can skip the GeoIP lookup.
func (p *Evaluator) NeedsLocation() bool { return p.needsLocation }

// HasMultivalue reports whether a multivalue rule is reachable (an answer
// may hold several endpoints).
func (p *Evaluator) HasMultivalue() bool { return p.multivalue }

// Rules returns the policy's rules; Result.FailOpen indexes it.
func (p *Evaluator) Rules() []*policyfile.Rule { return p.doc.Rules }

// Endpoints returns the policy's endpoints; Result.Endpoints index it.
func (p *Evaluator) Endpoints() []*policyfile.Endpoint { return p.endpoints }

// RecordType is the DNS type of the policy's answers.
func (p *Evaluator) RecordType() uint16 { return p.doc.RecordType }
