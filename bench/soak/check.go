package main

import (
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// The checker decides, for every answer, whether it could have come from
// what the soak wrote: the store states of each store (a timeline per
// store) and the states of the health-check backends (the flap timeline).
// It is a pure function of those timelines and the answers (the soak feeds
// it from several goroutines, hence the lock), so that its decisions are
// unit-tested with synthetic timelines (check_test.go).

// target is a name the soak queries.
type target int

const (
	tPlain    target = iota // state.plain.soak.: the plain store's state record
	tCM                     // state.cm.soak.: the ConfigMap store's state record
	tFailover               // fo.plain.soak.: the failover record
	tStatic                 // static.plain.soak.: the file plugin's baseline
	nTargets
)

var targetNames = [nTargets]string{"state.plain.soak.", "state.cm.soak.", "fo.plain.soak.", "static.plain.soak."}

func (t target) String() string { return targetNames[t] }

// The stores whose states the soak writes: their index is part of the
// answer's address (stateAddr).
const (
	storePlain = 1
	storeCM    = 2
)

// Fixed answers.
var (
	primaryAddr   = netip.MustParseAddr("192.0.2.1")  // the failover's primary
	secondaryAddr = netip.MustParseAddr("192.0.2.2")  // its secondary
	staticAddr    = netip.MustParseAddr("192.0.2.53") // the file plugin's static name
)

// maxState bounds the state numbers that stateAddr encodes.
const maxState = 1<<22 - 1

// stateAddr is the address the state record of store answers in state n:
// 10.0.0.0 + store<<22 + n, unique per (store, n). The record's TTL is n as
// well, from records.json, while the address comes from the policy
// document: an answer that mixes two states' files has them disagree.
func stateAddr(store, n int) netip.Addr {
	v := uint32(10)<<24 | uint32(store)<<22 | uint32(n)
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// decodeState is stateAddr's inverse; ok is false for an address that is
// not a state address.
func decodeState(a netip.Addr) (store, n int, ok bool) {
	if !a.Is4() {
		return 0, 0, false
	}
	b := a.As4()
	if b[0] != 10 {
		return 0, 0, false
	}
	v := uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	return int(v >> 22), int(v & maxState), true
}

// state is one content of a store that the soak wrote.
type state struct {
	n     int
	kind  string // "valid", or what makes it invalid: "missing-version", "bad-document", "truncated"
	mode  string // how it was written: "atomic", "in-place", "configmap"
	at    time.Time
	first time.Time // first answered; zero if never
	count int       // answers from it
}

func (s *state) valid() bool { return s.kind == "valid" }

// flap is a change of the health-check backends: from at on, the primary
// and the secondary listen (up) or not.
type flap struct {
	at                 time.Time
	primary, secondary bool
}

// expected is the failover record's answer for backend states: the primary
// when it is healthy, else the secondary when it is healthy, else the
// primary (Route 53's fail-open).
func (f flap) expected() netip.Addr {
	if !f.primary && f.secondary {
		return secondaryAddr
	}
	return primaryAddr
}

// answer is one reply, or its absence, as the load generator saw it.
type answer struct {
	target     target
	sent, recv time.Time
	rcode      int
	addrs      []netip.Addr // the A records of the answer section
	ttls       []uint32
}

// wrongAnswer is an answer the checker rejected.
type wrongAnswer struct {
	answer
	class, why string
}

func (w wrongAnswer) String() string {
	return fmt.Sprintf("%s %s: rcode %s, %v ttl %v: %s: %s", w.recv.Format("15:04:05.000"), w.target,
		dns.RcodeToString[w.rcode], w.addrs, w.ttls, w.class, w.why)
}

// checker holds the timelines and the verdicts.
type checker struct {
	mu sync.Mutex
	// states[store] lists the states of a store in the order written;
	// states[store][i].n == i.
	states map[int][]*state
	flaps  []flap
	// allowance is how far behind a flap the failover's answer may be:
	// RequestInterval × FailureThreshold + a margin.
	allowance time.Duration

	answered [nTargets]int
	rcodes   map[int]int
	wrong    int
	examples []wrongAnswer // the first maxExamples
	// wrongs are the class and arrival of every wrong answer (up to
	// maxWrongs), to tell their causes apart.
	wrongs []wrongAnswer
	// lags are the failover answers' delays behind the flap that made
	// them out of date (answers of the current state count 0).
	lags []time.Duration
	// regressions counts state answers older than one already answered
	// (a Corefile restart's new instance may start from an older read).
	regressions int
	newest      map[int]newest
}

// newest is the newest state answered so far, and when.
type newest struct {
	n    int
	recv time.Time
}

const (
	maxExamples = 10
	maxWrongs   = 1 << 20
)

func newChecker(allowance time.Duration, start time.Time) *checker {
	return &checker{
		states:    map[int][]*state{},
		flaps:     []flap{{at: start, primary: true, secondary: true}},
		allowance: allowance,
		rcodes:    map[int]int{},
		newest:    map[int]newest{},
	}
}

// wrote records that the soak begins to write state n of store; it must
// be called before the write becomes visible, with n one more than the
// store's last state.
func (c *checker) wrote(store int, s state) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s.n != len(c.states[store]) {
		panic(fmt.Sprintf("store %d: state %d written after %d", store, s.n, len(c.states[store])-1))
	}
	c.states[store] = append(c.states[store], &s)
}

// flapped records the backends' states from f.at on; call it before the
// change.
func (c *checker) flapped(f flap) {
	c.mu.Lock()
	c.flaps = append(c.flaps, f)
	c.mu.Unlock()
}

// check judges one answer and records the verdict; it returns the class
// of a wrong answer and why, or "".
func (c *checker) check(a answer) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.answered[a.target]++
	c.rcodes[a.rcode]++
	class, why := c.judge(a)
	if class == "" {
		return ""
	}
	c.wrong++
	w := wrongAnswer{a, class, why}
	if len(c.examples) < maxExamples {
		c.examples = append(c.examples, w)
	}
	if len(c.wrongs) < maxWrongs {
		c.wrongs = append(c.wrongs, wrongAnswer{answer: answer{target: a.target, recv: a.recv}, class: class})
	}
	return class + ": " + why
}

