package policydiff

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/trafficflow/trafficflow/evaluate"
	"github.com/trafficflow/trafficflow/policyfile"
)

// allHealthy is a health source whose every check is healthy: a diff
// compares the routing of two versions, not the health of the moment.
type allHealthy struct{ cell atomic.Bool }

func newAllHealthy() *allHealthy {
	h := &allHealthy{}
	h.cell.Store(true)
	return h
}

// Cell returns the one cell, which holds true.
func (h *allHealthy) Cell(string) *atomic.Bool { return &h.cell }

// compareImpact evaluates both documents for every representative client
// and groups the clients whose answers change.
func compareImpact(a, b *policyfile.Document, opts Options) (Impact, error) {
	health := newAllHealthy()
	ea, err := evaluate.Compile(a, evaluate.Options{Health: health, BiasFormula: opts.BiasFormula})
	if err != nil {
		return Impact{}, fmt.Errorf("the old version: %w", err)
	}
	eb, err := evaluate.Compile(b, evaluate.Options{Health: health, BiasFormula: opts.BiasFormula})
	if err != nil {
		return Impact{}, fmt.Errorf("the new version: %w", err)
	}
	list, skipped := clients([]*policyfile.Document{a, b}, usesDistance(a) || usesDistance(b))
	im := Impact{SkippedNoPoint: skipped, Groups: []Group{}}
	if im.SkippedNoPoint == nil {
		im.SkippedNoPoint = []string{}
	}
	type change struct {
		old, new []Share
		members  []client
	}
	changes := map[string]*change{} // by old → new
	perContinent := map[string]int{}
	for _, cl := range list {
		im.Clients.Total++
		perContinent[cl.continent]++
		switch cl.kind {
		case continentClient:
			im.Clients.Continents++
		case countryClient:
			im.Clients.Countries++
		case subdivisionClient:
			im.Clients.Subdivisions++
		case noLocationClient:
			im.Clients.NoLocation++
		}
		q := &evaluate.Query{Client: &cl.c}
		was, now := shares(ea, ea.Distribution(q)), shares(eb, eb.Distribution(q))
		ko, kn := sharesKey(was), sharesKey(now)
		if ko == kn {
			continue
		}
		im.Changed++
		key := ko + "\n→\n" + kn
		if changes[key] == nil {
			changes[key] = &change{old: was, new: now}
		}
		changes[key].members = append(changes[key].members, cl)
	}
	for _, key := range slices.Sorted(maps.Keys(changes)) {
		ch := changes[key]
		if len(ch.members) == im.Clients.Total {
			im.Groups = append(im.Groups, Group{Continent: "*", Whole: true, Clients: labels(ch.members), Old: ch.old, New: ch.new})
			continue
		}
		byContinent := map[string][]client{}
		for _, cl := range ch.members {
			byContinent[cl.continent] = append(byContinent[cl.continent], cl)
		}
		for cont, members := range byContinent {
			im.Groups = append(im.Groups, Group{Continent: cont, Whole: len(members) == perContinent[cont], Clients: labels(members), Old: ch.old, New: ch.new})
		}
	}
	slices.SortStableFunc(im.Groups, func(x, y Group) int {
		if d := continentRank(x.Continent) - continentRank(y.Continent); d != 0 {
			return d
		}
		if d := len(y.Clients) - len(x.Clients); d != 0 {
			return d
		}
		return strings.Compare(x.Clients[0], y.Clients[0])
	})
	return im, nil
}

// continentRank orders groups: every client, the continents, none.
func continentRank(c string) int {
	switch c {
	case "*":
		return -1
	case "":
		return len(continentCodes)
	}
	return slices.Index(continentCodes, c)
}

func labels(cs []client) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.label
	}
	return out
}

// shares turns a distribution over an evaluator's endpoints into shares
// by value, sorted by value.
func shares(e *evaluate.Evaluator, dist []float64) []Share {
	byValue := map[string]*Share{}
	for i, p := range dist {
		if p <= 0 {
			continue
		}
		ep := e.Endpoints()[i]
		v := valueOf(ep)
		s := byValue[v]
		if s == nil {
			s = &Share{Value: v}
			byValue[v] = s
		}
		s.Probability += p
		if !slices.Contains(s.Endpoints, ep.ID) {
			s.Endpoints = append(s.Endpoints, ep.ID)
		}
	}
	out := []Share{}
	for _, v := range slices.Sorted(maps.Keys(byValue)) {
		s := *byValue[v]
		s.Probability = math.Round(s.Probability*1e6) / 1e6
		slices.Sort(s.Endpoints)
		out = append(out, s)
	}
	return out
}

// sharesKey identifies an answer distribution by values and
// probabilities (not endpoint IDs: a renamed endpoint is the same answer).
func sharesKey(ss []Share) string {
	var b strings.Builder
	for _, s := range ss {
		fmt.Fprintf(&b, "%s=%g;", s.Value, s.Probability)
	}
	return b.String()
}
