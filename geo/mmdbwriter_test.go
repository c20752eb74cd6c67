package geo

import (
	"encoding/binary"
	"fmt"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	maxminddb "github.com/oschwald/maxminddb-golang/v2"
)

// A minimal MaxMind DB writer, for databases the MaxMind test files do not
// cover (IPv4-only, custom types, odd schemas, many records). It follows the
// MaxMind DB format 2.0 spec: a binary search tree with 32-bit records, a
// 16-byte separator, the data section, then the metadata marker and map.
// github.com/maxmind/mmdbwriter is not a dependency of the module.

// mmdbMap is an ordered map value.
type mmdbMap []mmdbKV

type mmdbKV struct {
	key   string
	value any
}

// mmdbUint16, mmdbUint32 and mmdbUint64 select the unsigned integer encodings.
type (
	mmdbUint16 uint16
	mmdbUint32 uint32
	mmdbUint64 uint64
)

// shared is a value written in place once, then referred to by pointer, the
// way real writers deduplicate continent and country maps.
type shared struct {
	value  any
	offset int // -1 until written
}

func share(v any) *shared { return &shared{value: v, offset: -1} }

// mmdbBuilder builds a database in memory.
type mmdbBuilder struct {
	dbType    string
	ipVersion int
	data      []byte
	root      *trieNode
}

// trieChild is a search-tree record: a node, a data offset, or empty.
type trieChild struct {
	node    *trieNode
	data    int
	hasData bool
}

type trieNode struct {
	child [2]trieChild
	index uint32 // position in the written tree
}

func newMMDB(dbType string, ipVersion int) *mmdbBuilder {
	return &mmdbBuilder{dbType: dbType, ipVersion: ipVersion, root: &trieNode{}}
}

// record encodes a top-level data record and returns its offset.
func (b *mmdbBuilder) record(v any) int {
	off := len(b.data)
	b.data = encodeValue(b.data, v)
	return off
}

// insert maps a network (IPv4 or IPv6 CIDR) to the record at offset. A more
// specific network inserted after a containing one takes precedence.
func (b *mmdbBuilder) insert(cidr string, offset int) {
	p := netip.MustParsePrefix(cidr).Masked()
	addr, bits := p.Addr().As16(), p.Bits()
	depth := bits
	if p.Addr().Is4() {
		// IPv4 networks live in ::/96 of an IPv6 tree.
		a4 := p.Addr().As4()
		addr = [16]byte{12: a4[0], 13: a4[1], 14: a4[2], 15: a4[3]}
		depth += 96
	}
	start := 0
	if b.ipVersion == 4 {
		if !p.Addr().Is4() {
			panic("IPv6 network in an IPv4 database")
		}
		start = 96 // the tree of an IPv4 database starts at bit 96
	}
	n := b.root
	for i := start; i < depth; i++ {
		bit := (addr[i/8] >> (7 - i%8)) & 1
		c := &n.child[bit]
		if i == depth-1 {
			*c = trieChild{data: offset, hasData: true}
			return
		}
		if c.node == nil {
			// Push any existing data down both sides so that it still
			// covers the rest of the network.
			next := &trieNode{}
			if c.hasData {
				next.child[0], next.child[1] = *c, *c
			}
			*c = trieChild{node: next}
		}
		n = c.node
	}
}

