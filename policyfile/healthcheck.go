package policyfile

import (
	"net/netip"
	"reflect"
	"slices"
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
	// ResourcePath always starts with "/" for HTTP types ("/" when absent).
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

// ForcedState is a state forced by healthstate.json.
type ForcedState uint8

// Forced states; NotForced means the check's own result counts.
const (
	NotForced ForcedState = iota
	ForcedHealthy
	ForcedUnhealthy
)
