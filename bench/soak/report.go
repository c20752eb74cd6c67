package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// ask sends one query for name's A record and returns the first address
// answered ("" if none).
func ask(server, name string) (string, error) {
	m := new(dns.Msg)
	m.SetQuestion(name, dns.TypeA)
	c := &dns.Client{Timeout: 500 * time.Millisecond}
	r, _, err := c.Exchange(m, server)
	if err != nil {
		return "", err
	}
	for _, rr := range r.Answer {
		if a, ok := rr.(*dns.A); ok {
			return a.A.String(), nil
		}
	}
	return "", fmt.Errorf("%s: %s, no A record", name, dns.RcodeToString[r.Rcode])
}

// machine describes where and when the run ran.
type machine struct {
	date, commit, cpu, kernel, goVersion, dnsperf string
	loadBefore, loadAfter                         string
}

func machineInfo() machine {
	m := machine{date: time.Now().UTC().Format("2006-01-02 15:04 MST"), goVersion: runtime.Version(), loadBefore: loadAverage()}
	m.commit = strings.TrimSpace(run("git", "rev-parse", "--short", "HEAD"))
	if run("git", "status", "--porcelain", "--untracked-files=no") != "" {
		m.commit += " (with uncommitted changes)"
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.cpu = strings.TrimSpace(v)
			}
		}
		m.cpu += fmt.Sprintf(" × %d", strings.Count(string(b), "\nprocessor\t")+1)
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.kernel = "Linux " + strings.TrimSpace(string(b))
	}
	for _, line := range strings.Split(run("dnsperf", "-h"), "\n") {
		if v, ok := strings.CutPrefix(line, "Version "); ok {
			m.dnsperf = "dnsperf " + v
		}
	}
	return m
}

func (m machine) String() string {
	return fmt.Sprintf("date: %s\ncommit: %s\nmachine: %s, %s, %s, %s\nload average (1, 5, 15 min) before: %s; after: %s\n",
		m.date, m.commit, m.cpu, m.kernel, m.goVersion, m.dnsperf, m.loadBefore, m.loadAfter)
}

func run(name string, args ...string) string {
	out, _ := exec.Command(name, args...).CombinedOutput()
	return string(out)
}

func loadAverage() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// num formats an integer with thousands separators.
func num[T int | int64](n T) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + num(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

func mb(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/1e6) }

