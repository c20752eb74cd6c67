package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A sample's kind says what the CPU did, from its innermost frames: a
// system call (sending, receiving or other), growing a goroutine's stack,
// allocating or collecting garbage, scheduling goroutines, or the code of
// the layer it is attributed to.
var kinds = []string{"code", "stack growth", "alloc + GC", "scheduler", "kernel: send", "kernel: receive", "kernel: other"}

// layers attribute a sample to the innermost frame of a known layer of the
// query path (first match in this order for that frame).
var layers = []struct {
	name   string
	prefix []string
}{
	{"trafficflow", []string{"github.com/trafficflow/trafficflow"}},
	{"prometheus", []string{"github.com/coredns/coredns/plugin/metrics", "github.com/prometheus/"}},
	{"cache", []string{"github.com/coredns/coredns/plugin/cache"}},
	{"errors", []string{"github.com/coredns/coredns/plugin/errors"}},
	{"log", []string{"github.com/coredns/coredns/plugin/log", "github.com/coredns/coredns/plugin/pkg/replacer"}},
	{"file", []string{"github.com/coredns/coredns/plugin/file"}},
	{"profiler", []string{"github.com/coredns/coredns/plugin/pprof", "net/http", "runtime/pprof"}},
	{"CoreDNS server", []string{"github.com/coredns/coredns/"}},
	{"miekg/dns", []string{"github.com/miekg/dns"}},
}

const (
	noLayer = "runtime alone"
	// kernelLayer is the row of system calls, whoever made them: the time
	// in the kernel, sending and receiving above all.
	kernelLayer = "kernel (system calls)"
)

// breakdown attributes the samples of a CPU profile to the layers of the
// query path and to kinds of work, from `go tool pprof -traces`.
func breakdown(args []string) error {
	fs := flag.NewFlagSet("breakdown", flag.ExitOnError)
	binary := fs.String("binary", "", "the profiled binary")
	profile := fs.String("profile", "", "the CPU profile")
	fs.Parse(args)
	if *binary == "" || *profile == "" {
		return fmt.Errorf("breakdown: -binary and -profile are required")
	}
	cmd := exec.Command("go", "tool", "pprof", "-traces", *binary, *profile)
	cmd.Stderr = os.Stderr
	outp, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	traces, err := readTraces(outp)
	if werr := cmd.Wait(); err == nil {
		err = werr
	}
	if err != nil {
		return err
	}
	printBreakdown(os.Stdout, traces)
	return nil
}

// trace is one stack of a profile (innermost frame first) and its CPU time.
type trace struct {
	d      time.Duration
	frames []string
}

// readTraces parses the output of `go tool pprof -traces`: traces
// separated by dashed lines, the first line of each starting with the
// sample's value.
func readTraces(r io.Reader) ([]trace, error) {
	var out []trace
	var cur *trace
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "-----------+") {
			cur = nil
			continue
		}
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasSuffix(f[0], ":") {
			continue // a header or a label line
		}
		if cur == nil {
			d, err := parseDuration(f[0])
			if err != nil {
				continue // the header before the first trace
			}
			out = append(out, trace{d: d})
			cur = &out[len(out)-1]
			f = f[1:]
		}
		if len(f) > 0 {
			cur.frames = append(cur.frames, f[0])
		}
	}
	return out, sc.Err()
}

// parseDuration parses pprof's sample values: "10ms", "1.50s", "250us".
func parseDuration(s string) (time.Duration, error) {
	if strings.HasSuffix(s, "us") {
		v, err := strconv.ParseFloat(strings.TrimSuffix(s, "us"), 64)
		return time.Duration(v * float64(time.Microsecond)), err
	}
	return time.ParseDuration(s)
}

