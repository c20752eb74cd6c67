package policygraph

import (
	"math"
	"slices"
	"strings"
)

// Point is a position in the picture, in pixels, with y growing
// downwards.
type Point struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// Box is a rectangle: its top left corner, width and height.
type Box struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
	W float64 `json:"w"`
	H float64 `json:"h"`
}

// Layout is where Arrange puts the nodes and edges of a graph.
type Layout struct {
	// Width and Height are the size of the picture, margins included.
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
	// Nodes are the boxes of the graph's nodes, index for index.
	Nodes []NodeBox `json:"nodes"`
	// Routes are the lines drawn: one for each pair of nodes that edges
	// join, in the order of their first edge.
	Routes []Route `json:"routes"`
}

// NodeBox is the place of a node.
type NodeBox struct {
	Box
	// Layer is the node's longest path from the start (the start is in
	// layer 0); layers are stacked downwards.
	Layer int `json:"layer"`
}

// Route is the line of one or more parallel edges.
type Route struct {
	// From and To index the graph's nodes.
	From int `json:"from"`
	To   int `json:"to"`
	// Edges index the graph's edges the line stands for: one, or several
	// items of one rule that reference the same rule or endpoint.
	Edges []int `json:"edges"`
	// Points run from the bottom side of From's box to the top side of To's
	// box (for an edge that closes a cycle, from the top of From up to the
	// bottom of To). Two consecutive points with the same X are joined by a straight
	// line, others by a curve that leaves and arrives vertically.
	Points []Point `json:"points"`
	// Label holds the lines of the label: the edge's label, or the
	// selectors of parallel edges, several to a line.
	Label []string `json:"label,omitempty"`
	// LabelBox is where the label's text goes, just right of the line
	// (zero when there is no label).
	LabelBox Box `json:"labelBox"`
}

// Sizes, in pixels.
const (
	nameSize   = 13.0 // the first line of a node's label, bold
	detailSize = 11.5 // the other lines of a node's label
	labelSize  = 11.0 // edge labels
	nameLine   = 17.0
	detailLine = 15.0
	labelLine  = 14.0
	padX       = 11.0 // inside a node's box, left and right
	padY       = 7.0  // inside a node's box, above and below
	minNodeW   = 56.0
	labelPad   = 5.0   // between an edge's line and its label
	nodeGap    = 24.0  // between two nodes of a layer
	lineGap    = 12.0  // between an edge's line or label and its neighbours
	margin     = 20.0  // around the picture
	maxLabelW  = 170.0 // parallel edges' selectors wrap at this width
	minBandGap = 20.0  // the least vertical gap between bands
	maxBandGap = 96.0
	portStep   = 26.0 // the widest spacing of lines leaving or entering a box side
	portInset  = 12.0 // how far from a box's corners lines leave or enter
)

// vertex is a node, or a virtual point of a route in a band between two of
// its nodes' layers. Nodes of layer L are in band 2L; the bands between
// hold the routes' points, the first one below the source carrying the
// label.
type vertex struct {
	node   int // index of the node, or -1
	route  int // index of the route of a virtual point, or -1
	band   int
	w, h   float64
	anchor float64 // where lines attach, from the left side
	up     []int   // links to the band above
	down   []int   // links to the band below
	pos    int     // place in the band, from the left
	first  int     // place in the first, depth-first order
	x      float64 // the anchor's x
	y      float64 // the top
}

// link joins vertices of neighbouring bands; out and in are where the
// line leaves u and enters v, from their anchors.
type link struct {
	u, v    int
	out, in float64
}

type route struct {
	from, to int // node indices as drawn, top to bottom
	reversed bool
	edges    []int
	label    []string
	chain    []int // vertices, top to bottom
}

type arranger struct {
	g      *Graph
	verts  []vertex
	links  []link
	routes []route
	bands  [][]int
	layer  []int
}

// Arrange lays the graph out top-down in layers (see the package
// documentation). It expects the DAG New makes; should an edge close a
// cycle it is drawn upwards, and edges naming unknown nodes or joining a
// node to itself are left out.
func Arrange(g *Graph) *Layout {
	a := &arranger{g: g}
	a.makeRoutes()
	a.makeLayers()
	a.makeVertices()
	a.order()
	a.ports()
	a.placeX()
	bandTop, bandH := a.placeY()
	return a.result(bandTop, bandH)
}

