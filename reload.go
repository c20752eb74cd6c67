package trafficflow

import (
	"errors"
	"slices"
	"time"

	"github.com/trafficflow/trafficflow/geo"
	"github.com/trafficflow/trafficflow/policyfile"
	"github.com/trafficflow/trafficflow/watch"
)

// reloader owns what OnStartup starts: the store watcher.
type reloader struct {
	watcher *watch.Watcher
	// geoPending and latencyPending say that the GeoIP database or the
	// latency table changed and no reload has applied the change yet
	// (because the store was invalid): the next reload reads them again.
	// Only reloadChanged uses them, on the watcher's goroutine.
	geoPending, latencyPending bool
}

// fileError is a reload failure caused by the GeoIP database or the latency
// table itself: the one in service stays, and is read again only when its
// file changes again.
type fileError struct {
	what string // "GeoIP database" or "latency table"
	path string
	err  error
}

func (e *fileError) Error() string { return e.err.Error() }
func (e *fileError) Unwrap() error { return e.err }

// maxReads bounds how often one reload reads a store that changes while it
// is read.
const maxReads = 3

// errStoreChanging says that the store changed every time it was read.
var errStoreChanging = errors.New("the store kept changing while it was read")

// reload reads the store, and the GeoIP database and latency table when
// geoChanged / latencyChanged say so (or nothing is loaded yet), builds a
// snapshot and publishes it with one atomic store. On any error the
// snapshot in service stays, every problem is logged with its file and
// path, and the error is returned.
func (tf *TrafficFlow) reload(geoChanged, latencyChanged bool) error {
	_, err := tf.load(geoChanged, latencyChanged)
	return err
}

// load is reload. It also returns the fingerprint (watch.Fingerprint) of
// the store content it read, valid or not; zero if it read none or cannot
// tell.
func (tf *TrafficFlow) load(geoChanged, latencyChanged bool) (fp [32]byte, err error) {
	defer func() {
		if err != nil && err != errStoreChanging {
			reloads.WithLabelValues("failure").Inc()
		}
	}()
	prev := tf.snap.Load()
	var db *geo.DB
	var lat *latencyTable
	var prevStore *policyfile.Store
	if prev != nil {
		db, lat, prevStore = prev.geo, prev.latency, prev.store
	}
	if tf.cfg.geoipPath != "" && (geoChanged || db == nil) {
		d, err := geo.Open(tf.cfg.geoipPath)
		if err != nil {
			return fp, &fileError{"GeoIP database", tf.cfg.geoipPath, err}
		}
		db = d
	}
	if tf.cfg.latencyPath != "" && (latencyChanged || lat == nil) {
		t, probs := policyfile.LoadLatencyTable(tf.cfg.latencyPath)
		if err := probs.Err(); err != nil {
			return fp, &fileError{"latency table", tf.cfg.latencyPath, err}
		}
		lat = newLatencyTable(t)
	}
	store, probs, fp, err := tf.readStore(prevStore)
	if err != nil {
		return fp, err
	}
	for _, w := range probs.Warnings() {
		log.Warning(w.String())
	}
	if err := probs.Err(); err != nil {
		return fp, err
	}
	locProbs := tf.checkLocation(store, db, lat)
	for _, w := range locProbs.Warnings() {
		log.Warning(w.String())
	}
	if err := locProbs.Err(); err != nil {
		return fp, err
	}
	tf.health.Update(store.HealthChecks, store.Forced)
	snap, err := tf.buildSnapshot(store, db, lat)
	if err != nil {
		return fp, err
	}
	tf.snap.Store(snap)
	if tf.reloader == nil {
		// Before OnStartup: the watcher's first check compares with what
		// was really loaded.
		tf.baseline = fp
	}
	// The replaced database is not closed: queries that loaded the old
	// snapshot may still look clients up in it. The collector frees it.
	reloads.WithLabelValues("success").Inc()
	lastReload.Set(float64(time.Now().UnixNano()) / 1e9)
	if tf.reloader != nil {
		// In service (after OnStartup, which publishes the first load's):
		// an instance that Caddy drops after setup, when a later directive
		// of a Corefile reload fails, never gets OnShutdown to unpublish.
		tf.publishRecordInfo(prevStore, store)
	}
	log.Infof("loaded policy store %s: %s", tf.cfg.dir, store.Summary())
	return fp, nil
}

