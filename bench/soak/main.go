// Command soak runs trafficflow's soak test and its memory measurement;
// bench/soak.sh builds and drives it (see bench/README.md, "Soak").
//
//	soak -server BIN -work DIR -results DIR [flags]
//	    starts BIN (cmd/coredns) on loopback, measures its maximum QPS with
//	    dnsperf, then sends a fraction of it for -duration while rewriting
//	    the policy stores, flapping health-check backends and editing the
//	    Corefile, checks every answer against what it wrote, and reports.
//	soak -memory -server BIN -work DIR -results DIR [flags]
//	    serves a store of -records policy records and reports the first
//	    load, reload times, heap, RSS and the size of /metrics per mode.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// ports are the soak's loopback ports, from -port on.
type ports struct {
	dns, metrics, pprof, ready, held, primary, secondary int
}

func portsFrom(p int) ports { return ports{p, p + 1, p + 2, p + 3, p + 4, p + 5, p + 6} }

type options struct {
	bin, work, results, geoip string
	duration, fileDuration    time.Duration
	maxQPSDuration            time.Duration
	rate                      float64
	writeEvery, flapTick      time.Duration
	corefileEvery, margin     time.Duration
	conns, port, records      int
	memory                    bool
}

func main() {
	var o options
	flag.StringVar(&o.bin, "server", "bench/data/coredns", "the CoreDNS binary (built from cmd/coredns)")
	flag.StringVar(&o.work, "work", "", "a directory for the stores and the Corefile (required)")
	flag.StringVar(&o.results, "results", "", "the directory for the report (required)")
	flag.DurationVar(&o.duration, "duration", 60*time.Second, "how long the load and the changes run")
	flag.Float64Var(&o.rate, "rate", 0.5, "the load, as a fraction of the maximum QPS")
	flag.DurationVar(&o.fileDuration, "file-duration", 10*time.Second, "the run against the file plugin's name alone")
	flag.DurationVar(&o.maxQPSDuration, "maxqps-duration", 5*time.Second, "the dnsperf run that measures the maximum QPS")
	flag.DurationVar(&o.writeEvery, "write-every", 100*time.Millisecond, "how often each store gets a new state")
	flag.DurationVar(&o.flapTick, "flap-tick", time.Second, "the tick of the backends' flap script")
	flag.DurationVar(&o.corefileEvery, "corefile-every", 5*time.Second, "how often the Corefile changes")
	flag.DurationVar(&o.margin, "health-margin", 500*time.Millisecond, "the failover's allowance on top of RequestInterval × FailureThreshold")
	flag.IntVar(&o.conns, "conns", 8, "UDP sockets of the load generator")
	flag.IntVar(&o.port, "port", 15400, "the first of 7 loopback ports (DNS, metrics, pprof, ready, held, two backends)")
	flag.BoolVar(&o.memory, "memory", false, "measure a large store's load, reload and memory instead")
	flag.IntVar(&o.records, "records", 100000, "policy records of the -memory store")
	flag.StringVar(&o.geoip, "geoip", "testdata/geoip/GeoIP2-City-Test.mmdb", "the GeoIP database of the -memory store (its policies have geo rules)")
	flag.Parse()
	if o.work == "" || o.results == "" {
		flag.Usage()
		os.Exit(2)
	}
	for _, p := range []*string{&o.bin, &o.work, &o.results, &o.geoip} {
		if abs, err := filepath.Abs(*p); err == nil {
			*p = abs
		}
	}
	if err := os.MkdirAll(o.results, 0o755); err != nil {
		fail(err)
	}
	// On SIGINT or SIGTERM, stop the server before exiting.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sig
		fmt.Fprintf(os.Stderr, "soak: %s: stopping the server\n", s)
		stopRunning()
		os.Exit(130)
	}()
	var err error
	if o.memory {
		err = runMemory(o)
	} else {
		err = runSoak(o)
	}
	stopRunning()
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "soak:", err)
	stopRunning()
	os.Exit(1)
}

// current is the server that runs, for the signal handler.
var current struct {
	sync.Mutex
	s *server
}

func setRunning(s *server) {
	current.Lock()
	current.s = s
	current.Unlock()
}

func stopRunning() {
	current.Lock()
	s := current.s
	current.s = nil
	current.Unlock()
	s.stop()
}

// soak is one soak run.
type soak struct {
	options
	ports        ports
	start        time.Time
	corefilePath string
	plain        *plainStore
	cm           *configMap
	primary      *backend
	secondary    *backend
	held         net.Listener
	check        *checker
	srv          *server
	log          *serverLog
	samples      sampler
	edits        []editResult
	fdStart      map[string]int
	fdEnd        map[string]int
}

