package electionpkg

import (
	"fmt"
	"sort"
	"strings"

	"github.com/iltod/iltod"
)

// Problem is one fault in a package, located at a file and line.
type Problem struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
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
