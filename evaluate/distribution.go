package evaluate

// Distribution answers "what can this client get, and how often?" exactly,
// without drawing: for each endpoint of the policy, the probability that an
// answer to the query holds it. Deterministic rules (failover, geo,
// geoproximity, latency) contribute their one choice; a weighted rule its
// items in proportion to their shares of the draw (the tiers of weighted:
// healthy items with a weight, else healthy zero-weight items, else all);
// a multivalue rule each eligible item with probability k/n (k answers of
// n eligible items, at most MaxAnswers). Policy tests (which values may a
// client get) and version diffs (whose shares change) read it.

// Distribution returns, indexed like Evaluator.Endpoints, the probability
// that an answer to q holds each endpoint (for a multivalue answer they
// sum to the number of answers). q.Seed and q.Trace are not used. An
// all-zero result means the policy has no answer for the client.
func (p *Evaluator) Distribution(q *Query) []float64 {
	s := state{p: p, client: q.Client, res: new(Result)}
	if s.client == nil {
		s.client = &noClient
	}
	if p.memoSlots > memoSize {
		s.bigMemo = make([]memoState, p.memoSlots)
	}
	out := make([]float64, len(p.endpoints))
	s.distribute(p.start, 1, out)
	return out
}

// distribute adds weight w of the answers reached from node r to out.
func (s *state) distribute(r ref, w float64, out []float64) {
	if w == 0 {
		return
	}
	if r.isEndpoint() {
		out[r.endpoint()] += w
		return
	}
	ru := &s.p.rules[r.rule()]
	switch ru.kind {
	case kMultivalue:
		healthy := s.anyHealthy(r)
		n := 0
		for i := range ru.items {
			if !healthy || itemCheck(&ru.items[i]) {
				n++
			}
		}
		k := min(n, MaxAnswers)
		for i := range ru.items {
			if !healthy || itemCheck(&ru.items[i]) {
				s.distribute(ru.items[i].target, w*float64(k)/float64(n), out)
			}
		}
	case kWeighted:
		items := make([]ItemTrace, len(ru.items))
		for j := range ru.items {
			items[j].Healthy = s.branchHealthy(&ru.items[j])
		}
		traceShares(ru, items)
		for j := range ru.items {
			s.distribute(ru.items[j].target, w*items[j].Share, out)
		}
	default:
		var i int
		if ru.kind == kGeo {
			i, _ = s.geoPick(ru)
		} else {
			i, _ = s.pick(ru)
		}
		if i >= 0 {
			s.distribute(ru.items[i].target, w, out)
		}
	}
}
