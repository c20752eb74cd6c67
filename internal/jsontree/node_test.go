package jsontree

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// JSONSize counts the characters of the compact JSON encoding, which for
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
		if got := n.JSONSize(); got != want {
			t.Errorf("JSONSize of %s = %d, want %d (%s)", text, got, want, buf.Bytes())
		}
	}
	// YAML measures the same as the equivalent JSON.
	y, err := parseYAML([]byte("# comment\nb:   [1, 'two', yes]\na:\n  c: null\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := y.JSONSize(), len(`{"b":[1,"two","yes"],"a":{"c":null}}`); got != want {
		t.Errorf("YAML JSONSize = %d, want %d", got, want)
	}
}
