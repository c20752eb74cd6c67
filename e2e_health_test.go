package trafficflow

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// End-to-end health steering: the plugin is started for real (e2eStart),
// its health engine probes HTTP and TCP servers on 127.0.0.1 on its own
// schedule, and the tests stop and restart those servers (on the same
// port) and watch the answers change. They ask the plugin's handler
// rather than a server, so that they can read the health engine's state
// beside the answers. Intervals are 1 s (the smallest RequestInterval the
// store accepts) so that the suite stays fast.
//
// TestHealthE2EFailoverBound and TestHealthE2ENoGoroutineLeak run alone
// (they measure time and count goroutines); the others run in parallel.

const e2eWWW = `{"PolicyRecords":[{"Name":"www.example.org","Policy":"web","Version":1,"TTL":60}]}`

const (
	e2ePrimary   = "192.0.2.1"
	e2eSecondary = "192.0.2.2"
)

// A failover policy answers with the secondary within RequestInterval ×
// FailureThreshold + 1 s of the primary's server stopping, and with the
// primary within the same bound of it coming back.
func TestHealthE2EFailoverBound(t *testing.T) {
	const interval, threshold = 1, 2
	primary, secondary := newE2EBackend(t, "HTTP"), newE2EBackend(t, "TCP")
	tf := e2eStart(t, pluginOpts{files: map[string]string{
		"policies/web/1.json": failoverPolicy,
		"healthchecks.json":   e2eHealthChecks(e2eCheck("hp", "", primary, interval, threshold), e2eCheck("hs", "", secondary, interval, threshold)),
		"records.json":        e2eWWW,
	}}, "hp", "hs")
	if got := e2eMustAnswer(t, tf, "www.example.org.", ""); got != e2ePrimary {
		t.Fatalf("both servers up: answer %q, want the primary %s", got, e2ePrimary)
	}
	bound := time.Duration(interval*threshold)*time.Second + time.Second
	// Probes start 0.95..1.05 × RequestInterval apart, so the state cannot
	// flip sooner than (FailureThreshold − 1) × 0.95 × RequestInterval
	// after the first opposite result (0.9 here, for slack).
	floor := time.Duration(float64(threshold-1) * 0.9 * float64(interval*time.Second))

	start := time.Now()
	primary.stop()
	took := e2eAwait(t, tf, "www.example.org.", "", e2ePrimary, e2eSecondary, start, e2eDeadline)
	t.Logf("primary down: secondary answered %s after the stop (bound %s)", took.Round(time.Millisecond), bound)
	if took > bound {
		t.Errorf("failover took %s, more than RequestInterval × FailureThreshold + 1 s = %s", took, bound)
	}
	if took < floor {
		t.Errorf("failover after %s: FailureThreshold %d needs %d failed probes %d s apart", took, threshold, threshold, interval)
	}

	start = time.Now()
	primary.start()
	took = e2eAwait(t, tf, "www.example.org.", "", e2eSecondary, e2ePrimary, start, e2eDeadline)
	t.Logf("primary back: primary answered %s after the restart (bound %s)", took.Round(time.Millisecond), bound)
	if took > bound {
		t.Errorf("recovery took %s, more than RequestInterval × FailureThreshold + 1 s = %s", took, bound)
	}
	if took < floor {
		t.Errorf("recovery after %s: FailureThreshold %d needs %d passed probes %d s apart", took, threshold, threshold, interval)
	}
}

