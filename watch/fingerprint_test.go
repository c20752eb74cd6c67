package watch

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestFingerprint(t *testing.T) {
	base := fpOf(t, baseTree())
	tests := []struct {
		name string
		// build creates the store in dir (which does not exist yet).
		build func(t *testing.T, dir string)
		same  bool // the fingerprint must equal base's, else differ
	}{
		{"same content elsewhere", func(t *testing.T, dir string) { writeTree(t, dir, baseTree()) }, true},
		{"hidden files and directories are ignored", func(t *testing.T, dir string) {
			tr := baseTree()
			tr[".records.json.swp"] = "swap"
			tr["policies/web/.2.yaml.swp"] = "swap"
			tr[".git/HEAD"] = "ref: refs/heads/main"
			tr["..2026_01_01_00_00_00.1/records.json"] = "old configmap version"
			writeTree(t, dir, tr)
		}, true},
		{"symlink cycles are skipped", func(t *testing.T, dir string) {
			writeTree(t, dir, baseTree())
			mustSymlink(t, "..", filepath.Join(dir, "policies", "web", "up"))
			mustSymlink(t, ".", filepath.Join(dir, "self"))
			mustSymlink(t, "loop-b", filepath.Join(dir, "loop-a"))
			mustSymlink(t, "loop-a", filepath.Join(dir, "loop-b"))
		}, true},
		{"dangling symlinks are skipped", func(t *testing.T, dir string) {
			writeTree(t, dir, baseTree())
			mustSymlink(t, "nowhere.json", filepath.Join(dir, "gone.json"))
			mustSymlink(t, "records.json/x", filepath.Join(dir, "notdir.json"))
		}, true},
		{"special files are skipped", func(t *testing.T, dir string) {
			writeTree(t, dir, baseTree())
			if err := mkfifo(filepath.Join(dir, "fifo.json")); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
		}, true},
		{"ConfigMap symlink farm reads like the plain tree", func(t *testing.T, dir string) {
			kubeWrite(t, dir, baseTree(), 1)
		}, true},
		{"symlinks to files and directories outside", func(t *testing.T, dir string) {
			tr := baseTree()
			delete(tr, "records.json")
			delete(tr, "policies/web/1.json")
			delete(tr, "policies/web/2.yaml")
			writeTree(t, dir, tr)
			out := dir + "-outside"
			writeTree(t, out, tree{"r.json": baseTree()["records.json"], "web/1.json": `{"v":1}`, "web/2.yaml": "v: 2\n"})
			mustSymlink(t, out+"/r.json", filepath.Join(dir, "records.json"))
			mustSymlink(t, "../../"+filepath.Base(out)+"/web", filepath.Join(dir, "policies", "web"))
		}, true},
		{"store directory given through a symlink", func(t *testing.T, dir string) {
			writeTree(t, dir+"-real", baseTree())
			mustSymlink(t, filepath.Base(dir)+"-real", dir)
		}, true},
		{"content change", func(t *testing.T, dir string) {
			tr := baseTree()
			tr["policies/web/2.yaml"] = "v: 3\n"
			writeTree(t, dir, tr)
		}, false},
		{"contents swapped between files", func(t *testing.T, dir string) {
			tr := baseTree()
			tr["healthstate.json"], tr["locations.json"] = tr["locations.json"], tr["healthstate.json"]
			writeTree(t, dir, tr)
		}, false},
		{"file renamed", func(t *testing.T, dir string) {
			tr := baseTree()
			tr["policies/web/3.yaml"] = tr["policies/web/2.yaml"]
			delete(tr, "policies/web/2.yaml")
			writeTree(t, dir, tr)
		}, false},
		{"file moved to another directory", func(t *testing.T, dir string) {
			tr := baseTree()
			tr["policies/2.yaml"] = tr["policies/web/2.yaml"]
			delete(tr, "policies/web/2.yaml")
			writeTree(t, dir, tr)
		}, false},
		{"empty file added", func(t *testing.T, dir string) {
			tr := baseTree()
			tr["policies/empty.json"] = ""
			writeTree(t, dir, tr)
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "store")
			tc.build(t, dir)
			got := mustFP(t, dir)
			if (got == base) != tc.same {
				t.Errorf("fingerprint %x, base %x: equal=%t, want %t", got[:4], base[:4], got == base, tc.same)
			}
		})
	}
}

