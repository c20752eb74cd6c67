package health

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trafficflow/trafficflow/policyfile"
)

// breaker makes a check's target fail and recover, the way each type fails.
type breaker struct {
	ap       netip.AddrPort
	down, up func()
	wantFail string // substring of the failure reason
}

func TestFlipAfterExactlyFailureThreshold(t *testing.T) {
	const search = "ALIVE"
	tests := []struct {
		typ   policyfile.HealthCheckType
		setup func(t *testing.T) breaker
	}{
		{policyfile.HTTP, func(t *testing.T) breaker {
			b := newBackend(t, false)
			return breaker{ap: b.ap, down: func() { b.status.Store(503) }, up: func() { b.status.Store(200) }, wantFail: "status 503"}
		}},
		{policyfile.HTTPS, func(t *testing.T) breaker {
			b := newBackend(t, true)
			return breaker{ap: b.ap, down: func() { b.status.Store(503) }, up: func() { b.status.Store(200) }, wantFail: "status 503"}
		}},
		{policyfile.HTTPStrMatch, func(t *testing.T) breaker {
			b := newBackend(t, false)
			b.setBody("service " + search)
			return breaker{ap: b.ap, down: func() { b.setBody("service alive") }, up: func() { b.setBody("service " + search) }, wantFail: "search string not found"}
		}},
		{policyfile.HTTPSStrMatch, func(t *testing.T) breaker {
			b := newBackend(t, true)
			b.setBody("service " + search)
			return breaker{ap: b.ap, down: func() { b.setBody("service") }, up: func() { b.setBody(search) }, wantFail: "search string not found"}
		}},
		{policyfile.TCP, func(t *testing.T) breaker {
			b := newTCPBackend(t, nil)
			return breaker{ap: b.ap, down: b.down, up: b.up, wantFail: "connection refused"}
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.typ), func(t *testing.T) {
			br := tt.setup(t)
			e, log := newEngine(t, Options{})
			id := "web-" + strings.ToLower(string(tt.typ))
			e.Update([]*policyfile.HealthCheck{hc(id, tt.typ, br.ap, func(c *policyfile.HealthCheck) {
				c.SearchString = search
			})}, nil)
			cell := mustCell(t, e, id)
			step := func(want bool, why string) {
				t.Helper()
				if !e.probeNow(id) {
					t.Fatalf("%s is not probed", id)
				}
				if got := cell.Load(); got != want {
					t.Fatalf("%s: healthy = %v, want %v (status %+v)", why, got, want, statusOf(t, e, id))
				}
			}
			if !cell.Load() {
				t.Fatal("a new check must start healthy")
			}
			step(true, "success 1")
			// Two failures, then a success: the streak starts over.
			br.down()
			step(true, "failure 1")
			step(true, "failure 2")
			br.up()
			step(true, "success resets the streak")
			br.down()
			step(true, "failure 1 again")
			step(true, "failure 2 again")
			if s := statusOf(t, e, id); s.Pending != 2 || !strings.Contains(s.LastResult, br.wantFail) {
				t.Fatalf("status before the flip = %+v, want Pending 2 and LastResult %q", s, br.wantFail)
			}
			step(false, "failure 3 flips")
			s := statusOf(t, e, id)
			if !strings.Contains(s.Reason, br.wantFail) {
				t.Errorf("Reason = %q, want it to contain %q", s.Reason, br.wantFail)
			}
			if n := log.count(`health check "`+id+`" is now unhealthy: `, br.wantFail); n != 1 {
				t.Errorf("want 1 unhealthy transition line with %q, got %d:\n%s", br.wantFail, n, log)
			}
			step(false, "failure 4")
			br.up()
			step(false, "success 1")
			step(false, "success 2")
			step(true, "success 3 flips back")
			if n := log.count(`health check "` + id + `" is now healthy: `); n != 1 {
				t.Errorf("want 1 healthy transition line, got %d:\n%s", n, log)
			}
		})
	}
}

