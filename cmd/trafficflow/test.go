package main

import (
	"fmt"
	"io"

	"github.com/trafficflow/trafficflow/policyfile"
	"github.com/trafficflow/trafficflow/policytest"
)

func init() {
	commands["test"] = command{
		usage: "test [--geoip FILE] [--latency-table FILE] [--bias-formula legacy|linear] [--missing-healthcheck MODE] DIR\n" +
			"        run the policy tests of the store in DIR (tests.json): one line per test, then a count",
		run: testCmd,
	}
}

const testUsage = "usage: trafficflow test [--geoip FILE] [--latency-table FILE] [--bias-formula legacy|linear] [--missing-healthcheck MODE] DIR"

func testCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("test", testUsage, stderr)
	var d directiveFlags
	d.register(fs)
	pos, ok := parseArgs(fs, args, 1)
	if !ok {
		return 2
	}
	dir := pos[0]
	missing, err := missingMode(d.missing)
	if err != nil {
		fmt.Fprintf(stderr, "trafficflow test: %v\n", err)
		return 2
	}
	bias, err := biasMode(d.bias)
	if err != nil {
		fmt.Fprintf(stderr, "trafficflow test: %v\n", err)
		return 2
	}
	opts, err := d.testOptions(bias)
	if err != nil {
		fmt.Fprintf(stderr, "trafficflow test: %v\n", err)
		return 1
	}

	store, probs := policyfile.Load(dir, policyfile.Options{MissingHealthCheck: missing})
	for _, p := range probs {
		fmt.Fprintln(stderr, p.String())
	}
	if errs := probs.Errors(); len(errs) > 0 {
		fmt.Fprintf(stderr, "%s: invalid: %s, %s; run trafficflow validate %s\n", dir, count(len(errs), "error"), count(len(probs.Warnings()), "warning"), dir)
		return 1
	}
	if len(store.Tests) == 0 {
		fmt.Fprintf(stdout, "%s has no tests (tests.json)\n", dir)
	}
	results := policytest.Run(store, opts)
	failed := 0
	for _, r := range results {
		fmt.Fprintln(stdout, r.String())
		if !r.Pass {
			failed++
		}
	}
	fmt.Fprintf(stdout, "%d passed, %d failed\n", len(results)-failed, failed)
	if failed > 0 {
		return 1
	}
	return 0
}