// Multivalue drops a dead endpoint from every answer and returns it after
// recovery; with every endpoint dead it fails open: every value answers.
func TestHealthE2EMultivalue(t *testing.T) {
	t.Parallel()
	b := []*e2eBackend{newE2EBackend(t, "TCP"), newE2EBackend(t, "HTTP"), newE2EBackend(t, "TCP")}
	tf := e2eStart(t, pluginOpts{files: map[string]string{
		"policies/pool/1.json": `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"m",
			"Endpoints":{"a":{"Type":"value","Value":"192.0.2.11"},"b":{"Type":"value","Value":"192.0.2.12"},"c":{"Type":"value","Value":"192.0.2.13"}},
			"Rules":{"m":{"RuleType":"multivalue","Items":[{"EndpointReference":"a","HealthCheck":"ha"},{"EndpointReference":"b","HealthCheck":"hb"},{"EndpointReference":"c","HealthCheck":"hc"}]}}}`,
		"healthchecks.json": e2eHealthChecks(e2eCheck("ha", "", b[0], 1, 1), e2eCheck("hb", "", b[1], 1, 1), e2eCheck("hc", "", b[2], 1, 1)),
		"records.json":      `{"PolicyRecords":[{"Name":"pool.example.org","Policy":"pool","Version":1,"TTL":30}]}`,
	}}, "ha", "hb", "hc")
	const all, withoutB = "192.0.2.11,192.0.2.12,192.0.2.13", "192.0.2.11,192.0.2.13"
	steady := func(want string) {
		t.Helper()
		for i := range 200 {
			if got := e2eMustAnswer(t, tf, "pool.example.org.", ""); got != want {
				t.Fatalf("query %d: answer %q, want %q", i, got, want)
			}
		}
	}
	steady(all)

	b[1].stop()
	took := e2eAwait(t, tf, "pool.example.org.", "", all, withoutB, time.Now(), e2eDeadline)
	t.Logf("b dropped after %s", took.Round(time.Millisecond))
	steady(withoutB)

	b[1].start()
	took = e2eAwait(t, tf, "pool.example.org.", "", withoutB, all, time.Now(), e2eDeadline)
	t.Logf("b back after %s", took.Round(time.Millisecond))
	steady(all)

	// Every server down: every check goes unhealthy, and the answer is
	// every (unhealthy) value.
	for _, s := range b {
		s.stop()
	}
	pollUntil(t, e2eDeadline, func() (bool, string) {
		ha, hb, hc := tf.health.Cell("ha").Load(), tf.health.Cell("hb").Load(), tf.health.Cell("hc").Load()
		return !ha && !hb && !hc, fmt.Sprintf("checks still healthy: ha %v, hb %v, hc %v", ha, hb, hc)
	})
	steady(all)
}

// A weighted rule (weights 2:1:1) stops choosing an endpoint whose server
// is down, keeps the weighting among the others, and chooses it again
// after recovery.
func TestHealthE2EWeighted(t *testing.T) {
	t.Parallel()
	b := []*e2eBackend{newE2EBackend(t, "HTTP"), newE2EBackend(t, "TCP"), newE2EBackend(t, "HTTP")}
	tf := e2eStart(t, pluginOpts{files: map[string]string{
		"records.json": `{"PolicyRecords":[{"Name":"w.example.org","Policy":"w","Version":1,"TTL":30}]}`,
		"policies/w/1.json": `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"w",
			"Endpoints":{"a":{"Type":"value","Value":"192.0.2.21"},"b":{"Type":"value","Value":"192.0.2.22"},"c":{"Type":"value","Value":"192.0.2.23"}},
			"Rules":{"w":{"RuleType":"weighted","Items":[{"EndpointReference":"a","Weight":2,"HealthCheck":"ha"},
				{"EndpointReference":"b","Weight":1,"HealthCheck":"hb"},{"EndpointReference":"c","Weight":1,"HealthCheck":"hc"}]}}}`,
		"healthchecks.json": e2eHealthChecks(e2eCheck("ha", "", b[0], 1, 1), e2eCheck("hb", "", b[1], 1, 1), e2eCheck("hc", "", b[2], 1, 1)),
	}}, "ha", "hb", "hc")
	count := func(n int) map[string]int {
		t.Helper()
		c := map[string]int{}
		for range n {
			c[e2eMustAnswer(t, tf, "w.example.org.", "")]++
		}
		return c
	}
	// share checks that value got between lo and hi of n answers.
	share := func(c map[string]int, n int, value string, lo, hi float64) {
		t.Helper()
		if f := float64(c[value]) / float64(n); f < lo || f > hi {
			t.Errorf("%s got %.2f of %d answers, want %.2f..%.2f (counts %v)", value, f, n, lo, hi, c)
		}
	}
	const n = 2000
	c := count(n)
	share(c, n, "192.0.2.21", 0.4, 0.6)
	share(c, n, "192.0.2.22", 0.15, 0.35)
	share(c, n, "192.0.2.23", 0.15, 0.35)

	// While a is healthy it is half of every batch; a batch of 64 without it
	// (odds 2^-64 otherwise) means it is no longer chosen.
	b[0].stop()
	pollUntil(t, e2eDeadline, func() (bool, string) {
		c := count(64)
		return c["192.0.2.21"] == 0, fmt.Sprintf("a still chosen in a batch of 64: %v", c)
	})
	c = count(n)
	if c["192.0.2.21"] != 0 {
		t.Errorf("a's server is down, yet a was chosen %d times in %d", c["192.0.2.21"], n)
	}
	share(c, n, "192.0.2.22", 0.4, 0.6)
	share(c, n, "192.0.2.23", 0.4, 0.6)

	b[0].start()
	pollUntil(t, e2eDeadline, func() (bool, string) {
		c := count(64)
		return c["192.0.2.21"] > 0, fmt.Sprintf("a not chosen in a batch of 64: %v", c)
	})
	c = count(n)
	share(c, n, "192.0.2.21", 0.4, 0.6)
	share(c, n, "192.0.2.22", 0.15, 0.35)
}

