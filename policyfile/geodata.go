package policyfile

// countrypoints.go is generated from public geometry (npm packages fetched
// with npm pack; see internal/gen/centroids):
//go:generate go run ../internal/gen/centroids -o countrypoints.go

import (
	"maps"
	"slices"
	"strings"
)

// Continents maps Route 53's continent codes to their English names.
var Continents = map[string]string{
	"AF": "Africa",
	"AN": "Antarctica",
	"AS": "Asia",
	"EU": "Europe",
	"NA": "North America",
	"OC": "Oceania",
	"SA": "South America",
}

// continentMembers is Route 53's own country → continent table, as the
// Route 53 Developer Guide lists it. Route 53 assigns continents by this
// table, not by what a GeoIP database says. XK (Kosovo) is included
// although it is not an ISO code. Note the disputed entries (TR is listed
// under Europe here; another published version of the page lists it under
// Asia): the table is data so that it can be changed in one place.
var continentMembers = map[string]string{
	"AF": "AO BF BI BJ BW CD CF CG CI CM CV DJ DZ EG ER ET GA GH GM GN GQ GW KE KM LR LS LY MA MG ML MR MU MW MZ NA NE NG RE RW SC SD SH SL SN SO SS ST SZ TD TG TN TZ UG YT ZA ZM ZW",
	"AN": "AQ GS TF",
	"AS": "AE AF AM AZ BD BH BN BT CC CN GE HK ID IL IN IO IQ IR JO JP KG KH KP KR KW KZ LA LB LK MM MN MO MV MY NP OM PH PK PS QA SA SG SY TH TJ TM TW UZ VN YE",
	"EU": "AD AL AT AX BA BE BG BY CH CY CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS IT JE LI LT LU LV MC MD ME MK MT NL NO PL PT RO RS RU SE SI SJ SK SM TR UA VA XK",
	"NA": "AG AI AW BB BL BM BQ BS BZ CA CR CU CW DM DO GD GL GP GT HN HT JM KN KY LC MF MQ MS MX NI PA PM PR SV SX TC TT US VC VG VI",
	"OC": "AS AU CK FJ FM GU KI MH MP NC NF NR NU NZ PF PG PN PW SB TK TL TO TV UM VU WF WS",
	"SA": "AR BO BR CL CO EC FK GF GY PE PY SR UY VE",
}

// countryContinent is continentMembers inverted: country code → continent.
var countryContinent = func() map[string]string {
	m := make(map[string]string, 256)
	for cont, list := range continentMembers {
		for _, cc := range strings.Fields(list) {
			m[cc] = cont
		}
	}
	return m
}()

// ContinentOf returns Route 53's continent for an ISO 3166-1 country code,
// or "" when Route 53's table does not list the country.
func ContinentOf(country string) string { return countryContinent[country] }

// Countries returns the country codes of Route 53's country → continent
// table (ContinentOf), sorted.
func Countries() []string {
	out := make([]string, 0, len(countryContinent))
	for cc := range countryContinent {
		out = append(out, cc)
	}
	slices.Sort(out)
	return out
}

// unsupportedCountries have no IP data at Route 53; geolocation cannot
// target them.
var unsupportedCountries = map[string]bool{"BV": true, "CX": true, "EH": true, "HM": true}

// usStates are the subdivision codes Route 53 supports for the US: the 50
// states and DC, as two-letter USPS codes (which are also the ISO 3166-2
// suffixes GeoIP databases report).
var usStates = map[string]bool{}

func init() {
	for _, s := range strings.Fields("AK AL AR AZ CA CO CT DC DE FL GA HI IA ID IL IN KS KY LA MA MD ME MI MN MO MS MT NC ND NE NH NJ NM NV NY OH OK OR PA RI SC SD TN TX UT VA VT WA WI WV WY") {
		usStates[s] = true
	}
}

