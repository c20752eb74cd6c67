package policyfile

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/trafficflow/trafficflow/internal/jsontree"
)

// loadPolicies reads DIR/policies: NAME/VERSION.ext files (one version
// each) and NAME.ext files (one or many versions).
func (l *loader) loadPolicies() {
	entries, err := fs.ReadDir(l.fsys, "policies")
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			l.probs = append(l.probs, Problem{File: "policies", Message: errText(err)})
		}
		return
	}
	for _, e := range entries { // ReadDir sorts by name
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		rel := "policies/" + name
		fi, err := fs.Stat(l.fsys, rel) // follows symlinks
		if err != nil {
			l.probs = append(l.probs, Problem{File: rel, Message: errText(err)})
			continue
		}
		if fi.IsDir() {
			l.loadPolicyDir(name)
			continue
		}
		ext := strings.ToLower(path.Ext(name))
		if _, ok := syntaxExts[ext]; !ok {
			l.decoder(rel).warnAt("", "not a .json, .yaml or .yml file", "ignored", "remove it from the store")
			continue
		}
		l.loadVersionFile(rel, strings.TrimSuffix(name, path.Ext(name)), 0)
	}
}

// loadPolicyDir reads the version files of policies/NAME/.
func (l *loader) loadPolicyDir(name string) {
	dir := path.Join("policies", name)
	entries, err := fs.ReadDir(l.fsys, dir)
	if err != nil {
		l.probs = append(l.probs, Problem{File: "policies/" + name, Message: errText(err)})
		return
	}
	type vfile struct {
		file string
		num  int
	}
	var files []vfile
	for _, e := range entries {
		fname := e.Name()
		if strings.HasPrefix(fname, ".") {
			continue
		}
		rel := path.Join("policies", name, fname)
		ext := strings.ToLower(path.Ext(fname))
		if _, ok := syntaxExts[ext]; !ok {
			l.decoder(rel).warnAt("", "not a .json, .yaml or .yml file", "ignored", "remove it from the store")
			continue
		}
		fi, err := fs.Stat(l.fsys, rel) // follows symlinks
		if err != nil {
			l.probs = append(l.probs, Problem{File: rel, Message: errText(err)})
			continue
		}
		if fi.IsDir() {
			l.decoder(rel).warnAt("", "is not a regular file", "ignored", "remove it from the store")
			continue
		}
		stem := strings.TrimSuffix(fname, path.Ext(fname))
		num, err := strconv.Atoi(stem)
		if err != nil || num < 1 || num > MaxVersions || strconv.Itoa(num) != stem {
			l.probs = append(l.probs, Problem{File: rel, Message: fmt.Sprintf("the file name must be a version number 1..%d (such as 1.json)", MaxVersions)})
			continue
		}
		files = append(files, vfile{rel, num})
	}
	// Version order, not name order (2.json before 10.json).
	sort.Slice(files, func(i, j int) bool { return files[i].num < files[j].num })
	for _, f := range files {
		l.loadVersionFile(f.file, name, f.num)
	}
}

// loadVersionFile reads one file of policy name. fileVersion is the version
// its file name gives (policies/NAME/VERSION.ext), or 0 for a NAME.ext file.
func (l *loader) loadVersionFile(rel, name string, fileVersion int) {
	l.markSeen(name, fileVersion)
	n, dec := l.parseFile(rel)
	if n == nil {
		return
	}
	if len(name) > 512 {
		dec.errorf(root, "the policy name is %d characters long; Route 53 allows at most 512", len(name))
		return
	}
	if n.Kind != jsontree.Object {
		dec.errorf(root, "must be an object, not %s", n.Kind)
		return
	}
	switch {
	case n.Has("TrafficPolicies"):
		if fileVersion != 0 {
			dec.errorf(root, "holds list-traffic-policy-versions output, which has many versions; save it as policies/%s.json", name)
			return
		}
		l.loadVersionList(dec, n, name)
	case n.Has("TrafficPolicy"):
		l.loadTrafficPolicy(dec, n, name, fileVersion)
	case isDocument(n):
		if fileVersion == 0 {
			dec.errorf(root, "a policy document without a version number; save it as policies/%s/VERSION.json", name)
			return
		}
		ctx := l.docContext()
		if doc := parseDocument(dec, n, root, n.JSONSize(), ctx); doc != nil {
			l.addVersion(dec, root, &Version{Policy: name, Number: fileVersion, File: rel, Document: doc})
		}
	case n.Has("Document"):
		if fileVersion == 0 {
			dec.errorf(root, "a policy document without a version number; save it as policies/%s/VERSION.json", name)
			return
		}
		f := dec.fields(n, root, "Comment", "Document")
		v := &Version{Policy: name, Number: fileVersion, File: rel}
		if c := f["Comment"]; c != nil {
			v.Comment = l.comment(dec, root.Key("Comment"), c)
		}
		if l.embeddedDocument(dec, root.Key("Document"), f["Document"], v, "") {
			l.addVersion(dec, root, v)
		}
	default:
		dec.errorf(root, "is not a traffic policy document (no AWSPolicyFormatVersion), a {\"Comment\", \"Document\"} object, or the output of aws route53 get-traffic-policy or list-traffic-policy-versions")
	}
}

