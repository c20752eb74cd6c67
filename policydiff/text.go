package policydiff

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/trafficflow/trafficflow/policygraph"
)

// Text is the diff for people: the versions, the structure, then the
// impact, in a deterministic order.
func (d *Diff) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "policy %s: version %d → version %d\n", d.Policy, d.Old.Version, d.New.Version)
	fmt.Fprintf(&b, "comment: %s → %s\n", comment(d.Old.Comment), comment(d.New.Comment))
	fmt.Fprintf(&b, "record type: %s\n", arrow(d.Old.RecordType, d.New.RecordType))
	fmt.Fprintf(&b, "files: %s → %s\n", d.Old.Where, d.New.Where)
	b.WriteString("\n")
	d.Structure.text(&b)
	b.WriteString("\n")
	d.Impact.text(&b)
	return b.String()
}

func comment(c string) string {
	if c == "" {
		return "(none)"
	}
	return strconv.Quote(c)
}

// arrow is "a" when a and b are the same, else "a → b".
func arrow(a, b string) string {
	if a == b {
		return a
	}
	return a + " → " + b
}

func (s *Structure) text(b *strings.Builder) {
	if s.Empty() {
		b.WriteString("structure: no differences\n")
		return
	}
	b.WriteString("structure:\n")
	for _, f := range s.Document {
		switch f.Field {
		case "start":
			fmt.Fprintf(b, "  start: %s → %s\n", f.Old, f.New)
		case "format_version":
			fmt.Fprintf(b, "  AWSPolicyFormatVersion: %s → %s\n", f.Old, f.New)
		}
	}
	for _, e := range s.Endpoints {
		switch e.Change {
		case Added:
			fmt.Fprintf(b, "  endpoint %s added: %s\n", e.ID, e.New.describe())
		case Removed:
			fmt.Fprintf(b, "  endpoint %s removed: %s\n", e.ID, e.Old.describe())
		case Renamed:
			fmt.Fprintf(b, "  endpoint %s renamed %s: %s\n", e.ID, e.RenamedTo, e.New.describe())
		default:
			fmt.Fprintf(b, "  endpoint %s changed: %s\n", e.ID, changes(e.Fields))
		}
	}
	renamed := map[string]string{} // "endpoint OLD" → "endpoint NEW"
	for _, e := range s.Endpoints {
		if e.Change == Renamed {
			renamed["endpoint "+e.ID] = "endpoint " + e.RenamedTo
		}
	}
	for _, r := range s.Rules {
		info := r.New
		if info == nil {
			info = r.Old
		}
		kind := info.Type
		if r.Old != nil && r.New != nil {
			kind = arrow(r.Old.Type, r.New.Type)
		}
		if !info.Reachable {
			kind += ", not reached from the start"
		}
		fmt.Fprintf(b, "  rule %s (%s) %s:\n", r.ID, kind, r.Change)
		for _, it := range r.Items {
			fmt.Fprintf(b, "    [%d] %s\n", it.Index, it.describe(renamed))
		}
	}
}

// describe is an endpoint's type and value ("value 192.0.2.1",
// "s3-website video.example.com (us-east-1)").
func (e *Endpoint) describe() string {
	s := e.Type + " " + e.Value
	if e.Region != "" {
		s += " (" + e.Region + ")"
	}
	if !e.Reachable {
		s += ", not reached from the start"
	}
	return s
}

// fieldNames are the document's own names of fields, for text.
var fieldNames = map[string]string{
	"type": "Type", "value": "Value", "region": "Region", "health_check": "HealthCheck",
	"evaluate_target_health": "EvaluateTargetHealth",
}

