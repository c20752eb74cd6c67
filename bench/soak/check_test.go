package main

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

var t0 = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

// stateAnswer is store's state record answering state n (TTL n), sent and
// received at ms.
func stateAnswer(tg target, store, n, ms int) answer {
	return answer{target: tg, sent: at(ms), recv: at(ms), rcode: dns.RcodeSuccess,
		addrs: []netip.Addr{stateAddr(store, n)}, ttls: []uint32{uint32(n)}}
}

func foAnswer(addr netip.Addr, sentMS, recvMS int) answer {
	return answer{target: tFailover, sent: at(sentMS), recv: at(recvMS), rcode: dns.RcodeSuccess,
		addrs: []netip.Addr{addr}, ttls: []uint32{60}}
}

// plainTimeline writes states 0..len(kinds)-1 of the plain store, 100 ms
// apart from t0.
func plainTimeline(c *checker, kinds ...string) {
	for i, k := range kinds {
		c.wrote(storePlain, state{n: i, kind: k, mode: "atomic", at: at(100 * i)})
	}
}

func TestStateAddr(t *testing.T) {
	for _, tc := range []struct{ store, n int }{{1, 0}, {1, 1}, {2, 300}, {2, maxState}, {1, 65536}} {
		a := stateAddr(tc.store, tc.n)
		store, n, ok := decodeState(a)
		if !ok || store != tc.store || n != tc.n {
			t.Errorf("stateAddr(%d, %d) = %s decodes to %d, %d, %v", tc.store, tc.n, a, store, n, ok)
		}
	}
	if a := stateAddr(1, 5); a.String() != "10.64.0.5" {
		t.Errorf("stateAddr(1, 5) = %s", a)
	}
	for _, s := range []string{"192.0.2.1", "11.64.0.1", "::1"} {
		if _, _, ok := decodeState(netip.MustParseAddr(s)); ok {
			t.Errorf("%s decodes as a state", s)
		}
	}
}

func TestCheckStates(t *testing.T) {
	c := newChecker(time.Second, t0)
	plainTimeline(c, "valid", "bad-document", "valid", "missing-version", "truncated")
	mix := stateAnswer(tPlain, storePlain, 2, 250)
	mix.ttls = []uint32{0}
	servfail := stateAnswer(tPlain, storePlain, 0, 50)
	servfail.rcode = dns.RcodeServerFailure
	for _, tc := range []struct {
		name  string
		a     answer
		wrong string // a part of the reason; "" for a right answer
	}{
		{"the first state", stateAnswer(tPlain, storePlain, 0, 50), ""},
		{"a valid state after its write", stateAnswer(tPlain, storePlain, 2, 210), ""},
		{"a valid state long after later ones", stateAnswer(tPlain, storePlain, 0, 450), ""},
		{"an invalid state", stateAnswer(tPlain, storePlain, 1, 150), "invalid state: state 1 (bad-document"},
		{"another invalid state", stateAnswer(tPlain, storePlain, 3, 350), "invalid state: state 3 (missing-version"},
		{"a state before it was written", stateAnswer(tPlain, storePlain, 2, 150), "never written"},
		{"a state never written", stateAnswer(tPlain, storePlain, 9, 500), "never written"},
		{"another store's address", stateAnswer(tPlain, storeCM, 0, 50), "not an address of this store"},
		{"a mix of two states", mix, "mixed states"},
		{"SERVFAIL", servfail, "rcode: SERVFAIL"},
		{"no answer", answer{target: tPlain, recv: at(10), rcode: dns.RcodeSuccess}, "0 A records"},
		{"the static name", answer{target: tStatic, recv: at(10), addrs: []netip.Addr{staticAddr}, ttls: []uint32{3600}}, ""},
		{"the static name, wrong", answer{target: tStatic, recv: at(10), addrs: []netip.Addr{primaryAddr}, ttls: []uint32{3600}}, "want 192.0.2.53"},
	} {
		got := c.check(tc.a)
		if tc.wrong == "" && got != "" || tc.wrong != "" && !strings.Contains(got, tc.wrong) {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.wrong)
		}
	}
	if c.wrong != 9 || len(c.examples) != 9 {
		t.Errorf("wrong = %d with %d examples, want 9", c.wrong, len(c.examples))
	}
	if c.regressions != 1 {
		t.Errorf("regressions = %d, want 1 (state 0 after state 2)", c.regressions)
	}
	// An answer sent before the newer one arrived is not a regression.
	late := stateAnswer(tPlain, storePlain, 0, 260)
	late.sent = at(200)
	if c.check(late); c.regressions != 1 {
		t.Errorf("regressions = %d, want still 1", c.regressions)
	}
}

