package trafficflow

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/miekg/dns"

	// The plugins the end-to-end tests' Corefiles use.
	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/file"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/metrics"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/reload"
	_ "github.com/coredns/coredns/plugin/whoami"
)

// A real CoreDNS server for the end-to-end tests (e2e_*_test.go): a
// Corefile started through caddy, with the plugins it may use, and
// queries over UDP.

var directivesOnce sync.Once

// setDirectives gives caddy cmd/coredns's directive order, for the plugins
// this test binary has.
func setDirectives() error {
	var err error
	directivesOnce.Do(func() {
		caddy.Quiet, dnsserver.Quiet = true, true
		err = dnsserver.SetDirectives([]string{"reload", "bind", "ready", "prometheus", "errors", "log",
			"stackprobe", "trafficflow", "cache", "hosts", "file", "whoami"})
	})
	return err
}

// startServer starts a CoreDNS instance from a Corefile (listening on
// 127.0.0.1, port 0) and returns it with its UDP address.
func startServer(t testing.TB, corefile string) (*caddy.Instance, string) {
	t.Helper()
	inst, err := startCoreDNS(t, corefile)
	if err != nil {
		t.Fatalf("starting CoreDNS: %v", err)
	}
	return inst, inst.Servers()[0].LocalAddr().String()
}

// startCoreDNS starts a CoreDNS instance from a Corefile, or returns why
// it does not start; the test's cleanup stops a started one.
func startCoreDNS(t testing.TB, corefile string) (*caddy.Instance, error) {
	t.Helper()
	if err := setDirectives(); err != nil {
		t.Fatal(err)
	}
	inst, err := caddy.Start(caddy.CaddyfileInput{Filepath: "Corefile", Contents: []byte(corefile), ServerTypeName: "dns"})
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() {
		inst.ShutdownCallbacks()
		inst.Stop()
	})
	return inst, nil
}

// exchange sends a query over UDP, with ECS when subnet is not empty.
func exchange(t testing.TB, addr, name string, qtype uint16, subnet string) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.SetEdns0(1232, false)
	if subnet != "" {
		addECS(m, subnet)
	}
	c := &dns.Client{Timeout: 2 * time.Second}
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("%s %s: %v", name, dns.TypeToString[qtype], err)
	}
	return r
}

// waitServed polls a server's answer to an A query for name over UDP until
// it is want, and fails the test if that takes longer than answerWait.
func waitServed(t testing.TB, addr, name string, want ...string) {
	t.Helper()
	pollUntil(t, answerWait, func() (bool, string) {
		r := exchange(t, addr, name, dns.TypeA, "")
		got := values(r)
		return r.Rcode == dns.RcodeSuccess && slices.Equal(got, want),
			fmt.Sprintf("%s answers %v (rcode %s), want %v", name, got, dns.RcodeToString[r.Rcode], want)
	})
}

// serveEnv names the Corefile a test binary started as a server process
// serves (startProcess).
const serveEnv = "TRAFFICFLOW_TEST_SERVE"

// TestMain runs the tests, or, started by startProcess, a CoreDNS server:
// a process of its own, sharing nothing with the test but the store.
func TestMain(m *testing.M) {
	if corefile := os.Getenv(serveEnv); corefile != "" {
		os.Exit(serveProcess(corefile))
	}
	os.Exit(m.Run())
}

// serveProcess serves a Corefile, prints the server's UDP address, and
// stops when its standard input closes.
func serveProcess(corefile string) int {
	if err := setDirectives(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	inst, err := caddy.Start(caddy.CaddyfileInput{Filepath: "Corefile", Contents: []byte(corefile), ServerTypeName: "dns"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(inst.Servers()[0].LocalAddr().String())
	io.Copy(io.Discard, os.Stdin) //nolint:errcheck // until the test closes it
	inst.ShutdownCallbacks()
	inst.Stop()
	return 0
}

// startProcess starts a CoreDNS server from a Corefile in a process of its
// own (this test binary, see TestMain) and returns its UDP address; the
// test's cleanup stops it.
func startProcess(t testing.TB, corefile string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), serveEnv+"="+corefile)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Wait() //nolint:errcheck // its exit status says nothing more
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("the server process did not start: %v: %s", err, stderr.String())
	}
	return strings.TrimSpace(line)
}
