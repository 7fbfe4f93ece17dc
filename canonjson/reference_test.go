package canonjson

// The parser as it was before Parse read canonical text directly (scan.go): Parse and
// Check must decide, and return, exactly what it did. FuzzParseSame compares them.

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// refParse is Parse as it was.
func refParse(data []byte) (any, error) {
	p := refParser{data: data}
	p.space()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos != len(data) {
		return nil, p.errorf("unexpected data after the value")
	}
	var out bytes.Buffer
	out.Grow(len(data))
	refWrite(&out, v)
	if !bytes.Equal(out.Bytes(), data) {
		return nil, ErrNotCanonical
	}
	return v.goValue(), nil
}

type refKind uint8

const (
	rkNull refKind = iota
	rkBool
	rkNum
	rkStr
	rkArr
	rkObj
)

type refMember struct {
	key string
	val *refNode
}

type refNode struct {
	refKind refKind
	b       bool
	num     int64
	str     string
	arr     []*refNode
	obj     []refMember
}

type refParser struct {
	data []byte
	pos  int
}

func (p *refParser) errorf(format string, args ...any) error {
	return &SyntaxError{Offset: p.pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *refParser) space() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *refParser) value(depth int) (*refNode, error) {
	if p.pos >= len(p.data) {
		return nil, p.errorf("unexpected end of input")
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		if depth >= MaxDepth {
			return nil, p.errorf("nesting deeper than %d", MaxDepth)
		}
		return p.object(depth)
	case c == '[':
		if depth >= MaxDepth {
			return nil, p.errorf("nesting deeper than %d", MaxDepth)
		}
		return p.array(depth)
	case c == '"':
		s, err := p.string()
		if err != nil {
			return nil, err
		}
		return &refNode{refKind: rkStr, str: s}, nil
	case c == 't':
		return p.literal("true", &refNode{refKind: rkBool, b: true})
	case c == 'f':
		return p.literal("false", &refNode{refKind: rkBool})
	case c == 'n':
		return p.literal("null", &refNode{refKind: rkNull})
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	return nil, p.errorf("unexpected character %q", p.data[p.pos])
}

func (p *refParser) literal(word string, n *refNode) (*refNode, error) {
	if !bytes.HasPrefix(p.data[p.pos:], []byte(word)) {
		return nil, p.errorf("invalid literal")
	}
	p.pos += len(word)
	return n, nil
}

func (p *refParser) number() (*refNode, error) {
	start := p.pos
	if p.data[p.pos] == '-' {
		p.pos++
	}
	digits := p.pos
	for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
		p.pos++
	}
	if p.pos == digits {
		return nil, p.errorf("a number needs digits")
	}
	if p.data[digits] == '0' && p.pos-digits > 1 {
		return nil, &SyntaxError{Offset: start, Msg: "a number must not have leading zeros"}
	}
	if p.pos < len(p.data) && (p.data[p.pos] == '.' || p.data[p.pos] == 'e' || p.data[p.pos] == 'E') {
		return nil, &SyntaxError{Offset: start, Msg: "numbers must be integers (no fraction or exponent)"}
	}
	// At most 16 digits fit below 2^53; more, or a larger value, is out of range.
	var n int64
	if p.pos-digits <= 16 {
		for _, c := range p.data[digits:p.pos] {
			n = n*10 + int64(c-'0')
		}
	}
	if p.pos-digits > 16 || n > MaxInt {
		return nil, &SyntaxError{Offset: start, Msg: fmt.Sprintf("the integer %s is outside ±(2^53-1)", p.data[start:p.pos])}
	}
	if digits > start {
		n = -n
	}
	return &refNode{refKind: rkNum, num: n}, nil
}

func (p *refParser) string() (string, error) {
	p.pos++ // opening quote
	// Most strings are printable ASCII without escapes, which is in NFC already: take
	// them as they are.
	start := p.pos
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		if c == '"' {
			p.pos++
			return string(p.data[start : p.pos-1]), nil
		}
		if c < 0x20 || c >= utf8.RuneSelf || c == '\\' {
			break
		}
		p.pos++
	}
	b := append([]byte(nil), p.data[start:p.pos]...)
	for {
		if p.pos >= len(p.data) {
			return "", p.errorf("unterminated string")
		}
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			s := string(b)
			if !norm.NFC.IsNormalString(s) {
				s = norm.NFC.String(s)
			}
			return s, nil
		case c == '\\':
			r, err := p.escape()
			if err != nil {
				return "", err
			}
			b = utf8.AppendRune(b, r)
		case c < 0x20:
			return "", p.errorf("control character in string must be escaped")
		case c < utf8.RuneSelf:
			b = append(b, c)
			p.pos++
		default:
			r, size := utf8.DecodeRune(p.data[p.pos:])
			if r == utf8.RuneError && size <= 1 {
				return "", p.errorf("invalid UTF-8")
			}
			b = append(b, p.data[p.pos:p.pos+size]...)
			p.pos += size
		}
	}
}

