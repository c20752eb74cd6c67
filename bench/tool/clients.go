package main

import (
	"bufio"
	"cmp"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"slices"

	maxminddb "github.com/oschwald/maxminddb-golang/v2"

	"github.com/trafficflow/trafficflow/geo"
)

// client is one ECS client subnet and the country the GeoIP database puts
// it in.
type client struct {
	Prefix  netip.Prefix
	Country string
}

// The source prefix lengths of the ECS options, as public resolvers send
// them (RFC 7871 §11.1 recommends /24 and /56), or the database network's
// own length when that is longer, so that the subnet stays inside it.
const (
	ecsBits4 = 24
	ecsBits6 = 56
)

// sampleClients walks every network of the GeoIP database at path and
// draws, for every country, up to per4 IPv4 and per6 IPv6 networks
// (reservoir sampling), then one ECS subnet inside each. Each subnet is then
// looked up with trafficflow's geo package, which must open the database and
// put the subnet in the same country; subnets where it does not are dropped.
func sampleClients(path string, per4, per6 int, rng *rand.Rand) ([]client, error) {
	r, err := maxminddb.Open(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()

	type reservoir struct {
		seen int
		nets []netip.Prefix
	}
	pools := map[string]*[2]reservoir{} // country -> [IPv4, IPv6]
	countryOf := map[uintptr]string{}   // data-record offset -> country
	var rec struct {
		Country struct {
			ISOCode string `maxminddb:"iso_code"`
		} `maxminddb:"country"`
	}
	for res := range r.Networks() {
		if err := res.Err(); err != nil {
			return nil, err
		}
		off := res.Offset()
		country, ok := countryOf[off]
		if !ok {
			rec.Country.ISOCode = ""
			if err := res.Decode(&rec); err != nil {
				return nil, fmt.Errorf("%s: %w", res.Prefix(), err)
			}
			country = rec.Country.ISOCode
			countryOf[off] = country
		}
		if country == "" {
			continue
		}
		p := res.Prefix()
		fam, limit := 0, per4
		if p.Addr().Is6() {
			fam, limit = 1, per6
		}
		pool := pools[country]
		if pool == nil {
			pool = new([2]reservoir)
			pools[country] = pool
		}
		rs := &pool[fam]
		rs.seen++
		if len(rs.nets) < limit {
			rs.nets = append(rs.nets, p)
		} else if j := rng.IntN(rs.seen); j < limit {
			rs.nets[j] = p
		}
	}

	db, err := geo.Open(path)
	if err != nil {
		return nil, fmt.Errorf("trafficflow's geo package cannot open it: %w", err)
	}
	defer db.Close()
	countries := make([]string, 0, len(pools))
	for c := range pools {
		countries = append(countries, c)
	}
	slices.Sort(countries)
	var clients []client
	dropped := 0
	for _, country := range countries {
		for _, rs := range pools[country] {
			for _, p := range rs.nets {
				sub := subnetIn(p, rng)
				if loc, _ := db.Lookup(sub.Addr()); loc.Country != country {
					dropped++
					continue
				}
				clients = append(clients, client{sub, country})
			}
		}
	}
	if len(clients) == 0 {
		return nil, fmt.Errorf("no client subnet with a country in %s", path)
	}
	if dropped > 0 {
		fmt.Fprintf(os.Stderr, "benchtool: dropped %d sampled subnets that geo.Lookup puts elsewhere\n", dropped)
	}
	return clients, nil
}

// subnetIn returns a random ECS subnet inside network p.
func subnetIn(p netip.Prefix, rng *rand.Rand) netip.Prefix {
	bits := ecsBits4
	if p.Addr().Is6() {
		bits = ecsBits6
	}
	bits = max(bits, p.Bits())
	a := p.Addr().As16()
	off := 0
	if p.Addr().Is4() {
		off = 96
	}
	// Randomise the bits between the network's prefix and the subnet's.
	for i := p.Bits(); i < bits; i++ {
		bit := off + i
		mask := byte(0x80) >> (bit % 8)
		if rng.IntN(2) == 1 {
			a[bit/8] |= mask
		} else {
			a[bit/8] &^= mask
		}
	}
	addr := netip.AddrFrom16(a)
	if p.Addr().Is4() {
		addr = addr.Unmap()
	}
	sub, _ := addr.Prefix(bits)
	return sub
}

// writeClients writes the client list (subnet, country), and a count of
// subnets per country, to path.
func writeClients(path string, clients []client) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for _, c := range clients {
		fmt.Fprintf(w, "%s %s\n", c.Prefix, c.Country)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// countries returns the number of distinct countries and IPv6 subnets of
// clients.
func countries(clients []client) (int, int) {
	seen := map[string]bool{}
	v6 := 0
	for _, c := range clients {
		seen[c.Country] = true
		if c.Prefix.Addr().Is6() {
			v6++
		}
	}
	return len(seen), v6
}

// sortClients orders clients by country, then subnet.
func sortClients(clients []client) {
	slices.SortFunc(clients, func(a, b client) int {
		return cmp.Or(cmp.Compare(a.Country, b.Country), a.Prefix.Addr().Compare(b.Prefix.Addr()))
	})
}
