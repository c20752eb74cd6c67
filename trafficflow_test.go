package trafficflow

import (
	"net"
	"strconv"
	"testing"
	"time"
)

// The plugin is ready once its store has loaded and every health check its
// records use has a first result: not before OnStartup, and at once for a
// store without checks.
func TestReady(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	files := map[string]string{
		"policies/web/1.json": switchPolicy("192.0.2.1", "192.0.2.2"),
		"healthchecks.json": `{"HealthChecks":[
			{"Id":"hp","HealthCheckConfig":{"Type":"TCP","IPAddress":"127.0.0.1","Port":` + strconv.Itoa(port) + `,"RequestInterval":300}},
			{"Id":"hs","HealthCheckConfig":{"Type":"TCP","IPAddress":"127.0.0.1","Port":` + strconv.Itoa(port) + `,"RequestInterval":300}},
			{"Id":"unused","HealthCheckConfig":{"Type":"TCP","IPAddress":"127.0.0.1","Port":9,"RequestInterval":300}}]}`,
		"records.json": `{"PolicyRecords":[{"Name":"www.example.org","Policy":"web","Version":1,"TTL":60}]}`,
	}
	tf := newPlugin(t, pluginOpts{files: files})
	if tf.Ready() {
		t.Error("ready before OnStartup")
	}
	if err := tf.loader.start(); err != nil {
		t.Fatal(err)
	}
	pollUntil(t, 5*time.Second, func() (bool, string) {
		return tf.Ready(), "not ready although both checks in use can be probed"
	})

	plain := newPlugin(t, pluginOpts{files: map[string]string{
		"policies/web/1.json": valuePolicy("A", "192.0.2.1"),
		"records.json":        `{"PolicyRecords":[{"Name":"www.example.org","Policy":"web","Version":1,"TTL":60}]}`,
	}, start: true})
	if !plain.Ready() {
		t.Error("a store without health checks: not ready after OnStartup")
	}
	if (&TrafficFlow{}).Ready() {
		t.Error("ready without a store")
	}
}
