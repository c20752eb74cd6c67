// Package policytest runs the policy tests of a store (tests.json): for
// each test, the exact answers a query for its record can get — every value
// with the percentage of answers that hold it, from
// evaluate.(*Evaluator).Distribution, without drawing — compared with what
// the test expects. trafficflow test, trafficflow validate --geoip and the
// plugin (on every load) run them. It does not import CoreDNS.
package policytest

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/trafficflow/trafficflow/evaluate"
	"github.com/trafficflow/trafficflow/geo"
	"github.com/trafficflow/trafficflow/policyfile"
)

// Locator finds the location of an address; *geo.DB is one.
type Locator interface {
	Lookup(addr netip.Addr) (geo.Location, int)
}

// Options are what the answers depend on besides the store: the trafficflow
// directive's geoip, latency_table and bias_formula.
type Options struct {
	// GeoIP locates clients given by address (Client, ECS). Nil means no
	// GeoIP database (take care not to pass a nil *geo.DB: the interface
	// would not be nil): such a test of a policy that needs the client's
	// location fails, saying so.
	GeoIP Locator
	// Latency is the latency table, or nil.
	Latency *policyfile.LatencyTable
	// BiasFormula applies to negative geoproximity biases.
	BiasFormula evaluate.BiasFormula
}

// Tolerance is how far, in percentage points, a value's share may be from
// the one ExpectShare gives.
const Tolerance = 1.0

// Share is a value an answer may hold and the percentage of answers that
// hold it.
type Share struct {
	Value   string
	Percent float64
}

// Result is the outcome of one test.
type Result struct {
	Test *policyfile.Test
	Pass bool
	// Got lists the values answers may hold (as the policy writes them),
	// most frequent first, then in document order; empty when the policy
	// has no answer for the client.
	Got []Share
	// Err says why the test could not run (a client given by address and
	// no GeoIP database); Got is then nil.
	Err string
}

// Run runs every test of the store, in file order.
func Run(store *policyfile.Store, opts Options) []Result {
	r := &runner{store: store, opts: opts, compiled: map[compileKey]*evaluate.Evaluator{}}
	out := make([]Result, len(store.Tests))
	for i, t := range store.Tests {
		out[i] = r.run(t)
	}
	return out
}

// Failed reports whether any result failed.
func Failed(results []Result) bool {
	return slices.ContainsFunc(results, func(r Result) bool { return !r.Pass })
}

// Problems returns the failures as problems (errors) at their tests:
// tests.json: Tests[0]: test "NAME" fails: got ..., want ...
func Problems(results []Result) policyfile.Problems {
	var out policyfile.Problems
	for _, r := range results {
		if !r.Pass {
			out = append(out, policyfile.Problem{File: r.Test.File, Path: r.Test.Path,
				Message: fmt.Sprintf("test %q fails: %s", r.Test.Name, r.Detail())})
		}
	}
	return out
}

// String is the result's line: "PASS NAME" or "FAIL NAME: DETAIL".
func (r Result) String() string {
	if r.Pass {
		return "PASS " + r.Test.Name
	}
	return "FAIL " + r.Test.Name + ": " + r.Detail()
}

// Detail says what the test got and what it wants ("got 192.0.2.9 (100%),
// want 192.0.2.1"), or why it could not run.
func (r Result) Detail() string {
	if r.Err != "" {
		return r.Err
	}
	var want string
	t := r.Test
	switch {
	case t.Share && len(t.ExpectShare) > 0:
		parts := make([]string, len(t.ExpectShare))
		for i, s := range t.ExpectShare {
			parts[i] = fmt.Sprintf("%s (%s%%)", s.Value, percent(s.Percent))
		}
		want = strings.Join(parts, ", ")
	case !t.Share && len(t.Expect) > 0:
		want = strings.Join(t.Expect, ", ")
	default:
		want = "no answer"
	}
	return "got " + gotText(r.Got) + ", want " + want
}

func gotText(got []Share) string {
	if len(got) == 0 {
		return "no answer"
	}
	parts := make([]string, len(got))
	for i, s := range got {
		parts[i] = fmt.Sprintf("%s (%s%%)", s.Value, percent(s.Percent))
	}
	return strings.Join(parts, ", ")
}

// percent formats a percentage with at most one decimal: 75, 33.3.
func percent(p float64) string {
	return strconv.FormatFloat(math.Round(p*10)/10, 'f', -1, 64)
}

// runner runs a store's tests, compiling each version once per set of
// health states.
type runner struct {
	store    *policyfile.Store
	opts     Options
	compiled map[compileKey]*evaluate.Evaluator
}

type compileKey struct {
	ver    *policyfile.Version
	health string // the test's Health, canonical
}

func (r *runner) run(t *policyfile.Test) Result {
	res := Result{Test: t}
	sides := sidesOf(t.Rec)
	client, err := r.client(t, sides)
	if err != "" {
		res.Err = err
		return res
	}
	var got tally
	for _, s := range sides {
		p, err := r.compile(s.ver, t.Health)
		if err != nil {
			res.Err = err.Error()
			return res
		}
		got.add(p.Endpoints(), p.Distribution(&evaluate.Query{Client: &client}), s.weight)
	}
	res.Got = got.shares()
	res.Pass = matches(t, res.Got)
	return res
}

// side is a version of a policy that answers a share of a record's
// clients.
type side struct {
	ver    *policyfile.Version
	weight float64
}

