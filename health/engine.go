package health

import (
	"context"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/trafficflow/trafficflow/policyfile"
)

// Logger receives transition and lifecycle messages. The plugin passes
// CoreDNS's clog.
type Logger interface {
	Infof(format string, args ...any)
	Warningf(format string, args ...any)
}

// Options configure an Engine. The zero value is usable.
type Options struct {
	// Logger receives one line per state transition; nil discards them.
	Logger Logger
	// LookupIPv4 resolves FullyQualifiedDomainName for checks without an
	// IPAddress (Route 53 resolves A records only). Only IPv4 results are
	// used. Default: net.DefaultResolver.LookupNetIP(ctx, "ip4", host).
	LookupIPv4 func(ctx context.Context, host string) ([]netip.Addr, error)

	// now is the clock for the timestamps of Status (test seam).
	now func() time.Time
	// random returns a number in [0, 1) for the jitter of the schedule
	// (test seam).
	random func() float64
}

// Engine runs a set of health checks and publishes their states in cells
// that the query path reads without a lock.
type Engine struct {
	log    Logger
	lookup func(ctx context.Context, host string) ([]netip.Addr, error)
	now    func() time.Time
	random func() float64

	// inFlight counts the probes in flight (observability for tests).
	inFlight atomic.Int32

	// cells is the lock-free index of Cell: a map replaced on every Update.
	cells atomic.Pointer[map[string]*atomic.Bool]

	// base is the parent of every check's context; Stop cancels it.
	base    context.Context
	stopAll context.CancelFunc
	wg      sync.WaitGroup

	// updateMu keeps Updates from interleaving their Prepare and Apply.
	updateMu sync.Mutex

	mu       sync.Mutex
	checks   map[string]*check
	parents  map[string][]*check // child ID -> CALCULATED checks listing it
	started  bool
	stopped  bool
	stopOnce sync.Once
}

// New returns an Engine with no checks. Nothing runs until Start.
func New(opts Options) *Engine {
	e := &Engine{
		log:    opts.Logger,
		lookup: opts.LookupIPv4,
		now:    opts.now,
		random: opts.random,
		checks: map[string]*check{},
	}
	if e.log == nil {
		e.log = discard{}
	}
	if e.lookup == nil {
		e.lookup = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip4", host)
		}
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.random == nil {
		e.random = rand.Float64
	}
	e.base, e.stopAll = context.WithCancel(context.Background())
	empty := map[string]*atomic.Bool{}
	e.cells.Store(&empty)
	return e
}

// Config is a complete health configuration: every check of the store, the
// states healthstate.json forces (by check ID; absent means NotForced), and
// the IDs that documents refer to but no check defines, fixed in the state
// missing_healthcheck gives them (ForcedHealthy or ForcedUnhealthy).
type Config struct {
	Checks []*policyfile.HealthCheck
	Forced map[string]policyfile.ForcedState
	Fixed  map[string]policyfile.ForcedState
}

// Plan is a configuration prepared for an engine and not applied yet. Its
// cells are the ones queries will read once it is applied, so a snapshot
// can be built on them first, and a snapshot that fails to build leaves
// the engine as it was: drop the plan. Apply it at most once.
type Plan struct {
	cfg   Config
	next  map[string]*check // every check of the configuration
	fresh []*check          // the checks that are new (or changed)
	cells map[string]*atomic.Bool
}

// Cell returns the cell that queries will read for id once the plan is
// applied (see Engine.Cell), or nil if the configuration has no such check.
func (p *Plan) Cell(id string) *atomic.Bool { return p.cells[id] }

// Prepare prepares cfg for the engine without changing anything: checks
// whose configuration is unchanged (see policyfile.HealthCheck.Equal) keep
// their cell and state; new and changed checks get new cells, which hold
// their initial state once the plan is applied; fixed IDs get cells of
// their own, in their fixed state. If cfg.Checks holds an ID twice, the
// first definition counts. A Prepare must be followed by its Apply (or
// dropped) before the next Prepare: the plugin's loader is the only caller.
//
// The checks are as policyfile's loader returns them: Route 53's defaults
// are filled in (RequestInterval, FailureThreshold, Port, a valid
// ResourcePath), and no child of a CALCULATED check is CALCULATED. The
// engine trusts them.
func (e *Engine) Prepare(cfg Config) *Plan {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := &Plan{cfg: cfg, next: make(map[string]*check, len(cfg.Checks))}
	for _, hc := range cfg.Checks {
		if hc == nil || p.next[hc.ID] != nil {
			continue // the first definition of an ID wins
		}
		if old := e.checks[hc.ID]; old != nil && old.cfg.Equal(hc) {
			p.next[hc.ID] = old
			continue
		}
		c := newCheck(hc, cfg.Forced[hc.ID])
		if s, ok := e.carried(hc); ok && probed(hc) {
			// A running engine probes this check (a Corefile restart):
			// go on from its state (carry.go).
			c.takeCarried(s)
		}
		p.next[hc.ID] = c
		p.fresh = append(p.fresh, c)
	}
	p.cells = make(map[string]*atomic.Bool, len(p.next)+len(cfg.Fixed))
	for id, state := range cfg.Fixed {
		if p.next[id] == nil {
			c := new(atomic.Bool)
			c.Store(state == policyfile.ForcedHealthy)
			p.cells[id] = c
		}
	}
	for id, c := range p.next {
		p.cells[id] = c.cell
	}
	return p
}

