package policygraph

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// eps absorbs rounding.
const eps = 0.01

func overlap(a, b Box) bool {
	return a.X < b.X+b.W-eps && b.X < a.X+a.W-eps && a.Y < b.Y+b.H-eps && b.Y < a.Y+a.H-eps
}

func inside(p Point, b Box) bool {
	return p.X > b.X+eps && p.X < b.X+b.W-eps && p.Y > b.Y+eps && p.Y < b.Y+b.H-eps
}

// samples returns points along a route's line, as the SVG draws it.
func samples(pts []Point) []Point {
	var out []Point
	for i := 1; i < len(pts); i++ {
		p, q := pts[i-1], pts[i]
		mid := (p.Y + q.Y) / 2
		for k := 0; k <= 20; k++ {
			t := float64(k) / 20
			if p.X == q.X {
				out = append(out, Point{p.X, p.Y + (q.Y-p.Y)*t})
				continue
			}
			// The cubic from p to q with control points (p.X, mid) and (q.X, mid).
			u := 1 - t
			out = append(out, Point{
				u*u*u*p.X + 3*u*u*t*p.X + 3*u*t*t*q.X + t*t*t*q.X,
				u*u*u*p.Y + 3*u*u*t*mid + 3*u*t*t*mid + t*t*t*q.Y,
			})
		}
	}
	return out
}

// checkLayout checks what a layout promises: boxes and labels inside the
// picture and apart, edges from the bottom of their source to the top of
// their target and downwards, lines clear of boxes and labels, layers
// stacked downwards, and every edge drawn once.
func checkLayout(t *testing.T, g *Graph, l *Layout) {
	t.Helper()
	if len(l.Nodes) != len(g.Nodes) {
		t.Fatalf("%d boxes for %d nodes", len(l.Nodes), len(g.Nodes))
	}
	var boxes []Box
	var what []string
	for i, n := range l.Nodes {
		boxes = append(boxes, n.Box)
		what = append(what, "node "+g.Nodes[i].ID)
		w, h := nodeSize(g.Nodes[i].Label)
		if n.W != w || n.H != h {
			t.Errorf("node %s is %vx%v, its label wants %vx%v", g.Nodes[i].ID, n.W, n.H, w, h)
		}
	}
	for _, r := range l.Routes {
		if len(r.Label) > 0 {
			boxes = append(boxes, r.LabelBox)
			what = append(what, fmt.Sprintf("label %q", r.Label))
			for _, line := range r.Label {
				if w := textWidth(line, labelSize, false); w > r.LabelBox.W+eps {
					t.Errorf("label line %q (%.1f wide) overflows its box %+v", line, w, r.LabelBox)
				}
			}
			if r.LabelBox.H < float64(len(r.Label))*labelLine-eps {
				t.Errorf("label %q does not fit its box %+v", r.Label, r.LabelBox)
			}
		}
	}
	for i, b := range boxes {
		if b.X < -eps || b.Y < -eps || b.X+b.W > l.Width+eps || b.Y+b.H > l.Height+eps {
			t.Errorf("%s %+v outside the picture %vx%v", what[i], b, l.Width, l.Height)
		}
		for j := i + 1; j < len(boxes); j++ {
			if overlap(b, boxes[j]) {
				t.Errorf("%s %+v overlaps %s %+v", what[i], b, what[j], boxes[j])
			}
		}
	}
	for i, a := range l.Nodes {
		for j, b := range l.Nodes {
			if a.Layer < b.Layer && a.Y+a.H >= b.Y {
				t.Errorf("node %s (layer %d) is not above node %s (layer %d)", g.Nodes[i].ID, a.Layer, g.Nodes[j].ID, b.Layer)
			}
		}
	}
	drawn := make([]int, len(g.Edges))
	for _, r := range l.Routes {
		from, to := l.Nodes[r.From], l.Nodes[r.To]
		name := g.Nodes[r.From].ID + " -> " + g.Nodes[r.To].ID
		for _, ei := range r.Edges {
			drawn[ei]++
			if e := g.Edges[ei]; e.From != g.Nodes[r.From].ID || e.To != g.Nodes[r.To].ID {
				t.Errorf("route %s draws edge %s -> %s", name, e.From, e.To)
			}
		}
		if len(r.Points) < 2 {
			t.Errorf("route %s has %d points", name, len(r.Points))
			continue
		}
		first, last := r.Points[0], r.Points[len(r.Points)-1]
		if math.Abs(first.Y-(from.Y+from.H)) > eps || first.X < from.X || first.X > from.X+from.W {
			t.Errorf("route %s starts at %+v, not on the bottom of %+v", name, first, from.Box)
		}
		if math.Abs(last.Y-to.Y) > eps || last.X < to.X || last.X > to.X+to.W {
			t.Errorf("route %s ends at %+v, not on the top of %+v", name, last, to.Box)
		}
		if to.Layer <= from.Layer {
			t.Errorf("route %s goes from layer %d to layer %d", name, from.Layer, to.Layer)
		}
		for k := 1; k < len(r.Points); k++ {
			if r.Points[k].Y <= r.Points[k-1].Y {
				t.Errorf("route %s does not run downwards: %v", name, r.Points)
				break
			}
		}
		for _, p := range samples(r.Points) {
			for i, b := range boxes {
				if inside(p, b) {
					t.Errorf("route %s runs through %s at %+v", name, what[i], p)
					break
				}
			}
		}
	}
	for i, n := range drawn {
		if n != 1 {
			t.Errorf("edge %d (%s -> %s) drawn %d times", i, g.Edges[i].From, g.Edges[i].To, n)
		}
	}
}

