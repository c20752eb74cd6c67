// Package editor is the web application of trafficflow editor: browse a
// policy store, draw a policy version as a tree, edit it as a new version,
// bind records to versions, simulate clients with the plugin's own query
// path, and colour a world map by the endpoint each place reaches.
//
// Everything it writes is an ordinary store file, validated first with
// the store around it, and written atomically: a new version is a new
// file policies/NAME/N.json (never over an existing one); records.json is
// replaced under optimistic concurrency (ETag and If-Match). The HTTP API
// is in the README ("The editor"); the page is web/, served from the
// binary.
package editor

import (
	"crypto/subtle"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"

	"github.com/trafficflow/trafficflow/evaluate"
	"github.com/trafficflow/trafficflow/geo"
	"github.com/trafficflow/trafficflow/policyfile"
	"github.com/trafficflow/trafficflow/policytest"
)

// Config is what the editor serves and how.
type Config struct {
	// Dir is the policy store.
	Dir string
	// GeoIP, LatencyTable, BiasFormula and MissingHealthCheck are the
	// trafficflow directive's options, for simulations and maps.
	GeoIP, LatencyTable, BiasFormula string
	MissingHealthCheck               policyfile.MissingHealthCheck
	// Token, when set, is the bearer token every API call must carry.
	Token string
	// HealthFrom is the URL of a running server's Prometheus endpoint,
	// whose coredns_trafficflow_healthcheck_status series give the live
	// health states of simulations ("" : every check healthy unless
	// forced).
	HealthFrom string
}

// maxBody bounds request bodies: a document is at most 102,400
// characters, records.json rarely more than a few hundred KB.
const maxBody = 1 << 20

//go:embed web
var webFS embed.FS

// Server is the editor's HTTP handler.
type Server struct {
	cfg Config
	mux *http.ServeMux
	// writes serialises the read-validate-write sequences of the store.
	writes sync.Mutex
	csrf   *http.CrossOriginProtection
	// tests are the options of the store's policy tests: the GeoIP
	// database, latency table and bias formula the servers use.
	tests policytest.Options
}

// New returns the editor for cfg.
func New(cfg Config) (*Server, error) {
	s := &Server{cfg: cfg, mux: http.NewServeMux(), csrf: http.NewCrossOriginProtection()}
	switch cfg.BiasFormula {
	case "", "legacy":
	case "linear":
		s.tests.BiasFormula = evaluate.BiasLinear
	default:
		return nil, fmt.Errorf("bias formula %q is not legacy or linear", cfg.BiasFormula)
	}
	if cfg.GeoIP != "" {
		db, err := geo.Open(cfg.GeoIP)
		if err != nil {
			return nil, err
		}
		s.tests.GeoIP = db
	}
	if cfg.LatencyTable != "" {
		t, probs := policyfile.LoadLatencyTable(cfg.LatencyTable)
		if err := probs.Err(); err != nil {
			return nil, err
		}
		s.tests.Latency = t
	}
	mime.AddExtensionType(".js", "text/javascript")
	mime.AddExtensionType(".mjs", "text/javascript")
	web, _ := fs.Sub(webFS, "web")
	files := http.FileServerFS(web)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/api/"):
			writeError(w, http.StatusNotFound, "no such API: "+r.Method+" "+r.URL.Path+" (see the README, \"The editor\")", nil)
		case r.Method != http.MethodGet && r.Method != http.MethodHead:
			writeError(w, http.StatusMethodNotAllowed, "the page only answers GET", nil)
		default:
			files.ServeHTTP(w, r)
		}
	})
	s.mux.HandleFunc("GET /api/store", s.getStore)
	s.mux.HandleFunc("GET /api/geodata", s.getGeodata)
	s.mux.HandleFunc("GET /api/policies/{name}/{version}", s.getVersion)
	s.mux.HandleFunc("DELETE /api/policies/{name}/{version}", s.deleteVersion)
	s.mux.HandleFunc("POST /api/policies/{name}/versions", s.postVersion)
	s.mux.HandleFunc("POST /api/validate", s.validate)
	s.mux.HandleFunc("GET /api/records", s.getRecords)
	s.mux.HandleFunc("PUT /api/records", s.putRecords)
	s.mux.HandleFunc("POST /api/explain", s.explain)
	s.mux.HandleFunc("GET /api/health", s.getHealth)
	s.mux.HandleFunc("POST /api/map", s.geomap)
	return s, nil
}

// ServeHTTP sets the security headers, and checks every API call: the
// token, and for writes a JSON body from a same-origin page.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	if strings.HasPrefix(r.URL.Path, "/api/") {
		h.Set("Cache-Control", "no-store")
		if s.cfg.Token == "" && !loopbackHost(r.Host) {
			// Without a token, only a page that names the editor by a
			// loopback address may use it: a site whose name an attacker
			// points at 127.0.0.1 (DNS rebinding) is refused.
			writeError(w, http.StatusForbidden, "this editor (started without --token) only answers requests to a loopback address, such as http://127.0.0.1:PORT/", nil)
			return
		}
		if s.cfg.Token != "" {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.Token)) != 1 {
				h.Set("WWW-Authenticate", `Bearer realm="trafficflow editor"`)
				writeError(w, http.StatusUnauthorized, "this editor needs its token: send Authorization: Bearer TOKEN (the content of the --token file)", nil)
				return
			}
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if err := s.csrf.Check(r); err != nil {
				writeError(w, http.StatusForbidden, "cross-origin request refused: the editor only accepts changes from its own page", nil)
				return
			}
			if r.Method != http.MethodDelete {
				if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
					writeError(w, http.StatusUnsupportedMediaType, "send the body as Content-Type: application/json", nil)
					return
				}
			}
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		}
	}
	s.mux.ServeHTTP(w, r)
}

// loopbackHost says whether a request's Host is localhost or a loopback
// address.
func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && ip.IsLoopback()
}

// problemJSON is a problem as the API shows it.
type problemJSON struct {
	File     string `json:"file,omitempty"`
	Path     string `json:"path,omitempty"`
	Message  string `json:"message"`
	Severity string `json:"severity"`
}

func problemsJSON(ps policyfile.Problems) []problemJSON {
	out := make([]problemJSON, 0, len(ps))
	for _, p := range ps {
		sev := "error"
		if p.Severity == policyfile.Warning {
			sev = "warning"
		}
		out = append(out, problemJSON{File: p.File, Path: p.Path, Message: p.Message, Severity: sev})
	}
	return out
}

// apiError is the body of every error: what went wrong, in words a
// person can act on, and the problems of an invalid document or store.
type apiError struct {
	Error    string        `json:"error"`
	Problems []problemJSON `json:"problems,omitempty"`
}

func writeError(w http.ResponseWriter, status int, msg string, probs policyfile.Problems) {
	writeJSON(w, status, apiError{Error: msg, Problems: problemsJSON(probs)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// readJSON decodes a request body into v, and writes the error when it
// cannot.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		if tooLarge(w, err) {
			return false
		}
		writeError(w, http.StatusBadRequest, "the body is not the JSON this call takes: "+err.Error(), nil)
		return false
	}
	return true
}

// tooLarge writes the error of a body over maxBody.
func tooLarge(w http.ResponseWriter, err error) bool {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is over %d bytes", mbe.Limit), nil)
		return true
	}
	return false
}
