package browsertest

import (
	"bytes"
	"fmt"
	"html"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// pages are the small sites the tests browse, by path.
var pages = map[string]string{
	"/": `<!doctype html><html lang="en"><title>Home</title>
<h1>Hello</h1>
<ul><li>one</li><li> two </li><li>three</li></ul>
<p><a id="next" href="/next">Next</a> <a id="slow" href="/slow">Slow</a> <a id="down" href="#count">Down</a></p>
<button id="inc" type="button" onclick="count.textContent = Number(count.textContent) + 1">Add</button>
<output id="count">0</output>
<p id="late"></p>
<script>setTimeout(() => late.textContent = "arrived", 300)</script>`,

	"/next": `<!doctype html><html lang="en"><title>Next</title><h1>Next page</h1>`,

	"/console": `<!doctype html><html lang="en"><title>Console</title><h1>Console</h1>
<script>console.log("fine"); console.error("boom", 42)</script>`,

	// The inline script breaks the page's own policy (the header below).
	"/csp": `<!doctype html><html lang="en"><title>CSP</title><h1>CSP</h1>
<script>document.title = "inline script ran"</script>`,

	"/bad": `<!doctype html><html lang="en"><title>Bad</title>
<body style="background:#fff">
<h1>Bad page</h1>
<p><img src="/logo.png" width="10" height="10"></p>
<form><input id="nolabel" name="q"></form>
<p id="grey" style="color:#aaa">Grey on white is hard to read</p>
</body>`,

	"/good": `<!doctype html><html lang="en"><title>Good</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<body style="background:#fff;color:#222">
<header><a href="/">Home</a></header>
<main>
<h1>Good page</h1>
<img src="/logo.png" alt="Logo" width="10" height="10">
<img src="/line.png" alt="" width="10" height="1">
<svg role="img" aria-label="A chart" width="10" height="10"><rect width="10" height="10"/></svg>
<h2>Form</h2>
<form>
<label for="name">Name</label> <input id="name" name="name">
<label>Polling station <select name="ps"><option>1</option></select></label>
<textarea aria-label="Notes"></textarea>
<input type="hidden" name="csrf" value="x">
<button>Send</button>
</form>
<h3>Details</h3>
<p style="color:#595959">Dark enough grey, 7:1.</p>
<p style="color:#fff;background:#0b5394">White on blue.</p>
<p style="font-size:24px;color:#888">Large text at 3.5:1 passes.</p>
<button aria-label="Close"><svg width="8" height="8" aria-hidden="true"></svg></button>
<a href="/next"><img src="/next.png" alt="Next page" width="10" height="10"></a>
<p hidden><img src="/hidden.png"></p>
</main>
</body>`,

	"/tabs": `<!doctype html><html lang="en"><title>Tabs</title><h1>Tabs</h1>
<label for="first">First</label><input id="first">
<span tabindex="-1">not reachable</span>
<a id="hidden" href="/" style="display:none">Hidden</a>
<a id="second" href="/">Second</a>
<button id="third">Third</button>`,

	"/login": `<!doctype html><html lang="en"><title>Log in</title><h1>Log in</h1>
<form method="post" action="/login">
<label for="name">Name</label> <input id="name" name="name" required>
<button id="go" name="button" value="go">Log in</button>
</form>`,
}

// newSite serves pages, a login that sets a cookie, and /me that shows it.
func newSite(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if r.FormValue("button") != "go" {
			http.Error(w, "the submit button's value is missing", http.StatusBadRequest)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "who", Value: r.FormValue("name"), Path: "/"})
		http.Redirect(w, r, "/me", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(400 * time.Millisecond)
		fmt.Fprint(w, `<!doctype html><html lang="en"><title>Slow</title><h1>Slow page</h1>`)
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		who := "nobody"
		if c, err := r.Cookie("who"); err == nil {
			who = c.Value
		}
		fmt.Fprintf(w, `<!doctype html><html lang="en"><title>Me</title><h1>Me</h1><p id="who">%s</p>`, html.EscapeString(who))
	})
	mux.HandleFunc("GET /{page...}", func(w http.ResponseWriter, r *http.Request) {
		body, ok := pages[r.URL.Path]
		if strings.HasSuffix(r.URL.Path, ".png") {
			w.Header().Set("Content-Type", "image/png")
			w.Write(onePixelPNG)
			return
		}
		if !ok {
			http.NotFound(w, r)
			return
		}
		switch r.URL.Path {
		case "/csp":
			w.Header().Set("Content-Security-Policy", "default-src 'self'")
		case "/bad":
			w.Header().Set("Content-Security-Policy", "script-src 'self'")
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, body)
	})
	srv := httptest.NewServer(mux) // on 127.0.0.1
	t.Cleanup(srv.Close)
	return srv
}

