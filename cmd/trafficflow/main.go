// Command trafficflow works with trafficflow policy stores outside the DNS
// server.
//
//	trafficflow validate [--strict] [--zones ZONE,...] [--missing-healthcheck error|healthy|unhealthy] DIR
//
// validate prints every problem of the store in DIR, one per line, as
// FILE: JSON.PATH: what is wrong, then a one-line summary, and exits 1 if
// the store is invalid (0 if it is valid, even with warnings).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/coredns/coredns/plugin"
	"github.com/miekg/dns"

	"github.com/trafficflow/trafficflow/policyfile"
)

const usage = `usage: trafficflow COMMAND [flags] ARGS

commands:
  validate [--strict] [--zones ZONE,...] [--missing-healthcheck error|healthy|unhealthy] DIR
        check the policy store in DIR and print every problem (flags before DIR)
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes a command line and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "validate":
		return validate(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "trafficflow: unknown command %q\n%s", args[0], usage)
	return 2
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
	errs, warns := len(probs.Errors()), len(probs.Warnings())
	if errs > 0 {
		fmt.Fprintf(stdout, "%s: invalid: %s, %s (loaded %s)\n", fs.Arg(0), count(errs, "error"), count(warns, "warning"), store.Summary())
		return 1
	}
	fmt.Fprintf(stdout, "%s: valid: %s, %s\n", fs.Arg(0), store.Summary(), count(warns, "warning"))
	return 0
}

func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
