package policyfile

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// jsonSize counts the characters of the compact JSON encoding, which for
// these values is what encoding/json writes (without HTML escaping).
func TestJSONSize(t *testing.T) {
	for _, text := range []string{
		`null`, `true`, `false`, `-1.5e3`, `""`, `"héllo"`, `"😀"`, `"a\"b\\c\nd\te\rf\bg\fh\u0001i"`,
		`{}`, `[]`, `{"a":1}`, `[1,2,[3]]`, `{"a":{"b":[true,null,"x"]},"c":"d"}`,
		"{ \"spaced\" : [ 1 , 2 ] ,\n  \"k\":\"v\" }",
	} {
		n, err := parseJSON([]byte(text))
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		var v any
		d := json.NewDecoder(bytes.NewReader([]byte(text)))
		d.UseNumber()
		if err := d.Decode(&v); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		e := json.NewEncoder(&buf)
		e.SetEscapeHTML(false)
		if err := e.Encode(v); err != nil {
			t.Fatal(err)
		}
		want := utf8.RuneCount(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		if got := jsonSize(n); got != want {
			t.Errorf("jsonSize(%s) = %d, want %d (%s)", text, got, want, buf.Bytes())
		}
	}
	// YAML measures the same as the equivalent JSON.
	y, err := parseYAML([]byte("# comment\nb:   [1, 'two', yes]\na:\n  c: null\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := jsonSize(y), len(`{"b":[1,"two","yes"],"a":{"c":null}}`); got != want {
		t.Errorf("YAML jsonSize = %d, want %d", got, want)
	}
}

func TestJPathConcat(t *testing.T) {
	base := root.k("TrafficPolicies").i(2).k("Document")
	rel := root.k("Rules").k("a b").k("Items").i(0)
	for _, tc := range []struct {
		p, q *jpath
		want string
	}{
		{base, rel, `TrafficPolicies[2].Document.Rules["a b"].Items[0]`},
		{root, rel, `Rules["a b"].Items[0]`},
		{base, root, `TrafficPolicies[2].Document`},
		{root, root, ``},
	} {
		if got := tc.p.concat(tc.q).String(); got != tc.want {
			t.Errorf("concat = %q, want %q", got, tc.want)
		}
	}
	if base.String() != "TrafficPolicies[2].Document" || rel.String() != `Rules["a b"].Items[0]` {
		t.Error("concat changed its operands")
	}
}

// \u escapes take exactly four hex digits.
func TestJSONUnicodeEscapes(t *testing.T) {
	for _, tc := range []struct {
		text, want string
		ok         bool
	}{
		{`"\u00e9\u00E9"`, "éé", true},
		{`"\u0041\uffff"`, "A\uffff", true},
		{`"\ud83d\ude00"`, "😀", true},
		{`"\ud83d"`, "\uFFFD", true},
		{`"\ud83dx"`, "\uFFFDx", true},
		{`"\u12G4"`, "", false},
		{`"\u+123"`, "", false},
		{`"\u-123"`, "", false},
		{`"\u1_23"`, "", false},
		{`"\u0x12"`, "", false},
		{`"\u123"`, "", false},
		{`"\ud83d\u12"`, "", false},
	} {
		n, err := parseJSON([]byte(tc.text))
		switch {
		case !tc.ok && err == nil:
			t.Errorf("%s parsed as %q", tc.text, n.str)
		case tc.ok && err != nil:
			t.Errorf("%s: %v", tc.text, err)
		case tc.ok && n.str != tc.want:
			t.Errorf("%s = %q, want %q", tc.text, n.str, tc.want)
		case !tc.ok && !strings.HasSuffix(err.Error(), `: syntax error: invalid \u escape in string`):
			t.Errorf("%s: %v", tc.text, err)
		}
	}
}
