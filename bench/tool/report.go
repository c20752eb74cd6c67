package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// dnsperf's statistics.
var (
	reSent    = regexp.MustCompile(`Queries sent:\s+(\d+)`)
	reLost    = regexp.MustCompile(`Queries lost:\s+(\d+)`)
	reQPS     = regexp.MustCompile(`Queries per second:\s+([\d.]+)`)
	reLat     = regexp.MustCompile(`Average Latency \(s\):\s+([\d.]+) \(min [\d.]+, max ([\d.]+)\)`)
	reLatSD   = regexp.MustCompile(`Latency StdDev \(s\):\s+([\d.]+)`)
	reNoerror = regexp.MustCompile(`NOERROR \d+ \(([\d.]+)%\)`)
)

// run is one dnsperf run: its output (NAME.txt) and what run.sh measured
// around it (NAME.meta: the server's and dnsperf's CPU time, the wall time,
// and both CPUs' accounting from /proc/stat).
type run struct {
	round int
	name  string // the case (run.sh) or the variant (tune.sh)
	mode  string // tune.sh: "full" (full load) or "rate" (a fixed rate)
	// paired says whether a clean baseline run is next to this run; ratio
	// and cpuRatio compare with it (see pair).
	paired          bool
	ratio, cpuRatio float64

	qps, avgLat, maxLat float64
	latSD               float64 // the latency's standard deviation
	sent, lost          int
	noerror             float64 // percent of responses
	serverCPU, wall     float64 // seconds
	clientCPU           float64
	// CPU 0 (the server's) and CPU 1 (dnsperf's) over the run, in seconds
	// (from /proc/stat): user+nice+system, softirq, idle+iowait.
	cpu0Busy, cpu0Softirq, cpu0Idle, cpu0Steal float64
	cpu1Busy, cpu1Idle, cpu1Steal              float64
}

// Thresholds of a clean run, in shares of the run's wall time: other
// processes (builds and tests of a shared machine) took at most this much of
// CPU 0 and CPU 1, the hypervisor stole at most this much, and CPU 0 was
// saturated (idle at most this much). Tick accounting is coarse; a quiet
// machine shows 0-1% for each.
const (
	maxOther0 = 0.03
	maxOther1 = 0.05
	maxSteal  = 0.02
	maxIdle0  = 0.03
)

// other0 and other1 are the CPU time other processes took on CPU 0 and 1.
func (r *run) other0() float64 { return max(0, r.cpu0Busy-r.serverCPU) }
func (r *run) other1() float64 { return max(0, r.cpu1Busy-r.clientCPU) }

// disturbed says why run r does not measure the server alone ("" if it does).
// A run at a fixed rate (mode "rate") leaves CPU 0 idle by design.
func (r *run) disturbed() string {
	var why []string
	if r.other0() > maxOther0*r.wall {
		why = append(why, fmt.Sprintf("other processes on CPU 0: %.0f%%", 100*r.other0()/r.wall))
	}
	if r.other1() > maxOther1*r.wall {
		why = append(why, fmt.Sprintf("other processes on CPU 1: %.0f%%", 100*r.other1()/r.wall))
	}
	if st := r.cpu0Steal + r.cpu1Steal; st > maxSteal*r.wall {
		why = append(why, fmt.Sprintf("steal: %.0f%%", 100*st/r.wall))
	}
	if r.mode != "rate" && r.cpu0Idle > maxIdle0*r.wall {
		why = append(why, fmt.Sprintf("CPU 0 idle %.0f%%: the server is not saturated", 100*r.cpu0Idle/r.wall))
	}
	return strings.Join(why, ", ")
}