func (p *refParser) escape() (rune, error) {
	if p.pos+1 >= len(p.data) {
		return 0, p.errorf("unterminated escape")
	}
	c := p.data[p.pos+1]
	p.pos += 2
	switch c {
	case '"', '\\', '/':
		return rune(c), nil
	case 'b':
		return '\b', nil
	case 'f':
		return '\f', nil
	case 'n':
		return '\n', nil
	case 'r':
		return '\r', nil
	case 't':
		return '\t', nil
	case 'u':
		r, err := p.hex4()
		if err != nil {
			return 0, err
		}
		if utf16.IsSurrogate(r) {
			if r >= 0xdc00 || !bytes.HasPrefix(p.data[p.pos:], []byte(`\u`)) {
				return 0, p.errorf("unpaired surrogate in \\u escape")
			}
			p.pos += 2
			r2, err := p.hex4()
			if err != nil {
				return 0, err
			}
			r = utf16.DecodeRune(r, r2)
			if r == utf8.RuneError {
				return 0, p.errorf("invalid surrogate pair in \\u escape")
			}
		}
		return r, nil
	}
	return 0, p.errorf("invalid escape \\%c", c)
}

func (p *refParser) hex4() (rune, error) {
	if p.pos+4 > len(p.data) {
		return 0, p.errorf("short \\u escape")
	}
	v, err := strconv.ParseUint(string(p.data[p.pos:p.pos+4]), 16, 32)
	if err != nil {
		return 0, p.errorf("invalid \\u escape")
	}
	p.pos += 4
	return rune(v), nil
}

func (p *refParser) array(depth int) (*refNode, error) {
	p.pos++
	n := &refNode{refKind: rkArr}
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return n, nil
	}
	for {
		p.space()
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		n.arr = append(n.arr, v)
		p.space()
		if p.pos >= len(p.data) {
			return nil, p.errorf("unterminated array")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return n, nil
		default:
			return nil, p.errorf("expected ',' or ']' in array")
		}
	}
}

func (p *refParser) object(depth int) (*refNode, error) {
	p.pos++
	n := &refNode{refKind: rkObj}
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return n, nil
	}
	for {
		p.space()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, p.errorf("expected a string key")
		}
		keyAt := p.pos
		k, err := p.string()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, p.errorf("expected ':' after key")
		}
		p.pos++
		p.space()
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		n.obj = append(n.obj, refMember{key: k, val: v})
		_ = keyAt
		p.space()
		if p.pos >= len(p.data) {
			return nil, p.errorf("unterminated object")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			// Canonical objects come sorted, with no key twice: check before sorting.
			sorted := true
			for i := 1; i < len(n.obj) && sorted; i++ {
				sorted = n.obj[i-1].key < n.obj[i].key
			}
			if sorted {
				return n, nil
			}
			sort.SliceStable(n.obj, func(i, j int) bool { return n.obj[i].key < n.obj[j].key })
			for i := 1; i < len(n.obj); i++ {
				if n.obj[i].key == n.obj[i-1].key {
					return nil, &SyntaxError{Offset: keyAt, Msg: fmt.Sprintf("duplicate key %q", n.obj[i].key)}
				}
			}
			return n, nil
		default:
			return nil, p.errorf("expected ',' or '}' in object")
		}
	}
}

func refWrite(out *bytes.Buffer, n *refNode) {
	switch n.refKind {
	case rkNull:
		out.WriteString("null")
	case rkBool:
		out.WriteString(strconv.FormatBool(n.b))
	case rkNum:
		out.WriteString(strconv.FormatInt(n.num, 10))
	case rkStr:
		refWriteString(out, n.str)
	case rkArr:
		out.WriteByte('[')
		for i, v := range n.arr {
			if i > 0 {
				out.WriteByte(',')
			}
			refWrite(out, v)
		}
		out.WriteByte(']')
	case rkObj:
		out.WriteByte('{')
		for i, m := range n.obj {
			if i > 0 {
				out.WriteByte(',')
			}
			refWriteString(out, m.key)
			out.WriteByte(':')
			refWrite(out, m.val)
		}
		out.WriteByte('}')
	}
}

const refHexDigits = "0123456789abcdef"

func refWriteString(out *bytes.Buffer, s string) {
	out.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			out.WriteString(`\"`)
		case c == '\\':
			out.WriteString(`\\`)
		case c == '\b':
			out.WriteString(`\b`)
		case c == '\f':
			out.WriteString(`\f`)
		case c == '\n':
			out.WriteString(`\n`)
		case c == '\r':
			out.WriteString(`\r`)
		case c == '\t':
			out.WriteString(`\t`)
		case c < 0x20:
			out.WriteString(`\u00`)
			out.WriteByte(refHexDigits[c>>4])
			out.WriteByte(refHexDigits[c&0xf])
		default:
			out.WriteByte(c)
		}
	}
	out.WriteByte('"')
}

func (n *refNode) goValue() any {
	switch n.refKind {
	case rkBool:
		return n.b
	case rkNum:
		return n.num
	case rkStr:
		return n.str
	case rkArr:
		a := make([]any, len(n.arr))
		for i, v := range n.arr {
			a[i] = v.goValue()
		}
		return a
	case rkObj:
		m := make(map[string]any, len(n.obj))
		for _, mem := range n.obj {
			m[mem.key] = mem.val.goValue()
		}
		return m
	}
	return nil
}
