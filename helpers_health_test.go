package trafficflow

import (
	"fmt"
	"io"
	stdlog "log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/trafficflow/trafficflow/health"
)

// Helpers of the end-to-end health tests (e2e_health_test.go): health-check
// targets on 127.0.0.1 that a test stops and restarts, and polling of the
// plugin's answers with deadlines.

const (
	// e2eDeadline is how long a test waits for an expected change before it
	// fails: generous, for a loaded machine. The time bounds the plugin
	// promises (such as a failover's) are asserted separately.
	e2eDeadline = 15 * time.Second
	// e2ePoll is the pause between two polls.
	e2ePoll = 5 * time.Millisecond
)

// e2eBackend is a health-check target on 127.0.0.1 that a test stops and
// restarts on the same port. Kinds: "HTTP" (200 "ok" to every request),
// "TCP" (accepts and closes connections) and "HANG" (accepts connections and
// never answers, so HTTP probes stay in flight).
type e2eBackend struct {
	t    testing.TB
	kind string

	mu    sync.Mutex
	addr  string
	port  int
	ln    net.Listener
	srv   *http.Server
	serve chan struct{}     // closed when the serving goroutine exits
	conns map[net.Conn]bool // HANG: open connections
	// accepted is when the HANG backend last accepted a connection.
	accepted time.Time
	wg       sync.WaitGroup // HANG: connection goroutines
}

// newE2EBackend starts a backend on a free port and stops it at cleanup.
func newE2EBackend(t testing.TB, kind string) *e2eBackend {
	t.Helper()
	b := &e2eBackend{t: t, kind: kind, addr: "127.0.0.1:0", conns: map[net.Conn]bool{}}
	b.start()
	t.Cleanup(b.stop)
	return b
}

// start (re)starts the backend on its port. It does nothing when running.
func (b *e2eBackend) start() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ln != nil {
		return
	}
	// The port was just released; retry briefly in case the kernel is slow
	// to let it go.
	var ln net.Listener
	for deadline := time.Now().Add(5 * time.Second); ; {
		l, err := net.Listen("tcp", b.addr)
		if err == nil {
			ln = l
			break
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("restarting the %s backend on %s: %v", b.kind, b.addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.ln, b.addr, b.port = ln, ln.Addr().String(), ln.Addr().(*net.TCPAddr).Port
	b.serve = make(chan struct{})
	switch b.kind {
	case "HTTP":
		b.srv = &http.Server{
			Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				io.WriteString(w, "ok")
			}),
			ErrorLog: stdlog.New(io.Discard, "", 0),
		}
		go func(srv *http.Server, done chan struct{}) {
			defer close(done)
			srv.Serve(ln)
		}(b.srv, b.serve)
	default:
		go b.accept(ln, b.serve)
	}
}

func (b *e2eBackend) accept(ln net.Listener, done chan struct{}) {
	defer close(done)
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		if b.kind == "TCP" {
			c.Close()
			continue
		}
		b.mu.Lock()
		b.conns[c] = true
		b.accepted = time.Now()
		b.mu.Unlock()
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			io.Copy(io.Discard, c) // until the prober or stop closes it
			c.Close()
			b.mu.Lock()
			delete(b.conns, c)
			b.mu.Unlock()
		}()
	}
}

// stop stops the backend and waits for its goroutines: connections to its
// port are refused until start. It does nothing when stopped.
func (b *e2eBackend) stop() {
	b.mu.Lock()
	ln, srv, serve := b.ln, b.srv, b.serve
	b.ln, b.srv = nil, nil
	b.mu.Unlock()
	if ln == nil {
		return
	}
	if srv != nil {
		srv.Close() // closes the listener and every connection
	} else {
		ln.Close()
	}
	<-serve
	b.mu.Lock()
	for c := range b.conns {
		c.Close()
	}
	b.mu.Unlock()
	b.wg.Wait()
}

// open is the number of connections a HANG backend holds open, and when it
// accepted the last one.
func (b *e2eBackend) open() (int, time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.conns), b.accepted
}

