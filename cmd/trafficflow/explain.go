package main

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"

	clog "github.com/coredns/coredns/plugin/pkg/log"
	"github.com/miekg/dns"

	"github.com/trafficflow/trafficflow"
	"github.com/trafficflow/trafficflow/geo"
	"github.com/trafficflow/trafficflow/policyfile"
)

func init() {
	commands["explain"] = command{
		usage: "explain [--client IP | --ecs CIDR | --location CC[-SUB]|CONTINENT | --coordinates LAT,LON] [--type T]\n" +
			"        [--geoip FILE] [--latency-table FILE] [--bias-formula legacy|linear] [--missing-healthcheck MODE]\n" +
			"        [--health ID=healthy|unhealthy ...] [--seed N] [--consistent] [--json] DIR NAME\n" +
			"        how a query for NAME is answered, and why: the decision path for one client",
		run: explainCmd,
	}
}

const explainUsage = "usage: trafficflow explain [flags] DIR NAME"

func explainCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("explain", explainUsage, stderr)
	var d directiveFlags
	d.register(fs)
	clientIP := fs.String("client", "", "the resolver's address the query comes from")
	ecs := fs.String("ecs", "", "the query's client subnet (EDNS Client Subnet), such as 2.2.3.0/24")
	location := fs.String("location", "", "place the client in a country (GB), a US state (US-CA) or a continent (EU), without a GeoIP lookup")
	coords := fs.String("coordinates", "", "place the client at LAT,LON, without a GeoIP lookup")
	qtype := fs.String("type", "", "the query type (default: the policy's record type)")
	seed := fs.Uint64("seed", 1, "the seed of the random draws (weighted, multivalue): the same seed, the same answer")
	consistent := fs.Bool("consistent", false, "choose weighted and multivalue answers by the client's subnet, as the directive's consistent does")
	asJSON := fs.Bool("json", false, "print one JSON document (the fields are described in the README)")
	health := healthFlags{}
	fs.Var(health, "health", "force a health check: ID=healthy or ID=unhealthy (repeatable)")
	pos, ok := parseArgs(fs, args, 2)
	if !ok {
		return 2
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "trafficflow explain: "+format+"\n", a...)
		return 2
	}
	missing, err := missingMode(d.missing)
	if err != nil {
		return fail("%v", err)
	}
	var client trafficflow.ExplainClient
	given := 0
	if *clientIP != "" {
		given++
		if client.Addr, err = netip.ParseAddr(*clientIP); err != nil {
			return fail("--client %q is not an IP address", *clientIP)
		}
	}
	if *ecs != "" {
		given++
		if client.ECS, err = netip.ParsePrefix(*ecs); err != nil {
			return fail("--ecs %q is not a client subnet such as 2.2.3.0/24", *ecs)
		}
	}
	if *location != "" {
		given++
		if client.Location, err = parseLocation(*location); err != nil {
			return fail("--location: %v", err)
		}
	}
	if *coords != "" {
		given++
		if client.Location, err = parseCoordinates(*coords); err != nil {
			return fail("--coordinates: %v", err)
		}
	}
	if given > 1 {
		return fail("give one of --client, --ecs, --location and --coordinates")
	}
	var t uint16
	if *qtype != "" {
		var ok bool
		if t, ok = dns.StringToType[strings.ToUpper(*qtype)]; !ok {
			return fail("--type %q is not a record type", *qtype)
		}
	}

	clog.Discard() // the store's problems are printed here, not logged
	x, warnings, err := trafficflow.NewExplainer(trafficflow.ExplainConfig{Dir: pos[0], GeoIP: d.geoip, LatencyTable: d.latency,
		BiasFormula: d.bias, MissingHealthCheck: missing, Health: health, Consistent: *consistent})
	if err != nil {
		printLoadError(stderr, pos[0], err)
		return 1
	}
	for _, w := range warnings {
		fmt.Fprintln(stderr, w.String())
	}
	ex, err := x.Explain(pos[1], t, client, *seed)
	if err != nil {
		fmt.Fprintf(stderr, "trafficflow explain: %v\n", err)
		return 1
	}
	return printResult("explain", *asJSON, ex, ex.Text, stdout, stderr)
}

// printLoadError prints why a store (or the files beside it) did not load:
// every problem on its own line, as validate prints them.
func printLoadError(w io.Writer, dir string, err error) {
	var le *policyfile.LoadError
	if errors.As(err, &le) {
		for _, p := range le.Problems {
			fmt.Fprintln(w, p.String())
		}
		fmt.Fprintf(w, "%s: invalid: %s\n", dir, count(len(le.Problems), "error"))
		return
	}
	fmt.Fprintf(w, "%s: %v\n", dir, err)
}

// parseLocation reads CC, CC-SUB or a continent code.
func parseLocation(s string) (*geo.Location, error) {
	s = strings.ToUpper(s)
	if _, ok := policyfile.Continents[s]; ok {
		return &geo.Location{Continent: s}, nil
	}
	cc, sub, _ := strings.Cut(s, "-")
	if len(cc) != 2 {
		return nil, fmt.Errorf("%q is not a country code (GB), a country and subdivision (US-CA) or a continent code (EU)", s)
	}
	return &geo.Location{Country: cc, Subdivision: sub, Continent: policyfile.ContinentOf(cc)}, nil
}

// parseCoordinates reads LAT,LON in decimal degrees.
func parseCoordinates(s string) (*geo.Location, error) {
	la, lo, ok := strings.Cut(s, ",")
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(la), 64)
	lon, err2 := strconv.ParseFloat(strings.TrimSpace(lo), 64)
	if !ok || err1 != nil || err2 != nil || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return nil, fmt.Errorf("%q is not LAT,LON in decimal degrees (such as 51.5,-0.12)", s)
	}
	return &geo.Location{HasCoordinates: true, Latitude: lat, Longitude: lon}, nil
}