// A geo rule falls back state → country → continent → default as each
// location's server goes down, answers with the most specific applicable
// location when all are down (never another place's), and climbs back as
// servers return. The client's location comes from ECS and the MaxMind
// test database (214.78.120.0/22 is US-CA, North America).
func TestHealthE2EGeo(t *testing.T) {
	t.Parallel()
	ca, us, na, gb, def := newE2EBackend(t, "HTTP"), newE2EBackend(t, "HTTP"), newE2EBackend(t, "TCP"), newE2EBackend(t, "TCP"), newE2EBackend(t, "HTTP")
	tf := e2eStart(t, pluginOpts{files: map[string]string{
		"policies/geo/1.json": `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"where",
			"Endpoints":{"ca":{"Type":"value","Value":"192.0.2.10"},"us":{"Type":"value","Value":"192.0.2.20"},"na":{"Type":"value","Value":"192.0.2.30"},
				"gb":{"Type":"value","Value":"192.0.2.40"},"def":{"Type":"value","Value":"192.0.2.99"}},
			"Rules":{"where":{"RuleType":"geo","Locations":[
				{"Country":"US","Subdivision":"CA","EndpointReference":"ca","HealthCheck":"hca"},
				{"Country":"US","EndpointReference":"us","HealthCheck":"hus"},
				{"Continent":"NA","EndpointReference":"na","HealthCheck":"hna"},
				{"Country":"GB","EndpointReference":"gb","HealthCheck":"hgb"},
				{"Country":"*","EndpointReference":"def","HealthCheck":"hdef"}]}}}`,
		"healthchecks.json": e2eHealthChecks(e2eCheck("hca", "", ca, 1, 1), e2eCheck("hus", "HTTP_STR_MATCH", us, 1, 1),
			e2eCheck("hna", "", na, 1, 1), e2eCheck("hgb", "", gb, 1, 1), e2eCheck("hdef", "", def, 1, 1)),
		"records.json": `{"PolicyRecords":[{"Name":"geo.example.org","Policy":"geo","Version":1,"TTL":30}]}`,
	}, block: "geoip " + testdataPath(t, "geoip/GeoIP2-City-Test.mmdb")}, "hca", "hus", "hna", "hgb", "hdef")
	const client = "214.78.120.0/24"
	answer := e2eMustAnswer(t, tf, "geo.example.org.", client)
	if answer != "192.0.2.10" {
		t.Fatalf("everything up: answer %q, want California's 192.0.2.10", answer)
	}
	steps := []struct {
		what string
		b    *e2eBackend
		up   bool
		want string
	}{
		{"California down: the country", ca, false, "192.0.2.20"},
		{"US down: the continent", us, false, "192.0.2.30"},
		{"North America down: the default", na, false, "192.0.2.99"},
		{"default down: everything applicable is down, the most specific (never GB)", def, false, "192.0.2.10"},
		{"North America back", na, true, "192.0.2.30"},
		{"US back", us, true, "192.0.2.20"},
		{"California back", ca, true, "192.0.2.10"},
	}
	for _, s := range steps {
		start := time.Now()
		if s.up {
			s.b.start()
		} else {
			s.b.stop()
		}
		took := e2eAwait(t, tf, "geo.example.org.", client, answer, s.want, start, e2eDeadline)
		t.Logf("%s: %s after %s", s.what, s.want, took.Round(time.Millisecond))
		answer = s.want
	}
	// Other clients were never affected by this client's locations.
	if got := e2eMustAnswer(t, tf, "geo.example.org.", "2.2.3.0/24"); got != "192.0.2.40" {
		t.Errorf("GB client: %q, want 192.0.2.40", got)
	}
}

