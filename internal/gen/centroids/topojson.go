package main

import (
	"encoding/json"
	"fmt"
	"math"
)

// topology is the part of a TopoJSON file the generator reads
// (https://github.com/topojson/topojson-specification).
type topology struct {
	Transform *struct {
		Scale     [2]float64 `json:"scale"`
		Translate [2]float64 `json:"translate"`
	} `json:"transform"`
	Arcs    [][][2]float64 `json:"arcs"`
	Objects map[string]struct {
		Geometries []struct {
			Type       string                `json:"type"`
			ID         any                   `json:"id"`
			Properties struct{ Name string } `json:"properties"`
			Arcs       json.RawMessage       `json:"arcs"`
		} `json:"geometries"`
	} `json:"objects"`
}

// point is a position in degrees.
type point struct{ lat, lon float64 }

// ring is a closed ring of points (the last equals the first).
type ring []point

// polygon is an outer ring and its holes.
type polygon []ring

// shapes decodes the polygons of each geometry of object, keyed by what
// code returns for the geometry's id and name; geometries for which it
// returns "" are left out, and those with the same code are merged.
func shapes(data []byte, object string, code func(id, name string) string) (map[string][]polygon, error) {
	var t topology
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, err
	}
	obj, ok := t.Objects[object]
	if !ok {
		return nil, fmt.Errorf("no object %q", object)
	}
	arcs := make([][]point, len(t.Arcs))
	for i, a := range t.Arcs {
		var x, y float64
		for _, p := range a {
			if t.Transform == nil {
				arcs[i] = append(arcs[i], point{lat: p[1], lon: p[0]})
				continue
			}
			x, y = x+p[0], y+p[1] // delta-encoded, quantized
			arcs[i] = append(arcs[i], point{lat: y*t.Transform.Scale[1] + t.Transform.Translate[1], lon: x*t.Transform.Scale[0] + t.Transform.Translate[0]})
		}
	}
	toRing := func(indexes []int) ring {
		var r ring
		for k, i := range indexes {
			var a []point
			if i >= 0 {
				a = arcs[i]
			} else {
				src := arcs[^i]
				a = make([]point, len(src))
				for j := range src {
					a[j] = src[len(src)-1-j]
				}
			}
			if k > 0 {
				a = a[1:] // the first point repeats the previous arc's last
			}
			r = append(r, a...)
		}
		return r
	}
	out := map[string][]polygon{}
	for _, g := range obj.Geometries {
		id := ""
		if g.ID != nil {
			id = fmt.Sprint(g.ID)
		}
		c := code(id, g.Properties.Name)
		if c == "" {
			continue
		}
		var polys [][][]int
		switch g.Type {
		case "Polygon":
			var p [][]int
			if err := json.Unmarshal(g.Arcs, &p); err != nil {
				return nil, err
			}
			polys = [][][]int{p}
		case "MultiPolygon":
			if err := json.Unmarshal(g.Arcs, &polys); err != nil {
				return nil, err
			}
		default:
			continue // no area
		}
		for _, p := range polys {
			var poly polygon
			for _, r := range p {
				poly = append(poly, toRing(r))
			}
			out[c] = append(out[c], poly)
		}
	}
	return out, nil
}

// points computes the representative point of every shape of object.
func points(data []byte, object string, code func(id, name string) string) (map[string]point, error) {
	s, err := shapes(data, object, code)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", object, err)
	}
	out := make(map[string]point, len(s))
	for c, polys := range s {
		if p := representative(polys); !math.IsNaN(p.lat) {
			out[c] = p
		}
	}
	return out, nil
}