func TestFailureThresholdOne(t *testing.T) {
	b := newBackend(t, false)
	e, _ := newEngine(t, Options{})
	e.Update([]*policyfile.HealthCheck{hc("one", policyfile.HTTP, b.ap, func(c *policyfile.HealthCheck) { c.FailureThreshold = 1 })}, nil)
	cell := mustCell(t, e, "one")
	b.status.Store(500)
	e.probeNow("one")
	if cell.Load() {
		t.Fatal("FailureThreshold 1: one failure must flip")
	}
	b.status.Store(200)
	e.probeNow("one")
	if !cell.Load() {
		t.Fatal("FailureThreshold 1: one success must flip back")
	}
}

func TestHTTPConnectionRefused(t *testing.T) {
	b := newTCPBackend(t, newBackend(t, false).srv.Config.Handler)
	e, log := newEngine(t, Options{})
	e.Update([]*policyfile.HealthCheck{hc("refused", policyfile.HTTP, b.ap, func(c *policyfile.HealthCheck) { c.FailureThreshold = 2 })}, nil)
	cell := mustCell(t, e, "refused")
	b.down()
	e.probeNow("refused")
	if !cell.Load() {
		t.Fatal("flipped after 1 of 2 failures")
	}
	e.probeNow("refused")
	if cell.Load() {
		t.Fatal("not unhealthy after 2 failures")
	}
	want := "dial tcp " + b.ap.String() + ": connect: connection refused"
	if n := log.count(`health check "refused" is now unhealthy: ` + want); n != 1 {
		t.Errorf("want the log line with %q:\n%s", want, log)
	}
	b.up()
	e.probeNow("refused")
	e.probeNow("refused")
	if !cell.Load() {
		t.Fatal("not healthy again after 2 successes")
	}
}

func TestHTTPStatus(t *testing.T) {
	b := newBackend(t, false)
	e, _ := newEngine(t, Options{})
	for _, tt := range []struct {
		status int
		ok     bool
	}{
		{200, true}, {204, true}, {301, true}, {302, true}, {304, true}, {399, true},
		{400, false}, {404, false}, {500, false}, {503, false}, {599, false},
	} {
		b.status.Store(int32(tt.status))
		ok, reason := e.probeConfig(context.Background(), hc("s", policyfile.HTTP, b.ap))
		if ok != tt.ok {
			t.Errorf("status %d: ok = %v (%q), want %v", tt.status, ok, reason, tt.ok)
		}
		if want := "status " + strconv.Itoa(tt.status); reason != want {
			t.Errorf("status %d: reason %q, want %q", tt.status, reason, want)
		}
	}
	// An informational response (1xx) is skipped: the final status counts.
	b.status.Store(103)
	if ok, reason := e.probeConfig(context.Background(), hc("s", policyfile.HTTP, b.ap)); !ok || reason != "status 200" {
		t.Errorf("103 then 200: got (%v, %q), want (true, \"status 200\")", ok, reason)
	}
	if n := b.redirectHits.Load(); n != 0 {
		t.Errorf("redirects must not be followed: the Location was fetched %d times", n)
	}
}

func TestSearchString(t *testing.T) {
	const s = "NEEDLE"
	pad := func(n int) string { return strings.Repeat("x", n) }
	tests := []struct {
		name     string
		body     string
		encoding string
		status   int
		ok       bool
		reason   string
	}{
		{"at start", s + pad(9000), "", 200, true, "status 200, search string found"},
		{"ends at byte 5120", pad(5120-len(s)) + s + pad(100), "", 200, true, "search string found"},
		{"straddles byte 5120", pad(5120-len(s)+1) + s, "", 200, false, "search string not found"},
		{"beyond byte 5120", pad(6000) + s, "", 200, false, "search string not found"},
		{"case-sensitive", strings.ToLower(s), "", 200, false, "search string not found"},
		{"empty body", "", "", 200, false, "search string not found"},
		{"redirect with string", s, "", 302, true, "status 302, search string found"},
		{"503 with string", s, "", 503, false, "status 503"},
		{"gzip within 5120", pad(5000) + s, "gzip", 200, true, "search string found"},
		{"gzip beyond 5120 decompressed", pad(5200) + s, "gzip", 200, false, "search string not found"},
		{"deflate", pad(100) + s, "deflate", 200, true, "search string found"},
	}
	for _, useTLS := range []bool{false, true} {
		b := newBackend(t, useTLS)
		typ := policyfile.HTTPStrMatch
		if useTLS {
			typ = policyfile.HTTPSStrMatch
		}
		e, _ := newEngine(t, Options{})
		for _, tt := range tests {
			t.Run(string(typ)+"/"+tt.name, func(t *testing.T) {
				b.setBody(tt.body)
				b.setEncoding(tt.encoding)
				b.status.Store(int32(tt.status))
				ok, reason := e.probeConfig(context.Background(), hc("m", typ, b.ap, func(c *policyfile.HealthCheck) { c.SearchString = s }))
				if ok != tt.ok || !strings.Contains(reason, tt.reason) {
					t.Errorf("got (%v, %q), want (%v, %q)", ok, reason, tt.ok, tt.reason)
				}
			})
		}
	}
}

