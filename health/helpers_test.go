package health

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trafficflow/trafficflow/policyfile"
)

// probeNow runs one probe of check id now, as the scheduler would, and
// counts its result. It reports false if id is not a probed check.
func (e *Engine) probeNow(id string) bool {
	e.mu.Lock()
	c := e.checks[id]
	e.mu.Unlock()
	if c == nil || !probed(c.cfg) {
		return false
	}
	e.probeOnce(c)
	return true
}

// startQuiet is Start without the probers: the engine publishes its
// metrics as a started one does, and the test runs every probe itself
// (probeNow).
func (e *Engine) startQuiet() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.started = true
	for _, c := range e.checks {
		e.report(c, false)
	}
}

// probeConfig runs one probe of cfg, as the probes of a check with that
// configuration run, without counting its result.
func (e *Engine) probeConfig(ctx context.Context, cfg *policyfile.HealthCheck) (bool, string) {
	c := newCheck(cfg, policyfile.NotForced)
	c.ctx, c.cancel = context.WithCancel(e.base)
	defer c.cancel()
	return e.probe(ctx, c)
}

// doneOf returns the channel closed when check id's prober exits (nil if it
// has none) and the check itself.
func (e *Engine) doneOf(id string) (chan struct{}, *check) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.checks[id]
	if c == nil {
		return nil, nil
	}
	return c.done, c
}

// testLogger records log lines.
type testLogger struct {
	mu    sync.Mutex
	lines []string
}

func (l *testLogger) Infof(format string, args ...any) { l.add("INFO " + fmt.Sprintf(format, args...)) }
func (l *testLogger) Warningf(format string, args ...any) {
	l.add("WARNING " + fmt.Sprintf(format, args...))
}

func (l *testLogger) add(s string) {
	l.mu.Lock()
	l.lines = append(l.lines, s)
	l.mu.Unlock()
}

// count returns how many lines contain all of the substrings.
func (l *testLogger) count(subs ...string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
next:
	for _, line := range l.lines {
		for _, s := range subs {
			if !strings.Contains(line, s) {
				continue next
			}
		}
		n++
	}
	return n
}

func (l *testLogger) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// newEngine returns an engine with a test logger and no jitter, stopped at
// the end of the test.
func newEngine(t *testing.T, opts Options) (*Engine, *testLogger) {
	t.Helper()
	log := &testLogger{}
	if opts.Logger == nil {
		opts.Logger = log
	}
	if opts.random == nil {
		opts.random = func() float64 { return 0 }
	}
	e := New(opts)
	t.Cleanup(e.Stop)
	return e, log
}

// backend is an HTTP(S) server on 127.0.0.1 whose behaviour tests change.
type backend struct {
	srv *httptest.Server
	ap  netip.AddrPort

	status  atomic.Int32           // status to answer (0 = 200)
	body    atomic.Pointer[string] // body to send
	encode  atomic.Pointer[string] // "", "gzip" or "deflate"
	hang    atomic.Int32           // 1: no status; 2: status, then no body
	release chan struct{}          // closed by free to release hung handlers
	freeing sync.Once

	hits          atomic.Int32
	redirectHits  atomic.Int32
	active, peak  atomic.Int32 // requests in the handler now / at most
	mu            sync.Mutex
	hosts, uris   []string
	userAgents    []string
	serverNames   []string // SNI of each TLS handshake
	handshakeSeen atomic.Int32
}

func newBackend(t *testing.T, useTLS bool) *backend {
	t.Helper()
	b := &backend{release: make(chan struct{})}
	ok := "ok"
	b.body.Store(&ok)
	none := ""
	b.encode.Store(&none)
	b.srv = httptest.NewUnstartedServer(http.HandlerFunc(b.serve))
	if useTLS {
		b.srv.TLS = &tls.Config{GetConfigForClient: func(h *tls.ClientHelloInfo) (*tls.Config, error) {
			b.mu.Lock()
			b.serverNames = append(b.serverNames, h.ServerName)
			b.mu.Unlock()
			b.handshakeSeen.Add(1)
			return nil, nil
		}}
		b.srv.StartTLS() // httptest's self-signed certificate
	} else {
		b.srv.Start()
	}
	b.ap = netip.MustParseAddrPort(b.srv.Listener.Addr().String())
	t.Cleanup(func() {
		b.free()
		b.srv.Close()
	})
	return b
}

// free releases hung handlers, for good.
func (b *backend) free() { b.freeing.Do(func() { close(b.release) }) }

func (b *backend) setBody(s string) { b.body.Store(&s) }
func (b *backend) setEncoding(s string) {
	b.encode.Store(&s)
}

