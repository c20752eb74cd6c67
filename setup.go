package trafficflow

import (
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"
	"strings"
	"time"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/pkg/upstream"

	"github.com/trafficflow/trafficflow/evaluate"
	"github.com/trafficflow/trafficflow/health"
	"github.com/trafficflow/trafficflow/policyfile"
)

func init() { plugin.Register(pluginName, setup) }

// defaultReload is the poll interval of the store watcher.
const defaultReload = 30 * time.Second

func setup(c *caddy.Controller) error {
	tf, err := parse(c)
	if err != nil {
		return plugin.Error(pluginName, err)
	}
	if err := tf.init(); err != nil {
		return plugin.Error(pluginName, err)
	}
	join(c, tf) // lifecycle.go
	c.OnStartup(tf.loader.start)
	c.OnShutdown(tf.loader.stop)
	dnsserver.GetConfig(c).AddPlugin(func(next plugin.Handler) plugin.Handler {
		tf.Next = next
		return tf
	})
	return nil
}

// parse reads the trafficflow directive:
//
//	trafficflow DIR [ZONES...] {
//	    geoip FILE
//	    ecs on|off
//	    latency_table FILE
//	    bias_formula legacy|linear
//	    missing_healthcheck error|healthy|unhealthy
//	    reload DURATION
//	    metrics endpoints|records|off|none
//	    explain CIDR...
//	    consistent
//	    fallthrough [ZONES...]
//	}
func parse(c *caddy.Controller) (*TrafficFlow, error) {
	tf := &TrafficFlow{
		cfg:      config{ecs: true, reload: defaultReload},
		upstream: upstream.New(),
		seed:     defaultSeed,
	}
	root := dnsserver.GetConfig(c).Root
	path := func(p string) string {
		if !filepath.IsAbs(p) && root != "" {
			return filepath.Join(root, p)
		}
		return p
	}
	for i := 0; c.Next(); i++ {
		if i > 0 {
			return nil, plugin.ErrOnce
		}
		if !c.NextArg() {
			return nil, c.ArgErr()
		}
		tf.cfg.dir = path(c.Val())
		tf.Zones = plugin.OriginsFromArgsOrServerBlock(c.RemainingArgs(), c.ServerBlockKeys)
		for c.NextBlock() {
			switch c.Val() {
			case "geoip":
				if !c.NextArg() {
					return nil, c.ArgErr()
				}
				tf.cfg.geoipPath = path(c.Val())
			case "ecs":
				v, err := oneOf(c, "on", "off")
				if err != nil {
					return nil, err
				}
				tf.cfg.ecs = v == "on"
			case "latency_table":
				if !c.NextArg() {
					return nil, c.ArgErr()
				}
				tf.cfg.latencyPath = path(c.Val())
			case "bias_formula":
				v, err := oneOf(c, "legacy", "linear")
				if err != nil {
					return nil, err
				}
				tf.cfg.biasFormula = map[string]evaluate.BiasFormula{"legacy": evaluate.BiasLegacy, "linear": evaluate.BiasLinear}[v]
			case "missing_healthcheck":
				v, err := oneOf(c, "error", "healthy", "unhealthy")
				if err != nil {
					return nil, err
				}
				tf.cfg.missingCheck = map[string]policyfile.MissingHealthCheck{"error": policyfile.MissingError,
					"healthy": policyfile.MissingHealthy, "unhealthy": policyfile.MissingUnhealthy}[v]
			case "reload":
				if !c.NextArg() {
					return nil, c.ArgErr()
				}
				d, err := time.ParseDuration(c.Val())
				if err != nil {
					return nil, c.Errf("reload: %q is not a duration (such as 30s): %v", c.Val(), err)
				}
				if d < 0 {
					return nil, c.Errf("reload: %s is negative", d)
				}
				tf.cfg.reload = d
			case "metrics":
				v, err := oneOf(c, "endpoints", "records", "off", "none")
				if err != nil {
					return nil, err
				}
				tf.cfg.metrics = metricsModes[v]
			case "explain":
				args := c.RemainingArgs()
				if len(args) == 0 {
					return nil, c.ArgErr()
				}
				for _, a := range args {
					p, err := parsePrefix(a)
					if err != nil {
						return nil, c.Errf("explain: %q is not a network (such as 10.0.0.0/8 or 127.0.0.1): %v", a, err)
					}
					tf.cfg.explain = append(tf.cfg.explain, p)
				}
			case "consistent":
				tf.cfg.consistent = true
			case "fallthrough":
				tf.Fall.SetZonesFromArgs(c.RemainingArgs())
			default:
				return nil, c.Errf("unknown property '%s'", c.Val())
			}
			if c.NextArg() {
				return nil, c.ArgErr()
			}
		}
	}
	return tf, nil
}

// parsePrefix reads a network, or one address as a network of its own.
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// oneOf reads the single argument of a property, which must be one of the
// given words.
func oneOf(c *caddy.Controller, words ...string) (string, error) {
	prop := c.Val()
	if !c.NextArg() {
		return "", c.ArgErr()
	}
	for _, w := range words {
		if c.Val() == w {
			return w, nil
		}
	}
	return "", c.Errf("%s: %q is not one of %v", prop, c.Val(), words)
}

// init loads everything at setup, so that a broken store stops CoreDNS
// from starting (as a broken zone file does) before anything runs.
//
// On a Corefile restart of a running server, an invalid store must not
// make the restart fail: the Corefile's edit would be lost (the reload
// plugin does not retry). So when this process has loaded the same store
// directory before, the new instance starts with that last good content,
// says so, and applies the store as soon as it is fixed.
func (tf *TrafficFlow) init() error {
	tf.health = health.New(health.Options{Logger: log})
	tf.loader = &loader{tf: tf}
	sum, err := tf.loader.load(files{geoip: true, latency: true}, nil)
	if err == nil {
		return nil
	}
	var fe *fileError
	if good, ok := lastGoodCopy(tf.cfg.dir); ok && !errors.As(err, &fe) {
		if _, gerr := tf.loader.load(files{}, &good); gerr == nil {
			tf.logReloadError(err)
			log.Warningf("policy store %s: starting with its last good version; the store is applied as soon as it is valid again", tf.cfg.dir)
			tf.loader.loaded = sum // the watcher waits for the next change
			return nil
		}
	}
	return fmt.Errorf("%s:\n%w", tf.invalid(err), err)
}
