package locales

import (
	"go/ast"
	"go/token"
	"slices"
	"strings"
	"testing"
)

// errorsDirs are the packages, besides the command line's, whose errors and notes people
// read and whose every sentence is in the catalogue: the application's rules (error.app)
// and the election's analysis (stats.analysis).
var errorsDirs = []string{"internal/app", "internal/analysis"}

// errorsMachineWords are strings of those packages that read like English but are not
// words shown to a person.
var errorsMachineWords = []string{
	"create staff account",      // the action in a staff event's detail: data of the public
	"update staff account",      // log, the same in every language
	"not a password of anyone",  // the dummy password hashed to time a refused sign-in alike
	"store returned outcome %d", // a store's fault: logged, shown only as "internal error"
	"store returned %d results for %d submissions",
}

// internalPrefixes begin the errors of broken invariants (a caller's or a store's
// fault, never a person's): they are logged, and shown to people only as "internal
// error".
var internalPrefixes = []string{"analysis: "}

// TestNoEnglishInErrors checks that the packages of errorsDirs name their words by key,
// as TestNoEnglishInCommandLine does for the command line. Besides the strings above, it
// lets pass what is for operators, not for the people the errors answer: log messages
// and their values (log/slog calls), and the context an error is wrapped in (": %w"),
// which logs show and people never see.
func TestNoEnglishInErrors(t *testing.T) {
	logCall := func(c *ast.CallExpr) bool {
		sel, ok := c.Fun.(*ast.SelectorExpr)
		return ok && slices.Contains([]string{"Debug", "Info", "Warn", "Error", "DebugContext", "InfoContext", "WarnContext", "ErrorContext"}, sel.Sel.Name)
	}
	allowed := func(v string) bool {
		return slices.Contains(errorsMachineWords, v) || strings.HasSuffix(v, ": %w") ||
			slices.ContainsFunc(internalPrefixes, func(p string) bool { return strings.HasPrefix(v, p) })
	}
	checked := englishPhrases(t, errorsDirs, logCall, allowed, func(pos token.Position, phrase string) {
		t.Errorf("%s holds the English %q: put the words in locales/*.toml and name their key (iltod.E, locales.Text)", pos, phrase)
	})
	if checked < 15 {
		t.Errorf("checked %d files of %v; the scan is broken", checked, errorsDirs)
	}
}
