package main

import (
	"math"
	"slices"
)

// vec is a point on the unit sphere (or a sum of such points).
type vec [3]float64

func toVec(p point) vec {
	lat, lon := p.lat*math.Pi/180, p.lon*math.Pi/180
	return vec{math.Cos(lat) * math.Cos(lon), math.Cos(lat) * math.Sin(lon), math.Sin(lat)}
}

func (v vec) toPoint() point {
	n := math.Sqrt(v.dot(v))
	if n == 0 {
		return point{}
	}
	return point{lat: math.Asin(v[2]/n) * 180 / math.Pi, lon: math.Atan2(v[1], v[0]) * 180 / math.Pi}
}

func (v vec) add(w vec) vec       { return vec{v[0] + w[0], v[1] + w[1], v[2] + w[2]} }
func (v vec) scale(s float64) vec { return vec{v[0] * s, v[1] * s, v[2] * s} }
func (v vec) dot(w vec) float64   { return v[0]*w[0] + v[1]*w[1] + v[2]*w[2] }
func (v vec) cross(w vec) vec {
	return vec{v[1]*w[2] - v[2]*w[1], v[2]*w[0] - v[0]*w[2], v[0]*w[1] - v[1]*w[0]}
}

// crossing returns the longitude at which the edge ab crosses the parallel
// at lat, and whether it does.
func crossing(a, b point, lat float64) (float64, bool) {
	if (a.lat > lat) == (b.lat > lat) {
		return 0, false
	}
	return a.lon + (b.lon-a.lon)*(lat-a.lat)/(b.lat-a.lat), true
}

// moment returns the signed area of a ring in steradians (its sign is the
// ring's winding) and its first moment: the sum over a fan of spherical
// triangles of each triangle's signed area times its centre's direction.
func (r ring) moment() (float64, vec) {
	var area float64
	var m vec
	a := toVec(r[0])
	for k := 1; k+1 < len(r); k++ {
		b, c := toVec(r[k]), toVec(r[k+1])
		// The signed area of the triangle abc (Van Oosterom and Strackee).
		e := 2 * math.Atan2(a.dot(b.cross(c)), 1+a.dot(b)+b.dot(c)+c.dot(a))
		if s := a.add(b).add(c); s.dot(s) > 0 {
			m = m.add(s.scale(e / math.Sqrt(s.dot(s))))
		}
		area += e
	}
	return area, m
}

// moment returns the area of a polygon (its outer ring less its holes)
// and its first moment, whatever the rings' winding.
func (p polygon) moment() (float64, vec) {
	area, m := p[0].moment()
	m = m.scale(math.Copysign(1, area))
	area = math.Abs(area)
	for _, h := range p[1:] {
		ha, hm := h.moment()
		area -= math.Abs(ha)
		m = m.add(hm.scale(-math.Copysign(1, ha)))
	}
	return area, m
}

// unwrapped returns the polygon with continuous longitudes: a ring that
// crosses the antimeridian (Russia's, Fiji's) goes on past ±180 instead of
// jumping by 360 degrees.
func (poly polygon) unwrapped() polygon {
	out := make(polygon, len(poly))
	for i, r := range poly {
		u := make(ring, len(r))
		shift := 0.0
		for j, q := range r {
			if j > 0 {
				switch d := q.lon + shift - u[j-1].lon; {
				case d > 180:
					shift -= 360
				case d < -180:
					shift += 360
				}
			}
			u[j] = point{lat: q.lat, lon: q.lon + shift}
		}
		out[i] = u
	}
	return out
}

// contains reports whether p is inside the polygon, in the plane of
// longitude and latitude (with longitudes unwrapped, and p tried also 360
// degrees east and west): the even-odd rule over all rings.
func (poly polygon) contains(p point) bool {
	u := poly.unwrapped()
	for _, lon := range []float64{p.lon, p.lon - 360, p.lon + 360} {
		in := false
		for _, r := range u {
			for i := 0; i+1 < len(r); i++ {
				if x, ok := crossing(r[i], r[i+1], p.lat); ok && lon < x {
					in = !in
				}
			}
		}
		if in {
			return true
		}
	}
	return false
}

// widestAt returns the middle of the widest stretch of the polygon along
// the parallel at lat, and whether the parallel crosses it.
func (poly polygon) widestAt(lat float64) (point, bool) {
	var xs []float64
	for _, r := range poly.unwrapped() {
		for i := 0; i+1 < len(r); i++ {
			if x, ok := crossing(r[i], r[i+1], lat); ok {
				xs = append(xs, x)
			}
		}
	}
	slices.Sort(xs)
	var best [2]float64
	found := false
	for i := 0; i+1 < len(xs); i += 2 {
		if s := [2]float64{xs[i], xs[i+1]}; !found || s[1]-s[0] > best[1]-best[0] {
			best, found = s, true
		}
	}
	return point{lat: lat, lon: math.Remainder((best[0]+best[1])/2, 360)}, found
}

// representative returns the point of a shape: its area-weighted centroid
// on the sphere when that lies inside the shape; else the centroid of its
// largest polygon when that lies inside it; else the middle of the widest
// stretch of the largest polygon along that centroid's parallel.
func representative(polys []polygon) point {
	var total vec
	largest, largestArea := -1, 0.0
	for i, p := range polys {
		if len(p) == 0 {
			continue
		}
		a, m := p.moment()
		total = total.add(m)
		if largest < 0 || a > largestArea {
			largest, largestArea = i, a
		}
	}
	if largest < 0 {
		return point{math.NaN(), math.NaN()}
	}
	c := total.toPoint()
	for _, p := range polys {
		if len(p) > 0 && p.contains(c) {
			return c
		}
	}
	big := polys[largest]
	_, m := big.moment()
	if c = m.toPoint(); big.contains(c) {
		return c
	}
	if w, ok := big.widestAt(c.lat); ok {
		return w
	}
	return big[0][0]
}
