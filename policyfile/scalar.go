package policyfile

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/trafficflow/trafficflow/internal/jsontree"
)

// fields reads an object against its known keys. Duplicate keys are
// errors; unknown keys are warnings and ignored; a key that differs from a
// known one only in case is accepted with a warning; a null value is an
// absent field, with a warning (tools that write every field write null
// for the ones they do not use). A nil map means n was not an object
// (which has been reported).
func (r *reporter) fields(n *jsontree.Node, p *jsontree.Path, known ...string) map[string]*jsontree.Node {
	if n.Kind != jsontree.Object {
		r.errorf(p, "must be an object, not %s", n.Kind)
		return nil
	}
	out := make(map[string]*jsontree.Node, len(n.Members))
	seen := make(map[string]bool, len(n.Members))
	for _, m := range n.Members {
		key := m.Key
		if !slices.Contains(known, key) {
			canon := foldMatch(known, key)
			if canon == "" {
				r.warn(p.Key(key), "unknown key", "ignored", "remove it, or correct its name")
				continue
			}
			r.warn(p.Key(key), fmt.Sprintf("key should be spelled %q", canon), "accepted", fmt.Sprintf("write %q", canon))
			key = canon
		}
		if seen[key] {
			r.errorf(p.Key(m.Key), "duplicate key")
			continue
		}
		seen[key] = true
		if m.Value.Kind == jsontree.Null {
			r.warn(p.Key(m.Key), "is null", "treated as absent", "remove it, or give it a value")
			continue
		}
		out[key] = m.Value
	}
	return out
}

// entries returns the members of an object used as a map (Endpoints,
// Rules), reporting duplicate keys. ok is false if n is not an object.
func (r *reporter) entries(n *jsontree.Node, p *jsontree.Path) (out []jsontree.Member, ok bool) {
	if n.Kind != jsontree.Object {
		r.errorf(p, "must be an object, not %s", n.Kind)
		return nil, false
	}
	seen := make(map[string]bool, len(n.Members))
	for _, m := range n.Members {
		if seen[m.Key] {
			r.errorf(p.Key(m.Key), "duplicate key")
			continue
		}
		seen[m.Key] = true
		out = append(out, m)
	}
	return out, true
}

// array returns the elements of an array value.
func (r *reporter) array(n *jsontree.Node, p *jsontree.Path) ([]*jsontree.Node, bool) {
	if n.Kind != jsontree.Array {
		r.errorf(p, "must be an array, not %s", n.Kind)
		return nil, false
	}
	return n.Elems, true
}

func foldMatch(list []string, s string) string {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return v
		}
	}
	return ""
}

// str reads a string value.
func (r *reporter) str(n *jsontree.Node, p *jsontree.Path) (string, bool) {
	if n.Kind != jsontree.String {
		r.errorf(p, "must be a string, not %s", n.Kind)
		return "", false
	}
	return n.Text, true
}

// id reads a non-empty string: an ID or a reference to one.
func (r *reporter) id(n *jsontree.Node, p *jsontree.Path) string {
	s, ok := r.str(n, p)
	if ok && s == "" {
		r.errorf(p, "is empty")
	}
	return s
}

// boolean reads true/false, also written as a string in any case
// ("true", "TRUE"), as AWS documents and hand-written files do.
func (r *reporter) boolean(n *jsontree.Node, p *jsontree.Path) (bool, bool) {
	switch n.Kind {
	case jsontree.Bool:
		return n.Bool, true
	case jsontree.String:
		switch strings.ToLower(n.Text) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
		r.errorf(p, "%s is not a boolean (true or false)", n.Describe())
		return false, false
	}
	r.errorf(p, "must be a boolean, not %s", n.Kind)
	return false, false
}

// integer reads a whole number in lo..hi, given as a JSON number or as a
// string ("3").
func (r *reporter) integer(n *jsontree.Node, p *jsontree.Path, lo, hi int64) (int64, bool) {
	var text string
	switch n.Kind {
	case jsontree.Number, jsontree.String:
		text = n.Text
	default:
		r.errorf(p, "must be a number, not %s", n.Kind)
		return 0, false
	}
	v, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			r.errorf(p, "%s is out of range %d..%d", text, lo, hi)
			return 0, false
		}
		r.errorf(p, "%s is not a whole number", n.Describe())
		return 0, false
	}
	if v < lo || v > hi {
		r.errorf(p, "%d is out of range %d..%d", v, lo, hi)
		return 0, false
	}
	return v, true
}

// coordinate reads a latitude (limit 90) or longitude (limit 180) in
// decimal degrees, as a string or a number. Route 53 allows two decimal
// places; more are truncated toward zero with a warning (an error in strict
// mode).
func (r *reporter) coordinate(n *jsontree.Node, p *jsontree.Path, limit float64) (float64, bool) {
	var text string
	switch n.Kind {
	case jsontree.Number, jsontree.String:
		text = n.Text
	default:
		r.errorf(p, "must be a number, not %s", n.Kind)
		return 0, false
	}
	if !decimalText(text) {
		r.errorf(p, "%s is not a decimal number of degrees", n.Describe())
		return 0, false
	}
	v, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(v, 0) {
		r.errorf(p, "%s is not a decimal number of degrees", n.Describe())
		return 0, false
	}
	if v < -limit || v > limit {
		r.errorf(p, "%s is out of range %g..%g", text, -limit, limit)
		return 0, false
	}
	if dot := strings.IndexByte(text, '.'); dot >= 0 && len(text)-dot-1 > 2 {
		cut := text[:dot+3]
		t, _ := strconv.ParseFloat(cut, 64)
		short := strconv.FormatFloat(t, 'f', -1, 64)
		r.warn(p, text+" has more than two decimal places", "truncated to "+short, "write at most two (such as "+short+")")
		return t, true
	}
	return v, true
}

// decimalText reports whether s is [-+]digits[.digits].
func decimalText(s string) bool {
	if s != "" && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" || !allDigits(intPart) {
		return false
	}
	return !hasDot || (frac != "" && allDigits(frac))
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
