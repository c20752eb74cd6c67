// Command benchtool prepares, checks and reports trafficflow's benchmark;
// bench/run.sh drives it, see bench/README.md.
//
//	benchtool gen -geoip FILE -out DIR -port N
//	    writes DIR/store (the policy store), DIR/db.example.org (the file
//	    plugin's zone), DIR/clients.txt (the ECS client subnets drawn from the
//	    GeoIP database) and DIR/queries/CASE.bin (dnsperf -B input files).
//	benchtool check -server ADDR -dir DIR
//	    sends a sample of every query file to the server and checks the
//	    answers: the benchmark measures what it says it does.
//	benchtool report -dir RESULTS
//	    prints the table of QPS, latency and ratios from the dnsperf outputs.
//	benchtool tune -dir RESULTS
//	    prints bench/tune.sh's table: each server variant against the
//	    baseline runs next to it.
//	benchtool breakdown -binary FILE -profile FILE
//	    attributes a CPU profile's samples to the layers of the query path
//	    (kernel, runtime, miekg/dns, CoreDNS, each plugin), for
//	    docs/performance.md.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "gen":
		err = gen(os.Args[2:])
	case "check":
		err = check(os.Args[2:])
	case "report":
		err = report(os.Args[2:])
	case "tune":
		err = tune(os.Args[2:])
	case "breakdown":
		err = breakdown(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtool:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: benchtool gen|check|report|tune|breakdown [flags]")
	os.Exit(2)
}
