package jsontree

import "testing"

// Concat appends a relative path to a base path, and leaves both as they
// were.
func TestPathConcat(t *testing.T) {
	var root *Path // the empty path
	base := root.Key("TrafficPolicies").Index(2).Key("Document")
	rel := root.Key("Rules").Key("a b").Key("Items").Index(0)
	for _, tc := range []struct {
		p, q *Path
		want string
	}{
		{base, rel, `TrafficPolicies[2].Document.Rules["a b"].Items[0]`},
		{root, rel, `Rules["a b"].Items[0]`},
		{base, root, `TrafficPolicies[2].Document`},
		{root, root, ``},
	} {
		if got := tc.p.Concat(tc.q).String(); got != tc.want {
			t.Errorf("Concat = %q, want %q", got, tc.want)
		}
	}
	if base.String() != "TrafficPolicies[2].Document" || rel.String() != `Rules["a b"].Items[0]` {
		t.Error("Concat changed its operands")
	}
}
