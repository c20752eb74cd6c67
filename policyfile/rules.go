package policyfile

import (
	"fmt"
	"strings"

	"github.com/trafficflow/trafficflow/internal/jsontree"
)

// containerOf names the list (or pair) each rule type keeps its items in.
var containerOf = map[RuleType]string{
	Failover:     "Primary",
	Geo:          "Locations",
	Geoproximity: "GeoproximityLocations",
	Latency:      "Regions",
	Multivalue:   "Items",
	Weighted:     "Items",
}

var ruleKeys = []string{"RuleType", "Primary", "Secondary", "Locations", "GeoproximityLocations", "Regions", "Items"}

// maxItems are Route 53's limits on the records of one name and type,
// which trafficflow applies to the items of one rule (README, "Behaviour
// where Route 53 is not documented"). Exceeding them is a warning.
var maxItems = map[RuleType]int{Geo: 100, Geoproximity: 30, Latency: 100, Multivalue: 100, Weighted: 100}

func parseRule(dec *decoder, n *jsontree.Node, p *jsontree.Path, id string, d *Document, ctx *docContext) *Rule {
	mark := dec.mark()
	f := dec.fields(n, p, ruleKeys...)
	if f == nil {
		return nil
	}
	rule := &Rule{ID: id, Path: dec.base.Concat(p).String()}
	var ok bool
	if rule.Type, ok = ruleTypes.read(dec, f["RuleType"], p.Key("RuleType")); !ok {
		return nil
	}

	// Containers that belong to other rule types.
	for _, key := range []string{"Primary", "Secondary", "Locations", "GeoproximityLocations", "Regions", "Items"} {
		if f[key] == nil {
			continue
		}
		own := containerOf[rule.Type] == key || (rule.Type == Failover && key == "Secondary")
		if !own {
			dec.warn(p.Key(key), fmt.Sprintf("%s rules do not use %s", rule.Type, key), "ignored", "remove it")
		}
	}

	if rule.Type == Failover {
		for _, key := range []string{"Primary", "Secondary"} {
			v := f[key]
			if v == nil {
				dec.errorf(p, "a failover rule needs %s", key)
				continue
			}
			if it := parseItem(dec, v, p.Key(key), rule.Type, d, ctx); it != nil {
				rule.Items = append(rule.Items, it)
			}
		}
	} else {
		key := containerOf[rule.Type]
		v := f[key]
		if v == nil {
			dec.errorf(p, "a %s rule needs %s", rule.Type, key)
			return nil
		}
		elems, ok := dec.array(v, p.Key(key))
		if !ok {
			return nil
		}
		if len(elems) == 0 {
			dec.errorf(p.Key(key), "is empty; a %s rule needs at least one item", rule.Type)
		}
		if max := maxItems[rule.Type]; len(elems) > max {
			dec.warn(p.Key(key), fmt.Sprintf("has %d items; Route 53 allows at most %d", len(elems), max), "",
				fmt.Sprintf("keep at most %d (nest rules to route more)", max))
		}
		for i, e := range elems {
			if it := parseItem(dec, e, p.Key(key).Index(i), rule.Type, d, ctx); it != nil {
				rule.Items = append(rule.Items, it)
			}
		}
	}
	if dec.failed(mark) {
		return nil
	}
	switch rule.Type {
	case Geo:
		checkGeoRule(dec, p.Key("Locations"), rule)
	case Latency:
		checkLatencyRule(dec, p.Key("Regions"), rule)
	}
	if dec.failed(mark) {
		return nil
	}
	return rule
}

var itemKeys = map[RuleType][]string{
	Failover:     {"EndpointReference", "RuleReference", "EvaluateTargetHealth", "HealthCheck"},
	Geo:          {"EndpointReference", "RuleReference", "EvaluateTargetHealth", "HealthCheck", "IsDefault", "Continent", "Country", "Subdivision"},
	Geoproximity: {"EndpointReference", "RuleReference", "EvaluateTargetHealth", "HealthCheck", "Region", "Latitude", "Longitude", "Bias", "Location"},
	Latency:      {"EndpointReference", "RuleReference", "EvaluateTargetHealth", "HealthCheck", "Region"},
	Multivalue:   {"EndpointReference", "RuleReference", "EvaluateTargetHealth", "HealthCheck"},
	Weighted:     {"EndpointReference", "RuleReference", "EvaluateTargetHealth", "HealthCheck", "Weight"},
}