// healthstate.json forcing a check changes answers once the store watcher
// reloads it (within 2 s), overrides the probes while they continue
// underneath, and un-forcing restores the probed state.
func TestHealthE2EForcedState(t *testing.T) {
	t.Parallel()
	primary, secondary := newE2EBackend(t, "HTTP"), newE2EBackend(t, "TCP")
	tf := e2eStart(t, pluginOpts{files: map[string]string{
		"policies/web/1.json": failoverPolicy,
		"healthchecks.json":   e2eHealthChecks(e2eCheck("hp", "", primary, 1, 1), e2eCheck("hs", "", secondary, 1, 1)),
		"records.json":        e2eWWW,
	}}, "hp", "hs")
	const limit = 2 * time.Second
	force := func(content string, from, want string) {
		t.Helper()
		start := time.Now()
		if content == "" {
			e2eRemove(t, tf, "healthstate.json")
		} else {
			renameOver(t, filepath.Join(tf.cfg.dir, "healthstate.json"), content)
		}
		took := e2eAwait(t, tf, "www.example.org.", "", from, want, start, e2eDeadline)
		t.Logf("healthstate.json %q: %s after %s", content, want, took.Round(time.Millisecond))
		if took > limit {
			t.Errorf("healthstate.json %q took %s to change the answer, more than %s", content, took, limit)
		}
	}
	if got := e2eMustAnswer(t, tf, "www.example.org.", ""); got != e2ePrimary {
		t.Fatalf("answer %q, want the primary", got)
	}

	// Forced unhealthy while the server is up: passing probes do not undo it.
	force(`{"hp":"unhealthy"}`, e2ePrimary, e2eSecondary)
	e2eAwaitProbed(t, tf, time.Now(), "hp")
	if got := e2eMustAnswer(t, tf, "www.example.org.", ""); got != e2eSecondary {
		t.Errorf("after a passing probe of the forced check: answer %q, want the secondary", got)
	}
	force("", e2eSecondary, e2ePrimary)

	// Forced healthy while the server is down, then released.
	primary.stop()
	e2eAwait(t, tf, "www.example.org.", "", e2ePrimary, e2eSecondary, time.Now(), e2eDeadline)
	force(`{"hp":"Healthy"}`, e2eSecondary, e2ePrimary)
	e2eAwaitProbed(t, tf, time.Now(), "hp")
	if s := e2eStatus(t, tf, "hp"); !s.Healthy || s.Unforced {
		t.Errorf("forced healthy over a dead server: %+v", s)
	}
	force(`{}`, e2ePrimary, e2eSecondary)
}