// primaryLeft checks that the Primary of every failover rule is drawn left
// of its Secondary.
func primaryLeft(t *testing.T, g *Graph, l *Layout) {
	t.Helper()
	index := map[string]int{}
	for i, n := range g.Nodes {
		index[n.ID] = i
	}
	for _, e := range g.Edges {
		if e.Selector != "Primary" {
			continue
		}
		for _, s := range g.Edges {
			if s.From == e.From && s.Selector == "Secondary" {
				p, q := l.Nodes[index[e.To]], l.Nodes[index[s.To]]
				if p.X+p.W/2 >= q.X+q.W/2 {
					t.Errorf("%s: Primary %s (x %v) is not left of Secondary %s (x %v)", e.From, e.To, p.X, s.To, q.X)
				}
			}
		}
	}
}

func TestLayoutTree(t *testing.T) {
	g := New(exampleDoc(t, "tree", 2))
	l := Arrange(g)
	checkLayout(t, g, l)
	primaryLeft(t, g, l)
	layers := map[string]int{}
	for i, n := range g.Nodes {
		layers[n.ID] = l.Nodes[i].Layer
	}
	// Layers are longest paths from the start.
	want := map[string]int{"start": 0, "rule:by-continent": 1, "rule:eu-split": 2, "rule:rest-pair": 2, "rule:eu-blue": 3,
		"endpoint:rest-a": 3, "endpoint:eu-blue-a": 4, "endpoint:eu-green-b": 4}
	for id, layer := range want {
		if layers[id] != layer {
			t.Errorf("%s in layer %d, want %d", id, layers[id], layer)
		}
	}
	if !reflect.DeepEqual(l, Arrange(g)) {
		t.Error("two layouts of one graph differ")
	}
	// Document order, left to right, where nothing else decides.
	var bottom []string
	for i, n := range g.Nodes {
		if l.Nodes[i].Layer == 4 {
			bottom = append(bottom, n.Name)
		}
	}
	slices.SortFunc(bottom, func(a, b string) int {
		return int(l.Nodes[slices.IndexFunc(g.Nodes, func(n Node) bool { return n.Name == a })].X -
			l.Nodes[slices.IndexFunc(g.Nodes, func(n Node) bool { return n.Name == b })].X)
	})
	if !slices.Equal(bottom, []string{"eu-blue-a", "eu-blue-b", "eu-green-a", "eu-green-b"}) {
		t.Errorf("bottom layer left to right: %v", bottom)
	}
}

// Every version of the example store, and every document of policyfile's
// compatibility corpus that loads.
func TestLayoutDocuments(t *testing.T) {
	eachExample(t, func(t *testing.T, g *Graph) { checkLayout(t, g, Arrange(g)) })
	primaryLeft(t, New(exampleDoc(t, "web", 1)), Arrange(New(exampleDoc(t, "web", 1))))
	for name, d := range compatDocs(t) {
		t.Run(name, func(t *testing.T) {
			g := New(d)
			checkLayout(t, g, Arrange(g))
		})
	}
	data, err := os.ReadFile("../policyfile/testdata/realworld/aws-geo-latency-failover-s3.json")
	if err != nil {
		t.Fatal(err)
	}
	g := New(parse(t, string(data)))
	checkLayout(t, g, Arrange(g))
}

