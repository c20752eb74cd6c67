package policyfile

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
)

// LatencyTable is a user-supplied table of measured round-trip times from
// client networks to AWS regions, used by latency rules instead of the
// distance approximation. Its text format is one network per line:
//
//	# CIDR           REGION=MILLISECONDS ...
//	203.0.113.0/24   us-east-1=21 eu-west-1=85
//	2001:db8::/32    eu-west-1=12 us-east-1=90
//
// A client matches the longest prefix that contains it (Lookup). Regions a
// line does not list rank after the listed ones, in document order.
//
// Build one with ParseLatencyTable, LoadLatencyTable or NewLatencyTable; it
// is immutable and safe for concurrent use. The zero value has no rows.
type LatencyTable struct {
	Entries []LatencyEntry

	// lengths4 and lengths6 are the prefix lengths in use, longest first.
	lengths4, lengths6 []int
	rows               map[netip.Prefix]map[string]float64
}

// LatencyEntry is one line of a latency table.
type LatencyEntry struct {
	Prefix netip.Prefix
	// RTT maps region codes to round-trip times in milliseconds.
	RTT  map[string]float64
	Line int
}

// NewLatencyTable indexes entries (whose prefixes are masked and distinct)
// for Lookup.
func NewLatencyTable(entries []LatencyEntry) *LatencyTable {
	t := &LatencyTable{Entries: entries, rows: make(map[netip.Prefix]map[string]float64, len(entries))}
	for _, e := range entries {
		t.rows[e.Prefix] = e.RTT
		if e.Prefix.Addr().Is4() {
			t.lengths4 = append(t.lengths4, e.Prefix.Bits())
		} else {
			t.lengths6 = append(t.lengths6, e.Prefix.Bits())
		}
	}
	t.lengths4, t.lengths6 = longestFirst(t.lengths4), longestFirst(t.lengths6)
	return t
}

// longestFirst returns the distinct prefix lengths, longest first.
func longestFirst(bits []int) []int {
	slices.Sort(bits)
	bits = slices.Compact(bits)
	slices.Reverse(bits)
	return bits
}

// Lookup returns the row of the longest prefix containing addr (region →
// milliseconds) and that prefix's length, or nil. It is on the query path:
// it does not allocate.
func (t *LatencyTable) Lookup(addr netip.Addr) (map[string]float64, int) {
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

// LoadLatencyTable reads a latency table file. Problems name the file
// (as given) and the line.
func LoadLatencyTable(path string) (*LatencyTable, Problems) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, Problems{{File: path, Message: errText(err)}}
	}
	return ParseLatencyTable(path, data)
}

// ParseLatencyTable parses the text of a latency table; file is used in
// messages.
func ParseLatencyTable(file string, data []byte) (*LatencyTable, Problems) {
	var probs Problems
	errorf := func(line int, format string, args ...any) {
		probs = append(probs, Problem{File: file, Path: fmt.Sprintf("line %d", line), Message: fmt.Sprintf(format, args...)})
	}
	var entries []LatencyEntry
	seen := map[netip.Prefix]int{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	line := 0
	for sc.Scan() {
		line++
		text, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(text)
		if len(fields) == 0 {
			continue
		}
		pfx, err := netip.ParsePrefix(fields[0])
		if err != nil {
			errorf(line, "%q is not a network in CIDR notation (such as 203.0.113.0/24)", fields[0])
			continue
		}
		if pfx.Addr().Is4In6() {
			errorf(line, "%s: write IPv4 networks in IPv4 notation", fields[0])
			continue
		}
		if pfx != pfx.Masked() {
			errorf(line, "%s has host bits set; the network is %s", fields[0], pfx.Masked())
			continue
		}
		if other, dup := seen[pfx]; dup {
			errorf(line, "%s is already listed on line %d", pfx, other)
			continue
		}
		if len(fields) == 1 {
			errorf(line, "%s lists no region (REGION=MILLISECONDS)", pfx)
			continue
		}
		e := LatencyEntry{Prefix: pfx, RTT: map[string]float64{}, Line: line}
		ok := true
		for _, f := range fields[1:] {
			region, ms, found := strings.Cut(f, "=")
			if !found {
				errorf(line, "%q is not REGION=MILLISECONDS", f)
				ok = false
				continue
			}
			if _, known := regionPoints[region]; !known {
				errorf(line, "%q is not an AWS region", region)
				ok = false
				continue
			}
			v, err := strconv.ParseFloat(ms, 64)
			if err != nil || v < 0 || math.IsNaN(v) || v > 1e9 {
				errorf(line, "%s: %q is not a round-trip time in milliseconds", region, ms)
				ok = false
				continue
			}
			if _, dup := e.RTT[region]; dup {
				errorf(line, "%s is listed twice", region)
				ok = false
				continue
			}
			e.RTT[region] = v
		}
		if ok {
			seen[pfx] = line
			entries = append(entries, e)
		}
	}
	if err := sc.Err(); err != nil {
		errorf(line+1, "%v", err)
	}
	if len(probs) > 0 {
		return nil, probs
	}
	return NewLatencyTable(entries), nil
}
