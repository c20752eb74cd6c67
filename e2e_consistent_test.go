package trafficflow

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// consistentStore: split.example.org draws among a, b, c (50/50/50; c has
// a health check), pool.example.org answers 8 of 12, and
// canary.example.org answers version 1 (192.0.2.1) but version 2
// (192.0.2.2) to 10% of its clients.
func consistentStore() map[string]string {
	var eps, items []string
	for i := range 12 {
		eps = append(eps, fmt.Sprintf(`"m%d":{"Type":"value","Value":"198.51.100.%d"}`, i, i+1))
		items = append(items, fmt.Sprintf(`{"EndpointReference":"m%d"}`, i))
	}
	split := func(a int) string {
		return fmt.Sprintf(`{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"w",
			"Endpoints":{"a":{"Type":"value","Value":"192.0.2.10"},"b":{"Type":"value","Value":"192.0.2.11"},"c":{"Type":"value","Value":"192.0.2.12"}},
			"Rules":{"w":{"RuleType":"weighted","Items":[{"EndpointReference":"a","Weight":%d},{"EndpointReference":"b","Weight":50},
			{"EndpointReference":"c","Weight":50,"HealthCheck":"hc"}]}}}`, a)
	}
	return map[string]string{
		"policies/split/1.json": split(50),
		"policies/split/2.json": split(60),
		"policies/pool/1.json": `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"p","Endpoints":{` + strings.Join(eps, ",") +
			`},"Rules":{"p":{"RuleType":"multivalue","Items":[` + strings.Join(items, ",") + `]}}}`,
		"policies/one/1.json": valuePolicy("A", "192.0.2.1"),
		"policies/one/2.json": valuePolicy("A", "192.0.2.2"),
		"healthchecks.json":   `{"hc":{"Type":"TCP","IPAddress":"127.0.0.1","Port":9,"RequestInterval":300}}`,
		"healthstate.json":    `{"hc":"healthy"}`,
		"records.json":        consistentRecords(1, `"Canary":{"Version":2,"Percent":10}`, ""),
	}
}

// consistentRecords binds split to version v and canary.example.org with
// the canary fields given, plus an extra record (a marker that tells when a
// reload is in service).
func consistentRecords(v int, canary, extra string) string {
	if canary != "" {
		canary = "," + canary
	}
	if extra != "" {
		extra = "," + extra
	}
	return fmt.Sprintf(`{"PolicyRecords":[{"Name":"split.example.org","Policy":"split","Version":%d,"TTL":60},
		{"Name":"pool.example.org","Policy":"pool","Version":1,"TTL":60},
		{"Name":"canary.example.org","Policy":"one","Version":1,"TTL":60%s}%s]}`, v, canary, extra)
}

// subnet is the i-th client /24.
func subnet(i int) string { return fmt.Sprintf("10.%d.%d.0/24", i/256, i%256) }

func answerText(t testing.TB, addr, name string, i int) string {
	t.Helper()
	return strings.Join(values(exchange(t, addr, name, dns.TypeA, subnet(i))), " ")
}

