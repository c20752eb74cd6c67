package trafficflow

import (
	"fmt"
	"strings"
	"testing"

	"github.com/coredns/coredns/plugin/test"
	"github.com/miekg/dns"
)

// The owner of an answer is the name the client asked, for aliases too
// (the apex and shop.example.org. lead to www.example.org.), in the case
// the client wrote it; so is the question's. A case-changed query gets a
// copy: the shared precomputed record keeps its owner.
func TestOwnerName(t *testing.T) {
	tf := newPlugin(t, pluginOpts{files: baseStore(), locator: geoStub})
	for _, name := range []string{"www.example.org.", "example.org.", "shop.example.org.", "WwW.ExAmPlE.oRg.", "Shop.Example.ORG.", "www.example.org."} {
		m := checkCase(t, tf, test.Case{Qname: name, Qtype: dns.TypeA, Authoritative: true,
			Answer: []dns.RR{test.A(name + " 60 IN A 192.0.2.1")}})
		if m != nil && m.Question[0].Name != name {
			t.Errorf("%s: question %s", name, m.Question[0].Name)
		}
	}
}

// Multivalue through DNS: never more than 8 records, never an unhealthy
// one while healthy ones exist.
func TestMultivalueAnswers(t *testing.T) {
	var eps, items, checks []string
	for i := range 12 {
		eps = append(eps, fmt.Sprintf(`"n%d":{"Type":"value","Value":"198.51.100.%d"}`, i, i))
		items = append(items, fmt.Sprintf(`{"EndpointReference":"n%d","HealthCheck":"c%d"}`, i, i))
		checks = append(checks, fmt.Sprintf(`{"Id":"c%d","HealthCheckConfig":{"Type":"TCP","IPAddress":"127.0.0.1","Port":9}}`, i))
	}
	files := map[string]string{
		"policies/pool/1.json": `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"m","Endpoints":{` + strings.Join(eps, ",") +
			`},"Rules":{"m":{"RuleType":"multivalue","Items":[` + strings.Join(items, ",") + `]}}}`,
		"healthchecks.json": `{"HealthChecks":[` + strings.Join(checks, ",") + `]}`,
		"records.json":      `{"PolicyRecords":[{"Name":"pool.example.org","Policy":"pool","Version":1,"TTL":30}]}`,
	}
	tf := newPlugin(t, pluginOpts{files: files})
	for healthy := 0; healthy <= 12; healthy += 3 {
		for i := range 12 {
			tf.health.Cell(fmt.Sprintf("c%d", i)).Store(i < healthy)
		}
		for range 100 {
			m, _ := ask(t, tf, "pool.example.org.", dns.TypeA, "", "")
			got := values(m)
			want := min(max(healthy, 8*boolInt(healthy == 0)), 8)
			if len(got) != want {
				t.Fatalf("%d healthy: %d records, want %d", healthy, len(got), want)
			}
			seen := map[string]bool{}
			for _, v := range got {
				var n int
				fmt.Sscanf(v, "198.51.100.%d", &n)
				if seen[v] || (healthy > 0 && n >= healthy) {
					t.Fatalf("%d healthy: answer %v", healthy, got)
				}
				seen[v] = true
			}
		}
	}
}
