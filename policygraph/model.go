package policygraph

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/miekg/dns"

	"github.com/trafficflow/trafficflow/policyfile"
)

// Kind tells the start marker, rules and endpoints apart.
type Kind string

// Node kinds.
const (
	StartNode    Kind = "start"
	RuleNode     Kind = "rule"
	EndpointNode Kind = "endpoint"
)

// StartID is the ID of the start marker's node.
const StartID = "start"

// Graph is the picture of one policy document: its nodes (the start marker,
// then the reachable rules, then the reachable endpoints, each in document
// order) and its edges (the start's, then each rule's in document order,
// its items in order). The field tags make it JSON for a web editor.
type Graph struct {
	// Title is shown above the picture when set (New leaves it empty).
	Title string `json:"title,omitempty"`
	// FormatVersion is the document's AWSPolicyFormatVersion.
	FormatVersion string `json:"formatVersion"`
	// RecordType is the document's RecordType ("A", "CNAME", ...).
	RecordType string `json:"recordType"`
	Nodes      []Node `json:"nodes"`
	Edges      []Edge `json:"edges"`
}

// Node is the start marker, a rule or an endpoint.
type Node struct {
	// ID is unique in the graph: StartID, "rule:" + the rule's ID, or
	// "endpoint:" + the endpoint's ID (a rule and an endpoint may share a
	// document ID).
	ID   string `json:"id"`
	Kind Kind   `json:"kind"`
	// Name is the rule's or endpoint's ID in the document ("" for the start).
	Name string `json:"name,omitempty"`
	// Type is the rule type (failover, geo, ...), the endpoint type (value,
	// cloudfront, s3-website, ...), or for the start the record type.
	Type string `json:"type"`
	// Value is an endpoint's Value: the record value of a value endpoint,
	// the DNS name of an alias-type endpoint (or the bucket or website host
	// of an s3-website endpoint).
	Value string `json:"value,omitempty"`
	// Bucket and Region are an s3-website endpoint's bucket ("" when its
	// Value is a regional website host without one) and Region.
	Bucket string `json:"bucket,omitempty"`
	Region string `json:"region,omitempty"`
	// Path is the JSON path of the rule or endpoint in the document.
	Path string `json:"path,omitempty"`
	// Label holds the lines the renderers show: the name first, then the
	// type and value (long values shortened with an ellipsis): "value
	// 192.0.2.1"; "cloudfront", "d111111abcdef8.cloudfront.net";
	// "s3-website us-east-1", "bucket video.example.com".
	Label []string `json:"label"`
}

// Edge is one item of a rule, from the rule to the rule or endpoint the
// item references, or the start marker's edge to the start rule or
// endpoint.
type Edge struct {
	// From and To are node IDs.
	From string `json:"from"`
	To   string `json:"to"`
	// Item is the index of the item in the From rule's items (0 Primary, 1
	// Secondary for failover), -1 for the start's edge.
	Item int `json:"item"`
	// Selector says what selects the branch: "Primary", "Secondary",
	// "Continent EU", "Country GB", "US-CA", "default", "us-east-1, bias
	// +25", "(43.65, -79.38)", "eu-west-2", "weight 50 (25%)", "multivalue";
	// "" for the start's edge.
	Selector string `json:"selector,omitempty"`
	// HealthCheck is the ID of the branch's health check, or "".
	HealthCheck string `json:"healthCheck,omitempty"`
	// EvaluateTargetHealth is the item's EvaluateTargetHealth (true for the
	// start's edge).
	EvaluateTargetHealth bool `json:"evaluateTargetHealth"`
	// Path is the JSON path of the item in the document ("" for the start's
	// edge).
	Path string `json:"path,omitempty"`
	// Label holds the lines the renderers show: the selector, then
	// "hc: ID" and "EvaluateTargetHealth false" where they apply.
	Label []string `json:"label,omitempty"`
}

// maxValue is how many characters of an endpoint's value a label shows.
const maxValue = 40

// New returns the graph of a document: what its start reaches, in document
// order.
func New(d *policyfile.Document) *Graph {
	g := &Graph{FormatVersion: d.FormatVersion, RecordType: dns.TypeToString[d.RecordType]}
	if g.RecordType == "" {
		g.RecordType = strconv.Itoa(int(d.RecordType))
	}
	g.Nodes = append(g.Nodes, Node{ID: StartID, Kind: StartNode, Type: g.RecordType, Label: []string{"start", g.RecordType + " record"}})
	start := Edge{From: StartID, Item: -1, EvaluateTargetHealth: true}
	if d.StartEndpoint != "" {
		start.To = endpointID(d.StartEndpoint)
	} else {
		start.To = ruleID(d.StartRule)
	}
	g.Edges = append(g.Edges, start)
	rules := d.Reachable()
	for _, r := range rules {
		g.Nodes = append(g.Nodes, Node{ID: ruleID(r.ID), Kind: RuleNode, Name: r.ID, Type: string(r.Type), Path: r.Path, Label: []string{r.ID, string(r.Type)}})
	}
	for _, e := range d.ReachableEndpoints() {
		g.Nodes = append(g.Nodes, endpointNode(e))
	}
	for _, r := range rules {
		total := 0
		for _, it := range r.Items {
			total += it.Weight
		}
		for i, it := range r.Items {
			e := Edge{From: ruleID(r.ID), Item: i, Selector: selector(r, i, total), HealthCheck: it.HealthCheck,
				EvaluateTargetHealth: it.EvaluateTargetHealth, Path: it.Path}
			if it.Endpoint != "" {
				e.To = endpointID(it.Endpoint)
			} else {
				e.To = ruleID(it.Rule)
			}
			e.Label = edgeLabel(e)
			g.Edges = append(g.Edges, e)
		}
	}
	return g
}

