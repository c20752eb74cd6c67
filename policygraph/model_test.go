package policygraph

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/trafficflow/trafficflow/policyfile"
)

// exampleStore is the repository's example store.
var exampleStore = sync.OnceValues(func() (*policyfile.Store, error) {
	s, probs := policyfile.Load("../examples/store", policyfile.Options{})
	return s, probs.Err()
})

// exampleDoc returns a version of a policy of the example store.
func exampleDoc(t *testing.T, policy string, version int) *policyfile.Document {
	t.Helper()
	s, err := exampleStore()
	if err != nil {
		t.Fatal(err)
	}
	p := s.Policies[policy]
	if p == nil || p.Versions[version] == nil {
		t.Fatalf("the example store has no %s version %d", policy, version)
	}
	return p.Versions[version].Document
}

// eachExample runs f on the graph of every version of the example store,
// titled "POLICY version N", in a subtest of its own.
func eachExample(t *testing.T, f func(t *testing.T, g *Graph)) {
	t.Helper()
	s, err := exampleStore()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range slices.Sorted(maps.Keys(s.Policies)) {
		p := s.Policies[name]
		for _, n := range p.Numbers() {
			t.Run(fmt.Sprintf("%s-%d", name, n), func(t *testing.T) {
				g := New(p.Versions[n].Document)
				g.Title = fmt.Sprintf("%s version %d", name, n)
				f(t, g)
			})
		}
	}
}

// parse parses a document on its own; it must load.
func parse(t *testing.T, doc string) *policyfile.Document {
	t.Helper()
	d, probs := policyfile.ParseDocument([]byte(doc), false, false)
	if d == nil {
		t.Fatalf("document does not load: %v", probs)
	}
	return d
}

// compatDocs returns the documents of policyfile's compatibility corpus
// that load, by file name.
func compatDocs(t *testing.T) map[string]*policyfile.Document {
	t.Helper()
	files, err := filepath.Glob("../policyfile/testdata/compat/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no compat documents: %v", err)
	}
	out := map[string]*policyfile.Document{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if d, _ := policyfile.ParseDocument(data, false, false); d != nil {
			out[filepath.Base(f)] = d
		}
	}
	if len(out) < 4 {
		t.Fatalf("only %d compat documents load", len(out))
	}
	return out
}

// edgeLabels lists "FROM -> TO: label lines" for every edge.
func edgeLabels(g *Graph) []string {
	var out []string
	for _, e := range g.Edges {
		out = append(out, e.From+" -> "+e.To+": "+strings.Join(e.Label, " / "))
	}
	return out
}

