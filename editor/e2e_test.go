package editor

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
	_ "github.com/coredns/coredns/plugin/bind"
	"github.com/miekg/dns"

	_ "github.com/trafficflow/trafficflow" // the plugin, as cmd/coredns has it
)

// The editor and a CoreDNS server share the store: a version saved
// through the editor's API and bound to a record is answered by the
// server, which picked both files up by itself.
func TestEditorAndServer(t *testing.T) {
	srv, dir := newTestServer(t, Config{GeoIP: geoipTest})
	geoip, _ := filepath.Abs(geoipTest)
	caddy.Quiet, dnsserver.Quiet = true, true
	if err := dnsserver.SetDirectives([]string{"bind", "trafficflow"}); err != nil {
		t.Fatal(err)
	}
	inst, err := caddy.Start(caddy.CaddyfileInput{Filepath: "Corefile", ServerTypeName: "dns", Contents: []byte(fmt.Sprintf(`
example.org:0 {
	bind 127.0.0.1
	trafficflow %s {
		geoip %s
		reload 200ms
	}
}`, dir, geoip))})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { inst.ShutdownCallbacks(); inst.Stop() }()
	addr := inst.Servers()[0].LocalAddr().String()

	doc := strings.ReplaceAll(weightedDoc, "192.0.2.2", "192.0.2.1") // both branches answer 192.0.2.1
	doc = strings.ReplaceAll(doc, "192.0.2.1", "198.51.100.77")
	if status, _, body := call(t, srv, "POST", "/api/policies/e2e/versions", `{"Comment": "end to end", "Document": `+doc+`}`); status != 201 {
		t.Fatalf("saving a version: %d %s", status, body)
	}
	_, h, records := call(t, srv, "GET", "/api/records", nil)
	bound := strings.Replace(string(records), `"PolicyRecords": [`, `"PolicyRecords": [
    { "Name": "e2e.example.org.", "Policy": "e2e", "Version": 1, "TTL": 42 },`, 1)
	if status, _, body := call(t, srv, "PUT", "/api/records", bound, "If-Match: "+h.Get("ETag")); status != http.StatusOK {
		t.Fatalf("binding a record: %d %s", status, body)
	}

	deadline := time.Now().Add(10 * time.Second)
	for {
		m := new(dns.Msg)
		m.SetQuestion("e2e.example.org.", dns.TypeA)
		r, _, err := (&dns.Client{Timeout: time.Second}).Exchange(m, addr)
		if err == nil && r.Rcode == dns.RcodeSuccess && len(r.Answer) == 1 && r.Answer[0].String() == "e2e.example.org.\t42\tIN\tA\t198.51.100.77" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server answers %v, %v; want e2e.example.org. 42 IN A 198.51.100.77", r, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
