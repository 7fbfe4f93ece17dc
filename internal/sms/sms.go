// Package sms reads coded SMS reports and measures SMS replies. It knows the grammar
// (docs/sms.md) and the GSM alphabet, nothing of elections: internal/app maps a parsed
// Message onto a form and answers it.
//
// The grammar is
//
//	PREFIX OBSERVER [PIN] [#STATION] {TAG VALUE} [@ comment]
//
// for example "P 4821 CB350 K1 120" or, typed on a Cyrillic keyboard, "Р 4821 СВ350 К1 120".
// Parse reads any mix of spaces, commas, semicolons and case, maps the Cyrillic letters
// that look like Latin ones (А В Е К М Н О Р С Т Х, upper and lower case) to those Latin
// letters, and reads O as 0 and I and L as 1 inside numbers.
package sms

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxText bounds the text Parse reads, in bytes: a long concatenated SMS is far shorter.
const MaxText = 4096

// Message is a parsed SMS report. Prefix, Observer, PIN, Station and Tokens are
// normalised: upper-case Latin letters and digits.
type Message struct {
	// Prefix is the form's SMS prefix: the letters the message starts with.
	Prefix string
	// Observer is the observer's numeric code.
	Observer string
	// PIN is the observer's PIN, a number after the code, given on a shared phone; "" if
	// none.
	PIN string
	// Station names the station, after '#', for an observer who may report from several;
	// "" if none.
	Station string
	// Tokens are the remaining words before the comment, each a tag with its value
	// ("CB350"), a tag alone ("CB") or a value alone ("350"). Fields pairs them.
	Tokens []string
	// Comment is the text after the first '@', trimmed, as typed (not normalised).
	Comment string
}

// Reason says what is wrong with a message. Its values are identifiers, not words: the
// caller writes the reader's words for them (sms.* keys of the catalogue).
type Reason string

// The reasons of a ParseError.
const (
	NoPrefix    Reason = "no-prefix"    // the message does not start with letters
	NoObserver  Reason = "no-observer"  // no observer code after the prefix
	TooLong     Reason = "too-long"     // the text is longer than MaxText
	BadStation  Reason = "bad-station"  // '#' with nothing after it
	UnknownTag  Reason = "unknown-tag"  // a word that begins with no tag of the form
	NoValue     Reason = "no-value"     // a tag with no value after it
	TagTwice    Reason = "tag-twice"    // a tag given twice (select-multiple tags excepted)
	InvalidUTF8 Reason = "invalid-utf8" // the text is not UTF-8
)

// ParseError is a message that cannot be read. Token is the part at fault, normalised,
// at most 16 characters ("" if none).
type ParseError struct {
	Reason Reason
	Token  string
}

func (e *ParseError) Error() string {
	if e.Token == "" {
		return "sms: " + string(e.Reason)
	}
	return "sms: " + string(e.Reason) + " " + strconv.Quote(e.Token)
}

func perr(r Reason, tok string) *ParseError {
	if utf8.RuneCountInString(tok) > 16 {
		tok = string([]rune(tok)[:16])
	}
	return &ParseError{Reason: r, Token: tok}
}

// lookAlike maps the Cyrillic letters that look like Latin ones to those letters.
var lookAlike = map[rune]rune{
	0x0410: 'A', 0x0412: 'B', 0x0415: 'E', 0x041A: 'K', 0x041C: 'M', 0x041D: 'H', 0x041E: 'O', 0x0420: 'P', 0x0421: 'C', 0x0422: 'T', 0x0425: 'X',
	0x0430: 'A', 0x0432: 'B', 0x0435: 'E', 0x043A: 'K', 0x043C: 'M', 0x043D: 'H', 0x043E: 'O', 0x0440: 'P', 0x0441: 'C', 0x0442: 'T', 0x0445: 'X',
}

// Normalize returns s upper-cased, with the Cyrillic look-alikes read as Latin letters.
// Other letters are upper-cased and kept (Cyrillic Ү stays Ү).
func Normalize(s string) string {
	return strings.Map(func(r rune) rune {
		if l, ok := lookAlike[r]; ok {
			return l
		}
		return unicode.ToUpper(r)
	}, s)
}

// isSep reports whether r separates words.
func isSep(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) }

// Parse reads a coded SMS report. It returns a *ParseError when the text has no prefix
// or observer code, is too long, or is not UTF-8. Tags and values are checked later,
// against the form (Fields).
func Parse(text string) (Message, error) {
	var m Message
	if len(text) > MaxText {
		return m, perr(TooLong, "")
	}
	if !utf8.ValidString(text) {
		return m, perr(InvalidUTF8, "")
	}
	body, comment, _ := strings.Cut(text, "@")
	m.Comment = strings.TrimSpace(comment)
	words := strings.FieldsFunc(Normalize(body), isSep)
	if len(words) == 0 {
		return m, perr(NoPrefix, "")
	}
	first := words[0]
	words = words[1:]
	n := 0
	for _, r := range first {
		if r < 'A' || r > 'Z' {
			break
		}
		n++
	}
	if n == 0 {
		return m, perr(NoPrefix, first)
	}
	m.Prefix, first = first[:n], first[n:]
	if first == "" {
		if len(words) == 0 {
			return m, perr(NoObserver, "")
		}
		first, words = words[0], words[1:]
	}
	code, ok := Digits(first)
	if !ok {
		return m, perr(NoObserver, first)
	}
	m.Observer = code
	if len(words) > 0 {
		if pin, ok := Digits(words[0]); ok {
			m.PIN, words = pin, words[1:]
		}
	}
	if len(words) > 0 && strings.HasPrefix(words[0], "#") {
		st := strings.TrimPrefix(words[0], "#")
		words = words[1:]
		if st == "" && len(words) > 0 {
			st, words = words[0], words[1:]
		}
		if st == "" {
			return m, perr(BadStation, "#")
		}
		m.Station = st
	}
	m.Tokens = words
	return m, nil
}

