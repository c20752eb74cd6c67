package trafficflow

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	golog "log"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coredns/coredns/plugin"
	"github.com/miekg/dns"
)

// The hot-reload tests (issue 5). They change real files in t.TempDir() and
// wait, with a deadline, for the plugin's answers to follow. The fsnotify
// tests use "reload 0s", so that polling cannot hide a broken watcher.

// answerWait is how long a change on disk may take to be served.
const answerWait = 2 * time.Second

// valuePolicy is a policy document answering one value.
func valuePolicy(rrtype, value string) string {
	return fmt.Sprintf(`{"AWSPolicyFormatVersion":"2015-10-01","RecordType":%q,"StartEndpoint":"e","Endpoints":{"e":{"Type":"value","Value":%q}}}`, rrtype, value)
}

// switchPolicy is a failover policy between two values, steered by the
// health checks hp (primary) and hs (secondary) of reloadChecks.
func switchPolicy(primary, secondary string) string {
	return switchPolicyChecks(primary, "hp", secondary, "hs")
}

func switchPolicyChecks(primary, hp, secondary, hs string) string {
	return `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"switch",
"Endpoints":{"primary":{"Type":"value","Value":"` + primary + `"},"secondary":{"Type":"value","Value":"` + secondary + `"}},
"Rules":{"switch":{"RuleType":"failover","Primary":{"EndpointReference":"primary","HealthCheck":"` + hp + `"},
"Secondary":{"EndpointReference":"secondary","HealthCheck":"` + hs + `"}}}}`
}

// reloadChecks are two probed health checks that stay healthy during a test
// (nothing listens on the discard port, but ten failures 30 s apart are
// needed to flip them).
const reloadChecks = `{"HealthChecks":[
{"Id":"hp","HealthCheckConfig":{"Type":"TCP","IPAddress":"127.0.0.1","Port":9,"RequestInterval":30,"FailureThreshold":10}},
{"Id":"hs","HealthCheckConfig":{"Type":"TCP","IPAddress":"127.0.0.1","Port":9,"RequestInterval":30,"FailureThreshold":10}}]}`

// prec is one entry of records.json.
type prec struct {
	name, policy string
	version      int
}

// recordsFile is a records.json with the given policy records.
func recordsFile(recs ...prec) string {
	var b strings.Builder
	b.WriteString(`{"PolicyRecords":[`)
	for i, r := range recs {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `{"Name":%q,"Policy":%q,"Version":%d,"TTL":60}`, r.name, r.policy, r.version)
	}
	b.WriteString("]}\n")
	return b.String()
}

// reloadStore is the store most reload tests start from: www.example.org
// answers 192.0.2.1 (policy web version 1; version 2 answers 192.0.2.2) and
// sw.example.org fails over from 192.0.2.11 to 192.0.2.12.
func reloadStore() map[string]string {
	return map[string]string{
		"policies/web/1.json": valuePolicy("A", "192.0.2.1"),
		"policies/web/2.json": valuePolicy("A", "192.0.2.2"),
		"policies/sw/1.json":  switchPolicy("192.0.2.11", "192.0.2.12"),
		"healthchecks.json":   reloadChecks,
		"records.json":        recordsFile(prec{"www.example.org.", "web", 1}, prec{"sw.example.org.", "sw", 1}),
	}
}

// storeWith returns a copy of files with the changes applied (an empty value
// deletes the file).
func storeWith(files map[string]string, changes map[string]string) map[string]string {
	out := make(map[string]string, len(files)+len(changes))
	for k, v := range files {
		out[k] = v
	}
	for k, v := range changes {
		if v == "" {
			delete(out, k)
			continue
		}
		out[k] = v
	}
	return out
}

// waitAnswer polls the answer to an A query for name until it is want,
// and fails the test if that takes longer than answerWait. A name h hands
// to its (missing) next plugin is not an answer yet; a breach of the rcode
// contract fails the test at once.
func waitAnswer(t testing.TB, h plugin.Handler, name, ecs string, want ...string) {
	t.Helper()
	pollUntil(t, answerWait, func() (bool, string) {
		rc, got, err := answerOf(h, name, ecs)
		if errors.Is(err, errRcodeContract) {
			t.Fatal(err)
		}
		return err == nil && rc == dns.RcodeSuccess && slices.Equal(got, want),
			fmt.Sprintf("%s answers %v (rcode %s, error %v), want %v", name, got, dns.RcodeToString[rc], err, want)
	})
}

// assertAnswer checks the answer to an A query for name now.
func assertAnswer(t testing.TB, h plugin.Handler, name, ecs string, want ...string) {
	t.Helper()
	if rc, got, err := answerOf(h, name, ecs); err != nil || rc != dns.RcodeSuccess || !slices.Equal(got, want) {
		t.Fatalf("%s answers %v (rcode %s, error %v), want %v", name, got, dns.RcodeToString[rc], err, want)
	}
}