// report writes the soak's report.
func (s *soak) report(m machine, maxQPS float64, mixed, fileOnly *loadStats, conv []convergence, scrapeStart, scrapeEnd []byte) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	c := s.check
	p("trafficflow soak\n%s", m)
	p("server: %s, taskset -c 0, GOMAXPROCS=1; load generator and changes: taskset -c 1\n\n", s.bin)

	p("maximum QPS (dnsperf -c 8 -q 256, %s, the four names in turn): %.0f\n", s.maxQPSDuration, maxQPS)
	p("load: %.0f QPS (%.2f of the maximum) for %s over %d UDP sockets, the names in turn; then %s of the file plugin's name alone\n\n",
		mixed.rate, s.rate, s.duration, s.conns, s.fileDuration)

	p("changes:\n")
	for _, st := range []struct {
		store int
		name  string
	}{{storePlain, "plain (atomic and in-place writes, alternately)"}, {storeCM, "configmap (..data swaps)"}} {
		kinds := map[string]int{}
		c.mu.Lock()
		states := c.states[st.store]
		for _, x := range states {
			kinds[x.kind]++
		}
		c.mu.Unlock()
		p("  store %s: %d states, one every %s: %d valid, invalid: %d missing-version, %d bad-document, %d truncated\n",
			st.name, len(states), s.writeEvery, kinds["valid"], kinds["missing-version"], kinds["bad-document"], kinds["truncated"])
	}
	c.mu.Lock()
	flaps := len(c.flaps) - 1
	c.mu.Unlock()
	p("  backends: %d flaps on a %s tick (script of %d ticks); TCP health checks every 1 s, FailureThreshold 1; allowance %s\n",
		flaps, s.flapTick, len(flapScript), c.allowance)
	p("  Corefile: every %s: %s\n\n", s.corefileEvery, editSummary(s.edits))

	p("queries (the soak):\n")
	writeLoad(&b, mixed, []target{tPlain, tCM, tFailover, tStatic})
	p("queries (the file plugin's name alone, the same rate):\n")
	writeLoad(&b, fileOnly, []target{tStatic})
	p("rcodes (both runs):")
	var rcodes []int
	for rc := range c.rcodes {
		rcodes = append(rcodes, rc)
	}
	sort.Ints(rcodes)
	for _, rc := range rcodes {
		name := dns.RcodeToString[rc]
		if rc < 0 {
			name = "unparsable"
		}
		p(" %s %s", name, num(c.rcodes[rc]))
	}
	p("\n\nwrong answers: %d\n", c.wrong)
	s.wrongClasses(&b)
	for _, w := range c.examples {
		p("  %s (%s after the last Corefile edit)\n", w, s.sinceEdit(w.recv))
	}

	p("\nstaleness (a valid state's write → its first answer):\n")
	for _, st := range []struct {
		store int
		name  string
	}{{storePlain, "plain"}, {storeCM, "configmap"}} {
		d, up, valid, never := c.staleness(st.store)
		p("  %-9s %d valid states, %d answered: p50 %s, p99 %s, max %s; %d never answered (replaced before the server read them)\n",
			st.name, valid, len(d), ms(percentile(d, 50)), ms(percentile(d, 99)), ms(percentile(d, 100)), never)
		p("  %-9s until it or a later state was answered (%d states): p50 %s, p99 %s, max %s\n",
			"", len(up), ms(percentile(up, 50)), ms(percentile(up, 99)), ms(percentile(up, 100)))
	}
	for _, cv := range conv {
		name := map[int]string{storePlain: "plain", storeCM: "configmap"}[cv.store]
		if cv.ok {
			p("  after the changes stopped, %s answered its final state (%d, written after the changes stopped) within %s\n", name, cv.n, ms(cv.after))
		} else {
			p("  after the changes stopped, %s did NOT answer its final state (%d, written after the changes stopped) within 10 s\n", name, cv.n)
		}
	}
	p("  answers older than one already given (restarts start from their own read): %d\n", c.regressions)
	c.mu.Lock()
	lags := append([]time.Duration(nil), c.lags...)
	c.mu.Unlock()
	sort.Slice(lags, func(i, j int) bool { return lags[i] < lags[j] })
	behind := sort.Search(len(lags), func(i int) bool { return lags[i] > 0 })
	p("failover: %d answers, %d behind the backends: lag p50 %s, p99 %s, max %s (allowance %s)\n\n",
		len(lags), len(lags)-behind, ms(percentile(lags[behind:], 50)), ms(percentile(lags[behind:], 99)), ms(percentile(lags, 100)), c.allowance)

	first, peak, last := s.samples.summary()
	p("server process (sampled every second):\n")
	p("  %-22s %10s %10s %10s\n", "", "start", "peak", "end")
	p("  %-22s %10d %10d %10d\n", "goroutines", first.goroutines, peak.goroutines, last.goroutines)
	p("  %-22s %10d %10d %10d\n", "open file descriptors", first.fds, peak.fds, last.fds)
	p("  %-22s %10d %10d %10d\n", "inotify instances", first.inotify, peak.inotify, last.inotify)
	p("  %-22s %10s %10s %10s\n", "RSS", mb(first.rss), mb(peak.rss), mb(last.rss))
	p("  RSS high-water mark (VmHWM): %s\n", mb(last.rssPeak))
	p("  file descriptors by kind, start → end: %s\n", fdDiff(s.fdStart, s.fdEnd))
	for _, sc := range []struct {
		name   string
		scrape []byte
	}{{"start", scrapeStart}, {"end", scrapeEnd}} {
		p("  /metrics at the %s: reloads_total success %.0f, failure %.0f; coredns_reload_failed_total %.0f\n", sc.name,
			counter(sc.scrape, `coredns_trafficflow_reloads_total{result="success"}`),
			counter(sc.scrape, `coredns_trafficflow_reloads_total{result="failure"}`),
			counter(sc.scrape, `coredns_reload_failed_total`))
	}
	l := s.log
	p("  log: %d stores loaded, %d rejected, %d read again (changing), %d Corefile restarts, %d failed, %d instances of failed restarts stopped, %d [ERROR] lines, %d panics\n",
		l.count(logLoaded), l.count(logInvalid), l.count(logChanging), l.count(logRestarted), l.count(logRestartFailed),
		l.count(logStopped), l.count(logError), l.count(logPanic))
	for _, line := range l.panics {
		p("    %s\n", line)
	}

	p("\nCorefile edits (the process just before the next edit):\n")
	p("  %-12s %-48s %-24s %5s %5s %7s %9s\n", "time", "edit", "outcome", "gor.", "fds", "inotify", "RSS")
	for _, e := range s.edits {
		out := e.outcome
		if e.after > 0 {
			out += " after " + e.after.Round(100*time.Millisecond).String()
		}
		if (e.outcome == "failed") != e.fail {
			out += " (!)"
		}
		p("  %-12s %-48s %-24s %5d %5d %7d %9s\n", e.at.Format("15:04:05.0"), e.what, out, e.sample.goroutines, e.sample.fds, e.sample.inotify, mb(e.sample.rss))
	}
	return b.String()
}