// report prints the benchmark table from the outputs in -dir, as markdown,
// and writes it to -dir/table.md too.
//
// run.sh runs the static baseline before every other case and after the
// last one, and lists the runs in order in runs.txt. Each case run is
// compared with the clean baseline runs just before and after it: the speed
// of a shared virtual machine drifts by up to 15% over minutes, even when
// nothing else visibly runs on it, so only neighbouring runs compare well.
func report(args []string) error {
	dir, err := dirFlag("report", args)
	if err != nil {
		return err
	}
	seq, err := readRuns(dir)
	if err != nil {
		return err
	}
	pair(seq)
	byCase := map[string][]*run{}
	rounds := 0
	for _, r := range seq {
		byCase[r.name] = append(byCase[r.name], r)
		rounds = max(rounds, r.round)
	}
	if len(byCase["file"]) == 0 {
		return fmt.Errorf("report: no baseline run in %s", dir)
	}

	out, done, err := tableFile(dir)
	if err != nil {
		return err
	}
	defer done()

	tableHeader(out, "case", "QPS", "÷ file", "÷ like", "CPU ÷ file", "avg latency", "max latency", "lost", "runs", "CPU/query")
	vsFile := map[string]float64{}
	dirty := false
	for _, c := range cases {
		all := byCase[c.Name]
		if len(all) == 0 {
			continue
		}
		rs, runsCol := countedRuns(all, "file")
		dirty = dirty || strings.HasSuffix(runsCol, "†")
		qps := median(rs, func(r *run) float64 { return r.qps })
		ratioCol, like, cpuCol := "1", "—", "1"
		if c.Name != "file" {
			vsFile[c.Name] = median(rs, func(r *run) float64 { return r.ratio })
			ratioCol = ratio(vsFile[c.Name], c.TF)
			cpuCol = ratio(median(rs, func(r *run) float64 { return r.cpuRatio }), c.TF)
			if l, ok := vsFile[c.Like]; ok && c.Like != c.Name {
				like = ratio(vsFile[c.Name]/l, c.TF) + " " + c.Like
			}
		}
		lost := 0
		for _, r := range rs {
			lost += r.lost
		}
		fmt.Fprintf(out, "| %s | %.0f | %s | %s | %s | %.2f ms | %.1f ms | %d | %s | %.2f µs |\n",
			c.Title, qps, ratioCol, like, cpuCol, median(rs, func(r *run) float64 { return r.avgLat })*1e3,
			maxOf(rs, func(r *run) float64 { return r.maxLat })*1e3, lost, runsCol, median(rs, cpuPerQuery)*1e6)
	}
	fmt.Fprintf(out, "\n%d round(s); the static baseline runs before every case and after the last. A run counts if it is"+
		" clean (other processes took at most %.0f%% of CPU 0 and %.0f%% of CPU 1, steal at most %.0f%%, and CPU 0, the"+
		" server's, was saturated: idle at most %.0f%%) and so is a baseline run next to it (runs: counted/all)."+
		" ÷ file: the run's QPS ÷ the QPS of the clean baseline runs next to it (their mean), the median over the"+
		" counted runs; ÷ like: the same ratio ÷ that of the file case answering the same shape of query and answer"+
		" (ECS, eight records, 10,000 names); CPU ÷ file: the neighbouring baseline's server CPU time per query ÷"+
		" this run's. QPS, average latency and CPU/query (server CPU time per answered query) are medians over the"+
		" counted runs, max latency the maximum. trafficflow ratios below 0.95 are in bold.\n",
		rounds, 100*maxOther0, 100*maxOther1, 100*maxSteal, 100*maxIdle0)
	if dirty {
		fmt.Fprintf(out, "\n† no run counts: the row is over all runs and does not measure the server alone."+
			" Run again on a quieter machine.\n")
	}

	fmt.Fprintf(out, "\nEvery run, in order: QPS (÷ file), NOERROR share; CPU 0: the server's share, other processes',"+
		" softirq, idle; CPU 1: dnsperf's share, other processes', idle; why a run is not clean.\n\n")
	for _, r := range seq {
		p := r.qpsCell("file")
		pct := func(x float64) float64 { return 100 * x / r.wall }
		line := fmt.Sprintf("- r%d %-10s %-16s ok %.2f%% | cpu0 server %3.0f%% other %3.0f%% softirq %3.0f%% idle %3.0f%% | cpu1 dnsperf %3.0f%% other %3.0f%% idle %3.0f%%",
			r.round, r.name, p, r.noerror, pct(r.serverCPU), pct(r.other0()), pct(r.cpu0Softirq), pct(r.cpu0Idle),
			pct(r.clientCPU), pct(r.other1()), pct(r.cpu1Idle))
		if why := r.disturbed(); why != "" {
			line += " | not clean: " + why
		} else if r.name != "file" && !r.paired {
			line += " | no clean baseline next to it"
		}
		fmt.Fprintln(out, line)
	}
	return nil
}

