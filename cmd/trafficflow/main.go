// Command trafficflow works with trafficflow policy stores outside the DNS
// server.
//
//	trafficflow validate [--strict] [--zones ZONE,...] [--missing-healthcheck error|healthy|unhealthy]
//	    [--geoip FILE] [--latency-table FILE] [--bias-formula legacy|linear] DIR
//
// validate prints every problem of the store in DIR, one per line, as
// FILE: JSON.PATH: what is wrong, then a one-line summary, and exits 1 if
// the store is invalid (0 if it is valid, even with warnings). With
// --geoip or --latency-table it also runs the store's policy tests, and a
// failing test is an error.
//
//	trafficflow explain [flags] DIR NAME
//
// explain answers a query for NAME with the plugin's query path and prints
// why.
//
//	trafficflow test [--geoip FILE] [--latency-table FILE] [--bias-formula legacy|linear] [--missing-healthcheck MODE] DIR
//
// test runs the policy tests of the store in DIR (tests.json) and prints
// PASS NAME or FAIL NAME: got ..., want ... for each, then the counts; it
// exits 1 if a test fails or the store is invalid, 2 on a usage error.
//
//	trafficflow graph [--format dot|mermaid|svg] [--output FILE] DIR POLICY VERSION
//
// graph draws one version of a policy of the store in DIR as Graphviz DOT
// (the default), a Mermaid flowchart or an SVG picture, to the standard
// output or FILE. Flags may come before or after the arguments. It exits 1
// if the store is invalid (printing its problems) or has no such policy
// or version, 2 on a usage error.
//
//	trafficflow diff [--geoip FILE] [--bias-formula legacy|linear] [--missing-healthcheck MODE] [--json] DIR POLICY V1 V2
//
// diff tells what version V2 of a policy changes from V1: the rules and
// endpoints added, removed and changed, and the clients (by continent,
// country and US state) whose answers or shares change, as text or JSON.
// It exits 0 when it ran, 1 if the store is invalid or has no such policy
// or versions, 2 on a usage error.
//
//	trafficflow editor [--listen 127.0.0.1:8053] [--token FILE] [--health-from URL] [directive flags] DIR
//
// editor serves a web application for the store in DIR: browse, draw,
// edit and save versions, bind records, simulate clients, map (package
// editor; the README's "The editor").
//
// Each command lives in its own file (validate.go, ...) and registers in
// commands.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// command is one subcommand: its usage line(s) for the overview, and the
// function that runs it with its arguments (after the command name) and
// returns the exit status (0 success, 1 a finding, 2 a usage error).
type command struct {
	usage string
	run   func(args []string, stdout, stderr io.Writer) int
}

// commands are the subcommands by name.
var commands = map[string]command{}

// order lists the commands in the order the usage text shows them.
var order = []string{"validate", "explain", "test", "graph", "diff", "editor"}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// usage is the overview of every command.
func usage() string {
	var b strings.Builder
	b.WriteString("usage: trafficflow COMMAND [flags] ARGS\n\ncommands:\n")
	for _, name := range order {
		fmt.Fprintf(&b, "  %s\n", commands[name].usage)
	}
	return b.String()
}

// run executes a command line and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return 2
	}
	switch args[0] {
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage())
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "trafficflow: unknown command %q\n%s", args[0], usage())
		return 2
	}
	return c.run(args[1:], stdout, stderr)
}

// count says "1 error" or "N errors".
func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// printResult writes a command's result: v as indented JSON when asJSON,
// else text(). It returns the exit status (1 when the JSON cannot be
// written).
func printResult(cmd string, asJSON bool, v any, text func() string, stdout, stderr io.Writer) int {
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil {
			fmt.Fprintf(stderr, "trafficflow %s: %v\n", cmd, err)
			return 1
		}
		return 0
	}
	io.WriteString(stdout, text())
	return 0
}