// makeRoutes groups parallel edges, and finds the ones that close a cycle.
func (a *arranger) makeRoutes() {
	index := make(map[string]int, len(a.g.Nodes))
	for i, n := range a.g.Nodes {
		index[n.ID] = i
	}
	type pair struct{ from, to int }
	seen := map[pair]int{}
	for i, e := range a.g.Edges {
		from, ok1 := index[e.From]
		to, ok2 := index[e.To]
		if !ok1 || !ok2 || from == to {
			continue
		}
		p := pair{from, to}
		if r, ok := seen[p]; ok {
			a.routes[r].edges = append(a.routes[r].edges, i)
			continue
		}
		seen[p] = len(a.routes)
		a.routes = append(a.routes, route{from: from, to: to, edges: []int{i}})
	}
	for i := range a.routes {
		a.routes[i].label = a.routeLabel(a.routes[i].edges)
	}
	// Depth-first from each node in order (the start first): an edge to a
	// node on the stack closes a cycle, and is laid out reversed.
	out := make([][]int, len(a.g.Nodes))
	for i, r := range a.routes {
		out[r.from] = append(out[r.from], i)
	}
	state := make([]int, len(a.g.Nodes)) // 0 new, 1 on the stack, 2 done
	var visit func(n int)
	visit = func(n int) {
		state[n] = 1
		for _, ri := range out[n] {
			r := &a.routes[ri]
			switch state[r.to] {
			case 0:
				visit(r.to)
			case 1:
				r.reversed = true
				r.from, r.to = r.to, r.from
			}
		}
		state[n] = 2
	}
	for n := range a.g.Nodes {
		if state[n] == 0 {
			visit(n)
		}
	}
}