// patchInPlace overwrites old with new (of the same length) inside a file,
// without truncating or replacing it.
func patchInPlace(t testing.TB, path, old, new string) {
	t.Helper()
	if len(old) != len(new) {
		t.Fatalf("patchInPlace: %q and %q differ in length", old, new)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, []byte(old))
	if i < 0 {
		t.Fatalf("%s has no %q", path, old)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte(new), int64(i)); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// truncateAndWrite rewrites a file like cp or a shell redirection: truncate,
// then write in two parts (a reader may see the file empty or half
// written).
func truncateAndWrite(t testing.TB, path, content string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	half := len(content) / 2
	if _, err := f.WriteString(content[:half]); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(content[half:]); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// replaceDir replaces the directory path with one holding files, the way a
// deployment tool swaps a directory: build the new one aside, move the old
// one away, move the new one in, remove the old one.
func replaceDir(t testing.TB, path string, files map[string]string) {
	t.Helper()
	dir, base := filepath.Dir(path), filepath.Base(path)
	next, old := filepath.Join(dir, "."+base+".new"), filepath.Join(dir, "."+base+".old")
	for rel, content := range files {
		mustWriteFile(t, filepath.Join(next, rel), content)
	}
	if err := os.Rename(path, old); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(next, path); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(old); err != nil {
		t.Fatal(err)
	}
}

// atomicWriter builds a store directory like the kubelet's atomic writer
// builds a ConfigMap volume: the files live in a timestamped directory,
// "..data" links to it, and every visible top-level entry is a symlink
// through "..data" ("records.json -> ..data/records.json", "policies ->
// ..data/policies"). An update writes a new timestamped directory, renames
// a new "..data_tmp" link over "..data", adds and removes the visible links
// and removes the old directory.
type atomicWriter struct {
	dir string
	gen int
	cur string // the timestamped directory "..data" links to
}

func newAtomicWriter(t testing.TB, files map[string]string) *atomicWriter {
	t.Helper()
	a := &atomicWriter{dir: t.TempDir()}
	a.write(t, files)
	return a
}

// write publishes a complete new content.
func (a *atomicWriter) write(t testing.TB, files map[string]string) {
	t.Helper()
	a.gen++
	ts := fmt.Sprintf("..2024_01_01_00_00_%02d.%09d", a.gen%60, a.gen)
	top := map[string]bool{}
	for rel, content := range files {
		mustWriteFile(t, filepath.Join(a.dir, ts, filepath.FromSlash(rel)), content)
		top[strings.SplitN(rel, "/", 2)[0]] = true
	}
	tmp := filepath.Join(a.dir, "..data_tmp")
	if err := os.Symlink(ts, tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(a.dir, "..data")); err != nil {
		t.Fatal(err)
	}
	for name := range top {
		link := filepath.Join(a.dir, name)
		if _, err := os.Lstat(link); err == nil {
			continue
		}
		if err := os.Symlink(filepath.Join("..data", name), link); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(a.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") && !top[e.Name()] {
			if err := os.Remove(filepath.Join(a.dir, e.Name())); err != nil {
				t.Fatal(err)
			}
		}
	}
	if a.cur != "" {
		if err := os.RemoveAll(filepath.Join(a.dir, a.cur)); err != nil {
			t.Fatal(err)
		}
	}
	a.cur = ts
}

// syncBuffer is a bytes.Buffer safe for concurrent writers (the log).
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// captureLog sends CoreDNS's log to a buffer until the test ends.
func captureLog(t testing.TB) *syncBuffer {
	t.Helper()
	buf := &syncBuffer{}
	golog.SetOutput(buf)
	t.Cleanup(func() { golog.SetOutput(io.Discard) })
	return buf
}

// TestReloadFileChanges changes the store in every way files change on disk
// and checks that each new state is served within answerWait, by fsnotify
// alone (reload 0s). A case's later steps prove that the watch set followed
// the change (for instance, a file written in place in a directory that
// replaced the watched one).
func TestReloadFileChanges(t *testing.T) {
	type step struct {
		what   string
		change func(t *testing.T, st *testStore)
		name   string // the name queried (default www.example.org.)
		want   string
	}
	// web returns a policies/web directory whose version 1 answers ip.
	web := func(ip string) map[string]string {
		return map[string]string{"1.json": valuePolicy("A", ip), "2.json": valuePolicy("A", "192.0.2.2")}
	}
	cases := []struct {
		name      string
		files     map[string]string // plain store (default reloadStore)
		configMap bool              // build the store as a ConfigMap volume
		steps     []step
	}{
		{
			name: "in-place write",
			steps: []step{
				{what: "version file", change: func(t *testing.T, st *testStore) {
					patchInPlace(t, filepath.Join(st.dir, "policies/web/1.json"), "192.0.2.1", "192.0.2.7")
				}, want: "192.0.2.7"},
				{what: "again", change: func(t *testing.T, st *testStore) {
					patchInPlace(t, filepath.Join(st.dir, "policies/web/1.json"), "192.0.2.7", "192.0.2.8")
				}, want: "192.0.2.8"},
			},
		},
		{
			name: "truncate and write",
			steps: []step{
				{what: "records.json", change: func(t *testing.T, st *testStore) {
					truncateAndWrite(t, filepath.Join(st.dir, "records.json"), recordsFile(prec{"www.example.org.", "web", 2}, prec{"sw.example.org.", "sw", 1}))
				}, want: "192.0.2.2"},
				{what: "version file", change: func(t *testing.T, st *testStore) {
					truncateAndWrite(t, filepath.Join(st.dir, "policies/web/2.json"), valuePolicy("A", "192.0.2.22"))
				}, want: "192.0.2.22"},
			},
		},
		{
			name: "rename over",
			steps: []step{
				{what: "records.json", change: func(t *testing.T, st *testStore) {
					renameOver(t, filepath.Join(st.dir, "records.json"), recordsFile(prec{"www.example.org.", "web", 2}, prec{"sw.example.org.", "sw", 1}))
				}, want: "192.0.2.2"},
				{what: "the new records.json in place", change: func(t *testing.T, st *testStore) {
					patchInPlace(t, filepath.Join(st.dir, "records.json"), `"Version":2`, `"Version":1`)
				}, want: "192.0.2.1"},
			},
		},
		{
			name: "new file",
			steps: []step{
				{what: "healthstate.json", change: func(t *testing.T, st *testStore) {
					mustWriteFile(t, filepath.Join(st.dir, "healthstate.json"), `{"hp":"unhealthy"}`)
				}, name: "sw.example.org.", want: "192.0.2.12"},
				{what: "a version in a new directory, then records.json", change: func(t *testing.T, st *testStore) {
					mustWriteFile(t, filepath.Join(st.dir, "policies/fresh/1.json"), valuePolicy("A", "192.0.2.55"))
					renameOver(t, filepath.Join(st.dir, "records.json"), recordsFile(prec{"www.example.org.", "fresh", 1}, prec{"sw.example.org.", "sw", 1}))
				}, want: "192.0.2.55"},
				{what: "the file in the new directory in place", change: func(t *testing.T, st *testStore) {
					patchInPlace(t, filepath.Join(st.dir, "policies/fresh/1.json"), "192.0.2.55", "192.0.2.56")
				}, want: "192.0.2.56"},
			},
		},
		{
			name:  "delete",
			files: storeWith(reloadStore(), map[string]string{"healthstate.json": `{"hp":"unhealthy"}`}),
			steps: []step{
				{what: "healthstate.json", change: func(t *testing.T, st *testStore) {
					if err := os.Remove(filepath.Join(st.dir, "healthstate.json")); err != nil {
						t.Fatal(err)
					}
				}, name: "sw.example.org.", want: "192.0.2.11"},
				{what: "a policy directory and its record", change: func(t *testing.T, st *testStore) {
					renameOver(t, filepath.Join(st.dir, "records.json"), recordsFile(prec{"www.example.org.", "web", 1}))
					if err := os.RemoveAll(filepath.Join(st.dir, "policies/sw")); err != nil {
						t.Fatal(err)
					}
					mustWriteFile(t, filepath.Join(st.dir, "policies/web/1.json"), valuePolicy("A", "192.0.2.3"))
				}, want: "192.0.2.3"},
			},
		},
		{
			name: "directory replaced at once",
			steps: []step{
				{what: "policies/web", change: func(t *testing.T, st *testStore) {
					replaceDir(t, filepath.Join(st.dir, "policies/web"), web("192.0.2.31"))
				}, want: "192.0.2.31"},
				{what: "a file of the new directory in place", change: func(t *testing.T, st *testStore) {
					patchInPlace(t, filepath.Join(st.dir, "policies/web/1.json"), "192.0.2.31", "192.0.2.32")
				}, want: "192.0.2.32"},
				{what: "policies", change: func(t *testing.T, st *testStore) {
					replaceDir(t, filepath.Join(st.dir, "policies"), map[string]string{
						"web/1.json": valuePolicy("A", "192.0.2.33"), "web/2.json": valuePolicy("A", "192.0.2.2"),
						"sw/1.json": switchPolicy("192.0.2.11", "192.0.2.12")})
				}, want: "192.0.2.33"},
				{what: "a file two levels into the new directory in place", change: func(t *testing.T, st *testStore) {
					patchInPlace(t, filepath.Join(st.dir, "policies/web/1.json"), "192.0.2.33", "192.0.2.34")
				}, want: "192.0.2.34"},
			},
		},
		{
			name:      "ConfigMap ..data swap",
			configMap: true,
			steps: []step{
				{what: "a version file", change: func(t *testing.T, st *testStore) {
					st.cm.write(t, storeWith(reloadStore(), map[string]string{"policies/web/1.json": valuePolicy("A", "192.0.2.41")}))
				}, want: "192.0.2.41"},
				{what: "a new key (healthstate.json)", change: func(t *testing.T, st *testStore) {
					st.cm.write(t, storeWith(reloadStore(), map[string]string{"policies/web/1.json": valuePolicy("A", "192.0.2.41"),
						"healthstate.json": `{"hp":"unhealthy"}`}))
				}, name: "sw.example.org.", want: "192.0.2.12"},
				{what: "records.json, and a key removed", change: func(t *testing.T, st *testStore) {
					st.cm.write(t, storeWith(reloadStore(), map[string]string{"records.json": recordsFile(prec{"www.example.org.", "web", 2}, prec{"sw.example.org.", "sw", 1})}))
				}, want: "192.0.2.2"},
				{what: "the key removed above is gone", name: "sw.example.org.", want: "192.0.2.11"},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			files := tc.files
			if files == nil {
				files = reloadStore()
			}
			st := &testStore{}
			if tc.configMap {
				st.cm = newAtomicWriter(t, files)
				st.dir = st.cm.dir
			} else {
				st.dir = writeFiles(t, files)
			}
			tf := newPlugin(t, pluginOpts{dir: st.dir, block: "reload 0s", watch: true})
			assertAnswer(t, tf, "www.example.org.", "", "192.0.2.1")
			for _, s := range tc.steps {
				if s.change != nil {
					s.change(t, st)
					t.Logf("changed %s", s.what)
				}
				name := s.name
				if name == "" {
					name = "www.example.org."
				}
				waitAnswer(t, tf, name, "", s.want)
			}
		})
	}
}

// testStore is a store directory a test changes.
type testStore struct {
	dir string
	cm  *atomicWriter // the ConfigMap writer, when the store is one
}

// TestReloadChangeBeforeStartup changes the store after setup loaded it and
// before OnStartup started the watcher: the watcher's first check compares
// with the fingerprint taken before that load, and serves the change.
func TestReloadChangeBeforeStartup(t *testing.T) {
	dir := writeFiles(t, reloadStore())
	tf := newPlugin(t, pluginOpts{dir: dir, block: "reload 0s"})
	assertAnswer(t, tf, "www.example.org.", "", "192.0.2.1")
	renameOver(t, filepath.Join(dir, "records.json"), recordsFile(prec{"www.example.org.", "web", 2}, prec{"sw.example.org.", "sw", 1}))
	if err := tf.loader.start(); err != nil {
		t.Fatal(err)
	}
	waitAnswer(t, tf, "www.example.org.", "", "192.0.2.2")
}

// TestReloadUpdateRollback updates a policy record by changing its Version
// in records.json and rolls it back, several times, through a real CoreDNS
// server: the answers follow each time.
func TestReloadUpdateRollback(t *testing.T) {
	dir := writeFiles(t, reloadStore())
	_, addr := startServer(t, "example.org:0 {\n bind 127.0.0.1\n trafficflow "+dir+" {\n  reload 0s\n }\n}\n")
	records := filepath.Join(dir, "records.json")
	waitServed(t, addr, "www.example.org.", "192.0.2.1")
	for i, v := range []int{2, 1, 2, 1} {
		content := recordsFile(prec{"www.example.org.", "web", v}, prec{"sw.example.org.", "sw", 1})
		if i%2 == 0 {
			renameOver(t, records, content)
		} else {
			truncateAndWrite(t, records, content)
		}
		waitServed(t, addr, "www.example.org.", fmt.Sprintf("192.0.2.%d", v))
	}
}

// waitServed polls a server's answer to an A query for name over UDP until
// it is want, and fails the test if that takes longer than answerWait.
func waitServed(t testing.TB, addr, name string, want ...string) {
	t.Helper()
	pollUntil(t, answerWait, func() (bool, string) {
		r := exchange(t, addr, name, dns.TypeA, "")
		got := values(r)
		return r.Rcode == dns.RcodeSuccess && slices.Equal(got, want),
			fmt.Sprintf("%s answers %v (rcode %s), want %v", name, got, dns.RcodeToString[r.Rcode], want)
	})
}
