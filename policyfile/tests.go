package policyfile

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/trafficflow/trafficflow/internal/jsontree"
)

// Test is one policy test of tests.json: what the answers to a query for
// a policy record (or an alias) must be, for one client and one set of
// health states. Package policytest runs them.
//
//	{"Tests": [
//	  {"Name": "Swedish clients stay in Europe", "Record": "www.example.org.",
//	   "ECS": "89.160.20.0/24", "Health": {"web-primary": "unhealthy"},
//	   "Expect": ["192.0.2.1", "192.0.2.2"]},
//	  {"Name": "blue/green split", "Record": "weighted.example.org.",
//	   "ExpectShare": {"192.0.2.101": 75, "192.0.2.102": 25}}]}
type Test struct {
	Name string
	// Record is the name queried (lower case, fully qualified): a policy
	// record or an alias.
	Record string
	// Rec is the policy record that answers Record: Record itself, or the
	// end of its alias chain.
	Rec *Record
	// The client is at most one of Client (the resolver's address, located
	// with the GeoIP database), ECS (a client subnet, located by its
	// masked address) and Location (a client placed without a GeoIP
	// lookup). With none, the client has no location data.
	Client   netip.Addr
	ECS      netip.Prefix
	Location *TestLocation
	// Health forces health checks healthy (true) or unhealthy (false);
	// every other check has its Store.HealthState.
	Health map[string]bool
	// Share says which expectation the test has: ExpectShare (true) or
	// Expect.
	Share bool
	// Expect is the set of values some answer may hold, as written (empty:
	// no answer).
	Expect []string
	// ExpectShare is, for each value as written, the percentage of answers
	// that hold it.
	ExpectShare []Share
	// File and Path locate the test's definition (tests.json, Tests[2]).
	File, Path string
}

// TestLocation places a test's client without a GeoIP lookup: in a
// Country (with an optional Subdivision), on a Continent, or at
// coordinates.
type TestLocation struct {
	Country, Subdivision, Continent string
	HasCoordinates                  bool
	Latitude, Longitude             float64
}

// Share is a value and the percentage of answers that hold it.
type Share struct {
	Value   string
	Percent float64
}

// NormalValue is a value as tests compare them: in lower case, without a
// trailing dot (192.0.2.1, lb-1.example.net).
func NormalValue(v string) string {
	return strings.TrimSuffix(strings.ToLower(v), ".")
}

// HealthState is the state of health check id where no check is probed
// (policy tests, trafficflow explain): missing_healthcheck's state for a
// missing check, else the state healthstate.json forces, else healthy.
// source says which ("missing_healthcheck", "healthstate.json" or
// "default").
func (s *Store) HealthState(id string) (healthy bool, source string) {
	if f, ok := s.Missing[id]; ok {
		return f == ForcedHealthy, "missing_healthcheck"
	}
	switch s.Forced[id] {
	case ForcedHealthy:
		return true, "healthstate.json"
	case ForcedUnhealthy:
		return false, "healthstate.json"
	}
	return true, "default"
}

var (
	testKeys         = []string{"Name", "Record", "Client", "ECS", "Location", "Health", "Expect", "ExpectShare"}
	testLocationKeys = []string{"Country", "Subdivision", "Continent", "Latitude", "Longitude"}
)

// loadTests reads tests.json. It runs after records.json and the health
// checks: tests name records, aliases and checks.
func (l *loader) loadTests(dec *decoder, n *jsontree.Node) {
	f := dec.fields(n, root, "Tests")
	if f == nil {
		return
	}
	v := f["Tests"]
	if v == nil {
		dec.errorf(root.Key("Tests"), "is required (a list of tests)")
		return
	}
	elems, ok := dec.array(v, root.Key("Tests"))
	if !ok {
		return
	}
	served := make(map[string]*Record, len(l.store.Records)+len(l.store.Aliases))
	for _, r := range l.store.Records {
		served[r.Name] = r
	}
	for _, a := range l.store.Aliases {
		served[a.Name] = a.Record
	}
	names := map[string]string{} // test name → path of its test
	for i, e := range elems {
		if t := l.test(dec, e, root.Key("Tests").Index(i), served, names); t != nil {
			l.store.Tests = append(l.store.Tests, t)
		}
	}
}

