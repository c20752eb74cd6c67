package watch

import (
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"testing"
	"testing/fstest"
)

// TestRead reads stores in several layouts into memory: the file system
// holds exactly the store files with their content, passes fstest.TestFS,
// and the fingerprint is Fingerprint's.
func TestRead(t *testing.T) {
	cases := []struct {
		name  string
		write func(t *testing.T, dir string) tree
	}{
		{"plain", func(t *testing.T, dir string) tree { writeTree(t, dir, baseTree()); return baseTree() }},
		{"ConfigMap", func(t *testing.T, dir string) tree {
			kubeWrite(t, dir, baseTree(), 1)
			next := baseTree()
			next["policies/web/3.json"] = `{"v":3}`
			kubeWrite(t, dir, next, 2)
			return next
		}},
		{"hidden and special entries", func(t *testing.T, dir string) tree {
			writeTree(t, dir, baseTree())
			writeTree(t, dir, tree{".swp": "x", "policies/.web.new/1.json": "x", "policies/web/.1.json.swp": "x"})
			mustSymlink(t, "nowhere", filepath.Join(dir, "dangling.json"))
			mustSymlink(t, ".", filepath.Join(dir, "policies", "loop"))
			return baseTree()
		}},
		{"empty", func(t *testing.T, dir string) tree { mustMkdir(t, dir); return tree{} }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "store")
			want := tc.write(t, dir)
			fsys, fp, err := Read(dir)
			if err != nil {
				t.Fatal(err)
			}
			if fp != mustFP(t, dir) || fp != fpOf(t, want) {
				t.Errorf("fingerprint %x, Fingerprint %x", fp[:4], mustFP(t, dir))
			}
			got := tree{}
			err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				b, err := fs.ReadFile(fsys, p)
				got[p] = string(b)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, want) {
				t.Errorf("files %v, want %v", got, want)
			}
			if err := fstest.TestFS(fsys, slices.Sorted(maps.Keys(want))...); err != nil {
				t.Error(err)
			}
		})
	}
	if _, _, err := Read(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("Read of a missing directory: no error")
	}
}
