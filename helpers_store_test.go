package trafficflow

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trafficflow/trafficflow/internal/storegen"
)

// The policy stores the tests serve, and the ways their files change on
// disk: written in place, truncated and rewritten, renamed over, replaced
// as a directory, or swapped as a Kubernetes ConfigMap volume.

// baseStore is the store most query tests serve: www.example.org fails
// over from 192.0.2.1 to 192.0.2.2 (health checks hp and hs),
// geo.example.org answers by location, txt.example.org with a TXT record,
// and example.org and shop.example.org are aliases of www.example.org.
func baseStore() map[string]string {
	return map[string]string{
		"policies/web/1.json": failoverPolicy,
		"policies/geo/1.json": geoPolicy,
		"policies/txt/1.json": `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"TXT","StartEndpoint":"e","Endpoints":{"e":{"Type":"value","Value":"\"hello world\""}}}`,
		"healthchecks.json":   healthChecks,
		"records.json": `{"PolicyRecords":[
			{"Name":"www.example.org","Policy":"web","Version":1,"TTL":60},
			{"Name":"geo.example.org","Policy":"geo","Version":1,"TTL":30},
			{"Name":"txt.example.org","Policy":"txt","Version":1,"TTL":120}],
			"Aliases":[{"Name":"example.org","Target":"www.example.org"},{"Name":"shop.example.org","Target":"example.org"}]}`,
	}
}

const failoverPolicy = `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"switch",
"Endpoints":{"primary":{"Type":"value","Value":"192.0.2.1"},"secondary":{"Type":"value","Value":"192.0.2.2"}},
"Rules":{"switch":{"RuleType":"failover","Primary":{"EndpointReference":"primary","HealthCheck":"hp"},"Secondary":{"EndpointReference":"secondary","HealthCheck":"hs"}}}}`

const geoPolicy = `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"where",
"Endpoints":{"ca":{"Type":"value","Value":"192.0.2.10"},"us":{"Type":"value","Value":"192.0.2.20"},"gb":{"Type":"value","Value":"192.0.2.30"},"eu":{"Type":"value","Value":"192.0.2.40"}},
"Rules":{"where":{"RuleType":"geo","Locations":[{"Country":"US","Subdivision":"CA","EndpointReference":"ca"},{"Country":"US","EndpointReference":"us"},
{"Country":"GB","EndpointReference":"gb"},{"Continent":"EU","EndpointReference":"eu"}]}}}`

const healthChecks = `{"HealthChecks":[
{"Id":"hp","HealthCheckConfig":{"Type":"TCP","IPAddress":"127.0.0.1","Port":9,"RequestInterval":300}},
{"Id":"hs","HealthCheckConfig":{"Type":"TCP","IPAddress":"127.0.0.1","Port":9,"RequestInterval":300}}]}`

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
	return storegen.With(files, changes)
}

// writeFiles creates files (relative path → content) under a new
// directory and returns it.
func writeFiles(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for rel, content := range files {
		mustWriteFile(t, filepath.Join(dir, filepath.FromSlash(rel)), content)
	}
	return dir
}

// mustWriteFile writes a file (creating its directory) or fails the test.
func mustWriteFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// renameOver replaces (or creates) a file the way editors and atomic
// writers do: a new file next to it (a dotfile, which the store ignores),
// renamed over it, so that a watcher never reads half a file.
func renameOver(t testing.TB, path, content string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".swp")
	mustWriteFile(t, tmp, content)
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
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
