package policygraph

import (
	"bytes"
	"encoding/xml"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// The SVG's look: sober, with rules tinted by type.
const svgStyle = `
.bg { fill: #ffffff; }
.title { font-size: 15px; font-weight: bold; fill: ` + textColour + `; }
.edge path { fill: none; stroke: #7b8794; stroke-width: 1.3; }
.edge path.arrow { fill: #7b8794; stroke: none; }
.node rect { stroke: #7b8794; stroke-width: 1; fill: ` + defaultRuleTint + `; }
.node text { text-anchor: middle; fill: ` + mutedColour + `; font-size: 11.5px; }
.node text.name { fill: ` + textColour + `; font-size: 13px; font-weight: bold; }
.start rect { fill: ` + startFill + `; stroke: ` + startFill + `; }
.start text, .start text.name { fill: #ffffff; }
.endpoint rect { fill: ` + endpointFill + `; }
.label { font-size: 11px; fill: ` + mutedColour + `; }
.label.hc { fill: #2d6a4f; }
.label.eth { fill: ` + warnColour + `; }
`

// arrow is the length and half width of an arrowhead.
const arrowLen, arrowHalf = 8.0, 4.0

// titleBand is the height of the title above the graph.
const titleBand = 30.0

// SVG writes the graph as a standalone SVG picture, laid out by Arrange:
// rules as boxes tinted by type, endpoints as white rounded boxes, each
// with a <title> giving its details, edges as curves with arrowheads and
// their labels beside them.
func (g *Graph) SVG(w io.Writer) error {
	l := Arrange(g)
	out := &errWriter{w: w}
	width, height, top := l.Width, l.Height, 0.0
	if g.Title != "" {
		top = titleBand
		height += top
		width = max(width, textWidth(g.Title, 15, true)+2*margin)
	}
	title := g.Title
	if title == "" {
		title = "traffic policy (" + g.RecordType + ")"
	}
	out.printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
	out.printf("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%s\" height=\"%s\" viewBox=\"0 0 %s %s\" font-family=\"%s\">\n",
		num(width), num(height), num(width), num(height), esc("Helvetica, Arial, 'Liberation Sans', sans-serif"))
	out.printf("<title>%s</title>\n<style>%s", esc(title), svgStyle)
	for _, typ := range slices.Sorted(maps.Keys(ruleFill)) {
		out.printf(".rule.%s rect { fill: %s; }\n", typ, ruleFill[typ])
	}
	out.printf("</style>\n")
	out.printf("<rect class=\"bg\" width=\"%s\" height=\"%s\"/>\n", num(width), num(height))
	if g.Title != "" {
		out.printf("<text class=\"title\" x=\"%s\" y=\"%s\">%s</text>\n", num(margin), num(margin+6), esc(g.Title))
	}
	out.printf("<g transform=\"translate(0 %s)\">\n", num(top))
	out.printf("<g class=\"edges\">\n")
	for _, r := range l.Routes {
		out.printf("<g class=\"edge\"><title>%s</title>%s</g>\n", esc(g.routeTitle(r)), routePaths(r.Points))
	}
	out.printf("</g>\n<g class=\"nodes\">\n")
	for i := range g.Nodes {
		n := &g.Nodes[i]
		b := l.Nodes[i].Box
		class := string(n.Kind)
		rx := 4.0
		switch n.Kind {
		case RuleNode:
			class += " " + cssClass(n.Type)
		case StartNode:
			rx = b.H / 2
		default:
			rx = 12
		}
		out.printf("<g class=\"node %s\"><title>%s</title>", esc(class), esc(n.Details()))
		out.printf("<rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" rx=\"%s\"", num(b.X), num(b.Y), num(b.W), num(b.H), num(rx))
		out.printf("/>")
		y := b.Y + padY
		for k, line := range n.Label {
			size, lh, cls := detailSize, detailLine, ""
			if k == 0 {
				size, lh, cls = nameSize, nameLine, " class=\"name\""
			}
			out.printf("<text%s x=\"%s\" y=\"%s\">%s</text>", cls, num(b.X+b.W/2), num(baseline(y, lh, size)), esc(line))
			y += lh
		}
		out.printf("</g>\n")
	}
	out.printf("</g>\n<g class=\"labels\">\n")
	for _, r := range l.Routes {
		for k, line := range r.Label {
			cls := "label"
			switch {
			case strings.HasPrefix(line, "hc: "):
				cls += " hc"
			case strings.Contains(line, "EvaluateTargetHealth false"):
				cls += " eth"
			}
			out.printf("<text class=\"%s\" x=\"%s\" y=\"%s\">%s</text>\n", cls, num(r.LabelBox.X),
				num(baseline(r.LabelBox.Y+float64(k)*labelLine, labelLine, labelSize)), esc(line))
		}
	}
	out.printf("</g>\n</g>\n</svg>\n")
	return out.err
}

// baseline is where text of the given size sits in a line box that starts
// at top: its x-height centred.
func baseline(top, lineHeight, size float64) float64 {
	return top + lineHeight/2 + size*0.35
}

// routeTitle describes a route: its ends and the labels of its edges.
func (g *Graph) routeTitle(r Route) string {
	var b strings.Builder
	b.WriteString(nodeName(&g.Nodes[r.From]) + " → " + nodeName(&g.Nodes[r.To]))
	for i, ei := range r.Edges {
		sep := ", "
		if i == 0 {
			sep = ": "
		}
		if e := g.Edges[ei]; len(e.Label) > 0 {
			b.WriteString(sep + strings.Join(e.Label, " "))
		}
	}
	return b.String()
}

func nodeName(n *Node) string {
	if n.Kind == StartNode {
		return "start"
	}
	return n.Name
}

// routePaths draws a route's line, ending short of its last point where
// an arrowhead takes over.
func routePaths(pts []Point) string {
	if len(pts) < 2 {
		return ""
	}
	end := pts[len(pts)-1]
	dir := 1.0
	if pts[len(pts)-2].Y > end.Y {
		dir = -1
	}
	line := append([]Point(nil), pts...)
	line[len(line)-1].Y -= dir * arrowLen
	var b strings.Builder
	b.WriteString("<path d=\"M" + num(line[0].X) + " " + num(line[0].Y))
	for i := 1; i < len(line); i++ {
		p, q := line[i-1], line[i]
		if p.X == q.X {
			b.WriteString(" L" + num(q.X) + " " + num(q.Y))
			continue
		}
		mid := (p.Y + q.Y) / 2
		b.WriteString(" C" + num(p.X) + " " + num(mid) + " " + num(q.X) + " " + num(mid) + " " + num(q.X) + " " + num(q.Y))
	}
	b.WriteString("\"/>")
	base := end.Y - dir*arrowLen
	b.WriteString("<path class=\"arrow\" d=\"M" + num(end.X-arrowHalf) + " " + num(base) + " L" + num(end.X) + " " + num(end.Y) +
		" L" + num(end.X+arrowHalf) + " " + num(base) + " Z\"/>")
	return b.String()
}

// cssClass keeps the letters, digits and dashes of a type name.
func cssClass(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return -1
	}, s)
}

// esc escapes text for XML character data or an attribute value; characters
// XML cannot hold become U+FFFD.
func esc(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s)) //nolint:errcheck // a bytes.Buffer does not fail
	return b.String()
}

// num formats a coordinate with at most one decimal.
func num(v float64) string {
	return strconv.FormatFloat(math.Round(v*10)/10+0, 'f', -1, 64)
}
