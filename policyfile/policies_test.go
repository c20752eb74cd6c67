package policyfile

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/miekg/dns"
)

// Every import shape (a raw document, a Comment and Document wrapper, the
// output of get-traffic-policy, create-traffic-policy and
// list-traffic-policy-versions, YAML) loads, each version addressable.
func TestImportShapes(t *testing.T) {
	getOutput := `{"TrafficPolicy":{"Id":"3c1b2f50-7d3e-4a2b-9c51-0e2d8a6b7f10","Version":2,"Name":"web","Type":"A","Comment":"v2",
		"Document":` + jsonString(docA("192.0.2.2")) + `}}`
	createOutput := `{"Location":"https://route53.amazonaws.com/2013-04-01/trafficpolicy/3c1b2f50-7d3e-4a2b-9c51-0e2d8a6b7f10/3",
		"TrafficPolicy":{"Id":"3c1b2f50-7d3e-4a2b-9c51-0e2d8a6b7f10","Version":3,"Name":"web","Type":"A","Document":` + jsonString(docA("192.0.2.3")) + `}}`
	listOutput := `{"TrafficPolicies":[
		{"Id":"a1","Version":1,"Name":"api","Type":"A","Comment":"initial","Document":` + jsonString(docA("198.51.100.1")) + `},
		{"Id":"a1","Version":2,"Name":"api","Type":"A","Comment":"switch address","Document":` + jsonString(docA("198.51.100.2")) + `},
		{"Id":"a1","Version":5,"Name":"api","Type":"A","Document":` + docA("198.51.100.5") + `}],
		"IsTruncated":false,"TrafficPolicyVersionMarker":"5","MaxItems":"100"}`
	files := map[string]string{
		"policies/web/1.json": docA("192.0.2.1"),
		"policies/web/2.json": getOutput,
		"policies/web/3.json": createOutput,
		"policies/web/4.json": `{"Comment":"hand written","Document":` + docA("192.0.2.4") + `}`,
		"policies/web/5.yaml": "Comment: yaml\nDocument:\n  AWSPolicyFormatVersion: 2015-10-01\n  RecordType: A\n  StartEndpoint: e\n  Endpoints:\n    e: {Type: value, Value: 192.0.2.5}\n",
		"policies/api.json":   listOutput,
		"records.json": records(rec("a.example.com", "web", 1), rec("b.example.com", "web", 2), rec("c.example.com", "web", 3),
			rec("d.example.com", "web", 4), rec("e.example.com", "web", 5), rec("f.example.com", "api", 1), rec("g.example.com", "api", 2), rec("h.example.com", "api", 5)),
	}
	runStoreCases(t, []storeCase{{name: "all shapes", files: files, check: func(t *testing.T, s *Store) {
		want := map[string]string{"a": "192.0.2.1", "b": "192.0.2.2", "c": "192.0.2.3", "d": "192.0.2.4", "e": "192.0.2.5",
			"f": "198.51.100.1", "g": "198.51.100.2", "h": "198.51.100.5"}
		for label, addr := range want {
			r := s.records[label+".example.com."]
			if r == nil {
				t.Fatalf("no record %s", label)
			}
			if got := r.Ver.Document.endpoints["e"].RR.(*dns.A).A.String(); got != addr {
				t.Errorf("%s: %s, want %s", label, got, addr)
			}
		}
		if s.Policies["web"].ID != "3c1b2f50-7d3e-4a2b-9c51-0e2d8a6b7f10" || s.Policies["api"].ID != "a1" {
			t.Errorf("ids %q %q", s.Policies["web"].ID, s.Policies["api"].ID)
		}
		if c := s.Policies["api"].Versions[2].Comment; c != "switch address" {
			t.Errorf("comment %q", c)
		}
		if c := s.Policies["web"].Versions[4].Comment; c != "hand written" {
			t.Errorf("comment %q", c)
		}
		if p := s.Policies["api"].Versions[2]; p.File != "policies/api.json" || p.Path != "TrafficPolicies[1].Document" {
			t.Errorf("version 2 at %s %s", p.File, p.Path)
		}
		if s.Summary() != "2 policies, 8 versions, 8 policy records, 0 aliases, 0 health checks" {
			t.Errorf("summary %q", s.Summary())
		}
	}}})

	runStoreCases(t, []storeCase{
		{name: "type does not match", files: map[string]string{
			"policies/web/2.json": `{"TrafficPolicy":{"Id":"x","Version":2,"Name":"web","Type":"AAAA","Document":` + jsonString(docA("192.0.2.2")) + `}}`},
			want: []string{`policies/web/2.json: TrafficPolicy.Type: AAAA does not match the document's RecordType A`}},
		{name: "error inside an embedded document", files: map[string]string{
			"policies/web.json": `{"TrafficPolicies":[{"Version":1,"Document":` + jsonString(docA("::1")) + `}]}`},
			want: []string{`policies/web.json: TrafficPolicies[0].Document.Endpoints.e.Value: "::1" is not a valid A record value`}},
		{name: "embedded string is not JSON", files: map[string]string{
			"policies/web/1.json": `{"TrafficPolicy":{"Version":1,"Document":"{nope"}}`},
			want: []string{`policies/web/1.json: TrafficPolicy.Document: the document string is not valid JSON: line 1, column 2: syntax error: unexpected character 'n', expecting a quoted object key`}},
		{name: "version does not match the file name", files: map[string]string{"policies/web/2.json": strings.Replace(getOutput, `"Version":2`, `"Version":7`, 1)},
			want: []string{`policies/web/2.json: TrafficPolicy.Version: 7 does not match the file name, which says version 2`}},
		{name: "name differs", files: map[string]string{"policies/site/2.json": getOutput},
			want: []string{`policies/site/2.json: TrafficPolicy.Name: warning: "web" differs from the policy's name in the store, "site" (records refer to "site")`}},
		{name: "version defined twice", files: map[string]string{"policies/api/2.json": docA("192.0.2.9"), "policies/api.json": listOutput},
			want: []string{`policies/api.json: TrafficPolicies[1].Version: version 2 of policy "api" is already defined in policies/api/2.json`}},
		{name: "list in a version file", files: map[string]string{"policies/api/1.json": listOutput},
			want: []string{`policies/api/1.json: holds list-traffic-policy-versions output, which has many versions; save it as policies/api.json`}},
		{name: "raw document without a version", files: map[string]string{"policies/web.json": simpleDoc},
			want: []string{`policies/web.json: a policy document without a version number; save it as policies/web/VERSION.json`}},
		{name: "bad version file names", files: map[string]string{"policies/web/0.json": simpleDoc, "policies/web/latest.json": simpleDoc,
			"policies/web/1001.json": simpleDoc, "policies/web/01.json": simpleDoc, "policies/web/README.md": "notes"},
			want: []string{
				`policies/web/0.json: the file name must be a version number 1..1000 (such as 1.json)`,
				`policies/web/01.json: the file name must be a version number 1..1000 (such as 1.json)`,
				`policies/web/1001.json: the file name must be a version number 1..1000 (such as 1.json)`,
				`policies/web/README.md: warning: not a .json, .yaml or .yml file; ignored`,
				`policies/web/latest.json: the file name must be a version number 1..1000 (such as 1.json)`}},
		{name: "not a policy", files: map[string]string{"policies/web/1.json": `{"Hello":"world"}`},
			want: []string{`policies/web/1.json: is not a traffic policy document (no AWSPolicyFormatVersion), a {"Comment", "Document"} object, or the output of aws route53 get-traffic-policy or list-traffic-policy-versions`}},
		{name: "truncated listing", files: map[string]string{"policies/api.json": strings.Replace(listOutput, `"IsTruncated":false`, `"IsTruncated":true`, 1)},
			want: []string{`policies/api.json: IsTruncated: warning: the listing is truncated; versions after TrafficPolicyVersionMarker are missing (use --no-paginate off, or list again with --traffic-policy-version-marker)`}},
		{name: "syntax error", files: map[string]string{"policies/web/1.json": "{\n  \"AWSPolicyFormatVersion\": \"2015-10-01\"\n  \"RecordType\": \"A\"\n}"},
			want: []string{`policies/web/1.json: line 3, column 3: syntax error: unexpected character '"', expecting ',' or '}'`}},
	})
}

