package trafficflow

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

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
	if n := reloadCount(t, "failure") - failure; n != 0 {
		t.Errorf("%d failed reloads", int(n))
	}
	t.Logf("%d rewrites in %s; answers: %d of version 1, %d of version 2, %d bad",
		rewrites, time.Since(start).Round(time.Millisecond), seen[0].Load(), seen[1].Load(), failed.Load())
	if seen[0].Load() == 0 || seen[1].Load() == 0 {
		t.Errorf("the queries saw only one version")
	}
}
