package editor

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing/fstest"
	"unicode"
	"unicode/utf8"

	"github.com/miekg/dns"

	"github.com/trafficflow/trafficflow/internal/jsontree"
	"github.com/trafficflow/trafficflow/policyfile"
	"github.com/trafficflow/trafficflow/policytest"
	"github.com/trafficflow/trafficflow/watch"
)

// snapshot is a consistent in-memory copy of the store, loaded: what
// every call reads, and what a write is validated against (with the new
// file laid over it).
type snapshot struct {
	files fstest.MapFS
	// sum is the store content's fingerprint (watch.Sum): GET /api/store's
	// ETag.
	sum   watch.Sum
	store *policyfile.Store
	probs policyfile.Problems
}

// read reads and loads the store as it is on disk now.
func (s *Server) read() (*snapshot, error) {
	fsys, sum, err := watch.ReadStable(s.cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("reading the store %s: %w", s.cfg.Dir, err)
	}
	files := fstest.MapFS{}
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		files[p] = &fstest.MapFile{Data: data, Mode: 0o644}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reading the store %s: %w", s.cfg.Dir, err)
	}
	snap := &snapshot{files: files, sum: sum}
	snap.store, snap.probs = s.load(files)
	return snap, nil
}

// load loads a store as the servers do: a store whose policy tests
// (tests.json) fail is as invalid as one with an error. A test that
// cannot run here (a client given by address, and no --geoip) is left to
// the servers.
func (s *Server) load(files fstest.MapFS) (*policyfile.Store, policyfile.Problems) {
	store, probs := policyfile.LoadFS(files, s.cfg.Dir, policyfile.Options{MissingHealthCheck: s.cfg.MissingHealthCheck})
	if probs.Err() == nil && len(store.Tests) > 0 {
		var failed []policytest.Result
		for _, r := range policytest.Run(store, s.tests) {
			if !r.Pass && r.Err == "" {
				failed = append(failed, r)
			}
		}
		probs = append(probs, policytest.Problems(failed)...)
	}
	return store, probs
}

// with loads the store as it would be with the file rel changed to data
// (nil: removed), and returns the errors that change would bring: those
// the store does not already have. A write is refused when there are any,
// so that the editor never makes a store worse, yet can still fix one.
func (s *Server) with(snap *snapshot, rel string, data []byte) policyfile.Problems {
	files := fstest.MapFS{}
	for p, f := range snap.files {
		files[p] = f
	}
	if data == nil {
		delete(files, rel)
	} else {
		files[rel] = &fstest.MapFile{Data: data, Mode: 0o644}
	}
	_, probs := s.load(files)
	var added policyfile.Problems
	for _, p := range probs.Errors() {
		if !slices.Contains(snap.probs, p) {
			added = append(added, p)
		}
	}
	return added
}

// readSnapshot reads the store for a handler, writing the error if it
// cannot.
func (s *Server) readSnapshot(w http.ResponseWriter) *snapshot {
	snap, err := s.read()
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error(), nil)
	}
	return snap
}

// storeETag is GET /api/store's ETag for a store content.
func storeETag(sum watch.Sum) string { return fmt.Sprintf(`"%x"`, sum[:12]) }

type storeJSON struct {
	Dir          string          `json:"dir"`
	Summary      string          `json:"summary"`
	Valid        bool            `json:"valid"`
	Policies     []policyJSON    `json:"policies"`
	Records      []recordJSON    `json:"records"`
	Aliases      []aliasJSON     `json:"aliases"`
	HealthChecks []checkJSON     `json:"healthChecks"`
	Problems     []problemJSON   `json:"problems"`
	Options      map[string]bool `json:"options"`
}

type policyJSON struct {
	Name     string        `json:"name"`
	Versions []versionJSON `json:"versions"`
}

type versionJSON struct {
	Version int    `json:"version"`
	Comment string `json:"comment,omitempty"`
	Type    string `json:"type"`
	File    string `json:"file"`
	// Records are the policy records (and aliases of them) that use the
	// version.
	Records []string `json:"records"`
	// Deletable says whether DELETE can remove it: a file of its own that
	// no record uses.
	Deletable bool `json:"deletable"`
}

