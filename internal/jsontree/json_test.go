package jsontree

import (
	"strings"
	"testing"
)

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
			t.Errorf("%s parsed as %q", tc.text, n.Text)
		case tc.ok && err != nil:
			t.Errorf("%s: %v", tc.text, err)
		case tc.ok && n.Text != tc.want:
			t.Errorf("%s = %q, want %q", tc.text, n.Text, tc.want)
		case !tc.ok && !strings.HasSuffix(err.Error(), `: syntax error: invalid \u escape in string`):
			t.Errorf("%s: %v", tc.text, err)
		}
	}
}
