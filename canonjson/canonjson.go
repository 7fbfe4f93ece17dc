// Package canonjson defines the canonical JSON form that iltod signs and hashes, so that a
// device, the server and an independent verifier all derive the same bytes from the same
// report.
//
// The canonical form of a JSON value is:
//   - no insignificant white space;
//   - object members sorted by key, comparing the keys' UTF-8 bytes; no key twice;
//   - numbers are integers between -(2^53-1) and 2^53-1, written in decimal without a
//     sign for positives, leading zeros, fraction or exponent ("-0" is written "0");
//   - strings are valid UTF-8 in Unicode Normalization Form C, written with only these
//     escapes: \" and \\, \b \f \n \r \t for those controls, and \u00XX (lower-case hex)
//     for the other characters below U+0020; every other character is written as itself;
//   - true, false and null as themselves.
//
// Canonicalize turns any JSON text that fits these rules (after NFC normalisation) into its
// canonical form; IsCanonical says whether a text already is. Nesting is limited to
// MaxDepth levels.
package canonjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxDepth is the deepest nesting of arrays and objects accepted.
const MaxDepth = 32

// MaxInt is the largest magnitude of an integer in canonical JSON.
const MaxInt = 1<<53 - 1

// SyntaxError describes why a text is not acceptable, at a byte offset.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("canonical JSON: at byte %d: %s", e.Offset, e.Msg)
}

// Canonicalize returns the canonical form of the JSON text data. Strings are normalised
// to NFC. It fails on invalid JSON, duplicate keys (after normalisation), numbers that are
// not integers within ±MaxInt, invalid UTF-8, nesting deeper than MaxDepth, and anything
// after the value.
func Canonicalize(data []byte) ([]byte, error) {
	_, out, err := parse(data)
	return out, err
}

// parse reads one JSON value filling all of data and returns it with its canonical form.
func parse(data []byte) (*node, []byte, error) {
	p := parser{data: data}
	p.space()
	v, err := p.value(0)
	if err != nil {
		return nil, nil, err
	}
	p.space()
	if p.pos != len(data) {
		return nil, nil, p.errorf("unexpected data after the value")
	}
	var out bytes.Buffer
	out.Grow(len(data))
	write(&out, v)
	return v, out.Bytes(), nil
}

// IsCanonical reports whether data is exactly the canonical form of itself.
func IsCanonical(data []byte) bool {
	if canonical(data) {
		return true
	}
	c, err := Canonicalize(data)
	return err == nil && bytes.Equal(c, data)
}

// Marshal encodes v with encoding/json and returns the canonical form of the result.
// Floating-point values that are not whole numbers make it fail.
func Marshal(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return Canonicalize(b)
}

type kind uint8

const (
	kNull kind = iota
	kBool
	kNum
	kStr
	kArr
	kObj
)

type member struct {
	key string
	val *node
}

type node struct {
	kind kind
	b    bool
	num  int64
	str  string
	arr  []*node
	obj  []member
}

type parser struct {
	data []byte
	pos  int
}

func (p *parser) errorf(format string, args ...any) error {
	return &SyntaxError{Offset: p.pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) space() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) value(depth int) (*node, error) {
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
		return &node{kind: kStr, str: s}, nil
	case c == 't':
		return p.literal("true", &node{kind: kBool, b: true})
	case c == 'f':
		return p.literal("false", &node{kind: kBool})
	case c == 'n':
		return p.literal("null", &node{kind: kNull})
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	return nil, p.errorf("unexpected character %q", p.data[p.pos])
}

func (p *parser) literal(word string, n *node) (*node, error) {
	if !bytes.HasPrefix(p.data[p.pos:], []byte(word)) {
		return nil, p.errorf("invalid literal")
	}
	p.pos += len(word)
	return n, nil
}

func (p *parser) number() (*node, error) {
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
	return &node{kind: kNum, num: n}, nil
}

func (p *parser) string() (string, error) {
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

func (p *parser) escape() (rune, error) {
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

func (p *parser) hex4() (rune, error) {
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

func (p *parser) array(depth int) (*node, error) {
	p.pos++
	n := &node{kind: kArr}
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

func (p *parser) object(depth int) (*node, error) {
	p.pos++
	n := &node{kind: kObj}
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
		n.obj = append(n.obj, member{key: k, val: v})
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

func write(out *bytes.Buffer, n *node) {
	switch n.kind {
	case kNull:
		out.WriteString("null")
	case kBool:
		out.WriteString(strconv.FormatBool(n.b))
	case kNum:
		out.WriteString(strconv.FormatInt(n.num, 10))
	case kStr:
		writeString(out, n.str)
	case kArr:
		out.WriteByte('[')
		for i, v := range n.arr {
			if i > 0 {
				out.WriteByte(',')
			}
			write(out, v)
		}
		out.WriteByte(']')
	case kObj:
		out.WriteByte('{')
		for i, m := range n.obj {
			if i > 0 {
				out.WriteByte(',')
			}
			writeString(out, m.key)
			out.WriteByte(':')
			write(out, m.val)
		}
		out.WriteByte('}')
	}
}

const hexDigits = "0123456789abcdef"

func writeString(out *bytes.Buffer, s string) {
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
			out.WriteByte(hexDigits[c>>4])
			out.WriteByte(hexDigits[c&0xf])
		default:
			out.WriteByte(c)
		}
	}
	out.WriteByte('"')
}

// ErrNotCanonical is returned by Check for a text that is valid but not canonical.
var ErrNotCanonical = errors.New("canonical JSON: the text is valid but not in canonical form")

// Check returns nil if data is canonical, ErrNotCanonical if it is acceptable but not in
// canonical form, and a *SyntaxError if it is not acceptable at all.
func Check(data []byte) error {
	if canonical(data) {
		return nil
	}
	c, err := Canonicalize(data)
	if err != nil {
		return err
	}
	if !bytes.Equal(c, data) {
		return ErrNotCanonical
	}
	return nil
}

// Parse reads a text that must already be canonical and returns its value as Go values:
// map[string]any for objects, []any for arrays, string, int64, bool, and nil for null.
// It returns ErrNotCanonical for a valid text that is not in canonical form, and a
// *SyntaxError for one that is not acceptable at all. It parses once, where Check
// followed by encoding/json would parse twice.
func Parse(data []byte) (any, error) {
	// Canonical text is read directly, checking each token as it comes; anything the
	// Scanner does not read is parsed in full and compared, which decides and explains.
	sc := NewScanner(data)
	if v, ok := sc.value(0); ok && sc.End() {
		return v, nil
	}
	return parseFull(data)
}

// parseFull is Parse by the full parser alone: it parses data, writes its canonical form
// and compares. It is Parse's fallback, and the reference its tests hold the Scanner to.
func parseFull(data []byte) (any, error) {
	n, canonical, err := parse(data)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(canonical, data) {
		return nil, ErrNotCanonical
	}
	return n.goValue(), nil
}

func (n *node) goValue() any {
	switch n.kind {
	case kBool:
		return n.b
	case kNum:
		return n.num
	case kStr:
		return n.str
	case kArr:
		a := make([]any, len(n.arr))
		for i, v := range n.arr {
			a[i] = v.goValue()
		}
		return a
	case kObj:
		m := make(map[string]any, len(n.obj))
		for _, mem := range n.obj {
			m[mem.key] = mem.val.goValue()
		}
		return m
	}
	return nil
}
