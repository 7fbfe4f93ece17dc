package sms

import (
	"strings"
	"unicode/utf8"
)

// An incident message reports an incident rather than a form's answers:
//
//	INC OBSERVER [PIN] [#STATION] CATEGORY [SEVERITY] what happened …
//
// for example "INC 4821 VB H cash handed out at the gate". CATEGORY and SEVERITY are the
// short codes of the incident taxonomy (its "sms" fields); a severity left out is the
// taxonomy's default. The text after them is the narrative, kept as typed. The keyword,
// code, PIN, station and short codes are read as in a form's message: any case, the
// Cyrillic look-alikes as Latin letters, O, I and L as digits in numbers.

// IncidentKeyword begins an incident message.
const IncidentKeyword = "INC"

// The reasons of a ParseError that only incident messages have.
const (
	NoCategory Reason = "no-category" // no category code after the observer (and PIN, station)
	NoText     Reason = "no-text"     // nothing said of what happened
)

// Incident is a parsed incident message. Observer, PIN, Station, Category and Severity
// are normalised (upper-case Latin letters and digits); Text is as typed, trimmed.
type Incident struct {
	Observer string
	PIN      string
	Station  string
	Category string
	// Severity is "" when the message names none.
	Severity string
	Text     string
}

// IsIncident reports whether text begins with the incident keyword: its first word's
// letters, normalised, are IncidentKeyword ("INC4821" and "inc 4821" both do).
func IsIncident(text string) bool {
	if len(text) > MaxText || !utf8.ValidString(text) {
		return false
	}
	ws := spans(text)
	if len(ws) == 0 {
		return false
	}
	letters, _ := splitLetters(Normalize(text[ws[0][0]:ws[0][1]]))
	return letters == IncidentKeyword
}

// ParseIncident reads an incident message. isSeverity tells a severity's short code from
// the first word of the narrative. It returns a *ParseError when the text is too long,
// not UTF-8, does not begin with IncidentKeyword (NoPrefix), has no observer code, no
// category or no narrative. Whether the codes exist is the caller's to check.
func ParseIncident(text string, isSeverity func(string) bool) (Incident, error) {
	var m Incident
	if len(text) > MaxText {
		return m, perr(TooLong, "")
	}
	if !utf8.ValidString(text) {
		return m, perr(InvalidUTF8, "")
	}
	ws := spans(text)
	word := func(i int) string { return Normalize(text[ws[i][0]:ws[i][1]]) }
	if len(ws) == 0 {
		return m, perr(NoPrefix, "")
	}
	letters, rest := splitLetters(word(0))
	if letters != IncidentKeyword {
		return m, perr(NoPrefix, word(0))
	}
	i := 1
	if rest == "" {
		if i >= len(ws) {
			return m, perr(NoObserver, "")
		}
		rest, i = word(i), i+1
	}
	code, ok := Digits(rest)
	if !ok {
		return m, perr(NoObserver, rest)
	}
	m.Observer = code
	if i < len(ws) {
		if pin, ok := Digits(word(i)); ok {
			m.PIN, i = pin, i+1
		}
	}
	if i < len(ws) && strings.HasPrefix(word(i), "#") {
		st := strings.TrimPrefix(word(i), "#")
		i++
		if st == "" && i < len(ws) {
			st, i = word(i), i+1
		}
		if st == "" {
			return m, perr(BadStation, "#")
		}
		m.Station = st
	}
	if i >= len(ws) {
		return m, perr(NoCategory, "")
	}
	m.Category, i = word(i), i+1
	if i < len(ws) && isSeverity != nil && isSeverity(word(i)) {
		m.Severity, i = word(i), i+1
	}
	if i < len(ws) {
		m.Text = strings.TrimSpace(text[ws[i][0]:])
	}
	if m.Text == "" {
		return m, perr(NoText, "")
	}
	return m, nil
}

// spans returns the byte offsets [start, end) of the words of s, as Parse splits them.
func spans(s string) [][2]int {
	var out [][2]int
	start := -1
	for i, r := range s {
		if isSep(r) {
			if start >= 0 {
				out = append(out, [2]int{start, i})
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, [2]int{start, len(s)})
	}
	return out
}

// splitLetters splits a normalised word into its leading Latin capitals and the rest.
func splitLetters(w string) (string, string) {
	n := 0
	for n < len(w) && w[n] >= 'A' && w[n] <= 'Z' {
		n++
	}
	return w[:n], w[n:]
}
