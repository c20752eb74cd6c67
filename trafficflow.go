// Package trafficflow is a CoreDNS plugin that answers DNS queries by
// evaluating AWS Route 53 traffic policies (Traffic Flow): failover,
// geolocation, latency, geoproximity, weighted and multivalue rules, nested
// to any depth, steered by health checks it runs itself.
package trafficflow

import (
	"context"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"time"

	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/pkg/fall"
	"github.com/coredns/coredns/request"
	"github.com/miekg/dns"

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
	// reloader runs the store watcher (nil until OnStartup).
	reloader *reloader
	// baseline is the fingerprint of the store content the first load read:
	// the watcher reports any difference from it.
	baseline [32]byte

	// Resolver resolves alias-type endpoints and CNAME targets outside the
	// store (CoreDNS's upstream by default).
	Resolver Resolver
	// Seed returns the random seed of each query (weighted and multivalue
	// choices); tests replace it to make answers reproducible.
	Seed func() uint64
	// Locator, when set, replaces the GeoIP database as the source of
	// client locations (tests).
	Locator Locator
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
}

// Name implements plugin.Handler.
func (tf *TrafficFlow) Name() string { return pluginName }

// Ready implements ready.Readiness: the plugin is ready once a store has
// loaded.
func (tf *TrafficFlow) Ready() bool { return tf.snap.Load() != nil }

// ServeDNS implements plugin.Handler. It answers the names of policy
// records and aliases and hands every other query to the next plugin.
func (tf *TrafficFlow) ServeDNS(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
	snap := tf.snap.Load()
	if snap == nil || len(r.Question) != 1 || r.Question[0].Qclass != dns.ClassINET {
		return plugin.NextOrFailure(pluginName, tf.Next, ctx, w, r)
	}
	q := r.Question[0]
	e := snap.names[strings.ToLower(q.Name)] // no allocation when already lower case
	if e == nil {
		return plugin.NextOrFailure(pluginName, tf.Next, ctx, w, r)
	}
	if q.Qtype != e.rrtype && e.rrtype != dns.TypeCNAME {
		return tf.otherType(ctx, w, r, snap, e)
	}
	m, rc := tf.answer(ctx, w, r, snap, e)
	if m == nil {
		if rc == fallThrough {
			return plugin.NextOrFailure(pluginName, tf.Next, ctx, w, r)
		}
		return rc, nil
	}
	// The reply is written from ServeDNS's small frame, rather than from
	// deep inside answer: see stack_test.go.
	if err := w.WriteMsg(m); err != nil {
		return dns.RcodeServerFailure, err
	}
	// Written, even when it is a SERVFAIL with a partial answer: an rcode
	// that plugin.ClientWrite rejects would make the server write another.
	return dns.RcodeSuccess, nil
}

// Resolver looks up names through the server (CoreDNS's upstream).
type Resolver interface {
	Lookup(ctx context.Context, state request.Request, name string, typ uint16) (*dns.Msg, error)
}

func defaultSeed() uint64 { return rand.Uint64() }