// dumpProcess writes the server's goroutines and sockets into the
// results (goroutines-WHEN.txt, sockets-WHEN.txt), to see what a
// difference between the start and the end is.
func (s *soak) dumpProcess(when string) {
	if b, err := httpGet(fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/goroutine?debug=1", s.ports.pprof)); err == nil {
		os.WriteFile(filepath.Join(s.results, "goroutines-"+when+".txt"), b, 0o644)
	}
	os.WriteFile(filepath.Join(s.results, "sockets-"+when+".txt"), []byte(sockets(s.srv.pid)), 0o644)
}

func (s *soak) sampleNow() sample {
	return sampleProcess(s.srv.pid, "127.0.0.1:"+strconv.Itoa(s.ports.pprof))
}

// setup writes the stores' first states, the zone and the Corefile, opens
// the backends and holds the port of the failing server block.
func (s *soak) setup() error {
	st := filepath.Join(s.work, "stores")
	s.plain = &plainStore{dir: filepath.Join(st, "plain")}
	s.cm = &configMap{dir: filepath.Join(st, "cm")}
	files := map[string]string{
		"stores/plain/policies/fo/1.json": foPolicy(),
		"stores/plain/healthchecks.json":  healthChecks(s.ports.primary, s.ports.secondary),
		"stores/extra/policies/x/1.json":  `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartEndpoint":"e","Endpoints":{"e":{"Type":"value","Value":"192.0.2.99"}}}`,
		"stores/extra/records.json":       `{"PolicyRecords":[{"Name":"x.extra.soak.","Policy":"x","Version":1,"TTL":60}]}`,
		"db.plain.soak": "$ORIGIN plain.soak.\n@ 3600 IN SOA ns1 hostmaster 1 7200 1800 1209600 300\n@ 3600 IN NS ns1\nns1 3600 IN A 192.0.2.54\n" +
			"static 3600 IN A " + staticAddr.String() + "\n",
	}
	for rel, content := range files {
		if err := writeAtomic(filepath.Join(s.work, rel), content); err != nil {
			return err
		}
	}
	noop := func() {}
	s.check.wrote(storePlain, state{n: 0, kind: "valid", mode: "atomic", at: time.Now()})
	if err := s.plain.write(0, "valid", false, noop); err != nil {
		return err
	}
	s.check.wrote(storeCM, state{n: 0, kind: "valid", mode: "configmap", at: time.Now()})
	if err := s.cm.write(0, "valid", noop); err != nil {
		return err
	}
	s.corefilePath = filepath.Join(s.work, "Corefile")
	if err := writeAtomic(s.corefilePath, s.corefile(0).text); err != nil {
		return err
	}
	os.WriteFile(filepath.Join(s.results, "Corefile.00"), []byte(s.corefile(0).text), 0o644)
	s.primary = &backend{addr: "127.0.0.1:" + strconv.Itoa(s.ports.primary)}
	s.secondary = &backend{addr: "127.0.0.1:" + strconv.Itoa(s.ports.secondary)}
	if err := s.primary.set(true); err != nil {
		return err
	}
	if err := s.secondary.set(true); err != nil {
		return err
	}
	var err error
	s.held, err = net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(s.ports.held))
	return err
}

