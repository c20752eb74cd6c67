package policyfile

import (
	"strings"

	"github.com/trafficflow/trafficflow/internal/jsontree"
)

// Locations gives the points trafficflow uses for AWS regions and Local
// Zones: the built-in approximations, overridden or extended by the
// store's locations.json.
type Locations struct {
	regions    map[string]LatLon
	localZones map[string]LatLon
}

// Region returns the point of a region code.
func (l *Locations) Region(code string) (LatLon, bool) {
	if p, ok := l.regions[code]; ok {
		return p, true
	}
	p, ok := regionPoints[code]
	return p, ok
}

// LocalZone returns the point of a Local Zone name (us-east-1-atl-1a).
func (l *Locations) LocalZone(zone string) (LatLon, bool) {
	if p, ok := l.localZones[zone]; ok {
		return p, true
	}
	return localZonePoint(zone)
}

// loadLocations reads locations.json: points for regions and Local Zones
// that override or extend the built-in table.
//
//	{"Regions": {"us-east-1": {"Latitude": 39.04, "Longitude": -77.49}},
//	 "LocalZones": {"us-east-1-atl-1a": {"Latitude": 33.75, "Longitude": -84.39}}}
func (l *loader) loadLocations(dec *decoder, n *jsontree.Node) {
	f := dec.fields(n, root, "Regions", "LocalZones")
	if f == nil {
		return
	}
	read := func(key string) map[string]LatLon {
		out := map[string]LatLon{}
		v := f[key]
		if v == nil {
			return out
		}
		ms, ok := dec.entries(v, root.Key(key))
		if !ok {
			return out
		}
		for _, m := range ms {
			p := root.Key(key).Key(m.Key)
			name := strings.TrimPrefix(m.Key, "aws:route53:")
			if !validHostName(name) || strings.Contains(name, ".") {
				dec.errorf(p, "%q is not a region or Local Zone name", m.Key)
				continue
			}
			pf := dec.fields(m.Value, p, "Latitude", "Longitude")
			if pf == nil {
				continue
			}
			if pf["Latitude"] == nil || pf["Longitude"] == nil {
				dec.errorf(p, "needs Latitude and Longitude")
				continue
			}
			la, ok1 := dec.coordinate(pf["Latitude"], p.Key("Latitude"), 90)
			lo, ok2 := dec.coordinate(pf["Longitude"], p.Key("Longitude"), 180)
			if ok1 && ok2 {
				out[name] = LatLon{Lat: la, Lon: lo}
			}
		}
		return out
	}
	l.store.Locations = &Locations{regions: read("Regions"), localZones: read("LocalZones")}
}
