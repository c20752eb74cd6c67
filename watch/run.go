package watch

import (
	"errors"
	"path/filepath"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"
)

// what selects the parts of a check.
type what uint8

const (
	checkStore what = 1 << iota // the store fingerprint
	checkFiles                  // the extra files

	checkAll = checkStore | checkFiles
)

// run is the watcher goroutine: it checks once, then waits for events (which
// it debounces), poll ticks, Check requests and overflows, until quit is
// closed. src may be nil (polling only).
func (w *Watcher) run(src source, quit <-chan struct{}, done chan<- struct{}) {
	defer close(done)

	var (
		events <-chan fsnotify.Event
		errs   <-chan error
		tick   <-chan time.Time
	)
	if src != nil {
		events, errs = src.Events(), src.Errors()
	}
	if w.poll > 0 {
		t := time.NewTicker(w.poll)
		defer t.Stop()
		tick = t.C
	}
	// Since Go 1.23 a stopped or reset timer never delivers a stale value.
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()

	var (
		pending what      // parts to check when the timer fires
		first   time.Time // when the first pending event arrived
	)
	schedule := func(k what) {
		now := time.Now()
		if pending == 0 {
			first = now
		}
		pending |= k
		d := w.debounce
		if left := first.Add(maxDelayFactor * w.debounce).Sub(now); left < d {
			d = max(left, 0)
		}
		timer.Reset(d)
	}
	check := func(k what) {
		pending &^= k
		if pending == 0 {
			timer.Stop()
		}
		if w.check(src, k, quit) {
			schedule(checkStore)
		}
	}

	check(checkAll)
	for {
		select {
		case <-quit:
			return
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			if relevant(ev) {
				schedule(w.classify(ev.Name))
			}
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				w.log.Warningf("watch: file events for %s were lost, checking now", w.dir)
				check(checkAll)
				continue
			}
			if errors.Is(err, syscall.EINVAL) {
				// fsnotify's inotify_rm_watch after IN_MOVE_SELF of a
				// directory that was removed right after the move (the
				// kernel dropped the watch already): expected whenever a
				// directory is replaced, and the watch set is re-synced.
				w.log.Infof("watch: watching %s: %v (a watched directory was moved and removed)", w.dir, err)
				continue
			}
			w.log.Warningf("watch: watching %s: %v", w.dir, err)
		case <-timer.C:
			check(pending)
		case <-tick:
			check(checkAll)
		case done := <-w.checkReq:
			check(checkAll)
			if done != nil {
				close(done)
			}
		}
	}
}

// classify tells which parts of a check an event on name concerns, from the
// watched directory it came from.
func (w *Watcher) classify(name string) what {
	k := w.st.watched[name].kind | w.st.watched[filepath.Dir(name)].kind
	if k == 0 {
		return checkAll
	}
	return k
}
