// Package jsontree parses JSON and YAML files into one ordered tree of
// values, for a reader that must report problems precisely: objects keep
// their members in file order and keep duplicate keys (so that they can be
// reported), numbers keep their literal text, and every value can be
// located by a Path. JSON and YAML parse to the same tree, so a reader
// does not care which syntax a file used.
package jsontree

import "strconv"

// Kind is the JSON type of a value.
type Kind uint8

// The JSON types. YAML values map to them with YAML 1.2 meaning (see
// Parse).
const (
	Null Kind = iota
	Bool
	Number
	String
	Object
	Array
)

// String names the kind for messages, with its article: "a string", "an
// object", "null".
func (k Kind) String() string {
	switch k {
	case Null:
		return "null"
	case Bool:
		return "a boolean"
	case Number:
		return "a number"
	case String:
		return "a string"
	case Object:
		return "an object"
	case Array:
		return "an array"
	}
	return "?"
}

// Node is one value of a parsed JSON or YAML file. Unlike encoding/json it
// keeps object members in order, keeps duplicate keys (so they can be
// reported) and keeps the literal text of numbers.
type Node struct {
	Kind Kind
	// Text is the value of a String, or the literal text of a Number (as
	// written in JSON; YAML numbers are rewritten in JSON syntax).
	Text string
	// Bool is the value of a Bool.
	Bool bool
	// Members are the members of an Object, in file order, duplicates
	// included.
	Members []Member
	// Elems are the elements of an Array.
	Elems []*Node
}

// Member is one key and value of an object.
type Member struct {
	Key   string
	Value *Node
}

// Get returns the value of the first member named key, or nil when there
// is none or its value is null (a null field is an absent one).
func (n *Node) Get(key string) *Node {
	if n == nil || n.Kind != Object {
		return nil
	}
	for _, m := range n.Members {
		if m.Key == key {
			if m.Value.Kind == Null {
				return nil
			}
			return m.Value
		}
	}
	return nil
}

// Has reports whether the object has a non-null member named key.
func (n *Node) Has(key string) bool { return n.Get(key) != nil }

// Describe renders a scalar for messages: strings quoted, numbers as
// written, and the kind of an object or array.
func (n *Node) Describe() string {
	switch n.Kind {
	case String:
		return strconv.Quote(n.Text)
	case Number:
		return n.Text
	case Bool:
		return strconv.FormatBool(n.Bool)
	case Null:
		return "null"
	}
	return n.Kind.String()
}

// JSONSize returns the length in characters (Unicode code points) of n
// written as compact JSON: no insignificant white space, and strings
// escaped minimally (\" \\ \b \f \n \r \t, other control characters as
// \u00XX). A YAML value, or JSON written with white space, measures as its
// compact JSON text.
func (n *Node) JSONSize() int {
	switch n.Kind {
	case Null:
		return len("null")
	case Bool:
		if n.Bool {
			return len("true")
		}
		return len("false")
	case Number:
		return len(n.Text) // ASCII
	case String:
		return quotedSize(n.Text)
	case Object:
		size := 2 + max(len(n.Members)-1, 0) // {} and commas
		for _, m := range n.Members {
			size += quotedSize(m.Key) + 1 + m.Value.JSONSize()
		}
		return size
	case Array:
		size := 2 + max(len(n.Elems)-1, 0) // [] and commas
		for _, e := range n.Elems {
			size += e.JSONSize()
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
