package main

import (
	"fmt"
	"io"

	"github.com/trafficflow/trafficflow/geo"
	"github.com/trafficflow/trafficflow/policydiff"
	"github.com/trafficflow/trafficflow/policyfile"
)

func init() {
	commands["diff"] = command{
		usage: "diff [--geoip FILE] [--bias-formula legacy|linear] [--missing-healthcheck MODE] [--json] DIR POLICY V1 V2\n" +
			"        what version V2 of a policy changes from V1: rules and endpoints, and whose answers change",
		run: diffCmd,
	}
}

const diffUsage = "usage: trafficflow diff [--geoip FILE] [--bias-formula legacy|linear] [--missing-healthcheck MODE] [--json] DIR POLICY V1 V2"

func diffCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("diff", diffUsage, stderr)
	geoip := fs.String("geoip", "", "a MaxMind database, as the directive's geoip (checked, but not needed: clients are placed at locations)")
	bias := fs.String("bias-formula", "legacy", "how a negative geoproximity bias scales distances: legacy or linear")
	missing := fs.String("missing-healthcheck", "error", "what a reference to an undefined health check is: error, healthy or unhealthy")
	asJSON := fs.Bool("json", false, "print one JSON document (the fields are described in the README)")
	pos, ok := parseArgs(fs, args, 4)
	if !ok {
		return 2
	}
	formula, err := biasMode(*bias)
	if err != nil {
		fmt.Fprintf(stderr, "trafficflow diff: %v\n", err)
		return 2
	}
	mode, err := missingMode(*missing)
	if err != nil {
		fmt.Fprintf(stderr, "trafficflow diff: %v\n", err)
		return 2
	}
	dir, name := pos[0], pos[1]
	v1, ok := parseVersion("diff", pos[2], stderr)
	if !ok {
		return 2
	}
	v2, ok := parseVersion("diff", pos[3], stderr)
	if !ok {
		return 2
	}

	if *geoip != "" {
		// Clients are placed at locations, not looked up; the database is
		// only checked, so that a diff runs with the directive's options.
		db, err := geo.Open(*geoip)
		if err != nil {
			fmt.Fprintf(stderr, "trafficflow diff: %v\n", err)
			return 1
		}
		db.Close()
	}
	versions, ok := loadVersions("diff", dir, policyfile.Options{MissingHealthCheck: mode}, name, []int{v1, v2}, stderr)
	if !ok {
		return 1
	}
	d, err := policydiff.Compare(name, versions[0], versions[1], policydiff.Options{BiasFormula: formula})
	if err != nil {
		fmt.Fprintf(stderr, "trafficflow diff: %v\n", err)
		return 1
	}
	return printResult("diff", *asJSON, d, d.Text, stdout, stderr)
}