// TestTimeoutsBoundedByInterval: against a server that never answers (its
// handler blocks until the end of the test), a probe ends because its time
// is up, and the phase that timed out had the rest of the interval, not its
// own 2 s.
func TestTimeoutsBoundedByInterval(t *testing.T) {
	const iv = 400 * time.Millisecond
	b := newBackend(t, false)
	e, _ := newEngine(t, Options{})
	for _, tt := range []struct {
		name    string
		typ     policyfile.HealthCheckType
		hang    int32
		pattern string // the timeout reason; (.+) is the phase's limit
	}{
		{"no status", policyfile.HTTP, 1, `^no status within (.+) after connecting$`},
		{"no body", policyfile.HTTPStrMatch, 2, `^body not received within (.+) after the status$`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b.hang.Store(tt.hang)
			defer b.hang.Store(0)
			hits := b.hits.Load()
			cfg := hc("slow", tt.typ, b.ap, func(c *policyfile.HealthCheck) {
				c.RequestInterval = iv
				c.SearchString = "ok"
			})
			ok, reason := e.probeConfig(context.Background(), cfg)
			m := regexp.MustCompile(tt.pattern).FindStringSubmatch(reason)
			if ok || m == nil {
				t.Fatalf("got (%v, %q), want a failure matching %q", ok, reason, tt.pattern)
			}
			if limit, err := time.ParseDuration(m[1]); err != nil || limit <= 0 || limit > iv {
				t.Errorf("the phase had %s (%v), want at most the %s interval", m[1], err, iv)
			}
			if b.hits.Load() != hits+1 {
				t.Errorf("the request did not reach the server")
			}
		})
	}
}

// TestProbeCancelled: a probe blocked on a server that does not answer ends
// when its context is cancelled (by Update or Stop), not when its time is up.
func TestProbeCancelled(t *testing.T) {
	for _, tt := range []struct {
		name   string
		typ    policyfile.HealthCheckType
		useTLS bool
		hang   int32
	}{
		{"waiting for the status", policyfile.HTTP, false, 1},
		{"waiting for the status over TLS", policyfile.HTTPS, true, 1},
		{"waiting for the body", policyfile.HTTPStrMatch, false, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := newBackend(t, tt.useTLS)
			b.hang.Store(tt.hang)
			e, _ := newEngine(t, Options{})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			result := make(chan string, 1)
			go func() {
				_, reason := e.probeConfig(ctx, hc("hung", tt.typ, b.ap, func(c *policyfile.HealthCheck) { c.SearchString = "ok" }))
				result <- reason
			}()
			waitFor(t, "the request to reach the server", 5*time.Second, func() bool { return b.active.Load() == 1 })
			cancel()
			reason := <-result
			if strings.Contains(reason, "within") || !strings.Contains(reason, "use of closed network connection") {
				t.Errorf("reason %q: want the probe ended by the cancellation, not by a timeout", reason)
			}
		})
	}
}

