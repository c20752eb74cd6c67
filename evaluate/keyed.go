package evaluate

import "math"

// Keyed choices (the plugin's "consistent" mode): weighted and multivalue
// rules choose by the query's key, a hash of (client subnet, record name),
// instead of drawing, so that every replica and every restart gives a
// client the same answer, without shared state.
//
// A weighted rule takes, among the items of the tier it draws from, the
// one with the lowest score -ln(u)/w, where u in (0, 1) is a hash of the
// key and the ID of what the item references (a rule or an endpoint) and w
// its weight in the tier: weighted rendezvous hashing. Over many keys each
// item wins in proportion to its weight; changing a weight, or an item
// going unhealthy, moves only the keys that must move, also across policy
// versions, since items are known by the IDs they reference. A multivalue
// rule answers the eligible items with the lowest scores (weight 1), in
// score order.

// keyedScore is an item's rendezvous score for a key: the lower, the
// better.
func keyedScore(key, id uint64, w uint64) float64 {
	u := (float64(mix64(key^id)>>11) + 0.5) / (1 << 53) // in (0, 1)
	return -math.Log(u) / float64(w)
}

// mix64 is splitmix64's finalizer: a bijection that spreads every input
// bit over the output.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// HashKey hashes bytes (a client subnet, a record name) into a key;
// chain several with h = HashKey(h, next).
func HashKey(h uint64, b []byte) uint64 {
	// FNV-1a, then mixed.
	if h == 0 {
		h = 14695981039346656037
	}
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return mix64(h)
}

// HashString is HashKey of a string, without converting it.
func HashString(h uint64, s string) uint64 {
	if h == 0 {
		h = 14695981039346656037
	}
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return mix64(h)
}

// keyedMultivalue answers up to MaxAnswers of a multivalue rule's eligible
// items (the healthy ones, or all when none is), those with the lowest
// scores for the key, in score order.
func (s *state) keyedMultivalue(ru *rule, healthy bool) {
	start := s.res.N
	var scores [MaxAnswers]float64
	n := 0
	for i := range ru.items {
		it := &ru.items[i]
		if healthy && !itemCheck(it) {
			continue
		}
		sc := keyedScore(s.key, it.idHash, 1)
		if n == MaxAnswers && sc >= scores[n-1] {
			continue
		}
		if n < MaxAnswers {
			n++
		}
		j := n - 1
		for ; j > 0 && scores[j-1] > sc; j-- {
			scores[j] = scores[j-1]
			s.res.Endpoints[start+j] = s.res.Endpoints[start+j-1]
		}
		scores[j] = sc
		s.res.Endpoints[start+j] = int16(it.target.endpoint())
	}
	s.res.N = start + n
	s.res.UsedKey = true
}
