package geo

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"sync/atomic"

	maxminddb "github.com/oschwald/maxminddb-golang/v2"
)

// DB is an open MaxMind DB. Its methods are safe for concurrent use.
type DB struct {
	// reader is nil once the DB is closed.
	reader    atomic.Pointer[maxminddb.Reader]
	addrs     addrCache
	records   recordCache
	dbType    string
	ipv4Only  bool // metadata ip_version 4: IPv6 addresses cannot be looked up
	hasCoords bool
}

// Open opens a MaxMind DB (GeoIP2/GeoLite2 City or Country, GeoIP2 Enterprise,
// DB-IP city/country/location, or any database whose records carry
// country.iso_code / continent.code; decoding is by field, so there is no
// whitelist of database types).
//
// Open reads the file into memory and checks it completely: it walks every
// network and decodes every data record once. It fails with an error naming
// the file for a file that is not a MaxMind DB, a corrupt one, and one whose
// records carry no country or continent (an ASN database, for example).
func Open(path string) (*DB, error) {
	// Not mmap: a file rewritten in place under a mapping can crash the
	// process (SIGBUS), and a mapping cannot be released while lookups may
	// still read it. The check below touches every page anyway.
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("geo: %w", err)
	}
	r, err := maxminddb.OpenBytes(data)
	if err != nil {
		return nil, fmt.Errorf("geo: %s: not a valid MaxMind DB: %w", path, err)
	}
	md := r.Metadata
	if md.IPVersion != 4 && md.IPVersion != 6 {
		return nil, fmt.Errorf("geo: %s: not a valid MaxMind DB: ip_version %d", path, md.IPVersion)
	}
	sum, err := scan(r, len(data))
	if err != nil {
		return nil, fmt.Errorf("geo: %s: corrupt MaxMind DB (database_type %q): %w", path, md.DatabaseType, err)
	}
	if !sum.known {
		return nil, fmt.Errorf("geo: %s: database_type %q has no country data: none of its %d records carries country.iso_code or continent.code",
			path, md.DatabaseType, sum.records)
	}
	db := &DB{
		addrs:     makeAddrCache(addrSlots),
		records:   newRecordCache(sum.records),
		dbType:    md.DatabaseType,
		ipv4Only:  md.IPVersion == 4,
		hasCoords: sum.coordinates,
	}
	db.reader.Store(r)
	return db, nil
}

// Lookup returns the location of addr and the prefix length of the database
// network that contains addr, in bits of addr's own family (0..32 for IPv4,
// 0..128 for IPv6): the ECS scope the answer depends on.
//
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d, as miekg/dns unpacks an IPv4
// ECS option) are treated as IPv4. An address the database has no record for
// returns the zero Location and the prefix length of the (empty) network
// found. An IPv6 address in an IPv4-only database, an invalid address, and
// any address after Close return the zero Location and 0.
//
// Lookup is safe for concurrent use and takes no lock. It allocates only to
// decode a record missing from the cache (once per record in steady state).
func (db *DB) Lookup(addr netip.Addr) (Location, int) {
	r := db.reader.Load()
	if r == nil {
		return Location{}, 0
	}
	addr = addr.Unmap()
	if !addr.IsValid() || (db.ipv4Only && addr.Is6()) {
		return Location{}, 0
	}
	key := addr.As16() // unambiguous: a 4-in-6 address is now IPv4
	hi, lo := binary.BigEndian.Uint64(key[:8]), binary.BigEndian.Uint64(key[8:])
	if e, bits, ok := db.addrs.get(hi, lo); ok {
		if e == nil {
			return Location{}, bits
		}
		return e.loc, bits
	}
	e, bits := db.lookup(r, addr)
	db.addrs.put(hi, lo, e, bits)
	if e == nil {
		return Location{}, bits
	}
	return e.loc, bits
}

// lookup walks the search tree for addr and returns its record (nil if none)
// and the scope.
func (db *DB) lookup(r *maxminddb.Reader, addr netip.Addr) (*recordEntry, int) {
	res := r.Lookup(addr)
	bits := scopeBits(addr, res.Prefix())
	if !res.Found() {
		return nil, bits
	}
	off := res.Offset()
	slot := db.records.slot(off)
	if e := slot.Load(); e != nil && e.offset == off {
		return e, bits
	}
	// Miss: decode the record and publish it.
	e := &recordEntry{offset: off}
	if err := res.Decode((*locationRecord)(&e.loc)); err != nil {
		// Open decoded this very record without error, so this cannot
		// happen; cache "unknown" so that it cannot cost twice either.
		e.loc = Location{}
	}
	slot.Store(e)
	return e, bits
}

// scopeBits converts the database network to a prefix length in addr's family.
// For an IPv4 address, maxminddb returns an IPv4 prefix, except when the
// network lies above the IPv4 subtree (an IPv6 database with a single record,
// or nothing, for all of ::/96): then no IPv4 bit matters.
func scopeBits(addr netip.Addr, p netip.Prefix) int {
	bits := p.Bits()
	if bits < 0 || (addr.Is4() && !p.Addr().Is4()) {
		return 0
	}
	return bits
}

// HasCoordinates reports whether the database carries coordinates
// (location.latitude and location.longitude), as City databases do: Open
// found at least one record with them.
func (db *DB) HasCoordinates() bool { return db.hasCoords }

// Type returns the metadata database_type, e.g. "GeoIP2-City".
func (db *DB) Type() string { return db.dbType }

// Close releases the database. Lookups running concurrently are safe: they
// finish on the old data, and later ones return the zero Location and 0.
// The memory is freed once no lookup uses it. Close is idempotent.
func (db *DB) Close() error {
	// Not (*maxminddb.Reader).Close: for a reader over a byte slice it only
	// clears fields, which would race with lookups still in flight.
	db.reader.Store(nil)
	return nil
}
