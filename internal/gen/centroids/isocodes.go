package main

import (
	"fmt"
	"regexp"
)

// The iso-3166 package is ES modules of object literals, one field a
// line: alpha2: 'AD', alpha3: 'AND', numeric: '020' (1.js); code: 'US-CA',
// name: 'California', parent: 'US' (2.js).
var (
	countryEntry     = regexp.MustCompile(`alpha2: '([A-Z]{2})',\s*alpha3: '[A-Z]{3}',\s*numeric: '(\d{3})'`)
	subdivisionEntry = regexp.MustCompile(`code: '([A-Z]{2})-([A-Z0-9]+)',\s*name: '((?:[^'\\]|\\.)*)',\s*parent: '([A-Z]{2})'`)
)

// isoNumeric maps ISO 3166-1 numeric codes ("826") to alpha-2 ("GB").
func isoNumeric(js []byte) (map[string]string, error) {
	m := map[string]string{}
	for _, e := range countryEntry.FindAllSubmatch(js, -1) {
		m[string(e[2])] = string(e[1])
	}
	if len(m) < 240 {
		return nil, fmt.Errorf("iso-3166 1.js: found %d countries; has its format changed?", len(m))
	}
	return m, nil
}

// isoSubdivisions maps the names of a country's subdivisions
// ("California") to their codes without the country ("CA").
func isoSubdivisions(js []byte, country string) (map[string]string, error) {
	m := map[string]string{}
	for _, e := range subdivisionEntry.FindAllSubmatch(js, -1) {
		if string(e[1]) == country && string(e[4]) == country {
			m[string(e[3])] = string(e[2])
		}
	}
	if len(m) < 50 {
		return nil, fmt.Errorf("iso-3166 2.js: found %d subdivisions of %s; has its format changed?", len(m), country)
	}
	return m, nil
}
