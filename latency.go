package trafficflow

import (
	"net/netip"
	"sort"

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
	seen4, seen6 := map[int]bool{}, map[int]bool{}
	for _, e := range t.Entries {
		lt.rows[e.Prefix] = e.RTT
		bits := e.Prefix.Bits()
		if e.Prefix.Addr().Is4() {
			if !seen4[bits] {
				seen4[bits] = true
				lt.lengths4 = append(lt.lengths4, bits)
			}
		} else if !seen6[bits] {
			seen6[bits] = true
			lt.lengths6 = append(lt.lengths6, bits)
		}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(lt.lengths4)))
	sort.Sort(sort.Reverse(sort.IntSlice(lt.lengths6)))
	return lt
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
