package watch

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
)

// geoContent returns a stand-in for a GeoIP database, version v.
func geoContent(v string) string {
	return string(bytes.Repeat([]byte("mmdb"+v), 64<<10))
}

// startFiles starts a Watcher of an unchanging store plus files in mode m.
func startFiles(t *testing.T, m mode, files ...string) (*Watcher, *recorder) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "store")
	writeTree(t, dir, baseTree())
	w, r := newTestWatcher(t, Options{Dir: dir, Files: files, Baseline: mustFP(t, dir)}, m)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	r.waitChecks(t, 1)
	return w, r
}

// waitFile waits for a report of exactly the file p and not the store.
func waitFile(t *testing.T, r *recorder, p string) {
	t.Helper()
	rep := r.waitReport(t)
	if rep.StoreChanged || !slices.Equal(rep.Files, []string{p}) {
		t.Fatalf("report %v, want only file %s", rep.Change, p)
	}
}

// replaceByRename puts content at p the way database updaters do.
func replaceByRename(t *testing.T, p, content string) {
	t.Helper()
	tmp := p + ".tmp"
	mustWrite(t, tmp, content)
	mustRename(t, tmp, p)
}

func TestExtraFiles(t *testing.T) {
	for _, m := range []mode{modeFS, modePoll} {
		t.Run(m.name, func(t *testing.T) {
			t.Run("replaced by rename", func(t *testing.T) {
				p := filepath.Join(t.TempDir(), "GeoIP2-City.mmdb")
				mustWrite(t, p, geoContent("1"))
				_, r := startFiles(t, m, p)
				replaceByRename(t, p, geoContent("2"))
				waitFile(t, r, p)
				// The new file is watched as well as the old one was.
				replaceByRename(t, p, geoContent("3"))
				waitFile(t, r, p)
			})
			t.Run("rewritten in place with the same size", func(t *testing.T) {
				p := filepath.Join(t.TempDir(), "GeoIP2-City.mmdb")
				mustWrite(t, p, geoContent("1"))
				_, r := startFiles(t, m, p)
				mustWrite(t, p, geoContent("2"))
				waitFile(t, r, p)
			})
			t.Run("identical copy renamed over", func(t *testing.T) {
				p := filepath.Join(t.TempDir(), "GeoIP2-City.mmdb")
				mustWrite(t, p, geoContent("1"))
				_, r := startFiles(t, m, p)
				n := r.checks.Load()
				replaceByRename(t, p, geoContent("1"))
				r.waitChecks(t, n+1)
				r.forceCheck(t)
				r.expectNoReport(t)
			})
			t.Run("briefly missing", func(t *testing.T) {
				p := filepath.Join(t.TempDir(), "GeoIP2-City.mmdb")
				mustWrite(t, p, geoContent("1"))
				_, r := startFiles(t, m, p)
				if err := os.Remove(p); err != nil {
					t.Fatal(err)
				}
				r.log.waitLine(t, "is missing")
				// The loss is reported once, so that it is counted.
				if rep := r.waitReport(t); len(rep.Files) != 1 || rep.StoreChanged {
					t.Fatalf("loss reported as %v", rep.Change)
				}
				r.forceCheck(t)
				r.expectNoReport(t)
				// Back with the same content: not a change.
				replaceByRename(t, p, geoContent("1"))
				r.log.waitLine(t, "is back")
				r.forceCheck(t)
				r.expectNoReport(t)
				// Missing again, back with new content: a change.
				if err := os.Remove(p); err != nil {
					t.Fatal(err)
				}
				r.forceCheck(t)
				replaceByRename(t, p, geoContent("2"))
				waitFile(t, r, p)
				if n := r.log.count("is missing"); n != 2 {
					t.Errorf("%d missing warnings, want one per disappearance: %q", n, r.log.all())
				}
			})
			t.Run("missing at start, then created", func(t *testing.T) {
				p := filepath.Join(t.TempDir(), "geo", "GeoIP2-City.mmdb")
				_, r := startFiles(t, m, p)
				r.log.waitLine(t, "does not exist")
				mustMkdir(t, filepath.Dir(p))
				replaceByRename(t, p, geoContent("1"))
				waitFile(t, r, p)
			})
			t.Run("through a ConfigMap symlink farm", func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), "geo")
				kubeWrite(t, dir, tree{"GeoIP2-City.mmdb": geoContent("1")}, 1)
				p := filepath.Join(dir, "GeoIP2-City.mmdb")
				_, r := startFiles(t, m, p)
				kubeWrite(t, dir, tree{"GeoIP2-City.mmdb": geoContent("2")}, 2)
				waitFile(t, r, p)
			})
			t.Run("relative path is reported as given", func(t *testing.T) {
				tmp := t.TempDir()
				t.Chdir(tmp)
				mustWrite(t, filepath.Join(tmp, "GeoIP2-City.mmdb"), geoContent("1"))
				_, r := startFiles(t, m, "GeoIP2-City.mmdb", "./GeoIP2-City.mmdb")
				replaceByRename(t, filepath.Join(tmp, "GeoIP2-City.mmdb"), geoContent("2"))
				waitFile(t, r, "GeoIP2-City.mmdb")
			})
			t.Run("store and file change together", func(t *testing.T) {
				p := filepath.Join(t.TempDir(), "GeoIP2-City.mmdb")
				mustWrite(t, p, geoContent("1"))
				w, r := startFiles(t, m, p)
				mustWrite(t, filepath.Join(w.dir, "records.json"), `{"records":[]}`)
				replaceByRename(t, p, geoContent("2"))
				storeSeen, fileSeen := false, false
				for !storeSeen || !fileSeen {
					rep := r.waitReport(t)
					storeSeen = storeSeen || rep.StoreChanged
					fileSeen = fileSeen || slices.Equal(rep.Files, []string{p})
				}
			})
		})
	}
}

// TestExtraFileMtimeRestored: a same-size in-place rewrite that restores the
// mtime (cp -p, rsync -t) is still seen, through the ctime.
func TestExtraFileMtimeRestored(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the stat fingerprint has the ctime on Linux only")
	}
	p := filepath.Join(t.TempDir(), "GeoIP2-City.mmdb")
	mustWrite(t, p, geoContent("1"))
	if err := os.Chtimes(p, timeZero, timeZero); err != nil { // an old, trusted mtime
		t.Fatal(err)
	}
	_, r := startFiles(t, modeFS, p)
	mustWrite(t, p, geoContent("2"))
	if err := os.Chtimes(p, timeZero, timeZero); err != nil {
		t.Fatal(err)
	}
	waitFile(t, r, p)
}
