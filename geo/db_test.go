package geo

import (
	"errors"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	maxminddb "github.com/oschwald/maxminddb-golang/v2"
)

const testdata = "../testdata/geoip/"

func openTest(tb testing.TB, path string) *DB {
	tb.Helper()
	db, err := Open(path)
	if err != nil {
		tb.Fatalf("Open(%s): %v", path, err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

type lookupCase struct {
	addr string
	want Location
	bits int
}

func checkLookups(t *testing.T, db *DB, tests []lookupCase) {
	t.Helper()
	for _, tc := range tests {
		var addr netip.Addr
		if tc.addr != "" {
			addr = netip.MustParseAddr(tc.addr)
		}
		loc, bits := db.Lookup(addr)
		if loc != tc.want || bits != tc.bits {
			t.Errorf("Lookup(%s) = %+v, %d; want %+v, %d", tc.addr, loc, bits, tc.want, tc.bits)
		}
	}
}

var (
	locGB    = Location{Continent: "EU", Country: "GB", Subdivision: "ENG", Latitude: 51.75, Longitude: -1.25, HasCoordinates: true}
	locLDN   = Location{Continent: "EU", Country: "GB", Subdivision: "ENG", Latitude: 51.5142, Longitude: -0.0931, HasCoordinates: true}
	locSE    = Location{Continent: "EU", Country: "SE", Subdivision: "E", Latitude: 58.4167, Longitude: 15.6167, HasCoordinates: true}
	locWA    = Location{Continent: "NA", Country: "US", Subdivision: "WA", Latitude: 47.2513, Longitude: -122.3149, HasCoordinates: true}
	locCA    = Location{Continent: "NA", Country: "US", Subdivision: "CA", Latitude: 32.7405, Longitude: -117.0935, HasCoordinates: true}
	locCN    = Location{Continent: "AS", Country: "CN", Subdivision: "22", Latitude: 43.88, Longitude: 125.3228, HasCoordinates: true}
	locBT    = Location{Continent: "AS", Country: "BT", Latitude: 27.5, Longitude: 90.5, HasCoordinates: true}
	locSG    = Location{Continent: "AS", Country: "SG", Latitude: 1.336, Longitude: 103.7716, HasCoordinates: true}
	locAU    = Location{Continent: "OC", Country: "AU", Subdivision: "VIC", Latitude: -37.8159, Longitude: 144.9669, HasCoordinates: true}
	locJP    = Location{Continent: "AS", Country: "JP", Latitude: 35.68536, Longitude: 139.75309, HasCoordinates: true}
	locDE    = Location{Continent: "EU", Country: "DE", Latitude: 51.5, Longitude: 10.5, HasCoordinates: true}
	unknown  = Location{}
	cityTest = []lookupCase{
		{"2.2.3.0", locGB, 24},
		{"2.2.3.255", locGB, 24},
		{"214.78.120.1", locCA, 22},
		{"214.78.123.254", locCA, 22},
		{"216.160.83.56", locWA, 29},
		{"216.160.83.63", locWA, 29},
		{"89.160.20.112", locSE, 28},
		{"89.160.20.127", locSE, 28},
		{"175.16.199.1", locCN, 24},
		{"67.43.156.1", locBT, 24},
		{"214.0.0.1", locSG, 24},
		{"214.0.1.200", locAU, 24},
		{"214.1.1.1", unknown, 24}, // a record without location data
		{"81.2.69.142", locLDN, 31},
		{"81.2.69.143", locLDN, 31},
		{"2001:218::1", locJP, 32},
		{"2001:218:ffff::1", locJP, 32},
		{"2a02:d180::1", locDE, 29},
		// IPv4-mapped forms, as miekg/dns unpacks an IPv4 ECS address.
		{"::ffff:2.2.3.1", locGB, 24},
		{"::ffff:81.2.69.142", locLDN, 31},
		{"::ffff:214.1.1.1", unknown, 24},
		// No record: the prefix of the empty network.
		{"1.1.1.1", unknown, 8},
		{"10.0.0.1", unknown, 8},
		{"::ffff:10.0.0.1", unknown, 8},
		{"::1", unknown, 104},
		{"", unknown, 0}, // the zero netip.Addr
	}
)

func TestLookupCity(t *testing.T) {
	db := openTest(t, testdata+"GeoIP2-City-Test.mmdb")
	if got := db.Type(); got != "GeoIP2-City" {
		t.Errorf("Type() = %q", got)
	}
	if !db.HasCoordinates() {
		t.Error("HasCoordinates() = false for a City database")
	}
	checkLookups(t, db, cityTest)
	// Again, now that every record is cached.
	checkLookups(t, db, cityTest)
}

// GeoLite2 City has the same schema but other networks than GeoIP2 City.
func TestLookupGeoLite2City(t *testing.T) {
	db := openTest(t, testdata+"GeoLite2-City-Test.mmdb")
	if got := db.Type(); got != "GeoLite2-City" {
		t.Errorf("Type() = %q", got)
	}
	if !db.HasCoordinates() {
		t.Error("HasCoordinates() = false for a City database")
	}
	checkLookups(t, db, []lookupCase{
		{"81.2.69.142", locLDN, 31},
		{"89.160.20.113", locSE, 28},
		{"175.16.199.1", locCN, 24},
		{"216.160.83.57", locWA, 29},
		{"2001:218::1", locJP, 32},
		{"2a02:d180::1", locDE, 29},
		{"2.2.3.1", unknown, 10}, // only in GeoIP2-City-Test
		{"::ffff:2.2.3.1", unknown, 10},
	})
}

func TestLookupCountry(t *testing.T) {
	gb := Location{Continent: "EU", Country: "GB"}
	tests := []lookupCase{
		{"81.2.69.142", gb, 31},
		{"::ffff:81.2.69.142", gb, 31},
		{"89.160.20.113", Location{Continent: "EU", Country: "SE"}, 28},
		{"216.160.83.57", Location{Continent: "NA", Country: "US"}, 29},
		{"2001:218::1", Location{Continent: "AS", Country: "JP"}, 32},
		{"2a02:d180::1", Location{Continent: "EU", Country: "DE"}, 29},
		{"10.0.0.1", unknown, 8},
	}
	for _, name := range []string{"GeoIP2-Country", "GeoLite2-Country"} {
		t.Run(name, func(t *testing.T) {
			db := openTest(t, testdata+name+"-Test.mmdb")
			if got := db.Type(); got != name {
				t.Errorf("Type() = %q, want %q", got, name)
			}
			if db.HasCoordinates() {
				t.Error("HasCoordinates() = true for a Country database")
			}
			checkLookups(t, db, tests)
		})
	}
}

// TestLookupMatchesDecode checks every network of the City test databases
// against a plain reflection Decode of the same record.
func TestLookupMatchesDecode(t *testing.T) {
	type record = cityFields // what maxminddb's reflection decoder reads
	for _, name := range []string{"GeoIP2-City-Test.mmdb", "GeoLite2-City-Test.mmdb", "GeoIP2-Country-Test.mmdb"} {
		t.Run(name, func(t *testing.T) {
			db := openTest(t, testdata+name)
			r, err := maxminddb.Open(testdata + name)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			n := 0
			for res := range r.Networks() {
				var rec record
				if err := res.Decode(&rec); err != nil {
					t.Fatal(err)
				}
				want := Location{Continent: rec.Continent.Code, Country: rec.Country.ISOCode}
				if len(rec.Subdivisions) > 0 {
					want.Subdivision = rec.Subdivisions[0].ISOCode
				}
				if lat, lon := rec.Location.Latitude, rec.Location.Longitude; lat != nil && lon != nil {
					want.Latitude, want.Longitude, want.HasCoordinates = *lat, *lon, true
				}
				p := res.Prefix()
				for _, addr := range []netip.Addr{p.Addr(), lastAddr(p)} {
					loc, bits := db.Lookup(addr)
					if loc != want || bits != p.Bits() {
						t.Errorf("Lookup(%s) = %+v, %d; want %+v, %d (network %s)", addr, loc, bits, want, p.Bits(), p)
					}
				}
				n++
			}
			if n < 100 {
				t.Fatalf("only %d networks", n)
			}
		})
	}
}

// lastAddr returns the last address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	city, err := os.ReadFile(testdata + "GeoIP2-City-Test.mmdb")
	if err != nil {
		t.Fatal(err)
	}
	// A file cut short, as a reader might see one being rewritten in place.
	truncated := write("truncated.mmdb", city[:len(city)/2])
	// A valid file with its search tree overwritten.
	badTree := append([]byte(nil), city...)
	for i := 0; i < 7*200; i++ {
		badTree[i] = 0xff
	}
	tests := []struct {
		name string
		path string
		want []string // substrings of the error
		is   error
	}{
		{"ASN", testdata + "GeoLite2-ASN-Test.mmdb", []string{`"GeoLite2-ASN"`, "no country data"}, nil},
		{"broken double", testdata + "GeoIP2-City-Test-Broken-Double-Format.mmdb", []string{"corrupt", "latitude"}, nil},
		{"invalid node count", testdata + "GeoIP2-City-Test-Invalid-Node-Count.mmdb", []string{"not a valid MaxMind DB"}, nil},
		{"missing", filepath.Join(dir, "missing.mmdb"), []string{"missing.mmdb"}, fs.ErrNotExist},
		{"not a MaxMind DB", testdata + "LICENSE-MIT", []string{"LICENSE-MIT", "not a valid MaxMind DB"}, nil},
		{"empty", write("empty.mmdb", nil), []string{"not a valid MaxMind DB"}, nil},
		{"truncated", truncated, []string{"not a valid MaxMind DB"}, nil},
		{"bad search tree", write("badtree.mmdb", badTree), []string{"corrupt"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db, err := Open(tc.path)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q is not %v", err, tc.is)
			}
		})
	}
}

// A database of any type whose records carry the fields is accepted, and
// values of another kind are skipped rather than misread.
func TestCustomSchema(t *testing.T) {
	b := newMMDB("Acme-Geo", 6)
	eu := share(continentMap("EU"))
	b.insert("192.0.2.0/24", b.record(mmdbMap{{"country", mmdbMap{{"iso_code", "FR"}}}}))
	b.insert("198.51.100.0/24", b.record(mmdbMap{{"continent", eu}}))
	b.insert("198.51.100.128/25", b.record(mmdbMap{{"continent", eu}, {"country", countryMap("IE")}}))
	b.insert("203.0.113.0/26", b.record(cityRecord(continentMap("OC"), countryMap("NZ"), []string{"AUK", "X"}, float32(-36.5), float32(174.75))))
	b.insert("203.0.113.64/26", b.record(cityRecord(nil, countryMap("NZ"), nil, -36.5, nil)))         // latitude only
	b.insert("203.0.113.128/26", b.record(cityRecord(nil, countryMap("NZ"), nil, 91.0, 0.0)))         // out of range
	b.insert("203.0.113.192/26", b.record(cityRecord(nil, countryMap("NZ"), nil, "-36.5", "174.75"))) // strings
	b.insert("2001:db8::/48", b.record(mmdbMap{{"country", "US"}, {"continent", mmdbMap{{"code", 7}}}, {"subdivisions", "CA"}}))
	b.insert("2001:db8:1::/48", b.record(mmdbMap{{"country", countryMap("US")}, {"subdivisions", []any{}}}))
	b.insert("2001:db8:2::/48", b.record("just a string"))
	b.insert("2001:db8:3::/48", b.record(mmdbMap{{"subdivisions", []any{"CA", mmdbMap{{"iso_code", "SF"}}}}, {"country", countryMap("US")}}))
	b.insert("2001:db8:4::/48", b.record(mmdbMap{{"country", countryMap("US")}, {"location", mmdbMap{{"latitude", 0.0}, {"longitude", 0.0}}}}))
	db := openTest(t, b.write(t))

	if got := db.Type(); got != "Acme-Geo" {
		t.Errorf("Type() = %q", got)
	}
	if !db.HasCoordinates() {
		t.Error("HasCoordinates() = false")
	}
	checkLookups(t, db, []lookupCase{
		{"192.0.2.1", Location{Country: "FR"}, 24},
		{"198.51.100.1", Location{Continent: "EU"}, 25},
		{"198.51.100.200", Location{Continent: "EU", Country: "IE"}, 25},
		{"203.0.113.1", Location{Continent: "OC", Country: "NZ", Subdivision: "AUK", Latitude: -36.5, Longitude: 174.75, HasCoordinates: true}, 26},
		{"203.0.113.65", Location{Country: "NZ"}, 26},
		{"203.0.113.129", Location{Country: "NZ"}, 26},
		{"203.0.113.193", Location{Country: "NZ"}, 26},
		{"2001:db8::1", unknown, 48},
		{"2001:db8:1::1", Location{Country: "US"}, 48},
		{"2001:db8:2::1", unknown, 48},
		{"2001:db8:3::1", Location{Country: "US"}, 48},
		{"2001:db8:4::1", Location{Country: "US", HasCoordinates: true}, 48},
	})
}

func TestIPv4OnlyDatabase(t *testing.T) {
	b := newMMDB("Acme-Geo-IPv4", 4)
	b.insert("192.0.2.0/24", b.record(mmdbMap{{"continent", continentMap("EU")}, {"country", countryMap("FR")}}))
	b.insert("192.0.2.0/28", b.record(mmdbMap{{"continent", continentMap("EU")}, {"country", countryMap("MC")}}))
	db := openTest(t, b.write(t))
	fr := Location{Continent: "EU", Country: "FR"}
	checkLookups(t, db, []lookupCase{
		{"192.0.2.200", fr, 25}, // the /24 was split around the /28
		{"::ffff:192.0.2.200", fr, 25},
		{"192.0.2.1", Location{Continent: "EU", Country: "MC"}, 28},
		{"::ffff:192.0.2.1", Location{Continent: "EU", Country: "MC"}, 28},
		// 198 = 0b11000110 leaves 192 = 0b11000000 after 6 bits.
		{"198.51.100.1", unknown, 6},
		// The database knows nothing about IPv6: nothing depends on the address.
		{"2001:db8::1", unknown, 0},
		{"::1", unknown, 0},
	})
}

// An IPv6 database that has nothing, or a single record, for all of ::/96
// holds no IPv4 network: the IPv4 scope is 0.
func TestIPv4ScopeAboveSubtree(t *testing.T) {
	jp := mmdbMap{{"country", countryMap("JP")}}
	b := newMMDB("IPv6-Only", 6)
	b.insert("2001:db8::/32", b.record(jp))
	checkLookups(t, openTest(t, b.write(t)), []lookupCase{
		{"192.0.2.1", unknown, 0},
		{"::ffff:192.0.2.1", unknown, 0},
		{"2001:db8::1", Location{Country: "JP"}, 32},
	})

	b = newMMDB("Low-Zeros", 6)
	b.insert("::/8", b.record(jp))
	checkLookups(t, openTest(t, b.write(t)), []lookupCase{
		{"192.0.2.1", Location{Country: "JP"}, 0},
		{"::1", Location{Country: "JP"}, 8},
	})
}

func TestNoCountryData(t *testing.T) {
	tests := []struct {
		name    string
		records []any
	}{
		{"flat strings", []any{mmdbMap{{"country", "US"}, {"continent", "NA"}, {"country_name", "United States"}}}},
		{"not maps", []any{"US", 42}},
		{"empty codes", []any{mmdbMap{{"country", mmdbMap{{"iso_code", ""}}}, {"location", mmdbMap{{"latitude", 1.0}, {"longitude", 2.0}}}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newMMDB("Flat-Geo", 6)
			for i, rec := range tc.records {
				b.insert(netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i), 0, 0}), 16).String(), b.record(rec))
			}
			db, err := Open(b.write(t))
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), `"Flat-Geo" has no country data`) {
				t.Errorf("error %q", err)
			}
		})
	}
}

func TestClose(t *testing.T) {
	db := openTest(t, testdata+"GeoIP2-City-Test.mmdb")
	addr := netip.MustParseAddr("2.2.3.1")
	if loc, _ := db.Lookup(addr); loc != locGB {
		t.Fatalf("Lookup before Close = %+v", loc)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if loc, bits := db.Lookup(addr); loc != unknown || bits != 0 {
		t.Errorf("Lookup after Close = %+v, %d", loc, bits)
	}
	if db.Type() != "GeoIP2-City" || !db.HasCoordinates() {
		t.Error("metadata lost by Close")
	}
}

func TestKnown(t *testing.T) {
	tests := []struct {
		loc  Location
		want bool
	}{
		{Location{}, false},
		{Location{Subdivision: "CA", Latitude: 1, Longitude: 2, HasCoordinates: true}, false},
		{Location{Country: "US"}, true},
		{Location{Continent: "EU"}, true},
	}
	for _, tc := range tests {
		if got := tc.loc.Known(); got != tc.want {
			t.Errorf("%+v.Known() = %v", tc.loc, got)
		}
	}
}
