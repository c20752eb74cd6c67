package trafficflow

import (
	"maps"
	"slices"
	"sync/atomic"

	"github.com/trafficflow/trafficflow/evaluate"
	"github.com/trafficflow/trafficflow/explain"
	"github.com/trafficflow/trafficflow/policyfile"
)

// SimulatedName is the name of the synthetic policy record that
// ExplainDocument answers for.
const SimulatedName = "simulated.invalid."

// ExplainDocument answers a query for a document that no record of the
// store uses (a draft in the editor) as if a policy record named
// SimulatedName used it with ttl, and explains the answer: the same query
// path as Explain, beside the store's records (a CNAME document's targets
// in the store are followed). doc is a validated document
// (policyfile.ParseDocument); its health checks read the Explainer's
// states, and a check the store does not define is healthy unless the
// Explainer's Health forces it.
func (x *Explainer) ExplainDocument(doc *policyfile.Document, ttl uint32, client ExplainClient, seed uint64) (*explain.Explanation, error) {
	p, err := evaluate.Compile(doc, evaluate.Options{Health: draftCells{x}, BiasFormula: x.tf.cfg.biasFormula})
	if err != nil {
		return nil, err
	}
	snap := x.tf.snap.Load()
	ver := &policyfile.Version{Policy: "(draft)", File: "(draft document)", Document: doc}
	rec := &policyfile.Record{Name: SimulatedName, Policy: ver.Policy, TTL: ttl, Ver: ver, File: "(simulated record)"}

	// The store's snapshot with the synthetic record added, in a
	// TrafficFlow of its own: the Explainer's stays as it is.
	store := *snap.store
	store.Records = append(slices.Clone(store.Records), rec)
	const zone = "invalid."
	s := *snap
	s.store = &store
	s.names = maps.Clone(snap.names)
	s.names[SimulatedName] = newEntry(SimulatedName, zone, ttl, 0, p)
	s.soa = maps.Clone(snap.soa)
	s.soa[zone] = synthesizedSOA(zone)
	s.checks = slices.Clone(snap.checks)
	for _, r := range doc.Reachable() {
		for _, it := range r.Items {
			if it.HealthCheck != "" && !slices.Contains(s.checks, it.HealthCheck) {
				s.checks = append(s.checks, it.HealthCheck)
			}
		}
	}
	tf := &TrafficFlow{Zones: x.tf.Zones, upstream: &offlineResolver{}, seed: x.tf.seed, cfg: x.tf.cfg, health: x.tf.health}
	tf.snap.Store(&s)
	y := &Explainer{tf: tf, cfg: x.cfg, placed: &placedLocator{}}
	if x.cfg.GeoIP == "" {
		tf.locator = y.placed
	}
	return y.Explain(SimulatedName, 0, client, seed)
}

// draftCells are the health cells of a draft document: the store's, and
// for a check the store does not define, the Explainer's Health or none
// (healthy).
type draftCells struct{ x *Explainer }

func (c draftCells) Cell(id string) *atomic.Bool {
	if cell := c.x.tf.health.Cell(id); cell != nil {
		return cell
	}
	if h, ok := c.x.cfg.Health[id]; ok {
		cell := new(atomic.Bool)
		cell.Store(h)
		return cell
	}
	return nil
}
