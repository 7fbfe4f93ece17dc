package official

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/locales"
)

// Problem is one fault in a file being imported, located at a CSV line and column (the
// header is line 1), or at a path within a JSON document (Line 0, Field the path, e.g.
// Election[0].Contest[2].ContestSelection[1].VoteCounts[0].Count), or at a key of a
// mapping file. It is the election package reader's located problem, so every import
// error in iltod prints the same way: "file:line: field: message".
type Problem = electionpkg.Problem

// MaxProblems is how many problems a reader collects before it stops reading; MaxReported
// is how many Error spells out.
const (
	MaxProblems = 1000
	MaxReported = 200
)

// Error is every problem found in a file, in the order found (for CSV, line order). Its
// chain holds an *iltod.Error with code EInvalid, so callers that only know the domain
// see "invalid".
type Error struct {
	Problems []Problem `json:"problems"`
	// Stopped is set when reading stopped after MaxProblems problems.
	Stopped bool `json:"stopped,omitempty"`
}

func (e *Error) Error() string {
	var b strings.Builder
	n := len(e.Problems)
	fmt.Fprintf(&b, "%d problem", n)
	if n != 1 {
		b.WriteString("s")
	}
	if e.Stopped {
		b.WriteString(" (reading stopped there)")
	}
	b.WriteString(", nothing imported:")
	for i, p := range e.Problems {
		if i == MaxReported {
			fmt.Fprintf(&b, "\n… and %d more", n-MaxReported)
			break
		}
		b.WriteString("\n")
		b.WriteString(p.String())
	}
	return b.String()
}

// In is Error in p's language: its heading, and each problem written with Problem.In.
// It makes an *Error a locales.Localizer.
func (e *Error) In(p *locales.Printer) string {
	var b strings.Builder
	key := "error.official.problems"
	if e.Stopped {
		key = "error.official.problems_stopped"
	}
	b.WriteString(p.N(key, len(e.Problems)))
	for i, pr := range e.Problems {
		if i == MaxReported {
			b.WriteString("\n" + p.T("error.official.more", locales.Args{"N": p.Int(int64(len(e.Problems) - MaxReported))}))
			break
		}
		b.WriteString("\n" + pr.In(p.Lang()))
	}
	return b.String()
}

// Unwrap returns the domain form of e.
func (e *Error) Unwrap() error {
	return &iltod.Error{Code: iltod.EInvalid, Message: e.Error()}
}

// problems gathers the Problems of one file.
type problems struct {
	file    string
	list    []Problem
	stopped bool
}

func (ps *problems) add(line int, field, format string, args ...any) {
	if len(ps.list) >= MaxProblems {
		ps.stopped = true
		return
	}
	ps.list = append(ps.list, Problem{File: ps.file, Line: line, Field: field, Message: fmt.Sprintf(format, args...)})
}

// put adds the problem of line and field with the message m (see iltod.Message).
func (ps *problems) put(line int, field string, m iltod.Message) {
	if len(ps.list) >= MaxProblems {
		ps.stopped = true
		return
	}
	ps.list = append(ps.list, Problem{File: ps.file, Line: line, Field: field, Message: m.English(), Msg: &m})
}

// msg adds the problem of line and field whose message is the catalogue's key, its
// placeholders filled from pairs (see iltod.Lits).
func (ps *problems) msg(line int, field, key string, pairs ...any) {
	ps.put(line, field, iltod.Msg(key, iltod.Lits(pairs...)))
}

// domain adds the domain problem p at line under field, keeping its message in every
// language.
func (ps *problems) domain(line int, field string, p iltod.Problem) {
	if p.Msg != nil {
		ps.put(line, field, *p.Msg)
		return
	}
	ps.add(line, field, "%s", p.Message)
}

// full reports whether no more problems are collected.
func (ps *problems) full() bool { return len(ps.list) >= MaxProblems }

func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	return &Error{Problems: ps.list, Stopped: ps.stopped}
}

// trunc shortens s for a message.
func trunc(s string) string {
	if utf8.RuneCountInString(s) <= 60 {
		return s
	}
	return string([]rune(s)[:60]) + "…"
}
