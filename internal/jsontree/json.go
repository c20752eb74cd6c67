package jsontree

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// parseJSON parses a JSON text into a node tree. It accepts exactly RFC 8259
// JSON (plus a leading UTF-8 byte order mark) and keeps duplicate keys.
func parseJSON(data []byte) (*Node, error) {
	p := &jsonParser{data: data, line: 1}
	if len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF {
		p.pos = 3
	}
	p.skipSpace()
	n, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos < len(p.data) {
		return nil, p.errorf("unexpected %s after the top-level value", p.quoteChar())
	}
	return n, nil
}

type jsonParser struct {
	data      []byte
	pos       int
	line      int
	lineStart int
}

func (p *jsonParser) errorf(format string, args ...any) error {
	return &syntaxError{line: p.line, col: p.pos - p.lineStart + 1, msg: fmt.Sprintf(format, args...)}
}

func (p *jsonParser) quoteChar() string {
	if p.pos >= len(p.data) {
		return "end of file"
	}
	r, _ := utf8.DecodeRune(p.data[p.pos:])
	return fmt.Sprintf("character %q", r)
}

func (p *jsonParser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case '\n':
			p.line++
			p.lineStart = p.pos + 1
		case ' ', '\t', '\r':
		default:
			return
		}
		p.pos++
	}
}

func (p *jsonParser) value(depth int) (*Node, error) {
	if depth > maxDepth {
		return nil, p.errorf("nesting deeper than %d levels", maxDepth)
	}
	if p.pos >= len(p.data) {
		return nil, p.errorf("unexpected end of file, expecting a value")
	}
	n := &Node{}
	switch c := p.data[p.pos]; {
	case c == '{':
		if err := p.object(n, depth); err != nil {
			return nil, err
		}
	case c == '[':
		if err := p.array(n, depth); err != nil {
			return nil, err
		}
	case c == '"':
		s, err := p.string()
		if err != nil {
			return nil, err
		}
		n.Kind, n.Text = String, s
	case c == '-' || (c >= '0' && c <= '9'):
		s, err := p.number()
		if err != nil {
			return nil, err
		}
		n.Kind, n.Text = Number, s
	case c == 't':
		if err := p.literal("true"); err != nil {
			return nil, err
		}
		n.Kind, n.Bool = Bool, true
	case c == 'f':
		if err := p.literal("false"); err != nil {
			return nil, err
		}
		n.Kind = Bool
	case c == 'n':
		if err := p.literal("null"); err != nil {
			return nil, err
		}
		n.Kind = Null
	default:
		return nil, p.errorf("unexpected %s, expecting a value", p.quoteChar())
	}
	return n, nil
}

func (p *jsonParser) literal(word string) error {
	if !strings.HasPrefix(string(p.data[p.pos:min(len(p.data), p.pos+len(word))]), word) {
		return p.errorf("unexpected %s, expecting a value", p.quoteChar())
	}
	p.pos += len(word)
	return nil
}

func (p *jsonParser) object(n *Node, depth int) error {
	n.Kind = Object
	if p.empty('}') {
		return nil
	}
	for {
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return p.errorf("unexpected %s, expecting a quoted object key", p.quoteChar())
		}
		key, err := p.string()
		if err != nil {
			return err
		}
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return p.errorf("unexpected %s after object key %q, expecting ':'", p.quoteChar(), key)
		}
		p.pos++
		p.skipSpace()
		v, err := p.value(depth + 1)
		if err != nil {
			return err
		}
		n.Members = append(n.Members, Member{Key: key, Value: v})
		if closed, err := p.separator('}'); closed || err != nil {
			return err
		}
	}
}

func (p *jsonParser) array(n *Node, depth int) error {
	n.Kind = Array
	if p.empty(']') {
		return nil
	}
	for {
		p.skipSpace()
		v, err := p.value(depth + 1)
		if err != nil {
			return err
		}
		n.Elems = append(n.Elems, v)
		if closed, err := p.separator(']'); closed || err != nil {
			return err
		}
	}
}

// empty reads the opening '{' or '[' of an object or array and, when it is
// empty, the closing end, and reports whether it was empty.
func (p *jsonParser) empty(end byte) bool {
	p.pos++
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == end {
		p.pos++
		return true
	}
	return false
}

