package health

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/trafficflow/trafficflow/policyfile"
)

// Route 53's time limits for one probe.
const (
	connectTimeout = 4 * time.Second  // HTTP(S): TCP connection established
	statusTimeout  = 2 * time.Second  // HTTP(S): status received, after connecting
	bodyTimeout    = 2 * time.Second  // *_STR_MATCH: body received, after the status
	tcpTimeout     = 10 * time.Second // TCP: connection established
	// searchLimit is how much of the body *_STR_MATCH searches.
	searchLimit = 5120
	userAgent   = "trafficflow-health-check"
)

// probe runs one probe of c and reports whether it passed and why. No probe
// outlasts the check's interval, so probes never pile up.
func (e *Engine) probe(ctx context.Context, c *check) (bool, string) {
	cfg := c.cfg
	budget := connectTimeout + statusTimeout
	switch {
	case !cfg.Type.UsesHTTP():
		budget = tcpTimeout
	case cfg.Type.MatchesString():
		budget += bodyTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, min(budget, cfg.RequestInterval))
	defer cancel()

	addr, reason := e.target(ctx, cfg)
	if !addr.IsValid() {
		return false, reason
	}
	if cfg.Type == policyfile.TCP {
		conn, reason := dial(ctx, addr, tcpTimeout)
		if conn == nil {
			return false, reason
		}
		conn.Close()
		return true, "connected"
	}
	return probeHTTP(ctx, c, addr)
}

// target is the address to probe: IPAddress, or else the first IPv4 address
// of FullyQualifiedDomainName, resolved anew for every probe.
func (e *Engine) target(ctx context.Context, cfg *policyfile.HealthCheck) (netip.AddrPort, string) {
	port := uint16(cfg.Port)
	if cfg.IPAddress.IsValid() {
		return netip.AddrPortFrom(cfg.IPAddress.Unmap(), port), ""
	}
	name := strings.TrimSuffix(cfg.FullyQualifiedDomainName, ".")
	if name == "" {
		return netip.AddrPort{}, "no IPAddress and no FullyQualifiedDomainName to resolve"
	}
	addrs, err := e.lookup(ctx, name)
	if err != nil {
		return netip.AddrPort{}, "DNS resolution failed: " + err.Error()
	}
	for _, a := range addrs {
		if a = a.Unmap(); a.Is4() {
			return netip.AddrPortFrom(a, port), ""
		}
	}
	return netip.AddrPort{}, fmt.Sprintf("DNS resolution failed: no A record for %s", name)
}

// hostHeader is the Host header Route 53 sends: FullyQualifiedDomainName, or
// the IP address without one; bare on port 80 (HTTP) or 443 (HTTPS), with
// ":port" on any other port.
func hostHeader(cfg *policyfile.HealthCheck) string {
	name := cfg.FullyQualifiedDomainName
	if name == "" {
		if !cfg.IPAddress.IsValid() {
			return ""
		}
		name = cfg.IPAddress.Unmap().String()
	}
	port := cfg.Port
	if (port == 80 && !cfg.Type.UsesTLS()) || (port == 443 && cfg.Type.UsesTLS()) {
		if strings.Contains(name, ":") {
			return "[" + name + "]"
		}
		return name
	}
	return net.JoinHostPort(name, strconv.Itoa(port))
}

// dial connects to addr within limit (and ctx's deadline). On failure it
// returns a nil conn and the reason.
func dial(ctx context.Context, addr netip.AddrPort, limit time.Duration) (net.Conn, string) {
	start := time.Now()
	deadline := deadlineAfter(ctx, start, limit)
	d := net.Dialer{Deadline: deadline}
	conn, err := d.DialContext(ctx, "tcp", addr.String())
	if err != nil {
		if isTimeout(err) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Sprintf("dial tcp %s: no connection within %s", addr, since(start, deadline))
		}
		return nil, err.Error()
	}
	return conn, ""
}

