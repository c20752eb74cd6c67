package evaluate

import (
	"math"

	"github.com/trafficflow/trafficflow/policyfile"
)

// Client is what evaluation knows about the client: its location (from a
// GeoIP database) and, when a latency table covers it, its measured
// round-trip times. Build it with NewClient; the zero value is a client
// with no location data, which matches only geo defaults and takes
// geoproximity and latency items in document order.
type Client struct {
	// country is the packed ISO code + 1 (0: none); continent is Route 53's
	// continent index + 1 (0: none).
	country   uint16
	continent uint8
	sub       uint32 // packed subdivision code, 0: none
	hasCoords bool
	lat, lon  float64 // radians
	cosLat    float64
	// RTT is the client's latency-table row (region → milliseconds), or
	// nil.
	RTT map[string]float64
}

// NewClient describes a client from GeoIP data: ISO country code,
// subdivision code (the largest, e.g. "CA" or "ENG"), the continent code the
// database gives, and coordinates in degrees when hasCoords is set. The
// continent Route 53 uses comes from its own country table
// (policyfile.ContinentOf); the database's continent counts only for
// countries the table lacks and for addresses with a continent but no
// country.
func NewClient(country, subdivision, continent string, hasCoords bool, lat, lon float64) Client {
	var c Client
	c.country = packCountry(country)
	if c.country != 0 {
		c.continent = countryContinent[c.country]
		c.sub = packSub(subdivision)
	}
	if c.continent == 0 {
		c.continent = continentIndex(continent)
	}
	if hasCoords {
		c.hasCoords = true
		c.lat, c.lon = lat*math.Pi/180, lon*math.Pi/180
		c.cosLat = math.Cos(c.lat)
	}
	return c
}

// Continent returns the client's continent code as evaluation uses it
// (Route 53's continent of its country, or the database's), or "".
func (c *Client) Continent() string {
	if c.continent == 0 {
		return ""
	}
	return continents[c.continent-1]
}

// packCountry packs a two-letter upper-case code into 1..676, or 0.
func packCountry(s string) uint16 {
	if len(s) != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' {
		return 0
	}
	return uint16(s[0]-'A')*26 + uint16(s[1]-'A') + 1
}

// packSub packs a subdivision code of one to three bytes, or returns 0.
func packSub(s string) uint32 {
	if len(s) == 0 || len(s) > 3 {
		return 0
	}
	var v uint32
	for i := 0; i < len(s); i++ {
		v = v<<8 | uint32(s[i])
	}
	return v
}

var continents = [...]string{"AF", "AN", "AS", "EU", "NA", "OC", "SA"}

// continentIndex returns a continent code's index + 1, or 0.
func continentIndex(s string) uint8 {
	for i, c := range continents {
		if c == s {
			return uint8(i + 1)
		}
	}
	return 0
}

// countryContinent is Route 53's country → continent table
// (policyfile.ContinentOf) indexed by packed country code.
var countryContinent = func() (t [677]uint8) {
	for a := byte('A'); a <= 'Z'; a++ {
		for b := byte('A'); b <= 'Z'; b++ {
			code := string([]byte{a, b})
			if cont := policyfile.ContinentOf(code); cont != "" {
				t[packCountry(code)] = continentIndex(cont)
			}
		}
	}
	return t
}()

// geoIndex finds, for a client, the locations of a geo rule in the order
// Route 53 applies them: subdivision, country, continent, default.
type geoIndex struct {
	sub       map[uint64]int16 // country<<32 | subdivision → item
	country   *[677]int16      // packed country → item + 1
	continent [8]int16         // continent index → item + 1
	def       int16            // item + 1
}

func newGeoIndex(items []*policyfile.Item) *geoIndex {
	g := &geoIndex{}
	for i, it := range items {
		n := int16(i + 1)
		switch {
		case it.IsDefault:
			g.def = n
		case it.Continent != "":
			g.continent[continentIndex(it.Continent)] = n
		case it.Subdivision != "":
			c, s := packCountry(it.Country), packSub(it.Subdivision)
			if c == 0 || s == 0 {
				continue // cannot match any client
			}
			if g.sub == nil {
				g.sub = map[uint64]int16{}
			}
			g.sub[uint64(c)<<32|uint64(s)] = n
		default:
			c := packCountry(it.Country)
			if c == 0 {
				continue // "UK" and other codes no database reports
			}
			if g.country == nil {
				g.country = new([677]int16)
			}
			g.country[c] = n
		}
	}
	return g
}

// chain writes the indexes of the locations that apply to the client, most
// specific first, and returns how many there are (0..4).
func (g *geoIndex) chain(c *Client, out *[4]int16) int {
	n := 0
	if c.country != 0 {
		if c.sub != 0 && g.sub != nil {
			if i, ok := g.sub[uint64(c.country)<<32|uint64(c.sub)]; ok {
				out[n] = i - 1
				n++
			}
		}
		if g.country != nil {
			if i := g.country[c.country]; i != 0 {
				out[n] = i - 1
				n++
			}
		}
	}
	if i := g.continent[c.continent]; c.continent != 0 && i != 0 {
		out[n] = i - 1
		n++
	}
	if g.def != 0 {
		out[n] = g.def - 1
		n++
	}
	return n
}
