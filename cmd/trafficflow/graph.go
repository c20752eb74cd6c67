package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/trafficflow/trafficflow/policyfile"
	"github.com/trafficflow/trafficflow/policygraph"
)

func init() {
	commands["graph"] = command{
		usage: "graph [--format dot|mermaid|svg] [--output FILE] DIR POLICY VERSION\n" +
			"        draw one version of a policy of the store in DIR (DOT by default)",
		run: graph,
	}
}

// graphUsage is graph's usage line.
const graphUsage = "usage: trafficflow graph [--format dot|mermaid|svg] [--output FILE] DIR POLICY VERSION"

func graph(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("graph", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "dot", "what to write: dot (Graphviz), mermaid or svg")
	output := fs.String("output", "", "the file to write (default: the standard output)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, graphUsage)
		fs.PrintDefaults()
	}
	pos, ok := parseInterleaved(fs, args)
	if !ok {
		return 2
	}
	if len(pos) != 3 {
		fs.Usage()
		return 2
	}
	render := map[string]func(*policygraph.Graph, io.Writer) error{
		"dot": (*policygraph.Graph).DOT, "mermaid": (*policygraph.Graph).Mermaid, "svg": (*policygraph.Graph).SVG,
	}[*format]
	if render == nil {
		fmt.Fprintf(stderr, "trafficflow graph: --format must be dot, mermaid or svg, not %q\n", *format)
		return 2
	}
	dir, name := pos[0], pos[1]
	number, ok := parseVersion("graph", pos[2], stderr)
	if !ok {
		return 2
	}
	versions, ok := loadVersions("graph", dir, policyfile.Options{}, name, []int{number}, stderr)
	if !ok {
		return 1
	}
	version := versions[0]

	g := policygraph.New(version.Document)
	g.Title = fmt.Sprintf("%s version %d", name, number)
	if version.Comment != "" {
		g.Title += " — " + version.Comment
	}
	var buf bytes.Buffer
	if err := render(g, &buf); err != nil {
		fmt.Fprintf(stderr, "trafficflow graph: %v\n", err)
		return 1
	}
	if *output == "" {
		if _, err := stdout.Write(buf.Bytes()); err != nil {
			fmt.Fprintf(stderr, "trafficflow graph: %v\n", err)
			return 1
		}
		return 0
	}
	if err := os.WriteFile(*output, buf.Bytes(), 0o644); err != nil {
		fmt.Fprintf(stderr, "trafficflow graph: %v\n", err)
		return 1
	}
	return 0
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

func orNone(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, ", ")
}
