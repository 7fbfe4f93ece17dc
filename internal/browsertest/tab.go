package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Tab is one page of a [Browser], in a browser context of its own: it shares
// no cookies, storage or cache with any other tab. It is made by
// [Browser.NewTab] and closed when the test given to NewTab ends.
//
// Every method that fails stops the test with t.Fatalf, after it saved a
// screenshot and the page's HTML in [ScreenshotDir]; the message names the
// method, the selector and the page URL. So, as with t.Fatal, the methods
// MUST be called from the goroutine running the test, and a Tab MUST NOT be
// used by two goroutines at once.
//
// Selectors are CSS selectors, as for document.querySelector. The methods that
// act on an element wait until it exists (Click and Type: until it is
// visible), at most the tab's timeout ([DefaultTimeout] unless
// [Tab.SetTimeout] changed it). Click, Submit and Type also wait for the page
// load that they start, if any, so the next call sees the new page.
type Tab struct {
	tb      testing.TB
	ctx     context.Context
	timeout time.Duration

	mu        sync.Mutex
	frameID   cdp.FrameID   // the main frame
	changed   chan struct{} // closed and replaced when a counter below moves
	requested int           // navigations of the main frame asked for by the page
	started   int           // loads of the main frame started
	stopped   int           // loads of the main frame finished
	sameDoc   int           // navigations within the document (#fragment, history API)
	problems  []string      // console errors, exceptions, error log entries
	noScripts bool          // the page's scripts are off (SetScriptsDisabled)
	failures  int           // artifacts saved, for their file names
}

// NewTab opens a new tab for the test t, in a new browser context, and returns
// it. The tab is closed and its browser context discarded when t ends. The
// page is about:blank until [Tab.Navigate]; its viewport is
// [DefaultWidth]×[DefaultHeight] until [Tab.SetViewport], and it behaves as
// the focused window's page, even when several tabs are open. NewTab calls
// t.Fatal when the tab does not open within 30 seconds.
//
// t may be a subtest of the test that started the browser. NewTab may be
// called from several goroutines at once.
func (b *Browser) NewTab(t testing.TB) *Tab {
	t.Helper()
	tab := &Tab{tb: t, timeout: DefaultTimeout, changed: make(chan struct{})}
	ctx, cancel := chromedp.NewContext(b.ctx,
		chromedp.WithNewBrowserContext(),
		chromedp.WithListener(tab.onEvent))
	tab.ctx = ctx
	t.Cleanup(cancel)
	err := within(startTimeout, cancel, func() error {
		tree, err := chromedp.Call(ctx, page.GetFrameTree, cdp.Empty{})
		if err != nil {
			return err
		}
		tab.mu.Lock()
		tab.frameID = tree.FrameTree.Frame.ID
		tab.mu.Unlock()
		// The window is 1280×900, and so is the page: without this the
		// window's frame would take some of the height. Focus emulation
		// keeps the page focused, as the front window's is, whichever tab
		// the browser thinks is in front.
		_, err = chromedp.Call(ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true})
		if err != nil {
			return err
		}
		return chromedp.Do(ctx, chromedp.EmulateViewport(DefaultWidth, DefaultHeight))
	})
	if err != nil {
		t.Fatalf("browsertest: opening a tab: %v\nbrowser output:\n%s", err, b.output)
	}
	return tab
}

// SetTimeout sets how long each later action of the tab may take.
func (t *Tab) SetTimeout(d time.Duration) { t.timeout = d }

// Context returns the chromedp context of the tab, for the rare test that
// needs chromedp directly. Actions run with it have no time limit.
func (t *Tab) Context() context.Context { return t.ctx }

// onEvent sees every event of the tab, in order, on chromedp's reading
// goroutine: it must be quick and must not call the browser.
func (t *Tab) onEvent(ev any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	moved := false
	switch ev := ev.(type) {
	case *page.EventFrameRequestedNavigation:
		if ev.FrameID == t.frameID && ev.Disposition == page.ClientNavigationDispositionCurrentTab {
			t.requested++
			moved = true
		}
	case *page.EventFrameStartedLoading:
		if ev.FrameID == t.frameID {
			t.started++
			moved = true
		}
	case *page.EventFrameStoppedLoading:
		if ev.FrameID == t.frameID {
			t.stopped++
			moved = true
		}
	case *page.EventNavigatedWithinDocument:
		if ev.FrameID == t.frameID {
			t.sameDoc++
			moved = true
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			t.problems = append(t.problems, "console."+string(ev.Type)+": "+argsText(ev.Args))
		}
	case *runtime.EventExceptionThrown:
		t.problems = append(t.problems, "uncaught exception: "+exceptionText(ev.ExceptionDetails))
	case *log.EventEntryAdded:
		if e := ev.Entry; e != nil && e.Level == log.EntryLevelError && !isFavicon(e) {
			s := string(e.Source) + ": " + e.Text
			if e.URL != "" && !strings.Contains(e.Text, e.URL) {
				s += " (" + e.URL + ")"
			}
			t.problems = append(t.problems, s)
		}
	}
	if moved {
		close(t.changed)
		t.changed = make(chan struct{})
	}
}

