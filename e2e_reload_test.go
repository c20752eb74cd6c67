package trafficflow

import (
	"fmt"
	"maps"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coredns/caddy"
	"github.com/miekg/dns"
)

// Reloads through a real CoreDNS server: store changes served over UDP,
// and Corefile restarts (as the reload plugin restarts) that leave no
// watcher or health prober behind.

const (
	// The functions the watcher's and the health probers' goroutines run.
	watcherFunc = "github.com/trafficflow/trafficflow/watch.(*Watcher).run("
	proberFunc  = "github.com/trafficflow/trafficflow/health.(*Engine).run("
)

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

// TestReloadCorefileRestart restarts a CoreDNS server several times the way
// the reload plugin does (Instance.Restart: the new instance starts before
// the old one stops). Each time, the old instance's watcher and health
// probers stop and the new instance's run; the inotify instances and the
// goroutines come back to what one instance uses, and, after the last stop,
// to what there was before the first start. The newest instance picks up
// changes of the store.
func TestReloadCorefileRestart(t *testing.T) {
	dir := writeFiles(t, reloadStore())
	corefile := func(i int) caddy.Input {
		return caddy.CaddyfileInput{Filepath: "Corefile", ServerTypeName: "dns", Contents: []byte(fmt.Sprintf(
			"example.org:0 {\n bind 127.0.0.1\n trafficflow %s {\n  reload %s\n }\n}\n", dir, []string{"0s", "1h", "0s"}[i%3]))}
	}
	const probers = 2 // the probed health checks of reloadStore

	// What runs before the first start: another test's leftovers, if any,
	// are not counted against this one.
	watchers0, probers0 := goroutinesIn(watcherFunc), goroutinesIn(proberFunc)
	goroutines0 := runtime.NumGoroutine()
	inotify0 := inotifyInstances(t)

	inst, addr := startServer(t, string(corefile(0).Body()))
	waitServed(t, addr, "www.example.org.", "192.0.2.1")
	running := func(step string, watchers, probes, inotify int) {
		t.Helper()
		pollUntil(t, 5*time.Second, func() (bool, string) {
			w, p, n := goroutinesIn(watcherFunc)-watchers0, goroutinesIn(proberFunc)-probers0, inotifyInstances(t)
			ok := w == watchers && p == probes && (inotify0 < 0 || n-inotify0 == inotify)
			return ok, fmt.Sprintf("%s: %d watcher goroutines, %d health probers, %d new inotify instances; want %d, %d, %d",
				step, w, p, n-inotify0, watchers, probes, inotify)
		})
	}
	running("started", 1, probers, 1)
	goroutines1 := runtime.NumGoroutine()

	for i := 1; i <= 5; i++ {
		next, err := inst.Restart(corefile(i))
		if err != nil {
			t.Fatalf("restart %d: %v", i, err)
		}
		inst = next
		running(fmt.Sprintf("restart %d", i), 1, probers, 1)
	}
	pollUntil(t, 5*time.Second, func() (bool, string) {
		n := runtime.NumGoroutine()
		return n <= goroutines1, fmt.Sprintf("after the restarts: %d goroutines, %d after the first start", n, goroutines1)
	})

	// The newest instance serves, and its watcher works.
	addr = inst.Servers()[0].LocalAddr().String()
	waitServed(t, addr, "www.example.org.", "192.0.2.1")
	renameOver(t, filepath.Join(dir, "records.json"), recordsFile(prec{"www.example.org.", "web", 2}, prec{"sw.example.org.", "sw", 1}))
	waitServed(t, addr, "www.example.org.", "192.0.2.2")

	// Stop it the way CoreDNS stops (startServer's cleanup does it again
	// for the first instance, which must be harmless).
	inst.ShutdownCallbacks()
	inst.Stop()
	running("stopped", 0, 0, 0)
	pollUntil(t, 5*time.Second, func() (bool, string) {
		n := runtime.NumGoroutine()
		return n <= goroutines0, fmt.Sprintf("after the stop: %d goroutines, %d before the start", n, goroutines0)
	})
}

// goroutinesIn counts the goroutines with a frame of the function fn.
func goroutinesIn(fn string) int { return len(stacksWith(stacks(), fn)) }

// inotifyInstances counts the process's inotify file descriptors, or
// returns -1 where /proc/self/fd does not tell.
func inotifyInstances(t testing.TB) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	n := 0
	for _, e := range entries {
		if link, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name())); err == nil && link == "anon_inode:inotify" {
			n++
		}
	}
	return n
}

