// Package evaluate answers queries from one traffic policy version.
//
// Compile turns a validated policyfile.Document into an Evaluator: rules and
// endpoints become dense indexes, each geo rule an index of its locations
// (subdivision, country, continent, default), each geoproximity or latency
// item a point in radians with its bias factor, and each HealthCheck a
// health cell that Options.Health resolves the check's ID to. An Evaluator
// is immutable and safe for concurrent use; a new version of a policy is a
// new Evaluator.
//
// Evaluator.Evaluate walks the policy for one Query, from the start to the
// endpoints of the answer (a Result). The per-query state lives on the
// caller's stack: evaluation takes no lock and allocates nothing (unless
// Query.Trace is set, or more than 64 reachable rules are targets of items
// with EvaluateTargetHealth), and its recursion keeps no per-query data in
// its frames, because the plugin answers each query on a new goroutine,
// whose stack starts small.
//
// Health is read from the cells on every query, so a change shows on the
// next one. A branch is healthy when its health check's cell is (a branch
// without a HealthCheck is healthy) and, with EvaluateTargetHealth, when
// some branch of the rule it points at is (memoised per query); endpoints
// have no health of their own. A rule none of whose branches is healthy
// chooses as if all were (fail-open), and the Result says so.
//
// Every random choice (weighted draws, multivalue samples) comes from
// Query.Seed: the same seed gives the same answer. The client is a Client
// built from GeoIP data by NewClient, with its row of a latency table when
// one covers it.
//
// A Query with a Trace records the path of the evaluation: each rule
// decided, the item it chose and whether that was a fail-open choice, and
// each endpoint answered. Where Route 53 leaves the behaviour open, the
// choices are those of the README's "Behaviour where Route 53 is not
// documented".
package evaluate
