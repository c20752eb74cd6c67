package watch

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
)

// waitTimeout is how long a test waits for something the Watcher must do.
const waitTimeout = 5 * time.Second

// Test timings: short enough for a fast test run, long enough for -race on
// a busy 2-CPU machine (no assertion depends on them).
const (
	testDebounce = 20 * time.Millisecond
	testPoll     = 20 * time.Millisecond
)

// mode is how a test Watcher learns about changes.
type mode struct {
	name  string
	poll  time.Duration
	noFS  bool // fsnotify disabled through the newSource seam
	check bool // neither: the test calls Check
}

var (
	modeFS    = mode{name: "fsnotify"}
	modePoll  = mode{name: "poll", poll: testPoll, noFS: true}
	modeCheck = mode{name: "check", noFS: true, check: true}
)

// tree is store content: slash-separated relative path -> file content.
type tree map[string]string

// baseTree is a small store in the layout the plugin reads.
func baseTree() tree {
	return tree{
		"records.json":        `{"records":[1]}`,
		"healthchecks.json":   `{"HealthChecks":[]}`,
		"healthstate.json":    `{}`,
		"locations.json":      `{"locations":{}}`,
		"policies/web/1.json": `{"v":1}`,
		"policies/web/2.yaml": "v: 2\n",
		"policies/api.json":   `[{"v":1}]`,
	}
}

// writeTree writes tr below dir.
func writeTree(t testing.TB, dir string, tr tree) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for rel, content := range tr {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		mustMkdir(t, filepath.Dir(p))
		mustWrite(t, p, content)
	}
}

// fpOf returns the fingerprint of tr written as a plain directory.
func fpOf(t testing.TB, tr tree) Sum {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "reference")
	writeTree(t, dir, tr)
	return mustFP(t, dir)
}

func mustFP(t testing.TB, dir string) Sum {
	t.Helper()
	fp, err := Fingerprint(dir)
	if err != nil {
		t.Fatalf("Fingerprint(%s): %v", dir, err)
	}
	return fp
}

