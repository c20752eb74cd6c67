package trafficflow

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/pkg/dnstest"
	"github.com/coredns/coredns/plugin/test"
	"github.com/miekg/dns"
)

// Queries through the plugin's handler, and checks of their replies:
// whole replies as CoreDNS's plugin tests check them (test.Case), or the
// addresses of an A answer, now or within a deadline.

// answerWait is how long a change on disk may take to be served.
const answerWait = 2 * time.Second

// ask sends one query through the plugin, from client address from (and
// with ECS subnet ecs when not empty), and returns the reply and rcode. It
// fails the test on a ServeDNS error or a breach of the rcode contract.
func ask(t testing.TB, h plugin.Handler, name string, qtype uint16, from, ecs string) (*dns.Msg, int) {
	t.Helper()
	m, rc, err := serveQuery(h, name, qtype, from, ecs)
	if err != nil {
		t.Fatal(err)
	}
	return m, rc
}

// checkCase asks h tc's question from the default test client; see
// checkQuery.
func checkCase(t testing.TB, h plugin.Handler, tc test.Case) *dns.Msg {
	t.Helper()
	return checkQuery(t, h, "", "", tc)
}

// checkQuery asks h tc's question from the client address from, with the
// ECS subnet ecs when not empty (see ask), checks that h wrote its reply
// and returned success (as trafficflow and the file plugin do whenever
// they write, whatever the reply's rcode), and checks the reply
// (checkReply).
func checkQuery(t testing.TB, h plugin.Handler, from, ecs string, tc test.Case) *dns.Msg {
	t.Helper()
	m, rc := ask(t, h, tc.Qname, tc.Qtype, from, ecs)
	if m == nil {
		t.Errorf("%s %s: no reply written (rcode %s)", tc.Qname, dns.TypeToString[tc.Qtype], dns.RcodeToString[rc])
		return nil
	}
	if rc != dns.RcodeSuccess {
		t.Errorf("%s %s: the handler wrote its reply and returned rcode %s, want NOERROR", tc.Qname, dns.TypeToString[tc.Qtype], dns.RcodeToString[rc])
	}
	return checkReply(t, m, tc)
}

// checkReply checks a reply to tc's question as CoreDNS's plugin tests do:
// test.SortAndCheck compares its rcode and every record of its answer,
// authority and additional sections with tc's (name, type, TTL unless tc
// says 303, and the data), after test.CNAMEOrder has checked that no CNAME
// comes after its target. Beyond them: the reply is authoritative when
// tc.Authoritative says so, and TXT records have tc's character strings
// one by one (test.Section compares them joined). It returns the reply.
func checkReply(t testing.TB, m *dns.Msg, tc test.Case) *dns.Msg {
	t.Helper()
	q := tc.Qname + " " + dns.TypeToString[tc.Qtype]
	if tc.Authoritative && !m.Authoritative {
		t.Errorf("%s: the reply is not authoritative", q)
	}
	if err := test.CNAMEOrder(m); err != nil {
		t.Errorf("%s: %v:\n%v", q, err, m)
	}
	if err := test.SortAndCheck(m, tc); err != nil {
		t.Errorf("%s: %v:\n%v", q, err, m)
		return m
	}
	for i, rr := range tc.Answer {
		if want, ok := rr.(*dns.TXT); ok && !slices.Equal(m.Answer[i].(*dns.TXT).Txt, want.Txt) {
			t.Errorf("%s: TXT strings %q, want %q", q, m.Answer[i].(*dns.TXT).Txt, want.Txt)
		}
	}
	return m
}

// errRcodeContract marks a handler that broke CoreDNS's rcode contract.
var errRcodeContract = errors.New("rcode contract broken")

