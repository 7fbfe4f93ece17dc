package official

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/iltod/iltod"
)

// Problem is one fault in a file being imported, located at a CSV line and column, or at
// a path within a JSON document.
type Problem struct {
	File string `json:"file"`
	// Line is the line of the CSV record (the header is line 1) or of the mapping file; 0
	// when the fault has no line, as in a JSON document.
	Line int `json:"line,omitempty"`
	// Field is the CSV column (several joined by '|'), the JSON path of the value, e.g.
	// Election[0].Contest[2].ContestSelection[1].VoteCounts[0].Count, or the key of a
	// mapping file.
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// String formats p as "file:line: field: message", the form editors and terminals link.
func (p Problem) String() string {
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
	b.WriteString(p.Message)
	return b.String()
}

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
