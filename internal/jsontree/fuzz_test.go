package jsontree

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// FuzzParse checks that the JSON parser accepts exactly what encoding/json
// accepts (within the nesting limit), and that neither parser panics. Run
// it with
//
//	go test ./internal/jsontree -run '^$' -fuzz '^FuzzParse$' -fuzztime 60s
func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"a":[1,-2.5e3,true,null,"\u00e9\ud83d\ude00"]}`, `"\ud83d"`, "\xEF\xBB\xBF{}", `[1,]`, `{"a" 1}`,
		"a: [1, 'two', yes]\nb: {c: ~}\n", "a: &x [*x]\n", "- 0x1F\n- .inf\n- 2015-10-01\n"} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, yaml bool) {
		n, err := Parse(data, yaml)
		if err == nil && n == nil {
			t.Fatal("no tree and no error")
		}
		if yaml {
			return
		}
		valid := json.Valid(bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF")))
		switch {
		case err == nil && !valid:
			t.Fatalf("accepted invalid JSON %q", data)
		case err != nil && valid && !strings.Contains(err.Error(), "nesting deeper"):
			t.Fatalf("rejected valid JSON %q: %v", data, err)
		}
	})
}
