package watch

import (
	"path/filepath"
	"testing"
)

// TestChangeLoaded: when OnChange read other store content than the check
// reported (the store changed in between) and says so with Change.Loaded,
// the next check compares with what OnChange read. A store that goes A, B
// (reported), A (read by OnChange), B again must be reported again;
// Loaded(zero) makes the next check report whatever the store holds; and
// Loaded after OnChange returned does nothing.
func TestChangeLoaded(t *testing.T) {
	a, b := baseTree(), baseTree()
	b["records.json"] = `{"records":["b"]}`
	fpA, fpB := fpOf(t, a), fpOf(t, b)

	dir := filepath.Join(t.TempDir(), "store")
	writeTree(t, dir, a)
	w, r := newTestWatcher(t, Options{Dir: dir, Baseline: fpA}, modeCheck)
	reports := make(chan [32]byte, 16)
	// during runs in OnChange, on the watcher's goroutine.
	var during func(c Change)
	var kept Change
	w.onChange = func(c Change) {
		reports <- w.st.reported
		if during != nil {
			during(c)
		}
		kept = c
	}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	r.waitChecks(t, 1)
	expect := func(step string, want ...[32]byte) {
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
	during = func(c Change) {
		writeTree(t, dir, a)
		c.Loaded(fpA)
	}
	expect("B, read as A", fpB)
	during = nil
	expect("A again: what OnChange read") // no report
	writeTree(t, dir, b)
	expect("B again", fpB)

	// Loaded(zero): the next check reports even an unchanged store.
	during = func(c Change) { c.Loaded([32]byte{}) }
	writeTree(t, dir, a)
	expect("A, read as unknown", fpA)
	during = nil
	expect("A, unchanged but unknown", fpA)
	expect("A, known") // no report

	// Loaded after OnChange returned has no effect.
	writeTree(t, dir, b)
	expect("B", fpB)
	kept.Loaded(fpA)
	expect("B, unchanged") // no report
}
