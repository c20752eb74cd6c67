package policygraph

import (
	"fmt"
	"io"
	"strings"
)

// Mermaid writes the graph as a Mermaid flowchart (flowchart TD): rules as
// boxes tinted by type, endpoints as rounded boxes, the start as a dark
// stadium. Node IDs are n0, n1, ... in the order of g.Nodes; every label is
// quoted, with the characters Mermaid would read as syntax written as
// entity codes (#quot;, #35;, ...).
func (g *Graph) Mermaid(w io.Writer) error {
	out := &errWriter{w: w}
	if g.Title != "" {
		out.printf("---\ntitle: %s\n---\n", yamlQuote(g.Title))
	}
	out.printf("flowchart TD\n")
	ids := make(map[string]string, len(g.Nodes))
	classes := map[string][]string{}
	var classOrder []string
	for i := range g.Nodes {
		n := &g.Nodes[i]
		id := fmt.Sprintf("n%d", i)
		ids[n.ID] = id
		open, close := "[", "]"
		class := string(n.Kind)
		switch n.Kind {
		case StartNode:
			open, close = "([", "])"
		case EndpointNode:
			open, close = "(", ")"
		default:
			class = n.Type
		}
		if _, ok := classes[class]; !ok {
			classOrder = append(classOrder, class)
		}
		classes[class] = append(classes[class], id)
		out.printf("    %s%s\"%s\"%s\n", id, open, mermaidLines(n.Label), close)
	}
	for _, e := range g.Edges {
		if len(e.Label) == 0 {
			out.printf("    %s --> %s\n", ids[e.From], ids[e.To])
			continue
		}
		out.printf("    %s -->|\"%s\"| %s\n", ids[e.From], mermaidLines(e.Label), ids[e.To])
	}
	for _, class := range classOrder {
		style := fmt.Sprintf("fill:%s,stroke:%s,color:%s", ruleFillOr(class), lineColour, textColour)
		switch class {
		case string(StartNode):
			style = fmt.Sprintf("fill:%s,stroke:%s,color:#ffffff", startFill, startFill)
		case string(EndpointNode):
			style = fmt.Sprintf("fill:%s,stroke:%s,color:%s", endpointFill, lineColour, textColour)
		}
		out.printf("    classDef %s %s\n", mermaidClass(class), style)
		out.printf("    class %s %s\n", strings.Join(classes[class], ","), mermaidClass(class))
	}
	return out.err
}

func ruleFillOr(typ string) string {
	if c, ok := ruleFill[typ]; ok {
		return c
	}
	return defaultRuleTint
}

// mermaidClass is a class name for a rule type or node kind ("start" and
// "endpoint" cannot collide with a rule type).
func mermaidClass(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return "tf_" + b.String()
}

// mermaidLines joins label lines with <br/>, each escaped for a quoted
// Mermaid label.
func mermaidLines(lines []string) string {
	all := strings.Join(lines, " ")
	colon := strings.Contains(all, "style") || strings.Contains(all, "classDef")
	esc := make([]string, len(lines))
	for i, l := range lines {
		esc[i] = mermaidEscape(l, colon)
	}
	return strings.Join(esc, "<br/>")
}

// mermaidEscape writes the characters that end a quoted label or that
// Mermaid reads as markup (the quote, # which starts an entity code, HTML's
// < > &, the edge label's |, Markdown's backtick, square and curly
// brackets) as Mermaid entity codes (#35; is #). Mermaid also drops the ;
// of an entity code on a line that reads as a style ("style ...: ...#...;"),
// so in a label that holds "style" or "classDef" colon is set and the
// colon is escaped too.
func mermaidEscape(s string, colon bool) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case strings.ContainsRune("\"#&<>|`[]{}", r), r == ':' && colon:
			fmt.Fprintf(&b, "#%d;", r)
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// yamlQuote quotes s as a YAML double-quoted scalar on one line.
func yamlQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", " ", "\r", " ", "\t", " ")
	return `"` + r.Replace(s) + `"`
}