// TestResourcePath: the request is built once per check, and a
// ResourcePath that is not a request path fails every probe without
// contacting the endpoint.
func TestResourcePath(t *testing.T) {
	b := newBackend(t, false)
	e, _ := newEngine(t, Options{})
	good := hc("good", policyfile.HTTP, b.ap, func(c *policyfile.HealthCheck) { c.ResourcePath = "/health?deep=1" })
	var checks []*policyfile.HealthCheck
	bad := []string{"health", "/%zz", "*", "http://example.com/"}
	for i, path := range bad {
		checks = append(checks, hc("bad"+strconv.Itoa(i), policyfile.HTTP, b.ap, func(c *policyfile.HealthCheck) {
			c.ResourcePath = path
			c.FailureThreshold = 1
		}))
	}
	e.Update(append(checks, good), nil)

	_, c := e.doneOf("good")
	if c.req == nil || c.req.URL.RequestURI() != "/health?deep=1" || c.req.Host != hostHeader(good) {
		t.Fatalf("the check's request was not built with it: %+v", c.req)
	}
	req := c.req
	for range 2 {
		e.probeNow("good")
		if _, uri, _, _ := b.last(); uri != "/health?deep=1" {
			t.Errorf("URI %q, want /health?deep=1", uri)
		}
	}
	if c.req != req {
		t.Error("a probe replaced the check's request")
	}

	hits := b.hits.Load()
	for i, path := range bad {
		id := "bad" + strconv.Itoa(i)
		e.probeNow(id)
		s := statusOf(t, e, id)
		if want := fmt.Sprintf("invalid ResourcePath %q", path); s.Healthy || !strings.HasPrefix(s.LastResult, want) {
			t.Errorf("ResourcePath %q: healthy %v, LastResult %q; want unhealthy, %q", path, s.Healthy, s.LastResult, want)
		}
	}
	if b.hits.Load() != hits {
		t.Error("a check with an invalid ResourcePath contacted its endpoint")
	}
}

func TestHostHeaderAndSNI(t *testing.T) {
	plain := newBackend(t, false)
	secure := newBackend(t, true)
	port := strconv.Itoa(int(plain.ap.Port()))
	sport := strconv.Itoa(int(secure.ap.Port()))
	e, _ := newEngine(t, Options{})
	tests := []struct {
		name     string
		b        *backend
		typ      policyfile.HealthCheckType
		fqdn     string
		sni      bool
		path     string
		wantHost string
		wantURI  string
		wantSNI  string
	}{
		{"HTTP IP only", plain, policyfile.HTTP, "", false, "/", "127.0.0.1:" + port, "/", ""},
		{"HTTP FQDN", plain, policyfile.HTTP, "www.example.com", false, "/health?deep=1", "www.example.com:" + port, "/health?deep=1", ""},
		{"HTTPS FQDN with SNI", secure, policyfile.HTTPS, "www.example.com", true, "/status", "www.example.com:" + sport, "/status", "www.example.com"},
		{"HTTPS FQDN without SNI", secure, policyfile.HTTPS, "www.example.com", false, "/", "www.example.com:" + sport, "/", ""},
		{"HTTPS SNI without FQDN", secure, policyfile.HTTPS, "", true, "/", "127.0.0.1:" + sport, "/", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := hc("h", tt.typ, tt.b.ap, func(c *policyfile.HealthCheck) {
				c.FullyQualifiedDomainName = tt.fqdn
				c.EnableSNI = tt.sni
				c.ResourcePath = tt.path
			})
			if ok, reason := e.probeConfig(context.Background(), cfg); !ok {
				t.Fatalf("probe failed: %s", reason)
			}
			host, uri, ua, sni := tt.b.last()
			if host != tt.wantHost || uri != tt.wantURI || sni != tt.wantSNI {
				t.Errorf("Host %q, URI %q, SNI %q; want %q, %q, %q", host, uri, sni, tt.wantHost, tt.wantURI, tt.wantSNI)
			}
			if ua != userAgent {
				t.Errorf("User-Agent %q, want %q", ua, userAgent)
			}
		})
	}
}

