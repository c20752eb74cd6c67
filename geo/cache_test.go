package geo

import (
	"fmt"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// setCacheSlots resizes the caches of a DB not yet in use, to force
// collisions. Zero keeps a cache as Open made it.
func setCacheSlots(db *DB, addrs, records int) {
	if addrs > 0 {
		db.addrs = makeAddrCache(addrs)
	}
	if records > 0 {
		db.records = makeRecordCache(records)
	}
}

func TestNewCacheSize(t *testing.T) {
	tests := []struct{ records, want int }{
		{0, minRecordSlots},
		{1, minRecordSlots},
		{16, minRecordSlots},
		{17, 128},
		{250, 1024},
		{256, 1024},
		{257, 2048},
		{1 << 20, maxRecordSlots},
	}
	for _, tc := range tests {
		c := newRecordCache(tc.records)
		if len(c.slots) != tc.want {
			t.Errorf("newRecordCache(%d): %d slots, want %d", tc.records, len(c.slots), tc.want)
		}
		for _, off := range []uintptr{0, 1, 12345, 1<<40 + 7} {
			_ = c.slot(off) // in range, or this panics
		}
	}
}

// manyRecordsDB writes a database with n distinct records on 10.x.y.0/24
// networks and returns its path and the expected location of each network.
func manyRecordsDB(tb testing.TB, n int) (string, []netip.Addr, []Location) {
	tb.Helper()
	b := newMMDB("Many-Records", 6)
	var addrs []netip.Addr
	var want []Location
	countries := []string{"GB", "FR", "DE", "US", "JP", "BR", "AU", "ZA"}
	continents := []string{"EU", "EU", "EU", "NA", "AS", "SA", "OC", "AF"}
	var shCountry, shContinent []*shared
	for i := range countries {
		shCountry = append(shCountry, share(countryMap(countries[i])))
		shContinent = append(shContinent, share(continentMap(continents[i])))
	}
	for i := range n {
		c := i % len(countries)
		sub := fmt.Sprintf("S%d", i)
		lat, lon := float64(i%180)-89.5, float64(i%360)-179.5
		a := netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0})
		b.insert(netip.PrefixFrom(a, 24).String(), b.record(cityRecord(shContinent[c], shCountry[c], []string{sub}, lat, lon)))
		addrs = append(addrs, a.Next())
		want = append(want, Location{Continent: continents[c], Country: countries[c], Subdivision: sub, Latitude: lat, Longitude: lon, HasCoordinates: true})
	}
	return b.write(tb), addrs, want
}

// cacheSizes are (address slots, record slots) pairs; 0 keeps Open's size.
var cacheSizes = []struct{ addrs, records int }{
	{0, 0},
	{1, 0},  // every lookup walks the tree, records cached
	{0, 1},  // records evict each other behind the address cache
	{1, 1},  // nearly every lookup decodes
	{16, 4}, // both caches thrash
}

// With far more addresses and records than slots, entries keep replacing
// each other; the key compares must keep answers exact.
func TestCacheEviction(t *testing.T) {
	path, addrs, want := manyRecordsDB(t, 3000)
	for _, size := range cacheSizes {
		t.Run(fmt.Sprintf("%d,%d", size.addrs, size.records), func(t *testing.T) {
			db := openTest(t, path)
			setCacheSlots(db, size.addrs, size.records)
			for pass := range 2 {
				for i, addr := range addrs {
					loc, bits := db.Lookup(addr)
					if loc != want[i] || bits != 24 {
						t.Fatalf("pass %d: Lookup(%s) = %+v, %d; want %+v, 24", pass, addr, loc, bits, want[i])
					}
				}
			}
		})
	}
}

// The address cache is keyed by the whole address: neighbours in other
// networks, and IPv6 addresses sharing the low 64 bits, do not collide.
func TestAddrCacheKeys(t *testing.T) {
	db := openTest(t, testdata+"GeoIP2-City-Test.mmdb")
	setCacheSlots(db, 1, 0) // every address in the same set
	checkLookups(t, db, []lookupCase{
		{"::", unknown, 104}, // the all-zero key of an empty slot
		{"81.2.69.142", locLDN, 31},
		{"81.2.69.141", unknown, 31},
		{"2001:218::1", locJP, 32},
		{"2a02:d180::1", locDE, 29},
		{"2a02:d180::1", locDE, 29},
		{"::ffff:2.2.3.1", locGB, 24},
		{"2.2.3.1", locGB, 24},
		{"::2.2.3.1", locGB, 120}, // IPv4-compatible, not mapped: an IPv6 address
		{"2.2.3.1", locGB, 24},
	})
}

// Readers and writers of the same slots at once; run with -race. A torn read
// of an address slot would pair one address's location with another's scope.
func TestConcurrentLookups(t *testing.T) {
	for _, size := range cacheSizes {
		t.Run(fmt.Sprintf("%d,%d", size.addrs, size.records), func(t *testing.T) {
			db := openTest(t, testdata+"GeoIP2-City-Test.mmdb")
			setCacheSlots(db, size.addrs, size.records)
			tests := cityTest
			addrs := make([]netip.Addr, len(tests))
			for i, tc := range tests {
				if tc.addr != "" {
					addrs[i] = netip.MustParseAddr(tc.addr)
				}
			}
			var wg sync.WaitGroup
			var failures atomic.Int64
			for g := range 8 {
				wg.Go(func() {
					for n := range 500 {
						i := (g*7 + n) % len(tests)
						loc, bits := db.Lookup(addrs[i])
						if loc != tests[i].want || bits != tests[i].bits {
							if failures.Add(1) == 1 {
								t.Errorf("Lookup(%s) = %+v, %d; want %+v, %d", addrs[i], loc, bits, tests[i].want, tests[i].bits)
							}
						}
					}
				})
			}
			wg.Wait()
		})
	}
}

