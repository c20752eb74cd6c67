package explain

import (
	"fmt"
	"strconv"
	"strings"
)

// Text renders an explanation for people, one fact per line.
func (e *Explanation) Text() string {
	var b strings.Builder
	for _, line := range e.Lines() {
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// Lines renders an explanation as lines of text (what Text prints, and
// the strings of the live explain's TXT records).
func (e *Explanation) Lines() []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }

	add("query: %s %s", e.Query.Name, e.Query.Type)
	add("client: %s", e.Client.describe())
	for i, l := range e.Links {
		if i > 0 {
			add("CNAME target %s:", l.Name)
		}
		for j, a := range l.Aliases {
			next := l.Record.Name
			if j+1 < len(l.Aliases) {
				next = l.Aliases[j+1]
			}
			add("alias %s -> %s", a, next)
		}
		r := l.Record
		add("record %s: policy %q version %d, TTL %d (%s; document %s)", r.Name, r.Policy, r.Version, r.TTL, r.Where, r.Document)
		if c := r.Canary; c != nil {
			add("canary: version %d for %s%% of clients by subnet; this client is on the %s side", c.Version, strconv.FormatFloat(c.Percent, 'f', -1, 64), c.Side)
		}
		for _, s := range l.Steps {
			out = append(out, s.lines()...)
		}
		switch {
		case l.NoAnswer:
			add("no answer: the policy has nothing for this client")
		case len(l.Endpoints) > 0:
			add("endpoints answered: %s", strings.Join(l.Endpoints, ", "))
		}
	}
	a := e.Answer
	switch {
	case len(a.Records) > 0:
		add("answer: %s, %s", a.Rcode, strings.Join(a.Records, "; "))
	default:
		add("answer: %s, no records", a.Rcode)
	}
	if a.Note != "" {
		add("  %s", a.Note)
	}
	if a.ECSScope != nil {
		add("ECS scope: /%d", *a.ECSScope)
	}
	if a.FailOpen {
		add("fail-open: a rule on the way had no healthy branch and answered as if all were")
	}
	for _, h := range e.Health {
		add("health check %s: %s (%s)", h.ID, stateWord(h.Healthy), h.Source)
	}
	add("seed: %d", e.Seed)
	return out
}

// describe says who the client is.
func (c Client) describe() string {
	var parts []string
	switch c.Source {
	case "ecs":
		parts = append(parts, "client subnet "+c.ECS+" (address "+c.Address+")")
	case "address":
		parts = append(parts, "resolver address "+c.Address)
	case "location", "coordinates":
		parts = append(parts, "placed at a location (no GeoIP lookup)")
	default:
		parts = append(parts, "no address")
	}
	if l := c.Location; l != nil {
		parts = append(parts, l.describe())
	} else {
		parts = append(parts, "no location data")
	}
	if c.Network != "" {
		parts = append(parts, "GeoIP network "+c.Network)
	}
	if c.LatencyRow != "" {
		parts = append(parts, "latency-table row "+c.LatencyRow)
	}
	return strings.Join(parts, ", ")
}

func (l *Location) describe() string {
	var parts []string
	if l.Country != "" {
		c := "country " + l.Country
		if l.Subdivision != "" {
			c += "-" + l.Subdivision
		}
		parts = append(parts, c)
	}
	if l.Continent != "" {
		parts = append(parts, "continent "+l.Continent)
	}
	if l.HasCoordinates {
		parts = append(parts, fmt.Sprintf("at %.2f, %.2f", l.Latitude, l.Longitude))
	}
	if len(parts) == 0 {
		return "no location data"
	}
	return strings.Join(parts, ", ")
}

// lines renders a step: the rule, then one line per item.
func (s Step) lines() []string {
	head := fmt.Sprintf("rule %s (%s) at %s", s.Rule, s.Type, s.Path)
	if s.Ranking != "" {
		head += ", ranked by " + s.Ranking
	}
	head += ": " + s.Note
	out := []string{head}
	for _, it := range s.Items {
		out = append(out, "  "+it.line())
	}
	return out
}

func (it Item) line() string {
	var b strings.Builder
	mark := " "
	if it.Chosen {
		mark = "*"
	}
	fmt.Fprintf(&b, "%s [%d] %s -> ", mark, it.Index, it.Label)
	if it.Rule != "" {
		b.WriteString("rule " + it.Rule)
	} else {
		b.WriteString("endpoint " + it.Endpoint)
	}
	var facts []string
	if !it.Applies {
		facts = append(facts, "does not apply")
	}
	if it.Distance != nil {
		f := "distance " + km(*it.Distance)
		if it.Biased != nil && *it.Biased != *it.Distance {
			f += ", biased " + km(*it.Biased)
		}
		facts = append(facts, f)
	}
	if it.RTT != nil {
		facts = append(facts, "rtt "+strconv.FormatFloat(*it.RTT, 'f', -1, 64)+" ms")
	}
	if it.Share != nil {
		facts = append(facts, fmt.Sprintf("share %.1f%%", *it.Share*100))
	}
	if it.HealthCheck != "" && !strings.HasPrefix(it.Why, "health check ") {
		facts = append(facts, "health check "+it.HealthCheck)
	}
	switch {
	case !it.Applies:
	case it.Healthy:
		facts = append(facts, "healthy")
	case it.Why != "":
		facts = append(facts, "unhealthy: "+it.Why)
	default:
		facts = append(facts, "unhealthy")
	}
	if len(facts) > 0 {
		b.WriteString(": " + strings.Join(facts, ", "))
	}
	return b.String()
}

func km(d float64) string { return strconv.FormatFloat(d, 'f', 0, 64) + " km" }

func stateWord(healthy bool) string {
	if healthy {
		return "healthy"
	}
	return "unhealthy"
}