// pair compares every case run with the clean baseline runs just before
// and after it in seq.
func pair(seq []*run) { pairWith(seq, "file") }

// pairWith compares every run not named base with the clean runs named
// base (of the same mode) just before and after it in seq.
func pairWith(seq []*run, base string) {
	for i, r := range seq {
		if r.name == base {
			continue
		}
		var qps, cpq []float64
		for _, step := range []int{-1, 1} {
			for j := i + step; j >= 0 && j < len(seq); j += step {
				if b := seq[j]; b.name == base && b.mode == r.mode {
					if b.disturbed() == "" {
						qps = append(qps, b.qps)
						cpq = append(cpq, cpuPerQuery(b))
					}
					break
				}
			}
		}
		if len(qps) == 0 || r.qps == 0 {
			continue
		}
		r.paired = true
		r.ratio = r.qps / mean(qps)
		if c := cpuPerQuery(r); c > 0 {
			r.cpuRatio = mean(cpq) / c
		}
	}
}

// tableFile opens dir/table.md; what is written to out goes there and to
// stdout. done closes the file.
func tableFile(dir string) (out io.Writer, done func() error, err error) {
	f, err := os.Create(filepath.Join(dir, "table.md"))
	if err != nil {
		return nil, nil, err
	}
	return io.MultiWriter(os.Stdout, f), f.Close, nil
}

// dirFlag parses the -dir flag (the results directory) of the command cmd,
// which is required.
func dirFlag(cmd string, args []string) (string, error) {
	fs := flag.NewFlagSet(cmd, flag.ExitOnError)
	dir := fs.String("dir", "", "results directory")
	fs.Parse(args)
	if *dir == "" {
		return "", fmt.Errorf("%s: -dir is required", cmd)
	}
	return *dir, nil
}

// tableHeader writes a Markdown table's header: the first column
// left-aligned, the others right-aligned.
func tableHeader(out io.Writer, cols ...string) {
	fmt.Fprintf(out, "| %s |\n|---%s|\n", strings.Join(cols, " | "), strings.Repeat("|---:", len(cols)-1))
}

// qpsCell is a run's QPS for the list of runs, with its ratio to the
// baseline runs next to it (base: the baseline's name) when it has one.
func (r *run) qpsCell(base string) string {
	p := fmt.Sprintf("%.0f", r.qps)
	if r.name != base && r.paired {
		p += fmt.Sprintf(" (%.3f)", r.ratio)
	}
	return p
}

// countedRuns returns the runs of rs that count (see countsWith) and the
// table's runs column ("counted/all"); when none counts, all of rs and a
// column marked †.
func countedRuns(rs []*run, base string) ([]*run, string) {
	var ok []*run
	for _, r := range rs {
		if r.countsWith(base) {
			ok = append(ok, r)
		}
	}
	if len(ok) == 0 {
		return rs, fmt.Sprintf("0/%d †", len(rs))
	}
	return ok, fmt.Sprintf("%d/%d", len(ok), len(rs))
}

// countsWith says whether r is in the table: a clean run, and for a case
// or a variant, one with a clean baseline run (named base) next to it.
func (r *run) countsWith(base string) bool {
	return r.disturbed() == "" && (r.name == base || r.paired)
}

