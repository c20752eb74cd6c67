package trafficflow

import (
	"net/netip"

	"github.com/trafficflow/trafficflow/evaluate"
)

// Client keys: the consistent mode and canary rollouts decide by the
// client's subnet and the record's name instead of at random, so that a
// client gets the same answer from every replica and after every restart,
// with no state shared between servers.
//
// The subnet is the ECS address (or, without ECS, the resolver's address)
// truncated to /24 for IPv4 and /56 for IPv6, or to the ECS source prefix
// when that is shorter. Replies whose answer depended on the key carry an
// ECS scope of at least that prefix length, so that resolvers cache them
// per subnet.

// Key prefix lengths.
const (
	keyBits4 = 24
	keyBits6 = 56
)

// canarySalt separates canary decisions from the consistent mode's
// choices: which clients are in a canary says nothing about which
// weighted branch they take.
const canarySalt = 0x6a09e667f3bcc908

// key computes the query's client key once: the hash of the client's
// subnet (qs.keyHash) and its prefix length (qs.keyBits); qs.keyValid says
// whether there was an address to key on.
func (qs *queryState) key() {
	if qs.keyDone {
		return
	}
	qs.keyDone = true
	addr, ok := qs.clientAddr()
	if !ok {
		return
	}
	bits := keyBits6
	if addr.Is4() {
		bits = keyBits4
	}
	if e := qs.ecs; e != nil && e.SourceNetmask > 0 && int(e.SourceNetmask) < bits {
		bits = int(e.SourceNetmask)
	}
	p, err := addr.Prefix(bits)
	if err != nil {
		return
	}
	qs.keyHash, qs.keyBits, qs.keyValid = hashPrefix(p), uint8(bits), true
}

// hashPrefix hashes a subnet: its address bytes and its length.
func hashPrefix(p netip.Prefix) uint64 {
	var b [17]byte
	a := p.Addr().As16()
	copy(b[:16], a[:])
	b[16] = byte(p.Bits())
	return evaluate.HashKey(0, b[:])
}

// keyFor is the key of the query's client for entry e (its name).
func (qs *queryState) keyFor(e *entry) uint64 {
	qs.key()
	return evaluate.HashString(qs.keyHash, e.name)
}

// pickSide returns the entry that answers the query: e, or e's canary
// version for the share of clients the canary takes (by their key; a
// client without an address stays on e). It notes that the answer depends
// on the key.
func (qs *queryState) pickSide(e *entry) *entry {
	if e.canary == nil {
		return e
	}
	qs.key()
	if !qs.keyValid {
		return e
	}
	qs.usedKey = true
	h := evaluate.HashString(qs.keyHash^canarySalt, e.name)
	if float64(h>>11)/(1<<53)*100 < e.canaryPercent {
		return e.canary
	}
	return e
}
