package trafficflow

import (
	"fmt"
	"slices"
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

// startServer starts a CoreDNS instance from a Corefile (listening on
// 127.0.0.1, port 0) and returns it with its UDP address.
func startServer(t testing.TB, corefile string) (*caddy.Instance, string) {
	t.Helper()
	directivesOnce.Do(func() {
		caddy.Quiet, dnsserver.Quiet = true, true
		// cmd/coredns's order, for the plugins this test binary has.
		if err := dnsserver.SetDirectives([]string{"reload", "bind", "ready", "prometheus", "errors", "log",
			"trafficflow", "cache", "hosts", "file", "whoami"}); err != nil {
			t.Fatal(err)
		}
	})
	inst, err := caddy.Start(caddy.CaddyfileInput{Filepath: "Corefile", Contents: []byte(corefile), ServerTypeName: "dns"})
	if err != nil {
		t.Fatalf("starting CoreDNS: %v", err)
	}
	t.Cleanup(func() {
		inst.ShutdownCallbacks()
		inst.Stop()
	})
	return inst, inst.Servers()[0].LocalAddr().String()
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
