package policyfile

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"

	"github.com/trafficflow/trafficflow/internal/jsontree"
)

// checkGraph checks what ties a document together: the start node and
// every reference resolve, rules form no cycle, multivalue rules fit the
// record type, and nothing is left unreferenced. When partial is set, the
// document had errors and some rules or endpoints were dropped; only
// references to IDs that do not exist at all are reported then.
func checkGraph(dec *decoder, p *jsontree.Path, d *Document, f map[string]*jsontree.Node, partial bool) {
	start := dec.mark()
	endpointIDs := rawKeys(f["Endpoints"])
	ruleIDs := rawKeys(f["Rules"])
	missingEndpoint := func(id string) bool {
		if partial {
			return !endpointIDs[id]
		}
		return d.endpoints[id] == nil
	}
	missingRule := func(id string) bool {
		if partial {
			return !ruleIDs[id]
		}
		return d.rules[id] == nil
	}
	if d.StartRule != "" && missingRule(d.StartRule) {
		dec.errorf(p.Key("StartRule"), "no rule %q in Rules", d.StartRule)
	}
	if d.StartEndpoint != "" && missingEndpoint(d.StartEndpoint) {
		dec.errorf(p.Key("StartEndpoint"), "no endpoint %q in Endpoints", d.StartEndpoint)
	}
	for _, rule := range d.Rules {
		for _, it := range rule.Items {
			if it.Endpoint != "" && missingEndpoint(it.Endpoint) {
				dec.addAt(Error, it.Path+".EndpointReference", "no endpoint %q in Endpoints", it.Endpoint)
			}
			if it.Rule != "" && missingRule(it.Rule) {
				dec.addAt(Error, it.Path+".RuleReference", "no rule %q in Rules", it.Rule)
			}
		}
	}
	if partial {
		return
	}
	checkCycles(dec, d)
	for _, rule := range d.Rules {
		if rule.Type != Multivalue {
			continue
		}
		if d.RecordType == dns.TypeCNAME {
			dec.addAt(Error, rule.Path+".RuleType", "multivalue rules cannot be used in policies with RecordType CNAME")
		}
		for _, it := range rule.Items {
			if e := d.endpoints[it.Endpoint]; e != nil && e.Type.IsAlias() {
				dec.warnAt(it.Path+".EndpointReference", fmt.Sprintf("multivalue items should reference value endpoints, and %q is %s", e.ID, e.Type),
					"its addresses are answered as values", "reference a value endpoint")
			}
		}
	}
	if !dec.failed(start) {
		checkReachable(dec, d)
	}
}

func rawKeys(n *jsontree.Node) map[string]bool {
	m := map[string]bool{}
	if n != nil && n.Kind == jsontree.Object {
		for _, mem := range n.Members {
			m[mem.Key] = true
		}
	}
	return m
}

// checkCycles reports every RuleReference that closes a cycle.
func checkCycles(dec *decoder, d *Document) {
	const (
		unvisited = iota
		active
		done
	)
	state := make(map[string]int, len(d.Rules))
	var stack []string
	var visit func(rule *Rule)
	visit = func(rule *Rule) {
		state[rule.ID] = active
		stack = append(stack, rule.ID)
		for _, it := range rule.Items {
			child := d.rules[it.Rule]
			if child == nil {
				continue
			}
			switch state[child.ID] {
			case active:
				start := len(stack) - 1
				for stack[start] != child.ID {
					start--
				}
				cycle := append(append([]string{}, stack[start:]...), child.ID)
				dec.addAt(Error, it.Path+".RuleReference", "rule cycle %s", strings.Join(cycle, " -> "))
			case unvisited:
				visit(child)
			}
		}
		stack = stack[:len(stack)-1]
		state[rule.ID] = done
	}
	for _, rule := range d.Rules {
		if state[rule.ID] == unvisited {
			visit(rule)
		}
	}
}

// checkReachable warns about endpoints and rules the start node never
// reaches (Route 53's console deletes such orphans).
func checkReachable(dec *decoder, d *Document) {
	seenRule := map[string]bool{}
	seenEndpoint := map[string]bool{}
	var walk func(id string)
	walk = func(id string) {
		if seenRule[id] || d.rules[id] == nil {
			return
		}
		seenRule[id] = true
		for _, it := range d.rules[id].Items {
			if it.Endpoint != "" {
				seenEndpoint[it.Endpoint] = true
			} else {
				walk(it.Rule)
			}
		}
	}
	if d.StartEndpoint != "" {
		seenEndpoint[d.StartEndpoint] = true
	} else {
		walk(d.StartRule)
	}
	for _, rule := range d.Rules {
		if !seenRule[rule.ID] {
			dec.warnAt(rule.Path, "rule is not reachable from the start", "ignored", "remove it, or reference it")
		}
	}
	for _, e := range d.Endpoints {
		if !seenEndpoint[e.ID] {
			dec.warnAt(e.Path, "endpoint is not reachable from the start", "ignored", "remove it, or reference it")
		}
	}
}
