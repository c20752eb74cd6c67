// Package policydiff tells what a new version of a traffic policy changes
// (trafficflow diff): the structure, rules and endpoints added, removed and
// changed, matched by ID (and items by position within a rule); and the
// impact, the clients whose answers change.
//
// The impact comes from evaluating both versions, with every health check
// healthy, for a representative client of every location the rules can tell
// apart: each continent (a client whose GeoIP data has a continent and no
// country), each country of Route 53's table, each US state, each
// subdivision of another country that a geo rule names (CA-QC), and a client
// without location data. Clients of a country or state stand at its representative point
// (policyfile.CountryPoint), so geoproximity and latency rules decide by
// distance; when a version reaches such a rule, countries without a point
// are left out and counted. Answers are compared as exact distributions
// ((*evaluate.Evaluator).Distribution) over endpoint values, so that an
// endpoint renamed with the same value changes nothing, and a weighted rule's
// new shares do.
//
// Items are described as trafficflow graph labels them
// (policygraph.Selector), so that diff, graph and explain say the same.
package policydiff