// test reads one test.
func (l *loader) test(dec *decoder, n *jsontree.Node, p *jsontree.Path, served map[string]*Record, names map[string]string) *Test {
	mark := dec.mark()
	f := dec.fields(n, p, testKeys...)
	if f == nil {
		return nil
	}
	t := &Test{File: dec.file, Path: p.String()}
	if v := f["Name"]; v == nil {
		dec.errorf(p.Key("Name"), "is required (what the test checks, in a few words)")
	} else if t.Name = dec.id(v, p.Key("Name")); t.Name != "" {
		if other, dup := names[t.Name]; dup {
			dec.errorf(p.Key("Name"), "%q is already the name of %s", t.Name, other)
		} else {
			names[t.Name] = t.Path
		}
	}
	l.testRecord(dec, f["Record"], p.Key("Record"), t, served)
	testClient(dec, f, p, t)
	if v := f["Health"]; v != nil {
		t.Health = l.testHealth(dec, v, p.Key("Health"))
	}
	switch e, s := f["Expect"], f["ExpectShare"]; {
	case e == nil && s == nil:
		dec.errorf(p, "needs Expect (the values answers may hold) or ExpectShare (the percentage of answers that hold each value)")
	case e != nil && s != nil:
		dec.errorf(p, "has both Expect and ExpectShare; give one of them")
	case e != nil:
		t.Expect = testExpect(dec, e, p.Key("Expect"))
	default:
		t.Share = true
		t.ExpectShare = testExpectShare(dec, s, p.Key("ExpectShare"))
	}
	if dec.failed(mark) {
		return nil
	}
	return t
}

// testRecord reads a test's Record: a name the store serves.
func (l *loader) testRecord(dec *decoder, n *jsontree.Node, p *jsontree.Path, t *Test, served map[string]*Record) {
	if n == nil {
		dec.errorf(p, "is required (a policy record or alias, such as www.example.org.)")
		return
	}
	s, ok := dec.str(n, p)
	if !ok {
		return
	}
	name, ok := normalizeName(s)
	if !ok {
		dec.errorf(p, "%q is not a valid DNS name", s)
		return
	}
	t.Record, t.Rec = name, served[name]
	if t.Rec == nil && l.recordNames[name] == "" && !l.recordsFailed() {
		// Otherwise records.json defines the name with an error, or
		// could not be read: reported there.
		dec.errorf(p, "no policy record or alias %s", name)
	}
}

// recordsFailed reports whether records.json has errors.
func (l *loader) recordsFailed() bool {
	for _, p := range l.probs {
		if p.Severity == Error && strings.HasPrefix(p.File, "records.") {
			return true
		}
	}
	return false
}

// testClient reads a test's client: at most one of Client, ECS and
// Location.
func testClient(dec *decoder, f map[string]*jsontree.Node, p *jsontree.Path, t *Test) {
	given := 0
	if v := f["Client"]; v != nil {
		given++
		if s, ok := dec.str(v, p.Key("Client")); ok {
			a, err := netip.ParseAddr(s)
			switch {
			case err != nil || a.Zone() != "":
				dec.errorf(p.Key("Client"), "%q is not an IP address", s)
			case a.Is4In6():
				dec.errorf(p.Key("Client"), "%q: write an IPv4 address in IPv4 notation (%s)", s, a.Unmap())
			default:
				t.Client = a
			}
		}
	}
	if v := f["ECS"]; v != nil {
		given++
		t.ECS = testECS(dec, v, p.Key("ECS"))
	}
	if v := f["Location"]; v != nil {
		given++
		t.Location = testLocation(dec, v, p.Key("Location"))
	}
	if given > 1 {
		dec.errorf(p, "give at most one of Client, ECS and Location")
	}
}

