package trafficflow

import (
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/trafficflow/trafficflow/geo"
	"github.com/trafficflow/trafficflow/policyfile"
	"github.com/trafficflow/trafficflow/watch"
)

// reloader owns what OnStartup starts: the store watcher.
type reloader struct {
	watcher  *watch.Watcher
	stopOnce sync.Once
	// mu serialises reloads (the watcher never runs two at once, but a
	// reload at setup and tests may).
	mu sync.Mutex
}

// reload reads the store, and the GeoIP database and latency table when
// geoChanged / latencyChanged say so (or nothing is loaded yet), builds a
// snapshot and publishes it with one atomic store. On any error the
// snapshot in service stays, every problem is logged with its file and
// path, and the error is returned.
func (tf *TrafficFlow) reload(geoChanged, latencyChanged bool) (err error) {
	defer func() {
		if err != nil {
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
	newDB := false
	if tf.cfg.geoipPath != "" && (geoChanged || db == nil) {
		d, err := geo.Open(tf.cfg.geoipPath)
		if err != nil {
			return err
		}
		db, newDB = d, true
	}
	closeNew := func() {
		if newDB {
			db.Close()
		}
	}
	if tf.cfg.latencyPath != "" && (latencyChanged || lat == nil) {
		t, probs := policyfile.LoadLatencyTable(tf.cfg.latencyPath)
		if err := probs.Err(); err != nil {
			closeNew()
			return err
		}
		lat = newLatencyTable(t)
	}
	store, probs := policyfile.Load(tf.cfg.dir, policyfile.Options{
		Zones:              tf.Zones,
		MissingHealthCheck: tf.cfg.missingCheck,
		Previous:           prevStore,
	})
	for _, w := range probs.Warnings() {
		log.Warning(w.String())
	}
	if err := probs.Err(); err != nil {
		closeNew()
		return err
	}
	if err := tf.checkLocation(store, db, lat); err != nil {
		closeNew()
		return err
	}
	tf.health.Update(store.HealthChecks, store.Forced)
	snap, err := tf.buildSnapshot(store, db, lat)
	if err != nil {
		closeNew()
		return err
	}
	tf.snap.Store(snap)
	if newDB && prev != nil && prev.geo != nil {
		prev.geo.Close() // safe while queries still use it
	}
	reloads.WithLabelValues("success").Inc()
	lastReload.Set(float64(time.Now().UnixNano()) / 1e9)
	setRecordInfo(store)
	log.Infof("loaded policy store %s: %s", tf.cfg.dir, store.Summary())
	return nil
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
		OnChange: func(c watch.Change) {
			r.mu.Lock()
			defer r.mu.Unlock()
			err := tf.reload(slices.Contains(c.Files, tf.cfg.geoipPath), slices.Contains(c.Files, tf.cfg.latencyPath))
			if err != nil {
				logReloadError(tf.cfg.dir, err)
			}
		},
	})
	if err != nil {
		return err
	}
	r.watcher = w
	tf.reloader = r
	return w.Start()
}

// logReloadError logs every problem of a failed reload.
func logReloadError(dir string, err error) {
	log.Errorf("policy store %s is invalid; the running configuration stays in service", dir)
	var le *policyfile.LoadError
	if errors.As(err, &le) {
		for _, p := range le.Problems {
			log.Error(p.String())
		}
		return
	}
	log.Error(err.Error())
}

// shutdown stops the watcher and the health checks and closes the GeoIP
// database (OnShutdown). It is idempotent.
func (tf *TrafficFlow) shutdown() error {
	if r := tf.reloader; r != nil {
		r.stopOnce.Do(r.watcher.Stop)
	}
	tf.health.Stop()
	if s := tf.snap.Load(); s != nil && s.geo != nil {
		s.geo.Close()
	}
	return nil
}