// A store mounted as the kubelet mounts a ConfigMap volume (files behind
// the "..data" symlink, updated by swapping it): an update is served by a
// running server without a restart, a broken update is not, and the next
// good one is.
func TestE2EConfigMapUpdate(t *testing.T) {
	store := func(version int, extra map[string]string) map[string]string {
		files := map[string]string{
			"policies/web/1.json": valuePolicy("A", "192.0.2.1"),
			"policies/web/2.json": valuePolicy("A", "192.0.2.2"),
			"records.json":        fmt.Sprintf(`{"PolicyRecords":[{"Name":"www.example.org","Policy":"web","Version":%d,"TTL":60}]}`, version),
		}
		maps.Copy(files, extra)
		return files
	}
	cm := newAtomicWriter(t, store(1, nil))
	_, addr := startServer(t, "example.org:0 {\nbind 127.0.0.1\ntrafficflow "+cm.dir+" {\nreload 1s\n}\n}")
	waitServed(t, addr, "www.example.org.", "192.0.2.1")
	cm.write(t, store(2, nil))
	waitServed(t, addr, "www.example.org.", "192.0.2.2")
	failures := reloadCount(t, "failure")
	cm.write(t, store(1, map[string]string{"policies/web/3.json": `{"not":"a document"}`}))
	pollUntil(t, answerWait, func() (bool, string) {
		return reloadCount(t, "failure") > failures, "the broken update was not seen"
	})
	if got := values(exchange(t, addr, "www.example.org.", dns.TypeA, "")); !slices.Equal(got, []string{"192.0.2.2"}) {
		t.Errorf("after a broken update: %v, want the last good store's 192.0.2.2", got)
	}
	cm.write(t, store(1, nil))
	waitServed(t, addr, "www.example.org.", "192.0.2.1")
}

// Corefile restarts that fail leave nothing running: ten restarts whose new
// server block cannot listen (its port is taken: Caddy has run OnStartup by
// then and gives the failed instance no OnShutdown), and ten whose Corefile
// fails at setup, leave the watchers, health probers and inotify instances
// of the one instance that serves; and the store watcher of that instance
// still reloads once per change.
func TestE2EFailedRestarts(t *testing.T) {
	dir := writeFiles(t, reloadStore())
	taken, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	port := taken.LocalAddr().(*net.UDPAddr).Port
	block := "example.org:0 {\n bind 127.0.0.1\n trafficflow " + dir + " {\n  reload 0s\n }\n}\n"
	input := func(s string) caddy.Input {
		return caddy.CaddyfileInput{Filepath: "Corefile", ServerTypeName: "dns", Contents: []byte(s)}
	}
	const probers = 2
	watchers0, probers0 := goroutinesIn(watcherFunc), goroutinesIn(proberFunc)
	inotify0 := inotifyInstances(t)
	inst, addr := startServer(t, block)
	waitServed(t, addr, "www.example.org.", "192.0.2.1")
	running := func(step string) {
		t.Helper()
		pollUntil(t, 5*time.Second, func() (bool, string) {
			w, p, n := goroutinesIn(watcherFunc)-watchers0, goroutinesIn(proberFunc)-probers0, inotifyInstances(t)
			ok := w == 1 && p == probers && (inotify0 < 0 || n-inotify0 == 1)
			return ok, fmt.Sprintf("%s: %d watcher goroutines, %d health probers, %d new inotify instances; want 1, %d, 1", step, w, p, n-inotify0, probers)
		})
	}
	running("started")
	for i := range 10 {
		// A second block on a taken port: the new instance's trafficflow
		// started before the listen failed.
		if _, err := inst.Restart(input(block + fmt.Sprintf("other.org:%d {\n bind 127.0.0.1\n trafficflow %s other.org\n}\n", port, dir))); err == nil {
			t.Fatalf("restart %d on a taken port succeeded", i)
		}
		// A directive that fails at setup, after trafficflow's.
		if _, err := inst.Restart(input(strings.Replace(block, " trafficflow ", " whoami unexpected-argument\n trafficflow ", 1))); err == nil {
			t.Fatalf("restart %d with a broken directive succeeded", i)
		}
	}
	running("after 20 failed restarts")
	reloads := reloadCount(t, "success")
	renameOver(t, filepath.Join(dir, "records.json"), recordsFile(prec{"www.example.org.", "web", 2}, prec{"sw.example.org.", "sw", 1}))
	waitServed(t, addr, "www.example.org.", "192.0.2.2")
	time.Sleep(300 * time.Millisecond) // any second watcher would reload by now
	if got := reloadCount(t, "success") - reloads; got != 1 {
		t.Errorf("one store change was loaded %v times, want once", got)
	}
}