// classify returns a trace's layer and kind.
func classify(frames []string) (layer, kind string) {
	layer = noLayer
	for _, fr := range frames {
		if l := layerOf(fr); l != "" {
			layer = l
			break
		}
	}
	kind = "code"
	for _, fr := range frames {
		switch {
		case strings.HasPrefix(fr, "syscall.") || strings.HasPrefix(fr, "internal/runtime/syscall.") ||
			strings.HasPrefix(fr, "runtime.futex") || strings.HasPrefix(fr, "runtime.epollwait") ||
			strings.HasPrefix(fr, "runtime.usleep") || strings.HasPrefix(fr, "runtime.nanotime") ||
			strings.HasPrefix(fr, "runtime.write1") || strings.HasPrefix(fr, "runtime.read"):
			for _, g := range frames {
				switch {
				case strings.Contains(g, "WriteMsg") || strings.Contains(g, ".WriteTo") || strings.Contains(g, "WriteMsgUDP"):
					return kernelLayer, "kernel: send"
				case strings.Contains(g, "ReadUDP") || strings.Contains(g, "ReadMsgUDP") || strings.Contains(g, "readUDP"):
					return kernelLayer, "kernel: receive"
				}
			}
			return kernelLayer, "kernel: other"
		case fr == "runtime.morestack" || fr == "runtime.newstack" || fr == "runtime.copystack":
			return layer, "stack growth"
		case strings.HasPrefix(fr, "runtime.mallocgc") || strings.HasPrefix(fr, "runtime.gcBgMarkWorker") ||
			strings.HasPrefix(fr, "runtime.gcAssist") || strings.HasPrefix(fr, "runtime.bgsweep") ||
			strings.HasPrefix(fr, "runtime.bgscavenge") || strings.HasPrefix(fr, "runtime.gcStart") ||
			strings.HasPrefix(fr, "runtime.newobject") || strings.HasPrefix(fr, "runtime.makeslice") ||
			strings.HasPrefix(fr, "runtime.growslice") || strings.HasPrefix(fr, "runtime.gcWriteBarrier") ||
			strings.HasPrefix(fr, "runtime.wbBuf"):
			return layer, "alloc + GC"
		case fr == "runtime.newproc" || fr == "runtime.newproc1" || fr == "runtime.schedule" ||
			fr == "runtime.findRunnable" || fr == "runtime.goexit0" || fr == "runtime.park_m" ||
			fr == "runtime.gopark" || fr == "runtime.goready" || fr == "runtime.ready" ||
			fr == "runtime.netpoll" || fr == "runtime.mcall" || fr == "runtime.gogo":
			return layer, "scheduler"
		}
		if layerOf(fr) != "" {
			break // the layer's own code calls the runtime below
		}
	}
	return layer, kind
}

// layerOf returns the layer of a frame's function, "" if none.
func layerOf(fn string) string {
	for _, l := range layers {
		for _, p := range l.prefix {
			if strings.HasPrefix(fn, p) {
				return l.name
			}
		}
	}
	return ""
}

// printBreakdown prints the table: one row per layer, one column per kind,
// in percent of all samples (the profiler's own samples left out).
func printBreakdown(w io.Writer, traces []trace) {
	cells := map[[2]string]time.Duration{}
	byLayer := map[string]time.Duration{}
	byKind := map[string]time.Duration{}
	var total, profiler time.Duration
	for _, t := range traces {
		l, k := classify(t.frames)
		if l == "profiler" {
			profiler += t.d
			continue
		}
		cells[[2]string{l, k}] += t.d
		byLayer[l] += t.d
		byKind[k] += t.d
		total += t.d
	}
	if total == 0 {
		fmt.Fprintln(w, "no samples")
		return
	}
	names := []string{}
	for _, l := range layers {
		if l.name != "profiler" {
			names = append(names, l.name)
		}
	}
	names = append(names, noLayer, kernelLayer)
	slices.SortStableFunc(names, func(a, b string) int { return int(byLayer[b] - byLayer[a]) })
	pct := func(d time.Duration) string {
		if d == 0 {
			return ""
		}
		return fmt.Sprintf("%.1f", 100*float64(d)/float64(total))
	}
	fmt.Fprintf(w, "| layer (innermost on the stack) | total %% |")
	for _, k := range kinds {
		fmt.Fprintf(w, " %s |", k)
	}
	fmt.Fprintf(w, "\n|---|---:|%s\n", strings.Repeat("---:|", len(kinds)))
	for _, l := range names {
		if byLayer[l] == 0 {
			continue
		}
		fmt.Fprintf(w, "| %s | %s |", l, pct(byLayer[l]))
		for _, k := range kinds {
			fmt.Fprintf(w, " %s |", pct(cells[[2]string{l, k}]))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "| all | 100 |")
	for _, k := range kinds {
		fmt.Fprintf(w, " %s |", pct(byKind[k]))
	}
	fmt.Fprintf(w, "\n\n%v of samples (%v of the profiler's own left out).\n", total, profiler)
}
