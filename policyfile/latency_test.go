package policyfile

import (
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseLatencyTable(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []LatencyEntry // nil when problems are expected
		errs []string
	}{
		{name: "entries and comments", text: "# CIDR  REGION=MS\n\n203.0.113.0/24   us-east-1=21 eu-west-1=85.5 # measured\n   # indented comment\n2001:db8::/32 eu-west-1=12\n0.0.0.0/0 us-east-1=0\n",
			want: []LatencyEntry{
				{Prefix: netip.MustParsePrefix("203.0.113.0/24"), RTT: map[string]float64{"us-east-1": 21, "eu-west-1": 85.5}, Line: 3},
				{Prefix: netip.MustParsePrefix("2001:db8::/32"), RTT: map[string]float64{"eu-west-1": 12}, Line: 5},
				{Prefix: netip.MustParsePrefix("0.0.0.0/0"), RTT: map[string]float64{"us-east-1": 0}, Line: 6},
			}},
		{name: "empty", text: "# nothing\n", want: []LatencyEntry{}},
		{name: "bad CIDR", text: "203.0.113.0 us-east-1=1\nexample.com/24 us-east-1=1\n", errs: []string{
			`lat.txt: line 1: "203.0.113.0" is not a network in CIDR notation (such as 203.0.113.0/24)`,
			`lat.txt: line 2: "example.com/24" is not a network in CIDR notation (such as 203.0.113.0/24)`}},
		{name: "host bits", text: "203.0.113.7/24 us-east-1=1\n2001:db8::1/32 us-east-1=1\n", errs: []string{
			`lat.txt: line 1: 203.0.113.7/24 has host bits set; the network is 203.0.113.0/24`,
			`lat.txt: line 2: 2001:db8::1/32 has host bits set; the network is 2001:db8::/32`}},
		{name: "IPv4 in IPv6", text: "::ffff:192.0.2.0/120 us-east-1=1\n", errs: []string{
			`lat.txt: line 1: ::ffff:192.0.2.0/120: write IPv4 networks in IPv4 notation`}},
		{name: "duplicate prefix", text: "203.0.113.0/24 us-east-1=1\n# again\n203.0.113.0/24 eu-west-1=2\n", errs: []string{
			`lat.txt: line 3: 203.0.113.0/24 is already listed on line 1`}},
		{name: "unknown region", text: "203.0.113.0/24 us-east-1=1 mars-north-1=2\n", errs: []string{
			`lat.txt: line 1: "mars-north-1" is not an AWS region`}},
		{name: "bad milliseconds", text: "203.0.113.0/24 us-east-1=fast eu-west-1=-1 eu-west-2=NaN eu-west-3=Inf eu-north-1=1e10 us-west-1=\n", errs: []string{
			`lat.txt: line 1: us-east-1: "fast" is not a round-trip time in milliseconds`,
			`lat.txt: line 1: eu-west-1: "-1" is not a round-trip time in milliseconds`,
			`lat.txt: line 1: eu-west-2: "NaN" is not a round-trip time in milliseconds`,
			`lat.txt: line 1: eu-west-3: "Inf" is not a round-trip time in milliseconds`,
			`lat.txt: line 1: eu-north-1: "1e10" is not a round-trip time in milliseconds`,
			`lat.txt: line 1: us-west-1: "" is not a round-trip time in milliseconds`}},
		{name: "duplicate region", text: "203.0.113.0/24 us-east-1=1 us-east-1=2\n", errs: []string{
			`lat.txt: line 1: us-east-1 is listed twice`}},
		{name: "no region", text: "203.0.113.0/24 # nothing measured\n", errs: []string{
			`lat.txt: line 1: 203.0.113.0/24 lists no region (REGION=MILLISECONDS)`}},
		{name: "not REGION=MS", text: "203.0.113.0/24 us-east-1\n", errs: []string{
			`lat.txt: line 1: "us-east-1" is not REGION=MILLISECONDS`}},
		{name: "a rejected line does not count as listed", text: "203.0.113.0/24 mars-1=1\n203.0.113.0/24 us-east-1=1\n", errs: []string{
			`lat.txt: line 1: "mars-1" is not an AWS region`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab, probs := ParseLatencyTable("lat.txt", []byte(tt.text))
			var got []string
			for _, p := range probs {
				got = append(got, p.String())
				if p.Severity != Error {
					t.Errorf("%s is not an error", p)
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.errs, "\n") {
				t.Errorf("problems:\n got: %q\nwant: %q", got, tt.errs)
			}
			if tt.errs != nil {
				if tab != nil {
					t.Errorf("a table despite problems: %+v", tab)
				}
				return
			}
			if tab == nil {
				t.Fatal("no table")
			}
			if len(tab.Entries) != len(tt.want) || (len(tt.want) > 0 && !reflect.DeepEqual(tab.Entries, tt.want)) {
				t.Errorf("entries:\n got: %+v\nwant: %+v", tab.Entries, tt.want)
			}
		})
	}
}

func TestLoadLatencyTable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "latency.txt")
	if err := os.WriteFile(path, []byte("198.51.100.0/24 ap-south-1=140.25\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tab, probs := LoadLatencyTable(path)
	if len(probs) != 0 || tab == nil || len(tab.Entries) != 1 || tab.Entries[0].RTT["ap-south-1"] != 140.25 ||
		tab.Entries[0].Prefix != netip.MustParsePrefix("198.51.100.0/24") || tab.Entries[0].Line != 1 {
		t.Fatalf("table %+v, problems %v", tab, probs)
	}
	missing := filepath.Join(t.TempDir(), "nope.txt")
	tab, probs = LoadLatencyTable(missing)
	if tab != nil || len(probs) != 1 || probs[0].String() != missing+": no such file or directory" {
		t.Errorf("missing file: table %v, problems %v", tab, probs)
	}
}

// Lookup takes the row of the longest prefix holding the address, per
// address family; the zero table has no rows.
func TestLatencyTableLookup(t *testing.T) {
	tab, probs := ParseLatencyTable("lat.txt", []byte(`192.0.2.0/24 us-east-1=80
192.0.2.128/25 us-east-1=5
10.0.0.0/8 eu-west-1=3
2001:db8::/32 eu-west-1=10
`))
	if len(probs) != 0 {
		t.Fatal(probs)
	}
	for _, tc := range []struct {
		addr string
		rtt  float64 // us-east-1, or eu-west-1 for the others
		bits int     // 0: no row
	}{
		{"192.0.2.1", 80, 24},
		{"192.0.2.200", 5, 25},
		{"10.1.2.3", 3, 8},
		{"2001:db8::1", 10, 32},
		{"198.51.100.1", 0, 0},
		{"::ffff:192.0.2.1", 0, 0}, // the caller unmaps
	} {
		row, bits := tab.Lookup(netip.MustParseAddr(tc.addr))
		got := row["us-east-1"]
		if _, ok := row["eu-west-1"]; ok {
			got = row["eu-west-1"]
		}
		if bits != tc.bits || (row == nil) != (tc.bits == 0) || got != tc.rtt {
			t.Errorf("Lookup(%s) = %v, /%d; want %g, /%d", tc.addr, row, bits, tc.rtt, tc.bits)
		}
	}
	if row, bits := (&LatencyTable{}).Lookup(netip.MustParseAddr("192.0.2.1")); row != nil || bits != 0 {
		t.Errorf("zero table: %v, /%d", row, bits)
	}
}
