package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	clog "github.com/coredns/coredns/plugin/pkg/log"

	"github.com/trafficflow/trafficflow/editor"
)

func init() {
	commands["editor"] = command{
		usage: "editor [--listen 127.0.0.1:8053] [--token FILE] [--health-from URL]\n" +
			"        [--geoip FILE] [--latency-table FILE] [--bias-formula legacy|linear] [--missing-healthcheck MODE] DIR\n" +
			"        a web editor for the store in DIR: browse, draw, edit and save versions, bind records, simulate, map",
		run: editorCmd,
	}
}

const editorUsage = "usage: trafficflow editor [flags] DIR"

func editorCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("editor", editorUsage, stderr)
	var d directiveFlags
	d.register(fs)
	listen := fs.String("listen", "127.0.0.1:8053", "the address to serve on; anything but loopback needs --token")
	tokenFile := fs.String("token", "", "a file holding the bearer token every API call must carry")
	healthFrom := fs.String("health-from", "", "a running server's Prometheus endpoint (http://127.0.0.1:9153/metrics): its health states for simulations")
	pos, ok := parseArgs(fs, args, 1)
	if !ok {
		return 2
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "trafficflow editor: "+format+"\n", a...)
		return 2
	}
	missing, err := missingMode(d.missing)
	if err != nil {
		return fail("%v", err)
	}
	cfg := editor.Config{Dir: pos[0], GeoIP: d.geoip, LatencyTable: d.latency, BiasFormula: d.bias,
		MissingHealthCheck: missing, HealthFrom: *healthFrom}
	if *tokenFile != "" {
		data, err := os.ReadFile(*tokenFile)
		if err != nil {
			return fail("--token: %v", err)
		}
		if cfg.Token = strings.TrimSpace(string(data)); len(cfg.Token) < 16 {
			return fail("--token: %s holds a token of %d characters; use at least 16 random ones", *tokenFile, len(cfg.Token))
		}
	}
	if fi, err := os.Stat(cfg.Dir); err != nil || !fi.IsDir() {
		return fail("%s is not a directory", cfg.Dir)
	}
	host, _, err := net.SplitHostPort(*listen)
	if err != nil {
		return fail("--listen %q is not HOST:PORT", *listen)
	}
	if ip := net.ParseIP(host); (ip == nil || !ip.IsLoopback()) && host != "localhost" && cfg.Token == "" {
		return fail("--listen %s is not a loopback address: give --token FILE, so that only those who have the token can change the store", *listen)
	}
	clog.Discard() // simulations load the store; their problems are the API's answers
	ed, err := editor.New(cfg)
	if err != nil {
		return fail("%v", err)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "trafficflow editor: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "trafficflow editor: the store %s at http://%s/\n", cfg.Dir, ln.Addr())
	srv := &http.Server{Handler: ed, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: time.Minute}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "trafficflow editor: %v\n", err)
		return 1
	}
	return 0
}