// Apply makes a prepared configuration the engine's: before Start it only
// records it (the cells hold the initial states); while running it starts
// new checks, stops removed and changed ones (cancelling their in-flight
// probe) and keeps unchanged checks running with their cell and state.
// Forced states apply at once; probing continues underneath them. Apply
// publishes the metrics of new checks and lets go of those of removed ones
// (see owners); after Stop it publishes none.
func (e *Engine) Apply(p *Plan) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, c := range p.fresh {
		c.ctx, c.cancel = context.WithCancel(e.base)
	}
	for id, old := range e.checks {
		if p.next[id] == old {
			continue
		}
		old.cancel()
		e.forget(id)
		if p.next[id] == nil {
			releaseMetrics(e, id)
			e.log.Infof("health check %q removed", id)
		}
	}
	for _, c := range p.fresh {
		e.remember(c) // a carried state is this engine's too from now on
	}
	e.checks = p.next
	e.parents = map[string][]*check{}
	for _, c := range p.next {
		if c.cfg.Type == policyfile.Calculated {
			for _, child := range c.cfg.ChildHealthChecks {
				e.parents[child] = append(e.parents[child], c)
			}
		}
	}

	// First states of new checks (silently), then forced-state changes of
	// kept checks, then every CALCULATED check against its current children
	// (which are not CALCULATED, so they are up to date by then).
	for _, c := range p.fresh {
		if c.cfg.Type != policyfile.Calculated {
			e.refresh(c, "")
		}
	}
	for _, c := range p.next {
		if c.initialised {
			e.setForced(c, p.cfg.Forced[c.cfg.ID])
		}
	}
	for _, c := range p.next {
		if c.cfg.Type == policyfile.Calculated {
			e.refresh(c, "")
		}
	}
	e.cells.Store(&p.cells)

	if e.started && !e.stopped {
		for _, c := range p.fresh {
			e.launch(c)
		}
	}
}

// Update prepares and applies a configuration of checks and forced states
// at once (Prepare, then Apply). It is safe for concurrent use.
func (e *Engine) Update(checks []*policyfile.HealthCheck, forced map[string]policyfile.ForcedState) {
	e.updateMu.Lock()
	defer e.updateMu.Unlock()
	e.Apply(e.Prepare(Config{Checks: checks, Forced: forced}))
}

// Cell returns the live state of check id (true = healthy), or nil if there
// is no such check. It takes no lock. The pointer stays the same for as long
// as the check's configuration is unchanged, across any number of Applies; a
// changed check gets a new cell, and so does a fixed ID on every Prepare.
func (e *Engine) Cell(id string) *atomic.Bool {
	return (*e.cells.Load())[id]
}

// Start starts probing every probed check. It is idempotent, and does nothing
// after Stop.
func (e *Engine) Start() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.started || e.stopped {
		return
	}
	e.started = true
	n := 0
	for _, c := range e.checks {
		e.catchUp(c)
	}
	for _, c := range e.checks {
		// The metrics show the checks of started engines only: an engine
		// that is set up and dropped without Start and Stop (a Corefile
		// reload that fails after setup) must not own series.
		e.report(c, false)
		if e.launch(c) {
			n++
		}
	}
	e.log.Infof("health checks started: %d checks, %d probed", len(e.checks), n)
}

// Stop stops every prober, cancels in-flight probes and waits until all the
// engine's goroutines have exited. It is idempotent and final: the engine
// cannot be started again, and the cells keep their last states. It lets go
// of the engine's metric series: those of checks no other engine has are
// deleted (see owners), and a later Update publishes none.
func (e *Engine) Stop() {
	e.mu.Lock()
	wasRunning := e.started && !e.stopped
	if !e.stopped {
		e.stopped = true
		ids := make([]string, 0, len(e.checks))
		for id := range e.checks {
			ids = append(ids, id)
		}
		releaseMetrics(e, ids...)
		e.forget(ids...)
	}
	e.mu.Unlock()
	e.stopOnce.Do(e.stopAll)
	e.wg.Wait()
	if wasRunning {
		e.log.Infof("health checks stopped")
	}
}

// CheckStatus is the state of one check, for debugging and explanations.
type CheckStatus struct {
	// ID and Type identify the check.
	ID   string
	Type policyfile.HealthCheckType
	// Healthy is the state queries see (after inversion and forcing).
	Healthy bool
	// Unforced is the state the check has of its own, which Healthy shows
	// unless Forced says otherwise.
	Unforced bool
	// Forced is the state forced by healthstate.json, if any.
	Forced policyfile.ForcedState
	// Reason says why the check is in its state: the probe result that set
	// it, the forced state, the children of a CALCULATED check, etc.
	Reason string
	// Since is when Healthy last changed, or when the check was created.
	Since time.Time
	// LastResult and LastProbe are the latest probe's outcome and time (empty
	// before the first probe and for checks that are not probed).
	LastResult string
	LastProbe  time.Time
	// Pending counts the consecutive probe results against the current
	// unforced state; the state flips when it reaches FailureThreshold.
	Pending int
}

// Status reports every check's state, sorted by ID.
func (e *Engine) Status() []CheckStatus {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]CheckStatus, 0, len(e.checks))
	for id, c := range e.checks {
		out = append(out, CheckStatus{
			ID:         id,
			Type:       c.cfg.Type,
			Healthy:    c.cell.Load(),
			Unforced:   c.own,
			Forced:     c.forced,
			Reason:     c.reason,
			Since:      c.since,
			LastResult: c.lastResult,
			LastProbe:  c.lastProbe,
			Pending:    c.streak,
		})
	}
	slices.SortFunc(out, func(a, b CheckStatus) int { return strings.Compare(a.ID, b.ID) })
	return out
}

type discard struct{}

func (discard) Infof(string, ...any)    {}
func (discard) Warningf(string, ...any) {}