// USStates returns the US subdivision codes Route 53 supports (the 50
// states and DC), sorted.
func USStates() []string {
	out := make([]string, 0, len(usStates))
	for s := range usStates {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// CountryPoint returns a representative point of a country (an ISO 3166-1
// alpha-2 code, or XK): the centroid of its Natural Earth shape, or a point
// inside the shape where the centroid falls outside (countrypoints.go). It
// reports false for a country with no shape at that scale.
func CountryPoint(country string) (LatLon, bool) {
	p, ok := countryPoints[country]
	return p, ok
}

// SubdivisionPoint returns a representative point of a subdivision, as
// CountryPoint does for countries. Only US states, DC and the US
// territories have points (from the US Census Bureau's shapes).
func SubdivisionPoint(country, subdivision string) (LatLon, bool) {
	if country != "US" {
		return LatLon{}, false
	}
	p, ok := usStatePoints[subdivision]
	return p, ok
}

// LatLon is a point in decimal degrees.
type LatLon struct {
	Lat, Lon float64
}

// regionPoints lists the AWS regions a latency or geoproximity rule may
// name (the API's ResourceRecordSetRegion enum), with the approximate point
// trafficflow uses for each: a city-level approximation of our own, not
// AWS data. locations.json in a store can override or extend it.
var regionPoints = map[string]LatLon{
	"us-east-1":      {39.04, -77.49},
	"us-east-2":      {39.96, -83.00},
	"us-west-1":      {37.77, -122.42},
	"us-west-2":      {45.84, -119.70},
	"ca-central-1":   {45.50, -73.57},
	"ca-west-1":      {51.05, -114.07},
	"mx-central-1":   {20.59, -100.39},
	"sa-east-1":      {-23.55, -46.63},
	"eu-west-1":      {53.35, -6.26},
	"eu-west-2":      {51.51, -0.13},
	"eu-west-3":      {48.86, 2.35},
	"eu-central-1":   {50.11, 8.68},
	"eu-central-2":   {47.37, 8.54},
	"eu-north-1":     {59.33, 18.07},
	"eu-south-1":     {45.46, 9.19},
	"eu-south-2":     {41.65, -0.88},
	"eusc-de-east-1": {52.40, 13.06},
	"il-central-1":   {32.09, 34.78},
	"me-south-1":     {26.07, 50.56},
	"me-central-1":   {24.45, 54.38},
	"af-south-1":     {-33.92, 18.42},
	"ap-east-1":      {22.32, 114.17},
	"ap-east-2":      {25.03, 121.57},
	"ap-south-1":     {19.08, 72.88},
	"ap-south-2":     {17.39, 78.49},
	"ap-southeast-1": {1.35, 103.82},
	"ap-southeast-2": {-33.87, 151.21},
	"ap-southeast-3": {-6.21, 106.85},
	"ap-southeast-4": {-37.81, 144.96},
	"ap-southeast-5": {3.14, 101.69},
	"ap-southeast-6": {-36.85, 174.76},
	"ap-southeast-7": {13.76, 100.50},
	"ap-northeast-1": {35.68, 139.69},
	"ap-northeast-2": {37.57, 126.98},
	"ap-northeast-3": {34.69, 135.50},
	"cn-north-1":     {39.90, 116.40},
	"cn-northwest-1": {37.51, 105.19},
	"us-gov-west-1":  {45.84, -119.70},
	"us-gov-east-1":  {39.96, -83.00},
}

// localZoneMetros gives an approximate point for the metro code of an AWS
// Local Zone name (the "atl" of us-east-1-atl-1a). Zones whose metro is not
// listed need coordinates in locations.json.
var localZoneMetros = map[string]LatLon{
	"atl": {33.75, -84.39},  // Atlanta
	"bos": {42.36, -71.06},  // Boston
	"bue": {-34.60, -58.38}, // Buenos Aires
	"chi": {41.88, -87.63},  // Chicago
	"dfw": {32.78, -96.80},  // Dallas
	"den": {39.74, -104.99}, // Denver
	"hou": {29.76, -95.37},  // Houston
	"iah": {29.76, -95.37},  // Houston
	"kan": {39.10, -94.58},  // Kansas City
	"mci": {39.10, -94.58},  // Kansas City
	"las": {36.17, -115.14}, // Las Vegas
	"lax": {34.05, -118.24}, // Los Angeles
	"lim": {-12.05, -77.04}, // Lima
	"mia": {25.76, -80.19},  // Miami
	"msp": {44.98, -93.27},  // Minneapolis
	"nyc": {40.71, -74.01},  // New York
	"phl": {39.95, -75.17},  // Philadelphia
	"phx": {33.45, -112.07}, // Phoenix
	"pdx": {45.52, -122.68}, // Portland
	"qro": {20.59, -100.39}, // Querétaro
	"scl": {-33.45, -70.67}, // Santiago
	"sea": {47.61, -122.33}, // Seattle
	"anc": {61.22, -149.90}, // Anchorage
	"hnl": {21.31, -157.86}, // Honolulu
	"ham": {53.55, 9.99},    // Hamburg
	"waw": {52.23, 21.01},   // Warsaw
	"cph": {55.68, 12.57},   // Copenhagen
	"hel": {60.17, 24.94},   // Helsinki
	"mnl": {14.60, 120.98},  // Manila
	"bkk": {13.76, 100.50},  // Bangkok
	"tpe": {25.03, 121.57},  // Taipei
	"del": {28.61, 77.21},   // Delhi
	"ccu": {22.57, 88.36},   // Kolkata
	"per": {-31.95, 115.86}, // Perth
	"akl": {-36.85, 174.76}, // Auckland
	"lag": {6.52, 3.38},     // Lagos
	"mct": {23.59, 58.41},   // Muscat
	"tlv": {32.09, 34.78},   // Tel Aviv
}

// localZonePoint returns the point of a Local Zone name such as
// us-east-1-atl-1a, from the built-in metro table.
func localZonePoint(zone string) (LatLon, bool) {
	for region := range regionPoints {
		rest, ok := strings.CutPrefix(zone, region+"-")
		if !ok {
			continue
		}
		metro, num, ok := strings.Cut(rest, "-")
		if !ok || len(num) < 2 || !allDigits(num[:len(num)-1]) {
			continue
		}
		if c := num[len(num)-1]; c < 'a' || c > 'z' {
			continue
		}
		p, ok := localZoneMetros[metro]
		return p, ok
	}
	return LatLon{}, false
}

// healthCheckerRegions are the regions Route 53 runs health checkers in.
var healthCheckerRegions = map[string]bool{
	"us-east-1": true, "us-west-1": true, "us-west-2": true, "eu-west-1": true,
	"ap-southeast-1": true, "ap-southeast-2": true, "ap-northeast-1": true, "sa-east-1": true,
}

// RegionPoints returns the built-in AWS regions with their approximate
// points (a copy; locations.json may override them in a store).
func RegionPoints() map[string]LatLon { return maps.Clone(regionPoints) }

// LocalZoneMetros returns the built-in Local Zone metro codes (the "atl"
// of us-east-1-atl-1a) with their points (a copy).
func LocalZoneMetros() map[string]LatLon { return maps.Clone(localZoneMetros) }
