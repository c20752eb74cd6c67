package policygraph

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenPolicies are the example store's policy versions with golden DOT
// and Mermaid files: a multi-version file (tree), geo, geoproximity,
// latency, weighted (A and CNAME with a zero-weight standby), multivalue
// and failover with health checks.
var goldenPolicies = []struct {
	policy  string
	version int
}{
	{"tree", 2}, {"geo", 1}, {"nearest", 1}, {"latency", 1}, {"split", 1}, {"cdn", 1}, {"pool", 1}, {"web", 1},
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run go test -update to rewrite it); got:\n%s", path, got)
	}
}

func TestGolden(t *testing.T) {
	for _, p := range goldenPolicies {
		g := New(exampleDoc(t, p.policy, p.version))
		g.Title = fmt.Sprintf("%s version %d", p.policy, p.version)
		base := fmt.Sprintf("%s-%d", p.policy, p.version)
		t.Run(base, func(t *testing.T) {
			var dot, mmd bytes.Buffer
			if err := g.DOT(&dot); err != nil {
				t.Fatal(err)
			}
			if err := g.Mermaid(&mmd); err != nil {
				t.Fatal(err)
			}
			golden(t, base+".dot", dot.Bytes())
			golden(t, base+".mmd", mmd.Bytes())
			checkDOT(t, g, dot.Bytes())
		})
	}
}

// tricky has IDs and values that every output format must escape.
const tricky = `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"say \"hi\"",
	"Endpoints":{"back\\slash\\":{"Type":"value","Value":"192.0.2.1"},"a&b<c>'d'":{"Type":"value","Value":"192.0.2.2"},
		"#hash[1]{x}|y` + "`" + `z":{"Type":"cloudfront","Value":"d1.cloudfront.net"},"style: c#1;":{"Type":"value","Value":"192.0.2.4"},
		"end":{"Type":"value","Value":"192.0.2.5"},"ünï 名 -->":{"Type":"value","Value":"192.0.2.6"},"two\nlines":{"Type":"value","Value":"192.0.2.7"}},
	"Rules":{"say \"hi\"":{"RuleType":"weighted","Items":[{"EndpointReference":"back\\slash\\","Weight":1,"HealthCheck":"h\"c<&>"},
		{"EndpointReference":"a&b<c>'d'","Weight":1},{"RuleReference":"(x)","Weight":1},{"EndpointReference":"ünï 名 -->","Weight":1}]},
		"(x)":{"RuleType":"multivalue","Items":[{"EndpointReference":"#hash[1]{x}|y` + "`" + `z"},{"EndpointReference":"style: c#1;"},{"EndpointReference":"end"},{"EndpointReference":"two\nlines"}]}}}`

// trickyGraph is the graph of tricky.
func trickyGraph(t *testing.T) *Graph {
	t.Helper()
	g := New(parse(t, tricky))
	g.Title = `quotes " and <tags> & \backslash`
	return g
}

// dotString matches a quoted DOT string.
var dotString = regexp.MustCompile(`"((?:[^"\\]|\\.)*)"`)