type recordJSON struct {
	Name    string `json:"name"`
	Policy  string `json:"policy"`
	Version int    `json:"version"`
	TTL     uint32 `json:"ttl"`
}

type aliasJSON struct {
	Name   string `json:"name"`
	Target string `json:"target"`
}

type checkJSON struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	// Forced is the state healthstate.json forces ("healthy" or
	// "unhealthy"), if any.
	Forced string `json:"forced,omitempty"`
}

// getStore: GET /api/store.
func (s *Server) getStore(w http.ResponseWriter, r *http.Request) {
	// The page polls with the ETag it has: a store whose content has not
	// changed is not loaded again.
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		if sum, err := watch.Fingerprint(s.cfg.Dir); err == nil && inm == storeETag(sum) {
			w.Header().Set("ETag", inm)
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	snap := s.readSnapshot(w)
	if snap == nil {
		return
	}
	w.Header().Set("ETag", storeETag(snap.sum))
	st := snap.store
	out := storeJSON{Dir: s.cfg.Dir, Summary: st.Summary(), Valid: snap.probs.Err() == nil,
		Records: []recordJSON{}, Aliases: []aliasJSON{}, HealthChecks: []checkJSON{}, Problems: problemsJSON(snap.probs),
		Options: map[string]bool{"geoip": s.cfg.GeoIP != "", "latencyTable": s.cfg.LatencyTable != "", "healthFrom": s.cfg.HealthFrom != ""}}
	users := map[string][]string{}
	for _, rec := range st.Records {
		key := rec.Policy + "/" + strconv.Itoa(rec.Version)
		users[key] = append(users[key], rec.Name)
		if c := rec.Canary; c != nil {
			key := rec.Policy + "/" + strconv.Itoa(c.Version)
			users[key] = append(users[key], fmt.Sprintf("%s (canary %s%%)", rec.Name, strconv.FormatFloat(c.Percent, 'f', -1, 64)))
		}
		out.Records = append(out.Records, recordJSON{rec.Name, rec.Policy, rec.Version, rec.TTL})
	}
	for _, a := range st.Aliases {
		key := a.Record.Policy + "/" + strconv.Itoa(a.Record.Version)
		users[key] = append(users[key], a.Name)
		out.Aliases = append(out.Aliases, aliasJSON{a.Name, a.Target})
	}
	for _, p := range st.Policies {
		pj := policyJSON{Name: p.Name}
		for _, n := range p.Numbers() {
			v := p.Versions[n]
			used := users[p.Name+"/"+strconv.Itoa(n)]
			pj.Versions = append(pj.Versions, versionJSON{Version: n, Comment: v.Comment, Type: dns.TypeToString[v.Document.RecordType],
				File: v.File, Records: append([]string{}, used...), Deletable: len(used) == 0 && ownFile(v)})
		}
		out.Policies = append(out.Policies, pj)
	}
	slices.SortFunc(out.Policies, func(a, b policyJSON) int { return cmp.Compare(a.Name, b.Name) })
	for _, hc := range st.HealthChecks {
		c := checkJSON{ID: hc.ID, Type: string(hc.Type)}
		switch st.Forced[hc.ID] {
		case policyfile.ForcedHealthy:
			c.Forced = "healthy"
		case policyfile.ForcedUnhealthy:
			c.Forced = "unhealthy"
		}
		out.HealthChecks = append(out.HealthChecks, c)
	}
	writeJSON(w, http.StatusOK, out)
}

// ownFile says whether a version is the only one in its file
// (policies/NAME/N.ext), which the editor may remove.
func ownFile(v *policyfile.Version) bool {
	return path.Dir(v.File) == "policies/"+v.Policy && strings.TrimSuffix(path.Base(v.File), path.Ext(v.File)) == strconv.Itoa(v.Number)
}

// getVersion: GET /api/policies/{name}/{version}, the document as JSON
// (whatever the file's syntax and shape) with its comment.
func (s *Server) getVersion(w http.ResponseWriter, r *http.Request) {
	snap, v := s.version(w, r)
	if v == nil {
		return
	}
	doc, err := documentJSON(snap.files, v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error(), nil)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"Policy": v.Policy, "Version": v.Number, "Comment": v.Comment,
		"File": v.File, "Path": v.Path, "Document": json.RawMessage(doc)})
}