// judge returns the class of a wrong answer and why, or "", "".
func (c *checker) judge(a answer) (class, why string) {
	if a.rcode != dns.RcodeSuccess {
		return "rcode", dns.RcodeToString[a.rcode]
	}
	if len(a.addrs) != 1 {
		return "answer", fmt.Sprintf("%d A records, want 1", len(a.addrs))
	}
	addr := a.addrs[0]
	switch a.target {
	case tStatic:
		if addr != staticAddr {
			return "answer", "want " + staticAddr.String()
		}
		return "", ""
	case tFailover:
		return c.judgeFailover(a, addr)
	}
	want := storePlain
	if a.target == tCM {
		want = storeCM
	}
	store, n, ok := decodeState(addr)
	if !ok || store != want {
		return "answer", "not an address of this store's states"
	}
	if int64(a.ttls[0]) != int64(n) {
		return "mixed states", fmt.Sprintf("the document of state %d, the records.json of state %d (TTL)", n, a.ttls[0])
	}
	states := c.states[store]
	if n >= len(states) || states[n].at.After(a.recv) {
		return "state never written", fmt.Sprintf("state %d (before this answer)", n)
	}
	s := states[n]
	if !s.valid() {
		return "invalid state", fmt.Sprintf("state %d (%s, written %s)", n, s.kind, s.mode)
	}
	s.count++
	if s.first.IsZero() || a.recv.Before(s.first) {
		s.first = a.recv
	}
	// A regression: the newer state's answer had arrived before this
	// query was sent.
	if nw, seen := c.newest[store]; seen && n < nw.n {
		if nw.recv.Before(a.sent) {
			c.regressions++
		}
	} else {
		c.newest[store] = newest{n, a.recv}
	}
	return "", ""
}

// judgeFailover accepts the answer of any backend state in force between
// allowance before the query was sent and the reply's arrival, and
// records how far behind it was.
func (c *checker) judgeFailover(a answer, addr netip.Addr) (class, why string) {
	if addr != primaryAddr && addr != secondaryAddr {
		return "answer", "neither the primary nor the secondary"
	}
	// The newest flap in force when the reply arrived whose answer is
	// addr; the answer is behind by the time since the next flap (which
	// ended that state) when that next flap came before the query.
	i := len(c.flaps) - 1
	for i >= 0 && c.flaps[i].at.After(a.recv) {
		i--
	}
	for ; i >= 0; i-- {
		if c.flaps[i].expected() != addr {
			continue
		}
		lag := time.Duration(0)
		if i+1 < len(c.flaps) && c.flaps[i+1].at.Before(a.sent) {
			lag = a.sent.Sub(c.flaps[i+1].at)
		}
		c.lags = append(c.lags, lag)
		if lag > c.allowance {
			return "failover behind the backends", fmt.Sprintf("they changed %s before the query (allowance %s)", lag.Round(time.Millisecond), c.allowance)
		}
		return "", ""
	}
	return "failover behind the backends", "no backend state had this answer"
}

// staleness is, for each valid state of store that was answered, the time
// from its write to its first answer (delays); for each valid state, the
// time from its write until it or a later state was first answered
// (caughtUp: the server had caught up with it; states after the last
// answered one have none); and how many valid states were written and how
// many were never answered (a later state replaced them before the server
// read them).
func (c *checker) staleness(store int) (delays, caughtUp []time.Duration, valid, unanswered int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var next time.Time // the earliest first answer of a later state
	ss := c.states[store]
	for i := len(ss) - 1; i >= 0; i-- {
		s := ss[i]
		if !s.valid() {
			continue
		}
		valid++
		if !s.first.IsZero() && (next.IsZero() || s.first.Before(next)) {
			next = s.first
		}
		if !next.IsZero() {
			caughtUp = append(caughtUp, next.Sub(s.at))
		}
		if s.first.IsZero() {
			unanswered++
			continue
		}
		delays = append(delays, s.first.Sub(s.at))
	}
	slices.Sort(delays)
	slices.Sort(caughtUp)
	return delays, caughtUp, valid, unanswered
}

// lastState is the number of store's last state.
func (c *checker) lastState(store int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.states[store]) - 1
}

// lastValid is the newest valid state of store.
func (c *checker) lastValid(store int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	ss := c.states[store]
	for i := len(ss) - 1; i >= 0; i-- {
		if ss[i].valid() {
			return i
		}
	}
	return -1
}

// percentile returns the p-th percentile (0..100) of sorted values, by the
// nearest-rank method; 0 for none.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(sorted))+0.999999999) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}