// probeHTTP runs an HTTP(S) probe of c against addr.
func probeHTTP(ctx context.Context, c *check, addr netip.AddrPort) (bool, string) {
	cfg, req := c.cfg, c.req
	if req == nil {
		return false, c.reqErr
	}
	conn, reason := dial(ctx, addr, connectTimeout)
	if conn == nil {
		return false, reason
	}
	defer conn.Close()
	// Cancelling ctx (Update, Stop) aborts any blocked read or write.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	connected := time.Now()
	deadline := deadlineAfter(ctx, connected, statusTimeout)
	conn.SetDeadline(deadline)
	noStatus := fmt.Sprintf("no status within %s after connecting", since(connected, deadline))
	var rw net.Conn = conn
	if cfg.Type.UsesTLS() {
		tc := tls.Client(conn, tlsConfig(cfg))
		if err := tc.HandshakeContext(ctx); err != nil {
			return false, failure(ctx, err, "TLS handshake: "+noStatus, "TLS handshake")
		}
		rw = tc
	}
	if err := req.Write(rw); err != nil {
		return false, failure(ctx, err, noStatus, "sending request")
	}
	resp, err := readResponse(bufio.NewReader(rw), req)
	if err != nil {
		return false, failure(ctx, err, noStatus, "reading status")
	}
	// The body is not closed: closing it would drain it. conn.Close ends it.
	status := fmt.Sprintf("status %d", resp.StatusCode)
	if resp.StatusCode < 200 || resp.StatusCode >= 400 {
		return false, status
	}
	if !cfg.Type.MatchesString() {
		return true, status
	}

	gotStatus := time.Now()
	deadline = deadlineAfter(ctx, gotStatus, bodyTimeout)
	conn.SetDeadline(deadline)
	found, err := searchBody(resp, []byte(cfg.SearchString))
	switch {
	case found:
		return true, status + ", search string found"
	case err != nil:
		return false, failure(ctx, err,
			fmt.Sprintf("body not received within %s after the status", since(gotStatus, deadline)), "reading body")
	}
	return false, "search string not found"
}

// tlsConfig is what Route 53 does: no certificate validation, TLS 1.0 and
// up, SNI only with EnableSNI.
func tlsConfig(cfg *policyfile.HealthCheck) *tls.Config {
	c := &tls.Config{
		InsecureSkipVerify: true, //nolint:gosec // Route 53 does not validate certificates.
		MinVersion:         tls.VersionTLS10,
	}
	if cfg.EnableSNI {
		// crypto/tls sends no SNI when ServerName is empty or an IP address.
		c.ServerName = strings.TrimSuffix(cfg.FullyQualifiedDomainName, ".")
	}
	return c
}

// newRequest builds the request the probes of cfg send. It is built once per
// check and only read by the probes.
func newRequest(cfg *policyfile.HealthCheck) (*http.Request, error) {
	u, err := cfg.RequestURL() // never fails for a check policyfile loaded
	if err != nil {
		return nil, fmt.Errorf("invalid ResourcePath %q: %v", cfg.ResourcePath, err)
	}
	return &http.Request{
		Method:     http.MethodGet,
		URL:        u,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     http.Header{"User-Agent": {userAgent}},
		Host:       hostHeader(cfg),
		Close:      true,
	}, nil
}

// readResponse reads the final response, skipping informational ones.
func readResponse(br *bufio.Reader, req *http.Request) (*http.Response, error) {
	for {
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
			return resp, nil
		}
	}
}

// searchBody reports whether s occurs in the first searchLimit bytes of the
// decoded body. It stops reading as soon as s is found.
func searchBody(resp *http.Response, s []byte) (bool, error) {
	var r io.Reader = resp.Body
	switch strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))) {
	case "gzip", "x-gzip":
		gz, err := gzip.NewReader(r)
		if err != nil {
			return false, fmt.Errorf("gzip body: %w", err)
		}
		r = gz
	case "deflate":
		r = deflateReader(r)
	}
	buf := make([]byte, 0, searchLimit)
	for len(buf) < searchLimit {
		n, err := r.Read(buf[len(buf):searchLimit])
		buf = buf[:len(buf)+n]
		if bytes.Contains(buf, s) {
			return true, nil
		}
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, err
		}
	}
	return false, nil
}

// deflateReader decodes an HTTP "deflate" body: zlib as the RFC says, or the
// raw DEFLATE some servers send.
func deflateReader(r io.Reader) io.Reader {
	br := bufio.NewReader(r)
	if h, err := br.Peek(2); err == nil && h[0]&0x0f == 8 && (uint16(h[0])<<8|uint16(h[1]))%31 == 0 {
		if zr, err := zlib.NewReader(br); err == nil {
			return zr
		}
	}
	return flate.NewReader(br)
}

func deadlineAfter(ctx context.Context, from time.Time, d time.Duration) time.Time {
	t := from.Add(d)
	if dl, ok := ctx.Deadline(); ok && dl.Before(t) {
		return dl
	}
	return t
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout())
}

// since is the length of a phase from start to deadline, for messages.
func since(start, deadline time.Time) time.Duration {
	return deadline.Sub(start).Round(time.Millisecond)
}

// failure describes the error of a phase; a timeout (of the phase or of the
// whole probe) is described by timeout.
func failure(ctx context.Context, err error, timeout, phase string) string {
	if isTimeout(err) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return timeout
	}
	return fmt.Sprintf("%s: %v", phase, err)
}
