package main

import (
	"bytes"
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
	fs := newFlagSet("graph", graphUsage, stderr)
	format := fs.String("format", "dot", "what to write: dot (Graphviz), mermaid or svg")
	output := fs.String("output", "", "the file to write (default: the standard output)")
	pos, ok := parseArgs(fs, args, 3)
	if !ok {
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

func orNone(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, ", ")
}
