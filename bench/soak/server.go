package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// server is the CoreDNS process under test: started pinned to CPU 0 with
// GOMAXPROCS=1 (as bench/run.sh runs it), its log copied to a file with
// the time each line arrived, and counted.
type server struct {
	cmd     *exec.Cmd
	pid     int
	started time.Time
	log     *serverLog
	exited  chan struct{}
}

// Lines of the server's log that the soak counts.
var (
	logRestarted     = regexp.MustCompile(`\[INFO\] Reloading complete`)
	logRestartFailed = regexp.MustCompile(`Corefile changed but reload failed`)
	logLoaded        = regexp.MustCompile(`plugin/trafficflow: loaded policy store`)
	logInvalid       = regexp.MustCompile(`plugin/trafficflow: .*the running configuration stays in service`)
	logStopped       = regexp.MustCompile(`its Corefile restart failed`)
	logChanging      = regexp.MustCompile(`reading it again`)
	logPanic         = regexp.MustCompile(`panic|fatal error|DATA RACE`)
	logError         = regexp.MustCompile(`\[ERROR\]`)
)

var countedLines = []*regexp.Regexp{logRestarted, logRestartFailed, logLoaded, logInvalid, logStopped, logChanging, logPanic, logError}

// serverLog copies the log to a file and counts the lines of countedLines.
type serverLog struct {
	mu     sync.Mutex
	counts map[*regexp.Regexp]int
	times  map[*regexp.Regexp][]time.Time
	panics []string
}

func (l *serverLog) count(re *regexp.Regexp) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.counts[re]
}

// all is when each line of re arrived.
func (l *serverLog) all(re *regexp.Regexp) []time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]time.Time(nil), l.times[re]...)
}

// first is when a line of re first arrived after t (zero if none yet).
func (l *serverLog) first(re *regexp.Regexp, t time.Time) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, at := range l.times[re] {
		if at.After(t) {
			return at
		}
	}
	return time.Time{}
}

func (l *serverLog) copy(r io.Reader, w io.Writer) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		now := time.Now()
		line := sc.Text()
		fmt.Fprintf(w, "%s %s\n", now.Format("15:04:05.000"), line)
		l.mu.Lock()
		for _, re := range countedLines {
			if re.MatchString(line) {
				l.counts[re]++
				l.times[re] = append(l.times[re], now)
				if re == logPanic && len(l.panics) < 5 {
					l.panics = append(l.panics, line)
				}
			}
		}
		l.mu.Unlock()
	}
}

// startServer starts bin with the Corefile, logging to logPath.
func startServer(bin, corefile, logPath string) (*server, error) {
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("taskset", "-c", "0", bin, "-conf", corefile)
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	// The server dies with the soak, however the soak ends.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = cmd.Stdout
	s := &server{cmd: cmd, log: &serverLog{counts: map[*regexp.Regexp]int{}, times: map[*regexp.Regexp][]time.Time{}}, exited: make(chan struct{})}
	s.started = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s.pid = cmd.Process.Pid // taskset execs the server: the same process
	go func() {
		s.log.copy(out, f)
		cmd.Wait()
		f.Close()
		close(s.exited)
	}()
	return s, nil
}

// stop ends the server (SIGTERM, then SIGKILL after 5 s).
func (s *server) stop() {
	if s == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
}

func (s *server) running() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// sample is the server process's state at one moment.
type sample struct {
	at            time.Time
	goroutines    int
	fds, inotify  int
	rss, rssPeak  int64 // bytes: VmRSS and VmHWM
	pprofFailures int
}

// sampleProcess reads /proc/PID and the pprof plugin's goroutine count.
func sampleProcess(pid int, pprofAddr string) sample {
	s := sample{at: time.Now(), goroutines: -1}
	fdDir := fmt.Sprintf("/proc/%d/fd", pid)
	if ents, err := os.ReadDir(fdDir); err == nil {
		s.fds = len(ents)
		for _, e := range ents {
			if l, err := os.Readlink(filepath.Join(fdDir, e.Name())); err == nil && l == "anon_inode:inotify" {
				s.inotify++
			}
		}
	}
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		s.rss = statusKB(b, "VmRSS:") << 10
		s.rssPeak = statusKB(b, "VmHWM:") << 10
	}
	if body, err := httpGet("http://" + pprofAddr + "/debug/pprof/goroutine?debug=1"); err == nil {
		// "goroutine profile: total 42"
		line, _, _ := strings.Cut(string(body), "\n")
		if n, err := strconv.Atoi(strings.TrimPrefix(line, "goroutine profile: total ")); err == nil {
			s.goroutines = n
		}
	}
	return s
}

