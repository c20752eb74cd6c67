package watch

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sync"
	"time"
)

// DefaultDebounce is the quiet time after the last event before a check,
// used when Options.Debounce is zero.
const DefaultDebounce = 200 * time.Millisecond

// maxDelayFactor bounds how long a steady stream of events may postpone a
// check: at most maxDelayFactor times the debounce after the first event.
const maxDelayFactor = 10

// Logger receives the Watcher's log lines; clog.P (CoreDNS's plugin logger)
// satisfies it.
type Logger interface {
	Infof(format string, args ...any)
	Warningf(format string, args ...any)
}

// Options configures a Watcher.
type Options struct {
	// Dir is the store directory, watched recursively (following symlinks).
	Dir string
	// Files are extra single files (e.g. the GeoIP .mmdb), watched through
	// their parent directories.
	Files []string
	// Poll is the period of a re-check for filesystems without events; 0
	// disables polling (fsnotify only).
	Poll time.Duration
	// Debounce is the quiet time after the last event before checking
	// (default DefaultDebounce).
	Debounce time.Duration
	// OnChange is called from the watcher's goroutine (never concurrently
	// with itself) when content differs from what was last reported.
	// StoreChanged says the store's fingerprint changed; Files lists the
	// extra files that changed. OnChange must not call Stop.
	//
	// OnChange returns the Sum of the store content it really read (as
	// ReadStable returns it, whether that content was valid or not), or
	// the zero Sum if it read none (the store kept changing, or a failure
	// came first). That Sum differs from the one the Watcher checked if
	// the store changed in between; the Watcher then compares its next
	// check with it instead, and checks again soon. Without this, a store
	// that changes and changes back (A, then B while OnChange reads it,
	// then A again) would leave B in service, as the Watcher has reported A
	// already.
	OnChange func(c Change) Sum
	// Logger receives warnings (unreadable store, missing file, fsnotify
	// errors); nil discards them.
	Logger Logger
	// Baseline is the Sum of the store content the caller already loaded
	// (as ReadStable returned it), so that a change made between that load
	// and Start is not missed. The zero Sum means "unknown": the first check
	// then reports the store as changed.
	Baseline Sum
}

// Change describes what changed since the last report.
type Change struct {
	// StoreChanged says the store's fingerprint changed.
	StoreChanged bool
	// Files lists the extra files (as given in Options.Files) whose content
	// changed.
	Files []string
}

// Watcher watches a policy store directory and extra files and calls
// Options.OnChange when their content really changed. Create it with New,
// then Start and Stop it; Start may be called again after Stop.
type Watcher struct {
	dir      string
	files    []string // as given, deduplicated
	absFiles []string // absolute forms of files
	poll     time.Duration
	debounce time.Duration
	onChange func(Change) Sum
	log      Logger

	// newSource creates the event source; tests replace it.
	newSource func() (source, error)
	// afterCheck, if not nil, is called by the goroutine after each check
	// (test hook).
	afterCheck func()

	// checkReq carries Check requests (capacity 1: pending ones coalesce).
	// A non-nil channel is closed once the check is done (tests).
	checkReq chan chan struct{}

	mu      sync.Mutex // guards the fields below
	running bool
	src     source
	quit    chan struct{}
	done    chan struct{}

	// st is owned by the watcher goroutine while it runs, and by Start and
	// Stop (under mu) otherwise.
	st state
}

// state is what a Watcher remembers between checks.
type state struct {
	reported  Sum         // store Sum last reported (or the Baseline, or what OnChange read)
	storeErr  string      // last store error logged, to log it once
	files     []fileState // parallel to Watcher.files
	storeDirs map[string]fs.FileInfo
	fileDirs  map[string]fs.FileInfo
	watched   map[string]watchEntry
	addErrs   map[string]string // last error adding a watch, to log it once
}

// New validates opts and returns a Watcher that is not started yet.
func New(opts Options) (*Watcher, error) {
	if opts.Dir == "" {
		return nil, errors.New("watch: no store directory")
	}
	if opts.OnChange == nil {
		return nil, errors.New("watch: no OnChange function")
	}
	if opts.Poll < 0 {
		return nil, fmt.Errorf("watch: negative poll interval %s", opts.Poll)
	}
	if opts.Debounce < 0 {
		return nil, fmt.Errorf("watch: negative debounce %s", opts.Debounce)
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("watch: %w", err)
	}
	w := &Watcher{
		dir:       dir,
		poll:      opts.Poll,
		debounce:  opts.Debounce,
		onChange:  opts.OnChange,
		log:       opts.Logger,
		newSource: newFSSource,
		checkReq:  make(chan chan struct{}, 1),
	}
	if w.debounce == 0 {
		w.debounce = DefaultDebounce
	}
	if w.log == nil {
		w.log = nopLogger{}
	}
	seen := make(map[string]bool)
	for _, f := range opts.Files {
		abs, err := filepath.Abs(f)
		if err != nil {
			return nil, fmt.Errorf("watch: %w", err)
		}
		if seen[abs] {
			continue
		}
		seen[abs] = true
		w.files = append(w.files, f)
		w.absFiles = append(w.absFiles, abs)
	}
	w.st = state{
		reported: opts.Baseline,
		files:    make([]fileState, len(w.files)),
		watched:  make(map[string]watchEntry),
		addErrs:  make(map[string]string),
	}
	return w, nil
}

// Start creates the fsnotify watcher and the goroutine, which checks the
// store and the files at once (reporting the store if it differs from
// Options.Baseline) and then on every event, poll tick and Check. If
// fsnotify cannot be used, Start logs a warning and relies on polling.
// Start returns an error only if the Watcher is already running.
func (w *Watcher) Start() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.running {
		return errors.New("watch: already started")
	}
	src, err := w.newSource()
	if err != nil {
		src = nil
		if w.poll > 0 {
			w.log.Warningf("watch: cannot watch %s for changes, polling every %s instead: %v", w.dir, w.poll, err)
		} else {
			w.log.Warningf("watch: cannot watch %s for changes and polling is off, changes will go unnoticed: %v", w.dir, err)
		}
	}
	// A new source watches nothing yet.
	clear(w.st.watched)
	w.running = true
	w.src = src
	w.quit = make(chan struct{})
	w.done = make(chan struct{})
	go w.run(src, w.quit, w.done)
	return nil
}

// Stop stops the goroutine, waits for it to exit and closes the fsnotify
// watcher. It is idempotent, and a no-op on a Watcher that is not running.
// It must not be called from OnChange.
func (w *Watcher) Stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.running {
		return
	}
	close(w.quit)
	<-w.done
	if w.src != nil {
		if err := w.src.Close(); err != nil {
			w.log.Warningf("watch: closing the watcher of %s: %v", w.dir, err)
		}
	}
	w.running = false
	w.src = nil
}

// Check asks the watcher's goroutine for an immediate re-check of the store
// and the files, and returns without waiting for it. Requests made while a
// check is pending coalesce; one made while the Watcher is stopped runs
// after the next Start.
func (w *Watcher) Check() {
	select {
	case w.checkReq <- nil:
	default:
	}
}

// nopLogger discards everything.
type nopLogger struct{}

func (nopLogger) Infof(string, ...any)    {}
func (nopLogger) Warningf(string, ...any) {}