func parseItem(dec *decoder, n *jsontree.Node, p *jsontree.Path, rt RuleType, d *Document, ctx *docContext) *Item {
	mark := dec.mark()
	f := dec.fields(n, p, itemKeys[rt]...)
	if f == nil {
		return nil
	}
	it := &Item{EvaluateTargetHealth: true, Path: dec.base.Concat(p).String()}
	ev, rv := f["EndpointReference"], f["RuleReference"]
	switch {
	case ev != nil && rv != nil:
		dec.errorf(p, "has both EndpointReference and RuleReference; use exactly one")
	case ev != nil:
		it.Endpoint = dec.id(ev, p.Key("EndpointReference"))
	case rv != nil:
		if rt == Multivalue {
			dec.errorf(p.Key("RuleReference"), "multivalue rules can only reference endpoints")
		} else {
			it.Rule = dec.id(rv, p.Key("RuleReference"))
		}
	default:
		dec.errorf(p, "needs an EndpointReference or a RuleReference")
	}
	if v := f["EvaluateTargetHealth"]; v != nil {
		if rt == Multivalue {
			dec.warn(p.Key("EvaluateTargetHealth"), "multivalue items do not use EvaluateTargetHealth", "ignored", "remove it")
		} else if b, ok := dec.boolean(v, p.Key("EvaluateTargetHealth")); ok {
			it.EvaluateTargetHealth = b
		}
	}
	if v := f["HealthCheck"]; v != nil {
		if s, ok := dec.str(v, p.Key("HealthCheck")); ok {
			switch {
			case s == "":
				dec.errorf(p.Key("HealthCheck"), "is empty; leave it out for a branch without a health check")
			case len(s) > 64:
				dec.errorf(p.Key("HealthCheck"), "is %d characters long; health check IDs have at most 64", len(s))
			default:
				it.HealthCheck = s
			}
		}
	}
	switch rt {
	case Geo:
		parseGeoLocation(dec, f, p, it)
	case Geoproximity:
		parseGeoproximity(dec, f, p, it, d, ctx)
	case Latency:
		if v := f["Region"]; v == nil {
			dec.errorf(p.Key("Region"), "is required (an AWS region code such as us-east-1)")
		} else if s, ok := dec.str(v, p.Key("Region")); ok {
			if code := ctx.plainRegion(dec, p.Key("Region"), s); code != "" {
				it.Region = code
				it.Point, _ = ctx.locations.Region(code)
			}
		}
	case Weighted:
		if v := f["Weight"]; v == nil {
			dec.errorf(p.Key("Weight"), "is required (0..255)")
		} else if w, ok := dec.integer(v, p.Key("Weight"), 0, 255); ok {
			it.Weight = int(w)
		}
	}
	if dec.failed(mark) {
		return nil
	}
	return it
}

// parseGeoLocation reads the selector of one geo location.
func parseGeoLocation(dec *decoder, f map[string]*jsontree.Node, p *jsontree.Path, it *Item) {
	if v := f["IsDefault"]; v != nil {
		var ok bool
		if it.IsDefault, ok = dec.boolean(v, p.Key("IsDefault")); !ok {
			return
		}
	}
	var cont, country, sub string
	if v := f["Continent"]; v != nil {
		cont, _ = dec.str(v, p.Key("Continent"))
	}
	if v := f["Country"]; v != nil {
		country, _ = dec.str(v, p.Key("Country"))
	}
	if v := f["Subdivision"]; v != nil {
		sub, _ = dec.str(v, p.Key("Subdivision"))
	}
	switch {
	case cont != "" && (country != "" || sub != ""):
		dec.errorf(p, "Continent cannot be combined with Country or Subdivision; a location has exactly one scope")
		return
	case sub != "" && country == "":
		dec.errorf(p.Key("Subdivision"), "needs a Country (Route 53 subdivisions are US states: Country \"US\")")
		return
	case country == "*":
		if sub != "" {
			dec.errorf(p.Key("Subdivision"), "cannot be combined with Country \"*\" (the default location)")
			return
		}
		it.IsDefault = true
		return
	case it.IsDefault && (cont != "" || country != ""):
		dec.errorf(p.Key("IsDefault"), "the default location cannot also have a Continent or Country")
		return
	case cont == "" && country == "" && !it.IsDefault:
		dec.errorf(p, "needs Continent, Country (with an optional Subdivision), or IsDefault true")
		return
	}
	if cont != "" {
		it.Continent = geoContinent(dec, p.Key("Continent"), cont)
	}
	if country != "" {
		it.Country = geoCountry(dec, p.Key("Country"), country)
	}
	if sub != "" && it.Country != "" {
		it.Subdivision = geoSubdivision(dec, p.Key("Subdivision"), it.Country, sub)
	}
}

