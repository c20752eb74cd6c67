package trafficflow

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestREADME keeps the README honest: CoreDNS's required sections in
// order, the first Corefile example identical to Corefile.example, and the
// test command the same as .ci/run's.
func TestREADME(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	last := -1
	for _, h := range []string{"## Name", "## Description", "## Syntax", "## Examples", "## Metrics", "## Ready", "## See Also"} {
		i := strings.Index(readme, "\n"+h+"\n")
		if i < 0 || i < last {
			t.Errorf("section %q missing or out of order", h)
		}
		last = i
	}
	blocks := regexp.MustCompile("(?s)~~~ corefile\n(.*?)~~~").FindAllStringSubmatch(readme, -1)
	if len(blocks) == 0 {
		t.Fatal("no corefile example")
	}
	example, err := os.ReadFile("Corefile.example")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(example), "\n") {
		if !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	if got, want := blocks[0][1], strings.Join(lines, "\n"); got != want {
		t.Errorf("README's first corefile example differs from Corefile.example:\n%s\nwant:\n%s", got, want)
	}
	ci, err := os.ReadFile(".ci/run")
	if err != nil {
		t.Fatal(err)
	}
	cmd := regexp.MustCompile(`(?m)^(go test[^#\n]*?)\s*#`).FindStringSubmatch(readme)
	if cmd == nil || !strings.Contains(string(ci), "\n"+cmd[1]+"\n") {
		t.Errorf("README's test command %q is not what .ci/run runs", cmd)
	}
}
