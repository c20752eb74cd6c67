package policyfile

import (
	"path/filepath"
	"strings"
	"testing"
)

// An empty directory is an empty store; a missing one is a problem.
func TestEmptyStore(t *testing.T) {
	s, probs := Load(t.TempDir(), Options{})
	if probs.Err() != nil || len(s.Records) != 0 || len(s.Policies) != 0 {
		t.Fatalf("empty store: %v", probs)
	}
	if s.Summary() != "0 policies, 0 versions, 0 policy records, 0 aliases, 0 health checks" {
		t.Errorf("summary %q", s.Summary())
	}
	_, probs = Load(filepath.Join(t.TempDir(), "nope"), Options{})
	if len(probs) != 1 || !strings.HasSuffix(probs[0].String(), "nope: no such file or directory") {
		t.Errorf("missing dir: %v", probs)
	}
}

// Strict mode turns a store's warnings into errors; LoadError lists every
// error.
func TestStrictStore(t *testing.T) {
	files := map[string]string{"policies/web/1.json": `{"_note":"x",` + simpleDoc[1:], "records.json": records(rec("www.example.com", "web", 1))}
	dir := writeStore(t, files)
	if s, probs := Load(dir, Options{}); probs.Err() != nil || len(s.Warnings) != 1 {
		t.Errorf("lenient: %v", probs)
	}
	if _, probs := Load(dir, Options{Strict: true}); probs.Err() == nil || probs[0].String() != "policies/web/1.json: _note: unknown key; remove it, or correct its name" {
		t.Errorf("strict: %v", probs)
	}
	err := Problems{{File: "a.json", Path: "X", Message: "bad"}, {File: "b.json", Message: "worse"}}.Err()
	if err == nil || err.Error() != "a.json: X: bad\nb.json: worse" {
		t.Errorf("LoadError = %v", err)
	}
}

// Problems a store reports outside any document: duplicate keys at their
// own path, files that are not regular files, strict mode.
func TestStoreFileProblems(t *testing.T) {
	hcs := `{"HealthChecks":[{"Id":"web","HealthCheckConfig":{"Type":"TCP","IPAddress":"192.0.2.1","Port":80}}]}`
	list := `{"TrafficPolicies":[{"Version":1,"Document":` + jsonString(simpleDoc) + `},{"Version":1,"Document":` + simpleDoc + `}]}`
	runStoreCases(t, []storeCase{
		{name: "duplicate key at top level", files: map[string]string{"healthchecks.json": hcs, "healthstate.json": `{"web":"healthy","web":"unhealthy"}`},
			want: []string{`healthstate.json: web: duplicate key`},
			check: func(t *testing.T, s *Store) {
				if s.Forced["web"] != ForcedHealthy {
					t.Errorf("forced %v: the first value counts", s.Forced)
				}
			}},
		{name: "duplicate key in a wrapper", files: map[string]string{"policies/web/1.json": `{"Document":` + simpleDoc + `,"Document":` + simpleDoc + `}`},
			want: []string{`policies/web/1.json: Document: duplicate key`}},
		{name: "duplicate key spelled differently", files: map[string]string{"healthchecks.json": `{"web":{"Type":"TCP","IPAddress":"192.0.2.1","Port":80,"port":81}}`},
			want: []string{`healthchecks.json: web.port: warning: key should be spelled "Port"; accepted`, `healthchecks.json: web.port: duplicate key`}},
		{name: "version twice in one file", files: map[string]string{"policies/web.json": list},
			want: []string{`policies/web.json: TrafficPolicies[1].Version: version 1 of policy "web" is already defined earlier in this file`}},
		{name: "strict: not a store file", opts: Options{Strict: true}, files: map[string]string{"policies/notes.txt": "x", "policies/web/notes.txt": "x"},
			want: []string{`policies/notes.txt: not a .json, .yaml or .yml file; remove it from the store`, `policies/web/notes.txt: not a .json, .yaml or .yml file; remove it from the store`}},
	})
	// No record uses the version, so the missing check only warns; strict
	// makes that an error.
	dir := writeStore(t, map[string]string{"policies/web/1.json": failoverHC})
	_, probs := Load(dir, Options{Strict: true})
	if err := probs.Err(); err == nil || err.Error() != `policies/web/1.json: Rules.r.Primary.HealthCheck: no health check "web-primary" in healthchecks.json (no record uses this version); define the check in healthchecks.json, or remove the reference` {
		t.Errorf("strict unused version: %v", err)
	}
}
