package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
)

// TestDirectives: trafficflow runs just before cache, and every plugin
// linked into the binary can be used in a Corefile (has a directive).
func TestDirectives(t *testing.T) {
	d := dnsserver.Directives
	i := slices.Index(d, "trafficflow")
	if i < 0 || i+1 >= len(d) || d[i+1] != "cache" {
		t.Errorf("trafficflow is not just before cache in %v", d)
	}
	var linked []string
	for _, p := range caddy.ListPlugins()["others"] { // "dns.NAME"
		if name, ok := strings.CutPrefix(p, "dns."); ok {
			linked = append(linked, name)
		}
	}
	if !slices.Contains(linked, "trafficflow") || !slices.Contains(linked, "file") {
		t.Fatalf("registered plugins %v: want trafficflow and file among them", linked)
	}
	for _, name := range linked {
		if !slices.Contains(d, name) {
			t.Errorf("plugin %s is linked in but has no directive", name)
		}
	}
}