// bigTree is a document of 57 nodes: a geo rule over eight weighted rules,
// each over two failover rules over two endpoints.
func bigTree() string {
	var eps, rules []string
	var locs []string
	for i, c := range []string{"AF", "AN", "AS", "EU", "NA", "OC", "SA", "*"} {
		key := "Continent"
		if c == "*" {
			key = "Country"
		}
		locs = append(locs, fmt.Sprintf(`{%q:%q,"RuleReference":"split-%d"}`, key, c, i))
		var items []string
		for j := range 2 {
			f := fmt.Sprintf("pair-%d-%d", i, j)
			items = append(items, fmt.Sprintf(`{"RuleReference":%q,"Weight":%d}`, f, 10*(j+1)))
			rules = append(rules, fmt.Sprintf(`%q:{"RuleType":"failover","Primary":{"EndpointReference":"%s-p","HealthCheck":"hc-%s"},"Secondary":{"EndpointReference":"%s-s"}}`, f, f, f, f))
			eps = append(eps, fmt.Sprintf(`"%s-p":{"Type":"value","Value":"192.0.2.%d"}`, f, 4*i+2*j+1),
				fmt.Sprintf(`"%s-s":{"Type":"value","Value":"192.0.2.%d"}`, f, 4*i+2*j+2))
		}
		rules = append(rules, fmt.Sprintf(`"split-%d":{"RuleType":"weighted","Items":[%s]}`, i, strings.Join(items, ",")))
	}
	rules = append(rules, fmt.Sprintf(`"by-continent":{"RuleType":"geo","Locations":[%s]}`, strings.Join(locs, ",")))
	return `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"by-continent","Endpoints":{` + strings.Join(eps, ",") +
		`},"Rules":{` + strings.Join(rules, ",") + `}}`
}

func TestLayoutBigTree(t *testing.T) {
	g := New(parse(t, bigTree()))
	if len(g.Nodes) != 58 {
		t.Fatalf("%d nodes", len(g.Nodes))
	}
	l := Arrange(g)
	checkLayout(t, g, l)
	primaryLeft(t, g, l)
	// A tree is drawn without crossings: the continents' rules left to
	// right in document order.
	prev := -1.0
	for i, n := range g.Nodes {
		if strings.HasPrefix(n.Name, "split-") {
			if l.Nodes[i].X <= prev {
				t.Errorf("%s is not right of the split before it", n.Name)
			}
			prev = l.Nodes[i].X
		}
	}
}

// Graphs New does not make: a cycle is drawn upwards; edges to unknown
// nodes and to the node itself are left out.
func TestLayoutHandMade(t *testing.T) {
	g := &Graph{
		Nodes: []Node{{ID: "start", Kind: StartNode, Label: []string{"start"}}, {ID: "rule:a", Kind: RuleNode, Type: "failover", Label: []string{"a", "failover"}},
			{ID: "rule:b", Kind: RuleNode, Type: "weighted", Label: []string{"b", "weighted"}}},
		Edges: []Edge{{From: "start", To: "rule:a"}, {From: "rule:a", To: "rule:b", Label: []string{"Primary"}},
			{From: "rule:b", To: "rule:a", Label: []string{"weight 1 (100%)"}}, {From: "rule:a", To: "rule:a"}, {From: "rule:b", To: "rule:nowhere"}},
	}
	l := Arrange(g)
	if len(l.Routes) != 3 {
		t.Fatalf("routes %+v", l.Routes)
	}
	back := l.Routes[2]
	from, to := l.Nodes[back.From], l.Nodes[back.To]
	first, last := back.Points[0], back.Points[len(back.Points)-1]
	if back.From != 2 || back.To != 1 || first.Y != from.Y || last.Y != to.Y+to.H {
		t.Errorf("the edge closing the cycle: %+v (from %+v to %+v)", back, from, to)
	}
}

// The layout of the 50-state document, written for a look when
// TRAFFICFLOW_GRAPH_DIR is set.
func TestLayoutWrite(t *testing.T) {
	dir := os.Getenv("TRAFFICFLOW_GRAPH_DIR")
	if dir == "" {
		t.Skip("TRAFFICFLOW_GRAPH_DIR is not set")
	}
	docs := compatDocs(t)
	docs["big-tree"] = parse(t, bigTree())
	for name, d := range docs {
		f, err := os.Create(filepath.Join(dir, strings.TrimSuffix(name, ".json")+".svg"))
		if err != nil {
			t.Fatal(err)
		}
		g := New(d)
		g.Title = name
		if err := g.SVG(f); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
}
