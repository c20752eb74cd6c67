package editor

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/trafficflow/trafficflow/internal/jsontree"
	"github.com/trafficflow/trafficflow/policyfile"
	"github.com/trafficflow/trafficflow/policygraph"
)

// readBody reads a whole request body, writing the error when it cannot.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		if !tooLarge(w, err) {
			writeError(w, http.StatusBadRequest, "reading the body: "+err.Error(), nil)
		}
		return nil, false
	}
	return data, true
}

// validate: POST /api/validate with a document; its problems, and its
// graph (policygraph) when it is valid. Health-check IDs that
// healthchecks.json does not define are warnings here: the store
// validation of a save decides.
func (s *Server) validate(w http.ResponseWriter, r *http.Request) {
	data, ok := readBody(w, r)
	if !ok {
		return
	}
	doc, probs := policyfile.ParseDocument(data, false, false)
	out := map[string]any{"valid": doc != nil}
	if doc != nil {
		out["graph"] = policygraph.New(doc)
		probs = append(probs, s.undefinedChecks(doc)...)
	}
	out["problems"] = problemsJSON(probs)
	writeJSON(w, http.StatusOK, out)
}

// undefinedChecks warns of the health checks doc refers to that the store
// does not define (reading the store only for a document with checks).
func (s *Server) undefinedChecks(doc *policyfile.Document) policyfile.Problems {
	var defined map[string]bool
	var out policyfile.Problems
	for _, r := range doc.Rules {
		for _, it := range r.Items {
			if it.HealthCheck == "" {
				continue
			}
			if defined == nil {
				snap, err := s.read()
				if err != nil {
					return nil
				}
				defined = map[string]bool{}
				for _, hc := range snap.store.HealthChecks {
					defined[hc.ID] = true
				}
			}
			if !defined[it.HealthCheck] {
				out = append(out, policyfile.Problem{Path: it.Path + ".HealthCheck", Severity: policyfile.Warning,
					Message: fmt.Sprintf("health check %q is not defined in healthchecks.json", it.HealthCheck)})
			}
		}
	}
	return out
}

// postVersion: POST /api/policies/{name}/versions with {"Comment": ...,
// "Document": {...}}; writes it, as sent, as policies/NAME/N.json with
// the next free N.
func (s *Server) postVersion(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if err := checkPolicyName(name); err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), nil)
		return
	}
	data, ok := readBody(w, r)
	if !ok {
		return
	}
	n, err := jsontree.Parse(data, false)
	if err != nil {
		writeError(w, http.StatusBadRequest, "the body is not JSON: "+err.Error(), nil)
		return
	}
	if n.Kind != jsontree.Object || !n.Has("Document") || slices.ContainsFunc(n.Members, func(m jsontree.Member) bool {
		return m.Key != "Comment" && m.Key != "Document"
	}) {
		writeError(w, http.StatusBadRequest, `send {"Comment": "...", "Document": {...}}: the document and an optional comment`, nil)
		return
	}
	docNode := n.Get("Document")
	if docNode.Kind != jsontree.Object {
		writeError(w, http.StatusUnprocessableEntity, "Document must be a traffic policy document (an object)", nil)
		return
	}
	doc, _ := docNode.MarshalJSON()
	if d, probs := policyfile.ParseDocument(doc, false, false); d == nil {
		writeError(w, http.StatusUnprocessableEntity, "the document is invalid: fix its errors first", prefix(probs, "Document"))
		return
	}

	s.writes.Lock()
	defer s.writes.Unlock()
	snap := s.readSnapshot(w)
	if snap == nil {
		return
	}
	num := nextVersion(snap, name)
	if num > policyfile.MaxVersions {
		writeError(w, http.StatusConflict, fmt.Sprintf("policy %q has reached version %d, Route 53's limit; delete unused versions or start a new policy", name, policyfile.MaxVersions), nil)
		return
	}
	rel := fmt.Sprintf("policies/%s/%d.json", name, num)
	if probs := s.with(snap, rel, data); len(probs) > 0 {
		writeError(w, http.StatusUnprocessableEntity, "the store would be invalid with this version", probs)
		return
	}
	if err := createFile(filepath.Join(s.cfg.Dir, filepath.FromSlash(rel)), data); err != nil {
		if errors.Is(err, fs.ErrExist) {
			writeError(w, http.StatusConflict, rel+" was created meanwhile by someone else; save again", nil)
			return
		}
		writeError(w, http.StatusInternalServerError, "writing "+rel+": "+err.Error(), nil)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"Version": num, "File": rel})
}

// prefix puts the problems of a document at their place in the body.
func prefix(probs policyfile.Problems, key string) policyfile.Problems {
	out := slices.Clone(probs)
	for i := range out {
		out[i].Path = strings.TrimSuffix(key+"."+out[i].Path, ".")
	}
	return out
}

// nextVersion is one more than the highest version of policy name, in
// any file, loaded or not.
func nextVersion(snap *snapshot, name string) int {
	num := 0
	if p := snap.store.Policies[name]; p != nil {
		num = slices.Max(append(p.Numbers(), 0))
	}
	for rel := range snap.files {
		dir, file := path.Split(rel)
		if dir != "policies/"+name+"/" {
			continue
		}
		if n, err := strconv.Atoi(strings.TrimSuffix(file, path.Ext(file))); err == nil {
			num = max(num, n)
		}
	}
	return num + 1
}

