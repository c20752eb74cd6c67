package trafficflow

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coredns/coredns/plugin/test"
	"github.com/miekg/dns"

	"github.com/trafficflow/trafficflow/policyfile"
	"github.com/trafficflow/trafficflow/watch"
)

// The loader: the load at setup and the reloads on every change the
// watcher reports. The hot-reload tests change real files in t.TempDir()
// and wait, with a deadline, for the plugin's answers to follow. The
// fsnotify tests use "reload 0s", so that polling cannot hide a broken
// watcher.

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

// TestReloadInvalidStore breaks the store in several ways: each time the
// running answers stay, the failure counter rises, no reload succeeds, and
// every error is logged with its file and JSON path; fixing the store
// applies the fix.
func TestReloadInvalidStore(t *testing.T) {
	records := func(recs ...prec) func(t *testing.T, dir string) {
		return func(t *testing.T, dir string) {
			renameOver(t, filepath.Join(dir, "records.json"), recordsFile(recs...))
		}
	}
	write := func(rel, content string) func(t *testing.T, dir string) {
		return func(t *testing.T, dir string) { renameOver(t, filepath.Join(dir, rel), content) }
	}
	cases := []struct {
		name string
		// breaks are applied one after the other; each must fail and log
		// an error line starting with its logs[i][0] (file: path: ) that
		// contains the other strings of logs[i].
		breaks []func(t *testing.T, dir string)
		logs   [][]string
		fix    func(t *testing.T, dir string)
		// the fix's answer to www.example.org (or sw.example.org).
		www, sw string
	}{
		{
			name: "bad JSON, still bad after another change",
			breaks: []func(t *testing.T, dir string){
				write("records.json", `{"PolicyRecords":[{"Name":"www.example.org.","Policy":"web",`),
				write("records.json", `{"PolicyRecords":[{"Name":"www.example.org.","Policy":"web","Version":2,"TTL":60}]`),
			},
			logs: [][]string{{"records.json: line 1, column 61: "}, {"records.json: line 1, column 83: "}},
			fix:  records(prec{"www.example.org.", "web", 2}, prec{"sw.example.org.", "sw", 1}),
			www:  "192.0.2.2", sw: "192.0.2.11",
		},
		{
			name:   "record refers to a missing version",
			breaks: []func(t *testing.T, dir string){records(prec{"www.example.org.", "web", 9}, prec{"sw.example.org.", "sw", 1})},
			logs:   [][]string{{`records.json: PolicyRecords[0].Version: policy "web" has no version 9`}},
			fix:    records(prec{"www.example.org.", "web", 2}, prec{"sw.example.org.", "sw", 1}),
			www:    "192.0.2.2", sw: "192.0.2.11",
		},
		{
			name: "rule refers to a missing endpoint",
			breaks: []func(t *testing.T, dir string){write("policies/sw/1.json",
				strings.Replace(switchPolicy("192.0.2.11", "192.0.2.12"), `"EndpointReference":"secondary"`, `"EndpointReference":"tertiary"`, 1))},
			logs: [][]string{{`policies/sw/1.json: Rules.switch.Secondary.EndpointReference: `, `"tertiary"`}},
			fix:  write("policies/sw/1.json", switchPolicy("192.0.2.13", "192.0.2.12")),
			www:  "192.0.2.1", sw: "192.0.2.13",
		},
		{
			name:   "missing health check",
			breaks: []func(t *testing.T, dir string){write("policies/sw/1.json", switchPolicyChecks("192.0.2.11", "hp", "192.0.2.12", "gone"))},
			logs:   [][]string{{`policies/sw/1.json: Rules.switch.Secondary.HealthCheck: `, `"gone"`}},
			fix:    write("policies/sw/1.json", switchPolicy("192.0.2.13", "192.0.2.12")),
			www:    "192.0.2.1", sw: "192.0.2.13",
		},
		{
			name: "health check in use removed",
			breaks: []func(t *testing.T, dir string){write("healthchecks.json",
				`{"HealthChecks":[{"Id":"hp","HealthCheckConfig":{"Type":"TCP","IPAddress":"127.0.0.1","Port":9,"RequestInterval":30,"FailureThreshold":10}}]}`)},
			logs: [][]string{{`policies/sw/1.json: Rules.switch.Secondary.HealthCheck: `, `"hs"`}},
			fix:  write("policies/sw/1.json", switchPolicyChecks("192.0.2.13", "hp", "192.0.2.12", "hp")),
			www:  "192.0.2.1", sw: "192.0.2.13",
		},
		{
			name: "version in use deleted",
			breaks: []func(t *testing.T, dir string){func(t *testing.T, dir string) {
				if err := os.Remove(filepath.Join(dir, "policies/web/1.json")); err != nil {
					t.Fatal(err)
				}
			}},
			logs: [][]string{{`records.json: PolicyRecords[0].Version: policy "web" has no version 1`}},
			fix:  records(prec{"www.example.org.", "web", 2}, prec{"sw.example.org.", "sw", 1}),
			www:  "192.0.2.2", sw: "192.0.2.11",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, reloadStore())
			tf := newPlugin(t, pluginOpts{dir: dir, block: "reload 0s", watch: true})
			log := captureLog(t)
			for i, brk := range tc.breaks {
				success, failure := reloadCount(t, "success"), reloadCount(t, "failure")
				logged := len(log.String())
				brk(t, dir)
				pollUntil(t, answerWait, func() (bool, string) {
					return reloadCount(t, "failure") > failure, fmt.Sprintf("break %d: reloads_total{result=failure} still %v", i, failure)
				})
				if got := reloadCount(t, "success"); got != success {
					t.Errorf("break %d: reloads_total{result=success} went from %v to %v", i, success, got)
				}
				assertAnswer(t, tf, "www.example.org.", "", "192.0.2.1")
				assertAnswer(t, tf, "sw.example.org.", "", "192.0.2.11")
				// The failure is counted before it is logged.
				pollUntil(t, answerWait, func() (bool, string) {
					out := log.String()[logged:]
					return strings.Contains(out, "[ERROR] plugin/trafficflow: policy store "+dir+" is invalid; the running configuration stays in service") &&
							hasLine(out, "[ERROR] plugin/trafficflow: "+tc.logs[i][0], tc.logs[i][1:]...),
						fmt.Sprintf("break %d: no error saying the store is invalid, or no error line with %q, in the log:\n%s", i, tc.logs[i], out)
				})
			}
			tc.fix(t, dir)
			waitAnswer(t, tf, "www.example.org.", "", tc.www)
			waitAnswer(t, tf, "sw.example.org.", "", tc.sw)
		})
	}
}

