package evaluate

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"testing"
)

// subnetKey is the key of the i-th /24 and a record name.
func subnetKey(i int, name string) uint64 {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(0x0a000000+i<<8))
	return HashString(HashKey(0, b[:3]), name)
}

func keyedAnswer(p *Evaluator, key uint64) string {
	var res Result
	p.Evaluate(&Query{Keyed: true, Key: key, Seed: 12345}, &res)
	ids := make([]string, res.N)
	for i, e := range res.Endpoints[:res.N] {
		ids[i] = p.Endpoints()[e].ID
	}
	return strings.Join(ids, " ")
}

// Keyed weighted choices: the same key always gets the same answer
// whatever the seed; over 10,000 keys the shares follow the weights within
// 2 points; changing one weight 50 → 60 (of 50/50/50) moves only keys
// towards that item, about 5%; an unhealthy item moves only its own keys.
func TestKeyedWeighted(t *testing.T) {
	h := Static{}
	w := func(a, b, c int) *Evaluator {
		return compile(t, doc("w", endpoints("a", "b", "c"), fmt.Sprintf(`"w":{"RuleType":"weighted","Items":[
			{"EndpointReference":"a","Weight":%d,"HealthCheck":"a"},{"EndpointReference":"b","Weight":%d},{"EndpointReference":"c","Weight":%d}]}`, a, b, c)), h, BiasLegacy)
	}
	v1, v2 := w(50, 50, 50), w(60, 50, 50)
	const n = 10000
	before := make([]string, n)
	counts := map[string]int{}
	for i := range n {
		k := subnetKey(i, "www.example.org.")
		before[i] = keyedAnswer(v1, k)
		counts[before[i]]++
		var res Result
		v1.Evaluate(&Query{Keyed: true, Key: k, Seed: uint64(i)}, &res)
		if got := v1.Endpoints()[res.Endpoints[0]].ID; got != before[i] || !res.UsedKey {
			t.Fatalf("key %d: %s with another seed, %s before (UsedKey %v)", i, got, before[i], res.UsedKey)
		}
	}
	for _, id := range []string{"a", "b", "c"} {
		if share := float64(counts[id]) / n; math.Abs(share-1.0/3) > 0.02 {
			t.Errorf("share of %s: %.3f, want 1/3 within 2 points", id, share)
		}
	}
	moved := 0
	for i := range n {
		after := keyedAnswer(v2, subnetKey(i, "www.example.org."))
		if after != before[i] {
			moved++
			if after != "a" {
				t.Fatalf("key %d moved %s → %s; only moves to a are needed", i, before[i], after)
			}
		}
	}
	// Ideal: a goes from 1/3 to 60/160, 4.2% of keys.
	if frac := float64(moved) / n; frac > 0.06 || frac < 0.02 {
		t.Errorf("%.1f%% of keys moved for 50 → 60, want about 4%%", 100*frac)
	}
	h.Set("a", false)
	for i := range n {
		after := keyedAnswer(v1, subnetKey(i, "www.example.org."))
		if (before[i] == "a") == (after == before[i]) {
			t.Fatalf("key %d: %s → %s with a unhealthy: only a's keys may move, and all of them", i, before[i], after)
		}
	}
}

// Keyed multivalue: up to 8 of the eligible items, the same for a key
// whatever the seed, each item in about 8/12 of the answers; an unhealthy
// item leaves the answers it was not in unchanged.
func TestKeyedMultivalue(t *testing.T) {
	h := Static{}
	var ids, items []string
	for i := range 12 {
		id := fmt.Sprintf("m%d", i)
		ids = append(ids, id)
		items = append(items, fmt.Sprintf(`{"EndpointReference":%q,"HealthCheck":%q}`, id, id))
	}
	p := compile(t, doc("pool", endpoints(ids...), `"pool":{"RuleType":"multivalue","Items":[`+strings.Join(items, ",")+`]}`), h, BiasLegacy)
	const n = 5000
	counts := map[string]int{}
	before := make([]string, n)
	for i := range n {
		before[i] = keyedAnswer(p, subnetKey(i, "pool.example.org."))
		got := strings.Fields(before[i])
		if len(got) != 8 {
			t.Fatalf("key %d: %v", i, got)
		}
		for _, id := range got {
			counts[id]++
		}
	}
	for _, id := range ids {
		if share := float64(counts[id]) / n; math.Abs(share-8.0/12) > 0.03 {
			t.Errorf("%s in %.3f of the answers, want 8/12", id, share)
		}
	}
	h.Set("m0", false)
	for i := range n {
		if !strings.Contains(" "+before[i]+" ", " m0 ") && keyedAnswer(p, subnetKey(i, "pool.example.org.")) != before[i] {
			t.Fatalf("key %d: an answer without m0 changed when m0 went down", i)
		}
	}
}

// Keyed evaluation allocates nothing.
func TestKeyedAllocations(t *testing.T) {
	p := compile(t, doc("w", endpoints("a", "b"), `"w":{"RuleType":"weighted","Items":[{"EndpointReference":"a","Weight":1},{"EndpointReference":"b","Weight":3}]}`), Static{}, BiasLegacy)
	var res Result
	for _, keyed := range []bool{false, true} {
		if allocs := testing.AllocsPerRun(100, func() { p.Evaluate(&Query{Keyed: keyed, Key: 7, Seed: 1}, &res) }); allocs != 0 {
			t.Errorf("keyed %v: %v allocations", keyed, allocs)
		}
	}
}
