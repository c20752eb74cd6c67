package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const exampleStore = "../../examples/store"

func TestGraph(t *testing.T) {
	bad := writeStore(t, map[string]string{
		"policies/web/2.json": strings.Replace(weighted, "%s", "256", 1),
		"records.json":        `{"PolicyRecords":[{"Name":"example.org","Policy":"web","Version":3,"TTL":60}]}`,
	})
	empty := writeStore(t, map[string]string{"records.json": `{"PolicyRecords":[]}`})
	out := filepath.Join(t.TempDir(), "web.svg")
	cases := []struct {
		args   []string
		code   int
		stdout string // the start of the standard output
		stderr string // a part of the standard error
	}{
		{[]string{"graph", exampleStore, "tree", "2"}, 0, "digraph policy {\n\tgraph [rankdir=TB, ordering=out, fontname=\"Helvetica,Arial,sans-serif\", fontsize=14, labelloc=t, label=\"tree version 2 — canary: 10% of Europe to green\"];", ""},
		{[]string{"graph", "--format", "mermaid", exampleStore, "tree", "1"}, 0, "---\ntitle: \"tree version 1 — blue only\"\n---\nflowchart TD\n", ""},
		// Flags after or between the arguments, and after --.
		{[]string{"graph", exampleStore, "geo", "1", "--format", "svg"}, 0, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg ", ""},
		{[]string{"graph", exampleStore, "--format=mermaid", "nearest", "1"}, 0, "---\ntitle: \"nearest version 1\"\n---\nflowchart TD\n", ""},
		{[]string{"graph", "--format", "mermaid", "--", exampleStore, "split", "1"}, 0, "---\ntitle: \"split version 1\"\n", ""},
		{[]string{"graph", "--output", out, exampleStore, "web", "1", "--format", "svg"}, 0, "", ""},
		{[]string{"graph", exampleStore, "nope", "1"}, 1, "", `trafficflow graph: ../../examples/store has no policy "nope" (policies: cdn, geo, latency, nearest, pool, split, tree, web)` + "\n"},
		{[]string{"graph", empty, "web", "1"}, 1, "", `has no policy "web" (policies: none)`},
		{[]string{"graph", exampleStore, "tree", "3"}, 1, "", `trafficflow graph: policy "tree" has no version 3 (versions: 1, 2)` + "\n"},
		{[]string{"graph", bad, "web", "2"}, 1, "", "policies/web/2.json: Rules.split.Items[1].Weight: 256 is out of range 0..255\n" +
			"records.json: PolicyRecords[0].Version: policy \"web\" has no version 3 (it has 2)\n" +
			bad + ": invalid: 2 errors, 0 warnings; run trafficflow validate " + bad + "\n"},
		{[]string{"graph", "--output", filepath.Join(t.TempDir(), "no", "such", "dir.svg"), exampleStore, "web", "1"}, 1, "", "no such file or directory"},
		{[]string{"graph", exampleStore, "tree", "two"}, 2, "", `VERSION must be a version number (1, 2, ...), not "two"`},
		{[]string{"graph", exampleStore, "tree", "0"}, 2, "", `not "0"`},
		{[]string{"graph", exampleStore, "tree"}, 2, "", "usage: trafficflow graph [--format dot|mermaid|svg] [--output FILE] DIR POLICY VERSION"},
		{[]string{"graph", exampleStore, "tree", "2", "3"}, 2, "", "usage: trafficflow graph"},
		{[]string{"graph", "--format", "png", exampleStore, "tree", "2"}, 2, "", `--format must be dot, mermaid or svg, not "png"`},
		{[]string{"graph", exampleStore, "tree", "2", "--colour"}, 2, "", "flag provided but not defined: -colour"},
		{[]string{"graph", exampleStore, "tree", "2", "--format"}, 2, "", "flag needs an argument: -format"},
		{[]string{"help"}, 0, "usage: trafficflow COMMAND [flags] ARGS\n\ncommands:\n  validate ", ""},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tc.args, &stdout, &stderr)
			if code != tc.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tc.code, stderr.String())
			}
			if !strings.HasPrefix(stdout.String(), tc.stdout) || (tc.stdout == "") != (stdout.Len() == 0) {
				t.Errorf("standard output:\n%s\nwant it to start with:\n%s", stdout.String(), tc.stdout)
			}
			if !strings.Contains(stderr.String(), tc.stderr) || (tc.stderr == "") != (stderr.Len() == 0) {
				t.Errorf("standard error %q, want it to contain %q", stderr.String(), tc.stderr)
			}
		})
	}
	if b, err := os.ReadFile(out); err != nil || !bytes.HasPrefix(b, []byte("<?xml")) || !bytes.Contains(b, []byte("<title>web version 1</title>")) {
		t.Errorf("--output wrote %q (%v)", b, err)
	}
	var stdout bytes.Buffer
	run([]string{"help"}, &stdout, &stdout)
	if !strings.Contains(stdout.String(), "\n  graph [--format dot|mermaid|svg] [--output FILE] DIR POLICY VERSION\n") {
		t.Errorf("usage lacks graph:\n%s", stdout.String())
	}
}

// docs/graph-tree.svg is what the command draws of the example store's
// tree policy, version 2.
func TestGraphDocsPicture(t *testing.T) {
	want, err := os.ReadFile("../../docs/graph-tree.svg")
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"graph", "--format", "svg", exampleStore, "tree", "2"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !bytes.Equal(stdout.Bytes(), want) {
		t.Error("docs/graph-tree.svg is out of date; redraw it with\n" +
			"go run ./cmd/trafficflow graph --format svg --output docs/graph-tree.svg examples/store tree 2")
	}
}
