package jsontree

import (
	"strings"
	"testing"
)

// describeTree renders a tree with members in order, duplicates included,
// and numbers as their literal text.
func describeTree(n *Node) string {
	switch n.Kind {
	case Object:
		parts := make([]string, len(n.Members))
		for i, m := range n.Members {
			parts[i] = m.Key + ":" + describeTree(m.Value)
		}
		return "{" + strings.Join(parts, ",") + "}"
	case Array:
		parts := make([]string, len(n.Elems))
		for i, e := range n.Elems {
			parts[i] = describeTree(e)
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	return n.Describe()
}

// JSON and YAML parse to the same tree: members in file order, duplicate
// keys kept, numbers as written (YAML's in JSON syntax), and YAML 1.2
// scalars (NO, yes and an unquoted date are strings).
func TestParse(t *testing.T) {
	for _, tc := range []struct {
		text string
		yaml bool
		want string
	}{
		{`{"b":1.50,"a":[true,null,"x"],"b":-0e3}`, false, `{b:1.50,a:[true,null,"x"],b:-0e3}`},
		{"\xEF\xBB\xBF[]", false, `[]`},
		{"b: 1.50\na: [true, ~, x]\nb: -0e3\n", true, `{b:1.50,a:[true,null,"x"],b:-0e3}`},
		{"country: NO\ndefault: yes\nversion: 2015-10-01\nhex: 0x1F\nexp: 1e3\nhalf: .5\n", true,
			`{country:"NO",default:"yes",version:"2015-10-01",hex:31,exp:1e3,half:0.5}`},
		{"base: &b {x: 1}\ncopy: *b\n", true, `{base:{x:1},copy:{x:1}}`},
	} {
		n, err := Parse([]byte(tc.text), tc.yaml)
		if err != nil {
			t.Errorf("%q: %v", tc.text, err)
			continue
		}
		if got := describeTree(n); got != tc.want {
			t.Errorf("%q = %s, want %s", tc.text, got, tc.want)
		}
	}
}

// A syntax error says where it is.
func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		text string
		yaml bool
		want string
	}{
		{"{\n  \"a\": 1\n  \"b\": 2\n}", false, `line 3, column 3: syntax error: unexpected character '"', expecting ',' or '}'`},
		{`[1] 2`, false, `line 1, column 5: syntax error: unexpected character '2' after the top-level value`},
		{strings.Repeat("[", maxDepth+2), false, `line 1, column 130: syntax error: nesting deeper than 128 levels`},
		{"a: [1, 2\nb: 3\n", true, `line 1: syntax error: did not find expected ',' or ']'`},
		{"a: 1\n---\nb: 2\n", true, `line 2, column 1: syntax error: more than one YAML document in the file`},
		{"a: .inf\n", true, `line 1, column 4: syntax error: ".inf" is not a finite number`},
		{"? [a]\n: 1\n", true, `line 1, column 3: syntax error: mapping keys must be plain strings`},
	} {
		_, err := Parse([]byte(tc.text), tc.yaml)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q: error %v, want %s", tc.text, err, tc.want)
		}
	}
}

// Get treats a null member as absent, and finds the first of duplicates.
func TestGet(t *testing.T) {
	n, err := Parse([]byte(`{"a":null,"b":1,"b":2}`), false)
	if err != nil {
		t.Fatal(err)
	}
	if n.Get("a") != nil || n.Has("a") || n.Has("c") || n.Get("b").Text != "1" {
		t.Errorf("Get: a %v, b %v", n.Get("a"), n.Get("b"))
	}
	var none *Node
	if none.Get("a") != nil || n.Get("b").Get("x") != nil {
		t.Error("Get on nil or a non-object must be nil")
	}
}