// deleteVersion: DELETE /api/policies/{name}/{version}, refused while a
// record uses it.
func (s *Server) deleteVersion(w http.ResponseWriter, r *http.Request) {
	s.writes.Lock()
	defer s.writes.Unlock()
	snap, v := s.version(w, r)
	if v == nil {
		return
	}
	var users []string
	for _, rec := range snap.store.Records {
		if rec.Policy == v.Policy && (rec.Version == v.Number || rec.Canary != nil && rec.Canary.Version == v.Number) {
			users = append(users, rec.Name)
		}
	}
	switch {
	case len(users) > 0:
		writeError(w, http.StatusConflict, fmt.Sprintf("version %d of %q is in use by %s: bind them to another version first",
			v.Number, v.Policy, strings.Join(users, ", ")), nil)
		return
	case !ownFile(v):
		writeError(w, http.StatusConflict, fmt.Sprintf("version %d of %q is defined in %s with other versions; the editor only deletes a version file of its own (policies/%s/%d.json)",
			v.Number, v.Policy, v.File, v.Policy, v.Number), nil)
		return
	}
	if probs := s.with(snap, v.File, nil); len(probs) > 0 {
		writeError(w, http.StatusUnprocessableEntity, "the store would be invalid without this version", probs)
		return
	}
	p := filepath.Join(s.cfg.Dir, filepath.FromSlash(v.File))
	if err := os.Remove(p); err != nil {
		writeError(w, http.StatusInternalServerError, "removing "+v.File+": "+err.Error(), nil)
		return
	}
	syncDir(filepath.Dir(p))
	writeJSON(w, http.StatusOK, map[string]any{"Deleted": v.File})
}

// recordsFile is where the editor reads and writes the records.
const recordsFile = "records.json"

// etag is the entity tag of a file's bytes ("" bytes: a missing file).
func etag(data []byte) string {
	sum := sha256.Sum256(data)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// currentRecords reads records.json as it is on disk (nil when it does not
// exist), refusing a store whose records are in YAML.
func (s *Server) currentRecords(w http.ResponseWriter) ([]byte, bool) {
	for _, alt := range []string{"records.yaml", "records.yml"} {
		if _, err := os.Stat(filepath.Join(s.cfg.Dir, alt)); err == nil {
			writeError(w, http.StatusConflict, "this store keeps its records in "+alt+"; the editor reads and writes records.json only: convert it first", nil)
			return nil, false
		}
	}
	data, err := os.ReadFile(filepath.Join(s.cfg.Dir, recordsFile))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		writeError(w, http.StatusInternalServerError, "reading records.json: "+err.Error(), nil)
		return nil, false
	}
	return data, true
}

// getRecords: GET /api/records, the content of records.json (an empty one
// when there is none) and its ETag.
func (s *Server) getRecords(w http.ResponseWriter, r *http.Request) {
	data, ok := s.currentRecords(w)
	if !ok {
		return
	}
	w.Header().Set("ETag", etag(data))
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if data == nil {
		data = []byte("{\n  \"PolicyRecords\": [],\n  \"Aliases\": []\n}\n")
	}
	w.Write(data)
}

// putRecords: PUT /api/records with If-Match: replaces records.json with
// the body, as sent, if the file is still the one the client read and
// the store stays valid.
func (s *Server) putRecords(w http.ResponseWriter, r *http.Request) {
	match := r.Header.Get("If-Match")
	if match == "" {
		writeError(w, http.StatusPreconditionRequired, "send If-Match with the ETag of the records.json you edited (GET /api/records)", nil)
		return
	}
	data, ok := readBody(w, r)
	if !ok {
		return
	}
	if n, err := jsontree.Parse(data, false); err != nil || n.Kind != jsontree.Object {
		msg := "records.json must be a JSON object"
		if err != nil {
			msg = "the body is not JSON: " + err.Error()
		}
		writeError(w, http.StatusBadRequest, msg, nil)
		return
	}

	s.writes.Lock()
	defer s.writes.Unlock()
	current, ok := s.currentRecords(w)
	if !ok {
		return
	}
	if tag := etag(current); match != tag {
		w.Header().Set("ETag", tag)
		writeError(w, http.StatusPreconditionFailed, "records.json changed since you read it (in the editor or on disk): reload it and apply your change again", nil)
		return
	}
	snap := s.readSnapshot(w)
	if snap == nil {
		return
	}
	if probs := s.with(snap, recordsFile, data); len(probs) > 0 {
		writeError(w, http.StatusUnprocessableEntity, "the store would be invalid with these records", probs)
		return
	}
	if err := replaceFile(filepath.Join(s.cfg.Dir, recordsFile), data); err != nil {
		writeError(w, http.StatusInternalServerError, "writing records.json: "+err.Error(), nil)
		return
	}
	tag := etag(data)
	w.Header().Set("ETag", tag)
	writeJSON(w, http.StatusOK, map[string]string{"ETag": tag})
}

// createFile writes a new file atomically and never over an existing one:
// the data goes to a temporary file in the same directory (a name the
// store ignores), is synced, and is linked to its name, which fails if the
// name exists.
func createFile(name string, data []byte) error {
	dir := filepath.Dir(name)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			return err
		}
		if err := os.Mkdir(dir, 0o755); err != nil {
			return err
		}
		defer os.Remove(dir) // a new policy's directory, if nothing was written into it
	}
	tmp, err := writeTemp(dir, data)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, name); err != nil {
		return err
	}
	return syncDir(dir)
}

// replaceFile replaces a file atomically: readers see the old content or
// the new, never a part.
func replaceFile(name string, data []byte) error {
	dir := filepath.Dir(name)
	tmp, err := writeTemp(dir, data)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, name); err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(dir)
}

// writeTemp writes data to a new temporary file in dir, synced to disk,
// and returns its name. Its name starts with ".", which the store and its
// watchers ignore.
func writeTemp(dir string, data []byte) (string, error) {
	f, err := os.CreateTemp(dir, ".editor-*.tmp")
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// syncDir makes a directory's entries durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
