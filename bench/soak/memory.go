package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/trafficflow/trafficflow/internal/storegen"
)

// The memory mode: a store of many policy records (internal/storegen's
// synthetic store: 1,000 policies × 3 versions of geo, weighted and
// failover trees), served by the same server as the soak, pinned to one
// CPU with GOMAXPROCS=1. It measures the first load, reloads after a
// change, the live heap, the RSS, and the size of /metrics in each of the
// directive's metrics modes (a server per mode).

const nReloads = 5

// memRun is what one server of the memory mode measured.
type memRun struct {
	mode                  string
	firstAnswer, loadLine time.Duration // from the process's start
	heapStart, heapEnd    heapStats     // after a GC
	rssStart, rssEnd      int64
	loadPeak              int64           // VmHWM after the first load
	reloadPeak            int64           // VmHWM since the first reload began
	reloads, reloadLines  []time.Duration // write → new answer, write → log line
	metricsStart, metrics int             // /metrics bytes: after the load, after every name was queried once
	queried               string          // dnsperf's summary of that
	scrape                time.Duration   // how long that /metrics took
}

type heapStats struct{ alloc, inuse int64 }

// heap triggers a GC through the pprof plugin and returns the heap's
// size after it (runtime.MemStats, which the debug=1 profile ends with).
func heap(pprofAddr string) heapStats {
	body, err := httpGet("http://" + pprofAddr + "/debug/pprof/heap?gc=1&debug=1")
	if err != nil {
		return heapStats{-1, -1}
	}
	get := func(name string) int64 {
		m := regexp.MustCompile(`(?m)^# ` + name + ` = (\d+)$`).FindSubmatch(body)
		if m == nil {
			return -1
		}
		n, _ := strconv.ParseInt(string(m[1]), 10, 64)
		return n
	}
	return heapStats{get("HeapAlloc"), get("HeapInuse")}
}

func runMemory(o options) error {
	p := portsFrom(o.port)
	dir := filepath.Join(o.work, "store")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	spec := storegen.Spec{Policies: 1000, Versions: 3, Records: o.records, Zone: "example.org."}
	fmt.Printf("== writing a store of %d records (%d policies × %d versions)\n", spec.Records, spec.Policies, spec.Versions)
	if err := storegen.Write(dir, spec); err != nil {
		return err
	}
	var storeBytes int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, _ error) error {
		if info, err := d.Info(); err == nil && !d.IsDir() {
			storeBytes += info.Size()
		}
		return nil
	})
	// Every name once, for the per-record series of /metrics.
	var names strings.Builder
	for i := range spec.Records {
		fmt.Fprintf(&names, "r%d.example.org A\n", i)
	}
	namesPath := filepath.Join(o.work, "names.txt")
	if err := os.WriteFile(namesPath, []byte(names.String()), 0o644); err != nil {
		return err
	}
	m := machineInfo()
	var runs []memRun
	for i, mode := range []string{"endpoints", "records", "off"} {
		fmt.Printf("== metrics %s\n", mode)
		r, err := memServer(o, p, dir, namesPath, mode, i == 0)
		if err != nil {
			return err
		}
		runs = append(runs, r)
	}
	m.loadAfter = loadAverage()
	report := memReport(o, m, spec, storeBytes, runs)
	fmt.Print("\n" + report)
	return os.WriteFile(filepath.Join(o.results, "memory.txt"), []byte(report), 0o644)
}