// A reload for anything else (a new record, a new version of another
// policy, a new health check) keeps every check's state and cell: an
// unhealthy check stays unhealthy across the reload, with no window where
// the answer flips back to the primary.
func TestHealthE2EReloadKeepsState(t *testing.T) {
	t.Parallel()
	primary, secondary, other := newE2EBackend(t, "HTTP"), newE2EBackend(t, "TCP"), newE2EBackend(t, "TCP")
	checks := []string{e2eCheck("hp", "", primary, 1, 2), e2eCheck("hs", "", secondary, 1, 2)}
	other1 := `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartEndpoint":"e","Endpoints":{"e":{"Type":"value","Value":"192.0.2.51"}}}`
	records := func(otherVersion int) string {
		return fmt.Sprintf(`{"PolicyRecords":[{"Name":"www.example.org","Policy":"web","Version":1,"TTL":60},
			{"Name":"other.example.org","Policy":"other","Version":%d,"TTL":60}`, otherVersion)
	}
	tf := e2eStart(t, pluginOpts{files: map[string]string{
		"policies/web/1.json":   failoverPolicy,
		"policies/other/1.json": other1,
		"healthchecks.json":     e2eHealthChecks(checks...),
		"records.json":          records(1) + `]}`,
	}}, "hp", "hs")
	primary.stop()
	e2eAwait(t, tf, "www.example.org.", "", e2ePrimary, e2eSecondary, time.Now(), e2eDeadline)
	hp, hs := tf.health.Cell("hp"), tf.health.Cell("hs")
	sinceP, sinceS := e2eStatus(t, tf, "hp").Since, e2eStatus(t, tf, "hs").Since

	// Queries run all through the reloads; none may see the primary.
	var (
		stop    = make(chan struct{})
		wg      sync.WaitGroup
		queries atomic.Int64
		mu      sync.Mutex
		bad     []string
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			got, err := e2eAnswer(tf, "www.example.org.", "")
			queries.Add(1)
			if err != nil || got != e2eSecondary {
				mu.Lock()
				bad = append(bad, fmt.Sprintf("%q (%v) after %d queries", got, err, queries.Load()))
				mu.Unlock()
			}
			// A reset check would start healthy and stay so for at least
			// one probe interval (1 s): no need to hog a CPU.
			time.Sleep(100 * time.Microsecond)
		}
	}()

	reloads := []struct {
		what  string
		files map[string]string
		done  func() bool
	}{
		{"records.json gains a record", map[string]string{"records.json": records(1) + `,
			{"Name":"more.example.org","Policy":"other","Version":1,"TTL":60}]}`},
			func() bool { a, _ := e2eAnswer(tf, "more.example.org.", ""); return a == "192.0.2.51" }},
		{"another policy gains a version", map[string]string{
			"policies/other/2.json": strings.Replace(other1, "192.0.2.51", "192.0.2.52", 1),
			"records.json":          records(2) + `]}`},
			func() bool { a, _ := e2eAnswer(tf, "other.example.org.", ""); return a == "192.0.2.52" }},
		{"healthchecks.json gains a check", map[string]string{
			"healthchecks.json": e2eHealthChecks(append([]string{e2eCheck("hx", "", other, 1, 2)}, checks...)...)},
			func() bool { return tf.health.Cell("hx") != nil }},
	}
	for _, r := range reloads {
		prev := tf.snap.Load()
		for rel, content := range r.files {
			renameOver(t, filepath.Join(tf.cfg.dir, rel), content)
		}
		pollUntil(t, e2eDeadline, func() (bool, string) { return tf.snap.Load() != prev && r.done(), "no reload (" + r.what + ")" })
		if c := tf.health.Cell("hp"); c != hp || c.Load() {
			t.Errorf("%s: check hp has cell %p (healthy %v), want the same cell %p, unhealthy", r.what, c, c.Load(), hp)
		}
		if c := tf.health.Cell("hs"); c != hs || !c.Load() {
			t.Errorf("%s: check hs has cell %p (healthy %v), want the same cell %p, healthy", r.what, c, c.Load(), hs)
		}
		if got := e2eMustAnswer(t, tf, "www.example.org.", ""); got != e2eSecondary {
			t.Errorf("%s: answer %q right after the reload, want the secondary", r.what, got)
		}
	}
	close(stop)
	wg.Wait()
	if len(bad) > 0 {
		t.Errorf("%d of %d answers during the reloads were not the secondary; first: %s", len(bad), queries.Load(), bad[0])
	} else {
		t.Logf("%d queries during %d reloads, all answered by the secondary", queries.Load(), len(reloads))
	}
	if s := e2eStatus(t, tf, "hp"); !s.Since.Equal(sinceP) {
		t.Errorf("hp's state changed at %v during the reloads (was since %v)", s.Since, sinceP)
	}
	if s := e2eStatus(t, tf, "hs"); !s.Since.Equal(sinceS) {
		t.Errorf("hs's state changed at %v during the reloads (was since %v)", s.Since, sinceS)
	}

	// The kept check still probes: the primary comes back.
	primary.start()
	e2eAwait(t, tf, "www.example.org.", "", e2eSecondary, e2ePrimary, time.Now(), e2eDeadline)
}