func (b *backend) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/redirected" {
		b.redirectHits.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	b.hits.Add(1)
	n := b.active.Add(1)
	defer b.active.Add(-1)
	for {
		p := b.peak.Load()
		if n <= p || b.peak.CompareAndSwap(p, n) {
			break
		}
	}
	b.mu.Lock()
	b.hosts = append(b.hosts, r.Host)
	b.uris = append(b.uris, r.RequestURI)
	b.userAgents = append(b.userAgents, r.UserAgent())
	b.mu.Unlock()

	if b.hang.Load() == 1 {
		select {
		case <-b.release:
		case <-r.Context().Done():
		}
		return
	}
	status := int(b.status.Load())
	if status == 0 {
		status = http.StatusOK
	}
	body := []byte(*b.body.Load())
	switch enc := *b.encode.Load(); enc {
	case "gzip":
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(body)
		zw.Close()
		body = buf.Bytes()
		w.Header().Set("Content-Encoding", "gzip")
	case "deflate":
		var buf bytes.Buffer
		zw := zlib.NewWriter(&buf)
		zw.Write(body)
		zw.Close()
		body = buf.Bytes()
		w.Header().Set("Content-Encoding", "deflate")
	}
	if status >= 300 && status < 400 {
		w.Header().Set("Location", "/redirected")
	}
	if b.hang.Load() == 2 {
		w.WriteHeader(status)
		w.(http.Flusher).Flush()
		select {
		case <-b.release:
		case <-r.Context().Done():
		}
		return
	}
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

func (b *backend) last() (host, uri, ua, sni string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n := len(b.hosts); n > 0 {
		host, uri, ua = b.hosts[n-1], b.uris[n-1], b.userAgents[n-1]
	}
	if n := len(b.serverNames); n > 0 {
		sni = b.serverNames[n-1]
	}
	return
}

// tcpBackend is a TCP listener on 127.0.0.1 that can be closed (connection
// refused) and reopened on the same port.
type tcpBackend struct {
	t       *testing.T
	ap      netip.AddrPort
	ln      net.Listener
	done    chan struct{}
	handler http.Handler // nil: accept and close
	srv     *http.Server
}

func newTCPBackend(t *testing.T, handler http.Handler) *tcpBackend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &tcpBackend{t: t, handler: handler, ap: netip.MustParseAddrPort(ln.Addr().String())}
	b.serve(ln)
	t.Cleanup(b.down)
	return b
}

func (b *tcpBackend) serve(ln net.Listener) {
	b.ln = ln
	b.done = make(chan struct{})
	done := b.done
	if b.handler != nil {
		b.srv = &http.Server{Handler: b.handler}
		go func() {
			defer close(done)
			b.srv.Serve(ln)
		}()
		return
	}
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
}

// down closes the listener: connections are refused until up.
func (b *tcpBackend) down() {
	if b.ln == nil {
		return
	}
	if b.srv != nil {
		b.srv.Close()
	} else {
		b.ln.Close()
	}
	<-b.done
	b.ln = nil
}

// up listens on the same port again.
func (b *tcpBackend) up() {
	b.t.Helper()
	var err error
	for range 50 {
		var ln net.Listener
		if ln, err = net.Listen("tcp", b.ap.String()); err == nil {
			b.serve(ln)
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	b.t.Fatalf("relisten on %s: %v", b.ap, err)
}

// hc builds a health check against ap with Route 53's defaults, except a
// FailureThreshold of 3 and an interval long enough that nothing times out
// by accident.
func hc(id string, typ policyfile.HealthCheckType, ap netip.AddrPort, mods ...func(*policyfile.HealthCheck)) *policyfile.HealthCheck {
	c := &policyfile.HealthCheck{
		ID:               id,
		Type:             typ,
		RequestInterval:  30 * time.Second,
		FailureThreshold: 3,
	}
	if ap.IsValid() {
		c.IPAddress = ap.Addr()
		c.Port = int(ap.Port())
	}
	switch typ {
	case policyfile.HTTP, policyfile.HTTPS, policyfile.HTTPStrMatch, policyfile.HTTPSStrMatch:
		c.ResourcePath = "/"
	}
	for _, m := range mods {
		m(c)
	}
	return c
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// mustCell returns the cell of id, failing the test if there is none.
func mustCell(t *testing.T, e *Engine, id string) *atomic.Bool {
	t.Helper()
	c := e.Cell(id)
	if c == nil {
		t.Fatalf("no cell for %q", id)
	}
	return c
}

func statusOf(t *testing.T, e *Engine, id string) CheckStatus {
	t.Helper()
	for _, s := range e.Status() {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("no status for %q", id)
	return CheckStatus{}
}
