package locales

import (
	"go/scanner"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// The tests in this file read the repository's source, from its root (the parent of
// this directory).
const root = ".."

// dataNotWords are Go files, outside tests and demo/, whose Cyrillic is data rather than
// words of iltod: the names and testimony of synthetic elections and test fixtures, which
// stand for what an election package or an observer would send. They stay.
var dataNotWords = []string{
	"internal/simulate/answers.go",  // simulated observers' testimony
	"internal/synth/synth.go",       // a synthetic country's places, parties and forms
	"internal/storetest/admin.go",   // the conformance suite's fixtures (a package of tests
	"internal/storetest/fixture.go", // that other packages' _test.go files import)
	"internal/storetest/intake.go",
	"internal/storetest/official.go",
	"internal/storetest/submissions.go",
}

// goFiles returns the repository's Go files, as slash-separated paths from its root.
func goFiles(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(path, ".go") {
			rel, err := filepath.Rel(root, path)
			if err != nil {
				return err
			}
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 50 {
		t.Fatalf("found only %d Go files under %s", len(out), root)
	}
	return out
}

// stringLiterals returns the values of the string and rune literals of a Go file, with
// their lines. Comments are not words shown to anyone and are skipped.
func stringLiterals(t *testing.T, path string) (lits []string, lines []int) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	file := fset.AddFile(path, -1, len(src))
	var s scanner.Scanner
	s.Init(file, src, func(pos token.Position, msg string) { t.Errorf("%s: %s", pos, msg) }, 0)
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			return lits, lines
		}
		if tok != token.STRING && tok != token.CHAR {
			continue
		}
		v, err := strconv.Unquote(lit)
		if err != nil {
			v = lit
		}
		lits = append(lits, v)
		lines = append(lines, fset.Position(pos).Line)
	}
}

func hasCyrillic(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Cyrillic, r) })
}

// TestNoCyrillicInGo checks that words live in the catalogue: no string in a Go file
// outside tests, locales/ and demo/ holds Cyrillic, but for the files listed above. A
// listed file that no longer holds any must leave the list.
func TestNoCyrillicInGo(t *testing.T) {
	offenders := map[string]bool{}
	for _, path := range goFiles(t) {
		if strings.HasSuffix(path, "_test.go") || strings.HasPrefix(path, "locales/") || strings.HasPrefix(path, "demo/") {
			continue
		}
		lits, lines := stringLiterals(t, path)
		for i, lit := range lits {
			if !hasCyrillic(lit) {
				continue
			}
			offenders[path] = true
			if !slices.Contains(dataNotWords, path) {
				t.Errorf("%s:%d holds Cyrillic %q: put the words in locales/*.toml and name their key", path, lines[i], lit)
			}
		}
	}
	for _, path := range dataNotWords {
		if !offenders[path] {
			t.Errorf("%s holds no Cyrillic any more (or is gone): remove it from the list in this test", path)
		}
	}
}

// keyRe matches a string that names a catalogue key, or a prefix of keys (ending in "_"
// or "."), by its namespace.
var keyRe = regexp.MustCompile(`^(web|public|console|status|error|qa|stats|cli|format)\.[A-Za-z0-9_.-]*$`)

// notKeys are file names that look like keys.
var notKeys = regexp.MustCompile(`\.(html|go|json|csv|toml|txt|jsonl|md)$`)

// TestKeysNamedExist checks every key that Go code or a template names as a literal, so
// that a misspelt key fails here rather than showing on a page: a whole key must be in
// the catalogue, and a prefix (a key built from a code, "console.role_"+role) must begin
// at least one key.
func TestKeysNamedExist(t *testing.T) {
	keys := Keys(Fallback)
	check := func(where, lit string) bool {
		if !keyRe.MatchString(lit) || notKeys.MatchString(lit) {
			return false
		}
		if strings.HasSuffix(lit, "_") || strings.HasSuffix(lit, ".") {
			if !slices.ContainsFunc(keys, func(k string) bool { return strings.HasPrefix(k, lit) }) {
				t.Errorf("%s: no key of the catalogue begins with %q", where, lit)
			}
			return true
		}
		if !Has(lit) {
			t.Errorf("%s: %q is not in the catalogue", where, lit)
		}
		return true
	}
	named := 0
	for _, path := range goFiles(t) {
		if strings.HasPrefix(path, "locales/") {
			continue // this package's tests name keys that do not exist on purpose
		}
		lits, lines := stringLiterals(t, path)
		for i, lit := range lits {
			if check(path+":"+strconv.Itoa(lines[i]), lit) {
				named++
			}
		}
	}
	// Templates name keys in actions: {{.L "key"}}, {{.InAll "key"}}, and
	// {{.L (printf "prefix_%s" .)}} for keys built from a code.
	actionKey := regexp.MustCompile(`\.(?:L|InAll) "([^"]+)"|\.L \(printf "([^"%]+)%`)
	tmpls := 0
	err := filepath.WalkDir(filepath.Join(root, "internal"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") {
			return err
		}
		tmpls++
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(src), "\n") {
			for _, m := range actionKey.FindAllStringSubmatch(line, -1) {
				lit := m[1] + m[2]
				where := filepath.ToSlash(path) + ":" + strconv.Itoa(i+1)
				if !check(where, lit) {
					t.Errorf("%s: %q names no key of any namespace", where, lit)
				}
				named++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if tmpls < 10 || named < 500 {
		t.Errorf("found %d templates naming %d keys in all; the scan is broken", tmpls, named)
	}
}
