package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The stores the soak rewrites while the server answers from them, and the
// ways their files change: a plain directory written with atomic renames or
// in place, and a ConfigMap volume swapped as the kubelet swaps it.
//
// State n of a store serves the state record with the address
// stateAddr(store, n) (from the policy document policies/s/V.json, V =
// version(n)) and the TTL n (from records.json), so that an answer names
// the state it came from and a mix of two states' files shows. Invalid
// states keep that property: served by mistake, they would be recognised.

// invalidKinds are the ways a state is invalid, taken in turn:
//   - missing-version: records.json also binds a record to a version that
//     does not exist;
//   - bad-document: the state's document has an out-of-range weight;
//   - truncated: records.json is cut in the middle (as a failed copy
//     leaves it).
var invalidKinds = []string{"missing-version", "bad-document", "truncated"}

// version is the policy version state n's document is written as: a new
// file for every state, and never the missing version 1000.
func version(n int) int { return 1 + n%999 }

// document is state n's policy document: a single endpoint, or for a
// bad-document state a weighted rule with a weight out of range.
func document(store, n int, kind string) string {
	addr := stateAddr(store, n)
	if kind == "bad-document" {
		return fmt.Sprintf(`{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"w",
"Endpoints":{"e":{"Type":"value","Value":"%s"}},
"Rules":{"w":{"RuleType":"weighted","Items":[{"EndpointReference":"e","Weight":256}]}}}
`, addr)
	}
	return fmt.Sprintf(`{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartEndpoint":"e",
"Endpoints":{"e":{"Type":"value","Value":"%s"}}}
`, addr)
}

// records is state n's records.json for the store whose state record is
// name; extra are more records in every state (the failover record).
func records(name string, n int, kind string, extra ...string) string {
	recs := append([]string{fmt.Sprintf(`{"Name":%q,"Policy":"s","Version":%d,"TTL":%d}`, name, version(n), n)}, extra...)
	if kind == "missing-version" {
		recs = append(recs, `{"Name":"dangling.`+strings.TrimPrefix(name, "state.")+`","Policy":"s","Version":1000,"TTL":60}`)
	}
	s := "{\"PolicyRecords\":[\n" + strings.Join(recs, ",\n") + "\n]}\n"
	if kind == "truncated" {
		s = s[:len(s)/2]
	}
	return s
}

// The plain store's fixed files: the failover record's policy and its two
// TCP health checks (every second, flipping on one result), which probe
// the backends the soak flaps.
const foRecord = `{"Name":"fo.plain.soak.","Policy":"fo","Version":1,"TTL":60}`

func foPolicy() string {
	return fmt.Sprintf(`{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"switch",
"Endpoints":{"primary":{"Type":"value","Value":"%s"},"secondary":{"Type":"value","Value":"%s"}},
"Rules":{"switch":{"RuleType":"failover","Primary":{"EndpointReference":"primary","HealthCheck":"hp"},
"Secondary":{"EndpointReference":"secondary","HealthCheck":"hs"}}}}
`, primaryAddr, secondaryAddr)
}

func healthChecks(primaryPort, secondaryPort int) string {
	hc := func(id string, port int) string {
		return fmt.Sprintf(`{"Id":%q,"HealthCheckConfig":{"Type":"TCP","IPAddress":"127.0.0.1","Port":%d,"RequestInterval":1,"FailureThreshold":1}}`, id, port)
	}
	return `{"HealthChecks":[` + hc("hp", primaryPort) + ",\n" + hc("hs", secondaryPort) + "]}\n"
}

// plainStore is a store directory whose files the soak rewrites one by
// one, alternately with atomic renames and in place.
type plainStore struct {
	dir string
}

// write writes state n: first the new document (a new file), then, after
// calling commit, records.json, which switches the record to it; then it
// removes the documents of earlier states. Every moment in between is
// state n-1 (or an invalid store), so commit is when state n can first be
// read. In place, a reader may see each file empty or half written.
func (p *plainStore) write(n int, kind string, inPlace bool, commit func()) error {
	put := writeAtomic
	if inPlace {
		put = writeInPlace
	}
	doc := filepath.Join(p.dir, "policies", "s", fmt.Sprintf("%d.json", version(n)))
	if err := put(doc, document(storePlain, n, kind)); err != nil {
		return err
	}
	commit()
	if err := put(filepath.Join(p.dir, "records.json"), records(targetNames[tPlain], n, kind, foRecord)); err != nil {
		return err
	}
	entries, err := os.ReadDir(filepath.Dir(doc))
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Name() != filepath.Base(doc) {
			if err := os.Remove(filepath.Join(filepath.Dir(doc), e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeAtomic writes a file the way editors and atomic writers do: a
// temporary file (a dotfile, which the store ignores) renamed over it.
func writeAtomic(path, content string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// writeInPlace writes a file the way cp or a shell redirection does:
// truncate, then write in two halves a little apart.
func writeInPlace(path, content string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	half := len(content) / 2
	_, err = f.WriteString(content[:half])
	if err == nil {
		time.Sleep(2 * time.Millisecond)
		_, err = f.WriteString(content[half:])
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// configMap is a store laid out as the kubelet lays out a ConfigMap
// volume: the files live in a timestamped directory, "..data" links to it,
// and the visible entries link through "..data" ("records.json ->
// ..data/records.json", "policies -> ..data/policies"). An update writes a
// new timestamped directory, renames a new "..data_tmp" link over "..data"
// and removes the old directory.
type configMap struct {
	dir string
	gen int
	cur string // the directory "..data" links to
}

// write publishes state n; commit is called just before the swap.
func (c *configMap) write(n int, kind string, commit func()) error {
	c.gen++
	ts := fmt.Sprintf("..%s.%09d", time.Now().UTC().Format("2006_01_02_15_04_05"), c.gen)
	files := map[string]string{
		"records.json": records(targetNames[tCM], n, kind),
		filepath.Join("policies", "s", fmt.Sprintf("%d.json", version(n))): document(storeCM, n, kind),
	}
	for rel, content := range files {
		p := filepath.Join(c.dir, ts, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			return err
		}
	}
	tmp := filepath.Join(c.dir, "..data_tmp")
	if err := os.Symlink(ts, tmp); err != nil {
		return err
	}
	commit()
	if err := os.Rename(tmp, filepath.Join(c.dir, "..data")); err != nil {
		return err
	}
	for _, name := range []string{"records.json", "policies"} {
		if _, err := os.Lstat(filepath.Join(c.dir, name)); err == nil {
			continue
		}
		if err := os.Symlink(filepath.Join("..data", name), filepath.Join(c.dir, name)); err != nil {
			return err
		}
	}
	if c.cur != "" {
		if err := os.RemoveAll(filepath.Join(c.dir, c.cur)); err != nil {
			return err
		}
	}
	c.cur = ts
	return nil
}
