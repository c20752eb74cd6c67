package policyfile

import (
	"strconv"
	"strings"
)

// kind is the JSON type of a node.
type kind uint8

const (
	kNull kind = iota
	kBool
	kNumber
	kString
	kObject
	kArray
)

func (k kind) String() string {
	switch k {
	case kNull:
		return "null"
	case kBool:
		return "a boolean"
	case kNumber:
		return "a number"
	case kString:
		return "a string"
	case kObject:
		return "an object"
	case kArray:
		return "an array"
	}
	return "?"
}

// node is one value of a parsed JSON or YAML file. Unlike encoding/json it
// keeps object members in order, keeps duplicate keys (so they can be
// reported), keeps the literal text of numbers and knows where it came from.
type node struct {
	kind    kind
	str     string // string value, or the literal text of a number
	boolean bool
	members []member // kObject
	elems   []*node  // kArray
	line    int
	// start and end are byte offsets of the value in the source text (JSON
	// only), used to measure embedded documents.
	start, end int
}

type member struct {
	key string
	val *node
}

// get returns the value of the first member named key, or nil.
func (n *node) get(key string) *node {
	if n == nil || n.kind != kObject {
		return nil
	}
	for _, m := range n.members {
		if m.key == key {
			return m.val
		}
	}
	return nil
}

// has reports whether the object has a member named key.
func (n *node) has(key string) bool { return n.get(key) != nil }

// describe renders a scalar for messages: strings quoted, numbers as written.
func (n *node) describe() string {
	switch n.kind {
	case kString:
		return strconv.Quote(n.str)
	case kNumber:
		return n.str
	case kBool:
		return strconv.FormatBool(n.boolean)
	case kNull:
		return "null"
	}
	return n.kind.String()
}

// jpath is a JSON path, built as a linked list while descending so that it
// costs nothing until a problem is reported.
type jpath struct {
	parent *jpath
	key    string
	index  int // -1 for a key step
}

// root is the empty path.
var root *jpath

func (p *jpath) k(key string) *jpath { return &jpath{parent: p, key: key, index: -1} }
func (p *jpath) i(index int) *jpath  { return &jpath{parent: p, index: index} }

// String renders the path as in Rules.split.Items[1].Weight.
func (p *jpath) String() string {
	var b strings.Builder
	p.write(&b)
	return b.String()
}

// concat returns q's steps appended to p.
func (p *jpath) concat(q *jpath) *jpath { return q.rebase(p) }

// rebase returns q's steps appended to base.
func (p *jpath) rebase(base *jpath) *jpath {
	if p == nil {
		return base
	}
	parent := p.parent.rebase(base)
	return &jpath{parent: parent, key: p.key, index: p.index}
}

func (p *jpath) write(b *strings.Builder) {
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
