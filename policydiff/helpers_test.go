package policydiff

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/trafficflow/trafficflow/policyfile"
)

// versions loads two documents as versions 1 and 2 of policy p.
func versions(t *testing.T, v1, v2 string) (*policyfile.Version, *policyfile.Version) {
	t.Helper()
	fsys := fstest.MapFS{
		"policies/p/1.json": {Data: []byte(v1)},
		"policies/p/2.json": {Data: []byte(v2)},
	}
	store, probs := policyfile.LoadFS(fsys, "mem", policyfile.Options{})
	if err := probs.Err(); err != nil {
		t.Fatal(err)
	}
	p := store.Policies["p"]
	return p.Versions[1], p.Versions[2]
}

// compare diffs two documents.
func compare(t *testing.T, v1, v2 string) *Diff {
	t.Helper()
	a, b := versions(t, v1, v2)
	d, err := Compare("p", a, b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// doc is a document of record type A with the given endpoints and rules
// (JSON object members) starting at rule "top".
func doc(endpoints, rules string) string {
	return `{"AWSPolicyFormatVersion": "2015-10-01", "RecordType": "A", "StartRule": "top",
		"Endpoints": {` + endpoints + `}, "Rules": {` + rules + `}}`
}

// hasLines checks that text holds each of want.
func hasLines(t *testing.T, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("the text lacks %q:\n%s", w, text)
		}
	}
}