// readStore loads the store from a copy in memory (watch.Read), whose
// fingerprint is that of exactly what it loads, once a fresh fingerprint
// of the store agrees with it; it reads the store again while they differ.
// A store that changed while it was read may mix two versions (a ConfigMap
// update between records.json and a policy file) and must not be served.
// It returns the fingerprint of the content loaded; zero, with an error or
// problems, if it could not read the store (it is missing, unreadable, or
// kept changing).
func (tf *TrafficFlow) readStore(prev *policyfile.Store) (*policyfile.Store, policyfile.Problems, [32]byte, error) {
	opts := policyfile.Options{Zones: tf.Zones, MissingHealthCheck: tf.cfg.missingCheck, Previous: prev}
	for read := 1; ; read++ {
		fsys, fp, err := watch.Read(tf.cfg.dir)
		if err == nil {
			if now, ferr := watch.Fingerprint(tf.cfg.dir); ferr == nil && now == fp {
				store, probs := policyfile.LoadFS(fsys, tf.cfg.dir, opts)
				return store, probs, fp, nil
			}
		}
		if read < maxReads {
			continue
		}
		if err == nil {
			return nil, nil, [32]byte{}, errStoreChanging
		}
		// Load tells what is wrong in the store's terms, if it can.
		if store, probs := policyfile.Load(tf.cfg.dir, opts); probs.Err() != nil {
			return store, probs, [32]byte{}, nil
		}
		return nil, nil, [32]byte{}, err
	}
}

// startup starts the health checks and the store watcher (OnStartup).
func (tf *TrafficFlow) startup() error {
	tf.health.Start()
	files := []string{}
	if tf.cfg.geoipPath != "" {
		files = append(files, tf.cfg.geoipPath)
	}
	if tf.cfg.latencyPath != "" {
		files = append(files, tf.cfg.latencyPath)
	}
	r := &reloader{}
	w, err := watch.New(watch.Options{
		Dir:      tf.cfg.dir,
		Files:    files,
		Poll:     tf.cfg.reload,
		Logger:   log,
		Baseline: tf.baseline,
		OnChange: func(c watch.Change) { tf.reloadChanged(r, c) },
	})
	if err != nil {
		return err
	}
	r.watcher = w
	tf.reloader = r
	tf.publishRecordInfo(nil, tf.snap.Load().store)
	return w.Start()
}

// reloadChanged reloads after the watcher reported a change, and tells the
// watcher which store content it really read (the store may have changed
// since the watcher's check). A change of the GeoIP database or the latency
// table that a failed reload could not apply (the store was invalid) is
// applied by the next reload; a file that failed to load itself is read
// again only when it changes again.
func (tf *TrafficFlow) reloadChanged(r *reloader, c watch.Change) {
	r.geoPending = r.geoPending || slices.Contains(c.Files, tf.cfg.geoipPath)
	r.latencyPending = r.latencyPending || slices.Contains(c.Files, tf.cfg.latencyPath)
	fp, err := tf.load(r.geoPending, r.latencyPending)
	var fe *fileError
	errors.As(err, &fe)
	switch {
	case fp != [32]byte{}:
		c.Loaded(fp)
	case err != nil && fe == nil:
		// No consistent read of the store: the watcher checks again, and
		// reports the store whatever it holds then.
		c.Loaded([32]byte{})
	}
	switch {
	case err == nil:
		r.geoPending, r.latencyPending = false, false
	case err == errStoreChanging:
		log.Warningf("policy store %s: %v; reading it again", tf.cfg.dir, err)
	case fe != nil:
		r.geoPending = r.geoPending && fe.path != tf.cfg.geoipPath
		r.latencyPending = r.latencyPending && fe.path != tf.cfg.latencyPath
		tf.logReloadError(err)
	default:
		tf.logReloadError(err)
	}
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

// shutdown stops the watcher and the health checks (OnShutdown). It is
// idempotent. The GeoIP database is left to the collector, like a replaced
// one: queries may still be finishing on it.
func (tf *TrafficFlow) shutdown() error {
	if r := tf.reloader; r != nil {
		r.watcher.Stop() // idempotent
	}
	tf.health.Stop()
	if s := tf.snap.Load(); s != nil {
		tf.publishRecordInfo(s.store, nil)
	}
	return nil
}