// e2eCheck is one health check of healthchecks.json probing b, every
// interval seconds, flipping after threshold results. typ "" is b's kind
// (HTTP for HANG); HTTP_STR_MATCH searches for the backend's "ok".
func e2eCheck(id, typ string, b *e2eBackend, interval, threshold int) string {
	if typ == "" {
		typ = b.kind
		if typ == "HANG" {
			typ = "HTTP"
		}
	}
	extra := ""
	if typ == "HTTP_STR_MATCH" {
		extra = `,"SearchString":"ok"`
	}
	return fmt.Sprintf(`{"Id":%q,"HealthCheckConfig":{"Type":%q,"IPAddress":"127.0.0.1","Port":%d,"RequestInterval":%d,"FailureThreshold":%d%s}}`,
		id, typ, b.port, interval, threshold, extra)
}

// e2eHealthChecks is a healthchecks.json holding checks.
func e2eHealthChecks(checks ...string) string {
	return `{"HealthChecks":[` + strings.Join(checks, ",\n") + `]}`
}

// e2eAnswer asks the plugin for the A records of name (from the subnet ecs
// when not empty) and returns the answer's addresses, sorted and joined
// with ",". It is safe to call from any goroutine.
func e2eAnswer(tf *TrafficFlow, name, ecs string) (string, error) {
	rc, v, err := answerOf(tf, name, ecs)
	switch {
	case err != nil:
		return "", err
	case rc != dns.RcodeSuccess:
		return "", fmt.Errorf("%s: rcode %s", name, dns.RcodeToString[rc])
	}
	slices.Sort(v)
	return strings.Join(v, ","), nil
}

// e2eMustAnswer is e2eAnswer failing the test on an error.
func e2eMustAnswer(t testing.TB, tf *TrafficFlow, name, ecs string) string {
	t.Helper()
	got, err := e2eAnswer(tf, name, ecs)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// e2eAwait polls name until the answer is want and returns the time from
// since until that answer was seen. Until then every answer must be from;
// the test fails on any other answer, or after limit.
func e2eAwait(t testing.TB, tf *TrafficFlow, name, ecs, from, want string, since time.Time, limit time.Duration) time.Duration {
	t.Helper()
	for {
		got := e2eMustAnswer(t, tf, name, ecs)
		took := time.Since(since)
		switch {
		case got == want:
			return took
		case got != from:
			t.Fatalf("%s (ecs %q): answer %q after %s, while changing from %q to %q", name, ecs, got, took, from, want)
		case took > limit:
			t.Fatalf("%s (ecs %q): answer still %q after %s, want %q", name, ecs, got, took, want)
		}
		time.Sleep(e2ePoll)
	}
}

// e2eStatus returns the engine's status of check id.
func e2eStatus(t testing.TB, tf *TrafficFlow, id string) health.CheckStatus {
	t.Helper()
	for _, s := range tf.health.Status() {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("no health check %q in the engine", id)
	return health.CheckStatus{}
}

// e2eStart sets the plugin up with o, starts it for real (as
// pluginOpts.watch says) and waits until every check in probed has been
// probed once.
func e2eStart(t testing.TB, o pluginOpts, probed ...string) *TrafficFlow {
	t.Helper()
	begin := time.Now()
	o.watch = true
	tf := newPlugin(t, o)
	e2eAwaitProbed(t, tf, begin, probed...)
	return tf
}

// e2eAwaitProbed waits until every check in ids has been probed at least
// once after since.
func e2eAwaitProbed(t testing.TB, tf *TrafficFlow, since time.Time, ids ...string) {
	t.Helper()
	for _, id := range ids {
		pollUntil(t, e2eDeadline, func() (bool, string) {
			return e2eStatus(t, tf, id).LastProbe.After(since), "no probe of " + id + " since " + since.Format(time.StampMilli)
		})
	}
}

// e2eRemove removes the store file rel.
func e2eRemove(t testing.TB, tf *TrafficFlow, rel string) {
	t.Helper()
	if err := os.Remove(filepath.Join(tf.cfg.dir, filepath.FromSlash(rel))); err != nil {
		t.Fatal(err)
	}
}

// e2eGoroutines returns the number of goroutines, the stacks of those
// running the plugin's background work (health probers, the store watcher,
// fsnotify) and the dump of all stacks.
func e2eGoroutines() (int, []string, string) {
	all := stacks()
	plugin := stacksWith(all, "github.com/trafficflow/trafficflow/health.",
		"github.com/trafficflow/trafficflow/watch.", "github.com/fsnotify/fsnotify.")
	return runtime.NumGoroutine(), plugin, all
}