// markSeen notes that a file defines (or tries to define) version num of
// policy name (num 0: only the policy).
func (l *loader) markSeen(name string, num int) {
	if l.seen[name] == nil {
		l.seen[name] = map[int]bool{}
	}
	if num != 0 {
		l.seen[name][num] = true
	}
}

// isDocument reports whether an object looks like a raw policy document.
func isDocument(n *jsontree.Node) bool {
	for _, k := range documentKeys {
		if n.Has(k) {
			return true
		}
	}
	return false
}

func (l *loader) docContext() *docContext {
	return &docContext{locations: l.store.Locations}
}

func (l *loader) comment(dec *decoder, p *jsontree.Path, n *jsontree.Node) string {
	s, ok := dec.str(n, p)
	if n := utf8.RuneCountInString(s); ok && n > MaxCommentSize {
		dec.errorf(p, "is %d characters long; Route 53 allows at most %d: shorten it", n, MaxCommentSize)
	}
	return s
}

// embeddedDocument parses the Document of a wrapper (a JSON string, as the
// AWS CLI prints it, or an object) into v.Document, and reports whether it
// is valid. wantType is the wrapper's Type, if any.
func (l *loader) embeddedDocument(dec *decoder, p *jsontree.Path, n *jsontree.Node, v *Version, wantType string) bool {
	if n == nil {
		dec.errorf(p, "is required")
		return false
	}
	v.Path = p.String()
	var doc *Document
	switch n.Kind {
	case jsontree.String:
		inner, err := jsontree.Parse([]byte(n.Text), false)
		if err != nil {
			dec.errorf(p, "the document string is not valid JSON: %v", err)
			return false
		}
		sub := &decoder{file: dec.file, base: dec.base.Concat(p), strict: dec.strict, out: dec.out}
		// Route 53 limits the length of this very string.
		doc = parseDocument(sub, inner, root, utf8.RuneCountInString(n.Text), l.docContext())
	case jsontree.Object:
		doc = parseDocument(dec, n, p, n.JSONSize(), l.docContext())
	default:
		dec.errorf(p, "must be a policy document (a JSON string or an object), not %s", n.Kind)
		return false
	}
	if doc == nil {
		return false
	}
	if wantType != "" {
		if t := parseTypeName(wantType); t != doc.RecordType {
			dec.errorf(p.Parent().Key("Type"), "%s does not match the document's RecordType %s", wantType, typeName(doc.RecordType))
			return false
		}
	}
	v.Document = doc
	return true
}

var trafficPolicyKeys = []string{"Id", "Version", "Name", "Type", "Document", "Comment"}

// loadTrafficPolicy reads get-traffic-policy (or create-traffic-policy)
// output: {"TrafficPolicy": {...}} with an optional Location.
func (l *loader) loadTrafficPolicy(dec *decoder, n *jsontree.Node, name string, fileVersion int) {
	f := dec.fields(n, root, "TrafficPolicy", "Location")
	p := root.Key("TrafficPolicy")
	l.trafficPolicy(dec, f["TrafficPolicy"], p, name, fileVersion)
}

