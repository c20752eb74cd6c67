package watch

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// ourGoroutines returns the stacks of goroutines that belong to this
// package's Watcher or to fsnotify.
func ourGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var ours []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "fsnotify") || strings.Contains(g, "watch.(*Watcher)") {
			ours = append(ours, g)
		}
	}
	return ours
}

// waitNoGoroutines waits until the Watcher's and fsnotify's goroutines are
// gone and the goroutine count is back to before.
func waitNoGoroutines(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		ours := ourGoroutines()
		n := runtime.NumGoroutine()
		if len(ours) == 0 && n <= before {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines, %d before; left over:\n%s", n, before, strings.Join(ours, "\n\n"))
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond) // polling for a condition, not an assertion
	}
}

// inotifyInstances counts this process's inotify file descriptors.
func inotifyInstances(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	n := 0
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		if err == nil && strings.Contains(target, "inotify") {
			n++
		}
	}
	return n
}

func TestStopLeavesNoGoroutines(t *testing.T) {
	if len(ourGoroutines()) != 0 {
		t.Fatalf("goroutines of an earlier test still run:\n%s", strings.Join(ourGoroutines(), "\n\n"))
	}
	before := runtime.NumGoroutine()
	dir := filepath.Join(t.TempDir(), "store")
	writeTree(t, dir, baseTree())
	geo := filepath.Join(t.TempDir(), "GeoIP2-City.mmdb")
	mustWrite(t, geo, geoContent("1"))
	for _, m := range []mode{modeFS, modePoll} {
		w, r := newTestWatcher(t, Options{Dir: dir, Files: []string{geo}, Baseline: mustFP(t, dir)}, m)
		for range 3 {
			n := r.checks.Load()
			if err := w.Start(); err != nil {
				t.Fatal(err)
			}
			r.waitChecks(t, n+1)
			mustWrite(t, filepath.Join(dir, "records.json"), `{"records":["pending"]}`) // a debounce timer may run
			w.Stop()
		}
		w.Stop() // idempotent
	}
	waitNoGoroutines(t, before)
}

func TestStartStopCycles(t *testing.T) {
	// A leak of one inotify instance or goroutine per cycle shows after any
	// number of cycles; 30 keeps the test fast.
	const cycles = 30
	before := inotifyInstances(t)
	goroutines := runtime.NumGoroutine()
	dir := filepath.Join(t.TempDir(), "store")
	writeTree(t, dir, baseTree())
	log := newTestLogger()
	fp := mustFP(t, dir)
	loaded := func(Change) Sum { return fp }
	reused, err := New(Options{Dir: dir, OnChange: loaded, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	for i := range cycles {
		w := reused
		if i%2 == 0 { // a new Watcher per cycle, as on a Corefile reload
			if w, err = New(Options{Dir: dir, OnChange: loaded, Logger: log}); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		w.mu.Lock()
		hasFS := w.src != nil
		w.mu.Unlock()
		if !hasFS {
			t.Fatalf("cycle %d: fsnotify unavailable: %q", i, log.all())
		}
		w.Stop()
	}
	if after := inotifyInstances(t); after != before {
		t.Errorf("%d inotify instances after %d Start/Stop cycles, %d before", after, cycles, before)
	}
	if n := log.count("W "); n != 0 {
		t.Errorf("warnings: %q", log.all())
	}
	waitNoGoroutines(t, goroutines)
}

func TestLifecycle(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	writeTree(t, dir, baseTree())
	w, r := newTestWatcher(t, Options{Dir: dir, Baseline: mustFP(t, dir)}, modeFS)
	w.Stop()  // before Start: no-op
	w.Check() // before Start: runs after Start
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	if err := w.Start(); err == nil {
		t.Error("second Start: no error")
	}
	r.waitChecks(t, 2) // the initial check and the early Check
	w.Stop()
	w.Stop()

	// A change while stopped is reported after the next Start, once.
	tr := baseTree()
	tr["records.json"] = `{"records":["while stopped"]}`
	writeTree(t, dir, tr)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	r.waitStore(t, fpOf(t, tr))
	// And the restarted Watcher watches again.
	tr["records.json"] = `{"records":["after restart"]}`
	writeTree(t, dir, tr)
	r.waitStore(t, fpOf(t, tr))
	w.Stop()
	w.Check() // after Stop: harmless
}

func TestNewValidates(t *testing.T) {
	ok := func(Change) Sum { return Sum{} }
	for _, opts := range []Options{
		{OnChange: ok},
		{Dir: "x"},
		{Dir: "x", OnChange: ok, Poll: -time.Second},
		{Dir: "x", OnChange: ok, Debounce: -time.Second},
	} {
		if _, err := New(opts); err == nil {
			t.Errorf("New(%+v): no error", opts)
		}
	}
	w, err := New(Options{Dir: "x", OnChange: ok})
	if err != nil {
		t.Fatal(err)
	}
	if w.debounce != DefaultDebounce || !filepath.IsAbs(w.dir) {
		t.Errorf("debounce %s, dir %q: want the default and an absolute path", w.debounce, w.dir)
	}
}
