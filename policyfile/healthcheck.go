package policyfile

import (
	"errors"
	"net/netip"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"time"
)

// HealthCheckType is the Type of a Route 53 HealthCheckConfig.
type HealthCheckType string

// The health-check types of Route 53's HealthCheckConfig.
const (
	HTTP            HealthCheckType = "HTTP"
	HTTPS           HealthCheckType = "HTTPS"
	HTTPStrMatch    HealthCheckType = "HTTP_STR_MATCH"
	HTTPSStrMatch   HealthCheckType = "HTTPS_STR_MATCH"
	TCP             HealthCheckType = "TCP"
	Calculated      HealthCheckType = "CALCULATED"
	CloudWatch      HealthCheckType = "CLOUDWATCH_METRIC"
	RecoveryControl HealthCheckType = "RECOVERY_CONTROL"
)

// Probed reports whether checks of type t probe an endpoint: HTTP, HTTPS,
// HTTP_STR_MATCH, HTTPS_STR_MATCH and TCP. The other types are not probed:
// CALCULATED checks combine other checks, and CLOUDWATCH_METRIC and
// RECOVERY_CONTROL checks follow what trafficflow cannot see (their
// InsufficientDataHealthStatus).
func (t HealthCheckType) Probed() bool {
	return t == TCP || t.UsesHTTP()
}

// UsesHTTP reports whether the probe of type t is an HTTP GET of
// ResourcePath, judged by its status: HTTP, HTTPS, HTTP_STR_MATCH and
// HTTPS_STR_MATCH. (A TCP probe only connects.)
func (t HealthCheckType) UsesHTTP() bool {
	switch t {
	case HTTP, HTTPS, HTTPStrMatch, HTTPSStrMatch:
		return true
	}
	return false
}

// UsesTLS reports whether the probe of type t speaks HTTP over TLS: HTTPS
// and HTTPS_STR_MATCH. Their Port defaults to 443 (80 for the other HTTP
// types) and EnableSNI to true.
func (t HealthCheckType) UsesTLS() bool {
	return t == HTTPS || t == HTTPSStrMatch
}

// MatchesString reports whether the probe of type t also searches the
// response body for SearchString: HTTP_STR_MATCH and HTTPS_STR_MATCH.
func (t HealthCheckType) MatchesString() bool {
	return t == HTTPStrMatch || t == HTTPSStrMatch
}

// healthCheckTypes are the values of a HealthCheckConfig's Type.
var healthCheckTypes = enum[HealthCheckType]{what: "a health check type",
	values: []HealthCheckType{HTTP, HTTPS, HTTPStrMatch, HTTPSStrMatch, TCP, Calculated, CloudWatch, RecoveryControl}}

// InsufficientData is the InsufficientDataHealthStatus of CLOUDWATCH_METRIC
// and RECOVERY_CONTROL checks: the state a check has when nothing tells it.
type InsufficientData string

// The values of InsufficientDataHealthStatus.
const (
	InsufficientHealthy   InsufficientData = "Healthy"
	InsufficientUnhealthy InsufficientData = "Unhealthy"
	InsufficientLastKnown InsufficientData = "LastKnownStatus"
)

// HealthCheck is one validated health check of healthchecks.json, with
// Route 53's defaults filled in.
type HealthCheck struct {
	// ID is the health check's Id, as policy documents refer to it.
	ID string
	// File and Path locate the check's definition (for messages).
	File, Path string

	Type HealthCheckType
	// IPAddress is the address to probe; invalid (zero) when the check
	// resolves FullyQualifiedDomainName instead.
	IPAddress netip.Addr
	// Port defaults to 80 for HTTP(_STR_MATCH) and 443 for HTTPS(_STR_MATCH).
	Port int
	// ResourcePath is the path (and query) HTTP-type checks request. In a
	// check Load returned, it is a valid request URI that starts with "/"
	// ("/" when the file gives none, and "/" is prepended to one given
	// without), so RequestURL does not fail; it is empty for other types.
	ResourcePath string
	// FullyQualifiedDomainName is the Host header and SNI name, or the name
	// to resolve when IPAddress is absent.
	FullyQualifiedDomainName string
	// SearchString is what *_STR_MATCH checks look for in the first 5,120
	// bytes of the body.
	SearchString string
	// RequestInterval is the time between probes (1s..300s, default 30s).
	RequestInterval time.Duration
	// FailureThreshold is the number of consecutive results needed to flip
	// the state either way (1..10, default 3).
	FailureThreshold int
	MeasureLatency   bool
	Inverted         bool
	// Disabled checks are always healthy.
	Disabled  bool
	EnableSNI bool
	// HealthThreshold and ChildHealthChecks define CALCULATED checks.
	HealthThreshold   int
	ChildHealthChecks []string
	// InsufficientDataHealthStatus is the state of CLOUDWATCH_METRIC and
	// RECOVERY_CONTROL checks, which cannot be probed here.
	InsufficientDataHealthStatus InsufficientData
}

// Equal reports whether two health checks have the same configuration,
// ignoring where they were defined. A check whose configuration is unchanged
// across a reload keeps its state.
func (h *HealthCheck) Equal(o *HealthCheck) bool {
	if h == nil || o == nil {
		return h == o
	}
	// Every field counts, so a field added later cannot be forgotten here.
	// The struct is not comparable with == (ChildHealthChecks is a slice),
	// hence reflect on copies without the location and the slice.
	a, b := *h, *o
	a.File, a.Path, a.ChildHealthChecks = "", "", nil
	b.File, b.Path, b.ChildHealthChecks = "", "", nil
	return slices.Equal(h.ChildHealthChecks, o.ChildHealthChecks) && reflect.DeepEqual(a, b)
}

// errNotAPath is RequestURL's error for a ResourcePath without the leading
// "/".
var errNotAPath = errors.New("not a path (it must start with /)")

// RequestURL returns the URL an HTTP-type check requests: its ResourcePath
// as a request URI (path and query), a new URL on every call. For a check
// Load returned it does not fail: Load reports a ResourcePath it cannot
// parse. For a check built otherwise, the error says why the path cannot
// be requested: it does not start with "/", or url.ParseRequestURI rejects
// it (a *url.Error).
func (h *HealthCheck) RequestURL() (*url.URL, error) {
	if !strings.HasPrefix(h.ResourcePath, "/") {
		return nil, errNotAPath
	}
	return url.ParseRequestURI(h.ResourcePath)
}

// ForcedState is a state forced by healthstate.json.
type ForcedState uint8

// Forced states; NotForced means the check's own result counts.
const (
	NotForced ForcedState = iota
	ForcedHealthy
	ForcedUnhealthy
)
