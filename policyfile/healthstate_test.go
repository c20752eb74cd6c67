package policyfile

import "testing"

// healthstate.json forces states (in any case) of defined checks; a state
// for an undefined check is ignored with a warning.
func TestHealthStateFile(t *testing.T) {
	hcs := `{"HealthChecks":[{"Id":"web","HealthCheckConfig":{"Type":"TCP","IPAddress":"192.0.2.1","Port":80}},{"Id":"db","HealthCheckConfig":{"Type":"TCP","IPAddress":"192.0.2.2","Port":5432}}]}`
	runStoreCases(t, []storeCase{
		{name: "forced", files: map[string]string{"healthchecks.json": hcs, "healthstate.json": `{"web":"unhealthy","db":"Healthy"}`},
			check: func(t *testing.T, s *Store) {
				if s.Forced["web"] != ForcedUnhealthy || s.Forced["db"] != ForcedHealthy {
					t.Errorf("forced %v", s.Forced)
				}
			}},
		{name: "bad", files: map[string]string{"healthchecks.json": hcs, "healthstate.json": `{"web":"down","ghost":"healthy","db":true}`},
			want: []string{
				`healthstate.json: web: "down" is not a state (healthy or unhealthy)`,
				`healthstate.json: ghost: warning: no health check "ghost" in healthchecks.json; ignored`,
				`healthstate.json: db: must be a string, not a boolean`,
			}},
	})
}