// isFavicon reports whether e is the failure to load /favicon.ico that the
// browser asks for by itself, not because of the page.
func isFavicon(e *log.Entry) bool {
	return e.Source == log.EntrySourceNetwork && strings.HasSuffix(e.URL, "/favicon.ico")
}

// argsText renders the arguments of a console call as the console shows
// them, roughly.
func argsText(args []*runtime.RemoteObject) string {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		parts = append(parts, remoteText(a))
	}
	return strings.Join(parts, " ")
}

func remoteText(o *runtime.RemoteObject) string {
	if o == nil {
		return ""
	}
	if len(o.Value) > 0 {
		var s string
		if json.Unmarshal([]byte(o.Value), &s) == nil {
			return s
		}
		return string(o.Value)
	}
	if o.UnserializableValue != "" {
		return string(o.UnserializableValue)
	}
	if o.Description != "" {
		return o.Description
	}
	return string(o.Type)
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d == nil {
		return "(no details)"
	}
	s := d.Text
	if d.Exception != nil && d.Exception.Description != "" {
		// The description holds the error, its message and the stack.
		s, _, _ = strings.Cut(d.Exception.Description, "\n")
	}
	if d.URL != "" {
		s += fmt.Sprintf(" (%s:%d)", d.URL, d.LineNumber+1)
	}
	return s
}

// navMark is the state of the navigation counters before an action.
type navMark struct{ requested, started, stopped, sameDoc int }

func (t *Tab) mark() navMark {
	t.mu.Lock()
	defer t.mu.Unlock()
	return navMark{t.requested, t.started, t.stopped, t.sameDoc}
}

// settle waits for the navigation that an action started after m, if any, to
// finish loading. An action such as a click on a link or a form submission
// only schedules the navigation, so settle first lets the page run the tasks
// queued so far.
func (t *Tab) settle(m navMark) error {
	ctx, cancel := context.WithTimeout(t.ctx, t.timeout)
	defer cancel()
	// The error is ignored: a navigation that commits meanwhile destroys
	// the JavaScript context of the evaluation, which is fine. With the
	// page's scripts off its timers never fire, and there are no tasks of
	// its own to wait for: a short pause lets the browser start the
	// navigation instead.
	t.mu.Lock()
	noScripts := t.noScripts
	t.mu.Unlock()
	if noScripts {
		time.Sleep(50 * time.Millisecond)
	} else {
		_, _ = chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](
			`new Promise(r => setTimeout(r, 20))`, chromedp.EvalAwaitPromise))
	}
	for {
		t.mu.Lock()
		navigating := t.requested > m.requested || t.started > m.started
		done := t.stopped > m.stopped || t.sameDoc > m.sameDoc
		ch := t.changed
		t.mu.Unlock()
		if !navigating || done {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("the page started a navigation that did not finish loading within %v", t.timeout)
		}
	}
}

// run runs one action against the tab with the tab's timeout.
func run[T any](t *Tab, a chromedp.Action[T]) (T, error) {
	ctx, cancel := context.WithTimeout(t.ctx, t.timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil && errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("timed out after %v: %w", t.timeout, context.DeadlineExceeded)
	}
	return v, err
}

// queryError explains the failure of an action that waits for an element
// matching selector, in the words of what it waited for.
func (t *Tab) queryError(err error, what string) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("no %s matched within %v", what, t.timeout)
	}
	if strings.Contains(err.Error(), "DOM Error while querying") {
		return fmt.Errorf("%w (is the selector valid CSS?)", err)
	}
	return err
}

