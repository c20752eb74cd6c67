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

// The classification of health-check types: what is probed, over HTTP,
// over TLS, with a body search.
func TestHealthCheckTypeClasses(t *testing.T) {
	for _, tc := range []struct {
		typ                       HealthCheckType
		probed, http, tls, search bool
	}{
		{HTTP, true, true, false, false},
		{HTTPS, true, true, true, false},
		{HTTPStrMatch, true, true, false, true},
		{HTTPSStrMatch, true, true, true, true},
		{TCP, true, false, false, false},
		{Calculated, false, false, false, false},
		{CloudWatch, false, false, false, false},
		{RecoveryControl, false, false, false, false},
	} {
		if got := [4]bool{tc.typ.Probed(), tc.typ.UsesHTTP(), tc.typ.UsesTLS(), tc.typ.MatchesString()}; got != [4]bool{tc.probed, tc.http, tc.tls, tc.search} {
			t.Errorf("%s: Probed, UsesHTTP, UsesTLS, MatchesString = %v, want %v", tc.typ, got, [4]bool{tc.probed, tc.http, tc.tls, tc.search})
		}
	}
	if len(healthCheckTypes.values) != 8 {
		t.Errorf("%d health-check types: classify the new ones here", len(healthCheckTypes.values))
	}
}

// RequestURL parses what Load accepted, and says why it cannot request a
// path a check built by hand has.
func TestRequestURL(t *testing.T) {
	const notAPath = "not a path (it must start with /)"
	for _, tc := range []struct{ path, want string }{
		{"/", "/"}, {"/health?deep=1&x=%20", "/health?deep=1&x=%20"}, {"//double/slash", "//double/slash"}, {"/a b", "/a%20b"},
		{"health", notAPath}, {"", notAPath}, {"*", notAPath}, {"http://example.com/x", notAPath},
		{"/%zz", `parse "/%zz": invalid URL escape "%zz"`},
	} {
		path, want := tc.path, tc.want
		u, err := (&HealthCheck{ResourcePath: path}).RequestURL()
		got := ""
		if err != nil {
			got = err.Error()
		} else {
			got = u.RequestURI()
		}
		if got != want {
			t.Errorf("RequestURL of %q: %s, want %s", path, got, want)
		}
	}
}