// memServer starts a server on the store with the given metrics mode and
// measures it; reloads says whether to measure reloads too.
func memServer(o options, p ports, dir, namesPath, mode string, reloads bool) (memRun, error) {
	r := memRun{mode: mode}
	corefile := filepath.Join(o.work, "Corefile."+mode)
	text := fmt.Sprintf(`example.org.:%d {
    bind 127.0.0.1
    errors
    prometheus 127.0.0.1:%d
    pprof 127.0.0.1:%d
    trafficflow %s {
        geoip %s
        reload 1s
        metrics %s
    }
}
`, p.dns, p.metrics, p.pprof, dir, o.geoip, mode)
	if err := os.WriteFile(corefile, []byte(text), 0o644); err != nil {
		return r, err
	}
	os.WriteFile(filepath.Join(o.results, "Corefile."+mode), []byte(text), 0o644)
	srv, err := startServer(o.bin, corefile, filepath.Join(o.results, "server-"+mode+".log"))
	if err != nil {
		return r, err
	}
	setRunning(srv)
	defer func() { srv.stop(); setRunning(nil) }()
	addr := "127.0.0.1:" + strconv.Itoa(p.dns)
	pprofAddr := "127.0.0.1:" + strconv.Itoa(p.pprof)
	if err := waitAnswers(addr, []string{"r0.example.org."}, srv, 120*time.Second); err != nil {
		return r, err
	}
	r.firstAnswer = time.Since(srv.started)
	r.loadLine = srv.log.first(logLoaded, srv.started).Sub(srv.started)
	metricsURL := fmt.Sprintf("http://127.0.0.1:%d/metrics", p.metrics)
	r.heapStart = heap(pprofAddr)
	st := sampleProcess(srv.pid, pprofAddr)
	r.rssStart, r.loadPeak = st.rss, st.rssPeak
	if b, err := httpGet(metricsURL); err == nil {
		r.metricsStart = len(b)
	}
	if reloads {
		// The high-water mark from here on is the reloads' peak.
		os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", srv.pid), []byte("5"), 0)
		if err := memReloads(&r, srv, addr, filepath.Join(dir, "records.json")); err != nil {
			return r, err
		}
		r.reloadPeak = sampleProcess(srv.pid, pprofAddr).rssPeak
	}
	out, err := exec.Command("taskset", "-c", "1", "dnsperf", "-d", namesPath, "-s", "127.0.0.1", "-p", strconv.Itoa(p.dns),
		"-n", "1", "-c", "8", "-q", "256", "-Q", "20000", "-t", "2").CombinedOutput()
	if err != nil {
		return r, fmt.Errorf("dnsperf: %v: %s", err, out)
	}
	if m := regexp.MustCompile(`Queries completed:\s+(\d+)`).FindSubmatch(out); m != nil {
		r.queried = string(m[1])
	}
	t := time.Now()
	if b, err := httpGetTimeout(metricsURL, 5*time.Minute); err == nil {
		r.metrics = len(b)
	} else {
		r.metrics = -1 // CoreDNS's prometheus plugin gives up writing after 5 s
	}
	r.scrape = time.Since(t)
	r.heapEnd = heap(pprofAddr)
	r.rssEnd = sampleProcess(srv.pid, pprofAddr).rss
	return r, nil
}

var r0Version = regexp.MustCompile(`("Name":"r0\.example\.org\.","Policy":"p0","Version":)(\d+)`)

// memReloads moves the record r0 to another version nReloads times, each
// time waiting until its answer changes, and times each reload: from the
// write (an atomic rename of records.json) to the new answer, and to the
// plugin's "loaded policy store" log line.
func memReloads(r *memRun, srv *server, addr, recordsPath string) error {
	for i := range nReloads {
		b, err := os.ReadFile(recordsPath)
		if err != nil {
			return err
		}
		m := r0Version.FindSubmatch(b)
		if m == nil {
			return fmt.Errorf("%s has no record r0", recordsPath)
		}
		v, _ := strconv.Atoi(string(m[2]))
		b = r0Version.ReplaceAll(b, []byte("${1}"+strconv.Itoa(v%3+1)))
		before, _ := ask(addr, "r0.example.org.")
		start := time.Now()
		if err := writeAtomic(recordsPath, string(b)); err != nil {
			return err
		}
		for {
			if got, _ := ask(addr, "r0.example.org."); got != "" && got != before {
				break
			}
			if time.Since(start) > 60*time.Second {
				return fmt.Errorf("reload %d: r0 still answers %s after 60 s", i+1, before)
			}
			time.Sleep(5 * time.Millisecond)
		}
		r.reloads = append(r.reloads, time.Since(start))
		// The plugin logs after it swapped the new store in.
		line := srv.log.first(logLoaded, start)
		for deadline := time.Now().Add(2 * time.Second); line.IsZero() && time.Now().Before(deadline); line = srv.log.first(logLoaded, start) {
			time.Sleep(5 * time.Millisecond)
		}
		r.reloadLines = append(r.reloadLines, line.Sub(start))
		time.Sleep(time.Second)
	}
	return nil
}