// readRuns reads the runs listed in dir/runs.txt ("ROUND CASE FILE", in the
// order they ran).
func readRuns(dir string) ([]*run, error) {
	b, err := os.ReadFile(filepath.Join(dir, "runs.txt"))
	if err != nil {
		return nil, err
	}
	var seq []*run
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var round int
		var name, base string
		if _, err := fmt.Sscan(line, &round, &name, &base); err != nil {
			return nil, fmt.Errorf("runs.txt: %q: %w", line, err)
		}
		if _, ok := caseNamed(name); !ok {
			return nil, fmt.Errorf("runs.txt: unknown case %q", name)
		}
		r, err := readRun(filepath.Join(dir, base))
		if err != nil {
			return nil, err
		}
		r.round, r.name = round, name
		seq = append(seq, &r)
	}
	return seq, nil
}

func mean(v []float64) float64 {
	t := 0.0
	for _, x := range v {
		t += x
	}
	return t / float64(len(v))
}

// ratio formats a ratio, in bold if it is a trafficflow case's and below
// 0.95.
func ratio(r float64, tf bool) string {
	s := fmt.Sprintf("%.3f", r)
	if tf && r < 0.95 {
		s = "**" + s + "**"
	}
	return s
}

func cpuPerQuery(r *run) float64 {
	done := r.sent - r.lost
	if done == 0 {
		return 0
	}
	return r.serverCPU / float64(done)
}

func median(rs []*run, f func(*run) float64) float64 {
	if len(rs) == 0 {
		return 0
	}
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func maxOf(rs []*run, f func(*run) float64) float64 {
	m := 0.0
	for _, r := range rs {
		m = max(m, f(r))
	}
	return m
}

// readRun reads base.txt (dnsperf's output) and base.meta.
func readRun(base string) (run, error) {
	var r run
	b, err := os.ReadFile(base + ".txt")
	if err != nil {
		return r, err
	}
	s := string(b)
	get := func(re *regexp.Regexp, i int) (float64, error) {
		m := re.FindStringSubmatch(s)
		if m == nil {
			return 0, fmt.Errorf("%s.txt: no match for %s", base, re)
		}
		return strconv.ParseFloat(m[i], 64)
	}
	var sent, lost float64
	for _, x := range []struct {
		re  *regexp.Regexp
		i   int
		dst *float64
	}{{reSent, 1, &sent}, {reLost, 1, &lost}, {reQPS, 1, &r.qps}, {reLat, 1, &r.avgLat}, {reLat, 2, &r.maxLat}, {reLatSD, 1, &r.latSD}, {reNoerror, 1, &r.noerror}} {
		if *x.dst, err = get(x.re, x.i); err != nil {
			return r, err
		}
	}
	r.sent, r.lost = int(sent), int(lost)

	mf, err := os.Open(base + ".meta")
	if err != nil {
		return r, err
	}
	defer mf.Close()
	fields := map[string]*float64{
		"server_cpu_s": &r.serverCPU, "dnsperf_cpu_s": &r.clientCPU, "wall_s": &r.wall,
		"cpu0_busy_s": &r.cpu0Busy, "cpu0_softirq_s": &r.cpu0Softirq, "cpu0_idle_s": &r.cpu0Idle, "cpu0_steal_s": &r.cpu0Steal,
		"cpu1_busy_s": &r.cpu1Busy, "cpu1_idle_s": &r.cpu1Idle, "cpu1_steal_s": &r.cpu1Steal,
	}
	sc := bufio.NewScanner(mf)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		dst := fields[k]
		if !ok || dst == nil {
			continue
		}
		if *dst, err = strconv.ParseFloat(strings.TrimSpace(v), 64); err != nil {
			return r, fmt.Errorf("%s.meta: %s: %w", base, k, err)
		}
	}
	if r.wall == 0 {
		return r, fmt.Errorf("%s.meta: no wall_s", base)
	}
	return r, sc.Err()
}