// Close while lookups run: they see either the answer or the closed result.
func TestCloseDuringLookups(t *testing.T) {
	db, err := Open(testdata + "GeoIP2-City-Test.mmdb")
	if err != nil {
		t.Fatal(err)
	}
	addr := netip.MustParseAddr("81.2.69.142")
	start := make(chan struct{})
	var closed atomic.Bool
	var wg sync.WaitGroup
	var failures atomic.Int64
	for range 4 {
		wg.Go(func() {
			<-start
			for {
				loc, bits := db.Lookup(addr)
				if loc == locLDN && bits == 31 {
					continue
				}
				// Close stores closed before it clears the reader.
				if loc == unknown && bits == 0 && closed.Load() {
					return
				}
				if failures.Add(1) == 1 {
					t.Errorf("Lookup = %+v, %d", loc, bits)
				}
				return
			}
		})
	}
	close(start)
	for range 1000 {
		db.Lookup(addr)
	}
	closed.Store(true)
	db.Close()
	wg.Wait()
	if loc, bits := db.Lookup(addr); loc != unknown || bits != 0 {
		t.Errorf("Lookup after Close = %+v, %d", loc, bits)
	}
}

// The hit path must not allocate: it is on every geo-routed query.
func TestLookupAllocs(t *testing.T) {
	db := openTest(t, testdata+"GeoIP2-City-Test.mmdb")
	var addrs []netip.Addr
	for _, tc := range cityTest {
		if tc.addr != "" {
			addrs = append(addrs, netip.MustParseAddr(tc.addr))
		}
	}
	for _, a := range addrs {
		db.Lookup(a) // fill the cache
	}
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		db.Lookup(addrs[i%len(addrs)])
		i++
	})
	if allocs != 0 {
		t.Errorf("Lookup allocates %v times per call on cached records", allocs)
	}
}

// A slot rewritten while it is read must never pair one address with
// another's record or scope. This is a stress test: it cannot fail with a
// correct seqlock, and catches a broken one in some runs only, depending on
// how the two goroutines interleave.
func TestAddrSlotTornReads(t *testing.T) {
	var slot addrSlot
	a := &recordEntry{offset: 1, loc: Location{Country: "AA"}}
	b := &recordEntry{offset: 2, loc: Location{Country: "BB"}}
	stop, started := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for n := 0; ; n++ {
			// The sole writer: its puts always succeed. It yields now and
			// then so that readers also see stable entries.
			slot.put(0, 1, a, 8)
			slot.put(0, 2, b, 16)
			if n%4 == 0 {
				runtime.Gosched()
			}
			if n == 0 {
				close(started)
			}
			select {
			case <-stop:
				return
			default:
			}
		}
	})
	<-started
	var hitsA, hitsB int
	for n := 0; n < 2_000_000 && (hitsA < 10_000 || hitsB < 10_000); n++ {
		if n%4096 == 0 {
			runtime.Gosched() // let a starved writer run
		}
		if e, bits, ok := slot.get(0, 1); ok {
			hitsA++
			if e != a || bits != 8 {
				t.Fatalf("get(A) = %v, %d", e.loc, bits)
			}
		}
		if e, bits, ok := slot.get(0, 2); ok {
			hitsB++
			if e != b || bits != 16 {
				t.Fatalf("get(B) = %v, %d", e.loc, bits)
			}
		}
	}
	close(stop)
	wg.Wait()
	if e, bits, ok := slot.get(0, 2); !ok || e != b || bits != 16 {
		t.Errorf("after the writer stopped: get(B) = %v, %d, %v", e, bits, ok)
	}
	t.Logf("%d and %d hits", hitsA, hitsB)
}

func TestAddrSlotStates(t *testing.T) {
	var slot addrSlot
	if _, _, ok := slot.get(0, 0); ok {
		t.Error("an empty slot hits for ::")
	}
	e := &recordEntry{offset: 1}
	slot.put(0, 0, e, 128)
	if got, bits, ok := slot.get(0, 0); !ok || got != e || bits != 128 {
		t.Errorf("get(::) = %v, %d, %v", got, bits, ok)
	}
	slot.put(0, 7, nil, 0)
	if got, bits, ok := slot.get(0, 7); !ok || got != nil || bits != 0 {
		t.Errorf("get(::7) = %v, %d, %v", got, bits, ok)
	}
	if _, _, ok := slot.get(0, 0); ok {
		t.Error("a replaced entry still hits")
	}
	// A writer in the middle of a put: readers miss, other writers back off.
	st := slot.state.Load()
	slot.state.Store(st | stateWriting)
	if _, _, ok := slot.get(0, 7); ok {
		t.Error("a slot being written hits")
	}
	slot.put(0, 9, e, 9)
	if slot.state.Load() != st|stateWriting || slot.lo.Load() != 7 {
		t.Error("a second writer entered a slot being written")
	}
}