// onePixelPNG is a 1×1 grey PNG.
var onePixelPNG = func() []byte {
	img := image.NewGray(image.Rect(0, 0, 1, 1))
	img.Pix[0] = 0x80
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err)
	}
	return buf.Bytes()
}()

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

func TestBrowser(t *testing.T) {
	b := Start(t)
	t.Logf("browser: %s (%s)", b.Version(), b.Path())
	site := newSite(t)

	t.Run("ReadAndClick", func(t *testing.T) {
		tab := b.NewTab(t)
		tab.Navigate(site.URL + "/")
		if got := tab.Text("h1"); got != "Hello" {
			t.Errorf("Text(h1) = %q, want Hello", got)
		}
		if got, want := tab.Texts("li"), []string{"one", "two", "three"}; !reflect.DeepEqual(got, want) {
			t.Errorf("Texts(li) = %q, want %q", got, want)
		}
		if got := tab.Texts("table"); len(got) != 0 {
			t.Errorf("Texts(table) = %q, want none", got)
		}
		if got := tab.Attr("#next", "href"); got != "/next" {
			t.Errorf("Attr(#next, href) = %q, want /next", got)
		}
		if got := tab.Attr("#next", "title"); got != "" {
			t.Errorf("Attr(#next, title) = %q, want empty", got)
		}
		if tab.Exists("#nothing") || !tab.Exists("#inc") {
			t.Errorf("Exists is wrong")
		}
		tab.Click("#inc")
		tab.Click("#inc")
		if got := tab.Text("#count"); got != "2" {
			t.Errorf("after two clicks, count = %q, want 2", got)
		}
		// Text waits for the element, not for its text: wait for it.
		tab.WaitVisible("#late")
		var late string
		tab.Eval(`new Promise(r => { const f = () => late.textContent ? r(late.textContent) : setTimeout(f, 20); f() })`, &late)
		if late != "arrived" {
			t.Errorf("late = %q", late)
		}
		// A click on a link within the page does not wait for a load.
		start := time.Now()
		tab.Click("#down")
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("a click on #count took %v", d)
		}
		if got := tab.URL(); got != site.URL+"/#count" {
			t.Errorf("URL after click on #count = %q", got)
		}
		// A click on a link waits for the next page, even a slow one.
		tab.Click("#slow")
		var title string
		tab.Eval(`document.title`, &title)
		if title != "Slow" {
			t.Errorf("right after the click, the title is %q, want Slow", title)
		}
		if got := tab.Text("h1"); got != "Slow page" {
			t.Errorf("after the click, h1 = %q, want Slow page", got)
		}
		tab.Navigate(site.URL + "/")
		tab.Click("#next")
		if got := tab.URL(); got != site.URL+"/next" {
			t.Errorf("URL after click = %q", got)
		}
		if got := tab.Text("h1"); got != "Next page" {
			t.Errorf("after the click, h1 = %q, want Next page", got)
		}
		if h := tab.HTML(); !strings.Contains(h, "<h1>Next page</h1>") {
			t.Errorf("HTML() = %q", h)
		}
		var sum int
		tab.Eval(`Promise.resolve(40 + 2)`, &sum)
		if sum != 42 {
			t.Errorf("Eval = %d, want 42", sum)
		}
		tab.Eval(`void 0`, nil)
		if errs := tab.ConsoleErrors(); len(errs) != 0 {
			t.Errorf("ConsoleErrors() = %q, want none", errs)
		}
	})

	t.Run("FormAndCookies", func(t *testing.T) {
		tab := b.NewTab(t)
		tab.Navigate(site.URL + "/me")
		if got := tab.Text("#who"); got != "nobody" {
			t.Fatalf("a new tab has cookies: who = %q", got)
		}
		tab.Navigate(site.URL + "/login")
		tab.SetValue("#name", "Ada")
		tab.Submit("#go")
		if got := tab.URL(); got != site.URL+"/me" {
			t.Errorf("after submit, URL = %q, want /me", got)
		}
		if got := tab.Text("#who"); got != "Ada" {
			t.Errorf("after login, who = %q, want Ada", got)
		}
		// The cookie comes back on the next request of the same tab...
		tab.Navigate(site.URL + "/me")
		if got := tab.Text("#who"); got != "Ada" {
			t.Errorf("cookie not sent again: who = %q", got)
		}
		// ...and is not seen by another tab.
		other := b.NewTab(t)
		other.Navigate(site.URL + "/me")
		if got := other.Text("#who"); got != "nobody" {
			t.Errorf("another tab sees the cookie: who = %q", got)
		}
		// Typing Enter submits the form too.
		other.Navigate(site.URL + "/login")
		other.Type("#name", "Bo\n")
		if got := other.Text("#who"); got != "Bo" {
			t.Errorf("after typing, who = %q, want Bo", got)
		}
	})

	t.Run("Screenshot", func(t *testing.T) {
		dir := t.TempDir()
		t.Setenv("ILTOD_SCREENSHOTS", dir)
		tab := b.NewTab(t)
		tab.Navigate(site.URL + "/good")
		var w, h int
		tab.Eval(`innerWidth`, &w)
		tab.Eval(`innerHeight`, &h)
		if w != DefaultWidth || h != DefaultHeight {
			t.Errorf("viewport = %d×%d, want %d×%d", w, h, DefaultWidth, DefaultHeight)
		}
		tab.SetViewport(375, 667)
		tab.Eval(`innerWidth`, &w)
		if w != 375 {
			t.Errorf("after SetViewport, innerWidth = %d, want 375", w)
		}
		// A phone's scroll bars take no room: the document is as wide as the screen.
		tab.SetPhoneViewport(320, 568)
		tab.Eval(`document.body.style.minHeight = "3000px"; document.documentElement.clientWidth`, &w)
		if w != 320 {
			t.Errorf("after SetPhoneViewport(320, 568), clientWidth = %d, want 320", w)
		}
		tab.SetViewport(320, 568)
		tab.Eval(`document.documentElement.clientWidth`, &w)
		if w >= 320 {
			t.Errorf("after SetViewport(320, 568), clientWidth = %d, want less: the scroll bar takes some", w)
		}
		tab.SetViewport(375, 667)
		p := tab.Screenshot("good page/phone")
		if filepath.Dir(p) != dir {
			t.Errorf("screenshot %s is not in %s", p, dir)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(data, pngSignature) || len(data) < 1000 {
			t.Errorf("%s: %d bytes, not a PNG of a page: %q", p, len(data), data[:min(len(data), 16)])
		}
	})

	t.Run("ConsoleErrors", func(t *testing.T) {
		tab := b.NewTab(t)
		tab.Navigate(site.URL + "/console")
		errs := tab.ConsoleErrors()
		if len(errs) != 1 || !strings.Contains(errs[0], "boom 42") {
			t.Errorf("ConsoleErrors() = %q, want one with boom 42", errs)
		}
		tab.Eval(`setTimeout(() => { throw new Error("kaput") }, 0); new Promise(r => setTimeout(r, 50))`, nil)
		errs = tab.ConsoleErrors()
		if len(errs) != 2 || !strings.Contains(errs[1], "kaput") {
			t.Errorf("ConsoleErrors() = %q, want an uncaught kaput too", errs)
		}

		csp := b.NewTab(t)
		csp.Navigate(site.URL + "/csp")
		var title string
		csp.Eval(`document.title`, &title)
		if title != "CSP" {
			t.Errorf("the inline script ran: title = %q", title)
		}
		errs = csp.ConsoleErrors()
		t.Logf("CSP: %q", errs)
		if len(errs) == 0 || !strings.Contains(strings.Join(errs, "\n"), "Content Security Policy") {
			t.Errorf("ConsoleErrors() = %q, want a Content Security Policy violation", errs)
		}
	})

	t.Run("Accessibility", func(t *testing.T) {
		t.Logf("axe-core %s", RequireAxe(t))
		tab := b.NewTab(t)
		// /bad forbids scripts other than its own files: axe-core runs all the same.
		tab.Navigate(site.URL + "/bad")
		got := tab.AxeViolations()
		all := violationLines(got)
		for _, want := range []string{
			"image-alt (critical) at img: Images must have alternative text. Fix any of the following:",
			"label (critical) at #nolabel: Form elements must have labels. Fix any of the following:",
			"color-contrast (serious) at #grey: Elements must meet minimum color contrast ratio thresholds. " +
				"Fix any of the following: Element has insufficient color contrast of 2.32 (foreground color: #aaaaaa, background color: #ffffff",
		} {
			if !strings.Contains(all, want) {
				t.Errorf("AxeViolations() lacks %q; it is:\n%s", want, all)
			}
		}
		if len(got) != 3 {
			t.Errorf("AxeViolations() = %d violations, want 3:\n%s", len(got), all)
		}
		for _, v := range got {
			if !strings.HasPrefix(v.HelpURL, "https://dequeuniversity.com/rules/axe/") || v.HTML == "" {
				t.Errorf("violation %s: help URL %q, HTML %q", v.Rule, v.HelpURL, v.HTML)
			}
		}
		if errs := tab.ConsoleErrors(); len(errs) != 0 {
			t.Errorf("running axe-core left console errors: %q", errs)
		}

		tab.Navigate(site.URL + "/good")
		if got := tab.AxeViolations(); len(got) != 0 {
			t.Errorf("the good page has violations:\n%s", violationLines(got))
		}

		// A few other rules, one mistake each; axe-core is loaded already.
		tab.Eval(`document.documentElement.removeAttribute("lang");
			document.querySelector("main").insertAdjacentHTML("beforeend",
				'<a id="empty" href="/x"></a><button id="blank"></button>')`, nil)
		all = violationLines(tab.AxeViolations())
		for _, want := range []string{"html-has-lang (serious) at html:", "link-name (serious) at #empty:", "button-name (critical) at #blank:"} {
			if !strings.Contains(all, want) {
				t.Errorf("AxeViolations() lacks %q; it is:\n%s", want, all)
			}
		}
		// One rule only.
		got = tab.AxeViolations("button-name")
		if len(got) != 1 || got[0].Rule != "button-name" {
			t.Errorf("AxeViolations(button-name) = %s, want the button only", violationLines(got))
		}
	})

	t.Run("TabOrder", func(t *testing.T) {
		tab := b.NewTab(t)
		tab.Navigate(site.URL + "/tabs")
		got := tab.TabOrder(3)
		want := []string{`input#first "First"`, `a#second "Second"`, `button#third "Third"`}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("TabOrder(3) = %q, want %q", got, want)
		}
	})

	t.Run("Failure", func(t *testing.T) {
		dir := t.TempDir()
		t.Setenv("ILTOD_SCREENSHOTS", dir)
		rec := &fatalRecorder{T: t}
		tab := b.NewTab(rec)
		tab.SetTimeout(300 * time.Millisecond)
		tab.Navigate(site.URL + "/next")
		rec.run(func() { tab.Click("#missing") })
		msg := rec.message()
		for _, want := range []string{`Click("#missing"): no visible element matched within 300ms`, "page: " + site.URL + "/next", "screenshot: ", "HTML: "} {
			if !strings.Contains(msg, want) {
				t.Errorf("failure message lacks %q:\n%s", want, msg)
			}
		}
		rec.run(func() { tab.Text("p[") })
		if msg := rec.message(); !strings.Contains(msg, `Text("p["): `) || !strings.Contains(msg, "valid CSS") {
			t.Errorf("failure message for a bad selector:\n%s", msg)
		}
		tab.Navigate(site.URL + "/login")
		rec.run(func() { tab.Submit("form") })
		if msg := rec.message(); !strings.Contains(msg, `Submit("form"): the form is not valid: name: `) {
			t.Errorf("failure message for an invalid form:\n%s", msg)
		}
		page, err := os.ReadFile(filepath.Join(dir, "TestBrowser_Failure-failure-1.html"))
		if err != nil || !strings.Contains(string(page), "Next page") {
			t.Errorf("failure HTML: %v %q", err, page)
		}
		shot, err := os.ReadFile(filepath.Join(dir, "TestBrowser_Failure-failure-1.png"))
		if err != nil || !bytes.HasPrefix(shot, pngSignature) {
			t.Errorf("failure screenshot: %v", err)
		}
	})
}