// Node returns the node with the given ID, or nil.
func (g *Graph) Node(id string) *Node {
	for i := range g.Nodes {
		if g.Nodes[i].ID == id {
			return &g.Nodes[i]
		}
	}
	return nil
}

// Details describes the node in a few lines, for tooltips.
func (n *Node) Details() string {
	var b strings.Builder
	switch n.Kind {
	case StartNode:
		fmt.Fprintf(&b, "start of the policy\nRecordType %s", n.Type)
	case RuleNode:
		fmt.Fprintf(&b, "rule %s\nRuleType %s\n%s", n.Name, n.Type, n.Path)
	default:
		fmt.Fprintf(&b, "endpoint %s\nType %s\nValue %s", n.Name, n.Type, n.Value)
		if n.Type == string(policyfile.S3Website) {
			if n.Bucket != "" {
				fmt.Fprintf(&b, "\nbucket %s", n.Bucket)
			}
			fmt.Fprintf(&b, "\nRegion %s", n.Region)
		}
		fmt.Fprintf(&b, "\n%s", n.Path)
	}
	return b.String()
}

func ruleID(id string) string     { return "rule:" + id }
func endpointID(id string) string { return "endpoint:" + id }

func endpointNode(e *policyfile.Endpoint) Node {
	n := Node{ID: endpointID(e.ID), Kind: EndpointNode, Name: e.ID, Type: string(e.Type), Value: e.Value, Path: e.Path}
	switch {
	case e.Type == policyfile.S3Website:
		n.Bucket, n.Region = e.Bucket, e.Region
		where := "bucket " + e.Bucket
		if e.Bucket == "" {
			where = e.Value
		}
		n.Label = []string{e.ID, string(e.Type) + " " + e.Region, shorten(where, maxValue)}
	case e.Type.IsAlias():
		n.Label = []string{e.ID, string(e.Type), shorten(e.Value, maxValue)}
	default:
		n.Label = []string{e.ID, shorten("value "+e.Value, maxValue)}
	}
	return n
}

// shorten cuts s to at most n characters, ending it with an ellipsis when
// it cuts.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// Selector says what selects item i of rule r, as the graph's edges say
// it: "Primary", "Country GB", "us-east-1, bias +25", "weight 50 (25%)".
func Selector(r *policyfile.Rule, i int) string {
	total := 0
	for _, it := range r.Items {
		total += it.Weight
	}
	return selector(r, i, total)
}

// selector says what selects item i of rule r; total is the sum of the
// rule's weights.
func selector(r *policyfile.Rule, i int, total int) string {
	it := r.Items[i]
	switch r.Type {
	case policyfile.Failover:
		if i == 0 {
			return "Primary"
		}
		return "Secondary"
	case policyfile.Geo:
		switch {
		case it.IsDefault:
			return "default"
		case it.Subdivision != "":
			return it.Country + "-" + it.Subdivision
		case it.Country != "":
			return "Country " + it.Country
		default:
			return "Continent " + it.Continent
		}
	case policyfile.Geoproximity:
		s := it.Region
		if it.LocationType == policyfile.LocationCoordinate {
			s = "(" + coordinate(it.Point.Lat) + ", " + coordinate(it.Point.Lon) + ")"
		}
		if it.Bias != 0 {
			s += fmt.Sprintf(", bias %+d", it.Bias)
		}
		return s
	case policyfile.Latency:
		return it.Region
	case policyfile.Weighted:
		switch {
		case total == 0:
			return fmt.Sprintf("weight 0 (all zero: %s)", percent(1, len(r.Items)))
		case it.Weight == 0:
			return "weight 0 (0%, standby)"
		}
		return fmt.Sprintf("weight %d (%s)", it.Weight, percent(it.Weight, total))
	case policyfile.Multivalue:
		return "multivalue"
	}
	return string(r.Type)
}

func coordinate(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// percent formats part/total as a percentage with at most one decimal.
func percent(part, total int) string { return Percent(float64(part) / float64(total)) }

// Percent formats a share (0..1) as the graph's labels write it: a
// percentage with at most one decimal ("25%", "33.3%"), "<0.1%" and ">99.9%"
// for shares that would round to 0 or 100.
func Percent(share float64) string {
	p := 100 * share
	switch {
	case p > 0 && p < 0.05:
		return "<0.1%"
	case p < 100 && p >= 99.95:
		return ">99.9%"
	}
	return strings.TrimSuffix(strconv.FormatFloat(p, 'f', 1, 64), ".0") + "%"
}

func edgeLabel(e Edge) []string {
	var lines []string
	if e.Selector != "" {
		lines = append(lines, e.Selector)
	}
	if e.HealthCheck != "" {
		lines = append(lines, "hc: "+e.HealthCheck)
	}
	if !e.EvaluateTargetHealth {
		lines = append(lines, "EvaluateTargetHealth false")
	}
	return lines
}
