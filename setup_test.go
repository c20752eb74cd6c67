package trafficflow

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin/test"
	"github.com/miekg/dns"

	"github.com/trafficflow/trafficflow/evaluate"
	"github.com/trafficflow/trafficflow/policyfile"
)

func TestParse(t *testing.T) {
	cases := []struct {
		input   string
		wantErr string
		check   func(t *testing.T, tf *TrafficFlow)
	}{
		{input: `trafficflow /srv/store`, check: func(t *testing.T, tf *TrafficFlow) {
			if tf.cfg.dir != "/srv/store" || !tf.cfg.ecs || tf.cfg.reload != 30*time.Second || tf.cfg.biasFormula != evaluate.BiasLegacy ||
				len(tf.Zones) != 1 || tf.Zones[0] != "example.org." {
				t.Errorf("defaults: %+v zones %v", tf.cfg, tf.Zones)
			}
		}},
		{input: `trafficflow /srv/store example.net Example.COM`, check: func(t *testing.T, tf *TrafficFlow) {
			if strings.Join(tf.Zones, " ") != "example.net. example.com." {
				t.Errorf("zones %v", tf.Zones)
			}
		}},
		{input: "trafficflow /srv/store {\n geoip /db/city.mmdb\n ecs off\n latency_table lat.txt\n bias_formula linear\n missing_healthcheck unhealthy\n reload 0s\n fallthrough example.org\n}",
			check: func(t *testing.T, tf *TrafficFlow) {
				c := tf.cfg
				if c.geoipPath != "/db/city.mmdb" || c.ecs || c.latencyPath != "lat.txt" || c.biasFormula != evaluate.BiasLinear ||
					c.missingCheck != policyfile.MissingUnhealthy || c.reload != 0 || !tf.Fall.Through("a.example.org.") {
					t.Errorf("options: %+v", c)
				}
			}},
		{input: `trafficflow`, wantErr: "Wrong argument count"},
		{input: "trafficflow /s {\n bogus\n}", wantErr: "unknown property 'bogus'"},
		{input: "trafficflow /s {\n ecs maybe\n}", wantErr: `ecs: "maybe" is not one of [on off]`},
		{input: "trafficflow /s {\n bias_formula quadratic\n}", wantErr: `bias_formula: "quadratic" is not one of [legacy linear]`},
		{input: "trafficflow /s {\n missing_healthcheck sometimes\n}", wantErr: `missing_healthcheck: "sometimes" is not one of [error healthy unhealthy]`},
		{input: "trafficflow /s {\n reload often\n}", wantErr: `reload: "often" is not a duration`},
		{input: "trafficflow /s {\n reload -1s\n}", wantErr: "reload: -1s is negative"},
		{input: "trafficflow /s {\n geoip\n}", wantErr: "Wrong argument count"},
		{input: "trafficflow /s {\n geoip a b\n}", wantErr: "Wrong argument count"},
		{input: "trafficflow /s\ntrafficflow /t", wantErr: "this plugin can only be used once per Server Block"},
	}
	for _, tc := range cases {
		t.Run(tc.input, func(t *testing.T) {
			c := caddy.NewTestController("dns", tc.input)
			c.ServerBlockKeys = []string{"example.org:53"}
			tf, err := parse(c)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, tf)
		})
	}
}

// Relative paths resolve against root, as the file plugin's do.
func TestParseRoot(t *testing.T) {
	c := caddy.NewTestController("dns", "trafficflow store {\n geoip db/city.mmdb\n}")
	dnsserver.GetConfig(c).Root = "/etc/coredns"
	tf, err := parse(c)
	if err != nil {
		t.Fatal(err)
	}
	if tf.cfg.dir != "/etc/coredns/store" || tf.cfg.geoipPath != "/etc/coredns/db/city.mmdb" {
		t.Errorf("paths %q %q", tf.cfg.dir, tf.cfg.geoipPath)
	}
}

