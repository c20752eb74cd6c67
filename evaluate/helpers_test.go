package evaluate

import (
	"math"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"github.com/trafficflow/trafficflow/policyfile"
)

// parseDocument loads a policy document as a store holds it (a version
// file of its own), failing the test when it has errors.
func parseDocument(t testing.TB, data []byte) *policyfile.Document {
	t.Helper()
	s, probs := policyfile.LoadFS(fstest.MapFS{"policies/p/1.json": {Data: data}}, "test", policyfile.Options{})
	if err := probs.Err(); err != nil {
		t.Fatalf("document: %v", err)
	}
	return s.Policies["p"].Versions[1].Document
}

// Static is a HealthSource of settable cells for tests. Cells are created
// on first use, healthy. It is not safe for concurrent creation of new
// cells.
type Static map[string]*atomic.Bool

// Cell returns the cell for id, creating a healthy one.
func (s Static) Cell(id string) *atomic.Bool {
	c := s[id]
	if c == nil {
		c = new(atomic.Bool)
		c.Store(true)
		s[id] = c
	}
	return c
}

// Set sets the state of check id.
func (s Static) Set(id string, healthy bool) { s.Cell(id).Store(healthy) }

// distanceDeg returns the great-circle distance in km between two points
// given in degrees, by the metric geoproximity and latency-by-distance
// use.
func distanceDeg(lat1, lon1, lat2, lon2 float64) float64 {
	c := NewClient("", "", "", true, lat1, lon1)
	it := item{lat: lat2 * math.Pi / 180, lon: lon2 * math.Pi / 180}
	it.cosLat = math.Cos(it.lat)
	return distance(&c, &it)
}
