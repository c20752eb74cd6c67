package policyfile

import (
	"testing"
	"time"

	"github.com/trafficflow/trafficflow/internal/storegen"
)

// BenchmarkLoad loads a store of 1,000 policies × 3 versions and 10,000
// policy records.
func BenchmarkLoad(b *testing.B) {
	dir := b.TempDir()
	if err := storegen.Write(dir, storegen.Spec{Policies: 1000, Versions: 3, Records: 10000}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		s, probs := Load(dir, Options{})
		if err := probs.Err(); err != nil || len(s.Records) != 10000 {
			b.Fatalf("%v (%d records)", err, len(s.Records))
		}
	}
}

// TestLoadLargeStore checks the large store loads completely (its speed
// is BenchmarkLoad's business).
func TestLoadLargeStore(t *testing.T) {
	if testing.Short() {
		t.Skip("large store")
	}
	dir := t.TempDir()
	if err := storegen.Write(dir, storegen.Spec{Policies: 1000, Versions: 3, Records: 10000}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	s, probs := Load(dir, Options{Zones: []string{"example.org."}})
	if err := probs.Err(); err != nil {
		t.Fatal(err)
	}
	if len(s.Policies) != 1000 || len(s.Records) != 10000 || s.Summary() != "1000 policies, 3000 versions, 10000 policy records, 0 aliases, 2 health checks" {
		t.Errorf("loaded %s", s.Summary())
	}
	t.Logf("loaded in %v", time.Since(start))
}