func mustWrite(t testing.TB, p, content string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustMkdir(t testing.TB, p string) {
	t.Helper()
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
}

func mustRename(t testing.TB, from, to string) {
	t.Helper()
	if err := os.Rename(from, to); err != nil {
		t.Fatal(err)
	}
}

func mustSymlink(t testing.TB, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func mustRemoveAll(t testing.TB, p string) {
	t.Helper()
	if err := os.RemoveAll(p); err != nil {
		t.Fatal(err)
	}
}

// kubeWrite publishes payload in dir exactly as the kubelet's atomic writer
// updates a ConfigMap volume: the payload goes into a new timestamped
// directory, a "..data_tmp" symlink to it is renamed over "..data", the
// user-visible top-level entries are symlinks through "..data" (created if
// new, removed if gone), and finally the previous timestamped directory is
// removed.
func kubeWrite(t testing.TB, dir string, payload tree, seq int) {
	t.Helper()
	mustMkdir(t, dir)
	ts := fmt.Sprintf("..2026_01_02_03_04_%02d.%09d", seq, 123456789+seq)
	writeTree(t, filepath.Join(dir, ts), payload)
	dataLink := filepath.Join(dir, "..data")
	old, err := os.Readlink(dataLink)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, "..data_tmp")
	mustSymlink(t, ts, tmp)
	mustRename(t, tmp, dataLink)

	tops := make(map[string]bool)
	for rel := range payload {
		top, _, _ := strings.Cut(rel, "/")
		tops[top] = true
	}
	for top := range tops {
		link := filepath.Join(dir, top)
		if _, err := os.Lstat(link); errors.Is(err, os.ErrNotExist) {
			mustSymlink(t, path.Join("..data", top), link)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "..") && !tops[e.Name()] {
			mustRemoveAll(t, filepath.Join(dir, e.Name()))
		}
	}
	if old != "" {
		mustRemoveAll(t, filepath.Join(dir, old))
	}
}

// report is one OnChange call, with the store fingerprint it reported.
type report struct {
	Change
	fp Sum
}

// recorder collects what a Watcher does.
type recorder struct {
	w       *Watcher
	changes chan report
	checks  atomic.Int64
	checked chan struct{} // capacity 1: "checks changed"
	dropped atomic.Int64  // reports that did not fit into changes
	dups    atomic.Int64  // store reports equal to the previous one
	prev    Sum           // watcher goroutine only
	log     *testLogger
}

// onChange records a report and says that it read what the check saw.
func (r *recorder) onChange(c Change) Sum {
	rep := report{Change: c, fp: r.w.st.reported} // the watcher's goroutine owns st
	if c.StoreChanged && !rep.fp.IsZero() {
		if rep.fp == r.prev {
			r.dups.Add(1)
		}
		r.prev = rep.fp
	}
	select {
	case r.changes <- rep:
	default:
		r.dropped.Add(1)
	}
	return rep.fp
}

func (r *recorder) afterCheck() {
	r.checks.Add(1)
	select {
	case r.checked <- struct{}{}:
	default:
	}
}

// waitChecks waits until the Watcher has completed at least n checks.
func (r *recorder) waitChecks(t testing.TB, n int64) {
	t.Helper()
	deadline := time.NewTimer(waitTimeout)
	defer deadline.Stop()
	for r.checks.Load() < n {
		select {
		case <-r.checked:
		case <-deadline.C:
			t.Fatalf("only %d of %d checks done after %s", r.checks.Load(), n, waitTimeout)
		}
	}
}

// waitStore waits for a report of the store with fingerprint want; reports
// of intermediate states before it are allowed.
func (r *recorder) waitStore(t testing.TB, want Sum) report {
	t.Helper()
	deadline := time.NewTimer(waitTimeout)
	defer deadline.Stop()
	var seen []string
	for {
		select {
		case rep := <-r.changes:
			if rep.StoreChanged && rep.fp == want {
				return rep
			}
			seen = append(seen, fmt.Sprintf("%v fp=%x", rep.Change, rep.fp[:4]))
		case <-deadline.C:
			t.Fatalf("no report of store %x after %s; reports seen: %v", want[:4], waitTimeout, seen)
		}
	}
}

// waitReport waits for the next report.
func (r *recorder) waitReport(t testing.TB) report {
	t.Helper()
	select {
	case rep := <-r.changes:
		return rep
	case <-time.After(waitTimeout):
		t.Fatalf("no report after %s", waitTimeout)
		return report{}
	}
}

// expectNoReport fails if a report is pending; call it after waitChecks.
func (r *recorder) expectNoReport(t testing.TB) {
	t.Helper()
	select {
	case rep := <-r.changes:
		t.Fatalf("unexpected report %v", rep.Change)
	default:
	}
}

// forceCheck makes the Watcher check now and waits until that check (one
// that started after this call) is done.
func (r *recorder) forceCheck(t testing.TB) {
	t.Helper()
	deadline := time.NewTimer(waitTimeout)
	defer deadline.Stop()
	done := make(chan struct{})
	select {
	case r.w.checkReq <- done:
	case <-deadline.C:
		t.Fatalf("Check request not taken after %s", waitTimeout)
	}
	select {
	case <-done:
	case <-deadline.C:
		t.Fatalf("Check not done after %s", waitTimeout)
	}
}

// newTestWatcher creates a Watcher for opts in mode m, wired to a recorder.
// It is stopped at the end of the test.
func newTestWatcher(t testing.TB, opts Options, m mode) (*Watcher, *recorder) {
	t.Helper()
	r := &recorder{
		changes: make(chan report, 256),
		checked: make(chan struct{}, 1),
		log:     newTestLogger(),
	}
	opts.OnChange = r.onChange
	opts.Poll = m.poll
	if opts.Debounce == 0 {
		opts.Debounce = testDebounce
	}
	if opts.Logger == nil {
		opts.Logger = r.log
	}
	w, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	r.w = w
	w.afterCheck = r.afterCheck
	if m.noFS {
		w.newSource = func() (source, error) { return nil, errors.New("fsnotify disabled by the test") }
	}
	t.Cleanup(func() {
		w.Stop()
		if n := r.dropped.Load(); n > 0 {
			t.Errorf("%d reports dropped: OnChange called far too often", n)
		}
		if n := r.dups.Load(); n > 0 {
			t.Errorf("the same store state was reported %d times in a row", n)
		}
	})
	return w, r
}

// testLogger records log lines and lets tests wait for one.
type testLogger struct {
	mu      sync.Mutex
	lines   []string
	changed chan struct{} // capacity 1: "lines changed"
}

func newTestLogger() *testLogger { return &testLogger{changed: make(chan struct{}, 1)} }

func (l *testLogger) Infof(format string, args ...any) { l.add("I " + fmt.Sprintf(format, args...)) }
func (l *testLogger) Warningf(format string, args ...any) {
	l.add("W " + fmt.Sprintf(format, args...))
}

func (l *testLogger) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, s)
	select {
	case l.changed <- struct{}{}:
	default:
	}
}

func (l *testLogger) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.lines)
}

// count returns how many lines contain sub.
func (l *testLogger) count(sub string) int {
	n := 0
	for _, s := range l.all() {
		if strings.Contains(s, sub) {
			n++
		}
	}
	return n
}

// waitLine waits until a line containing sub was logged.
func (l *testLogger) waitLine(t testing.TB, sub string) {
	t.Helper()
	deadline := time.NewTimer(waitTimeout)
	defer deadline.Stop()
	for l.count(sub) == 0 {
		select {
		case <-l.changed:
		case <-deadline.C:
			t.Fatalf("no log line containing %q after %s; lines: %q", sub, waitTimeout, l.all())
		}
	}
}

// fakeSource is a source whose events and errors the test sends.
type fakeSource struct {
	events chan fsnotify.Event
	errs   chan error

	mu      sync.Mutex
	watched map[string]bool
	closed  bool
}

func newFakeSource() *fakeSource {
	return &fakeSource{
		events:  make(chan fsnotify.Event),
		errs:    make(chan error),
		watched: make(map[string]bool),
	}
}

func (f *fakeSource) Events() <-chan fsnotify.Event { return f.events }
func (f *fakeSource) Errors() <-chan error          { return f.errs }

func (f *fakeSource) Add(p string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.watched[p] = true
	return nil
}

func (f *fakeSource) Remove(p string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.watched, p)
	return nil
}

func (f *fakeSource) WatchList() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var l []string
	for p := range f.watched {
		l = append(l, p)
	}
	return l
}

func (f *fakeSource) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	return nil
}
