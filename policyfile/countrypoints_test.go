package policyfile

import (
	"math"
	"testing"
)

// The generated points are where the countries and states are.
func TestCountryPoints(t *testing.T) {
	// A box around each of a few countries and states whose shapes make a
	// naive centroid fail: overseas parts (FR, US, NO), the antimeridian
	// (RU, FJ), archipelagos (ID, JP), crescents (HR).
	for _, tc := range []struct {
		country, sub           string
		lat0, lat1, lon0, lon1 float64
	}{
		{"FR", "", 42, 51, -5, 8},
		{"GB", "", 50, 59, -8, 2},
		{"US", "", 25, 49, -125, -67},
		{"NO", "", 58, 71, 5, 31},
		{"RU", "", 50, 75, 40, 140},
		{"FJ", "", -19, -16, 177, 180},
		{"ID", "", -9, 5, 95, 141},
		{"JP", "", 31, 45, 129, 146},
		{"HR", "", 42, 47, 13, 20},
		{"XK", "", 41.8, 43.3, 20, 21.8},
		{"US", "CA", 32.5, 42, -124.5, -114},
		{"US", "AK", 51, 72, -180, -130},
		{"US", "DC", 38.8, 39, -77.2, -76.9},
	} {
		p, ok := CountryPoint(tc.country)
		if tc.sub != "" {
			p, ok = SubdivisionPoint(tc.country, tc.sub)
		}
		if !ok || p.Lat < tc.lat0 || p.Lat > tc.lat1 || p.Lon < tc.lon0 || p.Lon > tc.lon1 {
			t.Errorf("%s %s: %v %v, want inside (%v..%v, %v..%v)", tc.country, tc.sub, p, ok, tc.lat0, tc.lat1, tc.lon0, tc.lon1)
		}
	}
	// Every US state and most countries of Route 53's table have a point.
	for _, s := range USStates() {
		if _, ok := SubdivisionPoint("US", s); !ok {
			t.Errorf("US-%s has no point", s)
		}
	}
	var without []string
	for _, cc := range Countries() {
		if _, ok := CountryPoint(cc); !ok {
			without = append(without, cc)
		}
	}
	if len(without) > 12 {
		t.Errorf("%d countries of Route 53's table have no point: %v", len(without), without)
	}
	for cc, p := range countryPoints {
		if math.Abs(p.Lat) > 90 || math.Abs(p.Lon) > 180 {
			t.Errorf("%s: %v is not a point", cc, p)
		}
	}
	if _, ok := SubdivisionPoint("CA", "QC"); ok {
		t.Error("CA-QC has a point; only US subdivisions have")
	}
	if n := len(Countries()); n != len(countryContinent) || Countries()[0] != "AD" {
		t.Errorf("Countries() = %d codes from %s", n, Countries()[0])
	}
	if s := USStates(); len(s) != 51 || s[0] != "AK" {
		t.Errorf("USStates() = %v", s)
	}
}
