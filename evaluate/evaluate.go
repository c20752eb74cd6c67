package evaluate

import (
	"math"

	"github.com/trafficflow/trafficflow/policyfile"
)

// MaxAnswers is the most endpoints one evaluation returns (a multivalue
// rule answers with up to policyfile.MultivalueMax).
const MaxAnswers = policyfile.MultivalueMax

// Query is one evaluation's input.
type Query struct {
	// Client is the client's location; nil or the zero Client means none.
	Client *Client
	// Seed drives every random choice (weighted draws, multivalue
	// samples): the same seed gives the same answer. The plugin draws it
	// per query from an injectable source.
	Seed uint64
	// Trace, when not nil, receives the decision path.
	Trace *Trace
	// Keyed makes weighted and multivalue rules choose by Key instead of
	// drawing with Seed (keyed.go): the same key, the same answer.
	Keyed bool
	Key   uint64
}

// Result is one evaluation's output.
type Result struct {
	// Endpoints[:N] are indexes into Evaluator.Endpoints of the answer, in
	// answer order. N is 0 when the policy has no answer for the client (a
	// geo rule without a matching location or default).
	Endpoints [MaxAnswers]int16
	N         int
	// Healthy reports whether every choice on the way to the answer found
	// a healthy branch: it is false when any rule on the path answered by
	// fail-open (nothing it could choose was healthy), including a
	// multivalue rule with no healthy item, and when there is no answer
	// (N is 0).
	Healthy bool
	// UsedLocation reports whether the answer depended on the client's
	// location or latency data (for the ECS scope).
	UsedLocation bool
	// FailOpens counts the rules that fell open on the way to the answer
	// (nothing applicable was healthy, so they chose as if everything
	// were); FailOpen[:FailOpens] are the first of them (indexes into
	// Evaluator.Rules), in the order they were decided.
	FailOpens uint8
	FailOpen  [MaxFailOpens]int16
	// UsedKey reports whether a keyed choice shaped the answer (the ECS
	// scope then covers the key's subnet).
	UsedKey bool
}

// MaxFailOpens is how many fail-open rules a Result names.
const MaxFailOpens = 4

// memoSize is how many memo slots (Evaluator.memoSlots) the per-query memo
// holds in its bitmasks.
const memoSize = 64

// state is the per-query evaluation state. It lives on the caller's stack:
// it holds copies of the client and the result rather than pointers into
// the caller's memory, so that nothing of the caller escapes to the heap.
type state struct {
	p *Evaluator
	// client and res are the query's (pointers, not copies: every byte of
	// state is on the query's stack, see the stack budget in the plugin's
	// stack_test.go).
	client *Client
	res    *Result
	trace  *Trace
	rng    uint64
	key    uint64
	keyed  bool
	// known and healthy cache anyHealthy, a bit per memo slot (rule.memo;
	// bits keep the state, and so the query's stack, small); bigMemo
	// instead when the policy has more than 64 slots.
	known, healthy uint64
	bigMemo        []memoState
}

// memoState is what the per-query memo knows of a rule's health (anyHealthy).
type memoState uint8

const (
	memoUnknown memoState = iota
	memoUnhealthy
	memoHealthy
)

// memoOf returns the memo of a known health.
func memoOf(healthy bool) memoState {
	if healthy {
		return memoHealthy
	}
	return memoUnhealthy
}

// Evaluate walks the policy for one query and writes the answer to res. It takes no lock, and allocates only when q.Trace is set or
// more than 64 reachable rules are targets of items with
// EvaluateTargetHealth (however many rules the policy has).
func (p *Evaluator) Evaluate(q *Query, res *Result) {
	*res = Result{}
	s := state{p: p, client: q.Client, res: res, trace: q.Trace, rng: q.Seed, key: q.Key, keyed: q.Keyed}
	if s.client == nil {
		s.client = &noClient
	}
	if p.memoSlots > memoSize {
		s.bigMemo = make([]memoState, p.memoSlots)
	}
	res.Healthy = s.eval(p.start)
}

