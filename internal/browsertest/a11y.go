package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// AxeTags are the axe-core rule tags that [Tab.AxeViolations] runs: the
// rules for the success criteria of WCAG 2.0 and 2.1 at levels A and AA.
var AxeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

// axeEnv names the environment variable that may give the file name of
// axe.min.js, in place of the copy that npm installs next to this package.
const axeEnv = "ILTOD_AXE"

// axeNotInstalled starts the message of a test skipped, or failed under CI,
// because axe-core is not installed.
const axeNotInstalled = "axe-core not found: accessibility tests skipped; run `npm ci` in internal/browsertest/testdata/axe (CI does)"

// axeSource is axe-core's axe.min.js as read from one file.
type axeSource struct {
	path    string
	source  string
	version string // as the file's header states it, such as "4.14.1"
	err     error
	missing bool // the file does not exist, as opposed to a broken install
}

// axeCache holds the axeSource read from each file name, so that each file is
// read once.
var axeCache struct {
	mu     sync.Mutex
	byPath map[string]*axeSource
}

// axeFile returns the file name of axe.min.js and whether it is the copy that
// npm installs: the value of ILTOD_AXE, or else
// node_modules/axe-core/axe.min.js in testdata/axe next to this source file,
// where `npm ci` installs the version that package-lock.json pins.
func axeFile() (path string, installed bool) {
	if p := os.Getenv(axeEnv); p != "" {
		return p, false
	}
	_, file, _, ok := goruntime.Caller(0)
	if !ok {
		return "", true
	}
	return filepath.Join(filepath.Dir(file), "testdata", "axe", "node_modules", "axe-core", "axe.min.js"), true
}

// cachedAxe returns the axe-core that tests use now, read once per file name.
func cachedAxe() *axeSource {
	path, installed := axeFile()
	axeCache.mu.Lock()
	defer axeCache.mu.Unlock()
	if s, ok := axeCache.byPath[path]; ok {
		return s
	}
	s := readAxe(path, installed)
	if axeCache.byPath == nil {
		axeCache.byPath = map[string]*axeSource{}
	}
	axeCache.byPath[path] = s
	return s
}

// readAxe reads axe.min.js from path. When installed is true, the file is in
// node_modules/axe-core, and its version must be the one that the
// package.json above node_modules pins.
func readAxe(path string, installed bool) *axeSource {
	s := &axeSource{path: path}
	if path == "" {
		s.err, s.missing = errors.New("cannot tell where this package's source is"), true
		return s
	}
	b, err := os.ReadFile(path)
	if err != nil {
		s.err, s.missing = err, errors.Is(err, fs.ErrNotExist)
		return s
	}
	s.source = string(b)
	// The file begins "/*! axe v4.14.1".
	head, _, _ := strings.Cut(s.source, "\n")
	if _, v, ok := strings.Cut(head, "axe v"); ok {
		s.version = strings.TrimSpace(v)
	}
	if !installed {
		return s
	}
	want, err := pinnedAxeVersion(filepath.Join(filepath.Dir(path), "..", "..", "package.json"))
	if err != nil {
		s.err = err
		return s
	}
	if s.version != want {
		s.err = fmt.Errorf("%s is axe-core %q, but package.json pins %q: run `npm ci` again", path, s.version, want)
	}
	return s
}

// pinnedAxeVersion returns the version of axe-core that the package.json
// at path depends on.
func pinnedAxeVersion(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	var p struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	v := p.Dependencies["axe-core"]
	if v == "" {
		return "", fmt.Errorf("%s does not depend on axe-core", path)
	}
	return v, nil
}

// RequireAxe makes sure that axe-core is installed, so that a test can check
// it before it does anything slow, and returns its version, such as
// "4.14.1". axe-core is the file that ILTOD_AXE names, or else the copy that
// `npm ci` installs in testdata/axe/node_modules next to this package's
// source, which must be the version that testdata/axe/package.json pins.
// When the file does not exist, RequireAxe calls t.Skip with a message that
// says how to install it, or t.Fatal when the environment variable CI is not
// empty: CI must install it. It calls t.Fatal when the file cannot be read or
// is not the version pinned.
func RequireAxe(t testing.TB) string {
	t.Helper()
	return requireAxe(t).version
}

func requireAxe(t testing.TB) *axeSource {
	t.Helper()
	s := cachedAxe()
	switch {
	case s.err == nil:
	case s.missing:
		msg := fmt.Sprintf("%s (%v)", axeNotInstalled, s.err)
		if os.Getenv("CI") != "" {
			t.Fatal(msg + " [fatal because CI is set]")
		}
		t.Skip(msg)
	default:
		t.Fatalf("browsertest: axe-core: %v", s.err)
	}
	return s
}

// A Violation is one element that breaks one axe-core rule.
type Violation struct {
	Rule    string   `json:"rule"`    // the rule's id, such as "color-contrast"
	Impact  string   `json:"impact"`  // "minor", "moderate", "serious" or "critical"
	Help    string   `json:"help"`    // what the rule asks for, in a sentence
	HelpURL string   `json:"helpUrl"` // the rule's page at Deque University
	Target  []string `json:"target"`  // a CSS selector of the element (one per frame or shadow root)
	HTML    string   `json:"html"`    // the element's start tag, as axe-core quotes it
	Summary string   `json:"summary"` // axe-core's failure summary: what to fix, and the figures
}