// Digits returns s as a string of digits, reading O as 0 and I and L as 1 (after
// Normalize). ok is false unless s holds at least one true digit and nothing but digits
// and those letters.
func Digits(s string) (string, bool) {
	if s == "" {
		return "", false
	}
	b := make([]byte, 0, len(s))
	real := false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b = append(b, byte(r))
			real = true
		case r == 'O' || r == 'o':
			b = append(b, '0')
		case r == 'I' || r == 'L' || r == 'i' || r == 'l':
			b = append(b, '1')
		default:
			return "", false
		}
	}
	return string(b), real
}

// Number reads a whole number: digits as Digits reads them, at most 15, with an
// optional leading minus sign.
func Number(s string) (int64, bool) {
	neg := strings.HasPrefix(s, "-")
	d, ok := Digits(strings.TrimPrefix(s, "-"))
	if !ok || len(d) > 15 {
		return 0, false
	}
	n, err := strconv.ParseInt(d, 10, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

// cyrillicUe is Ү, the first letter of "no" in Mongolian (written by number: only the
// catalogue holds Cyrillic).
const cyrillicUe = string(rune(0x04AE))

// YesNo reads a yes-or-no answer: 1, Y or T (Cyrillic Т, for тийм) is yes; 0, N or
// Cyrillic Ү (for үгүй) is no. ok is false for anything else.
func YesNo(s string) (yes, ok bool) {
	switch Normalize(s) {
	case "1", "Y", "T":
		return true, true
	case "0", "N", cyrillicUe:
		return false, true
	}
	return false, false
}

// Time reads a time of day written HHMM, HMM, HH:MM or H:MM (O read as 0) and returns
// it as HH:MM. ok is false for anything else, and for a time past 23:59.
func Time(s string) (string, bool) {
	s = strings.ReplaceAll(s, ":", "")
	s = strings.ReplaceAll(s, ".", "")
	d, ok := Digits(s)
	if !ok || len(d) < 3 || len(d) > 4 {
		return "", false
	}
	if len(d) == 3 {
		d = "0" + d
	}
	h, _ := strconv.Atoi(d[:2])
	mi, _ := strconv.Atoi(d[2:])
	if h > 23 || mi > 59 {
		return "", false
	}
	return d[:2] + ":" + d[2:], true
}

// List splits the value of a select-multiple question into option codes: "1.3", "1+3"
// and "1/3" are the options 1 and 3.
func List(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == '.' || r == '+' || r == '/' })
}

// NotApplicable is the value that answers "not applicable".
const NotApplicable = "-"

// Field is one tag of a message with its value, as typed (normalised).
type Field struct {
	Tag   string
	Value string
}

// Fields pairs the message's tokens with the form's tags: a token that starts with a
// tag is that tag followed by its value ("CB350"), or the tag alone, whose value is the
// next token ("CB 350"). Where several tags start a token the longest wins, so put a
// space between a tag that ends in a digit and a value ("K1 120"). A tag in multi may
// be given several times, its values joined with '.'; any other tag given twice is
// TagTwice. A token that starts with no tag is UnknownTag; a tag with no value NoValue.
func (m Message) Fields(tags []string, multi map[string]bool) ([]Field, error) {
	tagAt := func(tok string) string {
		best := ""
		for _, t := range tags {
			if len(t) > len(best) && strings.HasPrefix(tok, t) {
				best = t
			}
		}
		return best
	}
	var out []Field
	at := map[string]int{}
	for i := 0; i < len(m.Tokens); i++ {
		tok := m.Tokens[i]
		tag := tagAt(tok)
		if tag == "" {
			return nil, perr(UnknownTag, wordHead(tok))
		}
		val := tok[len(tag):]
		if val == "" {
			if i+1 >= len(m.Tokens) || tagAt(m.Tokens[i+1]) != "" {
				return nil, perr(NoValue, tag)
			}
			i++
			val = m.Tokens[i]
		}
		if j, seen := at[tag]; seen {
			if !multi[tag] {
				return nil, perr(TagTwice, tag)
			}
			out[j].Value += "." + val
			continue
		}
		at[tag] = len(out)
		out = append(out, Field{Tag: tag, Value: val})
	}
	return out, nil
}

// wordHead returns the letters a token starts with, and the digits after them: the tag
// the observer meant.
func wordHead(tok string) string {
	end := 0
	letters := true
	for i, r := range tok {
		isLetter := unicode.IsLetter(r)
		if !isLetter && !unicode.IsDigit(r) || isLetter && !letters {
			break
		}
		if !isLetter {
			letters = false
		}
		end = i + utf8.RuneLen(r)
	}
	if end == 0 {
		return tok
	}
	return tok[:end]
}

// typeable are the characters that can be typed the same on a Latin and a Cyrillic
// keyboard: the look-alike letters, less O, and digits.
const typeable = "ABEKMHPCTX0123456789"

// Typeable reports whether s, a form's SMS prefix or a question's tag, can be typed on
// a Cyrillic keyboard as well as a Latin one: it holds only the letters A B E K M H P C
// T X and digits. It holds no I, L or O, which a number would read as 1 and 0.
func Typeable(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune(typeable, r) {
			return false
		}
	}
	return true
}