// trafficPolicy reads one TrafficPolicy object.
func (l *loader) trafficPolicy(dec *decoder, n *jsontree.Node, p *jsontree.Path, name string, fileVersion int) {
	f := dec.fields(n, p, trafficPolicyKeys...)
	if f == nil {
		return
	}
	v := &Version{Policy: name, File: dec.file}
	if vn := f["Version"]; vn != nil {
		num, ok := dec.integer(vn, p.Key("Version"), 1, MaxVersions)
		if !ok {
			return
		}
		v.Number = int(num)
		l.markSeen(name, v.Number)
		if fileVersion != 0 && v.Number != fileVersion {
			dec.errorf(p.Key("Version"), "%d does not match the file name, which says version %d", v.Number, fileVersion)
			return
		}
	} else {
		if fileVersion == 0 {
			dec.errorf(p.Key("Version"), "is required (1..%d)", MaxVersions)
			return
		}
		v.Number = fileVersion
	}
	if nn := f["Name"]; nn != nil {
		if s, ok := dec.str(nn, p.Key("Name")); ok && s != name {
			dec.warn(p.Key("Name"), fmt.Sprintf("%q differs from the policy's name in the store, %q (records refer to %q)", s, name, name), "",
				fmt.Sprintf("write %q, or rename the file", name))
		}
	}
	if c := f["Comment"]; c != nil {
		v.Comment = l.comment(dec, p.Key("Comment"), c)
	}
	var wantType string
	if t := f["Type"]; t != nil {
		if s, ok := dec.str(t, p.Key("Type")); ok {
			if parseTypeName(s) == 0 {
				dec.errorf(p.Key("Type"), "%q is not a record type", s)
				return
			}
			wantType = s
		}
	}
	if id := f["Id"]; id != nil {
		if s, ok := dec.str(id, p.Key("Id")); ok {
			l.policyID(dec, p.Key("Id"), name, s)
		}
	}
	if l.embeddedDocument(dec, p.Key("Document"), f["Document"], v, wantType) {
		vp := p.Key("Version")
		if f["Version"] == nil {
			vp = p
		}
		l.addVersion(dec, vp, v)
	}
}

// loadVersionList reads list-traffic-policy-versions output.
func (l *loader) loadVersionList(dec *decoder, n *jsontree.Node, name string) {
	elems, ok := dec.listing(n, "TrafficPolicies", []string{"TrafficPolicies", "IsTruncated", "TrafficPolicyVersionMarker", "MaxItems"},
		"versions after TrafficPolicyVersionMarker are missing (use --no-paginate off, or list again with --traffic-policy-version-marker)",
		"list every version (without --max-items, or again with --traffic-policy-version-marker), so that none is missing")
	if !ok {
		return
	}
	for i, e := range elems {
		l.trafficPolicy(dec, e, root.Key("TrafficPolicies").Index(i), name, 0)
	}
}

// policyID records the Route 53 Id of a policy.
func (l *loader) policyID(dec *decoder, p *jsontree.Path, name, id string) {
	if len(id) > 36 {
		dec.warn(p, fmt.Sprintf("is %d characters long; Route 53 Ids have at most 36", len(id)), "", "shorten it")
	}
	for other, pol := range l.store.Policies {
		if other != name && pol.ID == id {
			dec.errorf(p, "Id %q is already the Id of policy %q", id, other)
			return
		}
	}
	pol := l.policy(name)
	switch {
	case pol.ID == "":
		pol.ID = id
	case pol.ID != id:
		dec.warn(p, fmt.Sprintf("Id %q differs from the Id %q other versions of %q have", id, pol.ID, name), "", fmt.Sprintf("write %q", pol.ID))
	}
}

func (l *loader) policy(name string) *Policy {
	pol := l.store.Policies[name]
	if pol == nil {
		pol = &Policy{Name: name, Versions: map[int]*Version{}}
		l.store.Policies[name] = pol
	}
	return pol
}

// addVersion adds a parsed version to its policy, rejecting a version
// defined twice.
func (l *loader) addVersion(dec *decoder, p *jsontree.Path, v *Version) {
	pol := l.policy(v.Policy)
	if other := pol.Versions[v.Number]; other != nil {
		where := "in " + other.File
		if other.File == v.File {
			where = "earlier in this file"
		}
		dec.errorf(p, "version %d of policy %q is already defined %s", v.Number, v.Policy, where)
		return
	}
	pol.Versions[v.Number] = v
	for _, rule := range v.Document.Rules {
		for _, it := range rule.Items {
			if it.HealthCheck != "" {
				l.hcRefs = append(l.hcRefs, hcRef{id: it.HealthCheck, ver: v, path: it.Path + ".HealthCheck"})
			}
		}
	}
}
