package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/coredns/coredns/plugin"
	"github.com/miekg/dns"

	"github.com/trafficflow/trafficflow/policyfile"
)

func init() {
	commands["validate"] = command{
		usage: "validate [--strict] [--zones ZONE,...] [--missing-healthcheck error|healthy|unhealthy] DIR\n" +
			"        check the policy store in DIR and print every problem (flags before DIR)",
		run: validate,
	}
}

func validate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	strict := fs.Bool("strict", false, "treat warnings as errors")
	zones := fs.String("zones", "", "comma-separated zones the store is served in, as in the Corefile (warns about records outside them, checks CNAME records at a zone apex)")
	missing := fs.String("missing-healthcheck", "error", "what a reference to an undefined health check is: error, healthy or unhealthy")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: trafficflow validate [--strict] [--zones ZONE,...] [--missing-healthcheck error|healthy|unhealthy] DIR")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	opts := policyfile.Options{Strict: *strict}
	switch *missing {
	case "error":
	case "healthy":
		opts.MissingHealthCheck = policyfile.MissingHealthy
	case "unhealthy":
		opts.MissingHealthCheck = policyfile.MissingUnhealthy
	default:
		fmt.Fprintf(stderr, "trafficflow validate: --missing-healthcheck must be error, healthy or unhealthy, not %q\n", *missing)
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
	store, probs := policyfile.Load(fs.Arg(0), opts)
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
		fmt.Fprintf(stdout, "%s: invalid: %s, %s (loaded %s)\n", fs.Arg(0), count(errs, "error"), count(warns, "warning"), store.Summary())
		return 1
	}
	fmt.Fprintf(stdout, "%s: valid: %s, %s\n", fs.Arg(0), store.Summary(), count(warns, "warning"))
	return 0
}
