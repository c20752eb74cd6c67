package geo

import (
	"math/bits"
	"math/rand/v2"
	"sync/atomic"
)

// Lookup goes through two lock-free, direct-mapped caches. A loaded database
// never changes, so an entry never goes stale: it is only ever replaced by
// another key's entry.
//
//   - addrCache maps a client address to its record and prefix length, and
//     saves the search-tree walk: 25 to 128 dependent loads, which miss the
//     CPU caches on a full-size database (~0.5 µs measured with 10,000
//     clients on a synthetic database of a million networks, against
//     ~0.15 µs on the small test file). It is two-way set associative: with
//     one way, a third of 11,000 clients collided with another and the pairs
//     evicted each other (measured with GeoLite2-City and dnsperf).
//   - recordCache maps a data-record offset to its decoded Location, and
//     saves decoding (~0.8 µs) and its allocation: many addresses share a
//     record, so a new client of a known location costs no allocation.

// Cache sizing.
const (
	minRecordSlots = 1 << 6
	maxRecordSlots = 1 << 16 // 512 KiB of pointers, plus 80 bytes per cached record
	// slotsPerRecord keeps the table sparse enough that two hot records
	// rarely share a slot, when the database is small enough to allow it.
	slotsPerRecord = 4

	addrSlots = 1 << 16 // 32 bytes each: 2 MiB, in sets of two (one cache line)
)

// fibonacci is 2^64 divided by the golden ratio: multiplying by it and keeping
// the top bits spreads keys whose low bits are not uniform.
const fibonacci = 0x9E3779B97F4A7C15

// recordEntry is an immutable decoded record, published once and never modified.
type recordEntry struct {
	offset uintptr // data-record offset (maxminddb Result.Offset)
	loc    Location
}

// recordCache is a table of decoded records indexed by a hash of the
// data-record offset. A hit is one atomic load and a compare. A miss decodes
// the record and publishes a new entry, replacing whatever shared the slot;
// racing writers both publish valid entries and the last one stays.
type recordCache struct {
	slots []atomic.Pointer[recordEntry]
	shift uint // 64 - log2(len(slots))
}

// newRecordCache returns a cache sized for a database holding records
// distinct data records.
func newRecordCache(records int) recordCache {
	n := minRecordSlots
	if want := records * slotsPerRecord; want > n {
		n = 1 << bits.Len(uint(want-1)) // next power of two
	}
	return makeRecordCache(min(n, maxRecordSlots))
}

// makeRecordCache returns a cache of n slots, a power of two.
func makeRecordCache(n int) recordCache {
	return recordCache{
		slots: make([]atomic.Pointer[recordEntry], n),
		shift: uint(64 - bits.TrailingZeros(uint(n))),
	}
}

// slot returns the slot for a data-record offset.
func (c *recordCache) slot(offset uintptr) *atomic.Pointer[recordEntry] {
	return &c.slots[(uint64(offset)*fibonacci)>>c.shift]
}

// addrCache is a table of lookup results indexed by a hash of the address.
// Its slots are never allocated: each is a small seqlock made of atomic
// words, so that a reader never sees a torn entry and a flood of distinct
// addresses (random ECS subnets, say) costs no garbage.
type addrCache struct {
	slots []addrSlot
	shift uint
}

// addrSlot holds one address and its result.
type addrSlot struct {
	// state is version<<9 | bits<<1 | writing. Zero means empty.
	state  atomic.Uint64
	hi, lo atomic.Uint64               // the address, As16
	record atomic.Pointer[recordEntry] // nil: no record for the address
}

const (
	stateWriting      = 1
	stateBitsShift    = 1
	stateBitsMask     = 0xff
	stateVersionShift = 9
)

// makeAddrCache returns a cache of n slots, a power of two; n < 2 makes one
// set of two.
func makeAddrCache(n int) addrCache {
	n = max(n, 2)
	return addrCache{
		slots: make([]addrSlot, n),
		shift: uint(64 - bits.TrailingZeros(uint(n))),
	}
}

// set returns the index of the first of the two slots an address (given
// as two 64-bit halves) may occupy.
func (c *addrCache) set(hi, lo uint64) int {
	return int(((lo^(hi*fibonacci))*fibonacci)>>c.shift) &^ 1
}

// get returns the cached result for the address, if its set holds it.
func (c *addrCache) get(hi, lo uint64) (record *recordEntry, prefixBits int, ok bool) {
	i := c.set(hi, lo)
	if record, prefixBits, ok = c.slots[i].get(hi, lo); ok {
		return record, prefixBits, ok
	}
	return c.slots[i+1].get(hi, lo)
}

// put stores a result in the address's set: in an empty slot if there is
// one, else in place of a random one of the two.
func (c *addrCache) put(hi, lo uint64, record *recordEntry, prefixBits int) {
	i := c.set(hi, lo)
	switch {
	case c.slots[i].state.Load() == 0:
	case c.slots[i+1].state.Load() == 0:
		i++
	default:
		i += int(rand.Uint32() & 1) // #nosec G404 -- cache replacement, not security
	}
	c.slots[i].put(hi, lo, record, prefixBits)
}

// get returns the cached result for the address, if the slot holds it.
func (s *addrSlot) get(hi, lo uint64) (record *recordEntry, prefixBits int, ok bool) {
	st := s.state.Load()
	if st == 0 || st&stateWriting != 0 || s.hi.Load() != hi || s.lo.Load() != lo {
		return nil, 0, false
	}
	record = s.record.Load()
	if s.state.Load() != st { // rewritten meanwhile
		return nil, 0, false
	}
	return record, int(st >> stateBitsShift & stateBitsMask), true
}

// put stores a result in the slot, unless another writer holds it.
func (s *addrSlot) put(hi, lo uint64, record *recordEntry, prefixBits int) {
	st := s.state.Load()
	if st&stateWriting != 0 || !s.state.CompareAndSwap(st, st|stateWriting) {
		return
	}
	s.hi.Store(hi)
	s.lo.Store(lo)
	s.record.Store(record)
	version := st>>stateVersionShift + 1
	s.state.Store(version<<stateVersionShift | uint64(prefixBits)<<stateBitsShift)
}
