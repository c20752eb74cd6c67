package policyfile

import (
	"net/netip"
	"reflect"
	"testing"
	"time"
)

// Equal compares every field of HealthCheck but File and Path: changing
// any other field, including one added later, makes the checks differ.
func TestHealthCheckEqual(t *testing.T) {
	base := HealthCheck{ID: "web", File: "healthchecks.json", Path: "HealthChecks[0].HealthCheckConfig", Type: HTTP,
		IPAddress: netip.MustParseAddr("192.0.2.1"), Port: 80, ResourcePath: "/", FullyQualifiedDomainName: "www.example.com",
		SearchString: "OK", RequestInterval: 30 * time.Second, FailureThreshold: 3, HealthThreshold: 1,
		ChildHealthChecks: []string{"a", "b"}, InsufficientDataHealthStatus: InsufficientLastKnown}
	clone := func() HealthCheck {
		c := base
		c.ChildHealthChecks = append([]string(nil), base.ChildHealthChecks...)
		return c
	}
	if c := clone(); !base.Equal(&c) || !c.Equal(&base) {
		t.Fatal("a copy differs")
	}
	typ := reflect.TypeFor[HealthCheck]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		t.Run(f.Name, func(t *testing.T) {
			c := clone()
			v := reflect.ValueOf(&c).Elem().Field(i)
			switch {
			case f.Type == reflect.TypeFor[netip.Addr]():
				v.Set(reflect.ValueOf(netip.MustParseAddr("192.0.2.2")))
			case f.Type.Kind() == reflect.String:
				v.SetString(v.String() + "x")
			case f.Type.Kind() == reflect.Int, f.Type.Kind() == reflect.Int64:
				v.SetInt(v.Int() + 1)
			case f.Type.Kind() == reflect.Bool:
				v.SetBool(!v.Bool())
			case f.Type == reflect.TypeFor[[]string]():
				v.Set(reflect.Append(v, reflect.ValueOf("c")))
			default:
				t.Fatalf("no way to change a %s field: add one to this test", f.Type)
			}
			want := f.Name == "File" || f.Name == "Path"
			if got := base.Equal(&c); got != want {
				t.Errorf("Equal after changing %s = %v, want %v", f.Name, got, want)
			}
		})
	}
	// Children compare in order; nil and empty lists are the same.
	c := clone()
	c.ChildHealthChecks = []string{"b", "a"}
	if base.Equal(&c) {
		t.Error("children in another order are equal")
	}
	a, b := HealthCheck{ID: "x"}, HealthCheck{ID: "x", ChildHealthChecks: []string{}}
	if !a.Equal(&b) {
		t.Error("nil and empty ChildHealthChecks differ")
	}
	var nilHC *HealthCheck
	if !nilHC.Equal(nil) || nilHC.Equal(&base) || base.Equal(nil) {
		t.Error("nil handling")
	}
}