// hasLine reports whether text has a line containing prefix and every one
// of the other strings.
func hasLine(text, prefix string, others ...string) bool {
	for _, line := range strings.Split(text, "\n") {
		if !strings.Contains(line, prefix) {
			continue
		}
		found := true
		for _, s := range others {
			found = found && strings.Contains(line, s)
		}
		if found {
			return true
		}
	}
	return false
}

// reloadGeoPolicy answers 192.0.2.30 in GB and 192.0.2.99 elsewhere.
const reloadGeoPolicy = `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"where",
"Endpoints":{"gb":{"Type":"value","Value":"192.0.2.30"},"other":{"Type":"value","Value":"192.0.2.99"}},
"Rules":{"where":{"RuleType":"geo","Locations":[{"Country":"GB","EndpointReference":"gb"},{"Country":"*","EndpointReference":"other"}]}}}`

// TestReloadGeoIP changes only the GeoIP database file, in the ways files
// change: the client 2.2.3.0/24 is in GB in GeoIP2-City-Test.mmdb and
// unknown in GeoLite2-City-Test.mmdb. A corrupt database keeps the running
// one; a database changed while the store is invalid is used once the
// store is fixed.
func TestReloadGeoIP(t *testing.T) {
	const (
		client = "2.2.3.0/24"
		gb     = "192.0.2.30"
		other  = "192.0.2.99"
	)
	mmdb := func(name string) string {
		b, err := os.ReadFile(testdataPath(t, filepath.Join("geoip", name)))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	city, lite := mmdb("GeoIP2-City-Test.mmdb"), mmdb("GeoLite2-City-Test.mmdb")
	db := filepath.Join(t.TempDir(), "City.mmdb")
	mustWriteFile(t, db, city)
	store := map[string]string{
		"policies/geo/1.json": reloadGeoPolicy,
		"policies/web/1.json": valuePolicy("A", "192.0.2.1"),
		"records.json":        recordsFile(prec{"geo.example.org.", "geo", 1}, prec{"www.example.org.", "web", 1}),
	}
	dir := writeFiles(t, store)
	records := filepath.Join(dir, "records.json")
	tf := newPlugin(t, pluginOpts{dir: dir, block: "geoip " + db + "\nreload 0s", watch: true})
	assertAnswer(t, tf, "geo.example.org.", client, gb)

	// fails changes a file and waits for a failed reload.
	fails := func(what string, change func()) {
		t.Helper()
		failure := reloadCount(t, "failure")
		change()
		pollUntil(t, answerWait, func() (bool, string) {
			return reloadCount(t, "failure") > failure, what + ": no failed reload"
		})
	}

	// A query that loaded the snapshot before the swap still finishes on
	// the database it started with.
	inFlight := tf.snap.Load()
	renameOver(t, db, lite)
	waitAnswer(t, tf, "geo.example.org.", client, other)
	if loc, _ := inFlight.geo.Lookup(netip.MustParseAddr("2.2.3.1")); loc.Country != "GB" {
		t.Errorf("the replaced database answers %+v for 2.2.3.1 to queries still using it, want GB", loc)
	}

	truncateAndWrite(t, db, city)
	waitAnswer(t, tf, "geo.example.org.", client, gb)

	fails("a corrupt database", func() { renameOver(t, db, mmdb("GeoIP2-City-Test-Broken-Double-Format.mmdb")) })
	assertAnswer(t, tf, "geo.example.org.", client, gb)
	renameOver(t, db, lite)
	waitAnswer(t, tf, "geo.example.org.", client, other)

	// While the store is invalid, the database changes; fixing the store
	// must bring the new database in, not keep the one in service.
	fails("an invalid store", func() { renameOver(t, records, `{"PolicyRecords":`) })
	fails("a new database with the store invalid", func() { renameOver(t, db, city) })
	assertAnswer(t, tf, "geo.example.org.", client, other)
	renameOver(t, records, store["records.json"])
	waitAnswer(t, tf, "geo.example.org.", client, gb)

	// And the other way round: a corrupt database fails its reload, and
	// the database in service stays in service, also for a later change of
	// the store, until the file changes again.
	fails("a corrupt database", func() { renameOver(t, db, mmdb("GeoIP2-City-Test-Invalid-Node-Count.mmdb")) })
	assertAnswer(t, tf, "geo.example.org.", client, gb)
	renameOver(t, records, recordsFile(prec{"geo.example.org.", "geo", 1}, prec{"www.example.org.", "web", 1}, prec{"new.example.org.", "web", 1}))
	waitAnswer(t, tf, "new.example.org.", "", "192.0.2.1")
	assertAnswer(t, tf, "geo.example.org.", client, gb)
	renameOver(t, db, lite)
	waitAnswer(t, tf, "geo.example.org.", client, other)
}

// TestReloadConcurrentQueries answers queries from several goroutines while
// the store is rewritten 200 times between two valid versions, each
// rewrite changing several files at once (a ConfigMap update). No query
// may fail, and every answer must come from one version. The queried name
// is a CNAME policy record whose target is another policy record, and both
// change between the versions: an answer mixing the versions (the CNAME of
// one, the target's address of the other) would show a snapshot built from
// a store that changed while it was read, or a query that read two
// snapshots. After the last rewrite its version must be served: a reload
// that read another version than the watcher had checked must not leave
// that version in service.
func TestReloadConcurrentQueries(t *testing.T) {
	const rewrites = 200
	records := recordsFile(prec{"c.example.org.", "c", 1}, prec{"a.example.org.", "a", 1}, prec{"b.example.org.", "b", 1})
	versions := [2]map[string]string{{
		"policies/c/1.json": valuePolicy("CNAME", "a.example.org."),
		"policies/a/1.json": valuePolicy("A", "192.0.2.1"),
		"policies/b/1.json": valuePolicy("A", "192.0.2.98"),
		"records.json":      records,
	}, {
		"policies/c/1.json": valuePolicy("CNAME", "b.example.org."),
		"policies/a/1.json": valuePolicy("A", "192.0.2.99"),
		"policies/b/1.json": valuePolicy("A", "192.0.2.2"),
		"records.json":      records,
	}}
	answers := [2][]string{{"a.example.org.", "192.0.2.1"}, {"b.example.org.", "192.0.2.2"}}

	cm := newAtomicWriter(t, versions[0])
	logs := captureLog(t)
	tf := newPlugin(t, pluginOpts{dir: cm.dir, block: "reload 0s", watch: true})
	assertAnswer(t, tf, "c.example.org.", "", answers[0]...)

	var (
		stop   atomic.Bool
		seen   [2]atomic.Int64
		failed atomic.Int64
		wg     sync.WaitGroup
	)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 1; !stop.Load(); n++ {
				if n%16 == 0 {
					// Leave the 2 CPUs of a small CI machine some time
					// for the watcher and the writer.
					time.Sleep(200 * time.Microsecond)
				}
				rc, got, err := answerOf(tf, "c.example.org.", "")
				switch {
				case err != nil || rc != dns.RcodeSuccess:
					if failed.Add(1) <= 5 {
						t.Errorf("query failed: rcode %d, %v", rc, err)
					}
				case slices.Equal(got, answers[0]):
					seen[0].Add(1)
				case slices.Equal(got, answers[1]):
					seen[1].Add(1)
				default:
					if failed.Add(1) <= 5 {
						t.Errorf("answer %q is from neither version", got)
					}
				}
			}
		}()
	}

	// The first half of the rewrites waits for each to be served, so that
	// they are all swapped in; the second half comes in bursts, so that
	// the store also changes while a reload reads it.
	const paced, burst = rewrites / 2, 10
	start := time.Now()
	success, failure := reloadCount(t, "success"), reloadCount(t, "failure")
	for i := 1; i <= rewrites && !t.Failed(); i++ {
		v := i % 2
		cm.write(t, versions[v])
		// Check runs the watcher's check at once instead of after the
		// debounce.
		tf.loader.watcher.Check()
		if i > paced && i%burst != 0 && i != rewrites {
			continue
		}
		pollUntil(t, answerWait, func() (bool, string) {
			_, got, _ := answerOf(tf, "c.example.org.", "")
			return slices.Equal(got, answers[v]), fmt.Sprintf("rewrite %d: answer %q, want %q", i, got, answers[v])
		})
	}
	stop.Store(true)
	wg.Wait()
	if n := reloadCount(t, "success") - success; n < paced {
		t.Errorf("%d successful reloads for %d rewrites, %d of them one by one", int(n), rewrites, paced)
	}
	// reloads_total is the process's: an instance another test left
	// behind may count a failure in it, so the log tells whose it is.
	var own, foreign []string
	for line := range strings.Lines(logs.String()) {
		switch {
		case !strings.Contains(line, "[ERROR]"):
		case strings.Contains(line, cm.dir):
			own = append(own, line)
		default:
			foreign = append(foreign, line)
		}
	}
	if len(own) > 0 {
		t.Errorf("%d failed reloads:\n%s", len(own), strings.Join(own, ""))
	}
	if n := reloadCount(t, "failure") - failure; n != 0 {
		t.Logf("reloads_total{result=failure} rose by %d; errors of other instances:\n%s", int(n), strings.Join(foreign, ""))
	}
	t.Logf("%d rewrites in %s; answers: %d of version 1, %d of version 2, %d bad",
		rewrites, time.Since(start).Round(time.Millisecond), seen[0].Load(), seen[1].Load(), failed.Load())
	if seen[0].Load() == 0 || seen[1].Load() == 0 {
		t.Errorf("the queries saw only one version")
	}
}