// Shutdown stops every goroutine the plugin started (health probers, the
// store watcher), cancels a probe in flight, and leaves nothing behind.
func TestHealthE2ENoGoroutineLeak(t *testing.T) {
	total0, plugin0, _ := e2eGoroutines()
	up, tcp, hang, down := newE2EBackend(t, "HTTP"), newE2EBackend(t, "TCP"), newE2EBackend(t, "HANG"), newE2EBackend(t, "TCP")
	down.stop()
	tf := e2eStart(t, pluginOpts{files: map[string]string{
		"policies/web/1.json": failoverPolicy,
		"policies/pool/1.json": `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"m",
			"Endpoints":{"a":{"Type":"value","Value":"192.0.2.11"},"b":{"Type":"value","Value":"192.0.2.12"}},
			"Rules":{"m":{"RuleType":"multivalue","Items":[{"EndpointReference":"a","HealthCheck":"hang"},{"EndpointReference":"b","HealthCheck":"down"}]}}}`,
		// The hanging server holds each probe for its 2 s status timeout,
		// every 3 s.
		"healthchecks.json": e2eHealthChecks(e2eCheck("hp", "", up, 1, 1), e2eCheck("hs", "", tcp, 1, 1),
			e2eCheck("hang", "", hang, 3, 1), e2eCheck("down", "", down, 1, 1)),
		"records.json": `{"PolicyRecords":[{"Name":"www.example.org","Policy":"web","Version":1,"TTL":60},
			{"Name":"pool.example.org","Policy":"pool","Version":1,"TTL":60}]}`,
	}}, "hp", "hs", "down")
	// A reload while running.
	prev := tf.snap.Load()
	renameOver(t, filepath.Join(tf.cfg.dir, "records.json"), `{"PolicyRecords":[{"Name":"www.example.org","Policy":"web","Version":1,"TTL":30}]}`)
	pollUntil(t, e2eDeadline, func() (bool, string) { return tf.snap.Load() != prev, "no reload" })
	if _, plugin, _ := e2eGoroutines(); len(plugin) < len(plugin0)+5 {
		t.Fatalf("%d plugin goroutines while running (%d before), want at least 4 probers and the watcher more:\n%s",
			len(plugin), len(plugin0), strings.Join(plugin, "\n\n"))
	}
	// Shut down just after a probe of the hanging server began: it would
	// last 2 s more.
	pollUntil(t, e2eDeadline, func() (bool, string) {
		n, at := hang.open()
		return n > 0 && time.Since(at) < 300*time.Millisecond, "no probe in flight to the hanging server"
	})
	start := time.Now()
	if err := tf.loader.stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("shutdown took %s: the probe in flight (2 s) was not cancelled", took)
	}
	for _, b := range []*e2eBackend{up, tcp, hang} {
		b.stop()
	}
	var (
		total  int
		plugin []string
		dump   string
	)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		total, plugin, dump = e2eGoroutines()
		if len(plugin) <= len(plugin0) && total <= total0 || time.Now().After(deadline) {
			break
		}
	}
	if len(plugin) > len(plugin0) {
		t.Errorf("%d plugin goroutines left after shutdown (%d before startup):\n%s", len(plugin), len(plugin0), strings.Join(plugin, "\n\n"))
	}
	if total > total0 {
		t.Errorf("%d goroutines after shutdown, %d before startup:\n%s", total, total0, dump)
	}
}