// separator reads what follows a member of an object or an element of an
// array: a comma, or the closing '}' or ']' (end), in which case closed is
// true.
func (p *jsonParser) separator(end byte) (closed bool, err error) {
	p.skipSpace()
	if p.pos >= len(p.data) {
		return false, p.errorf("unexpected end of file, expecting ',' or '%c'", end)
	}
	switch p.data[p.pos] {
	case ',':
		p.pos++
		return false, nil
	case end:
		p.pos++
		return true, nil
	}
	return false, p.errorf("unexpected %s, expecting ',' or '%c'", p.quoteChar(), end)
}

func (p *jsonParser) number() (string, error) {
	start := p.pos
	d := p.data
	if p.pos < len(d) && d[p.pos] == '-' {
		p.pos++
	}
	switch {
	case p.pos < len(d) && d[p.pos] == '0':
		p.pos++
	case p.pos < len(d) && d[p.pos] >= '1' && d[p.pos] <= '9':
		for p.pos < len(d) && d[p.pos] >= '0' && d[p.pos] <= '9' {
			p.pos++
		}
	default:
		return "", p.errorf("invalid number")
	}
	if p.pos < len(d) && d[p.pos] == '.' {
		p.pos++
		if p.pos >= len(d) || d[p.pos] < '0' || d[p.pos] > '9' {
			return "", p.errorf("invalid number: digits expected after '.'")
		}
		for p.pos < len(d) && d[p.pos] >= '0' && d[p.pos] <= '9' {
			p.pos++
		}
	}
	if p.pos < len(d) && (d[p.pos] == 'e' || d[p.pos] == 'E') {
		p.pos++
		if p.pos < len(d) && (d[p.pos] == '+' || d[p.pos] == '-') {
			p.pos++
		}
		if p.pos >= len(d) || d[p.pos] < '0' || d[p.pos] > '9' {
			return "", p.errorf("invalid number: digits expected in exponent")
		}
		for p.pos < len(d) && d[p.pos] >= '0' && d[p.pos] <= '9' {
			p.pos++
		}
	}
	return string(d[start:p.pos]), nil
}

func (p *jsonParser) string() (string, error) {
	p.pos++ // opening quote
	start := p.pos
	d := p.data
	// Fast path: no escapes, plain ASCII or valid UTF-8.
	for p.pos < len(d) {
		c := d[p.pos]
		if c == '"' {
			s := d[start:p.pos]
			p.pos++
			if utf8.Valid(s) {
				return string(s), nil
			}
			return strings.ToValidUTF8(string(s), "\uFFFD"), nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
		p.pos++
	}
	var b strings.Builder
	b.Write(d[start:p.pos])
	for {
		if p.pos >= len(d) {
			return "", p.errorf("unterminated string")
		}
		c := d[p.pos]
		switch {
		case c == '"':
			p.pos++
			return strings.ToValidUTF8(b.String(), "\uFFFD"), nil
		case c < 0x20:
			return "", p.errorf("control character %q in string", rune(c))
		case c != '\\':
			b.WriteByte(c)
			p.pos++
			continue
		}
		p.pos++ // backslash
		if p.pos >= len(d) {
			return "", p.errorf("unterminated string")
		}
		e := d[p.pos]
		p.pos++
		switch e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", p.errorf("invalid \\u escape in string")
			}
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if p.pos+1 < len(d) && d[p.pos] == '\\' && d[p.pos+1] == 'u' {
					save := p.pos
					p.pos += 2
					var ok2 bool
					r2, ok2 = p.hex4()
					if !ok2 {
						return "", p.errorf("invalid \\u escape in string")
					}
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						b.WriteRune(dec)
						continue
					}
					p.pos = save
				}
				b.WriteRune(utf8.RuneError)
				continue
			}
			b.WriteRune(r)
		default:
			return "", p.errorf("invalid escape '\\%c' in string", e)
		}
	}
}

func (p *jsonParser) hex4() (rune, bool) {
	if p.pos+4 > len(p.data) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(p.data[p.pos:p.pos+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	p.pos += 4
	return rune(v), true
}