// changes lists field changes: "Value 192.0.2.1 → 192.0.2.2; HealthCheck
// none → hc-a". A reference is "endpoint a → endpoint b".
func changes(fs []FieldChange) string {
	var parts []string
	for _, f := range fs {
		was, now := f.Old, f.New
		if f.Field == "health_check" {
			was, now = orNone(was), orNone(now)
		}
		if name := fieldNames[f.Field]; name != "" {
			parts = append(parts, name+" "+was+" → "+now)
		} else {
			parts = append(parts, was+" → "+now)
		}
	}
	return strings.Join(parts, "; ")
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// describe is an item's line: "US-CA → endpoint us-west, HealthCheck hc"
// for an added or removed item; for a changed one its selector (or the
// selector's change) and what changed, noting a reference that follows a
// renamed endpoint.
func (it *ItemChange) describe(renamed map[string]string) string {
	switch it.Change {
	case Added:
		return "added: " + it.New.describe()
	case Removed:
		return "removed: " + it.Old.describe()
	}
	head, rest := it.New.Selector, it.Fields
	if len(rest) > 0 && rest[0].Field == "selector" {
		head, rest = rest[0].Old+" → "+rest[0].New, rest[1:]
	}
	if len(rest) == 0 {
		return head
	}
	s := head + ": " + changes(rest)
	for _, f := range rest {
		if f.Field == "reference" && renamed[f.Old] == f.New {
			s += " (renamed, same value)"
		}
	}
	return s
}

func (it *Item) describe() string {
	s := it.Selector + " → " + reference(it)
	if it.HealthCheck != "" {
		s += ", HealthCheck " + it.HealthCheck
	}
	if !it.EvaluateTargetHealth {
		s += ", EvaluateTargetHealth false"
	}
	return s
}

func (im *Impact) text(b *strings.Builder) {
	c := im.Clients
	if im.Changed == 0 {
		fmt.Fprintf(b, "impact: no client's answer changes (of %d)\n", c.Total)
	} else {
		fmt.Fprintf(b, "impact: %d of %d clients get another answer\n", im.Changed, c.Total)
	}
	fmt.Fprintf(b, "  clients: %s, %s, %s, %s\n", plural(c.Continents, "continent alone", "continents alone"),
		plural(c.Countries, "country", "countries"), plural(c.Subdivisions, "subdivision", "subdivisions"),
		plural(c.NoLocation, "client without location", "clients without location"))
	if n := len(im.SkippedNoPoint); n > 0 {
		fmt.Fprintf(b, "  left out: %s without a point for geoproximity and latency rules (%s)\n",
			plural(n, "country", "countries"), strings.Join(im.SkippedNoPoint, ", "))
	}
	for _, g := range im.Groups {
		fmt.Fprintf(b, "  %s: %s → %s\n", g.who(), answer(g.Old), answer(g.New))
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// maxListed is how many clients a group's line names before it counts.
const maxListed = 10

// who says which clients a group holds: "every client", "EU, every
// client (53)", "EU: GB, IE", "NA: 50 US states".
func (g *Group) who() string {
	switch {
	case g.Continent == "*":
		return fmt.Sprintf("every client (%d)", len(g.Clients))
	case g.Whole && g.Continent != "":
		return fmt.Sprintf("%s, every client (%d)", g.Continent, len(g.Clients))
	case g.Continent == "" && len(g.Clients) == 1 && g.Clients[0] == noLocation:
		return noLocation
	}
	head := g.Continent
	if head == "" {
		head = "no continent"
	}
	if len(g.Clients) <= maxListed {
		return head + ": " + strings.Join(g.Clients, ", ")
	}
	var countries, us, subs int
	var others []string
	for _, c := range g.Clients {
		switch {
		case len(c) == 2:
			countries++
		case strings.HasPrefix(c, "US-"):
			us++
		case len(c) > 3 && c[2] == '-':
			subs++
		default:
			others = append(others, c)
		}
	}
	var parts []string
	if countries > 0 {
		parts = append(parts, plural(countries, "country", "countries"))
	}
	if us > 0 {
		parts = append(parts, plural(us, "US state", "US states"))
	}
	if subs > 0 {
		parts = append(parts, plural(subs, "subdivision", "subdivisions"))
	}
	parts = append(parts, others...)
	return head + ": " + strings.Join(parts, ", ")
}

// answer writes a distribution: "192.0.2.1 (a)", "192.0.2.1 (a) 40%,
// 192.0.2.2 (b) 60%", "no answer".
func answer(ss []Share) string {
	if len(ss) == 0 {
		return "no answer"
	}
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = s.Value + " (" + strings.Join(s.Endpoints, ", ") + ")"
		if s.Probability != 1 {
			parts[i] += " " + policygraph.Percent(s.Probability)
		}
	}
	return strings.Join(parts, ", ")
}
