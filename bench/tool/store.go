package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// obj is a JSON object.
type obj = map[string]any

// geoCountries are the countries the geo policy (c) has a location for, on
// top of four US states, the seven continents and the default location.
var geoCountries = []string{
	"AE", "AR", "AT", "AU", "BE", "BR", "BT", "CA", "CH", "CL", "CN", "CO", "CZ", "DE", "DK", "EG",
	"ES", "FI", "FR", "GB", "GR", "HU", "ID", "IE", "IL", "IN", "IT", "JP", "KE", "KR", "MX", "MY",
	"NG", "NL", "NO", "NZ", "PE", "PH", "PL", "PT", "RO", "RU", "SA", "SE", "SG", "TH", "TR", "UA",
	"US", "VN", "ZA",
}

var usStates = []string{"CA", "NY", "TX", "WA"}

var continents = []string{"AF", "AN", "AS", "EU", "NA", "OC", "SA"}

// treeRegions are the geo locations of the tree policy (d); "default" is
// the IsDefault location.
var treeRegions = []string{"EU", "NA", "AS", "OC", "SA", "AF", "default"}

// forcedUnhealthy are the tree's health checks that healthstate.json forces
// down, so that some failovers answer with their secondary.
var forcedUnhealthy = []string{"hc-EU-blue", "hc-NA-green", "hc-AS-blue"}

// writeStore writes the benchmark's policy store into dir. Health checks are
// TCP checks of the benchmark server itself (port), every 30 s.
func writeStore(dir string, port int) error {
	w := &storeWriter{dir: dir}
	var records []obj
	record := func(name, policy string, version int) {
		records = append(records, obj{"Name": name, "Policy": policy, "Version": version, "TTL": 60})
	}

	// (a) a single endpoint.
	w.policy("single", 1, obj{
		"AWSPolicyFormatVersion": "2015-10-01", "RecordType": "A", "StartEndpoint": "web",
		"Endpoints": obj{"web": value("192.0.2.10")},
	})
	record("single."+zone, "single", 1)

	// (b) weighted, four endpoints.
	weights := []int{50, 30, 15, 5}
	endpoints := obj{}
	var items []obj
	for i, wt := range weights {
		id := fmt.Sprintf("w%d", i+1)
		endpoints[id] = value(fmt.Sprintf("192.0.2.%d", 21+i))
		items = append(items, obj{"EndpointReference": id, "Weight": wt})
	}
	w.policy("weighted", 1, obj{
		"AWSPolicyFormatVersion": "2015-10-01", "RecordType": "A", "StartRule": "split",
		"Endpoints": endpoints,
		"Rules":     obj{"split": obj{"RuleType": "weighted", "Items": items}},
	})
	record("weighted."+zone, "weighted", 1)
	// (g) the same policy in the zone of the consistent instance.
	record("weighted."+consistentZone, "weighted", 1)

	// (h) a canary rollout: version 2 for 10% of the client subnets.
	for v := 1; v <= 2; v++ {
		w.policy("canary", v, obj{
			"AWSPolicyFormatVersion": "2015-10-01", "RecordType": "A", "StartEndpoint": "web",
			"Endpoints": obj{"web": value(fmt.Sprintf("192.0.2.%d", 30+v))},
		})
	}
	records = append(records, obj{"Name": "canary." + zone, "Policy": "canary", "Version": 1, "TTL": 60,
		"Canary": obj{"Version": 2, "Percent": 10}})

	// (c) geo: US states, then countries, then continents, then the default.
	endpoints, items = obj{}, nil
	n := 0
	location := func(key, val, key2, val2 string) {
		id := fmt.Sprintf("g%d", n)
		endpoints[id] = value(fmt.Sprintf("10.%d.%d.1", 1+n/250, n%250))
		l := obj{key: val, "EndpointReference": id}
		if key2 != "" {
			l[key2] = val2
		}
		items = append(items, l)
		n++
	}
	for _, s := range usStates {
		location("Country", "US", "Subdivision", s)
	}
	for _, c := range geoCountries {
		location("Country", c, "", "")
	}
	for _, c := range continents {
		location("Continent", c, "", "")
	}
	location("Country", "*", "", "")
	w.policy("geo", 1, obj{
		"AWSPolicyFormatVersion": "2015-10-01", "RecordType": "A", "StartRule": "where",
		"Endpoints": endpoints,
		"Rules":     obj{"where": obj{"RuleType": "geo", "Locations": items}},
	})
	record("geo."+zone, "geo", 1)

	// (d) geo (by continent) → weighted (blue 90 / green 10) → failover
	// (primary with a health check, secondary without).
	endpoints = obj{}
	rules := obj{}
	var locations []obj
	var checks []obj
	for ri, region := range treeRegions {
		split := "split-" + region
		l := obj{"RuleReference": split, "EvaluateTargetHealth": true}
		if region == "default" {
			l["IsDefault"] = true
		} else {
			l["Continent"] = region
		}
		locations = append(locations, l)
		var splitItems []obj
		for ci, color := range []string{"blue", "green"} {
			fo := "fo-" + region + "-" + color
			primary, secondary := region+"-"+color+"-a", region+"-"+color+"-b"
			endpoints[primary] = value(fmt.Sprintf("203.0.113.%d", ri*10+ci*2+1))
			endpoints[secondary] = value(fmt.Sprintf("203.0.113.%d", ri*10+ci*2+2))
			hc := "hc-" + region + "-" + color
			checks = append(checks, obj{"Id": hc, "HealthCheckConfig": obj{
				"Type": "TCP", "IPAddress": "127.0.0.1", "Port": port, "RequestInterval": 30, "FailureThreshold": 3}})
			rules[fo] = obj{"RuleType": "failover",
				"Primary":   obj{"EndpointReference": primary, "HealthCheck": hc},
				"Secondary": obj{"EndpointReference": secondary}}
			splitItems = append(splitItems, obj{"RuleReference": fo, "Weight": []int{90, 10}[ci]})
		}
		rules[split] = obj{"RuleType": "weighted", "Items": splitItems}
	}
	rules["by-continent"] = obj{"RuleType": "geo", "Locations": locations}
	w.policy("tree", 1, obj{
		"AWSPolicyFormatVersion": "2015-10-01", "RecordType": "A", "StartRule": "by-continent",
		"Endpoints": endpoints, "Rules": rules,
	})
	record("tree."+zone, "tree", 1)

	// (e) multivalue: ten endpoints, eight answers.
	endpoints, items = obj{}, nil
	for i := 1; i <= 10; i++ {
		id := fmt.Sprintf("m%d", i)
		endpoints[id] = value(fmt.Sprintf("198.51.100.%d", i))
		items = append(items, obj{"EndpointReference": id})
	}
	w.policy("multivalue", 1, obj{
		"AWSPolicyFormatVersion": "2015-10-01", "RecordType": "A", "StartRule": "pool",
		"Endpoints": endpoints,
		"Rules":     obj{"pool": obj{"RuleType": "multivalue", "Items": items}},
	})
	record("multivalue."+zone, "multivalue", 1)

	// (f) manyPolicies policies of manyVersions versions each (weighted,
	// failover or a single endpoint), and manyRecords records over them.
	for p := range manyPolicies {
		for v := 1; v <= manyVersions; v++ {
			a := fmt.Sprintf("198.18.%d.%d", p/250, (p%250)+v)
			b := fmt.Sprintf("198.19.%d.%d", p/250, (p%250)+v)
			var doc obj
			switch p % 3 {
			case 0:
				doc = obj{"StartRule": "split", "Endpoints": obj{"a": value(a), "b": value(b)},
					"Rules": obj{"split": obj{"RuleType": "weighted", "Items": []obj{
						{"EndpointReference": "a", "Weight": 70}, {"EndpointReference": "b", "Weight": 30}}}}}
			case 1:
				doc = obj{"StartRule": "fo", "Endpoints": obj{"a": value(a), "b": value(b)},
					"Rules": obj{"fo": obj{"RuleType": "failover",
						"Primary": obj{"EndpointReference": "a"}, "Secondary": obj{"EndpointReference": "b"}}}}
			default:
				doc = obj{"StartEndpoint": "a", "Endpoints": obj{"a": value(a)}}
			}
			doc["AWSPolicyFormatVersion"] = "2015-10-01"
			doc["RecordType"] = "A"
			w.policy(manyPolicy(p), v, doc)
		}
	}
	for i := range manyRecords {
		record(manyName(i), manyPolicy(i%manyPolicies), (i/manyPolicies)%manyVersions+1)
	}

	w.json("records.json", obj{"PolicyRecords": records})
	w.json("healthchecks.json", obj{"HealthChecks": checks})
	forced := obj{}
	for _, id := range forcedUnhealthy {
		forced[id] = "unhealthy"
	}
	w.json("healthstate.json", forced)
	return w.err
}

