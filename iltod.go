// Package iltod holds the domain of an election-observation platform: elections, the area
// tree and polling stations, contests and their electoral systems, observers and forms, and
// the contracts (Store) between the parts that keep and serve them.
//
// Nothing here is specific to one country. Geography, contests, electoral systems, forms and
// languages are data, loaded from an election package (see docs/package-format.md).
//
// Every type validates itself: Validate returns nil or a Problems value that names each
// offending field. Package.Validate also checks the references between records.
package iltod

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/iltod/iltod/locales"
)

// ErrorCode classifies an Error. One table in the HTTP layer maps codes to status codes.
type ErrorCode string

// The error codes. Callers read them back with ErrorCodeOf.
const (
	EInvalid      ErrorCode = "invalid"
	ENotFound     ErrorCode = "not_found"
	EConflict     ErrorCode = "conflict"
	EUnauthorized ErrorCode = "unauthorized"
	EForbidden    ErrorCode = "forbidden"
	ETooLarge     ErrorCode = "too_large"
	ERateLimited  ErrorCode = "rate_limited"
	EInternal     ErrorCode = "internal"
	// EUnavailable is a store that cannot take writes now: its disk is full or
	// read-only, or its database is unreachable. The request may be retried later;
	// unlike EInternal, its message is shown.
	EUnavailable ErrorCode = "unavailable"

	// Codes for reports that fail authentication or assignment.
	EBadSignature ErrorCode = "bad_signature" // the signature does not verify
	EUnknownKey   ErrorCode = "unknown_key"   // no device is enrolled with the key
	ERevokedKey   ErrorCode = "revoked_key"   // the device's key was revoked
	ENotAssigned  ErrorCode = "not_assigned"  // the observer may not report for the station
)

