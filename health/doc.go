// Package health runs trafficflow's health checks: the Route 53 health-check
// model (HealthCheckConfig) evaluated locally.
//
// An Engine owns one prober goroutine per probed check (HTTP, HTTPS,
// HTTP_STR_MATCH, HTTPS_STR_MATCH and TCP), started by Start and stopped by
// Stop. Every probe is judged the way a Route 53 checker judges it: TCP
// connect within 4 s, an HTTP status of 200..399 within 2 s after connecting
// (redirects are not followed), for *_STR_MATCH the search string in the first
// 5,120 bytes of the (decompressed) body within 2 s after the status, and for
// TCP a connection within 10 s; no probe outlasts the check's RequestInterval.
// A check's state flips only after FailureThreshold consecutive opposite
// results; new checks start healthy. Inverted swaps the state, Disabled fixes
// it at healthy (unhealthy when also Inverted), CALCULATED checks count their
// healthy children against HealthThreshold, and CLOUDWATCH_METRIC and
// RECOVERY_CONTROL checks, which cannot be probed here, report their
// InsufficientDataHealthStatus. A state forced by healthstate.json overrides
// what the check reports while probing continues underneath.
//
// The DNS query path reads a check's state with Cell(id).Load(): one atomic
// load, no lock. Update applies a new configuration while running and keeps
// unchanged checks, their cells and their state.
//
// Each check has the metrics coredns_trafficflow_healthcheck_status,
// _transitions_total and _forced, labelled by check ID. Engines with the same
// check ID (the old and the new engine during a Corefile reload, server blocks
// sharing checks) share its series: they exist while any engine has the
// check, and the gauges show the values the last publishing engine gave them.
package health
