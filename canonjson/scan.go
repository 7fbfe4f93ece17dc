package canonjson

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Scanner reads a text that is already in canonical form, token by token, without
// building it again to compare: every token it accepts is exactly as the canonical form
// writes it. A method that meets anything else (white space, a non-canonical escape or
// number, a string not in NFC, a key out of order…), or not the token it reads, returns
// ok false; a caller then falls back to Parse, which decides and gives the error.
//
// A text read completely by a Scanner (down to End) with every method returning ok, its
// structure (braces, brackets, colons and commas) read with Skip and Key as JSON's grammar
// has it, and the keys of every object read with Key (or matched against a fixed list in
// sorted order), is canonical.
//
// The strings a Scanner returns do not share memory with data. A Scanner is for one
// goroutine at a time.
type Scanner struct {
	data []byte
	pos  int
	text string // data as one string, made on the first string read, when data is small
}

// smallText bounds the texts whose strings are cut from one copy of the whole text:
// one allocation instead of one per string, at the cost of keeping the whole text alive
// while any of its strings is.
const smallText = 4 << 10

// NewScanner returns a Scanner at the start of data.
func NewScanner(data []byte) Scanner { return Scanner{data: data} }

// Next returns the next byte without reading it, or 0 at the end of the text.
func (s *Scanner) Next() byte {
	if s.pos < len(s.data) {
		return s.data[s.pos]
	}
	return 0
}

// Skip reads the byte c if it comes next, and reports whether it did.
func (s *Scanner) Skip(c byte) bool {
	if s.pos < len(s.data) && s.data[s.pos] == c {
		s.pos++
		return true
	}
	return false
}

// End reports whether the whole text has been read.
func (s *Scanner) End() bool { return s.pos == len(s.data) }

// Null reads null.
func (s *Scanner) Null() bool { return s.literal("null") }

// Bool reads true or false.
func (s *Scanner) Bool() (v, ok bool) {
	if s.literal("true") {
		return true, true
	}
	return false, s.literal("false")
}

func (s *Scanner) literal(word string) bool {
	if len(s.data)-s.pos >= len(word) && string(s.data[s.pos:s.pos+len(word)]) == word {
		s.pos += len(word)
		return true
	}
	return false
}

// Int reads an integer written canonically: 0, or digits not starting with 0 after an
// optional minus sign, at most MaxInt in magnitude, followed by no fraction or exponent.
func (s *Scanner) Int() (int64, bool) {
	i := s.pos
	neg := i < len(s.data) && s.data[i] == '-'
	if neg {
		i++
	}
	digits := i
	var n int64
	for i < len(s.data) && s.data[i] >= '0' && s.data[i] <= '9' && i-digits < 16 {
		n = n*10 + int64(s.data[i]-'0')
		i++
	}
	switch {
	case i == digits, n > MaxInt:
		return 0, false
	case s.data[digits] == '0' && (neg || i-digits > 1):
		return 0, false // -0, or a leading zero
	case i < len(s.data) && (s.data[i] >= '0' && s.data[i] <= '9' || s.data[i] == '.' || s.data[i] == 'e' || s.data[i] == 'E'):
		return 0, false // a 17th digit, a fraction or an exponent
	}
	s.pos = i
	if neg {
		n = -n
	}
	return n, true
}

// Str reads a string written canonically and returns its value.
func (s *Scanner) Str() (string, bool) {
	raw, esc, ok := s.rawStr()
	if !ok {
		return "", false
	}
	if esc == nil {
		if len(s.data) > smallText {
			return string(raw), true
		}
		if s.text == "" {
			s.text = string(s.data)
		}
		start := s.pos - 1 - len(raw)
		return s.text[start : start+len(raw)], true
	}
	return string(esc), true
}

// Key reads an object's key and the colon after it, and checks that it sorts strictly
// after prev (the previous key of the same object) unless first.
func (s *Scanner) Key(prev string, first bool) (string, bool) {
	k, ok := s.Str()
	if !ok || (!first && k <= prev) || !s.Skip(':') {
		return "", false
	}
	return k, true
}

// rawStr reads a canonical string. It returns the bytes between the quotes and, if there
// were escapes, the value they stand for (esc), or esc nil if the bytes are the value.
func (s *Scanner) rawStr() (raw, esc []byte, ok bool) {
	if !s.Skip('"') {
		return nil, nil, false
	}
	start := s.pos
	simple := true // only ASCII and nfcAlone runes, which are valid UTF-8 and in NFC
	for i := start; i < len(s.data); i++ {
		c := s.data[i]
		switch {
		case c == '"':
			raw = s.data[start:i]
			if !simple && (!utf8.Valid(raw) || !norm.NFC.IsNormal(raw)) {
				return nil, nil, false
			}
			s.pos = i + 1
			return raw, nil, true
		case c == '\\':
			return s.escaped(start)
		case c < 0x20:
			return nil, nil, false
		case c >= utf8.RuneSelf:
			if c >= 0xc2 && c <= 0xdf && i+1 < len(s.data) && s.data[i+1]&0xc0 == 0x80 &&
				nfcAlone[c&0x1f]&(1<<(s.data[i+1]&0x3f)) != 0 {
				i++ // a rune of two bytes that needs no normalisation check
				continue
			}
			simple = false
		}
	}
	return nil, nil, false
}

