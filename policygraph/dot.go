package policygraph

import (
	"io"
	"strings"
)

// DOT writes the graph in Graphviz's DOT language, top-down (rankdir=TB)
// with items in document order (ordering=out): rules as rounded boxes
// tinted by type, endpoints as ellipses, the start as a dark oval. Render it
// with, for example, dot -Tsvg.
func (g *Graph) DOT(w io.Writer) error {
	out := &errWriter{w: w}
	out.printf("digraph policy {\n")
	out.printf("\tgraph [rankdir=TB, ordering=out, fontname=%s, fontsize=14, labelloc=t", dotQuote(fontFamily))
	if g.Title != "" {
		out.printf(", label=%s", dotQuote(g.Title))
	}
	out.printf("];\n")
	out.printf("\tnode [fontname=%s, fontsize=11, color=%s, fontcolor=%s];\n", dotQuote(fontFamily), dotQuote(lineColour), dotQuote(textColour))
	out.printf("\tedge [fontname=%s, fontsize=10, color=%s, fontcolor=%s, arrowsize=0.7];\n\n", dotQuote(fontFamily), dotQuote(lineColour), dotQuote(mutedColour))
	for i := range g.Nodes {
		n := &g.Nodes[i]
		var attrs string
		switch n.Kind {
		case StartNode:
			attrs = "shape=oval, style=filled, fontcolor=\"#ffffff\""
		case RuleNode:
			attrs = "shape=box, style=\"rounded,filled\""
		default:
			attrs = "shape=ellipse, style=filled"
		}
		out.printf("\t%s [%s, fillcolor=%s, label=%s, tooltip=%s];\n", dotQuote(n.ID), attrs, dotQuote(n.fill()),
			dotQuote(strings.Join(n.Label, "\n")), dotQuote(n.Details()))
	}
	out.printf("\n")
	for _, e := range g.Edges {
		out.printf("\t%s -> %s", dotQuote(e.From), dotQuote(e.To))
		if len(e.Label) > 0 {
			out.printf(" [label=%s]", dotQuote(strings.Join(e.Label, "\n")))
		}
		out.printf(";\n")
	}
	out.printf("}\n")
	return out.err
}

// dotQuote quotes s as a DOT string: a quote and a backslash are escaped
// (\" and \\, which Graphviz reads in labels as " and \, so that no
// escape sequence of Graphviz's, \n \l \N ..., appears by accident), & is
// written &amp; (Graphviz decodes entities in labels), and newlines become
// \n, line breaks in a label.
func dotQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '&':
			b.WriteString("&amp;")
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString("&#13;")
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
