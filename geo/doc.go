// Package geo finds where a DNS client is, for trafficflow's geolocation and
// geoproximity rules, from a MaxMind DB file (GeoIP2/GeoLite2 City or Country,
// GeoIP2 Enterprise, DB-IP, or any database whose records carry
// country.iso_code or continent.code).
//
// [DB.Lookup] sits on the query hot path, so it goes through two lock-free,
// direct-mapped caches before any real work: one keyed by client address,
// which skips the walk of the database's search tree, and one keyed by
// data-record offset, which skips decoding. A repeated client costs a few
// atomic loads and compares, and no lookup allocates unless it decodes a
// record not in the cache. Decoding reads only the fields trafficflow uses
// (continent.code, country.iso_code, subdivisions[0].iso_code and
// location.latitude/longitude) with github.com/oschwald/maxminddb-golang/v2's
// cursor API, and skips the rest.
//
// Lookup also returns the prefix length of the database network holding the
// address, in bits of the address's own family. That is the EDNS Client Subnet
// scope the answer depends on (RFC 7871 §7.2.1). IPv4-mapped IPv6 addresses
// (::ffff:a.b.c.d, which is how miekg/dns unpacks an IPv4 ECS option) are
// looked up, and scoped, as IPv4.
//
// [Open] reads the whole file into memory, not through mmap: the file may be
// replaced in place without crashing the server, and [DB.Close] is safe while
// lookups are still running, so a reload can swap databases without a grace
// period. Open also walks every network and decodes every record once, so a
// corrupt database, or one without country data (an ASN database, say), fails
// at Open rather than on some later query.
package geo
