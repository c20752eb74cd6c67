//go:build !race

package trafficflow

// The stack budgets of the binary users build (see stack_test.go).
const (
	writeBudget  = 256
	depthBudget  = 1408
	lookupBudget = 1280
)