// noClient is the client of a query without one: nothing known.
var noClient Client

// random returns the next number of the query's splitmix64 sequence.
func (s *state) random() uint64 {
	s.rng += 0x9e3779b97f4a7c15
	z := s.rng
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// below returns a random number in [0, n).
func (s *state) below(n uint64) uint64 {
	return (s.random() >> 32) * n >> 32
}

// eval answers from node r and reports whether every choice on the way
// found a healthy branch (Result.Healthy).
func (s *state) eval(r ref) bool {
	if r.isEndpoint() {
		s.add(r.endpoint())
		if s.trace != nil {
			s.traceEndpoint(r.endpoint())
		}
		return true
	}
	ru := &s.p.rules[r.rule()]
	var i int
	var healthy bool
	switch ru.kind {
	case kMultivalue:
		return s.multivalue(r, ru)
	case kGeo:
		i, healthy = s.geoPick(ru)
	case kWeighted: // the rule types one by one rather than through pick: a frame less
		i, healthy = s.weighted(ru)
	case kFailover:
		i, healthy = s.failover(ru)
	default:
		i, healthy = s.nearest(ru)
	}
	if i < 0 {
		if s.trace != nil {
			s.traceStep(r, -1, false, "no location matches the client and there is no default: no answer")
		}
		return false
	}
	if s.trace != nil {
		s.traceStep(r, i, healthy, "")
	}
	if !healthy {
		s.failedOpen(r)
	}
	child := s.eval(ru.items[i].target)
	return healthy && child
}

// failedOpen records that rule r fell open.
func (s *state) failedOpen(r ref) {
	if int(s.res.FailOpens) < MaxFailOpens {
		s.res.FailOpen[s.res.FailOpens] = int16(r.rule())
		s.res.FailOpens++
	}
}

func (s *state) add(endpoint int) {
	if s.res.N < MaxAnswers {
		s.res.Endpoints[s.res.N] = int16(endpoint)
		s.res.N++
	}
}

// pick chooses the item of a failover, geoproximity, latency or weighted
// rule: the first healthy item in the rule's order of preference, else the
// first item in that order (fail-open, healthy = false). Geo rules choose
// with geoPick, multivalue rules answer with multivalue.
func (s *state) pick(ru *rule) (int, bool) {
	switch ru.kind {
	case kFailover:
		return s.failover(ru)
	case kGeoproximity, kLatency:
		return s.nearest(ru)
	case kWeighted:
		return s.weighted(ru)
	}
	return 0, false
}

// failover picks the first healthy item (primary, then secondary), else
// (fail-open) the primary.
func (s *state) failover(ru *rule) (int, bool) {
	for i := range ru.items {
		if s.branchHealthy(&ru.items[i]) {
			return i, true
		}
	}
	return 0, false
}

// geoPick picks the location of a geo rule for the client. The locations
// that apply to the client are, most specific first, those of its
// subdivision, its country, its continent and the default: geoPick
// returns the first of them whose branch is healthy, else (fail-open,
// healthy = false) the most specific, else -1 (no location applies, and
// the rule has no answer for the client).
func (s *state) geoPick(ru *rule) (int, bool) {
	s.res.UsedLocation = true
	var chain [4]int16
	n := ru.geo.chain(s.client, &chain)
	for _, i := range chain[:n] {
		if s.branchHealthy(&ru.items[i]) {
			return int(i), true
		}
	}
	if n == 0 {
		return -1, false
	}
	return int(chain[0]), false
}

// nearest picks the geoproximity item with the smallest biased distance,
// or the latency item with the lowest round-trip time: the best healthy
// one, else the best one. Without client data it takes document order.
func (s *state) nearest(ru *rule) (int, bool) {
	s.res.UsedLocation = true
	c := s.client
	best, bestHealthy := -1, -1
	var bestCost, bestHealthyCost float64
	for i := range ru.items {
		it := &ru.items[i]
		var cost float64
		switch {
		case ru.kind == kLatency && c.RTT != nil:
			rtt, ok := c.RTT[it.region]
			if !ok {
				rtt = math.Inf(1) // unlisted regions rank last, in document order
			}
			cost = rtt
		case c.hasCoords:
			cost = distance(c, it)
			if ru.kind == kGeoproximity {
				cost *= it.factor
			}
		default:
			cost = float64(i) // document order
		}
		if best < 0 || cost < bestCost {
			best, bestCost = i, cost
		}
		if (bestHealthy < 0 || cost < bestHealthyCost) && s.branchHealthy(it) {
			bestHealthy, bestHealthyCost = i, cost
		}
	}
	if bestHealthy >= 0 {
		return bestHealthy, true
	}
	return best, false
}

// earthRadius is the mean radius of the Earth in km.
const earthRadius = 6371.0

// distance is the great-circle (haversine) distance in km.
func distance(c *Client, it *item) float64 {
	sinLat := math.Sin((it.lat - c.lat) / 2)
	sinLon := math.Sin((it.lon - c.lon) / 2)
	a := sinLat*sinLat + c.cosLat*it.cosLat*sinLon*sinLon
	return 2 * earthRadius * math.Asin(math.Sqrt(min(a, 1)))
}

// weighted draws an item: among the healthy items with a non-zero weight in
// proportion to their weights; else uniformly among healthy zero-weight
// items; else (fail-open) among all items by weight, uniformly when every
// weight is 0. This is what Route 53's redrawing among the remaining items
// after each unhealthy pick gives, in one pass per tier. A keyed query
// chooses by rendezvous instead of drawing (keyed.go).
func (s *state) weighted(ru *rule) (int, bool) {
	for t := tierHealthyWeighted; t <= tierAll; t++ {
		if i := s.drawTier(ru, t); i >= 0 {
			return i, t < tierAllWeighted
		}
	}
	return 0, false // a rule has items: the last tier always draws
}

// tier is one tier of a weighted rule's draw, in the order they are tried.
type tier uint8

const (
	tierHealthyWeighted tier = iota // healthy items with a weight, by weight
	tierHealthyZero                 // healthy zero-weight items (standby), uniformly
	tierAllWeighted                 // fail-open: every item with a weight, by weight
	tierAll                         // fail-open with every weight 0: every item, uniformly
)

// holds reports whether item it (healthy or not) is in tier t.
func (t tier) holds(it *item, healthy func() bool) bool {
	switch t {
	case tierHealthyWeighted:
		return it.weight > 0 && healthy()
	case tierHealthyZero:
		return it.weight == 0 && healthy()
	case tierAllWeighted:
		return it.weight > 0
	}
	return true
}

// weightIn is what an item counts for in tier t: its weight in the
// weighted tiers, 1 in the uniform ones.
func (t tier) weightIn(it *item) uint64 {
	if t == tierHealthyWeighted || t == tierAllWeighted {
		return uint64(it.weight)
	}
	return 1
}

// drawTier draws an item of tier t in proportion to its weight there, or
// returns -1 when the tier is empty.
func (s *state) drawTier(ru *rule, t tier) int {
	chosen := -1
	var total uint64
	best := math.Inf(1)
	for i := range ru.items {
		it := &ru.items[i]
		if !t.holds(it, func() bool { return s.branchHealthy(it) }) {
			continue
		}
		w := t.weightIn(it)
		if s.keyed {
			if sc := keyedScore(s.key, it.idHash, w); sc < best {
				best, chosen = sc, i
			}
			continue
		}
		total += w
		if s.below(total) < w {
			chosen = i
		}
	}
	if s.keyed && chosen >= 0 {
		s.res.UsedKey = true
	}
	return chosen
}

// multivalue answers with up to MaxAnswers endpoints, sampled at random
// from the healthy items, or from all items when none is healthy (in
// random order); it reports whether any item is healthy.
func (s *state) multivalue(r ref, ru *rule) bool {
	healthy := s.anyHealthy(r)
	if !healthy {
		s.failedOpen(r)
	}
	start := s.res.N
	if s.keyed {
		s.keyedMultivalue(ru, healthy)
		if s.trace != nil {
			s.traceMultivalue(r, healthy, s.res.Endpoints[start:s.res.N])
		}
		return healthy
	}
	var seen uint64
	for i := range ru.items {
		it := &ru.items[i]
		if healthy && !itemCheck(it) {
			continue
		}
		seen++
		if s.res.N-start < MaxAnswers {
			s.add(it.target.endpoint())
			continue
		}
		// Reservoir sampling (algorithm R).
		if j := s.below(seen); j < MaxAnswers {
			s.res.Endpoints[start+int(j)] = int16(it.target.endpoint())
		}
	}
	// Shuffle the answers.
	for i := s.res.N - 1; i > start; i-- {
		j := start + int(s.below(uint64(i-start+1)))
		s.res.Endpoints[i], s.res.Endpoints[j] = s.res.Endpoints[j], s.res.Endpoints[i]
	}
	if s.trace != nil {
		s.traceMultivalue(r, healthy, s.res.Endpoints[start:s.res.N])
	}
	return healthy
}

// itemCheck reports whether an item's own health check (if any) is healthy.
func itemCheck(it *item) bool { return it.hc.Load() }

// branchHealthy reports whether a branch (item) is healthy: its health
// check is (if it has one) and, with EvaluateTargetHealth, some applicable
// branch of the rule it points at is.
func (s *state) branchHealthy(it *item) bool {
	// Endpoints carry no health of their own: value endpoints are always
	// healthy, and alias targets count as healthy because trafficflow has
	// none of the AWS resource health Route 53 would use for them. Small
	// enough to inline (a frame less on the query's stack).
	return it.hc.Load() && (!it.deep || s.anyHealthy(it.target))
}

// anyHealthy reports whether some applicable branch of a rule is healthy,
// memoised per query for the rules with a memo slot (see assignMemo).
func (s *state) anyHealthy(r ref) bool {
	ru := &s.p.rules[r.rule()]
	slot := ru.memo
	if m := s.memoGet(slot); m != memoUnknown {
		return m == memoHealthy
	}
	healthy := false
	if ru.kind == kGeo {
		_, healthy = s.geoPick(ru)
	} else {
		for j := range ru.items {
			// branchHealthy, written out: anyHealthy is then the only
			// recursive function (a frame per level, not two), and
			// branchHealthy inlines into its callers.
			it := &ru.items[j]
			if itemCheck(it) && (!it.deep || s.anyHealthy(it.target)) {
				healthy = true
				break
			}
		}
	}
	s.memoSet(slot, memoOf(healthy))
	return healthy
}

// memoGet returns the memo of slot i (memoUnknown for a rule without a
// slot, i < 0).
func (s *state) memoGet(i int32) memoState {
	switch {
	case i < 0:
		return memoUnknown
	case s.bigMemo != nil:
		return s.bigMemo[i]
	}
	bit := uint64(1) << uint(i)
	switch {
	case s.known&bit == 0:
		return memoUnknown
	case s.healthy&bit == 0:
		return memoUnhealthy
	}
	return memoHealthy
}

// memoSet records a known health v in slot i, if i >= 0.
func (s *state) memoSet(i int32, v memoState) {
	switch {
	case i < 0:
		return
	case s.bigMemo != nil:
		s.bigMemo[i] = v
		return
	}
	bit := uint64(1) << uint(i)
	s.known |= bit
	if v == memoHealthy {
		s.healthy |= bit
	}
}