// bytes returns the database file.
func (b *mmdbBuilder) bytes() []byte {
	nodes := []*trieNode{b.root} // breadth first: the root is node 0
	for i := 0; i < len(nodes); i++ {
		nodes[i].index = uint32(i)
		for _, c := range nodes[i].child {
			if c.node != nil {
				nodes = append(nodes, c.node)
			}
		}
	}
	count := uint32(len(nodes))
	var out []byte
	for _, n := range nodes {
		for _, c := range n.child {
			v := count // empty
			switch {
			case c.node != nil:
				v = c.node.index
			case c.hasData:
				v = count + 16 + uint32(c.data)
			}
			out = binary.BigEndian.AppendUint32(out, v)
		}
	}
	out = append(out, make([]byte, 16)...)
	out = append(out, b.data...)
	out = append(out, "\xAB\xCD\xEFMaxMind.com"...)
	return encodeValue(out, mmdbMap{
		{"binary_format_major_version", mmdbUint16(2)},
		{"binary_format_minor_version", mmdbUint16(0)},
		{"build_epoch", mmdbUint64(1700000000)},
		{"database_type", b.dbType},
		{"description", mmdbMap{{"en", "trafficflow geo test database"}}},
		{"ip_version", mmdbUint16(b.ipVersion)},
		{"languages", []any{"en"}},
		{"node_count", mmdbUint32(count)},
		{"record_size", mmdbUint16(32)},
	})
}

