// Package policyfile reads a trafficflow policy store: Route 53 traffic
// policy documents and their versions, policy records and aliases, health
// checks and forced health states, and policy tests, from a directory on
// disk, into an immutable, validated model.
//
// The store layout is:
//
//	DIR/policies/NAME/VERSION.json   one version of policy NAME (VERSION = 1..1000)
//	DIR/policies/NAME.json           many versions of NAME in one file
//	                                 (aws route53 list-traffic-policy-versions)
//	DIR/records.json                 policy records and alias names
//	DIR/healthchecks.json            health checks (aws route53 list-health-checks)
//	DIR/healthstate.json             forced health-check states
//	DIR/locations.json               coordinates for regions and Local Zones
//	DIR/tests.json                   policy tests (run by package policytest)
//
// Every problem a user can cause is reported as a Problem that names the
// file (relative to DIR) and the JSON path of the offending value. Files,
// JSON or YAML, are parsed by internal/jsontree, which keeps what such
// messages need: member order, duplicate keys and numbers as written. The
// package has no CoreDNS imports.
package policyfile