func manyPolicy(p int) string { return fmt.Sprintf("p%04d", p) }

func manyName(i int) string { return fmt.Sprintf("r%05d.%s", i, manyZone) }

func fileManyName(i int) string { return fmt.Sprintf("r%05d.%s", i, fileManyZone) }

func value(v string) obj { return obj{"Type": "value", "Value": v} }

// storeWriter writes store files, keeping the first error.
type storeWriter struct {
	dir string
	err error
}

func (w *storeWriter) policy(name string, version int, doc obj) {
	w.json(filepath.Join("policies", name, fmt.Sprintf("%d.json", version)), doc)
}

func (w *storeWriter) json(rel string, v any) {
	if w.err != nil {
		return
	}
	path := filepath.Join(w.dir, rel)
	if w.err = os.MkdirAll(filepath.Dir(path), 0o755); w.err != nil {
		return
	}
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		w.err = err
		return
	}
	w.err = os.WriteFile(path, append(b, '\n'), 0o644)
}

// writeZones writes the file plugin's zones into dir: example.org (the
// static names of the baselines) and filemany.example.org (manyRecords
// names).
func writeZones(dir string) error {
	z := []string{
		"$ORIGIN " + zone,
		"@       3600 IN SOA  ns1 hostmaster 2026112601 7200 1800 1209600 300",
		"@       3600 IN NS   ns1",
		"ns1     3600 IN A    192.0.2.53",
		"static  3600 IN A    " + staticAddr,
	}
	for i := 1; i <= 8; i++ {
		z = append(z, fmt.Sprintf("static8 3600 IN A    192.0.2.%d", 100+i))
	}
	if err := os.WriteFile(filepath.Join(dir, "db.example.org"), []byte(strings.Join(z, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	z = []string{
		"$ORIGIN " + fileManyZone,
		"@       3600 IN SOA  ns1.example.org. hostmaster.example.org. 2026112601 7200 1800 1209600 300",
		"@       3600 IN NS   ns1.example.org.",
	}
	for i := range manyRecords {
		z = append(z, fmt.Sprintf("%s 60 IN A 198.18.%d.%d", fileManyName(i), 100+i/250, i%250+1))
	}
	return os.WriteFile(filepath.Join(dir, "db.filemany.example.org"), []byte(strings.Join(z, "\n")+"\n"), 0o644)
}
