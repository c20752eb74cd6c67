package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// clean returns a run that measured the server alone.
func clean(name string, qps float64) *run {
	return &run{name: name, qps: qps, wall: 5, serverCPU: 5, cpu0Busy: 5, clientCPU: 2, cpu1Busy: 2, sent: int(qps * 5)}
}

// TestPair: each case is compared with the clean baseline runs next to it
// (the mean of both when both are clean), and a case without one does not
// count.
func TestPair(t *testing.T) {
	disturbed := clean("file", 200)
	disturbed.cpu0Busy += 1 // another process took 20% of CPU 0
	idle := clean("file", 200)
	idle.cpu0Idle = 1 // the server was not saturated
	seq := []*run{
		clean("file", 100), clean("multivalue", 95), clean("file", 110),
		clean("many", 121), disturbed,
		clean("tree", 150), idle,
	}
	pair(seq)
	for _, tc := range []struct {
		i      int
		counts bool
		ratio  float64
	}{
		{0, true, 0},
		{1, true, 95.0 / 105},
		{2, true, 0},
		{3, true, 121.0 / 110}, // the baseline after it is disturbed
		{4, false, 0},
		{5, false, 0}, // no clean baseline next to it
		{6, false, 0},
	} {
		r := seq[tc.i]
		if r.countsWith("file") != tc.counts || math.Abs(r.ratio-tc.ratio) > 1e-9 {
			t.Errorf("run %d (%s): counts %v ratio %v, want %v %v (disturbed: %q)", tc.i, r.name, r.countsWith("file"), r.ratio, tc.counts, tc.ratio, r.disturbed())
		}
	}
	if why := disturbed.disturbed(); why != "other processes on CPU 0: 20%" {
		t.Errorf("disturbed: %q", why)
	}
	if why := idle.disturbed(); why != "CPU 0 idle 20%: the server is not saturated" {
		t.Errorf("idle: %q", why)
	}
}

const dnsperfOutput = `Statistics:

  Queries sent:         246514
  Queries completed:    246514 (100.00%)
  Queries lost:         0 (0.00%)

  Response codes:       NOERROR 246514 (100.00%)
  Average packet size:  request 40, response 56
  Run time (s):         5.003291
  Queries per second:   49270.764149

  Average Latency (s):  0.005143 (min 0.000019, max 0.013893)
  Latency StdDev (s):   0.003894
`

// TestReadRun reads dnsperf's output and the CPU accounting of one run.
func TestReadRun(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "r1-01-file")
	write := func(name, s string) {
		if err := os.WriteFile(base+name, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(".txt", dnsperfOutput)
	write(".meta", "server_cpu_s=4.990\ndnsperf_cpu_s=2.441\nwall_s=5.019\ncpu0_busy_s=4.310\ncpu0_softirq_s=0.670\ncpu0_idle_s=0.030\ncpu0_steal_s=0.000\ncpu1_busy_s=2.210\ncpu1_softirq_s=0.150\ncpu1_idle_s=1.990\ncpu1_steal_s=0.010\n")
	r, err := readRun(base)
	if err != nil {
		t.Fatal(err)
	}
	want := run{qps: 49270.764149, avgLat: 0.005143, maxLat: 0.013893, latSD: 0.003894, sent: 246514, noerror: 100,
		serverCPU: 4.990, clientCPU: 2.441, wall: 5.019, cpu0Busy: 4.310, cpu0Softirq: 0.670, cpu0Idle: 0.030,
		cpu1Busy: 2.210, cpu1Idle: 1.990, cpu1Steal: 0.010}
	if r != want {
		t.Errorf("read\n%+v\nwant\n%+v", r, want)
	}

	write(".meta", "server_cpu_s=4.990\nwall_s=fast\n")
	if _, err := readRun(base); err == nil || !strings.Contains(err.Error(), "r1-01-file.meta: wall_s:") {
		t.Errorf("bad number: %v", err)
	}
	write(".meta", "server_cpu_s=4.990\n")
	if _, err := readRun(base); err == nil || !strings.Contains(err.Error(), "r1-01-file.meta: no wall_s") {
		t.Errorf("no wall time: %v", err)
	}
}