// dotUnquote reads a string dotQuote wrote.
func dotUnquote(s string) string {
	return strings.NewReplacer(`\"`, `"`, `\\`, `\`, `\n`, "\n", "&#13;", "\r", "&amp;", "&").Replace(s)
}

// checkDOT checks that every node ID and label of g is in the DOT text,
// quoted so that it reads back, and that Graphviz accepts it when it is
// installed.
func checkDOT(t *testing.T, g *Graph, dot []byte) {
	t.Helper()
	strs := map[string]bool{}
	for _, m := range dotString.FindAllSubmatch(dot, -1) {
		strs[dotUnquote(string(m[1]))] = true
	}
	for _, n := range g.Nodes {
		if !strs[n.ID] || !strs[strings.Join(n.Label, "\n")] || !strs[n.Details()] {
			t.Errorf("node %q: ID, label or tooltip missing from the DOT text", n.ID)
		}
	}
	for _, e := range g.Edges {
		if len(e.Label) > 0 && !strs[strings.Join(e.Label, "\n")] {
			t.Errorf("edge label %q missing from the DOT text", e.Label)
		}
	}
	if g.Title != "" && !strs[g.Title] {
		t.Errorf("title %q missing from the DOT text", g.Title)
	}
	if !bytes.HasPrefix(dot, []byte("digraph policy {\n\tgraph [rankdir=TB, ordering=out,")) || !bytes.HasSuffix(dot, []byte("}\n")) {
		t.Errorf("DOT text:\n%s", dot)
	}
	dotCmd, err := exec.LookPath("dot")
	if err != nil {
		return // Graphviz is not installed
	}
	cmd := exec.Command(dotCmd, "-Tplain")
	cmd.Stdin = bytes.NewReader(dot)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Errorf("dot: %v: %s", err, stderr.String())
	}
	if got := bytes.Count(out, []byte("\nnode ")); got != len(g.Nodes) {
		t.Errorf("dot read %d nodes, want %d", got, len(g.Nodes))
	}
}

func TestDOTEscaping(t *testing.T) {
	g := trickyGraph(t)
	var b bytes.Buffer
	if err := g.DOT(&b); err != nil {
		t.Fatal(err)
	}
	checkDOT(t, g, b.Bytes())
	for _, want := range []string{`"rule:say \"hi\""`, `"endpoint:back\\slash\\"`, `label="a&amp;b<c>'d'\nvalue 192.0.2.2"`} {
		if !bytes.Contains(b.Bytes(), []byte(want)) {
			t.Errorf("DOT text lacks %s:\n%s", want, b.Bytes())
		}
	}
}

// mermaidLabel matches a node's or an edge's quoted label.
var mermaidLabel = regexp.MustCompile(`"([^"]*)"`)

// mermaidEntity matches a Mermaid entity code.
var mermaidEntity = regexp.MustCompile(`#(\d+);`)

func TestMermaidEscaping(t *testing.T) {
	g := trickyGraph(t)
	var b bytes.Buffer
	if err := g.Mermaid(&b); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	labels := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "title: ") || !strings.HasPrefix(line, "    n") {
			continue
		}
		for _, m := range mermaidLabel.FindAllStringSubmatch(line, -1) {
			raw := m[1]
			plain := mermaidEntity.ReplaceAllString(strings.ReplaceAll(raw, "<br/>", ""), "")
			if strings.ContainsAny(plain, "#<>&|`[]{}\"") {
				t.Errorf("unescaped character in label %q", raw)
			}
			if strings.Contains(raw, "style") && strings.Contains(plain, ":") {
				t.Errorf("colon left in a label with style: %q", raw)
			}
			decoded := mermaidEntity.ReplaceAllStringFunc(raw, func(e string) string {
				n, _ := strconv.Atoi(e[1 : len(e)-1])
				return string(rune(n))
			})
			labels[strings.ReplaceAll(decoded, "<br/>", "\n")] = true
		}
		// Outside the labels, a line is IDs and arrows only.
		if rest := mermaidLabel.ReplaceAllString(line, `""`); !regexp.MustCompile(`^    n\d+(\(\[""\]\)|\[""\]|\(""\)| --> n\d+| -->\|""\| n\d+)$`).MatchString(rest) {
			t.Errorf("line %q", line)
		}
	}
	for _, n := range g.Nodes {
		if want := strings.ReplaceAll(strings.Join(n.Label, "\n"), "\n", " "); !labels[want] && !labels[strings.Join(n.Label, "\n")] {
			// A newline inside a label line reads as a space.
			found := false
			for l := range labels {
				if strings.ReplaceAll(l, "\n", " ") == want {
					found = true
				}
			}
			if !found {
				t.Errorf("node label %q missing", n.Label)
			}
		}
	}
	for _, e := range g.Edges {
		if len(e.Label) > 0 && !labels[strings.Join(e.Label, "\n")] {
			t.Errorf("edge label %q missing", e.Label)
		}
	}
	if !strings.HasPrefix(text, "---\ntitle: \"quotes \\\" and <tags> & \\\\backslash\"\n---\nflowchart TD\n") {
		t.Errorf("front matter:\n%s", text)
	}
}