// Many replicas, one behaviour: two server processes on one store give
// every client subnet the same answers in consistent mode; weighted shares
// follow the weights; a weight change in a new version moves few clients;
// an unhealthy branch moves only its own; a canary takes 10% of the
// subnets, the same ones on every server, and is promoted or aborted by a
// reload.
func TestE2EConsistent(t *testing.T) {
	dir := writeFiles(t, consistentStore())
	corefile := "example.org:0 {\nbind 127.0.0.1\ntrafficflow " + dir + " {\nconsistent\nreload 0s\n}\n}"
	a, b := startProcess(t, corefile), startProcess(t, corefile)

	for i := range 1000 {
		for _, name := range []string{"split.example.org.", "pool.example.org.", "canary.example.org."} {
			if x, y := answerText(t, a, name, i), answerText(t, b, name, i); x != y {
				t.Fatalf("%s from %s: %q from one server, %q from the other", name, subnet(i), x, y)
			}
		}
	}
	if m := exchange(t, a, "split.example.org.", dns.TypeA, "10.9.8.7/32"); ecsOf(m) == nil || ecsOf(m).SourceScope != 24 {
		t.Errorf("a keyed answer's ECS scope: %v, want 24 (the key's subnet)", ecsOf(m))
	}

	const n = 10000
	before := make([]string, n)
	counts := map[string]int{}
	canaried := 0
	for i := range n {
		before[i] = answerText(t, a, "split.example.org.", i)
		counts[before[i]]++
		if answerText(t, a, "canary.example.org.", i) == "192.0.2.2" {
			canaried++
			if answerText(t, b, "canary.example.org.", i) != "192.0.2.2" {
				t.Fatalf("%s is in the canary on one server only", subnet(i))
			}
		}
	}
	for _, v := range []string{"192.0.2.10", "192.0.2.11", "192.0.2.12"} {
		if share := float64(counts[v]) / n; math.Abs(share-1.0/3) > 0.02 {
			t.Errorf("%s answered to %.3f of the subnets, want 1/3 within 2 points", v, share)
		}
	}
	if share := float64(canaried) / n; math.Abs(share-0.10) > 0.02 {
		t.Errorf("the canary reached %.3f of the subnets, want 10%% ± 2", share)
	}

	// A new version changes a's weight 50 → 60.
	reload := func(records string, marker string) {
		t.Helper()
		renameOver(t, filepath.Join(dir, "records.json"), records)
		waitServed(t, a, marker, "192.0.2.1")
	}
	reload(consistentRecords(2, `"Canary":{"Version":2,"Percent":10}`, `{"Name":"m1.example.org","Policy":"one","Version":1,"TTL":60}`), "m1.example.org.")
	moved := 0
	after := make([]string, n)
	for i := range n {
		after[i] = answerText(t, a, "split.example.org.", i)
		if after[i] != before[i] {
			moved++
			if after[i] != "192.0.2.10" {
				t.Fatalf("%s moved %s → %s; only moves to a are needed", subnet(i), before[i], after[i])
			}
		}
	}
	if frac := float64(moved) / n; frac > 0.12 {
		t.Errorf("%.1f%% of the subnets moved for a weight 50 → 60, want at most 12%%", 100*frac)
	}

	// c goes unhealthy: only its subnets move.
	renameOver(t, filepath.Join(dir, "healthstate.json"), `{"hc":"unhealthy"}`)
	reload(consistentRecords(2, `"Canary":{"Version":2,"Percent":10}`, `{"Name":"m2.example.org","Policy":"one","Version":1,"TTL":60}`), "m2.example.org.")
	for i := range n {
		now := answerText(t, a, "split.example.org.", i)
		if (after[i] == "192.0.2.12") == (now == after[i]) {
			t.Fatalf("%s: %s → %s when c went unhealthy: only c's subnets may move, and all of them", subnet(i), after[i], now)
		}
	}

	// Promote: every client gets version 2; abort: every client version 1.
	count := func() int {
		c := 0
		for i := range 2000 {
			if answerText(t, a, "canary.example.org.", i) == "192.0.2.2" {
				c++
			}
		}
		return c
	}
	reload(strings.Replace(consistentRecords(2, "", `{"Name":"m3.example.org","Policy":"one","Version":1,"TTL":60}`),
		`"Policy":"one","Version":1,"TTL":60}`, `"Policy":"one","Version":2,"TTL":60}`, 1), "m3.example.org.")
	if c := count(); c != 2000 {
		t.Errorf("promoted: %d of 2000 subnets get version 2, want all", c)
	}
	reload(consistentRecords(2, "", `{"Name":"m4.example.org","Policy":"one","Version":1,"TTL":60}`), "m4.example.org.")
	if c := count(); c != 0 {
		t.Errorf("aborted: %d of 2000 subnets get version 2, want none", c)
	}
}
