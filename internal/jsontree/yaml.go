package jsontree

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// maxYAMLNodes bounds alias expansion ("billion laughs") in YAML files.
const maxYAMLNodes = 1 << 20

// parseYAML parses a YAML file into the same tree as parseJSON, so that a
// reader does not care which syntax a file used. Values keep YAML 1.2
// meaning: NO and yes are strings, and an unquoted 2015-10-01 is the string
// "2015-10-01". The file must hold exactly one document.
func parseYAML(data []byte) (*Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		return nil, yamlError(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &syntaxError{line: extra.Line, col: extra.Column, msg: "more than one YAML document in the file"}
	}
	c := &yamlConverter{}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		return c.convert(doc.Content[0], 0)
	}
	return c.convert(&doc, 0)
}

func yamlError(err error) error {
	// yaml.v3 messages read "yaml: line 3: did not find expected key".
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if line, err := strconv.Atoi(num); err == nil {
				return &syntaxError{line: line, msg: text}
			}
		}
	}
	return &syntaxError{msg: msg}
}

type yamlConverter struct{ count int }

func (c *yamlConverter) convert(y *yaml.Node, depth int) (*Node, error) {
	c.count++
	if c.count > maxYAMLNodes {
		return nil, &syntaxError{line: y.Line, col: y.Column, msg: "too many values (alias expansion?)"}
	}
	if depth > maxDepth {
		return nil, &syntaxError{line: y.Line, col: y.Column, msg: fmt.Sprintf("nesting deeper than %d levels", maxDepth)}
	}
	n := &Node{}
	switch y.Kind {
	case yaml.DocumentNode:
		if len(y.Content) == 0 {
			n.Kind = Null
			return n, nil
		}
		return c.convert(y.Content[0], depth)
	case yaml.AliasNode:
		if y.Alias == nil {
			return nil, &syntaxError{line: y.Line, col: y.Column, msg: "unknown alias"}
		}
		return c.convert(y.Alias, depth+1)
	case yaml.MappingNode:
		n.Kind = Object
		for i := 0; i+1 < len(y.Content); i += 2 {
			k, v := y.Content[i], y.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				return nil, &syntaxError{line: k.Line, col: k.Column, msg: "mapping keys must be plain strings"}
			}
			val, err := c.convert(v, depth+1)
			if err != nil {
				return nil, err
			}
			n.Members = append(n.Members, Member{Key: k.Value, Value: val})
		}
	case yaml.SequenceNode:
		n.Kind = Array
		for _, e := range y.Content {
			val, err := c.convert(e, depth+1)
			if err != nil {
				return nil, err
			}
			n.Elems = append(n.Elems, val)
		}
	case yaml.ScalarNode:
		switch y.ShortTag() {
		case "!!null":
			n.Kind = Null
		case "!!bool":
			var b bool
			if err := y.Decode(&b); err != nil {
				return nil, &syntaxError{line: y.Line, col: y.Column, msg: err.Error()}
			}
			n.Kind, n.Bool = Bool, b
		case "!!int":
			n.Kind = Number
			if i, err := strconv.ParseInt(y.Value, 10, 64); err == nil {
				n.Text = strconv.FormatInt(i, 10)
			} else {
				var v int64
				if err := y.Decode(&v); err != nil {
					return nil, &syntaxError{line: y.Line, col: y.Column, msg: err.Error()}
				}
				n.Text = strconv.FormatInt(v, 10)
			}
		case "!!float":
			var f float64
			if err := y.Decode(&f); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
				return nil, &syntaxError{line: y.Line, col: y.Column, msg: fmt.Sprintf("%q is not a finite number", y.Value)}
			}
			n.Kind = Number
			if jsonNumber(y.Value) {
				n.Text = y.Value // keep the text as written (coordinate precision)
			} else {
				n.Text = strconv.FormatFloat(f, 'f', -1, 64)
			}
		default: // !!str, !!timestamp, !!binary and custom tags: the text as written
			n.Kind, n.Text = String, y.Value
		}
	default:
		return nil, &syntaxError{line: y.Line, col: y.Column, msg: "unsupported YAML node"}
	}
	return n, nil
}

// jsonNumber reports whether s is a number in JSON syntax.
func jsonNumber(s string) bool {
	p := &jsonParser{data: []byte(s)}
	if _, err := p.number(); err != nil {
		return false
	}
	return p.pos == len(s)
}
