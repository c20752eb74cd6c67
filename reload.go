package trafficflow

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/trafficflow/trafficflow/geo"
	"github.com/trafficflow/trafficflow/health"
	"github.com/trafficflow/trafficflow/policyfile"
	"github.com/trafficflow/trafficflow/policytest"
	"github.com/trafficflow/trafficflow/watch"
)

// The reload protocol. One loader per plugin instance loads the store, the
// GeoIP database and the latency table into a new snapshot and publishes it
// with one atomic store; a load with any error, or whose store's policy
// tests (tests.json) fail, leaves the snapshot in service. setup makes the first load (an invalid store stops CoreDNS from
// starting); OnStartup starts the watcher, which calls back on every real
// change, and OnShutdown stops it. Its methods run on one goroutine at a
// time: setup's, then the watcher's.
//
// A load reads a consistent copy of the store (watch.ReadStable) and tells
// the watcher the Sum of what it read, so that a store that changed again
// during the load is reloaded.

// loaderState is where an instance is in its life.
type loaderState uint8

const (
	// setUp: loaded at setup; nothing runs yet.
	setUp loaderState = iota
	// running: OnStartup has started the health checks and the watcher.
	running
	// stopped: OnShutdown has stopped them.
	stopped
)

// files names the files besides the store that a load reads again.
type files struct {
	geoip, latency bool
}

// loader owns an instance's reload protocol.
type loader struct {
	tf    *TrafficFlow
	state loaderState
	// watcher reports changes of the store and the extra files (while
	// running).
	watcher *watch.Watcher
	// loaded is the Sum of the store content the first load read: the
	// watcher reports any difference from it.
	loaded watch.Sum
	// pending lists the extra files that changed without a load applying
	// the change yet (the store was invalid): the next load reads them.
	pending files
	// skipTests leaves the store's policy tests out of loads (an
	// Explainer explains stores whose tests fail, too).
	skipTests bool
}

// fileError is a load failure caused by the GeoIP database or the latency
// table itself: the one in service stays, and is read again only when its
// file changes again.
type fileError struct {
	what string // "GeoIP database" or "latency table"
	path string
	err  error
}

func (e *fileError) Error() string { return e.err.Error() }
func (e *fileError) Unwrap() error { return e.err }