// eval evaluates a JavaScript expression, awaiting a promise, and decodes its
// JSON value into a T.
func eval[T any](t *Tab, js string) (T, error) {
	return run(t, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// failf stops the test with a message that names what failed and the page,
// after it saved a screenshot and the page's HTML.
func (t *Tab) failf(format string, args ...any) {
	t.tb.Helper()
	msg := fmt.Sprintf(format, args...)
	ctx, cancel := context.WithTimeout(t.ctx, 5*time.Second)
	defer cancel()
	url, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		url = "(unknown: " + err.Error() + ")"
	}
	t.tb.Fatalf("browsertest: %s\n\tpage: %s%s", msg, url, t.saveArtifacts(ctx))
}

// saveArtifacts saves a screenshot and the HTML of the page after a failure,
// and returns lines that say where, or why not.
func (t *Tab) saveArtifacts(ctx context.Context) string {
	t.mu.Lock()
	t.failures++
	n := t.failures
	t.mu.Unlock()
	base := fmt.Sprintf("%s-failure-%d", fileName(t.tb.Name()), n)
	dir, err := screenshotDir()
	if err != nil {
		return "\n\tno screenshot: " + err.Error()
	}
	var out strings.Builder
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err != nil {
		fmt.Fprintf(&out, "\n\tno screenshot: %v", err)
	} else if p, err := writeFile(dir, base+".png", png); err != nil {
		fmt.Fprintf(&out, "\n\tno screenshot: %v", err)
	} else {
		fmt.Fprintf(&out, "\n\tscreenshot: %s", p)
	}
	if html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`)); err != nil {
		fmt.Fprintf(&out, "\n\tno HTML: %v", err)
	} else if p, err := writeFile(dir, base+".html", []byte(html)); err != nil {
		fmt.Fprintf(&out, "\n\tno HTML: %v", err)
	} else {
		fmt.Fprintf(&out, "\n\tHTML: %s", p)
	}
	return out.String()
}

// ScreenshotDir returns the directory where screenshots and failure artifacts
// are written: the value of the environment variable ILTOD_SCREENSHOTS, or
// else iltod-screenshots in os.TempDir(). The default outlives the test on
// purpose, so that a failure can be looked at; it is overwritten by the next
// run of the same test. A test whose screenshots must be kept (CI artifacts,
// a review of the pages) sets ILTOD_SCREENSHOTS.
func ScreenshotDir() string {
	if d := os.Getenv("ILTOD_SCREENSHOTS"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "iltod-screenshots")
}

func screenshotDir() (string, error) {
	d := ScreenshotDir()
	if err := os.MkdirAll(d, 0o755); err != nil {
		return "", fmt.Errorf("screenshot directory: %w", err)
	}
	return d, nil
}

func writeFile(dir, name string, data []byte) (string, error) {
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		return "", err
	}
	return p, nil
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// fileName turns a test name or a screenshot name into a safe file name.
func fileName(s string) string {
	return strings.Trim(unsafeFileChars.ReplaceAllString(s, "_"), "_.")
}

// Navigate loads url in the tab and waits for its load event. It fails the
// test when the page cannot be loaded (a network error, not an HTTP error
// status: a 404 page is a page).
func (t *Tab) Navigate(url string) {
	t.tb.Helper()
	if _, err := run(t, chromedp.Navigate(url)); err != nil {
		t.failf("Navigate(%q): %v", url, err)
	}
}

// Text waits for the first element matching selector and returns its
// rendered text (innerText), trimmed of leading and trailing white space.
func (t *Tab) Text(selector string) string {
	t.tb.Helper()
	t.waitReady("Text", selector)
	s, err := eval[string](t, `document.querySelector(`+jsString(selector)+`).innerText`)
	if err != nil {
		t.failf("Text(%q): %v", selector, err)
	}
	return strings.TrimSpace(s)
}

// Texts returns the rendered text, trimmed, of every element matching
// selector, in document order. It does not wait: it returns an empty slice
// when nothing matches.
func (t *Tab) Texts(selector string) []string {
	t.tb.Helper()
	v, err := eval[[]string](t, `Array.from(document.querySelectorAll(`+jsString(selector)+`), e => e.innerText.trim())`)
	if err != nil {
		t.failf("Texts(%q): %v", selector, err)
	}
	if v == nil {
		v = []string{}
	}
	return v
}

// Attr waits for the first element matching selector and returns the value
// of its attribute name, or "" when it has no such attribute.
func (t *Tab) Attr(selector, name string) string {
	t.tb.Helper()
	t.waitReady("Attr", selector)
	v, err := eval[string](t, `document.querySelector(`+jsString(selector)+`).getAttribute(`+jsString(name)+`) ?? ""`)
	if err != nil {
		t.failf("Attr(%q, %q): %v", selector, name, err)
	}
	return v
}

// Click waits until the first element matching selector is visible, clicks
// its centre with the mouse, as a person would (so an element covering it
// gets the click instead), and waits for the page load that the click
// started, if any.
func (t *Tab) Click(selector string) {
	t.tb.Helper()
	m := t.mark()
	if _, err := run(t, chromedp.Click(chromedp.CSS(selector))); err != nil {
		t.failf("Click(%q): %v", selector, t.queryError(err, "visible element"))
	}
	if err := t.settle(m); err != nil {
		t.failf("Click(%q): %v", selector, err)
	}
}

// SetValue waits for the form control matching selector, sets its value
// without typing, and fires its input and change events, as a person's
// editing would. For a select element, value is the value of the option to
// choose.
func (t *Tab) SetValue(selector, value string) {
	t.tb.Helper()
	t.waitReady("SetValue", selector)
	js := `(() => {
		const e = document.querySelector(` + jsString(selector) + `);
		if (!('value' in e)) return e.tagName.toLowerCase() + " has no value";
		e.value = ` + jsString(value) + `;
		e.dispatchEvent(new Event("input", {bubbles: true}));
		e.dispatchEvent(new Event("change", {bubbles: true}));
		return "";
	})()`
	if msg, err := eval[string](t, js); err != nil {
		t.failf("SetValue(%q, %q): %v", selector, value, err)
	} else if msg != "" {
		t.failf("SetValue(%q, %q): %s", selector, value, msg)
	}
}

// Type waits until the element matching selector is visible, focuses it and
// types text into it with key events, after what the element already holds.
// A "\n" in text presses Enter, which may submit a form: Type then waits for
// the page that loads.
func (t *Tab) Type(selector, text string) {
	t.tb.Helper()
	m := t.mark()
	if _, err := run(t, chromedp.SendKeys(chromedp.CSS(selector), text)); err != nil {
		t.failf("Type(%q, %q): %v", selector, text, t.queryError(err, "visible element"))
	}
	if err := t.settle(m); err != nil {
		t.failf("Type(%q, %q): %v", selector, text, err)
	}
}

// Submit waits for the element matching selector and submits its form, as
// pressing a submit button does: the form's submit event fires and its
// constraints are checked (form.requestSubmit). selector may name the form,
// a control inside it, or a submit button, whose name and value are then
// sent. Submit waits for the page that loads. It fails the test, naming the
// fields, when the form's constraints (required, pattern …) are not met; to
// test how a page treats an invalid form, Click its submit button instead.
func (t *Tab) Submit(selector string) {
	t.tb.Helper()
	t.waitReady("Submit", selector)
	m := t.mark()
	js := `(() => {
		const e = document.querySelector(` + jsString(selector) + `);
		const form = e instanceof HTMLFormElement ? e : (e.form || e.closest("form"));
		if (!form) return "the element is in no form";
		const isSubmitter = (e instanceof HTMLButtonElement || e instanceof HTMLInputElement) &&
			(e.type === "submit" || e.type === "image") && e.form === form;
		const novalidate = form.noValidate || (isSubmitter && e.formNoValidate);
		if (!novalidate && !form.checkValidity()) {
			return "the form is not valid: " + Array.from(form.elements)
				.filter(c => c.willValidate && !c.validity.valid)
				.map(c => (c.name || c.id || c.tagName.toLowerCase()) + ": " + c.validationMessage)
				.join("; ");
		}
		if (isSubmitter) form.requestSubmit(e); else form.requestSubmit();
		return "";
	})()`
	if msg, err := eval[string](t, js); err != nil {
		t.failf("Submit(%q): %v", selector, err)
	} else if msg != "" {
		t.failf("Submit(%q): %s", selector, msg)
	}
	if err := t.settle(m); err != nil {
		t.failf("Submit(%q): %v", selector, err)
	}
}

// WaitVisible waits until the first element matching selector is visible
// (rendered with a non-empty box).
func (t *Tab) WaitVisible(selector string) {
	t.tb.Helper()
	if _, err := run(t, chromedp.WaitVisible(chromedp.CSS(selector))); err != nil {
		t.failf("WaitVisible(%q): %v", selector, t.queryError(err, "visible element"))
	}
}

// waitReady waits until an element matches selector.
func (t *Tab) waitReady(method, selector string) {
	t.tb.Helper()
	if _, err := run(t, chromedp.WaitReady(chromedp.CSS(selector))); err != nil {
		t.failf("%s(%q): %v", method, selector, t.queryError(err, "element"))
	}
}

// Exists reports whether an element matches selector now, without waiting.
func (t *Tab) Exists(selector string) bool {
	t.tb.Helper()
	v, err := eval[bool](t, `document.querySelector(`+jsString(selector)+`) !== null`)
	if err != nil {
		t.failf("Exists(%q): %v", selector, err)
	}
	return v
}

// HTML returns the outer HTML of the document as it is now, scripts' changes
// included.
func (t *Tab) HTML() string {
	t.tb.Helper()
	v, err := eval[string](t, `document.documentElement.outerHTML`)
	if err != nil {
		t.failf("HTML(): %v", err)
	}
	return v
}

// URL returns the address of the page shown.
func (t *Tab) URL() string {
	t.tb.Helper()
	v, err := run(t, chromedp.Location())
	if err != nil {
		t.failf("URL(): %v", err)
	}
	return v
}

// Screenshot saves a PNG of the whole page, not only the visible part, as
// <test name>-<name>.png in [ScreenshotDir], and returns the file's path.
func (t *Tab) Screenshot(name string) string {
	t.tb.Helper()
	png, err := run(t, chromedp.FullScreenshot(100))
	if err != nil {
		t.failf("Screenshot(%q): %v", name, err)
	}
	dir, err := screenshotDir()
	if err != nil {
		t.tb.Fatalf("browsertest: Screenshot(%q): %v", name, err)
	}
	p, err := writeFile(dir, fileName(t.tb.Name())+"-"+fileName(name)+".png", png)
	if err != nil {
		t.tb.Fatalf("browsertest: Screenshot(%q): %v", name, err)
	}
	return p
}

// SetViewport makes the page's viewport width×height CSS pixels at a device
// scale of 1, such as 375×667 for a small phone, until it is set again. It
// does not emulate touch or a mobile user agent.
func (t *Tab) SetViewport(width, height int) {
	t.tb.Helper()
	if _, err := run(t, chromedp.EmulateViewport(int64(width), int64(height))); err != nil {
		t.failf("SetViewport(%d, %d): %v", width, height, err)
	}
}

// SetPhoneViewport makes the page's viewport width×height CSS pixels at a
// device scale of 1, as a phone's: the browser emulates a mobile device with a
// touch screen, so that the page's viewport meta tag applies and scroll bars
// take no width (the document's clientWidth is width, as on a phone). It lasts
// until [Tab.SetViewport] or SetPhoneViewport is called again.
func (t *Tab) SetPhoneViewport(width, height int) {
	t.tb.Helper()
	if _, err := run(t, chromedp.EmulateViewport(int64(width), int64(height), chromedp.EmulateMobile, chromedp.EmulateTouch)); err != nil {
		t.failf("SetPhoneViewport(%d, %d): %v", width, height, err)
	}
}

// ConsoleErrors returns what went wrong in the page since the tab opened, one
// string per problem, oldest first: console.error and console.assert calls,
// uncaught exceptions and unhandled promise rejections, and errors of the
// browser's log, which include Content-Security-Policy violations ("security:
// Refused to execute inline script …") and failed loads of resources
// ("network: Failed to load resource …"), except that of /favicon.ico,
// which the browser asks for by itself. A test asserts it is empty.
func (t *Tab) ConsoleErrors() []string {
	t.tb.Helper()
	// A round trip to the page, so that the events the page sent before it
	// have been seen.
	if _, err := eval[chromedp.Void](t, `0`); err != nil {
		t.failf("ConsoleErrors(): %v", err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string{}, t.problems...)
}

// Eval evaluates the JavaScript expression js in the page, waits for it when
// it is a promise, and decodes its value, as JSON, into out, which must be a
// pointer or nil (to ignore the value). An exception fails the test.
func (t *Tab) Eval(js string, out any) {
	t.tb.Helper()
	if out == nil {
		if _, err := eval[chromedp.Void](t, js); err != nil {
			t.failf("Eval(%q): %v", short(js), err)
		}
		return
	}
	raw, err := eval[[]byte](t, js)
	if err != nil {
		t.failf("Eval(%q): %v", short(js), err)
	}
	if len(raw) == 0 {
		raw = []byte("null") // undefined
	}
	if err := json.Unmarshal(raw, out); err != nil {
		t.failf("Eval(%q): decoding %s: %v", short(js), short(string(raw)), err)
	}
}

// short shortens s for a message.
func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 80 {
		return string(r[:77]) + "..."
	}
	return s
}
