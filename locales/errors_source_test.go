package locales

import (
	"go/ast"
	"go/token"
	"slices"
	"strings"
	"testing"
)

// errorsDirs are the packages, besides the command line's, whose errors, problems and
// notes people read and whose sentences are in the catalogue: the application's rules
// (error.app), the election's analysis (stats.analysis), the domain's validation and the
// election package reader (error.package), the reading of official results
// (error.official), the store (error.store), the site and the API (web, public, console,
// error), the quality checks (qa) and the statistics (stats).
var errorsDirs = []string{"internal/app", "internal/analysis", ".", "internal/electionpkg", "internal/official", "internal/sqlstore", "internal/http", "internal/qa", "stats/pvt", "stats/seats", "stats/forensics", "internal/evidence", "internal/sms"}

// errorsMachineWords are the strings of those packages that read like English but are
// not words for the people the errors answer, each with why it stays.
var errorsMachineWords = map[string]string{
	// The observer app's Content-Security-Policy header: protocol words, not a message.
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; ": "a Content-Security-Policy header",
	// internal/http: the server's own log files and start-up, and the NIST exports' data.
	"the log's checkpoint is malformed":                                             "the server's own log file is broken: logged, shown only as \"internal error\"",
	"read the log's checkpoint: status %d":                                          "the server's own log file: logged, shown only as \"internal error\"",
	"checkpoint too large":                                                          "the server's own log file: logged, shown only as \"internal error\"",
	"no message %q in the catalogue":                                                "a template naming a missing key: the template test fails first",
	"Official results as imported by iltod":                                         "the Issuer of a NIST 1500-100 file: data of the export",
	"Observers' station results: figures observers agree on or reviewers resolved.": "the Notes of a NIST 1500-100 file: data of the export",
	// internal/qa's form expansion: a package that passed validation never fails it, so
	// people see these only as "internal error".
	"expand form %s v%d: no area index":                                               "qa.Expand invariant",
	"station %s lies in two contests of tier %s: %s and %s":                           "qa.Expand invariant",
	"tag %s is used by two questions (%s and %s)":                                     "qa.Expand invariant",
	"questions %s and %s count the same figure (%s)":                                  "qa.Expand invariant",
	"question %s: choice %s of contest %s has no ballot number, which choice * needs": "qa.Expand invariant",
	"question %s: contest %s has no choice %q":                                        "qa.Expand invariant",
	"overflow at character ":                                                          "the evaluator's internal signal; the rule's message is in the catalogue",
	// stats/pvt's sentinel for errors.Is; the error people read is CoverageError.Text.
	"pvt: stratum with fewer than 2 reporting stations": "sentinel matched with errors.Is",
	"create staff account":                              "the action in a staff event's detail: data of the public log",
	"update staff account":                              "the action in a staff event's detail: data of the public log",
	"not a password of anyone":                          "the dummy password hashed to time a refused sign-in alike",
	"store returned outcome %d":                         "a store's fault: logged, shown only as \"internal error\"",
	"store returned %d results for %d submissions":      "a store's fault: logged, shown only as \"internal error\"",
	// Errors of decoding JSON: the technical {{.Detail}} of error.payload_not_report,
	// which the catalogue keeps in English like encoding/json's own errors.
	"answers must be an object":            "JSON decoding detail",
	"position must be an object":           "JSON decoding detail",
	"a list answer must hold only strings": "JSON decoding detail",
	"an answer must be null, a whole number, true, false, a string or a list of strings": "JSON decoding detail",
	"%s is not a whole number within ±2^53":                                              "JSON decoding detail",
	"a message is a string, or an object with a key, a list or texts":                    "JSON decoding detail",
	" (the field ends on line %d)":                                                       "detail of encoding/csv's English error",
	// Programmers' mistakes and broken invariants, shown to people as "internal error".
	"value of unknown kind %d":       "a Value the package did not make",
	"cannot hold a value of type %s": "a Go type the package reader cannot decode into",
	"the event of a change to a staff account needs a detail: who changed what":                "store invariant",
	"the detail of a staff account's event must be canonical JSON":                             "store invariant",
	"the detail of a staff account's event holds the account's %s, which must never be logged": "store invariant",
	// English for logs and programs; people read Problems.In and Error.In.
	"the election package has %d problem": "electionpkg.Error.Error, for logs; the command line writes In",
	" (reading stopped there)":            "official.Error.Error, for logs; the command line and the console write In",
	// Exports: data the store already checked, and the NIST export's notes, which are data.
	"result %d: choice %q has the name of a count; the long layout cannot tell them apart": "export of checked results: a broken invariant",
	"the results to write": "export of checked results: a broken invariant",
	"Official results of %s, version %d, from %s, published %s; imported %s, digest (SHA-256) %x.": "the NIST export's notes: data",
	// The NIST schema embedded in the binary: a programmer's mistake if it fails.
	"the schema is not an object":                              "embedded schema",
	"the schema has no definitions":                            "embedded schema",
	"a oneOf alternative %v is not a class with its own @type": "embedded schema",
	// The header written into the files of an exported package: data, not a message.
	"iltod election package: see docs/package-format.md":                                          "comment in an exported package file",
	"DEMONSTRATION DATA: not a real election; parties, candidates and observers are fictional.\n": "comment in an exported package file",
	// Opening and migrating the store's database: the operator's errors at start-up,
	// which the server logs and the command line prints; no API client or page sees them.
	"open postgres: cannot parse the connection string":                   "opening the database, at start-up",
	"open postgres: no schema of the search_path exists":                  "opening the database, at start-up",
	"open sqlite: %q is not a plain file path":                            "opening the database, at start-up",
	"migration %s: the name does not start with a version number and '_'": "the migrations built into the program: a programmer's mistake",
	"the database has schema version %d, newer than this program's %d":    "migrating the database, at start-up: the operator runs an older program",
}

// internalPrefixes begin the errors of broken invariants (a caller's or a store's
// fault, never a person's): they are logged, and shown to people only as "internal
// error".
var internalPrefixes = []string{"analysis: "}

// TestNoEnglishInErrors checks that the packages of errorsDirs name their words by key,
// as TestNoEnglishInCommandLine does for the command line. Besides the strings above, it
// lets pass what is for operators, not for the people the errors answer: log messages
// and their values (log/slog calls), and the context an error is wrapped in (": %w", or
// the store's wrap(err, context)), which logs show and people never see.
func TestNoEnglishInErrors(t *testing.T) {
	logCall := func(c *ast.CallExpr) bool {
		sel, ok := c.Fun.(*ast.SelectorExpr)
		return ok && slices.Contains([]string{"Debug", "Info", "Warn", "Error", "DebugContext", "InfoContext", "WarnContext", "ErrorContext"}, sel.Sel.Name) ||
			calls(c, "wrap")
	}
	allowed := func(v string) bool {
		_, machine := errorsMachineWords[v]
		return machine || strings.HasSuffix(v, ": %w") ||
			slices.ContainsFunc(internalPrefixes, func(p string) bool { return strings.HasPrefix(v, p) })
	}
	checked := englishPhrases(t, errorsDirs, logCall, allowed, func(pos token.Position, phrase string) {
		t.Errorf("%s holds the English %q: put the words in locales/*.toml and name their key (iltod.E, locales.Text)", pos, phrase)
	})
	if checked < 40 {
		t.Errorf("checked %d files of %v; the scan is broken", checked, errorsDirs)
	}
}