// routeLabel is the label of a route: an edge's own lines, or for
// parallel edges their selectors (each edge's lines on one line, a word
// the one before starts with left out) packed several to a line.
func (a *arranger) routeLabel(edges []int) []string {
	if len(edges) == 1 {
		return a.g.Edges[edges[0]].Label
	}
	var lines []string
	cur, kind := "", ""
	for _, ei := range edges {
		entry := strings.Join(a.g.Edges[ei].Label, " ")
		if entry == "" {
			continue
		}
		// "Country GB, Country IE" reads as "Country GB, IE".
		if f := strings.Fields(entry); len(f) == 2 {
			if f[0] == kind {
				entry = f[1]
			}
			kind = f[0]
		} else {
			kind = ""
		}
		if cur != "" && textWidth(cur+", "+entry, labelSize, false) > maxLabelW {
			lines = append(lines, cur+",")
			cur = ""
		}
		if cur != "" {
			cur += ", "
		}
		cur += entry
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

// makeLayers gives every node its longest path from a node without
// incoming routes (the start).
func (a *arranger) makeLayers() {
	n := len(a.g.Nodes)
	a.layer = make([]int, n)
	indeg := make([]int, n)
	out := make([][]int, n)
	for _, r := range a.routes {
		indeg[r.to]++
		out[r.from] = append(out[r.from], r.to)
	}
	var queue []int
	for i := range n {
		if indeg[i] == 0 {
			queue = append(queue, i)
		}
	}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for _, v := range out[u] {
			a.layer[v] = max(a.layer[v], a.layer[u]+1)
			if indeg[v]--; indeg[v] == 0 {
				queue = append(queue, v)
			}
		}
	}
}

// makeVertices makes a vertex for every node, and the chain of virtual
// points of every route.
func (a *arranger) makeVertices() {
	bands := 0
	for i, n := range a.g.Nodes {
		w, h := nodeSize(n.Label)
		a.verts = append(a.verts, vertex{node: i, route: -1, band: 2 * a.layer[i], w: w, h: h, anchor: w / 2})
		bands = max(bands, 2*a.layer[i]+1)
	}
	for ri := range a.routes {
		r := &a.routes[ri]
		prev := r.from
		r.chain = []int{r.from}
		for band := 2*a.layer[r.from] + 1; band < 2*a.layer[r.to]; band++ {
			v := vertex{node: -1, route: ri, band: band}
			if band == 2*a.layer[r.from]+1 && len(r.label) > 0 {
				for _, l := range r.label {
					v.w = max(v.w, labelPad+textWidth(l, labelSize, false))
				}
				v.h = float64(len(r.label)) * labelLine
			}
			a.verts = append(a.verts, v)
			cur := len(a.verts) - 1
			a.link(prev, cur)
			r.chain = append(r.chain, cur)
			prev = cur
		}
		a.link(prev, r.to)
		r.chain = append(r.chain, r.to)
	}
	a.bands = make([][]int, bands)
}

func (a *arranger) link(u, v int) {
	a.links = append(a.links, link{u: u, v: v})
	a.verts[u].down = append(a.verts[u].down, len(a.links)-1)
	a.verts[v].up = append(a.verts[v].up, len(a.links)-1)
}

// nodeSize is the size of a node's box for its label.
func nodeSize(label []string) (w, h float64) {
	w = minNodeW
	for i, l := range label {
		if i == 0 {
			w = max(w, textWidth(l, nameSize, true)+2*padX)
			h += nameLine
		} else {
			w = max(w, textWidth(l, detailSize, false)+2*padX)
			h += detailLine
		}
	}
	return math.Ceil(w), h + 2*padY
}

// order puts the vertices of each band in an order with few crossings:
// first depth-first in document order, then improved by barycenter sweeps,
// keeping the best order found (the first one when none is better).
func (a *arranger) order() {
	var visit func(v int)
	visited := make([]bool, len(a.verts))
	visit = func(v int) {
		if visited[v] {
			return
		}
		visited[v] = true
		b := a.verts[v].band
		a.verts[v].first = len(a.bands[b])
		a.bands[b] = append(a.bands[b], v)
		for _, l := range a.verts[v].down {
			visit(a.links[l].v)
		}
	}
	for i := range a.g.Nodes {
		if len(a.verts[i].up) == 0 {
			visit(i)
		}
	}
	for v := range a.verts { // only on a cycle the reversal did not break
		visit(v)
	}
	a.numberBands()
	best, bestCross := a.snapshot(), a.crossings()
	for range 12 {
		if bestCross == 0 {
			break
		}
		for _, down := range []bool{true, false} {
			a.sweep(down)
			if c := a.crossings(); c < bestCross {
				best, bestCross = a.snapshot(), c
			}
		}
	}
	a.bands = best
	a.numberBands()
}

func (a *arranger) numberBands() {
	for _, band := range a.bands {
		for i, v := range band {
			a.verts[v].pos = i
		}
	}
}

func (a *arranger) snapshot() [][]int {
	out := make([][]int, len(a.bands))
	for i, b := range a.bands {
		out[i] = slices.Clone(b)
	}
	return out
}

// sweep reorders each band by the barycenters of its neighbours in the band
// above (down) or below. A line leaving a vertex counts a little right of
// the vertex for each item before it, so that a rule's items keep their
// order; ties keep the first order.
func (a *arranger) sweep(down bool) {
	order := make([]int, 0, len(a.bands))
	for b := range a.bands {
		if down {
			order = append(order, b)
		} else {
			order = append(order, len(a.bands)-1-b)
		}
	}
	bary := make([]float64, len(a.verts))
	for _, b := range order[1:] {
		for _, v := range a.bands[b] {
			vx := &a.verts[v]
			links := vx.down
			if down {
				links = vx.up
			}
			if len(links) == 0 {
				bary[v] = float64(vx.pos)
				continue
			}
			sum := 0.0
			for _, l := range links {
				if down {
					u := &a.verts[a.links[l].u]
					k := slices.Index(u.down, l)
					sum += float64(u.pos) + (float64(k+1)/float64(len(u.down)+1)-0.5)*0.9
				} else {
					sum += float64(a.verts[a.links[l].v].pos)
				}
			}
			bary[v] = sum / float64(len(links))
		}
		slices.SortStableFunc(a.bands[b], func(p, q int) int {
			if bary[p] != bary[q] {
				if bary[p] < bary[q] {
					return -1
				}
				return 1
			}
			return a.verts[p].first - a.verts[q].first
		})
		for i, v := range a.bands[b] {
			a.verts[v].pos = i
		}
	}
}

// crossings counts the pairs of links that cross.
func (a *arranger) crossings() int {
	n := 0
	for _, band := range a.bands {
		var ls []link
		for _, v := range band {
			for _, l := range a.verts[v].down {
				ls = append(ls, a.links[l])
			}
		}
		for i := range ls {
			for j := i + 1; j < len(ls); j++ {
				du := a.verts[ls[i].u].pos - a.verts[ls[j].u].pos
				dv := a.verts[ls[i].v].pos - a.verts[ls[j].v].pos
				if du < 0 && dv > 0 || du > 0 && dv < 0 {
					n++
				}
			}
		}
	}
	return n
}

// ports spreads the lines that leave the bottom of a node, or enter its
// top, along that side in the order of their other ends.
func (a *arranger) ports() {
	for vi := range a.verts {
		v := &a.verts[vi]
		if v.node < 0 {
			continue
		}
		spread := func(ls []int, other func(link) int, set func(*link, float64)) {
			sorted := slices.Clone(ls)
			slices.SortStableFunc(sorted, func(p, q int) int {
				return a.verts[other(a.links[p])].pos - a.verts[other(a.links[q])].pos
			})
			n := len(sorted)
			step := 0.0
			if n > 1 {
				step = min(portStep, (v.w-2*portInset)/float64(n-1))
			}
			for k, l := range sorted {
				set(&a.links[l], (float64(k)-float64(n-1)/2)*step)
			}
		}
		spread(v.down, func(l link) int { return l.v }, func(l *link, off float64) { l.out = off })
		spread(v.up, func(l link) int { return l.u }, func(l *link, off float64) { l.in = off })
	}
}

// placeX gives every vertex an x: each band keeps its order and spacing,
// and vertices are pulled alternately under the vertices above them and
// over the ones below, so that lines run as straight as they can.
func (a *arranger) placeX() {
	for _, band := range a.bands {
		x := 0.0
		for i, v := range band {
			if i > 0 {
				x += a.sep(band[i-1], v)
			}
			a.verts[v].x = x
		}
		for _, v := range band {
			a.verts[v].x -= x / 2
		}
	}
	for range 24 {
		for b := 1; b < len(a.bands); b++ {
			a.pull(b, true)
		}
		for b := len(a.bands) - 2; b >= 0; b-- {
			a.pull(b, false)
		}
	}
	minX := math.Inf(1)
	for _, v := range a.verts {
		minX = min(minX, v.x-v.anchor)
	}
	for i := range a.verts {
		a.verts[i].x += margin - minX
	}
}

// sep is the least distance between the anchors of neighbours p and q (p
// left of q).
func (a *arranger) sep(p, q int) float64 {
	vp, vq := &a.verts[p], &a.verts[q]
	gap := lineGap
	if vp.node >= 0 && vq.node >= 0 {
		gap = nodeGap
	}
	return vp.w - vp.anchor + gap + vq.anchor
}

// pull moves the vertices of a band towards the x their neighbours above
// (down) or below want, keeping their order and spacing: the closest
// placement in the least-squares sense, found by pooling adjacent
// violators.
func (a *arranger) pull(b int, down bool) {
	band := a.bands[b]
	type block struct {
		sum, weight float64
		n           int
	}
	var blocks []block
	offset := 0.0
	for i, v := range band {
		if i > 0 {
			offset += a.sep(band[i-1], v)
		}
		vx := &a.verts[v]
		want, weight := vx.x, 0.0
		links := vx.down
		if down {
			links = vx.up
		}
		if len(links) > 0 {
			sum := 0.0
			for _, li := range links {
				l := a.links[li]
				if down {
					sum += a.verts[l.u].x + l.out - l.in
				} else {
					sum += a.verts[l.v].x + l.in - l.out
				}
			}
			want, weight = sum/float64(len(links)), 1
			if vx.node < 0 {
				weight = 2 // straight long lines matter more
			}
		} else {
			weight = 0.01 // stay where it is, unless pushed
		}
		blocks = append(blocks, block{(want - offset) * weight, weight, 1})
		for len(blocks) > 1 {
			p, q := blocks[len(blocks)-2], blocks[len(blocks)-1]
			if p.sum/p.weight <= q.sum/q.weight {
				break
			}
			blocks = append(blocks[:len(blocks)-2], block{p.sum + q.sum, p.weight + q.weight, p.n + q.n})
		}
	}
	i := 0
	offset = 0
	for _, bl := range blocks {
		for range bl.n {
			if i > 0 {
				offset += a.sep(band[i-1], band[i])
			}
			a.verts[band[i]].x = bl.sum/bl.weight + offset
			i++
		}
	}
}

// placeY stacks the bands, each as high as its highest vertex, with gaps
// that grow with how far lines travel sideways across them; it centres
// nodes in their band and puts labels at its top, close to their source. It returns each band's top and height.
func (a *arranger) placeY() (top, height []float64) {
	top = make([]float64, len(a.bands))
	height = make([]float64, len(a.bands))
	y := margin
	for b, band := range a.bands {
		if b > 0 {
			dx := 0.0
			for _, v := range a.bands[b-1] {
				for _, li := range a.verts[v].down {
					l := a.links[li]
					dx = max(dx, math.Abs(a.verts[l.v].x+l.in-a.verts[l.u].x-l.out))
				}
			}
			y += min(maxBandGap, max(minBandGap, dx/3.5))
		}
		top[b] = y
		for _, v := range band {
			height[b] = max(height[b], a.verts[v].h)
		}
		for _, v := range band {
			a.verts[v].y = y
			if a.verts[v].node >= 0 {
				a.verts[v].y += (height[b] - a.verts[v].h) / 2
			}
		}
		y += height[b]
	}
	return top, height
}

// result reads the layout off the vertices.
func (a *arranger) result(bandTop, bandH []float64) *Layout {
	l := &Layout{}
	for i := range a.g.Nodes {
		v := &a.verts[i]
		l.Nodes = append(l.Nodes, NodeBox{Box: Box{X: v.x - v.anchor, Y: v.y, W: v.w, H: v.h}, Layer: a.layer[i]})
	}
	for _, v := range a.verts {
		l.Width = max(l.Width, v.x-v.anchor+v.w+margin)
		l.Height = max(l.Height, v.y+v.h+margin)
	}
	for _, r := range a.routes {
		var pts []Point
		add := func(x, y float64) { // leaving out repeated and straight-through points
			n := len(pts)
			switch {
			case n > 0 && pts[n-1] == Point{x, y}:
			case n > 1 && pts[n-1].X == x && pts[n-2].X == x:
				pts[n-1].Y = y
			default:
				pts = append(pts, Point{x, y})
			}
		}
		var lb Box
		for k, vi := range r.chain {
			v := &a.verts[vi]
			switch {
			case k == 0:
				x := v.x + a.links[v.down[slices.IndexFunc(v.down, func(li int) bool { return a.links[li].v == r.chain[1] })]].out
				add(x, v.y+v.h)
				add(x, bandTop[v.band]+bandH[v.band])
			case k == len(r.chain)-1:
				x := v.x + a.links[v.up[slices.IndexFunc(v.up, func(li int) bool { return a.links[li].u == r.chain[k-1] })]].in
				add(x, bandTop[v.band])
				add(x, v.y)
			default:
				add(v.x, bandTop[v.band])
				add(v.x, bandTop[v.band]+bandH[v.band])
				if k == 1 && len(r.label) > 0 {
					lb = Box{X: v.x + labelPad, Y: v.y, W: v.w - labelPad, H: v.h}
				}
			}
		}
		from, to := r.from, r.to
		if r.reversed {
			slices.Reverse(pts)
			from, to = to, from
		}
		l.Routes = append(l.Routes, Route{From: from, To: to, Edges: r.edges, Points: pts, Label: r.label, LabelBox: lb})
	}
	return l
}
