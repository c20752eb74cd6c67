package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/coredns/coredns/plugin"
	"github.com/miekg/dns"

	"github.com/trafficflow/trafficflow/policyfile"
	"github.com/trafficflow/trafficflow/policytest"
)

func init() {
	commands["validate"] = command{
		usage: "validate [--strict] [--zones ZONE,...] [--missing-healthcheck error|healthy|unhealthy]\n" +
			"        [--geoip FILE] [--latency-table FILE] [--bias-formula legacy|linear] DIR\n" +
			"        check the policy store in DIR and print every problem (flags before DIR);\n" +
			"        with --geoip or --latency-table, run its policy tests too",
		run: validate,
	}
}

const validateUsage = "usage: trafficflow validate [--strict] [--zones ZONE,...] [--missing-healthcheck error|healthy|unhealthy] [--geoip FILE] [--latency-table FILE] [--bias-formula legacy|linear] DIR"

func validate(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("validate", validateUsage, stderr)
	strict := fs.Bool("strict", false, "treat warnings as errors")
	zones := fs.String("zones", "", "comma-separated zones the store is served in, as in the Corefile (warns about records outside them, checks CNAME records at a zone apex)")
	var d directiveFlags
	d.register(fs)
	pos, ok := parseArgs(fs, args, 1)
	if !ok {
		return 2
	}
	dir := pos[0]
	opts := policyfile.Options{Strict: *strict}
	var err error
	if opts.MissingHealthCheck, err = missingMode(d.missing); err != nil {
		fmt.Fprintf(stderr, "trafficflow validate: %v\n", err)
		return 2
	}
	bias, err := biasMode(d.bias)
	if err != nil {
		fmt.Fprintf(stderr, "trafficflow validate: %v\n", err)
		return 2
	}
	for _, z := range strings.Split(*zones, ",") {
		if z = strings.TrimSpace(z); z != "" {
			// As the Corefile reads zones: example.org:53, Example.ORG,
			// 10.0.0.0/24 (reverse zones).
			norm := plugin.Host(z).NormalizeExact()
			if len(norm) == 0 || slices.ContainsFunc(norm, func(n string) bool { _, ok := dns.IsDomainName(n); return !ok || strings.ContainsAny(n, " \t") }) {
				fmt.Fprintf(stderr, "trafficflow validate: %q is not a zone name\n", z)
				return 2
			}
			opts.Zones = append(opts.Zones, norm...)
		}
	}
	// The tests run as the server runs them, with its GeoIP database
	// and latency table.
	runTests := d.geoip != "" || d.latency != ""
	var testOpts policytest.Options
	if runTests {
		if testOpts, err = d.testOptions(bias); err != nil {
			fmt.Fprintf(stderr, "trafficflow validate: %v\n", err)
			return 1
		}
	}
	store, probs := policyfile.Load(dir, opts)
	tests := ""
	if runTests && probs.Err() == nil && len(store.Tests) > 0 {
		results := policytest.Run(store, testOpts)
		probs = append(probs, policytest.Problems(results)...)
		tests = fmt.Sprintf("; %s passed", count(len(results), "test"))
	}
	for _, p := range probs {
		fmt.Fprintln(stdout, p.String())
	}
	for _, r := range store.Records {
		if c := r.Canary; c != nil {
			fmt.Fprintf(stdout, "%s: %s: canary: version %d of policy %q answers %s%% of the clients of %s (the others: version %d)\n",
				r.File, r.Path, c.Version, r.Policy, strconv.FormatFloat(c.Percent, 'f', -1, 64), r.Name, r.Version)
		}
	}
	errs, warns := len(probs.Errors()), len(probs.Warnings())
	if errs > 0 {
		fmt.Fprintf(stdout, "%s: invalid: %s, %s (loaded %s)\n", dir, count(errs, "error"), count(warns, "warning"), store.Summary())
		return 1
	}
	fmt.Fprintf(stdout, "%s: valid: %s, %s%s\n", dir, store.Summary(), count(warns, "warning"), tests)
	return 0
}
