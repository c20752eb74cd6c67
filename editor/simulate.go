package editor

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/trafficflow/trafficflow"
	"github.com/trafficflow/trafficflow/geo"
	"github.com/trafficflow/trafficflow/policyfile"
)

// explainRequest is the body of POST /api/explain: a record's name, or a
// draft document (with a TTL); at most one of Client, ECS and Location;
// health states that override the live ones; the seed of the draws.
type explainRequest struct {
	Record   string
	Document json.RawMessage
	TTL      *uint32
	Type     string
	Client   string
	ECS      string
	Location *locationJSON
	Health   map[string]bool
	Seed     uint64
}

// locationJSON places a client without a GeoIP lookup: a continent, a
// country (and US state), or coordinates.
type locationJSON struct {
	Continent, Country, Subdivision string
	Latitude, Longitude             *float64
}

// explain: POST /api/explain, the explanation trafficflow explain --json
// prints, for a record or a draft.
func (s *Server) explain(w http.ResponseWriter, r *http.Request) {
	var req explainRequest
	if !readJSON(w, r, &req) {
		return
	}
	client, err := req.client()
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), nil)
		return
	}
	var doc *policyfile.Document
	switch {
	case (req.Record == "") == (len(req.Document) == 0):
		writeError(w, http.StatusBadRequest, "give a Record (a name of the store) or a Document (a draft), not both", nil)
		return
	case len(req.Document) > 0:
		var probs policyfile.Problems
		if doc, probs = policyfile.ParseDocument(req.Document, false, false); doc == nil {
			writeError(w, http.StatusUnprocessableEntity, "the document is invalid: fix its errors to simulate it", probs)
			return
		}
	}
	var qtype uint16
	if req.Type != "" {
		t, ok := dnsType(req.Type)
		if !ok {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("%q is not a record type", req.Type), nil)
			return
		}
		qtype = t
	}
	health, err := s.liveHealth(r.Context())
	if err != nil {
		writeError(w, http.StatusBadGateway, err.Error(), nil)
		return
	}
	maps.Copy(health, req.Health)
	x, _, err := trafficflow.NewExplainer(trafficflow.ExplainConfig{Dir: s.cfg.Dir, GeoIP: s.cfg.GeoIP, LatencyTable: s.cfg.LatencyTable,
		BiasFormula: s.cfg.BiasFormula, MissingHealthCheck: s.cfg.MissingHealthCheck, Health: health})
	if err != nil {
		var le *policyfile.LoadError
		if errors.As(err, &le) {
			writeError(w, http.StatusConflict, "the store does not load, so nothing can be simulated: fix its errors first", le.Problems)
			return
		}
		writeError(w, http.StatusInternalServerError, err.Error(), nil)
		return
	}
	var ex any
	if doc != nil {
		ttl := uint32(60)
		if req.TTL != nil {
			ttl = *req.TTL
		}
		ex, err = x.ExplainDocument(doc, ttl, client, req.Seed)
	} else {
		ex, err = x.Explain(req.Record, qtype, client, req.Seed)
	}
	if err != nil {
		status := http.StatusUnprocessableEntity
		if errors.Is(err, trafficflow.ErrNotServed) {
			status = http.StatusNotFound
		}
		writeError(w, status, err.Error(), nil)
		return
	}
	writeJSON(w, http.StatusOK, ex)
}