// load reads the store (or takes the copy from, when it is not nil), and
// the extra files that read says (or that no load has read yet), builds a
// snapshot and publishes it. On any error the snapshot in service stays and
// the error is returned, every problem named with its file and path. It
// also returns the Sum of the store content it read, valid or not; zero if
// it read none.
func (l *loader) load(read files, from *storeCopy) (sum watch.Sum, err error) {
	tf := l.tf
	defer func() {
		if err != nil && err != watch.ErrChanging {
			reloads.WithLabelValues("failure").Inc()
		}
	}()
	prev := tf.snap.Load()
	var db *geo.DB
	var lat *policyfile.LatencyTable
	var prevStore *policyfile.Store
	if prev != nil {
		db, lat, prevStore = prev.geo, prev.latency, prev.store
	}
	if tf.cfg.geoipPath != "" && (read.geoip || db == nil) {
		d, err := geo.Open(tf.cfg.geoipPath)
		if err != nil {
			return sum, &fileError{"GeoIP database", tf.cfg.geoipPath, err}
		}
		db = d
	}
	if tf.cfg.latencyPath != "" && (read.latency || lat == nil) {
		t, probs := policyfile.LoadLatencyTable(tf.cfg.latencyPath)
		if err := probs.Err(); err != nil {
			return sum, &fileError{"latency table", tf.cfg.latencyPath, err}
		}
		lat = t
	}
	store, probs, copy, err := tf.readStore(prevStore, from)
	sum = copy.sum
	if err != nil {
		return sum, err
	}
	if err := logWarnings(probs); err != nil {
		return sum, err
	}
	if err := logWarnings(tf.checkLocation(store, db, lat)); err != nil {
		return sum, err
	}
	// The snapshot is built on the health plan's cells before the plan
	// is applied: a build that fails leaves the checks as they were.
	plan := tf.health.Prepare(health.Config{Checks: store.HealthChecks, Forced: store.Forced, Fixed: store.Missing})
	snap, err := tf.buildSnapshot(store, db, lat, plan)
	if err != nil {
		return sum, err
	}
	// A store whose policy tests fail is rejected like an invalid one.
	passed := ""
	if len(store.Tests) > 0 && !l.skipTests {
		results := policytest.Run(store, policytest.Options{GeoIP: tf.testLocator(db), Latency: lat, BiasFormula: tf.cfg.biasFormula})
		if err := policytest.Problems(results).Err(); err != nil {
			return sum, err
		}
		passed = fmt.Sprintf("; %d policy tests passed", len(results))
	}
	tf.health.Apply(plan)
	old := tf.snap.Swap(snap)
	// What queries counted on the old snapshot goes into the counters
	// before releaseSeries drops the series it alone had.
	tf.retire(old)
	// The replaced database is not closed: queries that loaded the old
	// snapshot may still look clients up in it. The collector frees it.
	reloads.WithLabelValues("success").Inc()
	lastReload.Set(float64(time.Now().UnixNano()) / 1e9)
	remember(tf.cfg.dir, copy)
	switch l.state {
	case setUp:
		// The watcher's first check compares with what was really loaded.
		l.loaded = sum
	case running:
		// OnStartup published the first load's series. An instance that
		// Caddy drops after setup (a later directive of a Corefile reload
		// fails) never gets OnShutdown to unpublish them, so setUp
		// publishes none.
		tf.publishRecordInfo(prevStore, store)
		tf.releaseSeries(snap)
	}
	log.Infof("loaded policy store %s: %s%s", tf.cfg.dir, store.Summary(), passed)
	return sum, nil
}

// testLocator is what locates the clients of policy tests given by
// address: what locates the clients of queries.
func (tf *TrafficFlow) testLocator(db *geo.DB) policytest.Locator {
	switch {
	case tf.locator != nil:
		return tf.locator
	case db != nil:
		return db
	}
	return nil
}

// logWarnings logs the warnings among probs and returns their errors.
func logWarnings(probs policyfile.Problems) error {
	for _, w := range probs.Warnings() {
		log.Warning(w.String())
	}
	return probs.Err()
}

// readStore loads a consistent copy of the store (watch.ReadStable), or
// the copy from when it is not nil. It returns the store, its problems and
// the copy loaded; without a consistent copy (the store is missing,
// unreadable, or kept changing), a zero copy and the problems policyfile
// finds in the store as it is, or the read error when it finds none.
func (tf *TrafficFlow) readStore(prev *policyfile.Store, from *storeCopy) (*policyfile.Store, policyfile.Problems, storeCopy, error) {
	opts := policyfile.Options{Zones: tf.Zones, MissingHealthCheck: tf.cfg.missingCheck, Previous: prev}
	var c storeCopy
	var err error
	if from != nil {
		c = *from
	} else {
		c.fsys, c.sum, err = watch.ReadStable(tf.cfg.dir)
	}
	switch {
	case err == nil:
		store, probs := policyfile.LoadFS(c.fsys, tf.cfg.dir, opts)
		return store, probs, c, nil
	case err == watch.ErrChanging:
		return nil, nil, storeCopy{}, err
	}
	// Load tells what is wrong in the store's terms, if it can.
	if store, probs := policyfile.Load(tf.cfg.dir, opts); probs.Err() != nil {
		return store, probs, storeCopy{}, nil
	}
	return nil, nil, storeCopy{}, err
}

// storeCopy is a consistent copy of a store in memory and its Sum.
type storeCopy struct {
	fsys fs.FS
	sum  watch.Sum
}

// lastGood holds the last store content that loaded from each store
// directory in this process, so that an instance a Corefile restart sets
// up while the store is invalid can start with it (setup.go's init)
// instead of failing, which would lose the Corefile's edit.
var lastGood = struct {
	sync.Mutex
	m map[string]storeCopy
}{m: map[string]storeCopy{}}

