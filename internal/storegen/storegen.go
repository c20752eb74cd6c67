// Package storegen writes large synthetic policy stores for benchmarks:
// policies of several rule types, each with several versions, and many
// policy records bound to them.
package storegen

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
)

// Spec says what to generate.
type Spec struct {
	Policies int // number of policies
	Versions int // versions per policy
	Records  int // policy records, spread over the policies
	Zone     string
}

// Write creates the store in dir (which must exist).
func Write(dir string, s Spec) error {
	if s.Zone == "" {
		s.Zone = "example.org."
	}
	for p := range s.Policies {
		pdir := filepath.Join(dir, "policies", fmt.Sprintf("p%d", p))
		if err := os.MkdirAll(pdir, 0o755); err != nil {
			return err
		}
		for v := 1; v <= s.Versions; v++ {
			if err := os.WriteFile(filepath.Join(pdir, fmt.Sprintf("%d.json", v)), []byte(Document(p, v)), 0o644); err != nil {
				return err
			}
		}
	}
	var recs []string
	for i := range s.Records {
		recs = append(recs, fmt.Sprintf(`{"Name":"r%d.%s","Policy":"p%d","Version":%d,"TTL":60}`, i, s.Zone, i%max(s.Policies, 1), 1+i%max(s.Versions, 1)))
	}
	checks := `{"HealthChecks":[{"Id":"hc-a","HealthCheckConfig":{"Type":"TCP","IPAddress":"127.0.0.1","Port":9,"RequestInterval":300}},
{"Id":"hc-b","HealthCheckConfig":{"Type":"TCP","IPAddress":"127.0.0.1","Port":9,"RequestInterval":300}}]}`
	if err := os.WriteFile(filepath.Join(dir, "healthchecks.json"), []byte(checks), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "records.json"), []byte(`{"PolicyRecords":[`+strings.Join(recs, ",\n")+"]}\n"), 0o644)
}

// Document returns version v of policy p: a geo → weighted → failover tree,
// a weighted rule or a failover pair, in turn.
func Document(p, v int) string {
	ip := func(n int) string { return fmt.Sprintf("10.%d.%d.%d", p/250%250, p%250, (v*16+n)%250) }
	switch p % 3 {
	case 0:
		return fmt.Sprintf(`{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"geo",
"Endpoints":{"eu-a":{"Type":"value","Value":"%s"},"eu-b":{"Type":"value","Value":"%s"},"us-a":{"Type":"value","Value":"%s"},"us-b":{"Type":"value","Value":"%s"},"rest":{"Type":"value","Value":"%s"}},
"Rules":{"geo":{"RuleType":"geo","Locations":[{"Continent":"EU","RuleReference":"eu"},{"Country":"US","RuleReference":"us"},{"IsDefault":true,"EndpointReference":"rest"}]},
"eu":{"RuleType":"weighted","Items":[{"RuleReference":"eu-pair","Weight":90},{"EndpointReference":"eu-b","Weight":10}]},
"eu-pair":{"RuleType":"failover","Primary":{"EndpointReference":"eu-a","HealthCheck":"hc-a"},"Secondary":{"EndpointReference":"eu-b"}},
"us":{"RuleType":"failover","Primary":{"EndpointReference":"us-a","HealthCheck":"hc-b"},"Secondary":{"EndpointReference":"us-b"}}}}`,
			ip(1), ip(2), ip(3), ip(4), ip(5))
	case 1:
		return fmt.Sprintf(`{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"w",
"Endpoints":{"a":{"Type":"value","Value":"%s"},"b":{"Type":"value","Value":"%s"},"c":{"Type":"value","Value":"%s"}},
"Rules":{"w":{"RuleType":"weighted","Items":[{"EndpointReference":"a","Weight":"50","HealthCheck":"hc-a"},{"EndpointReference":"b","Weight":"30"},{"EndpointReference":"c","Weight":"20"}]}}}`,
			ip(1), ip(2), ip(3))
	default:
		return fmt.Sprintf(`{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"f",
"Endpoints":{"a":{"Type":"value","Value":"%s"},"b":{"Type":"value","Value":"%s"}},
"Rules":{"f":{"RuleType":"failover","Primary":{"EndpointReference":"a","HealthCheck":"hc-a"},"Secondary":{"EndpointReference":"b","HealthCheck":"hc-b"}}}}`,
			ip(1), ip(2))
	}
}

// WriteFiles writes files (path relative to dir, with forward slashes →
// content) into dir, creating directories as needed. Tests build small
// stores with it.
func WriteFiles(dir string, files map[string]string) error {
	for rel, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// With returns a copy of files with the changes applied (an empty content
// deletes the file). Tests derive stores from one another with it.
func With(files, changes map[string]string) map[string]string {
	out := make(map[string]string, len(files)+len(changes))
	maps.Copy(out, files)
	for k, v := range changes {
		if v == "" {
			delete(out, k)
			continue
		}
		out[k] = v
	}
	return out
}
