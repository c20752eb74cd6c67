package policyfile

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