// remember records c as the last good content of the store in dir.
func remember(dir string, c storeCopy) {
	if c.fsys == nil {
		return
	}
	lastGood.Lock()
	lastGood.m[absDir(dir)] = c
	lastGood.Unlock()
}

// lastGoodCopy returns the last good content of the store in dir.
func lastGoodCopy(dir string) (storeCopy, bool) {
	lastGood.Lock()
	defer lastGood.Unlock()
	c, ok := lastGood.m[absDir(dir)]
	return c, ok
}

func absDir(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return dir
}

// start starts the health checks and the store watcher (OnStartup).
func (l *loader) start() error {
	tf := l.tf
	tf.started() // lifecycle.go
	tf.health.Start()
	var extra []string
	if tf.cfg.geoipPath != "" {
		extra = append(extra, tf.cfg.geoipPath)
	}
	if tf.cfg.latencyPath != "" {
		extra = append(extra, tf.cfg.latencyPath)
	}
	w, err := watch.New(watch.Options{
		Dir:      tf.cfg.dir,
		Files:    extra,
		Poll:     tf.cfg.reload,
		Logger:   log,
		Baseline: l.loaded,
		OnChange: l.changed,
	})
	if err != nil {
		return err
	}
	l.watcher = w
	l.state = running
	tf.publishRecordInfo(nil, tf.snap.Load().store)
	tf.startFlusher()
	return w.Start()
}

// changed reloads after the watcher reported a change, and returns the Sum
// of the store content it really read (the store may have changed since
// the watcher's check). A change of the GeoIP database or the latency
// table that a failed load could not apply (the store was invalid) is
// applied by the next load; a file that failed to load itself is read
// again only when it changes again.
func (l *loader) changed(c watch.Change) watch.Sum {
	tf := l.tf
	l.pending.geoip = l.pending.geoip || slices.Contains(c.Files, tf.cfg.geoipPath)
	l.pending.latency = l.pending.latency || slices.Contains(c.Files, tf.cfg.latencyPath)
	sum, err := l.load(l.pending, nil)
	var fe *fileError
	switch {
	case err == nil:
		l.pending = files{}
	case err == watch.ErrChanging:
		log.Warningf("policy store %s: %v; reading it again", tf.cfg.dir, err)
	case errors.As(err, &fe):
		l.pending.geoip = l.pending.geoip && fe.path != tf.cfg.geoipPath
		l.pending.latency = l.pending.latency && fe.path != tf.cfg.latencyPath
		tf.logReloadError(err)
	default:
		tf.logReloadError(err)
	}
	return sum
}

// stop stops the watcher and the health checks (OnShutdown). It is
// idempotent. The GeoIP database is left to the collector, like a replaced
// one: queries may still be finishing on it.
func (l *loader) stop() error {
	tf := l.tf
	if l.watcher != nil {
		l.watcher.Stop() // idempotent
	}
	tf.health.Stop()
	if l.state != stopped {
		tf.stopHits()
		if s := tf.snap.Load(); s != nil {
			tf.publishRecordInfo(s.store, nil)
		}
		tf.releaseSeries(nil)
	}
	l.state = stopped
	return nil
}

// invalid names what a failed load could not use: the GeoIP database, the
// latency table or the policy store.
func (tf *TrafficFlow) invalid(err error) string {
	var fe *fileError
	if errors.As(err, &fe) {
		return fe.what + " " + fe.path + " is invalid"
	}
	return "policy store " + tf.cfg.dir + " is invalid"
}

// logReloadError logs every problem of a failed reload.
func (tf *TrafficFlow) logReloadError(err error) {
	log.Errorf("%s; the running configuration stays in service", tf.invalid(err))
	var le *policyfile.LoadError
	if errors.As(err, &le) {
		for _, p := range le.Problems {
			log.Error(p.String())
		}
		return
	}
	log.Error(err.Error())
}