// nfcAlone marks the runes below U+0800, written in two bytes of UTF-8 (lead byte
// 0xc0|hi, then 0x80|lo for the rune hi<<6|lo), that are in NFC on their own and begin a
// new segment: they combine with nothing before them (norm.Properties.BoundaryBefore).
// A string of ASCII and such runes only is in NFC, since each rune is its own segment
// (TestNFCAlone checks every pair against norm.NFC.IsNormal): most letters of Latin,
// Cyrillic and Greek are, and so strings of them need no call of norm.NFC.IsNormal.
var nfcAlone = func() (t [32]uint64) {
	for r := rune(0x80); r < 0x800; r++ {
		var b [utf8.UTFMax]byte
		n := utf8.EncodeRune(b[:], r)
		if norm.NFC.IsNormal(b[:n]) && norm.NFC.Properties(b[:n]).BoundaryBefore() {
			t[r>>6] |= 1 << (r & 0x3f)
		}
	}
	return t
}()

// escaped reads the rest of a string that has an escape, from start just after its
// opening quote, accepting only the escapes that the canonical form writes.
func (s *Scanner) escaped(start int) (raw, esc []byte, ok bool) {
	for i := start; i < len(s.data); i++ {
		c := s.data[i]
		switch {
		case c == '"':
			raw = s.data[start:i]
			if !utf8.Valid(esc) || !norm.NFC.IsNormal(esc) {
				return nil, nil, false
			}
			s.pos = i + 1
			return raw, esc, true
		case c < 0x20:
			return nil, nil, false
		case c != '\\':
			esc = append(esc, c)
			continue
		}
		if i+1 >= len(s.data) {
			return nil, nil, false
		}
		i++
		switch s.data[i] {
		case '"', '\\':
			esc = append(esc, s.data[i])
		case 'b':
			esc = append(esc, '\b')
		case 'f':
			esc = append(esc, '\f')
		case 'n':
			esc = append(esc, '\n')
		case 'r':
			esc = append(esc, '\r')
		case 't':
			esc = append(esc, '\t')
		case 'u':
			// \u00XX with lower-case hex, for a control that has no short escape.
			if i+4 >= len(s.data) || s.data[i+1] != '0' || s.data[i+2] != '0' || (s.data[i+3] != '0' && s.data[i+3] != '1') {
				return nil, nil, false
			}
			lo := strings.IndexByte(hexDigits, s.data[i+4])
			if lo < 0 {
				return nil, nil, false
			}
			r := byte(s.data[i+3]-'0')<<4 | byte(lo)
			switch r {
			case '\b', '\f', '\n', '\r', '\t':
				return nil, nil, false
			}
			esc = append(esc, r)
			i += 4
		default:
			return nil, nil, false
		}
	}
	return nil, nil, false
}

// canonical reports whether the whole of data is one value that the Scanner reads as
// canonical. It allocates nothing unless a key has an escape.
func canonical(data []byte) bool {
	s := NewScanner(data)
	return s.skipValue(0) && s.End()
}

// skipValue reads one value at the given depth of nesting without keeping it.
func (s *Scanner) skipValue(depth int) bool {
	switch c := s.Next(); c {
	case '{':
		if depth >= MaxDepth {
			return false
		}
		s.pos++
		if s.Skip('}') {
			return true
		}
		var prev []byte
		for first := true; ; first = false {
			raw, esc, ok := s.rawStr()
			if !ok || !s.Skip(':') {
				return false
			}
			if esc != nil {
				raw = esc
			}
			if !first && bytes.Compare(raw, prev) <= 0 {
				return false
			}
			prev = raw
			if !s.skipValue(depth + 1) {
				return false
			}
			if !s.Skip(',') {
				return s.Skip('}')
			}
		}
	case '[':
		if depth >= MaxDepth {
			return false
		}
		s.pos++
		if s.Skip(']') {
			return true
		}
		for {
			if !s.skipValue(depth + 1) {
				return false
			}
			if !s.Skip(',') {
				return s.Skip(']')
			}
		}
	case '"':
		_, _, ok := s.rawStr()
		return ok
	case 't', 'f':
		_, ok := s.Bool()
		return ok
	case 'n':
		return s.Null()
	}
	_, ok := s.Int()
	return ok
}

// value reads one value at the given depth of nesting as Parse returns it.
func (s *Scanner) value(depth int) (any, bool) {
	switch c := s.Next(); c {
	case '{':
		if depth >= MaxDepth {
			return nil, false
		}
		s.pos++
		m := map[string]any{}
		if s.Skip('}') {
			return m, true
		}
		var prev string
		for first := true; ; first = false {
			k, ok := s.Key(prev, first)
			if !ok {
				return nil, false
			}
			prev = k
			v, ok := s.value(depth + 1)
			if !ok {
				return nil, false
			}
			m[k] = v
			if !s.Skip(',') {
				return m, s.Skip('}')
			}
		}
	case '[':
		if depth >= MaxDepth {
			return nil, false
		}
		s.pos++
		if s.Skip(']') {
			return []any{}, true
		}
		var a []any
		for {
			v, ok := s.value(depth + 1)
			if !ok {
				return nil, false
			}
			a = append(a, v)
			if !s.Skip(',') {
				return a, s.Skip(']')
			}
		}
	case '"':
		return okAny(s.Str())
	case 't', 'f':
		return okAny(s.Bool())
	case 'n':
		return nil, s.Null()
	}
	return okAny(s.Int())
}

func okAny[T any](v T, ok bool) (any, bool) { return v, ok }
