package locales

import (
	"go/ast"
	goparser "go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// cliDirs are the packages of the command line, whose every sentence is in the catalogue
// (cli.*): the commands themselves, the analyses on plain CSV files and their tables.
var cliDirs = []string{"cmd/iltod", "internal/plaincsv", "internal/tabular"}

// cliMachineWords are strings of those packages that read like English but are values
// for programs, the same in every language: a column's name in CSV and JSON, a value of
// the JSON output. People read their headings and words from the catalogue.
var cliMachineWords = []string{
	"turnout up to",              // a column name (tabular/headings.go, plaincsv/print.go)
	"the official file's totals", // ChoiceTests.NationalSource in JSON (plaincsv/compare.go)
}

// sentenceRe matches three English words in a row: what a sentence or a phrase for people
// has, and a code, a flag, a key or a column name of one or two words has not.
var sentenceRe = regexp.MustCompile(`\b[A-Za-z][a-z']+(?: [a-z']{2,}){2,}\b`)

// TestNoEnglishInCommandLine checks that the command line's Go code names its words by
// key: no string literal outside tests holds an English phrase, but for the machine
// values above, panics (a programmer's mistake, not a message), regular expressions
// (which match the flag package's own errors) and the synopses of commands (flag names
// and metavariables, written after "iltod").
func TestNoEnglishInCommandLine(t *testing.T) {
	checked := englishPhrases(t, cliDirs, nil, func(v string) bool {
		return strings.Contains(v, "iltod ") || slices.Contains(cliMachineWords, v)
	}, func(pos token.Position, phrase string) {
		t.Errorf("%s holds the English %q: put the words in locales/*.toml ([cli]) and name their key", pos, phrase)
	})
	if checked < 20 {
		t.Errorf("checked %d files of %v; the scan is broken", checked, cliDirs)
	}
}

// englishPhrases calls found for each string literal of the non-test Go files of dirs
// that holds an English phrase (sentenceRe), and returns how many files it read. It
// skips struct tags, the literals inside calls to panic and MustCompile, inside calls
// for which skipCall (if not nil) reports true, and the literals that allowed accepts.
func englishPhrases(t *testing.T, dirs []string, skipCall func(*ast.CallExpr) bool, allowed func(string) bool, found func(token.Position, string)) int {
	t.Helper()
	checked := 0
	for _, path := range goFiles(t) {
		if strings.HasSuffix(path, "_test.go") || !slices.Contains(dirs, filepath.ToSlash(filepath.Dir(path))) {
			continue
		}
		checked++
		fset := token.NewFileSet()
		f, err := goparser.ParseFile(fset, filepath.Join(root, path), nil, goparser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		skip := map[*ast.BasicLit]bool{}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.Field:
				if n.Tag != nil {
					skip[n.Tag] = true
				}
			case *ast.CallExpr:
				if calls(n, "panic") || calls(n, "MustCompile") || skipCall != nil && skipCall(n) {
					ast.Inspect(n, func(m ast.Node) bool {
						if lit, ok := m.(*ast.BasicLit); ok {
							skip[lit] = true
						}
						return true
					})
				}
			case *ast.BasicLit:
				if n.Kind != token.STRING || skip[n] {
					return true
				}
				v, err := strconv.Unquote(n.Value)
				if err != nil {
					v = n.Value
				}
				if allowed(v) {
					return true
				}
				if m := sentenceRe.FindString(v); m != "" {
					found(fset.Position(n.Pos()), m)
				}
			}
			return true
		})
	}
	return checked
}

// calls reports whether c calls a function or method named name.
func calls(c *ast.CallExpr, name string) bool {
	switch fn := c.Fun.(type) {
	case *ast.Ident:
		return fn.Name == name
	case *ast.SelectorExpr:
		return fn.Sel.Name == name
	}
	return false
}
