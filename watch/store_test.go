package watch

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// timeZero is an old timestamp for touching files.
var timeZero = time.Unix(1_000_000_000, 0)

// storeCase is one way the store changes on disk.
type storeCase struct {
	name string
	// setup creates the initial store in dir (default: baseTree, plain).
	setup func(t *testing.T, dir string)
	// mutate changes the store; want is the content it must end up with.
	mutate func(t *testing.T, dir string)
	want   func() tree
	// followUp is a store file (relative path) of the final content that is
	// then rewritten in place: only a watch on the directory that really
	// holds it sees that, so it proves the watch set followed the change.
	followUp string
	// allowWarn lists warnings (substrings) that timing may cause.
	allowWarn []string
}

func storeCases() []storeCase {
	const newLocations = `{"locations":{"eu-west-1":{"lat":53.3,"lon":-6.3}}}`
	return []storeCase{
		{
			name: "in-place write, same size",
			mutate: func(t *testing.T, dir string) {
				f, err := os.OpenFile(filepath.Join(dir, "records.json"), os.O_WRONLY, 0)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := f.WriteAt([]byte(`{"records":[2]}`), 0); err != nil {
					t.Fatal(err)
				}
				if err := f.Close(); err != nil {
					t.Fatal(err)
				}
			},
			want:     func() tree { tr := baseTree(); tr["records.json"] = `{"records":[2]}`; return tr },
			followUp: "records.json",
		},
		{
			name: "truncate and write in two parts (cp)",
			mutate: func(t *testing.T, dir string) {
				f, err := os.OpenFile(filepath.Join(dir, "locations.json"), os.O_WRONLY|os.O_TRUNC, 0)
				if err != nil {
					t.Fatal(err)
				}
				half := len(newLocations) / 2
				if _, err := f.WriteString(newLocations[:half]); err != nil {
					t.Fatal(err)
				}
				if err := f.Sync(); err != nil {
					t.Fatal(err)
				}
				if _, err := f.WriteString(newLocations[half:]); err != nil {
					t.Fatal(err)
				}
				if err := f.Close(); err != nil {
					t.Fatal(err)
				}
			},
			want:     func() tree { tr := baseTree(); tr["locations.json"] = newLocations; return tr },
			followUp: "locations.json",
		},
		{
			name: "rename over from a visible temp file (sed -i)",
			mutate: func(t *testing.T, dir string) {
				tmp := filepath.Join(dir, "sedAb12Cd")
				mustWrite(t, tmp, `{"HealthChecks":[{"Id":"hc1"}]}`)
				mustRename(t, tmp, filepath.Join(dir, "healthchecks.json"))
			},
			want: func() tree {
				tr := baseTree()
				tr["healthchecks.json"] = `{"HealthChecks":[{"Id":"hc1"}]}`
				return tr
			},
			followUp: "healthchecks.json",
		},
		{
			name: "rename over from a hidden temp file (vim, atomic writers)",
			mutate: func(t *testing.T, dir string) {
				tmp := filepath.Join(dir, "policies", "web", ".1.json.swp")
				mustWrite(t, tmp, `{"v":11}`)
				mustRename(t, tmp, filepath.Join(dir, "policies", "web", "1.json"))
			},
			want:     func() tree { tr := baseTree(); tr["policies/web/1.json"] = `{"v":11}`; return tr },
			followUp: "policies/web/1.json",
		},
		{
			name: "new file (new policy version)",
			mutate: func(t *testing.T, dir string) {
				mustWrite(t, filepath.Join(dir, "policies", "web", "3.json"), `{"v":3}`)
			},
			want:     func() tree { tr := baseTree(); tr["policies/web/3.json"] = `{"v":3}`; return tr },
			followUp: "policies/web/3.json",
		},
		{
			name: "new directory with a file (new policy)",
			mutate: func(t *testing.T, dir string) {
				mustMkdir(t, filepath.Join(dir, "policies", "mail"))
				mustWrite(t, filepath.Join(dir, "policies", "mail", "1.json"), `{"mail":1}`)
			},
			want:     func() tree { tr := baseTree(); tr["policies/mail/1.json"] = `{"mail":1}`; return tr },
			followUp: "policies/mail/1.json",
		},
		{
			name: "new nested directories (mkdir -p) with a file",
			mutate: func(t *testing.T, dir string) {
				mustMkdir(t, filepath.Join(dir, "policies", "deep", "a", "b"))
				mustWrite(t, filepath.Join(dir, "policies", "deep", "a", "b", "1.json"), `{"deep":1}`)
			},
			want:     func() tree { tr := baseTree(); tr["policies/deep/a/b/1.json"] = `{"deep":1}`; return tr },
			followUp: "policies/deep/a/b/1.json",
		},
		{
			name: "delete a file",
			mutate: func(t *testing.T, dir string) {
				if err := os.Remove(filepath.Join(dir, "policies", "web", "2.yaml")); err != nil {
					t.Fatal(err)
				}
			},
			want:     func() tree { tr := baseTree(); delete(tr, "policies/web/2.yaml"); return tr },
			followUp: "policies/web/1.json",
		},
		{
			name: "delete a directory",
			mutate: func(t *testing.T, dir string) {
				mustRemoveAll(t, filepath.Join(dir, "policies", "web"))
			},
			want: func() tree {
				tr := baseTree()
				delete(tr, "policies/web/1.json")
				delete(tr, "policies/web/2.yaml")
				return tr
			},
			followUp: "policies/api.json",
		},
		{
			name: "directory replaced by rename",
			mutate: func(t *testing.T, dir string) {
				next := filepath.Join(dir, ".policies.new")
				writeTree(t, next, tree{"web/1.json": `{"v":"new"}`, "db/7.json": `{"db":7}`})
				mustRename(t, filepath.Join(dir, "policies"), filepath.Join(dir, ".policies.old"))
				mustRename(t, next, filepath.Join(dir, "policies"))
				mustRemoveAll(t, filepath.Join(dir, ".policies.old"))
			},
			want:     replacedPolicies,
			followUp: "policies/web/1.json",
		},
		{
			name: "directory exchanged atomically (renameat2 RENAME_EXCHANGE)",
			mutate: func(t *testing.T, dir string) {
				next := filepath.Join(dir, ".policies.new")
				writeTree(t, next, tree{"web/1.json": `{"v":"new"}`, "db/7.json": `{"db":7}`})
				err := exchange(next, filepath.Join(dir, "policies"))
				if errors.Is(err, errors.ErrUnsupported) || errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOSYS) {
					t.Skipf("RENAME_EXCHANGE not supported here: %v", err)
				}
				if err != nil {
					t.Fatal(err)
				}
				mustRemoveAll(t, next) // now the old policies
			},
			want:     replacedPolicies,
			followUp: "policies/db/7.json",
		},
		{
			name: "store directory itself replaced by rename",
			mutate: func(t *testing.T, dir string) {
				next := dir + ".new"
				tr := baseTree()
				tr["records.json"] = `{"records":["whole store"]}`
				writeTree(t, next, tr)
				mustRename(t, dir, dir+".old")
				mustRename(t, next, dir)
				mustRemoveAll(t, dir+".old")
			},
			// A check may run while the store directory is briefly missing.
			allowWarn: []string{"cannot read the store"},
			want: func() tree {
				tr := baseTree()
				tr["records.json"] = `{"records":["whole store"]}`
				return tr
			},
			followUp: "policies/web/1.json",
		},
		{
			name: "store directory is a symlink that is re-pointed",
			setup: func(t *testing.T, dir string) {
				writeTree(t, dir+"-v1", baseTree())
				mustSymlink(t, filepath.Base(dir)+"-v1", dir)
			},
			mutate: func(t *testing.T, dir string) {
				tr := baseTree()
				tr["policies/api.json"] = `[{"v":2}]`
				writeTree(t, dir+"-v2", tr)
				mustSymlink(t, filepath.Base(dir)+"-v2", dir+".tmp")
				mustRename(t, dir+".tmp", dir)
			},
			want:     func() tree { tr := baseTree(); tr["policies/api.json"] = `[{"v":2}]`; return tr },
			followUp: "policies/api.json",
		},
		{
			name: "symlinked file whose target outside the store is edited in place",
			setup: func(t *testing.T, dir string) {
				tr := baseTree()
				delete(tr, "records.json")
				writeTree(t, dir, tr)
				outside := filepath.Join(filepath.Dir(dir), "outside")
				writeTree(t, outside, tree{"records.json": `{"records":[1]}`})
				mustSymlink(t, "../outside/records.json", filepath.Join(dir, "records.json"))
			},
			mutate: func(t *testing.T, dir string) {
				mustWrite(t, filepath.Join(filepath.Dir(dir), "outside", "records.json"), `{"records":["outside"]}`)
			},
			want:     func() tree { tr := baseTree(); tr["records.json"] = `{"records":["outside"]}`; return tr },
			followUp: "records.json",
		},
		{
			name:  "Kubernetes ConfigMap ..data symlink swap",
			setup: func(t *testing.T, dir string) { kubeWrite(t, dir, baseTree(), 1) },
			mutate: func(t *testing.T, dir string) {
				kubeWrite(t, dir, configMapUpdate(), 2)
			},
			want:     configMapUpdate,
			followUp: "records.json", // in the timestamped directory
		},
	}
}

