package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/trafficflow/trafficflow/evaluate"
	"github.com/trafficflow/trafficflow/geo"
	"github.com/trafficflow/trafficflow/policyfile"
	"github.com/trafficflow/trafficflow/policytest"
)

// directiveFlags are the trafficflow directive's options that change
// answers, as flags with the same meanings (explain, test, diff).
type directiveFlags struct {
	geoip, latency, bias, missing string
}

func (d *directiveFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.geoip, "geoip", "", "a MaxMind database for client locations (the directive's geoip)")
	fs.StringVar(&d.latency, "latency-table", "", "measured round-trip times for latency rules (the directive's latency_table)")
	fs.StringVar(&d.bias, "bias-formula", "legacy", "how a negative geoproximity bias scales distances: legacy or linear")
	fs.StringVar(&d.missing, "missing-healthcheck", "error", "what a reference to an undefined health check is: error, healthy or unhealthy")
}

// missingMode reads --missing-healthcheck.
func missingMode(s string) (policyfile.MissingHealthCheck, error) {
	switch s {
	case "error":
		return policyfile.MissingError, nil
	case "healthy":
		return policyfile.MissingHealthy, nil
	case "unhealthy":
		return policyfile.MissingUnhealthy, nil
	}
	return "", fmt.Errorf("--missing-healthcheck must be error, healthy or unhealthy, not %q", s)
}

// biasMode reads --bias-formula.
func biasMode(s string) (evaluate.BiasFormula, error) {
	switch s {
	case "legacy":
		return evaluate.BiasLegacy, nil
	case "linear":
		return evaluate.BiasLinear, nil
	}
	return 0, fmt.Errorf("--bias-formula must be legacy or linear, not %q", s)
}

// testOptions opens the GeoIP database and the latency table the flags
// name, for running policy tests as the directive would.
func (d *directiveFlags) testOptions(bias evaluate.BiasFormula) (policytest.Options, error) {
	opts := policytest.Options{BiasFormula: bias}
	if d.geoip != "" {
		db, err := geo.Open(d.geoip)
		if err != nil {
			return opts, err
		}
		opts.GeoIP = db
	}
	if d.latency != "" {
		t, probs := policyfile.LoadLatencyTable(d.latency)
		if err := probs.Err(); err != nil {
			return opts, err
		}
		opts.Latency = t
	}
	return opts, nil
}

// healthFlags collects repeated --health ID=healthy|unhealthy flags.
type healthFlags map[string]bool

func (h healthFlags) String() string { return "" }

func (h healthFlags) Set(s string) error {
	id, state, ok := strings.Cut(s, "=")
	if !ok || id == "" {
		return fmt.Errorf("%q is not ID=healthy or ID=unhealthy", s)
	}
	switch strings.ToLower(state) {
	case "healthy":
		h[id] = true
	case "unhealthy":
		h[id] = false
	default:
		return fmt.Errorf("%q: the state must be healthy or unhealthy", s)
	}
	return nil
}

// newFlagSet returns the flag set of a command: its errors, and its usage
// (the usage line, then the flags), go to stderr.
func newFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseArgs parses args (flags may follow the positional arguments) and
// returns the positional arguments, of which there must be n. On a flag
// error or another count it prints the usage and returns false: the
// command exits with status 2.
func parseArgs(fs *flag.FlagSet, args []string, n int) ([]string, bool) {
	pos, ok := parseInterleaved(fs, args)
	if !ok {
		return nil, false
	}
	if len(pos) != n {
		fs.Usage()
		return nil, false
	}
	return pos, true
}

// parseInterleaved parses flags that may stand before, between or after
// the positional arguments (the flag package stops at the first
// non-flag), and returns the positional arguments. Everything after "--"
// is positional. It reports false on a flag error, which fs has printed.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, bool) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, false
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, true
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), true
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
