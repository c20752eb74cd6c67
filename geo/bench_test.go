package geo

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"

	maxminddb "github.com/oschwald/maxminddb-golang/v2"
)

// benchAddrs are client addresses with distinct records in GeoIP2-City-Test.
var benchAddrs = []string{
	"2.2.3.1", "81.2.69.142", "89.160.20.113", "216.160.83.57",
	"214.78.121.1", "175.16.199.1", "2001:218::1", "::ffff:214.0.1.1",
}

func parseAddrs(tb testing.TB) []netip.Addr {
	tb.Helper()
	var addrs []netip.Addr
	for _, s := range benchAddrs {
		addrs = append(addrs, netip.MustParseAddr(s))
	}
	return addrs
}

// BenchmarkLookup is the hot path. serial and parallel are the steady state:
// the address is cached. treewalk misses the address cache but finds the
// record cached (a new client of a known location); decode misses both.
func BenchmarkLookup(b *testing.B) {
	addrs := parseAddrs(b)
	lookups := func(b *testing.B, db *DB) {
		b.ReportAllocs()
		known, i := 0, 0
		for b.Loop() {
			if loc, _ := db.Lookup(addrs[i%len(addrs)]); loc.Known() {
				known++
			}
			i++
		}
		if known != i {
			b.Fatalf("%d of %d lookups known", known, i)
		}
	}
	b.Run("serial", func(b *testing.B) {
		lookups(b, openTest(b, testdata+"GeoIP2-City-Test.mmdb"))
	})
	b.Run("parallel", func(b *testing.B) {
		db := openTest(b, testdata+"GeoIP2-City-Test.mmdb")
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			known, i := 0, 0
			for pb.Next() {
				if loc, _ := db.Lookup(addrs[i%len(addrs)]); loc.Known() {
					known++
				}
				i++
			}
			if known != i {
				b.Errorf("%d of %d lookups known", known, i)
			}
		})
	})
	b.Run("treewalk", func(b *testing.B) {
		db := openTest(b, testdata+"GeoIP2-City-Test.mmdb")
		setCacheSlots(db, 1, 0)
		lookups(b, db)
	})
	b.Run("decode", func(b *testing.B) {
		db := openTest(b, testdata+"GeoIP2-City-Test.mmdb")
		setCacheSlots(db, 1, 1)
		lookups(b, db)
	})
}

// cityFields is what a caller would decode without this package: the same
// five fields, through maxminddb's reflection decoder.
type cityFields struct {
	Continent struct {
		Code string `maxminddb:"code"`
	} `maxminddb:"continent"`
	Country struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"country"`
	Subdivisions []struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"subdivisions"`
	Location struct {
		Latitude  *float64 `maxminddb:"latitude"`
		Longitude *float64 `maxminddb:"longitude"`
	} `maxminddb:"location"`
}

// BenchmarkBaseline shows what the cache saves: the tree walk alone, a
// Result.Decode into a plain struct, and this package's decoder uncached.
func BenchmarkBaseline(b *testing.B) {
	r, err := maxminddb.Open(testdata + "GeoIP2-City-Test.mmdb")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { r.Close() })
	addrs := parseAddrs(b)
	run := func(name string, lookup func(netip.Addr) bool) {
		b.Run(name+"/serial", func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if !lookup(addrs[i%len(addrs)].Unmap()) {
					b.Fatal("lookup failed")
				}
				i++
			}
		})
		b.Run(name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if !lookup(addrs[i%len(addrs)].Unmap()) {
						b.Error("lookup failed")
						return
					}
					i++
				}
			})
		})
	}
	run("TreeOnly", func(a netip.Addr) bool {
		res := r.Lookup(a)
		return res.Found() && res.Prefix().Bits() > 0
	})
	run("DecodeStruct", func(a netip.Addr) bool {
		var rec cityFields
		res := r.Lookup(a)
		return res.Decode(&rec) == nil && rec.Country.ISOCode != "" && res.Prefix().Bits() > 0
	})
	run("DecodeCursor", func(a netip.Addr) bool {
		var loc Location
		res := r.Lookup(a)
		return res.Decode((*locationRecord)(&loc)) == nil && loc.Known() && res.Prefix().Bits() > 0
	})
}

// bigDB writes a City-like database of n networks sharing n/4 records.
func bigDB(b *testing.B, n int) string {
	b.Helper()
	bd := newMMDB("Synthetic-City", 6)
	countries, continents := make([]*shared, 250), make([]*shared, 7)
	for i := range continents {
		continents[i] = share(continentMap(fmt.Sprintf("C%d", i)))
	}
	for i := range countries {
		countries[i] = share(countryMap(fmt.Sprintf("%c%c", 'A'+i/26, 'A'+i%26)))
	}
	records := make([]int, n/4)
	for i := range records {
		c := i % len(countries)
		records[i] = bd.record(cityRecord(continents[c%len(continents)], countries[c],
			[]string{fmt.Sprintf("S%d", i%50)}, float64(i%180)-90, float64(i%360)-180))
	}
	for i := range n {
		// Spread over the IPv4 space, /24 each, in a pseudo-random order.
		x := uint32(i) * 2654435761
		a := netip.AddrFrom4([4]byte{byte(x >> 24), byte(x >> 16), byte(x >> 8), 0})
		bd.insert(netip.PrefixFrom(a, 24).String(), records[i%len(records)])
	}
	return bd.write(b)
}

// BenchmarkLookupLarge looks up 10,000 distinct clients in a database of a
// million networks, where the search tree no longer fits the CPU caches:
// Lookup against the bare tree walk it mostly avoids.
func BenchmarkLookupLarge(b *testing.B) {
	path := bigDB(b, 1_000_000)
	db := openTest(b, path)
	r := db.reader.Load()
	rng := rand.New(rand.NewPCG(1, 2))
	addrs := make([]netip.Addr, 10_000)
	for i := range addrs {
		addrs[i] = netip.AddrFrom4([4]byte{byte(rng.Uint32()), byte(rng.Uint32()), byte(rng.Uint32()), byte(rng.Uint32())})
		db.Lookup(addrs[i])
	}
	b.Run("Lookup", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			db.Lookup(addrs[i%len(addrs)])
			i++
		}
	})
	b.Run("TreeOnly", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			_ = r.Lookup(addrs[i%len(addrs)]).Prefix()
			i++
		}
	})
}

// BenchmarkOpen measures Open, which checks every record, against plain
// maxminddb.Open and maxminddb.Open plus Reader.Verify.
func BenchmarkOpen(b *testing.B) {
	files := []struct{ name, path string }{
		{"City-Test", testdata + "GeoIP2-City-Test.mmdb"},
		{"Synthetic-200k", bigDB(b, 200_000)},
	}
	for _, f := range files {
		b.Run(f.name+"/Open", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				db, err := Open(f.path)
				if err != nil {
					b.Fatal(err)
				}
				db.Close()
			}
		})
		b.Run(f.name+"/maxminddb.Open", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r, err := maxminddb.Open(f.path)
				if err != nil {
					b.Fatal(err)
				}
				r.Close()
			}
		})
		b.Run(f.name+"/maxminddb.Verify", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r, err := maxminddb.Open(f.path)
				if err != nil {
					b.Fatal(err)
				}
				if err := r.Verify(); err != nil {
					b.Fatal(err)
				}
				r.Close()
			}
		})
	}
}