// missing_healthcheck healthy|unhealthy: a HealthCheck ID healthchecks.json
// does not define is a check fixed in that state.
func TestMissingHealthCheckModes(t *testing.T) {
	files := map[string]string{
		"policies/web/1.json": strings.Replace(failoverPolicy, `"HealthCheck":"hp"`, `"HealthCheck":"nope"`, 1),
		"healthchecks.json":   healthChecks,
		"records.json":        `{"PolicyRecords":[{"Name":"www.example.org","Policy":"web","Version":1,"TTL":60}]}`,
	}
	for mode, want := range map[string]string{"healthy": "192.0.2.1", "unhealthy": "192.0.2.2"} {
		t.Run(mode, func(t *testing.T) {
			tf := newPlugin(t, pluginOpts{files: files, block: "missing_healthcheck " + mode})
			tf.health.Cell("hs").Store(true)
			checkCase(t, tf, test.Case{Qname: "www.example.org.", Qtype: dns.TypeA, Authoritative: true,
				Answer: []dns.RR{test.A("www.example.org. 60 IN A " + want)}})
		})
	}
}

// Losing the store directory or the GeoIP database keeps the last good
// configuration serving, and counts as a failed reload; their return is
// loaded.
func TestReloadLostFiles(t *testing.T) {
	b, err := os.ReadFile(testdataPath(t, "geoip/GeoIP2-City-Test.mmdb"))
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "City.mmdb")
	mustWriteFile(t, db, string(b))
	dir := writeFiles(t, map[string]string{
		"policies/geo/1.json": reloadGeoPolicy,
		"records.json":        recordsFile(prec{"geo.example.org.", "geo", 1}),
	})
	tf := newPlugin(t, pluginOpts{dir: dir, block: "geoip " + db + "\nreload 0s", watch: true})
	assertAnswer(t, tf, "geo.example.org.", "2.2.3.0/24", "192.0.2.30")
	for _, tc := range []struct {
		name string
		lose func()
	}{
		{"store", func() {
			if err := os.Rename(dir, dir+".away"); err != nil {
				t.Fatal(err)
			}
		}},
		{"GeoIP database", func() {
			if err := os.Remove(db); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		failures := reloadCount(t, "failure")
		tc.lose()
		pollUntil(t, answerWait, func() (bool, string) {
			return reloadCount(t, "failure") > failures, "losing the " + tc.name + " was not counted as a failed reload"
		})
		assertAnswer(t, tf, "geo.example.org.", "2.2.3.0/24", "192.0.2.30")
	}
	// Both come back: loaded.
	successes := reloadCount(t, "success")
	mustWriteFile(t, db, string(b))
	if err := os.Rename(dir+".away", dir); err != nil {
		t.Fatal(err)
	}
	pollUntil(t, answerWait, func() (bool, string) {
		return reloadCount(t, "success") > successes, "the store's return was not loaded"
	})
	assertAnswer(t, tf, "geo.example.org.", "2.2.3.0/24", "192.0.2.30")
	if watch.MaxFileSize != policyfile.MaxFileSize {
		t.Errorf("the watcher reads files of up to %d bytes, the loader %d", watch.MaxFileSize, policyfile.MaxFileSize)
	}
}
