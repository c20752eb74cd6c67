package policyfile

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/trafficflow/trafficflow/internal/jsontree"
)

// root is the empty path: a file's top-level value.
var root *jsontree.Path

// decoder reads the values of one store file (or of one document) and
// records every problem it finds on the way. Its reads (fields, entries,
// array, str, id, boolean, integer, coordinate) each check a value against
// the type the file format wants, report what is wrong at the value's
// path, and return the typed value. errorf and warn record the problems of
// the checks built on them.
type decoder struct {
	file   string         // the file, relative to the store ("" for a lone document)
	base   *jsontree.Path // prefix for every path (e.g. TrafficPolicies[2].Document)
	strict bool           // Options.Strict: warnings are recorded as promoted
	out    *Problems      // where problems go, shared by every decoder of a Load
}

// add records a problem at p (relative to d.base).
func (d *decoder) add(sev Severity, p *jsontree.Path, format string, args ...any) {
	d.addAt(sev, d.base.Concat(p).String(), format, args...)
}

// addAt records a problem at an already formatted full path.
func (d *decoder) addAt(sev Severity, path string, format string, args ...any) {
	*d.out = append(*d.out, Problem{File: d.file, Path: path, Message: fmt.Sprintf(format, args...), Severity: sev})
}

// errorf records an error at p.
func (d *decoder) errorf(p *jsontree.Path, format string, args ...any) {
	d.add(Error, p, format, args...)
}

// warn records a finding that lenient mode accepts: what was found, what
// lenient mode does about it (may be empty) and what must change, which
// strict mode says instead. It is the one place where strict mode turns
// warnings into errors.
func (d *decoder) warn(p *jsontree.Path, found, lenient, fix string) {
	d.warnAt(d.base.Concat(p).String(), found, lenient, fix)
}

// warnAt is warn at an already formatted full path.
func (d *decoder) warnAt(path, found, lenient, fix string) {
	sev, msg := Warning, found
	switch {
	case d.strict:
		sev, msg = promoted, found+"; "+fix
	case lenient != "":
		msg = found + "; " + lenient
	}
	*d.out = append(*d.out, Problem{File: d.file, Path: path, Message: msg, Severity: sev})
}

// failed reports whether any error was recorded since mark (a length of
// d.out taken earlier by d.mark).
func (d *decoder) failed(mark int) bool {
	for _, p := range (*d.out)[mark:] {
		if p.Severity == Error {
			return true
		}
	}
	return false
}

// mark returns the number of problems recorded so far, for failed.
func (d *decoder) mark() int { return len(*d.out) }

// fields reads an object against its known keys. Duplicate keys are
// errors; unknown keys are warnings and ignored; a key that differs from a
// known one only in case is accepted with a warning; a null value is an
// absent field, with a warning (tools that write every field write null
// for the ones they do not use). A nil map means n was not an object
// (which has been reported).
func (d *decoder) fields(n *jsontree.Node, p *jsontree.Path, known ...string) map[string]*jsontree.Node {
	if n.Kind != jsontree.Object {
		d.errorf(p, "must be an object, not %s", n.Kind)
		return nil
	}
	out := make(map[string]*jsontree.Node, len(n.Members))
	seen := make(map[string]bool, len(n.Members))
	for _, m := range n.Members {
		key := m.Key
		if !slices.Contains(known, key) {
			canon := foldMatch(known, key)
			if canon == "" {
				d.warn(p.Key(key), "unknown key", "ignored", "remove it, or correct its name")
				continue
			}
			d.warn(p.Key(key), fmt.Sprintf("key should be spelled %q", canon), "accepted", fmt.Sprintf("write %q", canon))
			key = canon
		}
		if seen[key] {
			d.errorf(p.Key(m.Key), "duplicate key")
			continue
		}
		seen[key] = true
		if m.Value.Kind == jsontree.Null {
			d.warn(p.Key(m.Key), "is null", "treated as absent", "remove it, or give it a value")
			continue
		}
		out[key] = m.Value
	}
	return out
}

// entries returns the members of an object used as a map (Endpoints,
// Rules), reporting duplicate keys. ok is false if n is not an object.
func (d *decoder) entries(n *jsontree.Node, p *jsontree.Path) (out []jsontree.Member, ok bool) {
	if n.Kind != jsontree.Object {
		d.errorf(p, "must be an object, not %s", n.Kind)
		return nil, false
	}
	seen := make(map[string]bool, len(n.Members))
	for _, m := range n.Members {
		if seen[m.Key] {
			d.errorf(p.Key(m.Key), "duplicate key")
			continue
		}
		seen[m.Key] = true
		out = append(out, m)
	}
	return out, true
}