// version finds the version a request names, writing the error when it
// cannot.
func (s *Server) version(w http.ResponseWriter, r *http.Request) (*snapshot, *policyfile.Version) {
	name, num, ok := pathArgs(w, r)
	if !ok {
		return nil, nil
	}
	snap := s.readSnapshot(w)
	if snap == nil {
		return nil, nil
	}
	p := snap.store.Policies[name]
	if p == nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("the store has no policy %q", name), nil)
		return nil, nil
	}
	v := p.Versions[num]
	if v == nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("policy %q has no version %d (it has %s)", name, num, joinInts(p.Numbers())), nil)
		return nil, nil
	}
	return snap, v
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}

// pathArgs reads and checks the {name} and {version} of a request's path.
func pathArgs(w http.ResponseWriter, r *http.Request) (string, int, bool) {
	name := r.PathValue("name")
	if err := checkPolicyName(name); err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), nil)
		return "", 0, false
	}
	v := r.PathValue("version")
	num, err := strconv.Atoi(v)
	if err != nil || num < 1 || num > policyfile.MaxVersions || strconv.Itoa(num) != v {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("%q is not a version number (1..%d)", v, policyfile.MaxVersions), nil)
		return "", 0, false
	}
	return name, num, true
}

// checkPolicyName accepts the names the store can hold as a directory
// policies/NAME: at most 512 characters (Route 53's limit), no path
// separators, no leading "." (the store ignores such names), no control
// characters.
func checkPolicyName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("a policy name is required")
	case !utf8.ValidString(name) || len(name) > 512:
		return fmt.Errorf("a policy name is at most 512 characters of UTF-8")
	case strings.ContainsAny(name, `/\`):
		return fmt.Errorf("policy name %q contains a path separator", name)
	case strings.HasPrefix(name, "."):
		return fmt.Errorf("policy name %q starts with \".\", which the store ignores", name)
	case strings.ContainsFunc(name, unicode.IsControl):
		return fmt.Errorf("policy name %q contains a control character", name)
	}
	return nil
}

// documentJSON returns the document of v as JSON, read from its file: a
// document given as a JSON string (as the AWS CLI prints it) is parsed,
// and YAML becomes JSON.
func documentJSON(files fs.FS, v *policyfile.Version) ([]byte, error) {
	data, err := fs.ReadFile(files, v.File)
	if err != nil {
		return nil, err
	}
	ext := strings.ToLower(path.Ext(v.File))
	n, err := jsontree.Parse(data, ext == ".yaml" || ext == ".yml")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", v.File, err)
	}
	n = nodeAt(n, v.Path)
	if n != nil && n.Kind == jsontree.String {
		n, err = jsontree.Parse([]byte(n.Text), false)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", v.File, v.Path, err)
		}
	}
	if n == nil {
		return nil, fmt.Errorf("%s: no document at %q", v.File, v.Path)
	}
	return n.MarshalJSON()
}

// nodeAt follows a JSON path of plain keys and indexes, such as
// TrafficPolicies[1].Document, the paths the loader gives versions.
func nodeAt(n *jsontree.Node, p string) *jsontree.Node {
	for _, part := range strings.Split(p, ".") {
		key, index, _ := strings.Cut(part, "[")
		if key != "" {
			n = n.Get(key)
		}
		for index != "" && n != nil {
			var num string
			num, index, _ = strings.Cut(index, "]")
			i, err := strconv.Atoi(num)
			if err != nil || n.Kind != jsontree.Array || i < 0 || i >= len(n.Elems) {
				return nil
			}
			n = n.Elems[i]
			index = strings.TrimPrefix(index, "[")
		}
		if n == nil {
			return nil
		}
	}
	return n
}
