package trafficflow

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReloadInvalidStore breaks the store in several ways: each time the
// running answers stay, the failure counter rises, no reload succeeds, and
// every error is logged with its file and JSON path; fixing the store
// applies the fix.
func TestReloadInvalidStore(t *testing.T) {
	records := func(recs ...prec) func(t *testing.T, dir string) {
		return func(t *testing.T, dir string) {
			renameOver(t, filepath.Join(dir, "records.json"), recordsFile(recs...))
		}
	}
	write := func(rel, content string) func(t *testing.T, dir string) {
		return func(t *testing.T, dir string) { renameOver(t, filepath.Join(dir, rel), content) }
	}
	cases := []struct {
		name string
		// breaks are applied one after the other; each must fail and log
		// an error line starting with its logs[i][0] (file: path: ) that
		// contains the other strings of logs[i].
		breaks []func(t *testing.T, dir string)
		logs   [][]string
		fix    func(t *testing.T, dir string)
		// the fix's answer to www.example.org (or sw.example.org).
		www, sw string
	}{
		{
			name: "bad JSON, still bad after another change",
			breaks: []func(t *testing.T, dir string){
				write("records.json", `{"PolicyRecords":[{"Name":"www.example.org.","Policy":"web",`),
				write("records.json", `{"PolicyRecords":[{"Name":"www.example.org.","Policy":"web","Version":2,"TTL":60}]`),
			},
			logs: [][]string{{"records.json: line 1, column 61: "}, {"records.json: line 1, column 83: "}},
			fix:  records(prec{"www.example.org.", "web", 2}, prec{"sw.example.org.", "sw", 1}),
			www:  "192.0.2.2", sw: "192.0.2.11",
		},
		{
			name:   "record refers to a missing version",
			breaks: []func(t *testing.T, dir string){records(prec{"www.example.org.", "web", 9}, prec{"sw.example.org.", "sw", 1})},
			logs:   [][]string{{`records.json: PolicyRecords[0].Version: policy "web" has no version 9`}},
			fix:    records(prec{"www.example.org.", "web", 2}, prec{"sw.example.org.", "sw", 1}),
			www:    "192.0.2.2", sw: "192.0.2.11",
		},
		{
			name: "rule refers to a missing endpoint",
			breaks: []func(t *testing.T, dir string){write("policies/sw/1.json",
				strings.Replace(switchPolicy("192.0.2.11", "192.0.2.12"), `"EndpointReference":"secondary"`, `"EndpointReference":"tertiary"`, 1))},
			logs: [][]string{{`policies/sw/1.json: Rules.switch.Secondary.EndpointReference: `, `"tertiary"`}},
			fix:  write("policies/sw/1.json", switchPolicy("192.0.2.13", "192.0.2.12")),
			www:  "192.0.2.1", sw: "192.0.2.13",
		},
		{
			name:   "missing health check",
			breaks: []func(t *testing.T, dir string){write("policies/sw/1.json", switchPolicyChecks("192.0.2.11", "hp", "192.0.2.12", "gone"))},
			logs:   [][]string{{`policies/sw/1.json: Rules.switch.Secondary.HealthCheck: `, `"gone"`}},
			fix:    write("policies/sw/1.json", switchPolicy("192.0.2.13", "192.0.2.12")),
			www:    "192.0.2.1", sw: "192.0.2.13",
		},
		{
			name: "health check in use removed",
			breaks: []func(t *testing.T, dir string){write("healthchecks.json",
				`{"HealthChecks":[{"Id":"hp","HealthCheckConfig":{"Type":"TCP","IPAddress":"127.0.0.1","Port":9,"RequestInterval":30,"FailureThreshold":10}}]}`)},
			logs: [][]string{{`policies/sw/1.json: Rules.switch.Secondary.HealthCheck: `, `"hs"`}},
			fix:  write("policies/sw/1.json", switchPolicyChecks("192.0.2.13", "hp", "192.0.2.12", "hp")),
			www:  "192.0.2.1", sw: "192.0.2.13",
		},
		{
			name: "version in use deleted",
			breaks: []func(t *testing.T, dir string){func(t *testing.T, dir string) {
				if err := os.Remove(filepath.Join(dir, "policies/web/1.json")); err != nil {
					t.Fatal(err)
				}
			}},
			logs: [][]string{{`records.json: PolicyRecords[0].Version: policy "web" has no version 1`}},
			fix:  records(prec{"www.example.org.", "web", 2}, prec{"sw.example.org.", "sw", 1}),
			www:  "192.0.2.2", sw: "192.0.2.11",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, reloadStore())
			tf := newPlugin(t, pluginOpts{dir: dir, block: "reload 0s", watch: true})
			log := captureLog(t)
			for i, brk := range tc.breaks {
				success, failure := reloadCount(t, "success"), reloadCount(t, "failure")
				logged := len(log.String())
				brk(t, dir)
				pollUntil(t, answerWait, func() (bool, string) {
					return reloadCount(t, "failure") > failure, fmt.Sprintf("break %d: reloads_total{result=failure} still %v", i, failure)
				})
				if got := reloadCount(t, "success"); got != success {
					t.Errorf("break %d: reloads_total{result=success} went from %v to %v", i, success, got)
				}
				assertAnswer(t, tf, "www.example.org.", "", "192.0.2.1")
				assertAnswer(t, tf, "sw.example.org.", "", "192.0.2.11")
				// The failure is counted before it is logged.
				pollUntil(t, answerWait, func() (bool, string) {
					out := log.String()[logged:]
					return strings.Contains(out, "[ERROR] plugin/trafficflow: policy store "+dir+" is invalid; the running configuration stays in service") &&
							hasLine(out, "[ERROR] plugin/trafficflow: "+tc.logs[i][0], tc.logs[i][1:]...),
						fmt.Sprintf("break %d: no error saying the store is invalid, or no error line with %q, in the log:\n%s", i, tc.logs[i], out)
				})
			}
			tc.fix(t, dir)
			waitAnswer(t, tf, "www.example.org.", "", tc.www)
			waitAnswer(t, tf, "sw.example.org.", "", tc.sw)
		})
	}
}

// hasLine reports whether text has a line containing prefix and every one
// of the other strings.
func hasLine(text, prefix string, others ...string) bool {
	for _, line := range strings.Split(text, "\n") {
		if !strings.Contains(line, prefix) {
			continue
		}
		found := true
		for _, s := range others {
			found = found && strings.Contains(line, s)
		}
		if found {
			return true
		}
	}
	return false
}