func TestStaleness(t *testing.T) {
	c := newChecker(time.Second, t0)
	// 12 states 100 ms apart; 0, 2, 4, ... valid. Valid state 2i is first
	// answered 10·(i+1) ms after its write, except 4 and 10, never
	// answered.
	var kinds []string
	for i := range 12 {
		kinds = append(kinds, []string{"valid", "truncated"}[i%2])
	}
	plainTimeline(c, kinds...)
	for i := 0; i < 10; i += 2 {
		if i == 4 {
			continue
		}
		first := 100*i + 10*(i/2+1)
		c.check(stateAnswer(tPlain, storePlain, i, first+5)) // a later answer does not count
		c.check(stateAnswer(tPlain, storePlain, i, first))
	}
	delays, caughtUp, valid, unanswered := c.staleness(storePlain)
	if valid != 6 || unanswered != 2 {
		t.Fatalf("valid %d, unanswered %d; want 6, 2", valid, unanswered)
	}
	ms := time.Millisecond
	if want := []time.Duration{10 * ms, 20 * ms, 40 * ms, 50 * ms}; !slices.Equal(delays, want) {
		t.Errorf("delays %v, want %v", delays, want)
	}
	// State 4 was caught up with when state 6 was first answered (640 ms);
	// state 10 never was.
	if want := []time.Duration{10 * ms, 20 * ms, 40 * ms, 50 * ms, 240 * ms}; !slices.Equal(caughtUp, want) {
		t.Errorf("caught up %v, want %v", caughtUp, want)
	}
	for _, tc := range []struct {
		p    float64
		want time.Duration
	}{{50, 20 * ms}, {99, 50 * ms}, {100, 50 * ms}, {0, 10 * ms}, {25, 10 * ms}, {26, 20 * ms}} {
		if got := percentile(delays, tc.p); got != tc.want {
			t.Errorf("p%v = %s, want %s", tc.p, got, tc.want)
		}
	}
	if percentile(nil, 50) != 0 {
		t.Error("the percentile of nothing is not 0")
	}
	if c.lastValid(storePlain) != 10 {
		t.Errorf("lastValid = %d, want 10", c.lastValid(storePlain))
	}
}

func TestCheckFailover(t *testing.T) {
	c := newChecker(1500*time.Millisecond, t0)                      // both up from t0
	c.flapped(flap{at: at(1000), primary: false, secondary: true})  // → secondary
	c.flapped(flap{at: at(4000), primary: false, secondary: false}) // → primary (fail-open)
	c.flapped(flap{at: at(7000), primary: true, secondary: false})  // → primary
	c.flapped(flap{at: at(8000), primary: true, secondary: true})   // → primary
	for _, tc := range []struct {
		name       string
		a          answer
		wrong      string
		lagMS      int
		checksLags bool
	}{
		{"primary while up", foAnswer(primaryAddr, 500, 501), "", 0, true},
		{"primary just after it went down", foAnswer(primaryAddr, 1200, 1201), "", 200, true},
		{"primary within the allowance", foAnswer(primaryAddr, 2500, 2501), "", 1500, true},
		{"primary after the allowance", foAnswer(primaryAddr, 2600, 2601), "failover behind the backends: they changed 1.6s before", 1600, true},
		{"secondary while primary down", foAnswer(secondaryAddr, 3000, 3001), "", 0, true},
		{"secondary before the flap", foAnswer(secondaryAddr, 900, 950), "no backend state", 0, false},
		{"secondary sent before, received after the flap", foAnswer(secondaryAddr, 990, 1010), "", 0, true},
		{"fail-open primary", foAnswer(primaryAddr, 6000, 6001), "", 0, true},
		{"secondary after both went down, late", foAnswer(secondaryAddr, 5600, 5601), "failover behind the backends: they changed 1.6s before", 1600, true},
		{"secondary after both went down, in time", foAnswer(secondaryAddr, 5400, 5401), "", 1400, true},
		{"neither", foAnswer(staticAddr, 100, 101), "neither", 0, false},
	} {
		n := len(c.lags)
		got := c.check(tc.a)
		if tc.wrong == "" && got != "" || tc.wrong != "" && !strings.Contains(got, tc.wrong) {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.wrong)
		}
		if tc.checksLags {
			if len(c.lags) != n+1 || c.lags[n] != time.Duration(tc.lagMS)*time.Millisecond {
				t.Errorf("%s: lags %v, want one more of %d ms", tc.name, c.lags[n:], tc.lagMS)
			}
		}
	}
}