// replacedPolicies is the store after policies/ was replaced wholesale.
func replacedPolicies() tree {
	tr := baseTree()
	delete(tr, "policies/web/1.json")
	delete(tr, "policies/web/2.yaml")
	delete(tr, "policies/api.json")
	tr["policies/web/1.json"] = `{"v":"new"}`
	tr["policies/db/7.json"] = `{"db":7}`
	return tr
}

// configMapUpdate is the second version of the ConfigMap: a changed file,
// a removed one, a new one, and a removed top-level key.
func configMapUpdate() tree {
	tr := baseTree()
	tr["records.json"] = `{"records":["from the configmap"]}`
	delete(tr, "policies/web/2.yaml")
	tr["policies/web/3.json"] = `{"v":3}`
	delete(tr, "healthstate.json")
	return tr
}

// startWatcher writes baseTree into a new store directory, starts a Watcher
// of it in mode m with the store's fingerprint as the baseline, and waits
// for its first check (after which its watches are in place).
func startWatcher(t *testing.T, m mode) (dir string, w *Watcher, r *recorder) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "store")
	writeTree(t, dir, baseTree())
	w, r = newTestWatcher(t, Options{Dir: dir, Baseline: mustFP(t, dir)}, m)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	r.waitChecks(t, 1)
	return dir, w, r
}