// counter is a counter's value in a scrape; 0 when it has no series yet.
func counter(scrape []byte, series string) float64 { return max(metric(scrape, series), 0) }

// wrongClasses writes the wrong answers' counts by class, and how many of
// them came within restartWindow of a Corefile restart.
func (s *soak) wrongClasses(b *strings.Builder) {
	const restartWindow = 3 * time.Second
	restarts := s.log.all(logRestarted)
	type count struct{ all, nearRestart int }
	classes := map[string]*count{}
	var names []string
	s.check.mu.Lock()
	for _, w := range s.check.wrongs {
		key := w.target.String() + " " + w.class
		c := classes[key]
		if c == nil {
			c = &count{}
			classes[key] = c
			names = append(names, key)
		}
		c.all++
		for _, r := range restarts {
			if d := w.recv.Sub(r); d >= -100*time.Millisecond && d < restartWindow {
				c.nearRestart++
				break
			}
		}
	}
	s.check.mu.Unlock()
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(b, "  %s: %d, of which %d within %s after a Corefile restart\n", n, classes[n].all, classes[n].nearRestart, restartWindow)
	}
}

// sinceEdit is the time from the last Corefile edit before t.
func (s *soak) sinceEdit(t time.Time) string {
	var last time.Time
	for _, e := range s.edits {
		if !e.at.After(t) {
			last = e.at
		}
	}
	if last.IsZero() {
		return "no edit yet, " + t.Sub(s.start).Round(time.Millisecond).String() + " from the start"
	}
	return t.Sub(last).Round(time.Millisecond).String()
}

func writeLoad(b *strings.Builder, st *loadStats, targets []target) {
	fmt.Fprintf(b, "  %-20s %12s %12s %10s %9s\n", "name", "sent", "answered", "lost", "lost %")
	row := func(name string, sent, answered, lost int64) {
		pct := 0.0
		if sent > 0 {
			pct = 100 * float64(lost) / float64(sent)
		}
		fmt.Fprintf(b, "  %-20s %12s %12s %10s %8.4f%%\n", name, num(sent), num(answered), num(lost), pct)
	}
	for _, t := range targets {
		row(t.String(), st.sent[t], st.answered[t], st.lost[t])
	}
	if len(targets) > 1 {
		row("total", st.total(st.sent), st.total(st.answered), st.total(st.lost))
	}
	fmt.Fprintf(b, "  round trip p50 %s, p99 %s, max %s; %d replies after their query counted lost\n",
		ms(percentile(st.rtts, 50)), ms(percentile(st.rtts, 99)), ms(percentile(st.rtts, 100)), st.late)
	fmt.Fprintf(b, "  datagrams dropped by full receive buffers: server sockets %d, load generator's sockets %d\n", st.drops.server, st.drops.client)
}
