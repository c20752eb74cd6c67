//go:build race

package trafficflow

// The stack budgets under the race detector, whose instrumentation makes
// every frame larger (see stack_test.go).
const (
	writeBudget  = 384
	depthBudget  = 1856
	lookupBudget = 1792
)