// TestStoreChanges proves that every way of changing the store is reported,
// through fsnotify events alone (no polling), through polling alone (no
// fsnotify), and through Check alone, and that the reported fingerprint is
// the fingerprint of the new content.
func TestStoreChanges(t *testing.T) {
	for _, m := range []mode{modeFS, modePoll, modeCheck} {
		t.Run(m.name, func(t *testing.T) {
			for _, tc := range storeCases() {
				t.Run(tc.name, func(t *testing.T) { testStoreChange(t, m, tc) })
			}
		})
	}
}

func testStoreChange(t *testing.T, m mode, tc storeCase) {
	dir := filepath.Join(t.TempDir(), "store")
	if tc.setup != nil {
		tc.setup(t, dir)
	} else {
		writeTree(t, dir, baseTree())
	}
	if got, want := mustFP(t, dir), fpOf(t, baseTree()); got != want {
		t.Fatalf("initial store: fingerprint %x, want %x (the plain tree's)", got[:4], want[:4])
	}
	w, r := newTestWatcher(t, Options{Dir: dir, Baseline: mustFP(t, dir)}, m)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	r.waitChecks(t, 1) // the watches are in place
	r.expectNoReport(t)

	steps := []struct {
		mutate func(t *testing.T, dir string)
		want   tree
	}{{tc.mutate, tc.want()}}
	followed := tc.want()
	followed[tc.followUp] = `{"followUp":"` + tc.name + `"}`
	steps = append(steps, struct {
		mutate func(t *testing.T, dir string)
		want   tree
	}{func(t *testing.T, dir string) {
		mustWrite(t, filepath.Join(dir, filepath.FromSlash(tc.followUp)), followed[tc.followUp])
	}, followed})

	for i, step := range steps {
		step.mutate(t, dir)
		if m.check {
			w.Check()
		}
		want := fpOf(t, step.want)
		rep := r.waitStore(t, want)
		if len(rep.Files) != 0 {
			t.Errorf("step %d: Files = %v, want none", i, rep.Files)
		}
		if got := mustFP(t, dir); got != want {
			t.Fatalf("step %d: Fingerprint after the report = %x, want %x", i, got[:4], want[:4])
		}
	}
	n := r.log.count("W ") - r.log.count("disabled by the test")
	for _, allowed := range tc.allowWarn {
		n -= r.log.count(allowed)
	}
	if n != 0 {
		t.Errorf("unexpected warnings: %q", r.log.all())
	}
}