// serveQuery is ask without a test, safe on any goroutine: it returns the
// reply h wrote (nil if none) and h's rcode, or an error when ServeDNS
// failed or h broke CoreDNS's rcode contract (errRcodeContract).
func serveQuery(h plugin.Handler, name string, qtype uint16, from, ecs string) (*dns.Msg, int, error) {
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	if ecs != "" {
		addECS(m, ecs)
	}
	var w dns.ResponseWriter = &test.ResponseWriter{RemoteIP: from}
	if strings.Contains(from, ":") {
		w = &test.ResponseWriter6{} // from fe80::42:ff:feca:4c65
	}
	rec := dnstest.NewRecorder(w)
	rc, err := h.ServeDNS(context.Background(), rec, m)
	if err != nil {
		return rec.Msg, rc, fmt.Errorf("%s %s: ServeDNS: %w", name, dns.TypeToString[qtype], err)
	}
	// CoreDNS's contract: the rcode tells the server whether the plugin
	// wrote the reply; otherwise it writes a second one itself.
	if written := rec.Msg != nil; written != plugin.ClientWrite(rc) {
		return rec.Msg, rc, fmt.Errorf("%s %s: %w: reply written: %v, but rcode %d says %v",
			name, dns.TypeToString[qtype], errRcodeContract, written, rc, plugin.ClientWrite(rc))
	}
	return rec.Msg, rc, nil
}

// answerOf asks h for the A records of name (with ECS subnet ecs when not
// empty) through serveQuery, so it is safe on any goroutine. It returns the
// rcode the client gets (the reply's, or the one the server writes when h
// wrote none) and the answer's RDATA, or serveQuery's error.
func answerOf(h plugin.Handler, name, ecs string) (int, []string, error) {
	m, rc, err := serveQuery(h, name, dns.TypeA, "", ecs)
	if err != nil {
		return rc, nil, err
	}
	if m == nil {
		return rc, nil, nil
	}
	return m.Rcode, values(m), nil
}

// waitAnswer polls the answer to an A query for name until it is want,
// and fails the test if that takes longer than answerWait. A name h hands
// to its (missing) next plugin is not an answer yet; a breach of the rcode
// contract fails the test at once.
func waitAnswer(t testing.TB, h plugin.Handler, name, ecs string, want ...string) {
	t.Helper()
	pollUntil(t, answerWait, func() (bool, string) {
		rc, got, err := answerOf(h, name, ecs)
		if errors.Is(err, errRcodeContract) {
			t.Fatal(err)
		}
		return err == nil && rc == dns.RcodeSuccess && slices.Equal(got, want),
			fmt.Sprintf("%s answers %v (rcode %s, error %v), want %v", name, got, dns.RcodeToString[rc], err, want)
	})
}

// assertAnswer checks the answer to an A query for name now.
func assertAnswer(t testing.TB, h plugin.Handler, name, ecs string, want ...string) {
	t.Helper()
	if rc, got, err := answerOf(h, name, ecs); err != nil || rc != dns.RcodeSuccess || !slices.Equal(got, want) {
		t.Fatalf("%s answers %v (rcode %s, error %v), want %v", name, got, dns.RcodeToString[rc], err, want)
	}
}

// addECS adds an EDNS Client Subnet option (CIDR notation) to a query.
func addECS(m *dns.Msg, cidr string) {
	p := netip.MustParsePrefix(cidr)
	e := &dns.EDNS0_SUBNET{Code: dns.EDNS0SUBNET, SourceNetmask: uint8(p.Bits()), Address: net.IP(p.Addr().AsSlice())}
	e.Family = 1
	if p.Addr().Is6() {
		e.Family = 2
	}
	o := m.IsEdns0()
	if o == nil {
		m.SetEdns0(1232, false)
		o = m.IsEdns0()
	}
	o.Option = append(o.Option, e)
}

// ecsOf returns the client-subnet option of a reply, or nil.
func ecsOf(m *dns.Msg) *dns.EDNS0_SUBNET {
	if o := m.IsEdns0(); o != nil {
		for _, opt := range o.Option {
			if e, ok := opt.(*dns.EDNS0_SUBNET); ok {
				return e
			}
		}
	}
	return nil
}

// values returns the RDATA of the answer section, one string per RR (none
// for a nil reply).
func values(m *dns.Msg) []string {
	if m == nil {
		return nil
	}
	var out []string
	for _, rr := range m.Answer {
		hdr := rr.Header().String()
		out = append(out, strings.TrimSpace(strings.TrimPrefix(rr.String(), hdr)))
	}
	return out
}
