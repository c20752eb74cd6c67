package trafficflow

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

const latencyPolicy = `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"l",
"Endpoints":{"use1":{"Type":"value","Value":"192.0.2.1"},"euw1":{"Type":"value","Value":"192.0.2.2"}},
"Rules":{"l":{"RuleType":"latency","Regions":[{"EndpointReference":"use1","Region":"us-east-1"},{"EndpointReference":"euw1","Region":"eu-west-1"}]}}}`

// The latency_table directive: a client takes the row of the longest
// prefix holding it, regions its row does not list rank last, clients
// without a row take document order (no GeoIP database here), the ECS scope
// is the row's prefix length, and a reload applies a changed table (a
// broken one keeps the table in service).
func TestLatencyTable(t *testing.T) {
	table := filepath.Join(t.TempDir(), "latency.txt")
	mustWriteFile(t, table, `# measured from the resolvers
192.0.2.0/24      us-east-1=80 eu-west-1=20
192.0.2.128/25    us-east-1=5  eu-west-1=50
203.0.113.0/24    eu-west-1=50
2001:db8::/32     us-east-1=100 eu-west-1=10
`)
	tf := newPlugin(t, pluginOpts{files: map[string]string{
		"policies/lat/1.json": latencyPolicy,
		"records.json":        `{"PolicyRecords":[{"Name":"lat.example.org","Policy":"lat","Version":1,"TTL":60}]}`,
	}, block: "latency_table " + table + "\nreload 0s"})
	check := func(ecs, want string, scope uint8) {
		t.Helper()
		m, _ := ask(t, tf, "lat.example.org.", dns.TypeA, "", ecs)
		if got := strings.Join(values(m), " "); got != want {
			t.Errorf("ECS %s: answer %q, want %q", ecs, got, want)
		}
		if e := ecsOf(m); e == nil || e.SourceScope != scope {
			t.Errorf("ECS %s: reply ECS %v, want scope %d", ecs, e, scope)
		}
	}
	check("192.0.2.0/25", "192.0.2.2", 24)   // eu-west-1 is faster
	check("192.0.2.128/26", "192.0.2.1", 25) // the longer prefix's row
	check("203.0.113.0/24", "192.0.2.2", 24) // us-east-1 is not listed: last
	check("2001:db8:1::/48", "192.0.2.2", 32)
	check("198.51.100.0/24", "192.0.2.1", 0) // no row: document order

	mustWriteFile(t, table, "192.0.2.0/24 us-east-1=1 eu-west-1=20\n")
	if _, err := tf.loader.load(files{latency: true}); err != nil {
		t.Fatal(err)
	}
	check("192.0.2.0/25", "192.0.2.1", 24)
	check("192.0.2.128/26", "192.0.2.1", 24)

	mustWriteFile(t, table, "192.0.2.0/24 us-east-1=fast\n")
	_, err := tf.loader.load(files{latency: true})
	if err == nil || !strings.Contains(tf.invalid(err), "latency table "+table+" is invalid") || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("broken table: %v", err)
	}
	check("192.0.2.0/25", "192.0.2.1", 24) // the table in service stays
}
