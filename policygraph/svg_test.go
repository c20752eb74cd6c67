package policygraph

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
)

// svgRead is what checkSVG reads from a picture.
type svgRead struct {
	root   xml.StartElement
	texts  map[string]bool // the content of every <text>
	titles []string        // the content of every <title>
	groups int             // node groups
	style  bool
}

// readSVG decodes a whole SVG document.
func readSVG(t *testing.T, data []byte) svgRead {
	t.Helper()
	r := svgRead{texts: map[string]bool{}}
	d := xml.NewDecoder(bytes.NewReader(data))
	var stack []string
	var text strings.Builder
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not XML: %v\n%s", err, data)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 {
				r.root = tok.Copy()
			}
			stack = append(stack, tok.Name.Local)
			text.Reset()
			switch tok.Name.Local {
			case "style":
				r.style = true
			case "g":
				for _, a := range tok.Attr {
					if a.Name.Local == "class" && strings.HasPrefix(a.Value, "node ") {
						r.groups++
					}
				}
			}
		case xml.CharData:
			text.Write(tok)
		case xml.EndElement:
			switch tok.Name.Local {
			case "text":
				r.texts[text.String()] = true
			case "title":
				r.titles = append(r.titles, text.String())
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) != 0 {
		t.Fatalf("unclosed elements %v", stack)
	}
	return r
}

// checkSVG renders g as SVG and checks the picture: XML, standalone, sized,
// with a title for every node and the name of every rule and endpoint.
func checkSVG(t *testing.T, g *Graph) svgRead {
	t.Helper()
	var b bytes.Buffer
	if err := g.SVG(&b); err != nil {
		t.Fatal(err)
	}
	r := readSVG(t, b.Bytes())
	attr := map[string]string{}
	for _, a := range r.root.Attr {
		attr[a.Name.Local] = a.Value
	}
	l := Arrange(g)
	if r.root.Name.Local != "svg" || r.root.Name.Space != "http://www.w3.org/2000/svg" {
		t.Errorf("root element %v", r.root.Name)
	}
	w, errW := strconv.ParseFloat(attr["width"], 64)
	h, errH := strconv.ParseFloat(attr["height"], 64)
	if errW != nil || errH != nil || w < l.Width-0.1 || h < l.Height-0.1 || attr["viewBox"] != "0 0 "+attr["width"]+" "+attr["height"] {
		t.Errorf("width %q, height %q, viewBox %q (layout %vx%v)", attr["width"], attr["height"], attr["viewBox"], l.Width, l.Height)
	}
	if !r.style || r.groups != len(g.Nodes) || len(r.titles) != 1+len(g.Nodes)+len(l.Routes) {
		t.Errorf("style %v, %d node groups, %d titles for %d nodes and %d routes", r.style, r.groups, len(r.titles), len(g.Nodes), len(l.Routes))
	}
	for _, n := range g.Nodes {
		if n.Kind != StartNode && !r.texts[n.Name] {
			t.Errorf("the SVG does not name %s %q", n.Kind, n.Name)
		}
	}
	details := map[string]bool{}
	for _, title := range r.titles {
		details[title] = true
	}
	for _, n := range g.Nodes {
		if !details[n.Details()] {
			t.Errorf("no title %q", n.Details())
		}
	}
	return r
}

func TestSVGDocuments(t *testing.T) {
	eachExample(t, func(t *testing.T, g *Graph) {
		if r := checkSVG(t, g); r.titles[0] != g.Title || !r.texts[g.Title] {
			t.Errorf("titles %q", r.titles)
		}
	})
	for name, d := range compatDocs(t) {
		t.Run(name, func(t *testing.T) { checkSVG(t, New(d)) })
	}
	t.Run("big tree", func(t *testing.T) { checkSVG(t, New(parse(t, bigTree()))) })
}

func TestSVGEscaping(t *testing.T) {
	g := trickyGraph(t)
	r := checkSVG(t, g)
	if r.titles[0] != g.Title || !r.texts[g.Title] || !r.texts["hc: h\"c<&>"] {
		t.Errorf("titles %q, texts %v", r.titles, r.texts)
	}
	// Characters XML cannot hold do not break the document.
	g.Nodes[1].Label[0] = "bell\a"
	g.Nodes[1].Name = "bell\uFFFD"
	checkSVG(t, g)
}

// The parallel edges of the 50-state document are one line, whose label
// lists every state.
func TestSVGParallelEdges(t *testing.T) {
	d := compatDocs(t)["10-datahorders-us-states-geo-2023.json"]
	if d == nil {
		t.Fatal("the 50-state document does not load")
	}
	g := New(d)
	l := Arrange(g)
	var label string
	for _, r := range l.Routes {
		if g.Nodes[r.From].Name == "geo-us-states" && g.Nodes[r.To].Name == "ep-us-east-2" {
			label = strings.Join(r.Label, " ")
		}
		if g.Nodes[r.From].Name == "geo-us-states" && g.Nodes[r.To].Name == "ep-us-west-1" {
			if got := strings.Join(r.Label, " "); got != "default, US-CA, US-NV, US-AZ, US-UT, US-HI, US-WY" || len(r.Edges) != 7 {
				t.Errorf("route to ep-us-west-1: %d edges, label %q", len(r.Edges), got)
			}
		}
	}
	if label != "US-FL" {
		t.Errorf("label to ep-us-east-2 %q", label)
	}
	if len(l.Routes) != 12 {
		t.Errorf("%d routes", len(l.Routes))
	}
	checkSVG(t, g)
}

func TestRouteLabel(t *testing.T) {
	g := &Graph{Edges: []Edge{
		{Label: []string{"Country GB"}}, {Label: []string{"Country IE"}}, {Label: []string{"Continent EU"}},
		{Label: []string{"Country FR", "hc: fr"}}, {Label: []string{"Country DE"}}, {Label: []string{"default"}}, {Label: []string{"Country ES"}},
	}}
	a := &arranger{g: g}
	got := a.routeLabel([]int{0, 1, 2, 3, 4, 5, 6})
	want := []string{"Country GB, IE, Continent EU,", "Country FR hc: fr, Country DE,", "default, Country ES"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("label %q, want %q", got, want)
	}
	if got := a.routeLabel([]int{3}); strings.Join(got, "|") != "Country FR|hc: fr" {
		t.Errorf("one edge's label %q", got)
	}
}