// A Corefile edit and a store fix both land, in either order: a restart
// while the store is invalid starts with the store's last good content
// (counted as a failed reload), and the fix is then applied.
func TestE2ECorefileEditWhileStoreInvalid(t *testing.T) {
	for _, storeFirst := range []bool{true, false} {
		t.Run(fmt.Sprintf("store broken before the edit: %v", storeFirst), func(t *testing.T) {
			dir := writeFiles(t, reloadStore())
			records := filepath.Join(dir, "records.json")
			block := "example.org:0 {\n bind 127.0.0.1\n trafficflow " + dir + " {\n  reload 0s\n }\n}\n"
			edited := block + "other.org:0 {\n bind 127.0.0.1\n whoami\n}\n"
			inst, addr := startServer(t, block)
			waitServed(t, addr, "www.example.org.", "192.0.2.1")
			failures := reloadCount(t, "failure")
			broken := `{"PolicyRecords":[{"Name":"www.example.org","Policy":"web","Version":9,"TTL":60}]}`
			if storeFirst {
				renameOver(t, records, broken)
				pollUntil(t, answerWait, func() (bool, string) { return reloadCount(t, "failure") > failures, "the broken store was not seen" })
			}
			next, err := inst.Restart(caddy.CaddyfileInput{Filepath: "Corefile", ServerTypeName: "dns", Contents: []byte(edited)})
			if err != nil {
				t.Fatalf("the restart failed: %v", err)
			}
			t.Cleanup(func() { next.ShutdownCallbacks(); next.Stop() })
			addr = next.Servers()[0].LocalAddr().String()
			if !storeFirst {
				renameOver(t, records, broken)
			}
			// The edit is in service, and so is the last good store.
			if r := exchange(t, addr, "other.org.", dns.TypeA, ""); len(r.Extra) == 0 {
				t.Errorf("the Corefile's new block does not answer: %v", r)
			}
			waitServed(t, addr, "www.example.org.", "192.0.2.1")
			if storeFirst && reloadCount(t, "failure") < failures+2 {
				t.Errorf("the restart with an invalid store was not counted as a failed reload")
			}
			renameOver(t, records, recordsFile(prec{"www.example.org.", "web", 2}, prec{"sw.example.org.", "sw", 1}))
			waitServed(t, addr, "www.example.org.", "192.0.2.2")
		})
	}
}

// A Corefile restart keeps what the health checks know: the new instance's
// checks start from the running instance's probe state, so a backend that
// is down is not answered again while the new checks take their first
// FailureThreshold probes.
func TestE2ECorefileRestartKeepsHealth(t *testing.T) {
	primary, secondary := newE2EBackend(t, "TCP"), newE2EBackend(t, "TCP")
	primary.stop()
	const threshold = 3 // a new check would need about 3 s to see it down
	dir := writeFiles(t, storeWith(reloadStore(), map[string]string{
		"healthchecks.json": e2eHealthChecks(e2eCheck("hp", "", primary, 1, threshold), e2eCheck("hs", "", secondary, 1, threshold)),
	}))
	block := "example.org:0 {\n bind 127.0.0.1\n trafficflow " + dir + "\n}\n"
	inst, addr := startServer(t, block)
	pollUntil(t, 10*time.Second, func() (bool, string) {
		got := values(exchange(t, addr, "sw.example.org.", dns.TypeA, ""))
		return slices.Equal(got, []string{"192.0.2.12"}), fmt.Sprintf("sw.example.org answers %v before the restart, want the secondary", got)
	})
	next, err := inst.Restart(caddy.CaddyfileInput{Filepath: "Corefile", ServerTypeName: "dns", Contents: []byte(block + "other.org:0 {\n bind 127.0.0.1\n whoami\n}\n")})
	if err != nil {
		t.Fatalf("the restart failed: %v", err)
	}
	t.Cleanup(func() { next.ShutdownCallbacks(); next.Stop() })
	addr = next.Servers()[0].LocalAddr().String()
	for end := time.Now().Add(threshold * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if got := values(exchange(t, addr, "sw.example.org.", dns.TypeA, "")); !slices.Equal(got, []string{"192.0.2.12"}) {
			t.Fatalf("after the restart, sw.example.org answers %v: the primary is down", got)
		}
	}
}
