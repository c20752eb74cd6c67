package trafficflow

import (
	"net/netip"
	"testing"

	"github.com/miekg/dns"
)

// The client key is the ECS subnet (or the resolver's address) cut to /24
// or /56, or to a shorter ECS source prefix; a keyed answer's ECS scope
// covers it, and the same key gets the same answer whatever the seed.
func TestClientKey(t *testing.T) {
	files := consistentStore()
	for _, tc := range []struct {
		name, ecs string
		scope     uint8
	}{
		{"IPv4 /32 → /24", "10.1.2.3/32", 24},
		{"IPv4 /16 stays /16", "10.1.0.0/16", 16},
		{"IPv6 /64 → /56", "2001:db8:1:2::/64", 56},
		{"IPv6 /48 stays /48", "2001:db8:1::/48", 48},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var answers []string
			for seed := range uint64(5) {
				tf := newPlugin(t, pluginOpts{files: files, block: "consistent", seed: func() uint64 { return seed }})
				m, _ := ask(t, tf, "split.example.org.", dns.TypeA, "", tc.ecs)
				if e := ecsOf(m); e == nil || e.SourceScope != tc.scope {
					t.Fatalf("scope %v, want %d", e, tc.scope)
				}
				answers = append(answers, values(m)[0])
			}
			for _, a := range answers {
				if a != answers[0] {
					t.Errorf("answers %v: want one answer for one key whatever the seed", answers)
				}
			}
		})
	}
	// Without consistent, a weighted answer does not depend on the client:
	// scope 0.
	tf := newPlugin(t, pluginOpts{files: files})
	if m, _ := ask(t, tf, "split.example.org.", dns.TypeA, "", "10.1.2.3/32"); ecsOf(m).SourceScope != 0 {
		t.Errorf("random draw: scope %d, want 0", ecsOf(m).SourceScope)
	}
	// A canary depends on the key whatever the mode.
	if m, _ := ask(t, tf, "canary.example.org.", dns.TypeA, "", "10.1.2.3/32"); ecsOf(m).SourceScope != 24 {
		t.Errorf("canary: scope %d, want 24", ecsOf(m).SourceScope)
	}
}

// explain says which side of a canary a client is on.
func TestExplainCanary(t *testing.T) {
	dir := writeFiles(t, consistentStore())
	x, _, err := NewExplainer(ExplainConfig{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	sides := map[string]int{}
	for i := range 300 {
		ex, err := x.Explain("canary.example.org", 0, ExplainClient{ECS: netip.MustParsePrefix(subnet(i))}, 1)
		if err != nil {
			t.Fatal(err)
		}
		c := ex.Links[0].Record.Canary
		if c == nil || c.Version != 2 || c.Percent != 10 {
			t.Fatalf("canary %+v", c)
		}
		want := map[string]string{"canary": "192.0.2.2", "stable": "192.0.2.1"}[c.Side]
		if len(ex.Answer.Records) != 1 || ex.Answer.Records[0] != "canary.example.org. 60 IN A "+want || ex.Links[0].Record.Version != map[string]int{"canary": 2, "stable": 1}[c.Side] {
			t.Fatalf("side %s, answer %v, version %d", c.Side, ex.Answer.Records, ex.Links[0].Record.Version)
		}
		sides[c.Side]++
	}
	if sides["canary"] == 0 || sides["stable"] < 200 {
		t.Errorf("sides %v", sides)
	}
}
