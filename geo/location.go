package geo

import (
	"fmt"
	"math"

	"github.com/oschwald/maxminddb-golang/v2/mmdbdata"
)

// Location is what trafficflow needs to know about a client address.
type Location struct {
	Continent           string // continent.code as the database says ("EU"); "" if none
	Country             string // country.iso_code ("GB"); "" if none
	Subdivision         string // subdivisions[0].iso_code, the largest subdivision ("ENG", "CA", "22"); "" if none
	Latitude, Longitude float64
	HasCoordinates      bool // location.latitude/longitude present
}

// Known reports whether the database knows anything usable (a country or a continent).
func (l Location) Known() bool { return l.Country != "" || l.Continent != "" }

// locationRecord decodes a data record into a Location, reading only the
// fields Location holds and skipping the rest (names in every language,
// postal codes, traits...). It implements mmdbdata.CursorUnmarshaler, so
// maxminddb calls it instead of reflecting over a struct.
//
// Values of an unexpected kind (say, a "country" that is a string rather
// than a map) are skipped as absent: they are a different schema, not a
// corrupt file. Malformed encodings are errors.
type locationRecord Location

// UnmarshalMaxMindDBCursor implements mmdbdata.CursorUnmarshaler.
func (l *locationRecord) UnmarshalMaxMindDBCursor(c mmdbdata.Cursor) (mmdbdata.Cursor, error) {
	entries, skip, err := openMap(c)
	if err != nil || skip {
		return skipped(c, err)
	}
	var next mmdbdata.Cursor
	for {
		key, value, ok := entries.Next(next)
		if !ok {
			break
		}
		switch string(key) {
		case "continent":
			next, err = readMapString(value, "code", &l.Continent)
		case "country":
			next, err = readMapString(value, "iso_code", &l.Country)
		case "subdivisions":
			next, err = l.readSubdivisions(value)
		case "location":
			next, err = l.readCoordinates(value)
		default:
			next, err = value.Skip()
		}
		if err != nil {
			return mmdbdata.Cursor{}, fmt.Errorf("%s: %w", key, err)
		}
	}
	return entries.End()
}

// readSubdivisions reads subdivisions[0].iso_code. MaxMind orders
// subdivisions from largest to smallest.
func (l *locationRecord) readSubdivisions(c mmdbdata.Cursor) (mmdbdata.Cursor, error) {
	kind, err := c.Kind()
	if err != nil {
		return mmdbdata.Cursor{}, err
	}
	if kind != mmdbdata.KindSlice {
		return c.Skip()
	}
	elems, err := c.Slice()
	if err != nil {
		return mmdbdata.Cursor{}, err
	}
	var next mmdbdata.Cursor
	for {
		i, elem, ok := elems.Next(next)
		if !ok {
			break
		}
		if i == 0 {
			next, err = readMapString(elem, "iso_code", &l.Subdivision)
		} else {
			next, err = elem.Skip()
		}
		if err != nil {
			return mmdbdata.Cursor{}, err
		}
	}
	return elems.End()
}

// readCoordinates reads location.latitude and location.longitude. Both must
// be present, finite and in range for the record to have coordinates.
func (l *locationRecord) readCoordinates(c mmdbdata.Cursor) (mmdbdata.Cursor, error) {
	entries, skip, err := openMap(c)
	if err != nil || skip {
		return skipped(c, err)
	}
	var lat, lon float64
	var hasLat, hasLon bool
	var next mmdbdata.Cursor
	for {
		key, value, ok := entries.Next(next)
		if !ok {
			break
		}
		switch string(key) {
		case "latitude":
			next, hasLat, err = readFloat(value, &lat)
		case "longitude":
			next, hasLon, err = readFloat(value, &lon)
		default:
			next, err = value.Skip()
		}
		if err != nil {
			return mmdbdata.Cursor{}, fmt.Errorf("%s: %w", key, err)
		}
	}
	if hasLat && hasLon && validCoordinates(lat, lon) {
		l.Latitude, l.Longitude, l.HasCoordinates = lat, lon, true
	}
	return entries.End()
}

func validCoordinates(lat, lon float64) bool {
	// The comparisons are false for NaN.
	return lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 &&
		!math.IsInf(lat, 0) && !math.IsInf(lon, 0)
}

// readMapString reads the string at field of the map at c into dst.
func readMapString(c mmdbdata.Cursor, field string, dst *string) (mmdbdata.Cursor, error) {
	entries, skip, err := openMap(c)
	if err != nil || skip {
		return skipped(c, err)
	}
	var next mmdbdata.Cursor
	for {
		key, value, ok := entries.Next(next)
		if !ok {
			break
		}
		if string(key) == field {
			next, err = readString(value, dst)
		} else {
			next, err = value.Skip()
		}
		if err != nil {
			return mmdbdata.Cursor{}, fmt.Errorf("%s: %w", key, err)
		}
	}
	return entries.End()
}

// readString reads a string into dst, or skips a value of another kind.
// Strings come from maxminddb's string cache, so repeated codes ("US") do
// not allocate again; they never alias the database buffer.
func readString(c mmdbdata.Cursor, dst *string) (mmdbdata.Cursor, error) {
	kind, err := c.Kind()
	if err != nil {
		return mmdbdata.Cursor{}, err
	}
	if kind != mmdbdata.KindString {
		return c.Skip()
	}
	s, next, err := c.ReadString()
	if err != nil {
		return mmdbdata.Cursor{}, err
	}
	*dst = s
	return next, nil
}

// readFloat reads a float (either width) into dst, or skips a value of another kind.
func readFloat(c mmdbdata.Cursor, dst *float64) (mmdbdata.Cursor, bool, error) {
	kind, err := c.Kind()
	if err != nil {
		return mmdbdata.Cursor{}, false, err
	}
	if kind != mmdbdata.KindFloat64 && kind != mmdbdata.KindFloat32 {
		next, err := c.Skip()
		return next, false, err
	}
	f, next, err := c.ReadFloat()
	if err != nil {
		return mmdbdata.Cursor{}, false, err
	}
	*dst = f
	return next, true, nil
}

// openMap opens the map at c. skip is true when c holds another kind of value.
func openMap(c mmdbdata.Cursor) (entries mmdbdata.MapCursor, skip bool, err error) {
	kind, err := c.Kind()
	if err != nil {
		return entries, false, err
	}
	if kind != mmdbdata.KindMap {
		return entries, true, nil
	}
	entries, err = c.Map()
	return entries, false, err
}

// skipped returns err if set, or else the successor of the value at c.
func skipped(c mmdbdata.Cursor, err error) (mmdbdata.Cursor, error) {
	if err != nil {
		return mmdbdata.Cursor{}, err
	}
	return c.Skip()
}
