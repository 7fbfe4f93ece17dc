package electionpkg

import (
	"fmt"
	"sort"
	"strings"

	"github.com/iltod/iltod"
)

// Problem is one fault in a package, located at a file and line. Message is in English;
// Msg, when set, is the same message as data of the catalogue (a domain Problem's Msg),
// to be written in the reader's language with In.
type Problem struct {
	File    string         `json:"file"`
	Line    int            `json:"line,omitempty"`
	Field   string         `json:"field,omitempty"`
	Message string         `json:"message"`
	Msg     *iltod.Message `json:"msg,omitempty"`
}

// String formats p as "file:line: field: message", the form editors and terminals link.
func (p Problem) String() string { return p.located(p.Message) }

// In is String in the language lang: Msg written in lang, or the English Message for a
// problem without one.
func (p Problem) In(lang string) string {
	return p.located(p.MessageIn(lang))
}

// MessageIn is the message alone (no location) in the language lang.
func (p Problem) MessageIn(lang string) string {
	if p.Msg != nil {
		return p.Msg.In(lang)
	}
	return p.Message
}

// located returns msg after p's location.
func (p Problem) located(msg string) string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	b.WriteString(": ")
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString(msg)
	return b.String()
}

// MaxReported is how many problems Error spells out; the rest are counted.
const MaxReported = 200

// Error is every problem found in a package, in file and line order. Its chain holds an
// *iltod.Error with code EInvalid, so callers that only know the domain see "invalid".
type Error struct {
	Problems []Problem
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the election package has %d problem", len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteString("s")
	}
	b.WriteString(":")
	for i, p := range e.Problems {
		if i == MaxReported {
			fmt.Fprintf(&b, "\n… and %d more", len(e.Problems)-MaxReported)
			break
		}
		b.WriteString("\n")
		b.WriteString(p.String())
	}
	return b.String()
}

// Unwrap returns the domain form of e.
func (e *Error) Unwrap() error {
	return &iltod.Error{Code: iltod.EInvalid, Message: e.Error()}
}

// problems gathers Problems while a package is read.
type problems struct{ list []Problem }

func (ps *problems) add(file string, line int, field, format string, args ...any) {
	ps.list = append(ps.list, Problem{File: file, Line: line, Field: field, Message: fmt.Sprintf(format, args...)})
}

// msg adds the problem of file, line and field whose message is the catalogue's key,
// its placeholders filled from pairs (see iltod.Lits).
func (ps *problems) msg(file string, line int, field, key string, pairs ...any) {
	m := iltod.Msg(key, iltod.Lits(pairs...))
	ps.list = append(ps.list, Problem{File: file, Line: line, Field: field, Message: m.English(), Msg: &m})
}

// domain adds the domain problem p at file and line under field, keeping its message in
// every language.
func (ps *problems) domain(file string, line int, field string, p iltod.Problem) {
	ps.list = append(ps.list, Problem{File: file, Line: line, Field: field, Message: p.Message, Msg: p.Msg})
}

func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	sort.SliceStable(ps.list, func(i, j int) bool {
		a, b := ps.list[i], ps.list[j]
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
	return &Error{Problems: ps.list}
}
