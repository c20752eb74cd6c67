package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// query packs a query for name (type A, EDNS0 with a UDP size of 1232 as
// resolvers send, RD clear) with ID 0.
func query(name string) []byte {
	m := new(dns.Msg)
	m.SetQuestion(name, dns.TypeA)
	m.RecursionDesired = false
	m.SetEdns0(1232, false)
	m.Id = 0
	b, err := m.Pack()
	if err != nil {
		panic(err)
	}
	return b
}

// loadStats is what a load run saw, per target.
type loadStats struct {
	duration time.Duration
	rate     float64
	sent     [nTargets]int64
	answered [nTargets]int64
	lost     [nTargets]int64 // no reply within the timeout
	late     int64           // replies after their query was counted lost, or unknown
	rtts     []time.Duration // sorted
	drops    udpDrops
}

func (l *loadStats) total(v [nTargets]int64) int64 {
	var n int64
	for _, x := range v {
		n += x
	}
	return n
}

// lossTimeout is how long a query waits for its reply before it counts as
// lost.
const lossTimeout = 2 * time.Second

// runLoad sends rate queries a second for d over conns UDP sockets, to the
// targets in turn, and hands every reply to check. A reply is matched to its
// query by the socket and the message ID (IDs wrap after 65,536 queries a
// socket, many seconds at these rates).
func runLoad(server string, targets []target, rate float64, d time.Duration, conns int, check func(answer)) (*loadStats, error) {
	st := &loadStats{duration: d, rate: rate}
	queries := make([][]byte, nTargets)
	for _, t := range targets {
		queries[t] = query(t.String())
	}
	type sock struct {
		c *net.UDPConn
		// slots[id] is the query in flight with that ID: its send time
		// (ns since base) << 8 | target+1; 0 when none.
		slots []atomic.Uint64
	}
	base := time.Now()
	socks := make([]*sock, conns)
	var ports []int
	for i := range socks {
		c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(netip.MustParseAddrPort(server)))
		if err != nil {
			return nil, err
		}
		c.SetReadBuffer(4 << 20)
		socks[i] = &sock{c: c, slots: make([]atomic.Uint64, 65536)}
		ports = append(ports, c.LocalAddr().(*net.UDPAddr).Port)
	}
	serverPort := int(netip.MustParseAddrPort(server).Port())
	before := readUDPDrops()

	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, s := range socks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 4096)
			var rtts []time.Duration
			defer func() { mu.Lock(); st.rtts = append(st.rtts, rtts...); mu.Unlock() }()
			for {
				n, err := s.c.Read(buf)
				if err != nil {
					return
				}
				recv := time.Now()
				if n < 12 {
					continue
				}
				v := s.slots[binary.BigEndian.Uint16(buf)].Swap(0)
				if v == 0 {
					atomic.AddInt64(&st.late, 1)
					continue
				}
				t := target(v&0xff - 1)
				sent := base.Add(time.Duration(v >> 8))
				rtts = append(rtts, recv.Sub(sent))
				atomic.AddInt64(&st.answered[t], 1)
				a := answer{target: t, sent: sent, recv: recv, rcode: -1}
				m := new(dns.Msg)
				if err := m.Unpack(buf[:n]); err == nil {
					a.rcode = m.Rcode
					for _, rr := range m.Answer {
						if r, ok := rr.(*dns.A); ok {
							addr, _ := netip.AddrFromSlice(r.A)
							a.addrs = append(a.addrs, addr.Unmap())
							a.ttls = append(a.ttls, r.Hdr.Ttl)
						}
					}
				}
				check(a)
			}
		}()
	}

	// Send: catch up with rate × elapsed every millisecond.
	var ids = make([]uint16, conns)
	var sent int64
	start := time.Now()
	for {
		elapsed := time.Since(start)
		if elapsed >= d {
			break
		}
		for due := int64(rate * elapsed.Seconds()); sent < due; sent++ {
			i := int(sent) % conns
			s := socks[i]
			t := targets[int(sent/int64(conns))%len(targets)]
			ids[i]++
			id := ids[i]
			q := queries[t]
			binary.BigEndian.PutUint16(q, id)
			if old := s.slots[id].Swap(uint64(time.Since(base))<<8 | uint64(t+1)); old != 0 {
				st.lost[target(old&0xff-1)]++ // its ID came round again: long lost
			}
			st.sent[t]++
			if _, err := s.c.Write(q); err != nil {
				return nil, err
			}
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(lossTimeout)
	for _, s := range socks {
		s.c.Close()
	}
	wg.Wait()
	for _, s := range socks {
		for i := range s.slots {
			if v := s.slots[i].Load(); v != 0 {
				st.lost[target(v&0xff-1)]++
			}
		}
	}
	after := readUDPDrops()
	st.drops = udpDrops{server: after.since(before, serverPort), client: after.since(before, ports...)}
	slices.Sort(st.rtts)
	return st, nil
}

// udpDrops are the datagrams the kernel dropped because a socket's receive
// buffer was full: the server's sockets (a query the server never read)
// and the load generator's (a reply the soak never read).
type udpDrops struct{ server, client int64 }

// udpTable maps the IPv4 UDP sockets (inode) to their local port and drop
// count, from /proc/net/udp.
type udpTable map[string][2]int64

func readUDPDrops() udpTable {
	t := udpTable{}
	b, err := os.ReadFile("/proc/net/udp")
	if err != nil {
		return t
	}
	for _, line := range bytes.Split(b, []byte("\n"))[1:] {
		f := strings.Fields(string(line))
		if len(f) < 13 {
			continue
		}
		_, port, _ := strings.Cut(f[1], ":")
		p, _ := strconv.ParseInt(port, 16, 32)
		drops, _ := strconv.ParseInt(f[12], 10, 64)
		t[f[9]] = [2]int64{p, drops}
	}
	return t
}

// since sums the drops since before of the sockets on the given ports.
func (t udpTable) since(before udpTable, ports ...int) int64 {
	var n int64
	for inode, v := range t {
		if slices.Contains(ports, int(v[0])) {
			n += v[1] - before[inode][1]
		}
	}
	return n
}

// maxQPS measures the server's throughput briefly with dnsperf, pinned to
// CPU 1 as bench/run.sh runs it, over the targets in turn (dnsperf's -B
// input: each query with its length in two bytes).
func maxQPS(server string, targets []target, d time.Duration, inputPath, outPath string) (float64, error) {
	var in bytes.Buffer
	for _, t := range targets {
		q := query(t.String())
		binary.Write(&in, binary.BigEndian, uint16(len(q)))
		in.Write(q)
	}
	if err := os.WriteFile(inputPath, in.Bytes(), 0o644); err != nil {
		return 0, err
	}
	ap := netip.MustParseAddrPort(server)
	out, err := exec.Command("taskset", "-c", "1", "dnsperf", "-B", "-d", inputPath, "-s", ap.Addr().String(),
		"-p", strconv.Itoa(int(ap.Port())), "-l", strconv.Itoa(int(d.Seconds())), "-c", "8", "-q", "256", "-t", "2").CombinedOutput()
	os.WriteFile(outPath, out, 0o644)
	if err != nil {
		return 0, fmt.Errorf("dnsperf: %v: %s", err, out)
	}
	m := regexp.MustCompile(`Queries per second:\s+([\d.]+)`).FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("dnsperf printed no QPS: %s", out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}
