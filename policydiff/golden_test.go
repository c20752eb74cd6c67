package policydiff

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/trafficflow/trafficflow/policyfile"
)

var update = flag.Bool("update", false, "rewrite the golden files of policydiff")

// loadStore loads testdata/store, which must be valid.
func loadStore(t *testing.T) *policyfile.Store {
	t.Helper()
	store, probs := policyfile.Load("testdata/store", policyfile.Options{})
	if err := probs.Err(); err != nil {
		t.Fatal(err)
	}
	return store
}

// Golden diffs, as text and as JSON: a geo policy moving Europe to another
// endpoint and adding a US state, a weighted policy's new shares and
// standby, and a geoproximity bias that moves a border.
func TestGolden(t *testing.T) {
	store := loadStore(t)
	for _, policy := range []string{"geo", "weighted", "nearest"} {
		p := store.Policies[policy]
		d, err := Compare(policy, p.Versions[1], p.Versions[2], Options{})
		if err != nil {
			t.Fatal(err)
		}
		js, err := json.MarshalIndent(d, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		for ext, got := range map[string][]byte{"txt": []byte(d.Text()), "json": append(js, '\n')} {
			golden := filepath.Join("testdata", policy+"."+ext)
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs (go test ./policydiff -update rewrites it):\n%s", golden, got)
			}
		}
	}
}
