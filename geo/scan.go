package geo

import (
	"fmt"

	maxminddb "github.com/oschwald/maxminddb-golang/v2"
)

// summary is what Open learns by walking a database.
type summary struct {
	records     int  // distinct data records
	known       bool // some record has a country or a continent
	coordinates bool // some record has coordinates
}

// scan walks every network of r and decodes each distinct data record once,
// exactly as Lookup would. maxminddb itself only notices a corrupt tree or
// record when a lookup reaches it; this makes Open notice instead. size
// bounds the data-record offsets (the size of the file).
//
// It checks what trafficflow uses, not the whole file: fields that Lookup
// skips are only checked for their framing. maxminddb's own Reader.Verify
// goes further but decodes every record into maps, which is several times
// slower, and it rejects some files that read fine.
func scan(r *maxminddb.Reader, size int) (summary, error) {
	var sum summary
	seen := make([]uint64, size/64+1) // bit set of data-record offsets
	for res := range r.Networks() {
		if err := res.Err(); err != nil {
			return sum, fmt.Errorf("search tree: %w", err)
		}
		off := res.Offset()
		if off >= uintptr(size) {
			return sum, fmt.Errorf("network %s: data record offset %d out of range", res.Prefix(), off)
		}
		word, bit := off/64, uint64(1)<<(off%64)
		if seen[word]&bit != 0 {
			continue
		}
		seen[word] |= bit
		sum.records++
		var loc Location
		if err := res.Decode((*locationRecord)(&loc)); err != nil {
			return sum, fmt.Errorf("network %s: %w", res.Prefix(), err)
		}
		sum.known = sum.known || loc.Known()
		sum.coordinates = sum.coordinates || loc.HasCoordinates
	}
	return sum, nil
}