// waitAnswers waits until every target answers (NOERROR with an A record).
func waitAnswers(server string, names []string, srv *server, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for _, name := range names {
		for {
			if ok, _ := ask(server, name); ok != "" {
				break
			}
			if !srv.running() {
				return fmt.Errorf("the server exited (see server.log)")
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%s: no answer after %s", name, timeout)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return nil
}

func runSoak(o options) error {
	s := &soak{options: o, ports: portsFrom(o.port), start: time.Now()}
	s.check = newChecker(time.Second*1*1+o.margin, s.start)
	if err := s.setup(); err != nil {
		return err
	}
	defer s.held.Close()
	defer s.primary.set(false)
	defer s.secondary.set(false)
	m := machineInfo()
	srv, err := startServer(o.bin, s.corefilePath, filepath.Join(o.results, "server.log"))
	if err != nil {
		return err
	}
	setRunning(srv)
	s.srv, s.log = srv, srv.log
	addr := "127.0.0.1:" + strconv.Itoa(s.ports.dns)
	if err := waitAnswers(addr, targetNames[:], srv, 30*time.Second); err != nil {
		return err
	}
	metricsURL := fmt.Sprintf("http://127.0.0.1:%d/metrics", s.ports.metrics)
	scrapeStart, _ := httpGet(metricsURL)
	s.fdStart = fdKinds(srv.pid)
	s.dumpProcess("start")
	ctx, stopSampling := context.WithCancel(context.Background())
	defer stopSampling()
	var sampling sync.WaitGroup
	sampling.Add(1)
	go func() { defer sampling.Done(); s.samples.run(ctx, srv.pid, "127.0.0.1:"+strconv.Itoa(s.ports.pprof)) }()

	all := []target{tPlain, tCM, tFailover, tStatic}
	fmt.Printf("== measuring the maximum QPS (dnsperf, %s)\n", o.maxQPSDuration)
	qps, err := maxQPS(addr, all, o.maxQPSDuration, filepath.Join(o.work, "queries.bin"), filepath.Join(o.results, "dnsperf-max.txt"))
	if err != nil {
		return err
	}
	rate := qps * o.rate
	fmt.Printf("   %.0f QPS; the soak sends %.0f QPS\n", qps, rate)

	// The changes run in the background until both load runs are done.
	churn, stopChurn := context.WithCancel(context.Background())
	defer stopChurn()
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for _, f := range []func(context.Context) error{
		func(c context.Context) error { return s.writeStores(c, o.writeEvery) },
		func(c context.Context) error { return s.flapBackends(c, o.flapTick) },
		func(c context.Context) error { return s.editCorefile(c, o.corefileEvery) },
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(churn); err != nil {
				errs <- err
				stopChurn()
			}
		}()
	}
	fmt.Printf("== soak: %s at %.0f QPS with the stores, backends and Corefile changing\n", o.duration, rate)
	mixed, err := runLoad(addr, all, rate, o.duration, o.conns, func(a answer) { s.check.check(a) })
	if err != nil {
		return err
	}
	fmt.Printf("== the file plugin's name alone: %s at %.0f QPS, the changes going on\n", o.fileDuration, rate)
	fileOnly, err := runLoad(addr, []target{tStatic}, rate, o.fileDuration, o.conns, func(a answer) { s.check.check(a) })
	if err != nil {
		return err
	}
	stopChurn()
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	fmt.Println("== convergence: a last, valid state of each store must be answered")
	if err := s.finalStates(); err != nil {
		return err
	}
	conv := s.converge(addr, 10*time.Second)
	time.Sleep(3 * time.Second) // let the last restart's leftovers go
	stopSampling()
	sampling.Wait()
	end := s.sampleNow()
	s.samples.add(end)
	if n := len(s.edits); n > 0 {
		s.edits[n-1].sample = end
	}
	s.fdEnd = fdKinds(srv.pid)
	s.dumpProcess("end")
	scrapeEnd, _ := httpGet(metricsURL)
	m.loadAfter = loadAverage()
	srv.stop()
	setRunning(nil)
	s.samples.writeCSV(filepath.Join(o.results, "samples.csv"))
	report := s.report(m, qps, mixed, fileOnly, conv, scrapeStart, scrapeEnd)
	fmt.Print("\n" + report)
	return os.WriteFile(filepath.Join(o.results, "report.txt"), []byte(report), 0o644)
}

// convergence is how long after the changes stopped each store's last
// valid state was answered.
type convergence struct {
	store, n int
	after    time.Duration
	ok       bool
}

// finalStates writes a valid state to each store once the changes have
// stopped (the last one written may have been invalid, and the valid one
// before it may never have been read).
func (s *soak) finalStates() error {
	n := s.check.lastState(storePlain) + 1
	if err := s.plain.write(n, "valid", false, func() {
		s.check.wrote(storePlain, state{n: n, kind: "valid", mode: "atomic", at: time.Now()})
	}); err != nil {
		return err
	}
	n = s.check.lastState(storeCM) + 1
	return s.cm.write(n, "valid", func() {
		s.check.wrote(storeCM, state{n: n, kind: "valid", mode: "configmap", at: time.Now()})
	})
}

func (s *soak) converge(server string, timeout time.Duration) []convergence {
	var out []convergence
	start := time.Now()
	for _, st := range []struct {
		store int
		t     target
	}{{storePlain, tPlain}, {storeCM, tCM}} {
		c := convergence{store: st.store, n: s.check.lastValid(st.store)}
		want := stateAddr(st.store, c.n).String()
		for time.Since(start) < timeout {
			if got, _ := ask(server, st.t.String()); got == want {
				c.ok, c.after = true, time.Since(start)
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		out = append(out, c)
	}
	return out
}
