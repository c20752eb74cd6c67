package editor

import (
	"bytes"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// exampleStore is the example store, which tests copy before they write.
const exampleStore = "../examples/store"

// geoipTest is MaxMind's test database (2.2.3.0/24 is in GB).
const geoipTest = "../testdata/geoip/GeoIP2-City-Test.mmdb"

// copyStore copies the example store into a temporary directory.
func copyStore(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "store")
	if err := os.CopyFS(dir, os.DirFS(exampleStore)); err != nil {
		t.Fatal(err)
	}
	return dir
}

// newTestServer serves an editor for cfg (Dir defaulting to a copy of the
// example store).
func newTestServer(t testing.TB, cfg Config) (*httptest.Server, string) {
	t.Helper()
	if cfg.Dir == "" {
		cfg.Dir = copyStore(t)
	}
	ed, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(ed)
	t.Cleanup(srv.Close)
	return srv, cfg.Dir
}

// call makes an API call with a JSON body (a string, or a value to
// marshal), as the editor's page does, with extra headers as "Name:
// value" strings; it returns the status, the headers and the body.
func call(t testing.TB, srv *httptest.Server, method, path string, body any, headers ...string) (int, http.Header, []byte) {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, srv.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ": ")
		if name == "Host" {
			req.Host = value
		}
		req.Header.Set(name, value)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, data
}

// decode unmarshals a response body.
func decode[T any](t testing.TB, data []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%v in %s", err, data)
	}
	return v
}

// snapshotDir returns every file under dir with its content.
func snapshotDir(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// unchanged fails the test if dir's files differ from before.
func unchanged(t testing.TB, dir string, before map[string]string) {
	t.Helper()
	after := snapshotDir(t, dir)
	for name, data := range after {
		if before[name] != data {
			t.Errorf("%s changed or appeared", name)
		}
	}
	for name := range before {
		if _, ok := after[name]; !ok {
			t.Errorf("%s disappeared", name)
		}
	}
}
