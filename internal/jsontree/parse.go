package jsontree

import "fmt"

// Parse parses a JSON file, or a YAML file when yaml is set, into a tree.
// JSON is exactly RFC 8259 JSON (plus a leading UTF-8 byte order mark).
// YAML values keep YAML 1.2 meaning: NO and yes are strings, and an
// unquoted 2015-10-01 is the string "2015-10-01"; a YAML file must hold
// exactly one document. Objects keep duplicate keys. The error of a file
// that does not parse says where, as in "line 3, column 5: syntax error:
// ...".
func Parse(data []byte, yaml bool) (*Node, error) {
	if yaml {
		return parseYAML(data)
	}
	return parseJSON(data)
}

// maxDepth bounds the nesting of parsed files; real documents nest a few
// levels deep.
const maxDepth = 128

// syntaxError is a JSON or YAML syntax error at a position in the file.
type syntaxError struct {
	line, col int
	msg       string
}

func (e *syntaxError) Error() string {
	if e.line == 0 {
		return "syntax error: " + e.msg
	}
	if e.col == 0 {
		return fmt.Sprintf("line %d: syntax error: %s", e.line, e.msg)
	}
	return fmt.Sprintf("line %d, column %d: syntax error: %s", e.line, e.col, e.msg)
}