// padDoc is a TXT document whose unknown _pad key carries pad.
func padDoc(pad string) map[string]any {
	return map[string]any{"AWSPolicyFormatVersion": "2015-10-01", "RecordType": "TXT", "StartEndpoint": "e",
		"Endpoints": map[string]any{"e": map[string]any{"Type": "value", "Value": "x"}}, "_pad": pad}
}

// compactJSON is v written by encoding/json: compact, so its length in
// characters is what the size limit measures.
func compactJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// padYAML is padDoc(pad) as YAML, indented by indent.
func padYAML(indent, pad string) string {
	return indent + "AWSPolicyFormatVersion: \"2015-10-01\"\n" + indent + "RecordType: TXT\n" + indent + "StartEndpoint: e\n" +
		indent + "Endpoints:\n" + indent + "  e: {Type: value, Value: x}\n" + indent + "_pad: " + pad + "\n"
}

// The document size limit in a store: it holds whatever the syntax and
// whatever wraps the document, and counts characters of the document as
// compact JSON (or of the Document string).
func TestDocumentSizeInStore(t *testing.T) {
	base := utf8.RuneCountInString(compactJSON(t, padDoc("")))
	fit := strings.Repeat("x", MaxDocumentSize-base)     // exactly the limit
	over := strings.Repeat("x", MaxDocumentSize-base+1)  // one character more
	fitWide := strings.Repeat("é", MaxDocumentSize-base) // 2 bytes each, 1 character
	if n := utf8.RuneCountInString(compactJSON(t, padDoc(over))); n != MaxDocumentSize+1 {
		t.Fatalf("test document is %d characters", n)
	}
	tooLong := `the document is 102401 characters long; Route 53 allows at most 102400`
	recs := records(rec("www.example.com", "web", 1))
	runStoreCases(t, []storeCase{
		{name: "yaml wrapper over", files: map[string]string{"policies/web/1.yaml": "Comment: big\nDocument:\n" + padYAML("  ", over)},
			want: []string{`policies/web/1.yaml: Document: ` + tooLong, `policies/web/1.yaml: Document._pad: warning: unknown key; ignored`}},
		{name: "yaml wrapper at the limit", files: map[string]string{"policies/web/1.yaml": "Comment: big\nDocument:\n" + padYAML("  ", fit), "records.json": recs},
			want: []string{`policies/web/1.yaml: Document._pad: warning: unknown key; ignored`},
			check: func(t *testing.T, s *Store) {
				if got := s.records["www.example.com."].Ver.Document.Size; got != MaxDocumentSize {
					t.Errorf("Size = %d, want %d", got, MaxDocumentSize)
				}
			}},
		{name: "yaml characters not bytes", files: map[string]string{"policies/web/1.yaml": "Document:\n" + padYAML("  ", fitWide)},
			want: []string{`policies/web/1.yaml: Document._pad: warning: unknown key; ignored`}},
		{name: "yaml traffic policy over", files: map[string]string{"policies/web/1.yml": "TrafficPolicy:\n  Version: 1\n  Document:\n" + padYAML("    ", over)},
			want: []string{`policies/web/1.yml: TrafficPolicy.Document: ` + tooLong, `policies/web/1.yml: TrafficPolicy.Document._pad: warning: unknown key; ignored`}},
		{name: "yaml version list over", files: map[string]string{"policies/web.yaml": "TrafficPolicies:\n  - Version: 1\n    Document:\n" + padYAML("      ", over)},
			want: []string{`policies/web.yaml: TrafficPolicies[0].Document: ` + tooLong, `policies/web.yaml: TrafficPolicies[0].Document._pad: warning: unknown key; ignored`}},
		{name: "yaml document file over", files: map[string]string{"policies/web/1.yaml": padYAML("", over)},
			want: []string{`policies/web/1.yaml: ` + tooLong, `policies/web/1.yaml: _pad: warning: unknown key; ignored`}},
		{name: "yaml document file at the limit", files: map[string]string{"policies/web/1.yaml": "# a comment\n" + padYAML("", fit)},
			want: []string{`policies/web/1.yaml: _pad: warning: unknown key; ignored`}},
		{name: "json wrapper over", files: map[string]string{"policies/web/1.json": `{"Comment":"big","Document":` + compactJSON(t, padDoc(over)) + `}`},
			want: []string{`policies/web/1.json: Document: ` + tooLong, `policies/web/1.json: Document._pad: warning: unknown key; ignored`}},
		{name: "json document file over", files: map[string]string{"policies/web/1.json": compactJSON(t, padDoc(over))},
			want: []string{`policies/web/1.json: ` + tooLong, `policies/web/1.json: _pad: warning: unknown key; ignored`}},
		{name: "json document file white space not counted", files: map[string]string{"policies/web/1.json": strings.ReplaceAll(compactJSON(t, padDoc(fit)), ",", ",\n    ")},
			want: []string{`policies/web/1.json: _pad: warning: unknown key; ignored`}},
		{name: "json string over", files: map[string]string{"policies/web/1.json": `{"TrafficPolicy":{"Version":1,"Document":` + jsonString(compactJSON(t, padDoc(over))) + `}}`},
			want: []string{`policies/web/1.json: TrafficPolicy.Document: ` + tooLong, `policies/web/1.json: TrafficPolicy.Document._pad: warning: unknown key; ignored`}},
		{name: "json string counts its white space", files: map[string]string{"policies/web/1.json": `{"TrafficPolicy":{"Version":1,"Document":` + jsonString(" "+compactJSON(t, padDoc(fit))) + `}}`},
			want: []string{`policies/web/1.json: TrafficPolicy.Document: ` + tooLong, `policies/web/1.json: TrafficPolicy.Document._pad: warning: unknown key; ignored`}},
		{name: "json string characters not bytes", files: map[string]string{"policies/web/1.json": `{"TrafficPolicy":{"Version":1,"Document":` + jsonString(compactJSON(t, padDoc(fitWide))) + `}}`},
			want: []string{`policies/web/1.json: TrafficPolicy.Document._pad: warning: unknown key; ignored`}},
	})
}

