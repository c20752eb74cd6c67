package main

import (
	"math"
	"testing"
)

func square(lat0, lon0, lat1, lon1 float64) ring {
	return ring{{lat0, lon0}, {lat0, lon1}, {lat1, lon1}, {lat1, lon0}, {lat0, lon0}}
}

func near(p point, lat, lon float64) bool {
	return math.Abs(p.lat-lat) < 0.05 && math.Abs(p.lon-lon) < 0.05
}

func TestRepresentative(t *testing.T) {
	for _, tc := range []struct {
		name     string
		polys    []polygon
		lat, lon float64
	}{
		{"a square", []polygon{{square(0, 0, 2, 2)}}, 1, 1},
		{"the other winding", []polygon{{square(0, 2, 2, 0)}}, 1, 1},
		// A hole in the east half pulls the centroid west.
		{"a hole", []polygon{{square(-1, -2, 1, 2), square(-1, 0, 1, 2)}}, 0, -1},
		// Two squares: the centroid lies between them, outside both,
		// so the point is the first (largest) square's centre.
		{"two islands", []polygon{{square(0, 0, 1.2, 1.2)}, {square(0, 10, 1, 11)}}, 0.6, 0.6},
		// Across the antimeridian, as Natural Earth's Russia is stitched.
		{"the antimeridian", []polygon{{ring{{0, 178}, {0, 180}, {0, -180}, {0, -178}, {2, -178}, {2, -180}, {2, 180}, {2, 178}, {0, 178}}}}, 1, 180},
		// A C shape whose centroid is in its mouth: the middle of the widest
		// stretch along the centroid's parallel.
		{"a crescent", []polygon{{ring{{0, 0}, {0, 3}, {1, 3}, {1, 1}, {2, 1}, {2, 3}, {3, 3}, {3, 0}, {0, 0}}}}, 1.5, 0.5},
	} {
		p := representative(tc.polys)
		if !near(p, tc.lat, tc.lon) && !(tc.lon == 180 && near(p, tc.lat, -180)) {
			t.Errorf("%s: %v, want (%v, %v)", tc.name, p, tc.lat, tc.lon)
		}
	}
}

func TestISOCodes(t *testing.T) {
	js := []byte("  {\n    name: 'Andorra',\n    state: 'assigned',\n    alpha2: 'AD',\n    alpha3: 'AND',\n    numeric: '020'\n  },\n")
	if _, err := isoNumeric(js); err == nil {
		t.Error("isoNumeric accepted a file with one country")
	}
	m := map[string]string{}
	for _, e := range countryEntry.FindAllSubmatch(js, -1) {
		m[string(e[2])] = string(e[1])
	}
	if m["020"] != "AD" {
		t.Errorf("countryEntry read %v", m)
	}
	sub := subdivisionEntry.FindSubmatch([]byte("    code: 'US-DC',\n    name: 'District of Columbia',\n    parent: 'US'"))
	if sub == nil || string(sub[2]) != "DC" || string(sub[3]) != "District of Columbia" {
		t.Errorf("subdivisionEntry read %q", sub)
	}
}