func TestFingerprintErrors(t *testing.T) {
	tmp := t.TempDir()
	file := filepath.Join(tmp, "file")
	mustWrite(t, file, "x")
	dangling := filepath.Join(tmp, "dangling")
	mustSymlink(t, "nowhere", dangling)
	unreadable := filepath.Join(tmp, "unreadable")
	writeTree(t, unreadable, tree{"sub/a.json": "{}"})
	for _, dir := range []string{filepath.Join(tmp, "missing"), file, dangling} {
		if _, err := Fingerprint(dir); err == nil {
			t.Errorf("Fingerprint(%s): no error", dir)
		}
	}
	if os.Geteuid() != 0 { // root reads everything
		if err := os.Chmod(filepath.Join(unreadable, "sub"), 0); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(filepath.Join(unreadable, "sub"), 0o755) //nolint:errcheck
		if _, err := Fingerprint(unreadable); err == nil {
			t.Errorf("Fingerprint of a store with an unreadable directory: no error")
		}
	}
}

// TestFingerprintTooDeep: a store nesting deeper than maxDepth is an error
// that names the store directory and the directory that is too deep.
func TestFingerprintTooDeep(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	rel := strings.Repeat("d/", maxDepth)
	writeTree(t, dir, tree{rel + "x.json": "{}"})
	for name, read := range map[string]func() error{
		"Fingerprint": func() error { _, err := Fingerprint(dir); return err },
		"Read":        func() error { _, _, err := Read(dir); return err },
	} {
		err := read()
		want := "store directory " + dir + ": " + strings.TrimSuffix(rel, "/") + " nests deeper than " + strconv.Itoa(maxDepth) + " levels"
		if err == nil || err.Error() != want {
			t.Errorf("%s: error %v, want %q", name, err, want)
		}
	}
	// One level less is fine.
	if _, err := Fingerprint(filepath.Join(dir, "d")); err != nil {
		t.Errorf("a store %d levels deep: %v", maxDepth-1, err)
	}
}

func TestResolveIn(t *testing.T) {
	tmp, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	kubeWrite(t, filepath.Join(tmp, "cm"), tree{"policies/a.json": "{}", "records.json": "{}"}, 1)
	ts := "..2026_01_02_03_04_01.123456790"
	tests := []struct {
		name     string
		base     string
		path     string
		final    bool
		want     string
		wantDirs []string
		wantErr  bool
	}{
		{"plain", "", tmp + "/cm/" + ts + "/records.json", true, tmp + "/cm/" + ts + "/records.json", []string{tmp + "/cm/" + ts}, false},
		{"plain, final parent not wanted", "", tmp + "/cm/" + ts, false, tmp + "/cm/" + ts, nil, false},
		{"ConfigMap file", tmp + "/cm", "records.json", true, tmp + "/cm/" + ts + "/records.json", []string{tmp + "/cm", tmp + "/cm/" + ts}, false},
		{"ConfigMap directory", tmp + "/cm", "policies", true, tmp + "/cm/" + ts + "/policies", []string{tmp + "/cm", tmp + "/cm/" + ts}, false},
		{"dot dot", "", tmp + "/cm/" + ts + "/../" + ts + "/policies/./a.json", true, tmp + "/cm/" + ts + "/policies/a.json", []string{tmp + "/cm/" + ts + "/policies"}, false},
		{"missing", "", tmp + "/cm/nothing/a.json", true, "", []string{tmp + "/cm"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var dirs []string
			got, err := resolveIn(tc.base, tc.path, tc.final, func(d string) {
				for _, x := range dirs {
					if x == d {
						return
					}
				}
				dirs = append(dirs, d)
			})
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %t", err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if len(dirs) != len(tc.wantDirs) {
				t.Fatalf("dirs %q, want %q", dirs, tc.wantDirs)
			}
			for i := range dirs {
				if dirs[i] != tc.wantDirs[i] {
					t.Errorf("dirs %q, want %q", dirs, tc.wantDirs)
				}
			}
		})
	}
	loop := filepath.Join(tmp, "loop")
	mustSymlink(t, "loop", loop)
	if _, err := resolveIn("", loop, true, nil); !isMissing(err) {
		t.Errorf("symlink loop: err = %v, want a loop error", err)
	}
}

func BenchmarkFingerprint(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "store")
	tr := baseTree()
	for i := range 200 {
		tr[filepath.ToSlash(filepath.Join("policies", "p"+string(rune('a'+i%26)), "v"+strconv.Itoa(i)+".json"))] = `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"r","Rules":{}}`
	}
	writeTree(b, dir, tr)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Fingerprint(dir); err != nil {
			b.Fatal(err)
		}
	}
}
