package policydiff

import (
	"slices"

	"github.com/trafficflow/trafficflow/evaluate"
	"github.com/trafficflow/trafficflow/policyfile"
)

// Kinds of clients.
const (
	continentClient = iota
	countryClient
	subdivisionClient
	noLocationClient
)

// client is a representative client of one location.
type client struct {
	// label names it in the output: "GB", "US-CA", "continent EU", "no
	// location".
	label string
	// continent is the client's continent as evaluation sees it, "" for
	// none.
	continent string
	kind      int
	c         evaluate.Client
}

// clients returns a client for every location the documents' rules can
// tell apart: each continent, each country of Route 53's table and each US
// state, each other subdivision a geo rule names, and a client without
// location data. Countries and subdivisions stand at their
// representative points; when points matters (a version reaches a
// geoproximity or latency rule), those without a point are left out and
// returned as skipped.
func clients(docs []*policyfile.Document, points bool) (list []client, skipped []string) {
	for _, cont := range continentCodes {
		list = append(list, client{label: "continent " + cont, continent: cont, kind: continentClient, c: evaluate.NewClient("", "", cont, false, 0, 0)})
	}
	subs := map[string][]string{"US": policyfile.USStates()}
	for _, d := range docs {
		for _, r := range d.Rules {
			if r.Type != policyfile.Geo {
				continue
			}
			for _, it := range r.Items {
				// Route 53 has the US states; a subdivision of another
				// country is matched against the GeoIP database's code.
				// Countries outside Route 53's table never match.
				if it.Subdivision != "" && it.Country != "US" && policyfile.ContinentOf(it.Country) != "" && !slices.Contains(subs[it.Country], it.Subdivision) {
					subs[it.Country] = append(subs[it.Country], it.Subdivision)
				}
			}
		}
	}
	place := func(label, country, sub string, p policyfile.LatLon, ok bool, kind int) {
		if points && !ok {
			skipped = append(skipped, label)
			return
		}
		c := evaluate.NewClient(country, sub, "", ok, p.Lat, p.Lon)
		list = append(list, client{label: label, continent: c.Continent(), kind: kind, c: c})
	}
	for _, cc := range policyfile.Countries() {
		p, ok := policyfile.CountryPoint(cc)
		place(cc, cc, "", p, ok, countryClient)
		slices.Sort(subs[cc])
		for _, s := range subs[cc] {
			sp, sok := policyfile.SubdivisionPoint(cc, s)
			if !sok {
				sp, sok = p, ok // a subdivision without a point of its own stands at its country's
			}
			place(cc+"-"+s, cc, s, sp, sok, subdivisionClient)
		}
	}
	list = append(list, client{label: noLocation, kind: noLocationClient})
	return list, skipped
}

// noLocation is the label of the client without location data.
const noLocation = "no location"

// continentCodes are Route 53's continents in the order the output lists
// them.
var continentCodes = []string{"AF", "AN", "AS", "EU", "NA", "OC", "SA"}

// usesDistance reports whether a document's start reaches a geoproximity
// or latency rule, which decides by the client's coordinates.
func usesDistance(d *policyfile.Document) bool {
	for _, r := range d.Reachable() {
		if r.Type == policyfile.Geoproximity || r.Type == policyfile.Latency {
			return true
		}
	}
	return false
}