// minMedMax formats the minimum, median and maximum of ds.
func minMedMax(ds []time.Duration) string {
	if len(ds) == 0 {
		return "-"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return fmt.Sprintf("%s / %s / %s", ms(s[0]), ms(s[len(s)/2]), ms(s[len(s)-1]))
}

func memReport(o options, m machine, spec storegen.Spec, storeBytes int64, runs []memRun) string {
	var b bytes.Buffer
	pf := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	pf("trafficflow memory mode\n%s", m)
	pf("server: %s, taskset -c 0, GOMAXPROCS=1\n", o.bin)
	pf("store: %s policy records over %d policies × %d versions (internal/storegen), %s in files; geoip %s\n\n",
		num(spec.Records), spec.Policies, spec.Versions, mb(storeBytes), filepath.Base(o.geoip))
	first := runs[0]
	pf("first load (metrics %s): first answer %s after the process started; the plugin's \"loaded policy store\" line at %s\n",
		first.mode, ms(first.firstAnswer), ms(first.loadLine))
	pf("reload after a change of records.json (%d times, min / median / max):\n", len(first.reloads))
	pf("  write → the new answer:           %s\n", minMedMax(first.reloads))
	pf("  write → \"loaded policy store\":    %s   (includes the watcher's 200 ms debounce)\n", minMedMax(first.reloadLines))
	pf("live heap after a GC: %s in use (%s allocated) after the first load; %s (%s) at the end\n",
		mb(first.heapStart.inuse), mb(first.heapStart.alloc), mb(first.heapEnd.inuse), mb(first.heapEnd.alloc))
	pf("RSS: %s after the first load (peak %s during it), peak %s during the reloads (VmHWM, reset before them), %s at the end\n\n",
		mb(first.rssStart), mb(first.loadPeak), mb(first.reloadPeak), mb(first.rssEnd))
	pf("%-10s %12s %14s %16s %12s %12s %12s %12s\n", "metrics", "first load", "/metrics", "/metrics after", "(scraped", "heap in use", "RSS", "RSS")
	pf("%-10s %12s %14s %16s %12s %12s %12s %12s\n", "", "(answer)", "after load", "all names (*)", "in)", "at the end", "after load", "at the end")
	for _, r := range runs {
		size := num(r.metrics) + " B"
		if r.metrics < 0 {
			size = "failed"
		}
		pf("%-10s %12s %14s %16s %12s %12s %12s %12s\n", r.mode, ms(r.firstAnswer), num(r.metricsStart)+" B", size,
			ms(r.scrape), mb(r.heapEnd.inuse), mb(r.rssStart), mb(r.rssEnd))
	}
	pf("(failed: no reply; the prometheus plugin's HTTP server has a 5 s WriteTimeout)\n")
	pf("(*) every name queried once (dnsperf -n 1 at 20,000 QPS; queries completed: %s)\n", strings.Join(func() []string {
		var q []string
		for _, r := range runs {
			q = append(q, r.mode+" "+r.queried)
		}
		return q
	}(), ", "))
	ok := func(b bool) string {
		if b {
			return "met"
		}
		return "NOT met"
	}
	slowest := slices.Max(first.reloads)
	peak := max(first.loadPeak, first.reloadPeak, first.rssEnd)
	pf("\ngoal: 100,000 records reload in under 2 s (slowest: %s: %s) with RSS under 500 MB (peak: %s: %s)\n",
		ms(slowest), ok(slowest < 2*time.Second), mb(peak), ok(peak < 500e6))
	return b.String()
}
