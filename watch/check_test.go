package watch

import (
	"path/filepath"
	"testing"
)

// TestOnChangeLoaded: when OnChange read other store content than the
// check reported (the store changed in between) and returns its Sum, the
// next check compares with what OnChange read. A store that goes A, B
// (reported), A (read by OnChange), B again must be reported again; a zero
// Sum ("read nothing") makes the next check report whatever the store
// holds.
func TestOnChangeLoaded(t *testing.T) {
	a, b := baseTree(), baseTree()
	b["records.json"] = `{"records":["b"]}`
	fpA, fpB := fpOf(t, a), fpOf(t, b)

	dir := filepath.Join(t.TempDir(), "store")
	writeTree(t, dir, a)
	w, r := newTestWatcher(t, Options{Dir: dir, Baseline: fpA}, modeCheck)
	reports := make(chan Sum, 16)
	// during runs in OnChange, on the watcher's goroutine, and returns
	// what OnChange says it read.
	var during func(c Change) Sum
	w.onChange = func(c Change) Sum {
		reported := w.st.reported
		reports <- reported
		if during != nil {
			return during(c)
		}
		return reported
	}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	r.waitChecks(t, 1)
	expect := func(step string, want ...Sum) {
		t.Helper()
		r.forceCheck(t)
		for _, fp := range want {
			select {
			case got := <-reports:
				if got != fp {
					t.Fatalf("%s: reported %x, want %x", step, got[:4], fp[:4])
				}
			default:
				t.Fatalf("%s: no report, want %x", step, fp[:4])
			}
		}
		select {
		case got := <-reports:
			t.Fatalf("%s: unexpected report %x", step, got[:4])
		default:
		}
	}

	// B is reported, but while OnChange runs the store goes back to A,
	// which is what OnChange reads.
	writeTree(t, dir, b)
	during = func(c Change) Sum {
		writeTree(t, dir, a)
		return fpA
	}
	expect("B, read as A", fpB)
	during = nil
	expect("A again: what OnChange read") // no report
	writeTree(t, dir, b)
	expect("B again", fpB)

	// A zero Sum: the next check reports even an unchanged store.
	during = func(Change) Sum { return Sum{} }
	writeTree(t, dir, a)
	expect("A, read as unknown", fpA)
	during = nil
	expect("A, unchanged but unknown", fpA)
	expect("A, known") // no report
}