// write writes the database to a file in a test temporary directory.
func (b *mmdbBuilder) write(tb testing.TB) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), b.dbType+".mmdb")
	if err := os.WriteFile(path, b.bytes(), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

// Data-section type numbers.
const (
	typePointer = 1
	typeString  = 2
	typeDouble  = 3
	typeUint16  = 5
	typeUint32  = 6
	typeMap     = 7
	typeUint64  = 9
	typeArray   = 11
	typeBool    = 14
	typeFloat   = 15
)

func encodeValue(buf []byte, v any) []byte {
	switch v := v.(type) {
	case *shared:
		if v.offset >= 0 {
			return encodePointer(buf, v.offset)
		}
		v.offset = len(buf)
		return encodeValue(buf, v.value)
	case string:
		return append(encodeControl(buf, typeString, len(v)), v...)
	case float64:
		return binary.BigEndian.AppendUint64(encodeControl(buf, typeDouble, 8), math.Float64bits(v))
	case float32:
		return binary.BigEndian.AppendUint32(encodeControl(buf, typeFloat, 4), math.Float32bits(v))
	case mmdbUint16:
		return encodeUint(buf, typeUint16, uint64(v))
	case mmdbUint32:
		return encodeUint(buf, typeUint32, uint64(v))
	case mmdbUint64:
		return encodeUint(buf, typeUint64, uint64(v))
	case int:
		return encodeUint(buf, typeUint32, uint64(v))
	case bool:
		size := 0
		if v {
			size = 1
		}
		return encodeControl(buf, typeBool, size)
	case mmdbMap:
		buf = encodeControl(buf, typeMap, len(v))
		for _, kv := range v {
			buf = encodeValue(buf, kv.key)
			buf = encodeValue(buf, kv.value)
		}
		return buf
	case []any:
		buf = encodeControl(buf, typeArray, len(v))
		for _, e := range v {
			buf = encodeValue(buf, e)
		}
		return buf
	default:
		panic(fmt.Sprintf("encodeValue: unsupported %T", v))
	}
}

func encodeUint(buf []byte, typ int, v uint64) []byte {
	var be [8]byte
	binary.BigEndian.PutUint64(be[:], v)
	n := 8
	for n > 0 && be[8-n] == 0 {
		n--
	}
	return append(encodeControl(buf, typ, n), be[8-n:]...)
}

func encodeControl(buf []byte, typ, size int) []byte {
	first := byte(typ << 5)
	var ext []byte
	if typ > 7 {
		first, ext = 0, []byte{byte(typ - 7)}
	}
	switch {
	case size < 29:
		return append(append(buf, first|byte(size)), ext...)
	case size < 29+256:
		return append(append(append(buf, first|29), ext...), byte(size-29))
	case size < 285+65536:
		s := size - 285
		return append(append(append(buf, first|30), ext...), byte(s>>8), byte(s))
	default:
		s := size - 65821
		return append(append(append(buf, first|31), ext...), byte(s>>16), byte(s>>8), byte(s))
	}
}

func encodePointer(buf []byte, p int) []byte {
	switch {
	case p < 1<<11:
		return append(buf, typePointer<<5|byte(p>>8), byte(p))
	case p < 1<<11+1<<19:
		p -= 1 << 11
		return append(buf, typePointer<<5|1<<3|byte(p>>16), byte(p>>8), byte(p))
	case p < 1<<11+1<<19+1<<27:
		p -= 1<<11 + 1<<19
		return append(buf, typePointer<<5|2<<3|byte(p>>24), byte(p>>16), byte(p>>8), byte(p))
	default:
		return binary.BigEndian.AppendUint32(append(buf, typePointer<<5|3<<3), uint32(p))
	}
}

// cityRecord is a GeoIP2-City-like record. Empty fields are left out.
func cityRecord(continent, country any, subdivisions []string, lat, lon any) mmdbMap {
	m := mmdbMap{{"city", mmdbMap{{"geoname_id", 42}, {"names", mmdbMap{{"en", "Somewhere"}, {"de", "Irgendwo"}}}}}}
	if continent != nil {
		m = append(m, mmdbKV{"continent", continent})
	}
	if country != nil {
		m = append(m, mmdbKV{"country", country})
	}
	if lat != nil || lon != nil {
		loc := mmdbMap{{"accuracy_radius", 100}}
		if lat != nil {
			loc = append(loc, mmdbKV{"latitude", lat})
		}
		if lon != nil {
			loc = append(loc, mmdbKV{"longitude", lon})
		}
		m = append(m, mmdbKV{"location", loc})
	}
	if len(subdivisions) > 0 {
		var subs []any
		for _, s := range subdivisions {
			subs = append(subs, mmdbMap{{"geoname_id", 7}, {"iso_code", s}, {"names", mmdbMap{{"en", "Sub " + s}}}})
		}
		m = append(m, mmdbKV{"subdivisions", subs})
	}
	return append(m, mmdbKV{"traits", mmdbMap{{"is_anycast", false}}})
}

func continentMap(code string) mmdbMap {
	return mmdbMap{{"code", code}, {"geoname_id", 6255148}, {"names", mmdbMap{{"en", "Continent " + code}}}}
}

func countryMap(code string) mmdbMap {
	return mmdbMap{{"geoname_id", 2635167}, {"iso_code", code}, {"names", mmdbMap{{"en", "Country " + code}}}}
}

// The writer's output must satisfy maxminddb's own strict verifier, or the
// tests built on it would prove nothing.
func TestWriterOutputVerifies(t *testing.T) {
	for _, ipVersion := range []int{4, 6} {
		b := newMMDB("Writer-Check", ipVersion)
		gb := share(countryMap("GB"))
		b.insert("2.2.3.0/24", b.record(cityRecord(continentMap("EU"), gb, []string{"ENG", "WBK"}, 51.75, -1.25)))
		b.insert("2.2.3.128/25", b.record(cityRecord(nil, gb, nil, float32(1), float32(2))))
		b.insert("81.2.69.142/31", b.record(mmdbMap{{"country", gb}, {"n", mmdbUint64(1 << 40)}, {"b", true}, {"long", strings.Repeat("x", 70000)}}))
		if ipVersion == 6 {
			b.insert("2001:218::/32", b.record(mmdbMap{{"country", countryMap("JP")}}))
		}
		r, err := maxminddb.OpenBytes(b.bytes())
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Verify(); err != nil {
			t.Errorf("ip_version %d: Verify: %v", ipVersion, err)
		}
		var rec struct {
			Country struct {
				ISOCode string `maxminddb:"iso_code"`
			} `maxminddb:"country"`
			N    uint64 `maxminddb:"n"`
			B    bool   `maxminddb:"b"`
			Long string `maxminddb:"long"`
		}
		if err := r.Lookup(netip.MustParseAddr("81.2.69.143")).Decode(&rec); err != nil {
			t.Fatal(err)
		}
		if rec.Country.ISOCode != "GB" || rec.N != 1<<40 || !rec.B || len(rec.Long) != 70000 {
			t.Errorf("ip_version %d: decoded %+v", ipVersion, rec.Country)
		}
	}
}