func statusKB(status []byte, key string) int64 {
	for _, line := range bytes.Split(status, []byte("\n")) {
		if rest, ok := bytes.CutPrefix(line, []byte(key)); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(string(rest)), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// sampler samples the process every second until ctx ends.
type sampler struct {
	mu      sync.Mutex
	samples []sample
}

func (sp *sampler) run(ctx context.Context, pid int, pprofAddr string) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		sp.add(sampleProcess(pid, pprofAddr))
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (sp *sampler) add(s sample) {
	sp.mu.Lock()
	sp.samples = append(sp.samples, s)
	sp.mu.Unlock()
}

// summary is the first, peak and last value of each quantity.
func (sp *sampler) summary() (first, peak, last sample) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if len(sp.samples) == 0 {
		return
	}
	first, last = sp.samples[0], sp.samples[len(sp.samples)-1]
	for _, s := range sp.samples {
		peak.goroutines = max(peak.goroutines, s.goroutines)
		peak.fds = max(peak.fds, s.fds)
		peak.inotify = max(peak.inotify, s.inotify)
		peak.rss = max(peak.rss, s.rss)
		peak.rssPeak = max(peak.rssPeak, s.rssPeak)
	}
	return
}

func (sp *sampler) writeCSV(path string) error {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	var b strings.Builder
	b.WriteString("time,goroutines,fds,inotify,rss_bytes,hwm_bytes\n")
	for _, s := range sp.samples {
		fmt.Fprintf(&b, "%s,%d,%d,%d,%d,%d\n", s.at.Format("15:04:05.000"), s.goroutines, s.fds, s.inotify, s.rss, s.rssPeak)
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// httpClient keeps no connection open: the soak counts the server's
// file descriptors.
var httpClient = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

// fdKinds counts the process's file descriptors by what they are: socket,
// pipe, anon_inode:inotify, anon_inode:[eventpoll], or file.
func fdKinds(pid int) map[string]int {
	kinds := map[string]int{}
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		l, err := os.Readlink(filepath.Join(dir, e.Name()))
		switch {
		case err != nil:
			continue
		case strings.HasPrefix(l, "socket:"):
			l = "socket"
		case strings.HasPrefix(l, "pipe:"):
			l = "pipe"
		case strings.HasPrefix(l, "/"):
			l = "file"
		}
		kinds[l]++
	}
	return kinds
}

// fdDiff writes two fdKinds counts side by side.
func fdDiff(a, b map[string]int) string {
	keys := slices.AppendSeq(slices.Collect(maps.Keys(a)), maps.Keys(b))
	slices.Sort(keys)
	keys = slices.Compact(keys)
	var out []string
	for _, k := range keys {
		out = append(out, fmt.Sprintf("%s %d → %d", k, a[k], b[k]))
	}
	return strings.Join(out, ", ")
}

func httpGet(url string) ([]byte, error) { return httpGetTimeout(url, httpClient.Timeout) }

func httpGetTimeout(url string, timeout time.Duration) ([]byte, error) {
	c := *httpClient
	c.Timeout = timeout
	resp, err := c.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", url, resp.Status)
	}
	return io.ReadAll(resp.Body)
}

// metric returns the value of the series (name with its labels, as
// /metrics writes it) in a scrape, or -1.
func metric(scrape []byte, series string) float64 {
	for _, line := range bytes.Split(scrape, []byte("\n")) {
		if rest, ok := bytes.CutPrefix(line, []byte(series+" ")); ok {
			v, err := strconv.ParseFloat(string(rest), 64)
			if err == nil {
				return v
			}
		}
	}
	return -1
}

// sockets lists the process's sockets with their protocol, local and
// remote addresses and state, from /proc/net (IPv4 and IPv6).
func sockets(pid int) string {
	byInode := map[string]string{}
	for _, proto := range []string{"tcp", "tcp6", "udp", "udp6"} {
		b, err := os.ReadFile("/proc/net/" + proto)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) > 9 {
				byInode[f[9]] = fmt.Sprintf("%-5s %s -> %s state %s", proto, hexAddr(f[1]), hexAddr(f[2]), f[3])
			}
		}
	}
	var out []string
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		l, _ := os.Readlink(filepath.Join(dir, e.Name()))
		if inode, ok := strings.CutPrefix(l, "socket:["); ok {
			desc := byInode[strings.TrimSuffix(inode, "]")]
			if desc == "" {
				desc = "(not IP: " + l + ")"
			}
			out = append(out, fmt.Sprintf("fd %s: %s", e.Name(), desc))
		}
	}
	return strings.Join(out, "\n") + "\n"
}

// hexAddr reads /proc/net's "0100007F:3C1A" (IPv4; IPv6 is left in hex).
func hexAddr(s string) string {
	h, port, _ := strings.Cut(s, ":")
	p, _ := strconv.ParseInt(port, 16, 32)
	if len(h) == 8 {
		v, _ := strconv.ParseUint(h, 16, 32)
		return fmt.Sprintf("%d.%d.%d.%d:%d", v&0xff, v>>8&0xff, v>>16&0xff, v>>24, p)
	}
	return fmt.Sprintf("[%s]:%d", h, p)
}
