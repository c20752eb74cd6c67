package watch

import (
	"errors"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/fsnotify/fsnotify"
)

func TestRelevant(t *testing.T) {
	tests := []struct {
		op   fsnotify.Op
		want bool
	}{
		{fsnotify.Create, true},
		{fsnotify.Write, true},
		{fsnotify.Remove, true},
		{fsnotify.Rename, true},
		{fsnotify.Chmod, false},
		{fsnotify.Write | fsnotify.Chmod, true},
		{fsnotify.Create | fsnotify.Chmod, true},
		{0, false},
	}
	for _, tc := range tests {
		if got := relevant(fsnotify.Event{Name: "/x", Op: tc.op}); got != tc.want {
			t.Errorf("relevant(%s) = %t, want %t", tc.op, got, tc.want)
		}
	}
}

// startFake starts a Watcher of a store on a fake event source.
func startFake(t *testing.T, debounce time.Duration) (*Watcher, *recorder, *fakeSource, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "store")
	writeTree(t, dir, baseTree())
	fake := newFakeSource()
	w, r := newTestWatcher(t, Options{Dir: dir, Debounce: debounce, Baseline: mustFP(t, dir)}, modeFS)
	w.newSource = func() (source, error) { return fake, nil }
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	r.waitChecks(t, 1)
	return w, r, fake, dir
}

func TestOverflowForcesCheck(t *testing.T) {
	_, r, fake, dir := startFake(t, time.Hour) // events alone would never lead to a check
	tr := baseTree()
	tr["records.json"] = `{"records":["lost event"]}`
	writeTree(t, dir, tr) // the fake source reports nothing
	fake.errs <- fsnotify.ErrEventOverflow
	r.waitStore(t, fpOf(t, tr))
	r.log.waitLine(t, "were lost")
}

func TestErrorsAreLogged(t *testing.T) {
	_, r, fake, dir := startFake(t, time.Hour)
	fake.errs <- errors.New("something odd")
	r.log.waitLine(t, "W watch: watching "+dir+": something odd")
	// EINVAL from fsnotify's own inotify_rm_watch is expected noise.
	fake.errs <- syscall.EINVAL
	r.log.waitLine(t, "I watch: watching "+dir+": invalid argument")
	r.expectNoReport(t)
}

// TestDebounceCoalescesAndIsBounded runs in a synctest bubble, whose clock
// only moves when every goroutine of the test waits: the Watcher's timers
// fire at exact instants however loaded the machine is.
func TestDebounceCoalescesAndIsBounded(t *testing.T) {
	const debounce = 30 * time.Millisecond
	synctest.Test(t, func(t *testing.T) {
		_, r, fake, dir := startFake(t, debounce)
		ev := fsnotify.Event{Name: filepath.Join(dir, "noise"), Op: fsnotify.Write}
		tr := baseTree()

		// Events closer together than the debounce coalesce into one check,
		// a debounce after the last of them.
		tr["records.json"] = `{"records":["burst"]}`
		writeTree(t, dir, tr)
		n := r.checks.Load()
		start := time.Now()
		const burst = 5
		for i := range burst {
			if i > 0 {
				time.Sleep(debounce / 2)
			}
			fake.events <- ev
		}
		last := time.Since(start)
		synctest.Wait()
		if c := r.checks.Load() - n; c != 0 {
			t.Fatalf("%d checks while events kept coming within the debounce", c)
		}
		rep := r.waitReport(t)
		if took := time.Since(start); took != last+debounce {
			t.Errorf("check %v after the first event, want %v (a debounce after the last)", took, last+debounce)
		}
		if !rep.StoreChanged || rep.fp != fpOf(t, tr) {
			t.Fatalf("report %v with fp %x", rep.Change, rep.fp[:4])
		}
		synctest.Wait()
		if c := r.checks.Load() - n; c != 1 {
			t.Errorf("%d checks for %d events, want 1", c, burst)
		}

		// A steady stream of events, each within the debounce of the last,
		// does not postpone the check forever: it comes maxDelayFactor
		// debounces after the first event.
		tr["records.json"] = `{"records":["busy directory"]}`
		writeTree(t, dir, tr)
		n = r.checks.Load()
		stop := make(chan struct{})
		sent := make(chan struct{})
		stopSending := sync.OnceFunc(func() {
			close(stop)
			<-sent
		})
		defer stopSending() // also when the test fails
		start = time.Now()
		go func() {
			defer close(sent)
			for {
				select {
				case fake.events <- ev:
				case <-stop:
					return
				}
				time.Sleep(debounce / 3)
			}
		}()
		rep = r.waitReport(t)
		took := time.Since(start)
		synctest.Wait()
		checks := r.checks.Load() - n
		stopSending()
		if want := maxDelayFactor * debounce; took != want {
			t.Errorf("check %v after the first event of a stream, want %v", took, want)
		}
		if !rep.StoreChanged || rep.fp != fpOf(t, tr) {
			t.Fatalf("report %v with fp %x", rep.Change, rep.fp[:4])
		}
		if checks != 1 {
			t.Errorf("%d checks during the stream, want 1", checks)
		}
	})
}

func TestWatchSet(t *testing.T) {
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "store")
	kubeWrite(t, dir, baseTree(), 1)
	geoDir := filepath.Join(root, "geo")
	mustMkdir(t, geoDir)
	geo := filepath.Join(geoDir, "GeoIP2-City.mmdb")
	mustWrite(t, geo, "x")
	fake := newFakeSource()
	w, r := newTestWatcher(t, Options{Dir: dir, Files: []string{geo}, Baseline: mustFP(t, dir)}, modeFS)
	w.newSource = func() (source, error) { return fake, nil }
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	r.waitChecks(t, 1)
	ts := filepath.Join(dir, "..2026_01_02_03_04_01.123456790")
	want := map[string]what{
		dir:                                  checkStore,
		ts:                                   checkStore, // holds the files behind the visible symlinks
		filepath.Join(ts, "policies"):        checkStore,
		filepath.Join(ts, "policies", "web"): checkStore,
		geoDir:                               checkFiles,
	}
	w.Stop()
	fake.mu.Lock()
	defer fake.mu.Unlock()
	for p, k := range want {
		if !fake.watched[p] {
			t.Errorf("%s not watched", p)
		}
		if got := w.st.watched[p].kind; got != k {
			t.Errorf("%s: kind %d, want %d", p, got, k)
		}
	}
	if len(fake.watched) != len(want) {
		t.Errorf("watched %v, want %v", fake.watched, want)
	}
	for _, tc := range []struct {
		name string
		want what
	}{
		{filepath.Join(dir, "..data"), checkStore},
		{filepath.Join(geoDir, "GeoIP2-City.mmdb"), checkFiles},
		{geoDir, checkFiles},
		{filepath.Join(root, "elsewhere", "x"), checkAll},
	} {
		if got := w.classify(tc.name); got != tc.want {
			t.Errorf("classify(%s) = %d, want %d", tc.name, got, tc.want)
		}
	}
}