func TestNewTree(t *testing.T) {
	g := New(exampleDoc(t, "tree", 2))
	var ids []string
	for _, n := range g.Nodes {
		ids = append(ids, n.ID+" "+strings.Join(n.Label, " / "))
	}
	want := []string{
		"start start / A record",
		"rule:by-continent by-continent / geo",
		"rule:eu-split eu-split / weighted",
		"rule:eu-blue eu-blue / failover",
		"rule:eu-green eu-green / failover",
		"rule:rest-pair rest-pair / failover",
		"endpoint:eu-blue-a eu-blue-a / value 203.0.113.10",
		"endpoint:eu-blue-b eu-blue-b / value 203.0.113.11",
		"endpoint:eu-green-a eu-green-a / value 203.0.113.20",
		"endpoint:eu-green-b eu-green-b / value 203.0.113.21",
		"endpoint:rest-a rest-a / value 203.0.113.30",
		"endpoint:rest-b rest-b / value 203.0.113.31",
	}
	if !slices.Equal(ids, want) {
		t.Errorf("nodes:\n%s\nwant:\n%s", strings.Join(ids, "\n"), strings.Join(want, "\n"))
	}
	wantEdges := []string{
		"start -> rule:by-continent: ",
		"rule:by-continent -> rule:eu-split: Continent EU",
		"rule:by-continent -> rule:rest-pair: default",
		"rule:eu-split -> rule:eu-blue: weight 90 (90%)",
		"rule:eu-split -> rule:eu-green: weight 10 (10%)",
		"rule:eu-blue -> endpoint:eu-blue-a: Primary / hc: tree-blue-a",
		"rule:eu-blue -> endpoint:eu-blue-b: Secondary",
		"rule:eu-green -> endpoint:eu-green-a: Primary",
		"rule:eu-green -> endpoint:eu-green-b: Secondary",
		"rule:rest-pair -> endpoint:rest-a: Primary",
		"rule:rest-pair -> endpoint:rest-b: Secondary",
	}
	if got := edgeLabels(g); !slices.Equal(got, wantEdges) {
		t.Errorf("edges:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantEdges, "\n"))
	}
	if e := g.Edges[5]; e.Item != 0 || e.HealthCheck != "tree-blue-a" || !e.EvaluateTargetHealth || e.Selector != "Primary" ||
		e.Path != "TrafficPolicies[1].Document.Rules.eu-blue.Primary" {
		t.Errorf("edge %+v", e)
	}
	if n := g.Node("rule:eu-blue"); n == nil || n.Kind != RuleNode || n.Name != "eu-blue" || n.Type != "failover" {
		t.Errorf("Node(rule:eu-blue) = %+v", n)
	}
	if g.Node("eu-blue") != nil {
		t.Error("Node finds a node by its document ID")
	}
}

// Every kind of selector, health checks and EvaluateTargetHealth false.
func TestSelectors(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		want []string
	}{
		{"geo", `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"g",
			"Endpoints":{"a":{"Type":"value","Value":"192.0.2.1"},"b":{"Type":"value","Value":"192.0.2.2"}},
			"Rules":{"g":{"RuleType":"geo","Locations":[
				{"Country":"US","Subdivision":"CA","EndpointReference":"a","HealthCheck":"hc-a"},
				{"Country":"GB","EndpointReference":"a","EvaluateTargetHealth":false},
				{"Continent":"EU","EndpointReference":"b"},
				{"Country":"*","EndpointReference":"a","HealthCheck":"x","EvaluateTargetHealth":false}]}}}`,
			[]string{
				"start -> rule:g: ",
				"rule:g -> endpoint:a: US-CA / hc: hc-a",
				"rule:g -> endpoint:a: Country GB / EvaluateTargetHealth false",
				"rule:g -> endpoint:b: Continent EU",
				"rule:g -> endpoint:a: default / hc: x / EvaluateTargetHealth false",
			}},
		{"geoproximity", `{"AWSPolicyFormatVersion":"2023-05-09","RecordType":"A","StartRule":"p",
			"Endpoints":{"a":{"Type":"value","Value":"192.0.2.1"}},
			"Rules":{"p":{"RuleType":"geoproximity","GeoproximityLocations":[
				{"EndpointReference":"a","Location":{"Type":"Region","LocationName":"aws:route53:us-east-1"},"Bias":25},
				{"EndpointReference":"a","Location":{"Type":"Coordinate","Latitude":"43.65","Longitude":"-79.38"}},
				{"EndpointReference":"a","Location":{"Type":"Coordinate","Latitude":"-33.87","Longitude":"151.2"},"Bias":-10},
				{"EndpointReference":"a","Location":{"Type":"LocalZone","LocationName":"aws:route53:us-east-1-atl-1a"}}]}}}`,
			[]string{
				"start -> rule:p: ",
				"rule:p -> endpoint:a: us-east-1, bias +25",
				"rule:p -> endpoint:a: (43.65, -79.38)",
				"rule:p -> endpoint:a: (-33.87, 151.2), bias -10",
				"rule:p -> endpoint:a: us-east-1-atl-1a",
			}},
		{"latency and multivalue", `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"l",
			"Endpoints":{"a":{"Type":"value","Value":"192.0.2.1"},"b":{"Type":"value","Value":"192.0.2.2"}},
			"Rules":{"l":{"RuleType":"latency","Regions":[{"Region":"eu-west-2","RuleReference":"m"},{"Region":"us-east-1","EndpointReference":"a"}]},
				"m":{"RuleType":"multivalue","Items":[{"EndpointReference":"a","HealthCheck":"hc"},{"EndpointReference":"b"}]}}}`,
			[]string{
				"start -> rule:l: ",
				"rule:l -> rule:m: eu-west-2",
				"rule:l -> endpoint:a: us-east-1",
				"rule:m -> endpoint:a: multivalue / hc: hc",
				"rule:m -> endpoint:b: multivalue",
			}},
		{"weighted", `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"w",
			"Endpoints":{"a":{"Type":"value","Value":"192.0.2.1"},"b":{"Type":"value","Value":"192.0.2.2"}},
			"Rules":{"w":{"RuleType":"weighted","Items":[{"EndpointReference":"a","Weight":50},{"EndpointReference":"b","Weight":150},
				{"RuleReference":"z","Weight":0},{"RuleReference":"t","Weight":0}]},
				"z":{"RuleType":"weighted","Items":[{"EndpointReference":"a","Weight":0},{"EndpointReference":"b","Weight":0},{"EndpointReference":"a","Weight":0}]},
				"t":{"RuleType":"weighted","Items":[{"EndpointReference":"a","Weight":1},{"EndpointReference":"b","Weight":255},{"EndpointReference":"b","Weight":255},
					{"EndpointReference":"b","Weight":255},{"EndpointReference":"b","Weight":255},{"EndpointReference":"b","Weight":255},
					{"EndpointReference":"b","Weight":255},{"EndpointReference":"b","Weight":255},{"EndpointReference":"b","Weight":255},
					{"EndpointReference":"b","Weight":255},{"EndpointReference":"b","Weight":255},{"EndpointReference":"b","Weight":255},
					{"EndpointReference":"b","Weight":255},{"EndpointReference":"b","Weight":255},{"EndpointReference":"b","Weight":255},
					{"EndpointReference":"b","Weight":255},{"EndpointReference":"b","Weight":255},{"EndpointReference":"b","Weight":255},
					{"EndpointReference":"b","Weight":255},{"EndpointReference":"b","Weight":255},{"EndpointReference":"b","Weight":255}]}}}`,
			nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := edgeLabels(New(parse(t, tc.doc)))
			if tc.want == nil {
				want := []string{
					"rule:w -> endpoint:a: weight 50 (25%)",
					"rule:w -> endpoint:b: weight 150 (75%)",
					"rule:w -> rule:z: weight 0 (0%, standby)",
					"rule:w -> rule:t: weight 0 (0%, standby)",
					"rule:z -> endpoint:a: weight 0 (all zero: 33.3%)",
					"rule:t -> endpoint:a: weight 1 (<0.1%)",
					"rule:t -> endpoint:b: weight 255 (5%)",
				}
				for _, w := range want {
					if !slices.Contains(got, w) {
						t.Errorf("no edge %q in\n%s", w, strings.Join(got, "\n"))
					}
				}
				return
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("edges:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestPercent(t *testing.T) {
	for _, tc := range []struct {
		part, total int
		want        string
	}{{1, 4, "25%"}, {1, 3, "33.3%"}, {2, 3, "66.7%"}, {200, 255, "78.4%"}, {0, 5, "0%"}, {1, 5101, "<0.1%"}, {5100, 5101, ">99.9%"}, {7, 7, "100%"}} {
		if got := percent(tc.part, tc.total); got != tc.want {
			t.Errorf("percent(%d, %d) = %q, want %q", tc.part, tc.total, got, tc.want)
		}
	}
}

// Endpoint labels: value, alias and s3-website endpoints, long values cut.
func TestEndpointLabels(t *testing.T) {
	long := strings.Repeat("x", 60)
	g := New(parse(t, `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"f",
		"Endpoints":{"lb":{"Type":"application-load-balancer","Value":"my-lb-1.us-east-1.elb.amazonaws.com"},
			"cf":{"Type":"cloudfront","Value":"d111111abcdef8.cloudfront.net"},
			"site":{"Type":"s3-website","Region":"us-east-1","Value":"video.example.com"},
			"host":{"Type":"s3-website","Region":"eu-central-1","Value":"s3-website.eu-central-1.amazonaws.com"},
			"long":{"Type":"cloudfront","Value":"`+long+`.cloudfront.net"}},
		"Rules":{"f":{"RuleType":"multivalue","Items":[{"EndpointReference":"lb"},{"EndpointReference":"cf"},{"EndpointReference":"site"},{"EndpointReference":"host"},{"EndpointReference":"long"}]}}}`))
	var got []string
	for _, n := range g.Nodes[2:] {
		got = append(got, strings.Join(n.Label, " / "))
	}
	want := []string{
		"lb / application-load-balancer / my-lb-1.us-east-1.elb.amazonaws.com",
		"cf / cloudfront / d111111abcdef8.cloudfront.net",
		"site / s3-website us-east-1 / bucket video.example.com",
		"host / s3-website eu-central-1 / s3-website.eu-central-1.amazonaws.com",
		"long / cloudfront / " + strings.Repeat("x", 39) + "…",
	}
	if !slices.Equal(got, want) {
		t.Errorf("labels:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if s := g.Node("endpoint:site"); s.Bucket != "video.example.com" || s.Region != "us-east-1" ||
		!strings.Contains(s.Details(), "bucket video.example.com\nRegion us-east-1") {
		t.Errorf("s3 node %+v, details %q", s, s.Details())
	}
	if d := g.Node("endpoint:long").Details(); !strings.Contains(d, long) {
		t.Errorf("details %q lack the whole value", d)
	}
}

// A node referenced by several items appears once, with several incoming
// edges.
func TestSharedNodes(t *testing.T) {
	data, err := os.ReadFile("../policyfile/testdata/realworld/aws-geo-latency-failover-s3.json")
	if err != nil {
		t.Fatal(err)
	}
	g := New(parse(t, string(data)))
	seen := map[string]int{}
	for _, n := range g.Nodes {
		seen[n.ID]++
	}
	in := 0
	for _, e := range g.Edges {
		if e.To == "endpoint:s3_video" {
			in++
		}
	}
	if seen["endpoint:s3_video"] != 1 || in != 3 || len(g.Nodes) != 11 {
		t.Errorf("s3_video: %d nodes, %d incoming edges; %d nodes in all", seen["endpoint:s3_video"], in, len(g.Nodes))
	}
}

// Unreachable rules and endpoints are left out; a start endpoint is drawn.
func TestReachableOnly(t *testing.T) {
	g := New(parse(t, `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"AAAA","StartEndpoint":"a",
		"Endpoints":{"a":{"Type":"value","Value":"2001:db8::1"},"b":{"Type":"value","Value":"2001:db8::2"}},
		"Rules":{"r":{"RuleType":"multivalue","Items":[{"EndpointReference":"b"}]}}}`))
	if len(g.Nodes) != 2 || g.Nodes[1].ID != "endpoint:a" || len(g.Edges) != 1 || g.Edges[0].To != "endpoint:a" || g.Edges[0].Item != -1 {
		t.Errorf("graph %+v", g)
	}
	if g.RecordType != "AAAA" || g.Nodes[0].Label[1] != "AAAA record" {
		t.Errorf("record type %q, start %v", g.RecordType, g.Nodes[0].Label)
	}
}

// The graph is JSON for a web editor.
func TestJSON(t *testing.T) {
	g := New(exampleDoc(t, "web", 1))
	g.Title = "web"
	b, err := json.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"title":"web"`, `"formatVersion":"2015-10-01"`, `"recordType":"A"`,
		`{"id":"rule:site-switch","kind":"rule","name":"site-switch","type":"failover","path":"Rules.site-switch","label":["site-switch","failover"]}`,
		`{"from":"rule:site-switch","to":"endpoint:primary","item":0,"selector":"Primary","healthCheck":"web-primary","evaluateTargetHealth":true,"path":"Rules.site-switch.Primary","label":["Primary","hc: web-primary"]}`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s:\n%s", want, b)
		}
	}
	var back Graph
	if err := json.Unmarshal(b, &back); err != nil || len(back.Nodes) != len(g.Nodes) || back.Edges[1].Label[1] != "hc: web-primary" {
		t.Errorf("round trip: %v, %+v", err, back)
	}
}