// sidesOf returns the versions that answer a record's clients: its
// version, and its canary's for the share of clients the canary takes
// (by a hash of their subnet: the test stands for every client where it
// is).
func sidesOf(rec *policyfile.Record) []side {
	c := rec.Canary
	switch {
	case c == nil || c.Ver == nil || c.Percent == 0:
		return []side{{rec.Ver, 1}}
	case c.Percent == 100:
		return []side{{c.Ver, 1}}
	}
	return []side{{rec.Ver, 1 - c.Percent/100}, {c.Ver, c.Percent / 100}}
}

// client is the test's client as the plugin would see it: a placed
// location, or its address located with the GeoIP database, plus the
// address's latency-table row.
func (r *runner) client(t *policyfile.Test, sides []side) (evaluate.Client, string) {
	if l := t.Location; l != nil {
		return evaluate.NewClient(l.Country, l.Subdivision, l.Continent, l.HasCoordinates, l.Latitude, l.Longitude), ""
	}
	addr, given := t.Client, "Client "+t.Client.String()
	if t.ECS.IsValid() {
		addr, given = t.ECS.Addr(), "ECS "+t.ECS.String()
	}
	var c evaluate.Client
	if !addr.IsValid() {
		return c, "" // a client without location data
	}
	if r.opts.GeoIP == nil {
		for _, s := range sides {
			if rule := s.ver.Document.LocationRule(r.opts.Latency != nil); rule != nil {
				return c, fmt.Sprintf("no GeoIP database to locate %s, which the %s rule at %s: %s needs; give a GeoIP database, or a Location instead",
					given, rule.Type, s.ver.File, rule.Path)
			}
		}
	} else {
		l, _ := r.opts.GeoIP.Lookup(addr)
		c = evaluate.NewClient(l.Country, l.Subdivision, l.Continent, l.HasCoordinates, l.Latitude, l.Longitude)
	}
	if r.opts.Latency != nil {
		c.RTT, _ = r.opts.Latency.Lookup(addr)
	}
	return c, ""
}

// compile compiles a version on the health states of a test: its Health,
// else the store's HealthState.
func (r *runner) compile(v *policyfile.Version, health map[string]bool) (*evaluate.Evaluator, error) {
	key := compileKey{ver: v, health: canonical(health)}
	if p := r.compiled[key]; p != nil {
		return p, nil
	}
	p, err := evaluate.Compile(v.Document, evaluate.Options{Health: staticHealth{r.store, health}, BiasFormula: r.opts.BiasFormula})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", v.File, err)
	}
	r.compiled[key] = p
	return p, nil
}

func canonical(health map[string]bool) string {
	var b strings.Builder
	for _, id := range slices.Sorted(maps.Keys(health)) {
		fmt.Fprintf(&b, "%q=%t,", id, health[id])
	}
	return b.String()
}

// staticHealth is the health of a test: fixed cells, from the test's
// Health or the store's HealthState.
type staticHealth struct {
	store *policyfile.Store
	test  map[string]bool
}

func (h staticHealth) Cell(id string) *atomic.Bool {
	healthy, ok := h.test[id]
	if !ok {
		healthy, _ = h.store.HealthState(id)
	}
	c := new(atomic.Bool)
	c.Store(healthy)
	return c
}

// tally adds up distributions into the values answers may hold, each
// value once: endpoints with the same value, and the sides of a canary,
// add up.
type tally struct {
	out   []Share
	index map[string]int // normal value → index in out
}

// add adds the distribution dist over endpoints eps, weighted by w.
func (t *tally) add(eps []*policyfile.Endpoint, dist []float64, w float64) {
	if t.index == nil {
		t.index = map[string]int{}
	}
	for i, p := range dist {
		if p <= 0 {
			continue
		}
		v := eps[i].Value
		j, ok := t.index[policyfile.NormalValue(v)]
		if !ok {
			j = len(t.out)
			t.index[policyfile.NormalValue(v)] = j
			t.out = append(t.out, Share{Value: v})
		}
		t.out[j].Percent += w * p * 100
	}
}

// shares returns the values with their percentages (at most 100: one
// value twice in a multivalue answer counts once), most frequent first,
// then in the order they were added.
func (t *tally) shares() []Share {
	for i := range t.out {
		t.out[i].Percent = min(100, t.out[i].Percent)
	}
	slices.SortStableFunc(t.out, func(a, b Share) int { return cmp.Compare(b.Percent, a.Percent) })
	return t.out
}

// matches compares what answers may hold with what the test expects.
func matches(t *policyfile.Test, got []Share) bool {
	gotPct := make(map[string]float64, len(got))
	for _, s := range got {
		gotPct[policyfile.NormalValue(s.Value)] = s.Percent
	}
	want := map[string]bool{}
	if !t.Share {
		for _, v := range t.Expect {
			want[policyfile.NormalValue(v)] = true
		}
		if len(want) != len(gotPct) {
			return false
		}
		for v := range want {
			if _, ok := gotPct[v]; !ok {
				return false
			}
		}
		return true
	}
	for _, s := range t.ExpectShare {
		v := policyfile.NormalValue(s.Value)
		want[v] = true
		if math.Abs(gotPct[v]-s.Percent) > Tolerance+1e-9 {
			return false
		}
	}
	for v := range gotPct {
		if !want[v] {
			return false
		}
	}
	return true
}
