// Package trafficflow is a CoreDNS plugin that answers DNS queries by
// evaluating AWS Route 53 traffic policies (Traffic Flow): failover,
// geolocation, latency, geoproximity, weighted and multivalue rules, nested
// to any depth, steered by health checks it runs itself.
package trafficflow

import (
	"math/rand/v2"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/pkg/fall"

	"github.com/trafficflow/trafficflow/evaluate"
	"github.com/trafficflow/trafficflow/health"
	"github.com/trafficflow/trafficflow/policyfile"
)

const pluginName = "trafficflow"

// TrafficFlow is the plugin handler. Its configuration is fixed at setup;
// what queries read (the compiled store, the GeoIP database) lives in an
// immutable snapshot behind an atomic pointer, replaced whole on reload.
type TrafficFlow struct {
	Next plugin.Handler
	// Zones are the zones the plugin answers in (lower-case, fully
	// qualified); records outside them are not served.
	Zones []string
	// Fall says which zones fall through to the next plugin when a policy
	// has no answer for the client.
	Fall fall.F

	cfg config

	snap atomic.Pointer[snapshot]
	// health runs the store's health checks.
	health *health.Engine
	// loader loads the store and, once started, watches it.
	loader *loader
	// group is the instance's Caddy instance's group (lifecycle.go).
	group *group
	// flush moves what queries count into the per-record counters
	// (hits.go).
	flush flushState

	// upstream resolves alias-type endpoints and CNAME targets outside the
	// store (CoreDNS's upstream; tests replace it).
	upstream upstreamResolver
	// seed returns the random seed of each query (weighted and multivalue
	// choices); tests replace it to make answers reproducible.
	seed func() uint64
	// locator, when set, replaces the GeoIP database as the source of
	// client locations (tests).
	locator clientLocator
}

// config is what the Corefile says.
type config struct {
	// dir is the policy store directory (absolute or relative to the
	// working directory, after applying root).
	dir          string
	geoipPath    string
	ecs          bool
	latencyPath  string
	biasFormula  evaluate.BiasFormula
	reload       time.Duration
	missingCheck policyfile.MissingHealthCheck
	metrics      metricsMode
	// consistent makes weighted and multivalue choices by the client's
	// key instead of at random (key.go).
	consistent bool
	// explain lists the networks a live explain answers (nil: off).
	explain []netip.Prefix
}

// Name implements plugin.Handler.
func (tf *TrafficFlow) Name() string { return pluginName }

// Ready implements ready.Readiness: the plugin is ready once a store has
// loaded and every health check its records use has settled (its first
// probe result, or two intervals without one; see health.Engine.Unsettled),
// so that a new replica does not answer from initial states.
func (tf *TrafficFlow) Ready() bool {
	s := tf.snap.Load()
	return s != nil && len(tf.health.Unsettled(s.checks)) == 0
}

func defaultSeed() uint64 { return rand.Uint64() }