// client reads who asks.
func (req *explainRequest) client() (trafficflow.ExplainClient, error) {
	var c trafficflow.ExplainClient
	given := 0
	var err error
	if req.Client != "" {
		given++
		if c.Addr, err = netip.ParseAddr(req.Client); err != nil {
			return c, fmt.Errorf("Client %q is not an IP address", req.Client)
		}
	}
	if req.ECS != "" {
		given++
		if c.ECS, err = netip.ParsePrefix(req.ECS); err != nil {
			return c, fmt.Errorf("ECS %q is not a client subnet such as 2.2.3.0/24", req.ECS)
		}
	}
	if l := req.Location; l != nil {
		given++
		loc := &geo.Location{Continent: strings.ToUpper(l.Continent), Country: strings.ToUpper(l.Country), Subdivision: strings.ToUpper(l.Subdivision)}
		if loc.Continent == "" && loc.Country != "" {
			loc.Continent = policyfile.ContinentOf(loc.Country)
		}
		if (l.Latitude == nil) != (l.Longitude == nil) {
			return c, fmt.Errorf("Location: give both Latitude and Longitude")
		}
		if l.Latitude != nil {
			if *l.Latitude < -90 || *l.Latitude > 90 || *l.Longitude < -180 || *l.Longitude > 180 {
				return c, fmt.Errorf("Location: %v, %v is not a latitude (-90..90) and a longitude (-180..180)", *l.Latitude, *l.Longitude)
			}
			loc.HasCoordinates, loc.Latitude, loc.Longitude = true, *l.Latitude, *l.Longitude
		}
		c.Location = loc
	}
	if given > 1 {
		return c, fmt.Errorf("give one of Client, ECS and Location")
	}
	return c, nil
}

// healthMetric is the series of a health check's state in a server's
// /metrics.
const healthMetric = "coredns_trafficflow_healthcheck_status{"

// liveHealth reads the health states of a running server (--health-from):
// coredns_trafficflow_healthcheck_status{check="ID"} 0|1. Without one,
// it is empty: every check healthy unless forced.
func (s *Server) liveHealth(ctx context.Context) (map[string]bool, error) {
	out := map[string]bool{}
	if s.cfg.HealthFrom == "" {
		return out, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, healthURL(s.cfg.HealthFrom), nil)
	if err != nil {
		return nil, fmt.Errorf("--health-from: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("reading the live health states (--health-from): %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("reading the live health states (--health-from %s): %s", s.cfg.HealthFrom, resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		labels, ok := strings.CutPrefix(sc.Text(), healthMetric)
		if !ok {
			continue
		}
		labels, value, ok := strings.Cut(labels, "} ")
		id, found := checkLabel(labels)
		if !ok || !found {
			continue
		}
		v, err := strconv.ParseFloat(strings.Fields(value)[0], 64)
		if err == nil {
			out[id] = v == 1
		}
	}
	return out, sc.Err()
}

// getHealth: GET /api/health, the live health states of the server that
// --health-from names: {"states": {"ID": true|false}}; 404 without
// --health-from, 502 when the server cannot be read.
func (s *Server) getHealth(w http.ResponseWriter, r *http.Request) {
	if s.cfg.HealthFrom == "" {
		writeError(w, http.StatusNotFound, "no live health states: start the editor with --health-from URL", nil)
		return
	}
	states, err := s.liveHealth(r.Context())
	if err != nil {
		writeError(w, http.StatusBadGateway, err.Error(), nil)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		States map[string]bool `json:"states"`
	}{states})
}

// healthURL asks a /metrics URL for the health states alone: client_golang
// (since v1.24, as in the CoreDNS this repository builds) writes only the
// families a name[] parameter names, so a large store's megabytes of
// per-record series are not encoded and sent; an older server ignores the
// parameter. A URL that names its own families is left as it is.
func healthURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw // the request reports it
	}
	q := u.Query()
	if q.Has("name[]") {
		return raw
	}
	q.Set("name[]", strings.TrimSuffix(healthMetric, "{"))
	u.RawQuery = q.Encode()
	return u.String()
}

// checkLabel finds the check="ID" label among a series' labels.
func checkLabel(labels string) (string, bool) {
	for rest := labels; rest != ""; {
		name, after, ok := strings.Cut(rest, "=\"")
		if !ok {
			return "", false
		}
		// The value ends at the first quote that is not escaped.
		end := 0
		for end < len(after) && after[end] != '"' {
			if after[end] == '\\' {
				end++
			}
			end++
		}
		if end >= len(after) {
			return "", false
		}
		if strings.TrimLeft(name, ", ") == "check" {
			v, err := strconv.Unquote(`"` + after[:end] + `"`)
			return v, err == nil
		}
		rest = after[end+1:]
	}
	return "", false
}