func TestSetup(t *testing.T) {
	good := writeFiles(t, map[string]string{"policies/web/1.json": failoverPolicy, "healthchecks.json": healthChecks,
		"records.json": `{"PolicyRecords":[{"Name":"www.example.org","Policy":"web","Version":1,"TTL":60}]}`})
	// The handler setup adds is the plugin it parsed, with the store
	// loaded, in front of the next plugin. That setup registers OnStartup
	// and OnShutdown is not observable through a test controller (its
	// instance is unexported); TestReloadCorefileRestart checks, through
	// caddy, that they start and stop the watcher and health probers.
	input := "trafficflow " + good + " example.org example.net {\n ecs off\n bias_formula linear\n reload 0s\n fallthrough\n}"
	c := caddy.NewTestController("dns", input)
	c.ServerBlockKeys = []string{"example.org:53"}
	if err := setup(c); err != nil {
		t.Fatal(err)
	}
	plugins := dnsserver.GetConfig(c).Plugin
	if n := len(plugins); n != 1 {
		t.Fatalf("%d plugins added, want 1", n)
	}
	next := test.NextHandler(dns.RcodeRefused, nil)
	tf, ok := plugins[0](next).(*TrafficFlow)
	if !ok {
		t.Fatalf("setup added a %T, want a *TrafficFlow", plugins[0](next))
	}
	pc := caddy.NewTestController("dns", input)
	pc.ServerBlockKeys = []string{"example.org:53"}
	want, err := parse(pc)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(tf.cfg, want.cfg) || !slices.Equal(tf.Zones, []string{"example.org.", "example.net."}) || !tf.Fall.Through("www.example.net.") {
		t.Errorf("handler config %+v zones %v fallthrough %v, want %+v zones [example.org. example.net.] fallthrough",
			tf.cfg, tf.Zones, tf.Fall.Through("www.example.net."), want.cfg)
	}
	if tf.upstream == nil || tf.seed == nil || tf.health == nil || tf.snap.Load() == nil {
		t.Errorf("handler not set up: resolver %v, seed set %v, health engine %v, loaded %v", tf.upstream, tf.seed != nil, tf.health, tf.snap.Load() != nil)
	}
	if tf.Ready() {
		t.Error("ready before OnStartup: its health checks have no result yet")
	}
	// The store was loaded, and other names go to next.
	checkCase(t, tf, test.Case{Qname: "www.example.org.", Qtype: dns.TypeA, Authoritative: true,
		Answer: []dns.RR{test.A("www.example.org. 60 IN A 192.0.2.1")}})
	if _, rc := ask(t, tf, "other.example.org.", dns.TypeA, "", ""); rc != dns.RcodeRefused {
		t.Errorf("other.example.org. A: rcode %d, want next's REFUSED", rc)
	}

	bad := writeFiles(t, map[string]string{"policies/web/1.json": strings.Replace(failoverPolicy, "192.0.2.1", "::1", 1),
		"records.json": `{"PolicyRecords":[{"Name":"www.example.org","Policy":"web","Version":2,"TTL":60}]}`})
	geoNoDB := writeFiles(t, map[string]string{"policies/geo/1.json": geoPolicy,
		"records.json": `{"PolicyRecords":[{"Name":"geo.example.org","Policy":"geo","Version":1,"TTL":60}]}`})
	for _, tc := range []struct {
		input string
		want  []string
	}{
		{"trafficflow " + bad, []string{"plugin/trafficflow: policy store " + bad + " is invalid:\n" +
			`policies/web/1.json: Endpoints.primary.Value: "::1" is not a valid A record value` + "\n" +
			`records.json: PolicyRecords[0].Version: policy "web" has no version 2 (it has 1)`}},
		{"trafficflow " + geoNoDB, []string{`policies/geo/1.json: Rules.where: a geo rule needs the client's location, but the trafficflow directive has no geoip database (policy record geo.example.org. uses policy "geo" version 1); add "geoip FILE"`}},
		{"trafficflow " + geoNoDB + " {\n geoip " + testdataPath(t, "geoip/GeoLite2-ASN-Test.mmdb") + "\n}",
			[]string{"plugin/trafficflow: GeoIP database " + testdataPath(t, "geoip/GeoLite2-ASN-Test.mmdb") + " is invalid:\n", "has no country data"}},
		{"trafficflow " + geoNoDB + " {\n geoip /nonexistent.mmdb\n}", []string{"plugin/trafficflow: GeoIP database /nonexistent.mmdb is invalid:\n"}},
		{"trafficflow " + bad + " {\n latency_table /nonexistent.txt\n}", []string{"plugin/trafficflow: latency table /nonexistent.txt is invalid:\n"}},
	} {
		c := caddy.NewTestController("dns", tc.input)
		c.ServerBlockKeys = []string{"example.org:53"}
		err := setup(c)
		if err == nil {
			t.Errorf("%s: no error", tc.input)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error:\n%v\nwant it to contain:\n%s", err, w)
			}
		}
	}
}