func geoContinent(dec *decoder, p *jsontree.Path, s string) string {
	if _, ok := Continents[s]; ok {
		return s
	}
	if _, ok := Continents[strings.ToUpper(s)]; ok {
		dec.warn(p, fmt.Sprintf("%q should be upper case", s), "accepted as "+strings.ToUpper(s), fmt.Sprintf("write %q", strings.ToUpper(s)))
		return strings.ToUpper(s)
	}
	for code, name := range Continents {
		if strings.EqualFold(name, s) {
			dec.warn(p, fmt.Sprintf("%q is a continent name; Route 53 uses the code %q", s, code), "accepted as "+code, fmt.Sprintf("write %q", code))
			return code
		}
	}
	dec.errorf(p, "%q is not a continent code (AF, AN, AS, EU, NA, OC, SA)", s)
	return ""
}

func geoCountry(dec *decoder, p *jsontree.Path, s string) string {
	up := strings.ToUpper(s)
	switch {
	case unsupportedCountries[up]:
		dec.errorf(p, "Route 53 has no location data for %s and cannot route by it", up)
		return ""
	case countryContinent[s] != "":
		return s
	case countryContinent[up] != "":
		dec.warn(p, fmt.Sprintf("%q should be upper case", s), "accepted as "+up, fmt.Sprintf("write %q", up))
		return up
	case up == "UK":
		dec.warn(p, fmt.Sprintf("%q is not an ISO 3166-1 country code (the United Kingdom is GB)", s), "this location never matches", `write "GB"`)
		return s
	}
	dec.warn(p, fmt.Sprintf("%q is not a country code Route 53 knows", s), "this location never matches",
		"use an ISO 3166-1 alpha-2 code (such as DE), or remove the location")
	return s
}

func geoSubdivision(dec *decoder, p *jsontree.Path, country, s string) string {
	if country != "US" {
		dec.warn(p, "Route 53 documents subdivisions for the US only", fmt.Sprintf("%s-%s is matched against the GeoIP database's ISO 3166-2 code", country, s),
			fmt.Sprintf("route country %s as a whole (remove the Subdivision)", country))
		return s
	}
	if usStates[s] {
		return s
	}
	if usStates[strings.ToUpper(s)] {
		dec.warn(p, fmt.Sprintf("%q should be upper case", s), "accepted as "+strings.ToUpper(s), fmt.Sprintf("write %q", strings.ToUpper(s)))
		return strings.ToUpper(s)
	}
	dec.errorf(p, "%q is not a US state code", s)
	return ""
}

// checkGeoRule rejects a second default location and two locations for
// the same place.
func checkGeoRule(dec *decoder, p *jsontree.Path, rule *Rule) {
	seen := map[string]int{}
	for i, it := range rule.Items {
		var scope, desc string
		switch {
		case it.IsDefault:
			scope, desc = "*", "the default location"
		case it.Continent != "":
			scope, desc = "continent:"+it.Continent, "continent "+it.Continent
		case it.Subdivision != "":
			scope, desc = "sub:"+it.Country+"-"+it.Subdivision, "subdivision "+it.Country+"-"+it.Subdivision
		default:
			scope, desc = "country:"+it.Country, "country "+it.Country
		}
		if j, dup := seen[scope]; dup {
			if scope == "*" {
				dec.errorf(p.Index(i), "a second default location (the first is Locations[%d]); a geo rule has at most one", j)
			} else {
				dec.errorf(p.Index(i), "%s is already routed by Locations[%d]", desc, j)
			}
			continue
		}
		seen[scope] = i
	}
}