func TestHostHeaderRules(t *testing.T) {
	v4 := netip.MustParseAddr("192.0.2.10")
	v6 := netip.MustParseAddr("2001:db8::1")
	for _, tt := range []struct {
		typ  policyfile.HealthCheckType
		ip   netip.Addr
		fqdn string
		port int
		want string
	}{
		{policyfile.HTTP, v4, "www.example.com", 80, "www.example.com"},
		{policyfile.HTTPStrMatch, v4, "www.example.com", 80, "www.example.com"},
		{policyfile.HTTPS, v4, "www.example.com", 443, "www.example.com"},
		{policyfile.HTTPSStrMatch, v4, "www.example.com", 443, "www.example.com"},
		{policyfile.HTTP, v4, "www.example.com", 443, "www.example.com:443"},
		{policyfile.HTTPS, v4, "www.example.com", 80, "www.example.com:80"},
		{policyfile.HTTP, v4, "www.example.com", 8080, "www.example.com:8080"},
		{policyfile.HTTP, netip.Addr{}, "www.example.com", 80, "www.example.com"},
		{policyfile.HTTP, v4, "", 80, "192.0.2.10"},
		{policyfile.HTTP, v4, "", 8080, "192.0.2.10:8080"},
		{policyfile.HTTPS, v6, "", 443, "[2001:db8::1]"},
		{policyfile.HTTPS, v6, "", 8443, "[2001:db8::1]:8443"},
	} {
		cfg := &policyfile.HealthCheck{Type: tt.typ, IPAddress: tt.ip, FullyQualifiedDomainName: tt.fqdn, Port: tt.port}
		if got := hostHeader(cfg); got != tt.want {
			t.Errorf("%s %v %q port %d: Host %q, want %q", tt.typ, tt.ip, tt.fqdn, tt.port, got, tt.want)
		}
	}
}

func TestFQDNResolution(t *testing.T) {
	b := newBackend(t, false)
	var (
		lookups atomic.Int32
		answer  atomic.Pointer[[]netip.Addr]
		fail    atomic.Bool
	)
	loopback := []netip.Addr{netip.MustParseAddr("::1"), netip.MustParseAddr("127.0.0.1")}
	answer.Store(&loopback)
	lookup := func(ctx context.Context, host string) ([]netip.Addr, error) {
		lookups.Add(1)
		if host != "svc.example.test" {
			t.Errorf("resolved %q, want svc.example.test", host)
		}
		if fail.Load() {
			return nil, errors.New("lookup svc.example.test: no such host")
		}
		return *answer.Load(), nil
	}
	e, log := newEngine(t, Options{LookupIPv4: lookup})
	e.Update([]*policyfile.HealthCheck{hc("fqdn", policyfile.HTTP, netip.AddrPort{}, func(c *policyfile.HealthCheck) {
		c.FullyQualifiedDomainName = "svc.example.test"
		c.Port = int(b.ap.Port())
		c.FailureThreshold = 2
	})}, nil)
	cell := mustCell(t, e, "fqdn")

	e.probeNow("fqdn")
	if host, _, _, _ := b.last(); host != "svc.example.test:"+strconv.Itoa(int(b.ap.Port())) {
		t.Errorf("Host %q, want the FQDN with the port", host)
	}
	if b.hits.Load() != 1 || !cell.Load() {
		t.Fatalf("probe via the resolved address: hits %d, healthy %v", b.hits.Load(), cell.Load())
	}

	fail.Store(true)
	e.probeNow("fqdn")
	e.probeNow("fqdn")
	if cell.Load() {
		t.Fatal("failed resolution must count as a failure")
	}
	if n := log.count(`"fqdn" is now unhealthy: DNS resolution failed`); n != 1 {
		t.Errorf("want a DNS resolution failed transition:\n%s", log)
	}

	// No IPv4 address is a failed resolution too.
	fail.Store(false)
	v6only := []netip.Addr{netip.MustParseAddr("::1")}
	answer.Store(&v6only)
	e.probeNow("fqdn")
	if s := statusOf(t, e, "fqdn"); !strings.HasPrefix(s.LastResult, "DNS resolution failed") {
		t.Errorf("LastResult = %q, want DNS resolution failed", s.LastResult)
	}

	answer.Store(&loopback)
	e.probeNow("fqdn")
	e.probeNow("fqdn")
	if !cell.Load() {
		t.Fatal("not healthy again after the name resolves")
	}
	if got := lookups.Load(); got != 6 {
		t.Errorf("resolved %d times, want once per probe (6)", got)
	}
}