// TestNoReportWithoutContentChange rewrites files with identical content,
// renames an identical copy over one, touches and chmods them: the events
// lead to checks but never to a report.
func TestNoReportWithoutContentChange(t *testing.T) {
	for _, m := range []mode{modeFS, modePoll} {
		t.Run(m.name, func(t *testing.T) {
			dir, _, r := startWatcher(t, m)

			n := r.checks.Load()
			base := baseTree()
			mustWrite(t, filepath.Join(dir, "records.json"), base["records.json"])
			tmp := filepath.Join(dir, ".tmp")
			mustWrite(t, tmp, base["policies/api.json"])
			mustRename(t, tmp, filepath.Join(dir, "policies", "api.json"))
			r.waitChecks(t, n+1) // a check caused by those events (or a poll)

			if err := os.Chmod(filepath.Join(dir, "healthstate.json"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(filepath.Join(dir, "locations.json"), timeZero, timeZero); err != nil {
				t.Fatal(err)
			}
			r.forceCheck(t) // a check after the chmod and touch
			r.expectNoReport(t)
		})
	}
}

// TestBaseline: the first check compares with Options.Baseline.
func TestBaseline(t *testing.T) {
	t.Run("unchanged store is not reported", func(t *testing.T) {
		_, _, r := startWatcher(t, modeFS)
		r.forceCheck(t)
		r.expectNoReport(t)
	})
	t.Run("change between load and Start is reported", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "store")
		writeTree(t, dir, baseTree())
		baseline := mustFP(t, dir) // the caller's load
		mustWrite(t, filepath.Join(dir, "policies", "web", "3.json"), `{"v":3}`)
		w, r := newTestWatcher(t, Options{Dir: dir, Baseline: baseline}, modeFS)
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		want := baseTree()
		want["policies/web/3.json"] = `{"v":3}`
		r.waitStore(t, fpOf(t, want))
	})
	t.Run("zero baseline reports the store once", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "store")
		writeTree(t, dir, baseTree())
		w, r := newTestWatcher(t, Options{Dir: dir}, modeFS)
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		r.waitStore(t, fpOf(t, baseTree()))
		r.forceCheck(t)
		r.expectNoReport(t)
	})
}

// TestStoreMissingAndBack: a store directory that disappears is logged and
// reported once (so that the loss is counted), and its return is reported.
func TestStoreMissingAndBack(t *testing.T) {
	for _, m := range []mode{modeFS, modePoll} {
		t.Run(m.name, func(t *testing.T) {
			dir, _, r := startWatcher(t, m)
			mustRename(t, dir, dir+".away")
			r.log.waitLine(t, "cannot read the store")
			if rep := r.waitReport(t); !rep.StoreChanged || !rep.fp.IsZero() {
				t.Fatalf("loss reported as %v (%x)", rep.Change, rep.fp[:4])
			}
			r.forceCheck(t)
			r.expectNoReport(t)

			tr := baseTree()
			tr["records.json"] = `{"records":["back"]}`
			writeTree(t, dir+".next", tr)
			mustRename(t, dir+".next", dir)
			r.waitStore(t, fpOf(t, tr))
			r.log.waitLine(t, "readable again")
		})
	}
}