// testECS reads a client subnet, as dig's +subnet takes it.
func testECS(dec *decoder, n *jsontree.Node, p *jsontree.Path) netip.Prefix {
	s, ok := dec.str(n, p)
	if !ok {
		return netip.Prefix{}
	}
	pfx, err := netip.ParsePrefix(s)
	switch {
	case err != nil:
		dec.errorf(p, "%q is not a client subnet in CIDR notation (such as 89.160.20.0/24)", s)
		return netip.Prefix{}
	case pfx.Addr().Is4In6():
		dec.errorf(p, "%q: write IPv4 networks in IPv4 notation", s)
		return netip.Prefix{}
	case pfx.Bits() == 0:
		dec.errorf(p, "%q has no address bits (the server would locate the resolver's address instead); give the client's network, or Client", s)
		return netip.Prefix{}
	case pfx != pfx.Masked():
		dec.warn(p, fmt.Sprintf("%s has host bits set", s), "located as the network "+pfx.Masked().String(), fmt.Sprintf("write %q", pfx.Masked()))
	}
	return pfx.Masked()
}

// testLocation reads where a client is placed: a Country (with an optional
// Subdivision), a Continent, or Latitude and Longitude.
func testLocation(dec *decoder, n *jsontree.Node, p *jsontree.Path) *TestLocation {
	mark := dec.mark()
	f := dec.fields(n, p, testLocationKeys...)
	if f == nil {
		return nil
	}
	strs := map[string]string{}
	for _, k := range []string{"Country", "Subdivision", "Continent"} {
		if v := f[k]; v != nil {
			strs[k] = dec.id(v, p.Key(k))
		}
	}
	country, coords := f["Country"] != nil || f["Subdivision"] != nil, f["Latitude"] != nil || f["Longitude"] != nil
	if forms := boolInt(country) + boolInt(f["Continent"] != nil) + boolInt(coords); forms != 1 {
		dec.errorf(p, "give one of Country (with an optional Subdivision), Continent, or Latitude and Longitude")
		return nil
	}
	if dec.failed(mark) {
		return nil
	}
	loc := &TestLocation{}
	switch {
	case country:
		if strs["Country"] == "" {
			dec.errorf(p.Key("Subdivision"), "needs a Country")
			return nil
		}
		loc.Country = clientCountry(dec, p.Key("Country"), strs["Country"])
		if sub := strs["Subdivision"]; sub != "" && loc.Country != "" {
			loc.Subdivision = clientSubdivision(dec, p.Key("Subdivision"), loc.Country, sub)
		}
	case f["Continent"] != nil:
		loc.Continent = geoContinent(dec, p.Key("Continent"), strs["Continent"])
	default:
		if f["Latitude"] == nil || f["Longitude"] == nil {
			dec.errorf(p, "needs both Latitude and Longitude")
			return nil
		}
		loc.HasCoordinates = true
		loc.Latitude, _, _ = dec.decimal(f["Latitude"], p.Key("Latitude"), -90, 90, "a decimal number of degrees")
		loc.Longitude, _, _ = dec.decimal(f["Longitude"], p.Key("Longitude"), -180, 180, "a decimal number of degrees")
	}
	if dec.failed(mark) {
		return nil
	}
	return loc
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// clientCountry reads the country a test's client is in: an ISO 3166-1
// code in Route 53's country table.
func clientCountry(dec *decoder, p *jsontree.Path, s string) string {
	up := strings.ToUpper(s)
	switch {
	case countryContinent[s] != "":
		return s
	case countryContinent[up] != "":
		dec.warn(p, fmt.Sprintf("%q should be upper case", s), "accepted as "+up, fmt.Sprintf("write %q", up))
		return up
	case up == "UK":
		dec.errorf(p, "%q is not an ISO 3166-1 country code (the United Kingdom is GB)", s)
	default:
		dec.errorf(p, "%q is not a country code Route 53 knows (an ISO 3166-1 alpha-2 code such as DE)", s)
	}
	return ""
}

// clientSubdivision reads the subdivision a test's client is in: a US
// state for the US, else the ISO 3166-2 code a GeoIP database reports (one
// to three letters or digits, such as ENG).
func clientSubdivision(dec *decoder, p *jsontree.Path, country, s string) string {
	up := strings.ToUpper(s)
	switch {
	case country == "US" && !usStates[up]:
		dec.errorf(p, "%q is not a US state code", s)
	case len(s) > 3 || strings.Trim(up, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "":
		dec.errorf(p, "%q is not a subdivision code (the ISO 3166-2 code after the country, such as ENG in GB-ENG)", s)
	case up != s:
		dec.warn(p, fmt.Sprintf("%q should be upper case", s), "accepted as "+up, fmt.Sprintf("write %q", up))
		return up
	default:
		return s
	}
	return ""
}

// testHealth reads a test's Health: check ID → "healthy" | "unhealthy",
// for checks healthchecks.json defines or missing_healthcheck fixes.
func (l *loader) testHealth(dec *decoder, n *jsontree.Node, p *jsontree.Path) map[string]bool {
	ms, ok := dec.entries(n, p)
	if !ok {
		return nil
	}
	known := map[string]bool{}
	for _, hc := range l.store.HealthChecks {
		known[hc.ID] = true
	}
	out := make(map[string]bool, len(ms))
	for _, m := range ms {
		mp := p.Key(m.Key)
		s, ok := dec.str(m.Value, mp)
		if !ok {
			continue
		}
		switch strings.ToLower(s) {
		case "healthy":
			out[m.Key] = true
		case "unhealthy":
			out[m.Key] = false
		default:
			dec.errorf(mp, "%q is not a state (healthy or unhealthy)", s)
			continue
		}
		if _, fixed := l.store.Missing[m.Key]; !known[m.Key] && !fixed {
			dec.errorf(mp, "no health check %q in healthchecks.json", m.Key)
		}
	}
	return out
}

// testExpect reads Expect: the values answers may hold.
func testExpect(dec *decoder, n *jsontree.Node, p *jsontree.Path) []string {
	elems, ok := dec.array(n, p)
	if !ok {
		return nil
	}
	out := []string{}
	seen := map[string]bool{}
	for i, e := range elems {
		v := dec.id(e, p.Index(i))
		if v == "" {
			continue
		}
		if seen[NormalValue(v)] {
			dec.warn(p.Index(i), fmt.Sprintf("%q is listed twice", v), "ignored", "remove it")
			continue
		}
		seen[NormalValue(v)] = true
		out = append(out, v)
	}
	return out
}

// testExpectShare reads ExpectShare: value → the percentage of answers that
// hold it.
func testExpectShare(dec *decoder, n *jsontree.Node, p *jsontree.Path) []Share {
	ms, ok := dec.entries(n, p)
	if !ok {
		return nil
	}
	out := []Share{}
	seen := map[string]string{}
	for _, m := range ms {
		mp := p.Key(m.Key)
		if m.Key == "" {
			dec.errorf(mp, "a value cannot be empty")
			continue
		}
		pct, _, ok := dec.decimal(m.Value, mp, 0, 100, "a percentage (a decimal number such as 75)")
		if !ok {
			continue
		}
		if other, dup := seen[NormalValue(m.Key)]; dup {
			dec.errorf(mp, "%q is %q again (values compare in any case, without a trailing dot)", m.Key, other)
			continue
		}
		seen[NormalValue(m.Key)] = m.Key
		out = append(out, Share{Value: m.Key, Percent: pct})
	}
	return out
}
