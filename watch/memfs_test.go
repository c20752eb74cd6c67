package watch

import (
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
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

// TestReadStable: a store that changes between a read and its
// confirmation is read again; one that changes every time is ErrChanging;
// a stable store reads as Read reads it.
func TestReadStable(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	writeTree(t, dir, baseTree())
	next := baseTree()
	next["records.json"] = `{"records":["next"]}`
	for _, tc := range []struct {
		name    string
		changes int // how many reads the store changes after
		reads   int
		err     error
		want    tree
	}{
		{"stable", 0, 1, nil, baseTree()},
		{"changed once", 1, 2, nil, next},
		{"always changing", 3, 3, ErrChanging, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			writeTree(t, dir, baseTree())
			reads := 0
			fsys, sum, err := readStable(dir, func(d string) (fs.FS, Sum, Sum, error) {
				fsys, sum, layout, err := read(d)
				reads++
				if reads <= tc.changes {
					if reads%2 == 1 {
						writeTree(t, dir, next)
					} else {
						writeTree(t, dir, baseTree())
					}
				}
				return fsys, sum, layout, err
			})
			if err != tc.err || reads != tc.reads {
				t.Fatalf("error %v after %d reads, want %v after %d", err, reads, tc.err, tc.reads)
			}
			if tc.want == nil {
				if fsys != nil || !sum.IsZero() {
					t.Errorf("a copy despite %v", err)
				}
				return
			}
			if sum != fpOf(t, tc.want) {
				t.Errorf("sum %x, want %x", sum[:4], fpOf(t, tc.want))
			}
			if b, _ := fs.ReadFile(fsys, "records.json"); string(b) != tc.want["records.json"] {
				t.Errorf("records.json %q", b)
			}
		})
	}
	if _, _, err := ReadStable(filepath.Join(t.TempDir(), "missing")); err == nil || err == ErrChanging {
		t.Errorf("a missing store: %v", err)
	}
}

// Read reads no store file larger than MaxFileSize.
func TestReadBound(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	writeTree(t, dir, tree{"records.json": strings.Repeat(" ", MaxFileSize+1)})
	if _, _, err := Read(dir); err == nil || !strings.Contains(err.Error(), "larger than 32 MiB") {
		t.Errorf("Read of a file of MaxFileSize+1 bytes: %v", err)
	}
	writeTree(t, dir, tree{"records.json": strings.Repeat(" ", MaxFileSize)})
	if _, _, err := Read(dir); err != nil {
		t.Errorf("Read of a file of MaxFileSize bytes: %v", err)
	}
}

// TestReadStableConfigMapWindow: a read and its confirmation that each
// fall into a different ConfigMap update may both miss records.json (its
// "..data" has just moved on and the directory it named is gone) and see
// the same content without it. ReadStable must not take that for a stable
// copy: the two scans found the other files in different directories.
func TestReadStableConfigMapWindow(t *testing.T) {
	dir := t.TempDir()
	full := tree{"records.json": `{"records":[1]}`, "policies/web/1.json": `{"v":1}`}
	partial := tree{"policies/web/1.json": `{"v":1}`}
	// point makes ..data name a new directory holding tr.
	point := func(name string, tr tree) {
		writeTree(t, filepath.Join(dir, name), tr)
		if err := os.Symlink(name, filepath.Join(dir, "..data_tmp")); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")); err != nil {
			t.Fatal(err)
		}
	}
	point("..1", full)
	for _, name := range []string{"records.json", "policies"} {
		if err := os.Symlink(filepath.Join("..data", name), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	reads := 0
	fsys, sum, err := readStable(dir, func(d string) (fs.FS, Sum, Sum, error) {
		reads++
		if reads > 1 {
			point(fmt.Sprintf("..%d", reads+2), full)
			return read(d)
		}
		// The read, then the confirmation, each see records.json's
		// target directory gone.
		point("..2", partial)
		fsys, sum, layout, err := read(d)
		point("..3", partial)
		return fsys, sum, layout, err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fs.ReadFile(fsys, "records.json"); err != nil {
		t.Errorf("after %d reads, a copy without records.json: %v", reads, err)
	}
	if want := fpOf(t, full); sum != want {
		t.Errorf("sum %x, want the full store's %x", sum[:4], want[:4])
	}

	// A symlink that dangles for good is missed the same way by every
	// scan: the first read stands.
	mustSymlink(t, "..data/nowhere.json", filepath.Join(dir, "nowhere.json"))
	reads = 0
	if _, _, err := readStable(dir, func(d string) (fs.FS, Sum, Sum, error) { reads++; return read(d) }); err != nil || reads != 1 {
		t.Errorf("a store with a dangling symlink: %v after %d reads, want a copy after 1", err, reads)
	}
}
