package jsontree

import "testing"

func TestMarshalJSON(t *testing.T) {
	for _, c := range []struct {
		in   string
		yaml bool
		want string
	}{
		{`{"b": 1.50, "a": [true, null, "x\"y"], "c": {}}`, false, `{"b":1.50,"a":[true,null,"x\"y"],"c":{}}`},
		{"b: 2\na: [x, 1e3]\n", true, `{"b":2,"a":["x",1e3]}`},
	} {
		n, err := Parse([]byte(c.in), c.yaml)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := n.MarshalJSON()
		if string(got) != c.want {
			t.Errorf("%s: got %s, want %s", c.in, got, c.want)
		}
	}
}
