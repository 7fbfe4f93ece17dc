package browsertest

import (
	_ "embed"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// a11yJS is a JavaScript function expression that takes a mode, "problems" or
// "focus". See the file for what it checks.
//
//go:embed a11y.js
var a11yJS string

// AccessibilityProblems checks the page as it is now and returns its
// accessibility problems, one human-readable string each, naming the element
// by its tag, id or classes and a snippet of its text; it returns an empty
// slice for a page that passes. A test asserts it is empty.
//
// The checks run in the page, in plain JavaScript written for this package
// (no library, no network), on the elements that are rendered and not
// aria-hidden:
//   - the html element has a lang attribute, and the page exactly one h1;
//   - every img, [role=img], input[type=image] and area has a text
//     alternative (alt, which may be empty for a decorative image,
//     aria-label, aria-labelledby, or an svg's title);
//   - every input, select and textarea other than buttons and hidden inputs
//     has a label: label[for] or an enclosing label, aria-label or
//     aria-labelledby, with text in it;
//   - links and buttons have discernible text (content, alt of an image in
//     them, aria-label, aria-labelledby or title);
//   - no element has a positive tabindex;
//   - headings do not skip levels on the way down (an h2 followed by an h4);
//     the first heading may have any level;
//   - the text of every element with text of its own has a WCAG 2 contrast
//     ratio against its background of at least 4.5:1, or 3:1 for large text
//     (24px, or 18.66px bold). The background is the first opaque background
//     colour among the element and its ancestors, with the translucent ones
//     above it blended in, over white. Disabled controls are exempt, as WCAG
//     says. Text over a background image or gradient is not checked, nor is
//     text whose background is another element placed under it, nor the
//     effect of opacity below 1.
//
// These checks find the common mistakes; passing them is not conformance
// to WCAG, which needs a person too.
func (t *Tab) AccessibilityProblems() []string {
	t.tb.Helper()
	v, err := eval[[]string](t, "("+a11yJS+`)("problems")`)
	if err != nil {
		t.failf("AccessibilityProblems(): %v", err)
	}
	if v == nil {
		v = []string{}
	}
	return v
}

// TabOrder presses the Tab key n times and returns, after each press, a
// description of the element that has the focus (document.activeElement):
// its tag name, then "#" and its id if it has one, then a space and its
// accessible name in double quotes if it has one, such as `a#home "Home"` or
// `input#email "E-mail address"`; "body" when no element has the focus.
// Focus starts wherever it is: after [Tab.Navigate], at the top of the page.
func (t *Tab) TabOrder(n int) []string {
	t.tb.Helper()
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		if _, err := run(t, chromedp.KeyEvent(kb.Tab)); err != nil {
			t.failf("TabOrder(%d): pressing Tab %d: %v", n, i+1, err)
		}
		s, err := eval[string](t, "("+a11yJS+`)("focus")`)
		if err != nil {
			t.failf("TabOrder(%d): after Tab %d: %v", n, i+1, err)
		}
		out = append(out, s)
	}
	return out
}