// Error is the domain error. Its Code is stable and meant for programs; its message is
// meant for people and safe to show them; Err, if set, is the underlying cause and is
// only logged.
//
// An error made with E names its message in the catalogue (package locales): Key is the
// message's key, Data fills its placeholders, and Message is its English text, for logs
// and for readers without a language. An error made with Errorf, or as a literal without
// a Key, has only the English Message; such errors are being moved into the catalogue.
type Error struct {
	Code    ErrorCode
	Message string
	Key     string
	Data    map[string]any
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil && e.Message == "" {
		return fmt.Sprintf("%s: %v", e.Code, e.Err)
	}
	if e.Err != nil {
		return fmt.Sprintf("%s: %v", e.Message, e.Err)
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted, caller-safe message in
// English only. New errors shown to people should use E.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// E returns an *Error with the given code whose message is the catalogue's message key
// (an "error." key, by convention), filled with data; its Message is the English text.
// Integer values in data (int, int64) are written as each language writes numbers; a
// locales.Key value as its message in each language; a Text (a reason already written in
// every language) in each language; anything else as it is, so pass names, codes and
// technical details as strings.
func E(code ErrorCode, key string, data map[string]any) *Error {
	return &Error{Code: code, Key: key, Data: data, Message: errorText(key, data, locales.Fallback)}
}

// errorText writes the message key with data in lang (see E).
func errorText(key string, data map[string]any, lang string) string {
	p := locales.For(lang)
	var args locales.Args
	for name, v := range data {
		var s string
		switch v := v.(type) {
		case int:
			s = p.Int(int64(v))
		case int64:
			s = p.Int(v)
		case Text:
			s = v.In(lang, locales.Fallback)
		default:
			continue
		}
		if args == nil {
			args = maps.Clone(data)
		}
		args[name] = s
	}
	if args == nil {
		args = data
	}
	return p.T(key, args)
}

// ErrorCodeOf returns the code of the first *Error in err's chain, EInvalid for Problems,
// and EInternal for any other non-nil error.
func ErrorCodeOf(err error) ErrorCode {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var p Problems
	if errors.As(err, &p) {
		return EInvalid
	}
	return EInternal
}

// ErrorMessageOf returns the caller-safe message of err: the Message of an *Error, the text
// of Problems, and "internal error" for anything else, so that internal details never leak.
func ErrorMessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	var p Problems
	if errors.As(err, &p) {
		return p.Error()
	}
	return "internal error"
}

// ErrorMessageIn is ErrorMessageOf in the language lang (see locales.Match): the
// catalogue message of an *Error with a Key; the English Message of one without; the text
// of Problems in lang (Problems.In: English for the problems that do not yet speak the
// catalogue); and "internal error" in lang for anything else.
func ErrorMessageIn(err error, lang string) string {
	var e *Error
	if errors.As(err, &e) && e.Key != "" {
		return errorText(e.Key, e.Data, lang)
	}
	if e != nil && e.Message != "" {
		return e.Message
	}
	var p Problems
	if errors.As(err, &p) {
		return p.In(lang)
	}
	return locales.For(lang).T("error.internal")
}

// Problem is one validation failure. Record and Index locate the record within a Package
// (Record is "election", "area", "station", "contest", "observer" or "form"; Index is its
// position in the Package's slice); Field is a path within the record such as
// "choices[2].party". A loader maps Record and Index back to a file and line.
//
// Message is in English. Msg, when set, is the same message as data of the catalogue, to
// be written in the reader's language (In). Every problem of the domain's validation sets
// it; a problem without it (one made from a plain error) is shown in English.
type Problem struct {
	Record  string   `json:"record,omitempty"`
	Index   int      `json:"index"`
	Field   string   `json:"field,omitempty"`
	Message string   `json:"message"`
	Msg     *Message `json:"msg,omitempty"`
}

// Problemf returns the Problem of field whose message is the catalogue message m, with
// Message its English text.
func Problemf(field string, m Message) Problem {
	return Problem{Field: field, Message: m.English(), Msg: &m}
}

// MessageIn returns p's message in the language lang: Msg written in lang, or the
// English Message when p has no Msg.
func (p Problem) MessageIn(lang string) string {
	if p.Msg != nil {
		return p.Msg.In(lang)
	}
	return p.Message
}

func (p Problem) String() string { return p.located(p.Message) }

// In is String in the language lang: the location, then MessageIn(lang).
func (p Problem) In(lang string) string { return p.located(p.MessageIn(lang)) }

// located returns msg after p's location: "station 3: code: msg".
func (p Problem) located(msg string) string {
	var b strings.Builder
	if p.Record != "" {
		fmt.Fprintf(&b, "%s %d: ", p.Record, p.Index+1)
	}
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString(msg)
	return b.String()
}

// Problems is a list of validation failures. It is an error; its code is EInvalid.
type Problems []Problem

func (ps Problems) Error() string {
	switch len(ps) {
	case 0:
		return "no problems"
	case 1:
		return ps[0].String()
	}
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return fmt.Sprintf("%d problems:\n%s", len(ps), strings.Join(lines, "\n"))
}

// In is Error in the language lang: each problem written with Problem.In.
func (ps Problems) In(lang string) string {
	switch len(ps) {
	case 0:
		return locales.For(lang).T("qa.no_problems")
	case 1:
		return ps[0].In(lang)
	}
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.In(lang)
	}
	return locales.For(lang).N("qa.problems", len(ps)) + "\n" + strings.Join(lines, "\n")
}

// Err returns ps as an error, or nil when ps is empty.
func (ps Problems) Err() error {
	if len(ps) == 0 {
		return nil
	}
	return ps
}

// AsError returns ps as an *Error with code EInvalid, for a caller that needs the domain
// error: its message, in the reader's language, is what (the key of a message naming the
// record, e.g. "error.store.what_staff") followed by every problem, and its Err is ps, so
// that errors.As still finds every problem.
func (ps Problems) AsError(what locales.Key) *Error {
	text := make(Text, len(locales.Languages))
	for _, lang := range locales.Languages {
		text[lang] = ps.In(lang)
	}
	e := E(EInvalid, "error.problems_of", map[string]any{"What": what, "Problems": text})
	e.Err = ps
	return e
}

// problems collects Problems for one record; the zero value is ready to use.
type problems struct{ list Problems }