// checkLatencyRule rejects a region listed twice.
func checkLatencyRule(dec *decoder, p *jsontree.Path, rule *Rule) {
	seen := map[string]int{}
	for i, it := range rule.Items {
		if j, dup := seen[it.Region]; dup {
			dec.errorf(p.Index(i).Key("Region"), "%s is already listed in Regions[%d]; a latency rule has one item per region", it.Region, j)
			continue
		}
		seen[it.Region] = i
	}
}

// parseGeoproximity reads the location and bias of a geoproximity item, in
// either format version's syntax.
func parseGeoproximity(dec *decoder, f map[string]*jsontree.Node, p *jsontree.Path, it *Item, d *Document, ctx *docContext) {
	if v := f["Bias"]; v != nil {
		if b, ok := dec.integer(v, p.Key("Bias"), -99, 99); ok {
			it.Bias = int(b)
		}
	}
	loc, region, lat, lon := f["Location"], f["Region"], f["Latitude"], f["Longitude"]
	legacy := region != nil || lat != nil || lon != nil
	switch {
	case loc != nil && legacy:
		dec.errorf(p, "Location cannot be combined with Region, Latitude or Longitude")
		return
	case loc == nil && !legacy:
		dec.errorf(p, "needs a location: Location (%s), or Region, or Latitude and Longitude", Format2023)
		return
	case loc != nil:
		if d.FormatVersion == Format2015 {
			dec.warn(p.Key("Location"), fmt.Sprintf("Location is %s syntax, but the document declares %s", Format2023, Format2015), "accepted",
				fmt.Sprintf("declare AWSPolicyFormatVersion %s, or use Region or Latitude and Longitude", Format2023))
		}
		parseLocationObject(dec, loc, p.Key("Location"), it, ctx)
		return
	}
	if d.FormatVersion == Format2023 {
		if region != nil {
			dec.warn(p.Key("Region"), fmt.Sprintf("Region is %s syntax, but the document declares %s (which uses Location)", Format2015, Format2023), "accepted",
				fmt.Sprintf("use a Location object, or declare AWSPolicyFormatVersion %s", Format2015))
		} else {
			dec.warn(p.Key("Latitude"), fmt.Sprintf("Latitude and Longitude are %s syntax, but the document declares %s (which uses Location)", Format2015, Format2023), "accepted",
				fmt.Sprintf("use a Location object, or declare AWSPolicyFormatVersion %s", Format2015))
		}
	}
	switch {
	case region != nil && (lat != nil || lon != nil):
		dec.errorf(p, "Region cannot be combined with Latitude and Longitude; give one location")
	case region != nil:
		if s, ok := dec.str(region, p.Key("Region")); ok {
			it.LocationType = LocationRegion
			it.Region, it.Point = ctx.prefixedRegion(dec, p.Key("Region"), s)
		}
	case lat == nil || lon == nil:
		dec.errorf(p, "Latitude and Longitude go together; one of them is missing")
	default:
		it.LocationType = LocationCoordinate
		la, ok1 := dec.coordinate(lat, p.Key("Latitude"), 90)
		lo, ok2 := dec.coordinate(lon, p.Key("Longitude"), 180)
		if ok1 && ok2 {
			it.Point = LatLon{Lat: la, Lon: lo}
		}
	}
}

var locationKeys = []string{"Type", "LocationName", "Latitude", "Longitude"}

