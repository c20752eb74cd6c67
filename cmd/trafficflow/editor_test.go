package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEditorUsage(t *testing.T) {
	token := filepath.Join(t.TempDir(), "token")
	os.WriteFile(token, []byte("short\n"), 0o600)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"editor"}, "usage: trafficflow editor"},
		{[]string{"editor", "--listen", "0.0.0.0:8053", exampleStore}, "not a loopback address: give --token FILE"},
		{[]string{"editor", "--listen", "8053", exampleStore}, "is not HOST:PORT"},
		{[]string{"editor", "--token", token, exampleStore}, "use at least 16"},
		{[]string{"editor", "--bias-formula", "square", exampleStore}, "not legacy or linear"},
		{[]string{"editor", "testdata/nowhere"}, "is not a directory"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(c.args, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, stderr.String(), c.want)
		}
	}
}