// String returns the violation on one line, such as
//
//	color-contrast (serious) at p#grey: Elements must meet minimum color
//	contrast ratio thresholds. Fix any of the following: Element has
//	insufficient color contrast of 2.32 … <https://dequeuniversity.com/…>
func (v Violation) String() string {
	summary := strings.Join(strings.Fields(v.Summary), " ")
	return fmt.Sprintf("%s (%s) at %s: %s. %s <%s>", v.Rule, v.Impact, strings.Join(v.Target, " >>> "), strings.TrimSuffix(v.Help, "."), summary, v.HelpURL)
}

// axeRun runs axe-core on the document with the rules chosen (its runOnly
// option) and returns a JSON array of violations, one per element.
const axeRun = `(async () => {
	const r = await axe.run(document, {
		runOnly: %s,
		resultTypes: ["violations"],
	});
	return r.violations.flatMap(v => v.nodes.map(n => ({
		rule: v.id, impact: n.impact || v.impact || "", help: v.help, helpUrl: v.helpUrl,
		target: n.target.flat(Infinity).map(String), html: n.html, summary: n.failureSummary || "",
	})));
})()`

// AxeViolations runs axe-core (see [RequireAxe], which it calls first) on
// the page as it is now, with the rules tagged [AxeTags], or only the rules
// named if any are (such as "scrollable-region-focusable"), and returns what
// they find, one [Violation] per rule and element; an empty slice for a page
// that passes. A test asserts it is empty and prints each violation.
//
// axe-core is injected into the page the first time it is needed after a
// navigation, through the DevTools protocol, so the page's
// Content-Security-Policy does not stop it. It runs entirely in the page:
// no network. Its rules find many failures of WCAG, not all of them: passing
// them is not conformance, which needs a person too (for example, reflow at
// 320 CSS pixels is not one of them).
func (t *Tab) AxeViolations(rules ...string) []Violation {
	t.tb.Helper()
	axe := requireAxe(t.tb)
	loaded, err := eval[bool](t, `typeof window.axe === "object" && typeof window.axe.run === "function"`)
	if err != nil {
		t.failf("AxeViolations(%q): %v", rules, err)
	}
	if !loaded {
		if _, err := eval[chromedp.Void](t, axe.source); err != nil {
			t.failf("AxeViolations(%q): injecting axe-core: %v", rules, err)
		}
	}
	only := map[string]any{"type": "tag", "values": AxeTags}
	if len(rules) > 0 {
		only = map[string]any{"type": "rule", "values": rules}
	}
	js, _ := json.Marshal(only)
	v, err := eval[[]Violation](t, fmt.Sprintf(axeRun, js))
	if err != nil {
		t.failf("AxeViolations(%q): %v", rules, err)
	}
	if v == nil {
		v = []Violation{}
	}
	return v
}

// TabOrder presses the Tab key n times and returns, after each press, a
// description of the element that has the focus (document.activeElement):
// its tag name, then "#" and its id if it has one, then a space and its
// accessible name in double quotes if it has one, such as `a#home "Home"` or
// `input#email "E-mail address"`; "body" when no element has the focus. The
// accessible name is the one Chromium computes for screen readers, cut to 40
// characters. Focus starts wherever it is: after [Tab.Navigate], at the top of
// the page.
func (t *Tab) TabOrder(n int) []string {
	t.tb.Helper()
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		if _, err := run(t, chromedp.KeyEvent(kb.Tab)); err != nil {
			t.failf("TabOrder(%d): pressing Tab %d: %v", n, i+1, err)
		}
		s, err := t.focused()
		if err != nil {
			t.failf("TabOrder(%d): after Tab %d: %v", n, i+1, err)
		}
		out = append(out, s)
	}
	return out
}

// focused describes the element that has the focus, for TabOrder.
func (t *Tab) focused() (string, error) {
	const active = `(e => e && e !== document.body && e !== document.documentElement ? e : null)(document.activeElement)`
	tag, err := eval[string](t, `(e => e ? e.localName + (e.id ? "#" + e.id : "") : "body")(`+active+`)`)
	if err != nil || tag == "body" {
		return tag, err
	}
	el, err := eval[*runtime.RemoteObject](t, active)
	if err != nil {
		return "", err
	}
	if el == nil || el.ObjectID == "" {
		return "", fmt.Errorf("%s lost the focus", tag)
	}
	defer callCDP(t, runtime.ReleaseObject, runtime.ReleaseObjectParams{ObjectID: el.ObjectID})
	tree, err := callCDP(t, accessibility.GetPartialAXTree, accessibility.GetPartialAXTreeParams{
		ObjectID: el.ObjectID, FetchRelatives: new(false),
	})
	if err != nil {
		return "", fmt.Errorf("the accessibility tree of %s: %w", tag, err)
	}
	name := ""
	if len(tree.Nodes) > 0 && tree.Nodes[0].Name != nil && len(tree.Nodes[0].Name.Value) > 0 {
		if err := json.Unmarshal(tree.Nodes[0].Name.Value, &name); err != nil {
			return "", fmt.Errorf("the accessible name of %s: %w", tag, err)
		}
	}
	if name = strings.Join(strings.Fields(name), " "); name != "" {
		if r := []rune(name); len(r) > 40 {
			name = string(r[:37]) + "..."
		}
		tag += ` "` + name + `"`
	}
	return tag, nil
}

// callCDP sends one command of the DevTools protocol to the tab, with the
// tab's timeout.
func callCDP[P, R any](t *Tab, cmd cdp.Command[P, R], params P) (R, error) {
	ctx, cancel := context.WithTimeout(t.ctx, t.timeout)
	defer cancel()
	return chromedp.Call(ctx, cmd, params)
}