// parseLocationObject reads a 2023-05-09 geoproximity Location object.
func parseLocationObject(dec *decoder, n *jsontree.Node, p *jsontree.Path, it *Item, ctx *docContext) {
	f := dec.fields(n, p, locationKeys...)
	if f == nil {
		return
	}
	tv := f["Type"]
	if tv == nil {
		dec.errorf(p.Key("Type"), "is required (Region, LocalZone or Coordinate)")
		return
	}
	typ, ok := dec.str(tv, p.Key("Type"))
	if !ok {
		return
	}
	name := f["LocationName"]
	switch typ {
	case LocationRegion, LocationLocalZone:
		it.LocationType = typ
		if f["Latitude"] != nil || f["Longitude"] != nil {
			dec.errorf(p, "a %s location has a LocationName, not Latitude and Longitude", typ)
			return
		}
		if name == nil {
			dec.errorf(p.Key("LocationName"), "is required for a %s location (aws:route53:...)", typ)
			return
		}
		s, ok := dec.str(name, p.Key("LocationName"))
		if !ok {
			return
		}
		if typ == LocationRegion {
			it.Region, it.Point = ctx.prefixedRegion(dec, p.Key("LocationName"), s)
			return
		}
		zone, ok := strings.CutPrefix(s, "aws:route53:")
		if !ok {
			dec.errorf(p.Key("LocationName"), "%q needs the aws:route53: prefix (aws:route53:us-east-1-atl-1a)", s)
			return
		}
		pt, known := ctx.locations.LocalZone(zone)
		if !known {
			dec.errorf(p.Key("LocationName"), "%q is not a Local Zone trafficflow knows; add its coordinates to locations.json", s)
			return
		}
		it.Region, it.Point = zone, pt
	case LocationCoordinate:
		it.LocationType = typ
		if name != nil {
			dec.warn(p.Key("LocationName"), "a Coordinate location has no LocationName", "ignored", "remove it")
		}
		lat, lon := f["Latitude"], f["Longitude"]
		if lat == nil || lon == nil {
			dec.errorf(p, "a Coordinate location needs Latitude and Longitude")
			return
		}
		la, ok1 := dec.coordinate(lat, p.Key("Latitude"), 90)
		lo, ok2 := dec.coordinate(lon, p.Key("Longitude"), 180)
		if ok1 && ok2 {
			it.Point = LatLon{Lat: la, Lon: lo}
		}
	default:
		dec.errorf(p.Key("Type"), "%q is not a location type (Region, LocalZone or Coordinate)", typ)
	}
}

// prefixedRegion checks a geoproximity region, written aws:route53:CODE.
// A code without the prefix is accepted with a warning.
func (c *docContext) prefixedRegion(dec *decoder, p *jsontree.Path, s string) (string, LatLon) {
	code, ok := strings.CutPrefix(s, "aws:route53:")
	if !ok {
		if pt, known := c.locations.Region(s); known {
			dec.warn(p, fmt.Sprintf("%q should be %q (geoproximity regions have the aws:route53: prefix)", s, "aws:route53:"+s), "accepted", fmt.Sprintf("write %q", "aws:route53:"+s))
			return s, pt
		}
		dec.errorf(p, "%s", c.unknownRegion(s))
		return "", LatLon{}
	}
	pt, known := c.locations.Region(code)
	if !known {
		dec.errorf(p, "%s", c.unknownRegion(code))
		return "", LatLon{}
	}
	return code, pt
}

// plainRegion checks a region code written without the aws:route53: prefix
// (latency rules, s3-website endpoints). A prefixed code is accepted with a
// warning.
func (c *docContext) plainRegion(dec *decoder, p *jsontree.Path, s string) string {
	if rest, ok := strings.CutPrefix(s, "aws:route53:"); ok {
		if _, known := c.locations.Region(rest); known {
			dec.warn(p, fmt.Sprintf("%q should be %q (no aws:route53: prefix here)", s, rest), "accepted", fmt.Sprintf("write %q", rest))
			return rest
		}
	}
	if _, known := c.locations.Region(s); !known {
		dec.errorf(p, "%s", c.unknownRegion(s))
		return ""
	}
	return s
}

// unknownRegion explains why s is not a region code.
func (c *docContext) unknownRegion(s string) string {
	if len(s) > 1 {
		if region := s[:len(s)-1]; s[len(s)-1] >= 'a' && s[len(s)-1] <= 'z' {
			if _, known := c.locations.Region(region); known {
				return fmt.Sprintf("%q is an availability zone, not an AWS region (did you mean %q?)", s, region)
			}
		}
	}
	return fmt.Sprintf("%q is not an AWS region", s)
}
