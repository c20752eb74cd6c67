package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// diffStore is policydiff's fixture store; its golden files are what the
// command prints.
const diffStore = "../../policydiff/testdata/store"

func TestDiff(t *testing.T) {
	golden := func(name string) string {
		b, err := os.ReadFile("../../policydiff/testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	bad := writeStore(t, map[string]string{"policies/web/2.json": strings.Replace(weighted, "%s", "256", 1)})
	cases := []struct {
		name   string
		args   []string
		code   int
		stdout string // the whole standard output
		stderr string // a part of the standard error
	}{
		{"text", []string{diffStore, "geo", "1", "2"}, 0, golden("geo.txt"), ""},
		{"json, flags last", []string{diffStore, "weighted", "1", "2", "--json"}, 0, golden("weighted.json"), ""},
		{"flags between", []string{diffStore, "--bias-formula", "legacy", "nearest", "1", "--missing-healthcheck=healthy", "2"}, 0, golden("nearest.txt"), ""},
		{"geoip accepted", []string{"--geoip", explainGeoIP, diffStore, "geo", "1", "2"}, 0, golden("geo.txt"), ""},
		{"geoip that does not open", []string{"--geoip", "no-such.mmdb", diffStore, "geo", "1", "2"}, 1, "", "no-such.mmdb"},
		{"invalid store", []string{bad, "web", "1", "2"}, 1, "", "policies/web/2.json: Rules.split.Items[1].Weight: 256 is out of range 0..255\n" +
			bad + ": invalid: 1 error, 0 warnings; run trafficflow validate " + bad + "\n"},
		{"no policy", []string{diffStore, "web", "1", "2"}, 1, "", `trafficflow diff: ../../policydiff/testdata/store has no policy "web" (policies: geo, nearest, weighted)` + "\n"},
		{"no version", []string{diffStore, "geo", "1", "3"}, 1, "", `trafficflow diff: policy "geo" has no version 3 (versions: 1, 2)` + "\n"},
		{"too few arguments", []string{diffStore, "geo", "1"}, 2, "", "usage: trafficflow diff [--geoip FILE]"},
		{"not a version", []string{diffStore, "geo", "1", "two"}, 2, "", `VERSION must be a version number (1, 2, ...), not "two"`},
		{"unknown flag", []string{diffStore, "geo", "1", "2", "--colour"}, 2, "", "flag provided but not defined: -colour"},
		{"bad bias formula", []string{"--bias-formula", "square", diffStore, "geo", "1", "2"}, 2, "", `--bias-formula must be legacy or linear, not "square"`},
		{"bad missing-healthcheck", []string{"--missing-healthcheck", "maybe", diffStore, "geo", "1", "2"}, 2, "", `--missing-healthcheck must be error, healthy or unhealthy, not "maybe"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"diff"}, tc.args...), &stdout, &stderr)
			if code != tc.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tc.code, stderr.String())
			}
			if stdout.String() != tc.stdout {
				t.Errorf("standard output:\n%s\nwant:\n%s", stdout.String(), tc.stdout)
			}
			if !strings.Contains(stderr.String(), tc.stderr) || (tc.stderr == "") != (stderr.Len() == 0) {
				t.Errorf("standard error %q, want it to contain %q", stderr.String(), tc.stderr)
			}
		})
	}
	var stdout bytes.Buffer
	run([]string{"help"}, &stdout, &stdout)
	if !strings.Contains(stdout.String(), "\n  graph [") || !strings.Contains(stdout.String(), "\n  diff [--geoip FILE] [--bias-formula legacy|linear] [--missing-healthcheck MODE] [--json] DIR POLICY V1 V2\n") ||
		strings.Index(stdout.String(), "\n  diff ") < strings.Index(stdout.String(), "\n  graph ") {
		t.Errorf("usage lacks diff after graph:\n%s", stdout.String())
	}
}

// The README's example is what the command prints.
func TestDiffREADME(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const cmd = "$ go run ./cmd/trafficflow diff examples/store tree 1 2\n"
	_, example, ok := strings.Cut(string(b), cmd)
	example, _, _ = strings.Cut(example, "~~~")
	if !ok {
		t.Fatalf("the README has no example %q", cmd)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"diff", exampleStore, "tree", "1", "2"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if stdout.String() != example {
		t.Errorf("the README's example:\n%s\nthe command prints:\n%s", example, stdout.String())
	}
}
