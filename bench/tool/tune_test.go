package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTune checks bench/tune.sh's table: each variant compared with the
// baseline runs of the same mode next to it, and a disturbed baseline left
// out.
func TestTune(t *testing.T) {
	dir := t.TempDir()
	var runs strings.Builder
	// add writes one run: dnsperf's output with qps and its CPU accounting
	// (the server saturated at full load, half idle at the fixed rate;
	// other is CPU 0's time taken by other processes).
	add := func(round int, variant, mode string, qps, serverCPU, other float64) {
		base := fmt.Sprintf("r%d-%s-%s-%d", round, variant, mode, len(strings.Split(runs.String(), "\n")))
		sent := int(qps * 5)
		out := strings.NewReplacer("246514", fmt.Sprint(sent), "49270.764149", fmt.Sprint(qps)).Replace(dnsperfOutput)
		idle := 0.0
		if mode == "rate" {
			idle = 2.5
		}
		meta := fmt.Sprintf("server_cpu_s=%.3f\ndnsperf_cpu_s=2\nwall_s=5\ncpu0_busy_s=%.3f\ncpu0_softirq_s=0\ncpu0_idle_s=%.3f\ncpu0_steal_s=0\ncpu1_busy_s=2\ncpu1_softirq_s=0\ncpu1_idle_s=3\ncpu1_steal_s=0\n",
			serverCPU, serverCPU+other, idle)
		for name, s := range map[string]string{".txt": out, ".meta": meta} {
			if err := os.WriteFile(filepath.Join(dir, base+name), []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		fmt.Fprintf(&runs, "%d %s %s %s\n", round, variant, mode, base)
	}
	add(1, "base", "full", 50000, 5, 0)
	add(1, "base", "rate", 15000, 2.5, 0)
	add(1, "noprom", "full", 70000, 5, 0)
	add(1, "noprom", "rate", 15000, 2, 0)
	add(1, "base", "full", 50000, 5, 0)
	add(1, "base", "rate", 15000, 2.5, 0)
	add(1, "log", "full", 40000, 5, 0)
	add(1, "log", "rate", 15000, 3, 0)
	add(1, "base", "full", 10000, 5, 1) // disturbed: other processes took 20% of CPU 0
	add(1, "base", "rate", 15000, 2.5, 0)
	if err := os.WriteFile(filepath.Join(dir, "runs.txt"), []byte(runs.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := tune([]string{"-dir", dir}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "table.md"))
	if err != nil {
		t.Fatal(err)
	}
	table := string(b)
	for _, want := range []string{
		"| variant | QPS | QPS ÷ base | CPU/query | CPU ÷ base | at a fixed rate: avg latency | latency SD | CPU/query | CPU ÷ base | runs |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n| base | 50000 | 1 | 20.00 µs | 1 |",
		"- r1 noprom       full 70000 (1.400)",
		// 70000 ÷ 50000; CPU per query 5/350000 ÷ 5/250000; at the rate 2/75000 ÷ 2.5/75000.
		"| noprom | 70000 | 1.400 | 14.29 µs | 0.714 | 5.143 ms | 3.894 ms | 26.67 µs | 0.800 | 1/1, 1/1 |",
		// Only the clean baseline before it counts: 40000 ÷ 50000, not ÷ 30000.
		"| log | 40000 | 0.800 | 25.00 µs | 1.250 |",
		"other processes on CPU 0: 20%",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("the table lacks %q:\n%s", want, table)
		}
	}
}