func (ps *problems) add(field, format string, args ...any) {
	ps.list = append(ps.list, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
}

// msg adds the problem of field whose message is the catalogue's key, its placeholders
// filled from pairs (see lits).
func (ps *problems) msg(field, key string, pairs ...any) { ps.put(field, Msg(key, Lits(pairs...))) }

// put adds the problem of field with the message m.
func (ps *problems) put(field string, m Message) { ps.list = append(ps.list, Problemf(field, m)) }

// Lits returns a Message's Args from pairs of a placeholder's name and its value: a
// Message as it is, a string as a literal, anything else as a literal written as fmt's
// %v writes it. Values are notation (codes, numbers), the same in every language.
// Msg("error.package.unknown_area", Lits("Area", strconv.Quote(code))) is the message
// of an unknown area.
func Lits(pairs ...any) map[string]Message {
	if len(pairs) == 0 {
		return nil
	}
	out := make(map[string]Message, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		name := pairs[i].(string)
		switch v := pairs[i+1].(type) {
		case Message:
			out[name] = v
		case string:
			out[name] = Lit(v)
		default:
			out[name] = Litf("%v", v)
		}
	}
	return out
}

// nest adds the problems of err (from a nested Validate) under the field prefix.
func (ps *problems) nest(prefix string, err error) {
	if err == nil {
		return
	}
	var sub Problems
	if !errors.As(err, &sub) {
		ps.add(prefix, "%v", err)
		return
	}
	for _, p := range sub {
		f := prefix
		if p.Field != "" {
			if strings.HasPrefix(p.Field, "[") {
				f += p.Field
			} else {
				f += "." + p.Field
			}
		}
		ps.list = append(ps.list, Problem{Field: f, Message: p.Message, Msg: p.Msg})
	}
}

// Text is a short text in several languages, keyed by a lower-case ISO 639 code
// ("mn", "en"). Its JSON form is an object, e.g. {"en":"Bayangol","mn":"Баянгол"}.
type Text map[string]string

// MaxTextLen is the longest name, in characters, that any Text value may hold.
const MaxTextLen = 300

var langRe = regexp.MustCompile(`^[a-z]{2,3}$`)

// Validate reports a Text with no non-empty value, a malformed language code, a value
// that is not valid UTF-8, holds control characters, or is longer than MaxTextLen.
func (t Text) Validate() error {
	var ps problems
	nonEmpty := false
	for _, lang := range t.Languages() {
		v := t[lang]
		if !langRe.MatchString(lang) {
			ps.msg(lang, "error.package.language_code")
		}
		if err := checkString(v, MaxTextLen); err.Key != "" {
			ps.put(lang, err)
		}
		if strings.TrimSpace(v) != "" {
			nonEmpty = true
		}
	}
	if !nonEmpty {
		ps.msg("", "error.package.name_required")
	}
	return ps.list.Err()
}

// Languages returns the language codes of t in sorted order.
func (t Text) Languages() []string {
	langs := make([]string, 0, len(t))
	for l := range t {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	return langs
}

// In returns the text in lang, falling back to the first of fallbacks that is present,
// then to any language in sorted order, then to "".
func (t Text) In(lang string, fallbacks ...string) string {
	if v := t[lang]; v != "" {
		return v
	}
	for _, f := range fallbacks {
		if v := t[f]; v != "" {
			return v
		}
	}
	for _, l := range t.Languages() {
		if v := t[l]; v != "" {
			return v
		}
	}
	return ""
}

// checkString returns why s is not acceptable as a single-line field value, or the zero
// Message (Key "").
func checkString(s string, max int) Message {
	if !utf8.ValidString(s) {
		return Msg("error.package.not_utf8", nil)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return Msg("error.package.too_long", Lits("Length", n, "Max", max))
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return Msg("error.package.control_char", Lits("Char", fmt.Sprintf("%U", r)))
		}
	}
	return Message{}
}

// Point is a position in WGS 84 decimal degrees.
type Point struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// Validate reports coordinates out of range.
func (p Point) Validate() error {
	var ps problems
	if !(p.Lat >= -90 && p.Lat <= 90) {
		ps.msg("lat", "error.package.latitude", "Value", p.Lat)
	}
	if !(p.Lon >= -180 && p.Lon <= 180) {
		ps.msg("lon", "error.package.longitude", "Value", p.Lon)
	}
	return ps.list.Err()
}

// ValidCode reports whether s has the form of a stable code: 1 to 64 ASCII letters,
// digits, dots and hyphens, starting with a letter or digit. Every stable code has this
// form: areas, stations, contests, choices, parties, bodies, tiers and forms. Codes are
// case-sensitive and appear in URLs unescaped.
//
// It is the regular expression ^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$ written out as a loop,
// since an import of official results checks millions of codes.
func ValidCode(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case (c == '.' || c == '-') && i > 0:
		default:
			return false
		}
	}
	return true
}

func checkCode(ps *problems, field, code string) {
	switch {
	case code == "":
		ps.msg(field, "error.package.required")
	case !ValidCode(code):
		ps.msg(field, "error.package.bad_code", "Code", strconv.Quote(truncate(code, 70)))
	}
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
