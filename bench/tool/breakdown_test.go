package main

import (
	"strings"
	"testing"
	"time"
)

// pprofTraces is the shape of `go tool pprof -traces` output (abridged).
const pprofTraces = `File: coredns
Type: cpu
Time: 2026-12-02 23:30:00 UTC
Duration: 10s, Total samples = 80ms (0.8%)
-----------+-------------------------------------------------------
     30ms   internal/runtime/syscall.Syscall6
            syscall.Syscall6
            syscall.sendmsg
            net.(*UDPConn).WriteMsgUDP
            github.com/miekg/dns.(*response).WriteMsg
            github.com/trafficflow/trafficflow.(*TrafficFlow).ServeDNS
-----------+-------------------------------------------------------
     20ms   runtime.memmove
            runtime.copystack
            runtime.newstack
            runtime.morestack
            github.com/trafficflow/trafficflow/evaluate.anyHealthy
-----------+-------------------------------------------------------
     10ms   runtime.mallocgc
            runtime.newobject
            github.com/miekg/dns.(*Msg).unpack
            github.com/miekg/dns.(*Server).serveDNS
-----------+-------------------------------------------------------
     10ms   github.com/coredns/coredns/plugin/metrics/vars.Report
            github.com/coredns/coredns/plugin/metrics.(*Metrics).ServeDNS
            github.com/coredns/coredns/core/dnsserver.(*Server).ServeDNS
-----------+-------------------------------------------------------
     10ms   runtime.pprof_something
            runtime/pprof.profileWriter
-----------+-------------------------------------------------------
`

func TestReadTracesAndClassify(t *testing.T) {
	traces, err := readTraces(strings.NewReader(pprofTraces))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		d           time.Duration
		frames      int
		layer, kind string
	}{
		{30 * time.Millisecond, 6, "kernel (system calls)", "kernel: send"},
		{20 * time.Millisecond, 5, "trafficflow", "stack growth"},
		{10 * time.Millisecond, 4, "miekg/dns", "alloc + GC"},
		{10 * time.Millisecond, 3, "prometheus", "code"},
		{10 * time.Millisecond, 2, "profiler", "code"},
	}
	if len(traces) != len(want) {
		t.Fatalf("read %d traces, want %d: %+v", len(traces), len(want), traces)
	}
	for i, w := range want {
		tr := traces[i]
		layer, kind := classify(tr.frames)
		if tr.d != w.d || len(tr.frames) != w.frames || layer != w.layer || kind != w.kind {
			t.Errorf("trace %d: %v, %d frames, %s, %s; want %v, %d, %s, %s", i, tr.d, len(tr.frames), layer, kind, w.d, w.frames, w.layer, w.kind)
		}
	}

	var b strings.Builder
	printBreakdown(&b, traces)
	for _, s := range []string{"| kernel (system calls) | 42.9 |", "| trafficflow | 28.6 |", "| all | 100 |", "70ms of samples (10ms of the profiler's own left out)"} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("breakdown lacks %q:\n%s", s, b.String())
		}
	}
}
