package policyfile

import (
	"slices"
	"strings"

	"github.com/trafficflow/trafficflow/internal/jsontree"
)

// enum is the list of values a required string field can take, such as
// the Type of an endpoint.
type enum[T ~string] struct {
	// what names a value in messages, with its article: "an endpoint
	// type".
	what   string
	values []T
	// suggest answers a value that differs from a known one only in case
	// with "did you mean", instead of listing the values.
	suggest bool
}

// read reads the required field v at p (v is nil when the field is
// absent): a string that is one of e's values, exactly.
func (e enum[T]) read(dec *decoder, v *jsontree.Node, p *jsontree.Path) (T, bool) {
	if v == nil {
		dec.errorf(p, "is required (%s)", e.list())
		return "", false
	}
	s, ok := dec.str(v, p)
	if !ok {
		return "", false
	}
	if slices.Contains(e.values, T(s)) {
		return T(s), true
	}
	if canon := e.fold(s); e.suggest && canon != "" {
		dec.errorf(p, "%q is not %s; did you mean %q?", s, e.what, canon)
	} else {
		dec.errorf(p, "%q is not %s (%s)", s, e.what, e.list())
	}
	return "", false
}

// list is the values for messages: "failover, geo, ...".
func (e enum[T]) list() string {
	s := make([]string, len(e.values))
	for i, t := range e.values {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// fold returns the value that equals s but for case, or "".
func (e enum[T]) fold(s string) T {
	for _, x := range e.values {
		if strings.EqualFold(string(x), s) {
			return x
		}
	}
	return ""
}