// violationLines renders violations one a line, for messages.
func violationLines(vs []Violation) string {
	lines := make([]string, len(vs))
	for i, v := range vs {
		lines[i] = v.String()
	}
	return strings.Join(lines, "\n")
}

// fatalRecorder is a testing.TB whose Fatalf records the message and ends
// the goroutine, as t.Fatalf does, without failing the real test.
type fatalRecorder struct {
	*testing.T
	mu  sync.Mutex
	msg string
}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.mu.Lock()
	r.msg = fmt.Sprintf(format, args...)
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *fatalRecorder) Fatal(args ...any) { r.Fatalf("%s", fmt.Sprint(args...)) }

func (r *fatalRecorder) Skip(args ...any) { r.Fatalf("skip: %s", fmt.Sprint(args...)) }

// run calls f on a goroutine of its own, which Fatalf may end.
func (r *fatalRecorder) run(f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	<-done
}

func (r *fatalRecorder) message() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.msg
}

func TestFindChromiumBadSetting(t *testing.T) {
	t.Setenv("ILTOD_CHROMIUM", filepath.Join(t.TempDir(), "no-such-browser"))
	if p, err := findChromium(); err == nil {
		t.Fatalf("findChromium() = %q, nil; want an error for a missing ILTOD_CHROMIUM", p)
	}
}