// array returns the elements of an array value.
func (d *decoder) array(n *jsontree.Node, p *jsontree.Path) ([]*jsontree.Node, bool) {
	if n.Kind != jsontree.Array {
		d.errorf(p, "must be an array, not %s", n.Kind)
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
func (d *decoder) str(n *jsontree.Node, p *jsontree.Path) (string, bool) {
	if n.Kind != jsontree.String {
		d.errorf(p, "must be a string, not %s", n.Kind)
		return "", false
	}
	return n.Text, true
}

// id reads a non-empty string: an ID or a reference to one.
func (d *decoder) id(n *jsontree.Node, p *jsontree.Path) string {
	s, ok := d.str(n, p)
	if ok && s == "" {
		d.errorf(p, "is empty")
	}
	return s
}

// boolean reads true/false, also written as a string in any case
// ("true", "TRUE"), as AWS documents and hand-written files do.
func (d *decoder) boolean(n *jsontree.Node, p *jsontree.Path) (bool, bool) {
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
		d.errorf(p, "%s is not a boolean (true or false)", n.Describe())
		return false, false
	}
	d.errorf(p, "must be a boolean, not %s", n.Kind)
	return false, false
}

// truncated reads the IsTruncated field of an AWS CLI listing (f holds the
// fields of the file's top-level object) and, when it is true, warns that
// the listing is truncated: in lenient mode with what is missing, in strict
// mode with fix, how to list everything.
func (d *decoder) truncated(f map[string]*jsontree.Node, missing, fix string) {
	t := f["IsTruncated"]
	if t == nil {
		return
	}
	if b, ok := d.boolean(t, root.Key("IsTruncated")); ok && b {
		d.warn(root.Key("IsTruncated"), "the listing is truncated", missing, fix)
	}
}

// listing reads a file that is an AWS CLI listing: an object of the known
// keys whose member list holds the listed items, which it returns, and
// whose IsTruncated is read by truncated (with missing and fix). n is an
// object with a non-null member list.
func (d *decoder) listing(n *jsontree.Node, list string, known []string, missing, fix string) ([]*jsontree.Node, bool) {
	f := d.fields(n, root, known...)
	d.truncated(f, missing, fix)
	return d.array(f[list], root.Key(list))
}

// numberText returns the text of a number given as a JSON number or as a
// string, to be parsed by the caller.
func (d *decoder) numberText(n *jsontree.Node, p *jsontree.Path) (string, bool) {
	if n.Kind != jsontree.Number && n.Kind != jsontree.String {
		d.errorf(p, "must be a number, not %s", n.Kind)
		return "", false
	}
	return n.Text, true
}

// integer reads a whole number in lo..hi, given as a JSON number or as a
// string ("3").
func (d *decoder) integer(n *jsontree.Node, p *jsontree.Path, lo, hi int64) (int64, bool) {
	text, ok := d.numberText(n, p)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			d.errorf(p, "%s is out of range %d..%d", text, lo, hi)
			return 0, false
		}
		d.errorf(p, "%s is not a whole number", n.Describe())
		return 0, false
	}
	if v < lo || v > hi {
		d.errorf(p, "%d is out of range %d..%d", v, lo, hi)
		return 0, false
	}
	return v, true
}

// decimal reads a decimal number ([-+]digits[.digits], as a string or a
// number) in lo..hi, and returns it with its text; what names the value in
// messages ("a decimal number of degrees").
func (d *decoder) decimal(n *jsontree.Node, p *jsontree.Path, lo, hi float64, what string) (float64, string, bool) {
	text, ok := d.numberText(n, p)
	if !ok {
		return 0, "", false
	}
	v, err := strconv.ParseFloat(text, 64)
	if !decimalText(text) || err != nil || math.IsInf(v, 0) {
		d.errorf(p, "%s is not %s", n.Describe(), what)
		return 0, "", false
	}
	if v < lo || v > hi {
		d.errorf(p, "%s is out of range %g..%g", text, lo, hi)
		return 0, "", false
	}
	return v, text, true
}

// coordinate reads a latitude (limit 90) or longitude (limit 180) in
// decimal degrees, as a string or a number. Route 53 allows two decimal
// places; more are truncated toward zero with a warning (an error in strict
// mode).
func (d *decoder) coordinate(n *jsontree.Node, p *jsontree.Path, limit float64) (float64, bool) {
	v, text, ok := d.decimal(n, p, -limit, limit, "a decimal number of degrees")
	if !ok {
		return 0, false
	}
	if dot := strings.IndexByte(text, '.'); dot >= 0 && len(text)-dot-1 > 2 {
		cut := text[:dot+3]
		t, _ := strconv.ParseFloat(cut, 64)
		short := strconv.FormatFloat(t, 'f', -1, 64)
		d.warn(p, text+" has more than two decimal places", "truncated to "+short, "write at most two (such as "+short+")")
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
