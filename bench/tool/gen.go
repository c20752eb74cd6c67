package main

import (
	"bufio"
	"encoding/binary"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"

	"github.com/miekg/dns"
)

// udpSize is the EDNS0 buffer size every query advertises (the DNS Flag
// Day 2020 value public resolvers use).
const udpSize = 1232

// gen writes everything a benchmark run needs into -out.
func gen(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ExitOnError)
	geoip := fs.String("geoip", "", "GeoIP2/GeoLite2 City database the ECS clients are drawn from")
	out := fs.String("out", "", "output directory")
	port := fs.Int("port", 0, "port of the benchmark server (its health checks probe it)")
	per4 := fs.Int("per-country", 40, "IPv4 networks drawn per country")
	per6 := fs.Int("per-country6", 10, "IPv6 networks drawn per country")
	ecsQueries := fs.Int("ecs-queries", 100000, "queries in each ECS query file")
	seed := fs.Uint64("seed", 1, "random seed")
	fs.Parse(args)
	if *geoip == "" || *out == "" || *port == 0 {
		return fmt.Errorf("gen: -geoip, -out and -port are required")
	}
	rng := rand.New(rand.NewPCG(*seed, 0x7f))

	clients, err := sampleClients(*geoip, *per4, *per6, rng)
	if err != nil {
		return fmt.Errorf("sampling clients from %s: %w", *geoip, err)
	}
	sortClients(clients)
	nc, v6 := countries(clients)
	fmt.Printf("ECS clients: %d subnets (%d IPv6) in %d countries, from %s\n", len(clients), v6, nc, *geoip)

	if err := os.RemoveAll(filepath.Join(*out, "store")); err != nil {
		return err
	}
	if err := writeStore(filepath.Join(*out, "store"), *port); err != nil {
		return err
	}
	if err := writeZones(*out); err != nil {
		return err
	}
	if err := writeClients(filepath.Join(*out, "clients.txt"), clients); err != nil {
		return err
	}
	qdir := filepath.Join(*out, "queries")
	if err := os.MkdirAll(qdir, 0o755); err != nil {
		return err
	}
	for _, c := range cases {
		var names []string
		switch c.Name {
		case "file", "file-ecs":
			names = []string{staticName}
		case "file-8":
			names = []string{static8Name}
		case "many", "file-many":
			name := manyName
			if c.Name == "file-many" {
				name = fileManyName
			}
			for i := range manyRecords {
				names = append(names, name(i))
			}
			rng.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
		case "consistent":
			names = []string{"weighted." + consistentZone}
		default:
			names = []string{c.Name + "." + zone}
		}
		// Single-name files still hold many queries, so that check sees
		// the spread of random answers (weighted, multivalue).
		n := max(len(names), 1000)
		var ecs []client
		if c.ECS {
			n = *ecsQueries
			ecs = clients
		}
		if err := writeQueries(filepath.Join(qdir, c.Name+".bin"), names, ecs, n, rng); err != nil {
			return err
		}
	}
	// The case list, in order, for run.sh.
	f, err := os.Create(filepath.Join(*out, "cases.txt"))
	if err != nil {
		return err
	}
	for _, c := range cases {
		fmt.Fprintln(f, c.Name)
	}
	return f.Close()
}

// writeQueries writes n A queries for names (in turn) to path in dnsperf's
// -B format: each DNS message preceded by its length in two bytes (RFC 1035
// §4.2.2); dnsperf overwrites the ID. Every query has an EDNS0 OPT record;
// when clients is not empty, it also has an ECS option for a client drawn at
// random, so that one dnsperf process sends ECS from every client.
func writeQueries(path string, names []string, clients []client, n int, rng *rand.Rand) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	var buf []byte
	for i := range n {
		m := new(dns.Msg)
		m.SetQuestion(names[i%len(names)], dns.TypeA)
		m.RecursionDesired = false
		m.SetEdns0(udpSize, false)
		if len(clients) > 0 {
			c := clients[rng.IntN(len(clients))]
			e := &dns.EDNS0_SUBNET{Code: dns.EDNS0SUBNET, SourceNetmask: uint8(c.Prefix.Bits())}
			if a := c.Prefix.Addr(); a.Is4() {
				e.Family, e.Address = 1, net.IP(a.AsSlice())
			} else {
				e.Family, e.Address = 2, net.IP(a.AsSlice())
			}
			opt := m.IsEdns0()
			opt.Option = append(opt.Option, e)
		}
		buf, err = m.PackBuffer(buf)
		if err != nil {
			f.Close()
			return err
		}
		var l [2]byte
		binary.BigEndian.PutUint16(l[:], uint16(len(buf)))
		w.Write(l[:])
		w.Write(buf)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