func TestStartWithoutBrowser(t *testing.T) {
	t.Setenv("ILTOD_CHROMIUM", "")
	t.Setenv("PATH", t.TempDir())
	old := fallbackPath
	fallbackPath = filepath.Join(t.TempDir(), "chromium")
	t.Cleanup(func() { fallbackPath = old })

	const want = "Chromium not found: browser tests skipped; install Debian's chromium (CI does)"
	rec := &fatalRecorder{T: t}
	t.Setenv("CI", "")
	rec.run(func() { Start(rec) })
	if msg := rec.message(); msg != "skip: "+want {
		t.Errorf("without CI: %q, want a skip", msg)
	}
	t.Setenv("CI", "true")
	rec.run(func() { Start(rec) })
	if msg := rec.message(); !strings.HasPrefix(msg, want) {
		t.Errorf("under CI: %q, want a failure", msg)
	}
}

func TestRequireAxeMissing(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "axe.min.js")
	t.Setenv("ILTOD_AXE", missing)
	rec := &fatalRecorder{T: t}
	t.Setenv("CI", "")
	rec.run(func() { RequireAxe(rec) })
	if msg := rec.message(); !strings.HasPrefix(msg, "skip: "+axeNotInstalled) || !strings.Contains(msg, missing) {
		t.Errorf("without CI: %q, want a skip naming %s", msg, missing)
	}
	t.Setenv("CI", "true")
	rec.run(func() { RequireAxe(rec) })
	if msg := rec.message(); !strings.HasPrefix(msg, axeNotInstalled) || !strings.HasSuffix(msg, "[fatal because CI is set]") {
		t.Errorf("under CI: %q, want a failure", msg)
	}
}

func TestReadAxeVersion(t *testing.T) {
	dir := t.TempDir()
	js := filepath.Join(dir, "node_modules", "axe-core", "axe.min.js")
	if err := os.MkdirAll(filepath.Dir(js), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dir, "package.json"), `{"private": true, "dependencies": {"axe-core": "4.14.1"}}`)
	write(js, "/*! axe v4.14.1\n * Copyright (c) 2015 - 2026 Deque Systems, Inc.\n */\nwindow.axe = {};\n")
	if s := readAxe(js, true); s.err != nil || s.version != "4.14.1" {
		t.Errorf("the version pinned: version %q, error %v", s.version, s.err)
	}
	write(js, "/*! axe v4.10.0\n */\nwindow.axe = {};\n")
	s := readAxe(js, true)
	if s.err == nil || s.missing || !strings.Contains(s.err.Error(), `is axe-core "4.10.0", but package.json pins "4.14.1"`) {
		t.Errorf("another version installed: error %v (missing %v), want a mismatch", s.err, s.missing)
	}
	if s := readAxe(js, false); s.err != nil || s.version != "4.10.0" {
		t.Errorf("a file named by ILTOD_AXE is not checked against package.json: version %q, error %v", s.version, s.err)
	}
}
