package trafficflow

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/trafficflow/trafficflow/evaluate"
	"github.com/trafficflow/trafficflow/geo"
	"github.com/trafficflow/trafficflow/policyfile"
)

// The client's location: which address it comes from (ECS or the
// resolver's), what the GeoIP database and the latency table say about it,
// and, when a store loads, whether its policies have the location data
// they need.

// clientLocator returns the location of a client address and the prefix length
// of the network the answer is valid for. *geo.DB is one.
type clientLocator interface {
	Lookup(addr netip.Addr) (geo.Location, int)
}

// clientAddr is the address the client's location comes from: the ECS
// address when the query has one with a non-zero source prefix, else the
// address the query came from.
func (qs *queryState) clientAddr() (netip.Addr, bool) {
	if e := qs.ecs; e != nil && e.SourceNetmask > 0 {
		if a, ok := netip.AddrFromSlice(e.Address); ok {
			a = a.Unmap()
			if p, err := a.Prefix(int(e.SourceNetmask)); err == nil {
				return p.Addr(), true
			}
			return a, true
		}
	}
	switch ra := qs.w.RemoteAddr().(type) {
	case *net.UDPAddr:
		a, ok := netip.AddrFromSlice(ra.IP)
		return a.Unmap(), ok
	case *net.TCPAddr:
		a, ok := netip.AddrFromSlice(ra.IP)
		return a.Unmap(), ok
	}
	return netip.Addr{}, false
}

// locate looks the client up once per query: its location in the GeoIP
// database (or the test locator) and its latency-table row. The ECS scope
// of the reply becomes the longest prefix either answer depends on.
func (qs *queryState) locate() {
	if qs.located {
		return
	}
	qs.located = true
	addr, ok := qs.clientAddr()
	if !ok {
		return
	}
	fromECS := qs.ecs != nil && qs.ecs.SourceNetmask > 0
	if loc := qs.tf.locator; loc != nil || qs.snap.geo != nil {
		if loc == nil {
			loc = qs.snap.geo
		}
		l, bits := loc.Lookup(addr)
		qs.client = evaluate.NewClient(l.Country, l.Subdivision, l.Continent, l.HasCoordinates, l.Latitude, l.Longitude)
		if fromECS {
			qs.scope = int32(bits)
		}
		if qs.x != nil {
			qs.x.located(addr, fromECS, l, bits)
		}
	}
	if qs.snap.latency != nil {
		if row, bits := qs.snap.latency.Lookup(addr); row != nil {
			qs.client.RTT = row
			if fromECS {
				qs.scope = max(qs.scope, int32(bits))
			}
			if qs.x != nil {
				qs.x.latencyFound(addr, fromECS, bits)
			}
		}
	}
}

// checkLocation checks that the records' policies have the client data
// they need: geo and geoproximity rules, and latency rules without a latency
// table, need a GeoIP database (an error without one); geoproximity and
// latency rules without a table need coordinates, which Country databases
// do not have (a warning: their items are taken in document order).
func (tf *TrafficFlow) checkLocation(store *policyfile.Store, db *geo.DB, lat *policyfile.LatencyTable) policyfile.Problems {
	if tf.locator != nil || db != nil && db.HasCoordinates() {
		return nil
	}
	var probs policyfile.Problems
	seen := map[*policyfile.Version]bool{}
	for _, rec := range store.Records {
		vers := []*policyfile.Version{rec.Ver}
		if rec.Canary != nil {
			vers = append(vers, rec.Canary.Ver)
		}
		for _, v := range vers {
			if seen[v] {
				continue // one message per version
			}
			seen[v] = true
			if p, ok := tf.locationNeed(v, rec, db, lat); ok {
				probs = append(probs, p)
			}
		}
	}
	return probs
}

// locationNeed returns the problem of the first rule of version v (used by
// rec) that needs location data the plugin does not have.
func (tf *TrafficFlow) locationNeed(v *policyfile.Version, rec *policyfile.Record, db *geo.DB, lat *policyfile.LatencyTable) (policyfile.Problem, bool) {
	for _, r := range v.Document.Reachable() {
		needsCoords := r.Type == policyfile.Geoproximity || r.Type == policyfile.Latency && lat == nil
		p := policyfile.Problem{File: v.File, Path: r.Path}
		switch {
		case db == nil && (r.Type == policyfile.Geo || needsCoords):
			p.Message = fmt.Sprintf("a %s rule needs the client's location, but the trafficflow directive has no geoip database (policy record %s uses policy %q version %d); add \"geoip FILE\"",
				r.Type, rec.Name, rec.Policy, v.Number)
		case db != nil && needsCoords:
			p.Severity = policyfile.Warning
			p.Message = fmt.Sprintf("a %s rule needs the client's coordinates, but the geoip database %s (%s) has none; it takes its items in document order (policy record %s uses policy %q version %d)",
				r.Type, tf.cfg.geoipPath, db.Type(), rec.Name, rec.Policy, v.Number)
		default:
			continue
		}
		return p, true
	}
	return policyfile.Problem{}, false
}
