package editor

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/miekg/dns"

	"github.com/trafficflow/trafficflow/evaluate"
	"github.com/trafficflow/trafficflow/policyfile"
)

// gridStep is the size of a map grid cell, in degrees.
const gridStep = 2

// mapJSON is what a version routes where, computed by the evaluator (so
// with the bias formula in force): the endpoints each country and US
// state reaches (geo rules), and the winner of each grid cell
// (geoproximity and latency by distance). Every health check is healthy.
type mapJSON struct {
	Endpoints []string `json:"endpoints"`
	// Countries and States map an ISO code (GB; CA for US-CA) to the
	// probability of each endpoint (by index) reaching it: a weighted rule
	// below splits it.
	Countries map[string]map[int]float64 `json:"countries,omitempty"`
	States    map[string]map[int]float64 `json:"states,omitempty"`
	Grid      *gridJSON                  `json:"grid,omitempty"`
	// Sites are the points of geoproximity and latency items.
	Sites []siteJSON `json:"sites,omitempty"`
}

// gridJSON covers the world in cells of Step degrees, row by row from the
// south-west corner; each cell holds the index of the endpoint most likely
// to answer a client at its centre (-1: no answer).
type gridJSON struct {
	Step  float64 `json:"step"`
	Rows  int     `json:"rows"`
	Cols  int     `json:"cols"`
	Cells []int   `json:"cells"`
}

type siteJSON struct {
	Rule     string  `json:"rule"`
	Item     int     `json:"item"`
	Path     string  `json:"path"`
	Label    string  `json:"label"`
	Bias     int     `json:"bias"`
	Lat      float64 `json:"lat"`
	Lon      float64 `json:"lon"`
	Endpoint string  `json:"endpoint,omitempty"`
}

// geomap: POST /api/map with {"Document": {...}} (a saved version's or a
// draft's), recomputed as the draft changes.
func (s *Server) geomap(w http.ResponseWriter, r *http.Request) {
	var req struct{ Document json.RawMessage }
	if !readJSON(w, r, &req) {
		return
	}
	doc, probs := policyfile.ParseDocument(req.Document, false, false)
	if doc == nil {
		writeError(w, http.StatusUnprocessableEntity, "the document is invalid: fix its errors to draw its map", probs)
		return
	}
	p, err := evaluate.Compile(doc, evaluate.Options{BiasFormula: s.tests.BiasFormula})
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error(), nil)
		return
	}
	out := mapJSON{}
	for _, e := range p.Endpoints() {
		out.Endpoints = append(out.Endpoints, e.ID)
	}
	var geoRules, distance bool
	for _, r := range doc.Reachable() {
		switch r.Type {
		case policyfile.Geo:
			geoRules = true
		case policyfile.Geoproximity, policyfile.Latency:
			distance = true
			for i, it := range r.Items {
				out.Sites = append(out.Sites, siteJSON{Rule: r.ID, Item: i, Path: it.Path, Label: siteLabel(it), Bias: it.Bias,
					Lat: it.Point.Lat, Lon: it.Point.Lon, Endpoint: it.Endpoint})
			}
		}
	}
	dist := func(c evaluate.Client) map[int]float64 {
		m := map[int]float64{}
		for i, pr := range p.Distribution(&evaluate.Query{Client: &c}) {
			if pr > 0 {
				m[i] = pr
			}
		}
		return m
	}
	if geoRules {
		out.Countries, out.States = map[string]map[int]float64{}, map[string]map[int]float64{}
		for _, cc := range policyfile.Countries() {
			out.Countries[cc] = dist(evaluate.NewClient(cc, "", policyfile.ContinentOf(cc), false, 0, 0))
		}
		for _, st := range policyfile.USStates() {
			out.States[st] = dist(evaluate.NewClient("US", st, "NA", false, 0, 0))
		}
	}
	if distance {
		g := &gridJSON{Step: gridStep, Rows: 180 / gridStep, Cols: 360 / gridStep}
		for row := range g.Rows {
			for col := range g.Cols {
				lat, lon := -90+(float64(row)+0.5)*gridStep, -180+(float64(col)+0.5)*gridStep
				d := p.Distribution(&evaluate.Query{Client: new(evaluate.NewClient("", "", "", true, lat, lon))})
				best := -1
				for i, pr := range d {
					if pr > 0 && (best < 0 || pr > d[best]) {
						best = i
					}
				}
				g.Cells = append(g.Cells, best)
			}
		}
		out.Grid = g
	}
	writeJSON(w, http.StatusOK, out)
}

func siteLabel(it *policyfile.Item) string {
	if it.Region != "" {
		return it.Region
	}
	return "coordinates"
}

// getGeodata: GET /api/geodata, the lists the forms offer: Route 53's
// continents, countries (with their continent), US states, regions and
// Local Zone metros (with their points), and the record types.
func (s *Server) getGeodata(w http.ResponseWriter, r *http.Request) {
	countries := map[string]string{}
	for _, cc := range policyfile.Countries() {
		countries[cc] = policyfile.ContinentOf(cc)
	}
	var types []string
	for _, t := range []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeCAA, dns.TypeCNAME, dns.TypeMX, dns.TypeNAPTR, dns.TypePTR,
		dns.TypeSPF, dns.TypeSRV, dns.TypeTXT, dns.TypeSSHFP, dns.TypeTLSA, dns.TypeSVCB, dns.TypeHTTPS} {
		types = append(types, dns.TypeToString[t])
	}
	regions := policyfile.RegionPoints()
	writeJSON(w, http.StatusOK, map[string]any{
		"continents": policyfile.Continents, "countries": countries, "usStates": policyfile.USStates(),
		"regions":      slices.Sorted(maps.Keys(regions)),
		"regionPoints": regions, "localZoneMetros": policyfile.LocalZoneMetros(), "recordTypes": types,
	})
}

// dnsType reads a record type's name.
func dnsType(s string) (uint16, bool) {
	t, ok := dns.StringToType[strings.ToUpper(s)]
	return t, ok
}
