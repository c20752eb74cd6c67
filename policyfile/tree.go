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
// reported) and keeps the literal text of numbers.
type node struct {
	kind    kind
	str     string // string value, or the literal text of a number
	boolean bool
	members []member // kObject
	elems   []*node  // kArray
}

type member struct {
	key string
	val *node
}

// get returns the value of the first member named key, or nil when there
// is none or its value is null (a null field is an absent one).
func (n *node) get(key string) *node {
	if n == nil || n.kind != kObject {
		return nil
	}
	for _, m := range n.members {
		if m.key == key {
			if m.val.kind == kNull {
				return nil
			}
			return m.val
		}
	}
	return nil
}

// has reports whether the object has a non-null member named key.
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

// jsonSize returns the length in characters (Unicode code points) of n
// written as compact JSON: no insignificant white space, and strings
// escaped minimally (\" \\ \b \f \n \r \t, other control characters as
// \u00XX). Route 53 limits the document string, so this is how a document
// given as an object, in JSON or YAML, is measured.
func jsonSize(n *node) int {
	switch n.kind {
	case kNull:
		return len("null")
	case kBool:
		if n.boolean {
			return len("true")
		}
		return len("false")
	case kNumber:
		return len(n.str) // ASCII
	case kString:
		return quotedSize(n.str)
	case kObject:
		size := 2 + max(len(n.members)-1, 0) // {} and commas
		for _, m := range n.members {
			size += quotedSize(m.key) + 1 + jsonSize(m.val)
		}
		return size
	case kArray:
		size := 2 + max(len(n.elems)-1, 0) // [] and commas
		for _, e := range n.elems {
			size += jsonSize(e)
		}
		return size
	}
	return 0
}

// quotedSize returns the length in characters of s as a JSON string.
func quotedSize(s string) int {
	size := 2
	for _, r := range s {
		switch {
		case r == '"', r == '\\', r == '\b', r == '\f', r == '\n', r == '\r', r == '\t':
			size += 2
		case r < 0x20:
			size += 6
		default:
			size++
		}
	}
	return size
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

// concat returns p's steps followed by q's.
func (p *jpath) concat(q *jpath) *jpath {
	if q == nil {
		return p
	}
	return &jpath{parent: p.concat(q.parent), key: q.key, index: q.index}
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
