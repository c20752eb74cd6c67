package trafficflow

import (
	"net/netip"
	"slices"

	"github.com/trafficflow/trafficflow/policyfile"
)

// latencyTable finds a client's row of a latency table by longest prefix.
type latencyTable struct {
	// lengths4 and lengths6 are the prefix lengths in use, longest first.
	lengths4, lengths6 []int
	rows               map[netip.Prefix]map[string]float64
}

func newLatencyTable(t *policyfile.LatencyTable) *latencyTable {
	lt := &latencyTable{rows: make(map[netip.Prefix]map[string]float64, len(t.Entries))}
	for _, e := range t.Entries {
		lt.rows[e.Prefix] = e.RTT
		if e.Prefix.Addr().Is4() {
			lt.lengths4 = append(lt.lengths4, e.Prefix.Bits())
		} else {
			lt.lengths6 = append(lt.lengths6, e.Prefix.Bits())
		}
	}
	lt.lengths4, lt.lengths6 = longestFirst(lt.lengths4), longestFirst(lt.lengths6)
	return lt
}

// longestFirst returns the distinct prefix lengths, longest first.
func longestFirst(bits []int) []int {
	slices.Sort(bits)
	bits = slices.Compact(bits)
	slices.Reverse(bits)
	return bits
}

// lookup returns the row of the longest prefix containing addr and that
// prefix's length, or nil.
func (t *latencyTable) lookup(addr netip.Addr) (map[string]float64, int) {
	lengths := t.lengths6
	if addr.Is4() {
		lengths = t.lengths4
	}
	for _, bits := range lengths {
		p, err := addr.Prefix(bits)
		if err != nil {
			continue
		}
		if row, ok := t.rows[p]; ok {
			return row, bits
		}
	}
	return nil, 0
}
