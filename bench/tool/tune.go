package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// tuneBase is the name of bench/tune.sh's baseline variant.
const tuneBase = "base"

// tune prints the table of bench/tune.sh's variants from the outputs in
// -dir, as markdown, and writes it to -dir/table.md too.
//
// runs.txt lists "ROUND VARIANT MODE FILE" in the order the runs ran; every
// variant's server ran between two baseline servers, each measured at full
// load (mode full) and at a fixed rate (mode rate). Each variant run is
// compared with the clean baseline runs of the same mode next to it.
func tune(args []string) error {
	dir, err := dirFlag("tune", args)
	if err != nil {
		return err
	}
	seq, err := readTuneRuns(dir)
	if err != nil {
		return err
	}
	pairWith(seq, tuneBase)

	type key struct{ variant, mode string }
	byKey := map[key][]*run{}
	var order []string
	for _, r := range seq {
		k := key{r.name, r.mode}
		if _, seen := byKey[key{r.name, "full"}]; !seen && r.mode == "full" {
			order = append(order, r.name)
		}
		byKey[k] = append(byKey[k], r)
	}
	if len(byKey[key{tuneBase, "full"}]) == 0 {
		return fmt.Errorf("tune: no baseline run in %s", dir)
	}

	out, done, err := tableFile(dir)
	if err != nil {
		return err
	}
	defer done()

	tableHeader(out, "variant", "QPS", "QPS ÷ base", "CPU/query", "CPU ÷ base", "at a fixed rate: avg latency", "latency SD", "CPU/query", "CPU ÷ base", "runs")
	for _, v := range order {
		full, fullCol := countedRuns(byKey[key{v, "full"}], tuneBase)
		fixed, fixedCol := countedRuns(byKey[key{v, "rate"}], tuneBase)
		qRatio, cRatio, fRatio := "1", "1", "1"
		if v != tuneBase {
			qRatio = fmt.Sprintf("%.3f", median(full, func(r *run) float64 { return r.ratio }))
			// CPU ÷ base: this variant's server CPU per query ÷ the
			// baseline's (below 1 is cheaper).
			cRatio = fmt.Sprintf("%.3f", median(full, invCPURatio))
			fRatio = fmt.Sprintf("%.3f", median(fixed, invCPURatio))
		}
		fmt.Fprintf(out, "| %s | %.0f | %s | %.2f µs | %s | %.3f ms | %.3f ms | %.2f µs | %s | %s, %s |\n",
			v, median(full, func(r *run) float64 { return r.qps }), qRatio, median(full, cpuPerQuery)*1e6, cRatio,
			median(fixed, func(r *run) float64 { return r.avgLat })*1e3, median(fixed, func(r *run) float64 { return r.latSD })*1e3,
			median(fixed, cpuPerQuery)*1e6, fRatio, fullCol, fixedCol)
	}
	fmt.Fprintf(out, "\nEvery variant's server ran between two baseline servers (base: the production chain, GOMAXPROCS=1,"+
		" GOGC=100), each measured at full load and at a fixed rate. QPS ÷ base: the variant's QPS ÷ the mean of"+
		" the clean baseline runs next to it; CPU ÷ base: the variant's server CPU time per query ÷ the baseline's"+
		" (below 1 is cheaper), at full load and at the fixed rate. Medians over the counted runs (clean, with a"+
		" clean baseline next to them: runs counted/all, full load and fixed rate).\n")

	fmt.Fprintf(out, "\nEvery run, in order: QPS (÷ base), average latency; CPU 0: the server's share, other processes',"+
		" idle; CPU 1: dnsperf's share, other processes'; why a run is not clean.\n\n")
	for _, r := range seq {
		p := r.qpsCell(tuneBase)
		pct := func(x float64) float64 { return 100 * x / r.wall }
		line := fmt.Sprintf("- r%d %-12s %-4s %-16s lat %.3f ms | cpu0 server %3.0f%% other %3.0f%% idle %3.0f%% | cpu1 dnsperf %3.0f%% other %3.0f%%",
			r.round, r.name, r.mode, p, r.avgLat*1e3, pct(r.serverCPU), pct(r.other0()), pct(r.cpu0Idle),
			pct(r.clientCPU), pct(r.other1()))
		if why := r.disturbed(); why != "" {
			line += " | not clean: " + why
		}
		fmt.Fprintln(out, line)
	}
	return nil
}

// invCPURatio is the run's server CPU per query ÷ that of the baseline runs
// next to it (the inverse of run.cpuRatio).
func invCPURatio(r *run) float64 {
	if r.cpuRatio == 0 {
		return 0
	}
	return 1 / r.cpuRatio
}

// readTuneRuns reads the runs listed in dir/runs.txt ("ROUND VARIANT MODE
// FILE", in the order they ran).
func readTuneRuns(dir string) ([]*run, error) {
	b, err := os.ReadFile(filepath.Join(dir, "runs.txt"))
	if err != nil {
		return nil, err
	}
	var seq []*run
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var round int
		var name, mode, base string
		if _, err := fmt.Sscan(line, &round, &name, &mode, &base); err != nil {
			return nil, fmt.Errorf("runs.txt: %q: %w", line, err)
		}
		if mode != "full" && mode != "rate" {
			return nil, fmt.Errorf("runs.txt: %q: the mode is full or rate, not %q", line, mode)
		}
		r, err := readRun(filepath.Join(dir, base))
		if err != nil {
			return nil, err
		}
		r.round, r.name, r.mode = round, name, mode
		seq = append(seq, &r)
	}
	return seq, nil
}
