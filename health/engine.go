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

// DefaultMaxConcurrent is the number of probes in flight at once when
// Options.MaxConcurrent is not set.
const DefaultMaxConcurrent = 32

// Options configure an Engine. The zero value is usable.
type Options struct {
	// Logger receives one line per state transition; nil discards them.
	Logger Logger
	// MaxConcurrent bounds the probes in flight at once across all checks
	// (DefaultMaxConcurrent when <= 0).
	MaxConcurrent int
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

	// sem bounds the probes in flight across all checks.
	sem chan struct{}
	// inFlight and waiting count probes holding and waiting for sem
	// (observability for tests).
	inFlight, waiting atomic.Int32

	// cells is the lock-free index of Cell: a map replaced on every Update.
	cells atomic.Pointer[map[string]*atomic.Bool]

	// base is the parent of every check's context; Stop cancels it.
	base    context.Context
	stopAll context.CancelFunc
	wg      sync.WaitGroup

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
	n := opts.MaxConcurrent
	if n <= 0 {
		n = DefaultMaxConcurrent
	}
	e.sem = make(chan struct{}, n)
	e.base, e.stopAll = context.WithCancel(context.Background())
	empty := map[string]*atomic.Bool{}
	e.cells.Store(&empty)
	return e
}

// Update applies a complete new configuration: checks is every health check
// and forced the states healthstate.json forces (by check ID; absent means
// NotForced). Before Start it only records the configuration (the cells exist
// and hold the initial states). While running it starts new checks, restarts
// changed ones (see policyfile.HealthCheck.Equal) with a new cell and a fresh
// state, stops removed ones (cancelling their in-flight probe) and keeps
// unchanged checks running with their cell and state. Forced states apply at
// once; probing continues underneath them. If checks holds an ID twice, the
// first definition counts. Update publishes the metrics of new checks and
// lets go of those of removed ones (see owners); after Stop it publishes
// none. Update is safe for concurrent use.
//
// The checks are as policyfile's loader returns them: Route 53's defaults
// are filled in (RequestInterval, FailureThreshold, Port, a ResourcePath
// starting with "/"), and no child of a CALCULATED check is CALCULATED. The
// engine does not repeat those defaults. An HTTP(S) check whose ResourcePath
// is not a request path fails every probe, saying why.
func (e *Engine) Update(checks []*policyfile.HealthCheck, forced map[string]policyfile.ForcedState) {
	e.mu.Lock()
	defer e.mu.Unlock()

	next := make(map[string]*check, len(checks))
	var fresh []*check
	for _, cfg := range checks {
		if cfg == nil || next[cfg.ID] != nil {
			continue // the first definition of an ID wins
		}
		if old := e.checks[cfg.ID]; old != nil && old.cfg.Equal(cfg) {
			next[cfg.ID] = old
			continue
		}
		c := e.newCheck(cfg, forced[cfg.ID])
		next[cfg.ID] = c
		fresh = append(fresh, c)
	}
	for id, old := range e.checks {
		if next[id] == old {
			continue
		}
		old.cancel()
		if next[id] == nil {
			releaseMetrics(e, id)
			e.log.Infof("health check %q removed", id)
		}
	}
	e.checks = next
	e.parents = map[string][]*check{}
	for _, c := range next {
		if c.cfg.Type == policyfile.Calculated {
			for _, child := range c.cfg.ChildHealthChecks {
				e.parents[child] = append(e.parents[child], c)
			}
		}
	}

	// First states of new checks (silently), then forced-state changes of
	// kept checks, then every CALCULATED check against its current children
	// (which are not CALCULATED, so they are up to date by then).
	for _, c := range fresh {
		if c.cfg.Type != policyfile.Calculated {
			e.refresh(c, "")
		}
	}
	for _, c := range next {
		if c.initialised {
			e.setForced(c, forced[c.cfg.ID])
		}
	}
	for _, c := range next {
		if c.cfg.Type == policyfile.Calculated {
			e.refresh(c, "")
		}
	}

	cells := make(map[string]*atomic.Bool, len(next))
	for id, c := range next {
		cells[id] = c.cell
	}
	e.cells.Store(&cells)

	if e.started && !e.stopped {
		for _, c := range fresh {
			e.launch(c)
		}
	}
}

// Cell returns the live state of check id (true = healthy), or nil if there
// is no such check. It takes no lock. The pointer stays the same for as long
// as the check's configuration is unchanged, across any number of Updates; a
// changed check gets a new cell.
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
