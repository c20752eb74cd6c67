package series

import (
	"fmt"
	"testing"
)

// A series shows the value its most recent publisher gave; it survives
// until its last owner lets go, and then shows the value of the owner that
// published most recently among those left.
func TestOwners(t *testing.T) {
	var o Owners[string, int]
	shown := map[string]int{}
	show := func(k string) func(int) { return func(v int) { shown[k] = v } }
	showK := func(k string, v int) { shown[k] = v }
	drop := func(k string) { delete(shown, k) }
	a, b, c := new(int), new(int), new(int) // three owners
	state := func() string { return fmt.Sprint(shown) }

	o.Publish("x", a, 1, show("x"))
	o.Publish("x", b, 2, show("x"))
	o.Publish("y", a, 10, show("y"))
	o.Publish("x", c, 3, show("x"))
	o.Publish("x", b, 4, show("x")) // b again: now the most recent
	if state() != "map[x:4 y:10]" {
		t.Fatalf("after publishing: %s", state())
	}
	o.Release(a, []string{"x", "nope"}, showK, drop) // a was not shown for x
	if state() != "map[x:4 y:10]" {
		t.Errorf("after a lets go of x: %s", state())
	}
	o.Release(b, []string{"x"}, showK, drop) // b was shown: c's value now
	if state() != "map[x:3 y:10]" {
		t.Errorf("after b lets go of x: %s", state())
	}
	o.Release(b, []string{"x"}, showK, drop) // again: nothing
	if keys := o.Keys(); len(keys) != 2 {
		t.Errorf("Keys() = %q, want x and y", keys)
	}
	o.Release(c, []string{"x"}, showK, drop)
	if keys := o.Keys(); len(keys) != 1 || keys[0] != "y" {
		t.Errorf("Keys() = %q after x's last owner let go, want [y]", keys)
	}
	if state() != "map[y:10]" {
		t.Errorf("after the last owner of x lets go: %s", state())
	}
	o.Release(a, []string{"y"}, showK, drop)
	if state() != "map[]" || len(o.m) != 0 {
		t.Errorf("at the end: %s, %d series tracked", state(), len(o.m))
	}
}