// A version file that cannot be stat'ed is reported with the reason; a
// directory where a version file should be is not a regular file.
func TestVersionFileNotRegular(t *testing.T) {
	dir := writeStore(t, map[string]string{"policies/web/1.json": simpleDoc, "policies/web/3.json/x": "x"})
	if err := os.Symlink("nowhere.json", filepath.Join(dir, "policies", "web", "2.json")); err != nil {
		t.Skip("no symlinks:", err)
	}
	for _, strict := range []bool{false, true} {
		_, probs := Load(dir, Options{Strict: strict})
		var got []string
		for _, p := range probs {
			got = append(got, p.String())
		}
		last := `policies/web/3.json: warning: is not a regular file; ignored`
		if strict {
			last = `policies/web/3.json: is not a regular file; remove it from the store`
		}
		want := []string{`policies/web/2.json: no such file or directory`, last}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("strict %v:\n got: %q\nwant: %q", strict, got, want)
		}
	}
}

// Bounds on what a file can make the loader hold: a comment of more than
// 1,024 characters, a store file of more than MaxFileSize bytes.
func TestFileBounds(t *testing.T) {
	runStoreCases(t, []storeCase{
		{name: "comment", files: map[string]string{"policies/web/1.json": `{"Comment":"` + strings.Repeat("é", 1025) + `","Document":` + simpleDoc + `}`},
			want: []string{`policies/web/1.json: Comment: is 1025 characters long; Route 53 allows at most 1024: shorten it`}},
		{name: "comment at the limit", files: map[string]string{"policies/web/1.json": `{"Comment":"` + strings.Repeat("é", 1024) + `","Document":` + simpleDoc + `}`}},
		{name: "file", files: map[string]string{"records.json": `{"PolicyRecords":[]}` + strings.Repeat(" ", MaxFileSize)},
			want: []string{fmt.Sprintf("records.json: is %d bytes long; a store file may have at most 32 MiB", MaxFileSize+20)}},
	})
}
