package main

import (
	"flag"
	"fmt"
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
