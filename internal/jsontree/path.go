package jsontree

import (
	"strconv"
	"strings"
)

// Path is the JSON path of a value in a file, such as
// Rules.split.Items[1].Weight. It is built as a linked list while
// descending, so that it costs nothing until a problem is reported. The nil
// *Path is the empty path: the file's top-level value.
type Path struct {
	parent *Path
	key    string
	index  int // -1 for a key step
}

// Key returns the path of member key of the object at p.
func (p *Path) Key(key string) *Path { return &Path{parent: p, key: key, index: -1} }

// Index returns the path of element index of the array at p.
func (p *Path) Index(index int) *Path { return &Path{parent: p, index: index} }

// Parent returns the path of the object or array that holds the value at
// p (nil, the empty path, for a top-level member).
func (p *Path) Parent() *Path { return p.parent }

// String renders the path as in Rules.split.Items[1].Weight; keys that are
// not plain words are quoted, as in Rules["a b"].
func (p *Path) String() string {
	var b strings.Builder
	p.write(&b)
	return b.String()
}

// Concat returns p's steps followed by q's: q is relative to the value at
// p.
func (p *Path) Concat(q *Path) *Path {
	if q == nil {
		return p
	}
	return &Path{parent: p.Concat(q.parent), key: q.key, index: q.index}
}

func (p *Path) write(b *strings.Builder) {
	if p == nil {
		return
	}
	p.parent.write(b)
	if p.index >= 0 {
		b.WriteByte('[')
		b.WriteString(strconv.Itoa(p.index))
		b.WriteByte(']')
		return
	}
	if plainKey(p.key) {
		if p.parent != nil {
			b.WriteByte('.')
		}
		b.WriteString(p.key)
		return
	}
	b.WriteByte('[')
	b.WriteString(strconv.Quote(p.key))
	b.WriteByte(']')
}

// plainKey reports whether a key can be written as .key in a path.
func plainKey(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-':
		default:
			return false
		}
	}
	return true
}
