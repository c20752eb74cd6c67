package policyfile

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"net/netip"
	"os"
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
// A client matches the longest prefix that contains it. Regions a line does
// not list rank after the listed ones, in document order.
type LatencyTable struct {
	Entries []LatencyEntry
}

// LatencyEntry is one line of a latency table.
type LatencyEntry struct {
	Prefix netip.Prefix
	// RTT maps region codes to round-trip times in milliseconds.
	RTT  map[string]float64
	Line int
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
	t := &LatencyTable{}
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
			t.Entries = append(t.Entries, e)
		}
	}
	if err := sc.Err(); err != nil {
		errorf(line+1, "%v", err)
	}
	if len(probs) > 0 {
		return nil, probs
	}
	return t, nil
}
