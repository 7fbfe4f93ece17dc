package main

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
)

// sitePage is one page of the site, for the tests that visit them all.
type sitePage struct {
	name   string
	path   string // from the server's root, without the language
	status int    // the HTTP status the page answers with
	staff  bool   // seen signed in as an administrator; else as the public
	banner bool   // a page of the results site, with the demonstration banner
	// after, if not nil, does what brings the page at path to the state to check,
	// such as filling in and sending its form; the status is then that of the answer.
	after func(t *testing.T, tab *pageTab, lang string)
}

// url returns the page's URL in lang.
func (p sitePage) url(base, lang string) string {
	sep := "?"
	if strings.Contains(p.path, "?") {
		sep = "&"
	}
	return base + p.path + sep + "lang=" + lang
}

// open shows the page in lang in tab.
func (p sitePage) open(t *testing.T, tab *pageTab, base, lang string) {
	t.Helper()
	tab.Navigate(p.url(base, lang))
	if p.after != nil {
		p.after(t, tab, lang)
	}
}

// siteLangs are the languages every page is checked in.
var siteLangs = []string{"mn", "en"}

// sitePages lists every page that a GET of the site shows: the routes of
// internal/http/routes.go that answer HTML (the status page, the public results site of
// public.go's publicRoutes, the sign-in page and the staff console of console.go's
// consoleRoutes), with an example of each path parameter, and the variants of a page that
// show other parts of its template (an aimag and a soum; the station table filtered to
// the stations that differ; the entry form after its first step; the error pages); then
// the pages that answer a form (a failed sign-in, an entry with problems, an enrollment
// code, a new account's TOTP secret). The long lists (stations, observers, devices) are
// those of a soum: the same templates as the whole country's, a fiftieth of the rows,
// which a test under the race detector cannot afford to check twice in every language.
// It needs the fixture's election for its areas, stations and observers; prefix starts
// the logins of the accounts it creates.
func sitePages(t *testing.T, f *browserFixture, prefix string) []sitePage {
	t.Helper()
	areas, err := f.m.App.Areas(f.ctx, f.e)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(areas, func(a iltod.Area) bool { return a.Parent == "MN-AR" })
	if i < 0 {
		t.Fatal("the demo has no area below MN-AR")
	}
	soum := areas[i].Code
	sts, err := f.m.App.Stations(f.ctx, f.e, iltod.StationQuery{Area: soum, Limit: 1})
	if err != nil || len(sts) == 0 {
		t.Fatalf("no station in %s: %v", soum, err)
	}
	station := sts[0].Code
	observers, err := f.m.App.Observers(app.SystemContext(f.ctx), f.e)
	if err != nil || len(observers) == 0 {
		t.Fatalf("no observer: %v", err)
	}
	observer := observers[0].Code

	e := "e/" + f.e + "/"
	con := "staff/e/" + f.e + "/"
	return []sitePage{
		{name: "status", path: "", status: 200},
		{name: "overview", path: e, status: 200, banner: true},
		{name: "aimag", path: e + "areas/MN-AR", status: 200, banner: true},
		{name: "soum", path: e + "areas/" + soum, status: 200, banner: true},
		{name: "stations", path: e + "stations?area=" + soum, status: 200, banner: true},
		{name: "stations-differ", path: e + "stations?differ=1", status: 200, banner: true},
		{name: "forensics", path: e + "forensics", status: 200, banner: true},
		{name: "incidents", path: e + "incidents", status: 200, banner: true},
		{name: "log", path: e + "log", status: 200, banner: true},
		{name: "data", path: e + "data", status: 200, banner: true},
		{name: "public-not-found", path: "e/no-such-election/", status: 404},
		{name: "signin", path: "staff/login", status: 200},
		{name: "console-home", path: "staff/", status: 200, staff: true},
		{name: "console-observers", path: con + "observers?area=" + soum, status: 200, staff: true},
		{name: "console-review", path: con + "review", status: 200, staff: true},
		{name: "console-review-conflicts", path: con + "review?kind=conflict", status: 200, staff: true},
		{name: "console-enter", path: con + "enter", status: 200, staff: true},
		{name: "console-enter-form", path: con + "enter?station=" + url.QueryEscape(station) + "&form=opening", status: 200, staff: true},
		{name: "console-devices", path: con + "devices?area=" + soum, status: 200, staff: true},
		{name: "console-official", path: con + "official", status: 200, staff: true},
		{name: "console-messages", path: con + "messages", status: 200, staff: true},
		{name: "console-messages-observer", path: con + "messages?observer=" + observer, status: 200, staff: true},
		{name: "console-accounts", path: "staff/accounts", status: 200, staff: true},
		{name: "console-not-found", path: "staff/e/no-such-election/review", status: 404, staff: true},

		{name: "signin-failed", path: "staff/login", status: 401, after: func(t *testing.T, tab *pageTab, lang string) {
			tab.SetValue("#login", prefix+"-nobody")
			tab.SetValue("#password", "not the password")
			tab.SetValue("#code", "000000")
			tab.Submit(`form.signin button[type="submit"]`)
		}},
		{name: "console-enter-problems", path: con + "enter?station=" + url.QueryEscape(station) + "&form=opening", status: 400, staff: true,
			after: func(t *testing.T, tab *pageTab, lang string) {
				tab.Eval(`document.querySelector("form.con-sheet").noValidate = true`, nil)
				tab.Submit(`form.con-sheet button[type="submit"]`)
			}},
		{name: "console-device-issued", path: con + "devices", status: 200, staff: true, after: func(t *testing.T, tab *pageTab, lang string) {
			tab.SetValue("#enroll-observer", observer)
			tab.Submit(`#enroll-observer`)
		}},
		{name: "console-odk-issued", path: con + "devices", status: 200, staff: true, after: func(t *testing.T, tab *pageTab, lang string) {
			tab.SetValue("#odk-observer", observer)
			tab.Submit(`#odk-observer`)
		}},
		// The demo serves no gateway: a broadcast is refused with the form shown again.
		{name: "console-broadcast-refused", path: con + "messages", status: 400, staff: true, after: func(t *testing.T, tab *pageTab, lang string) {
			tab.SetValue("#broadcast-text", "polls close in 1 hour")
			tab.Submit(`#broadcast-text`)
		}},
		{name: "console-account-created", path: "staff/accounts", status: 200, staff: true, after: func(t *testing.T, tab *pageTab, lang string) {
			tab.SetValue("#new-login", prefix+"-clerk-"+lang)
			tab.SetValue("#new-name", "Test Clerk")
			tab.SetValue("#new-role", string(app.RoleClerk))
			tab.SetValue("#new-password", browserPassword)
			tab.Submit(`#new-login`)
		}},
	}
}

// siteTabs are a tab for the public and one signed in as an administrator, who may see
// every page of the console.
type siteTabs struct {
	public, staff *pageTab
}

func newSiteTabs(t *testing.T, f *browserFixture, login string) siteTabs {
	t.Helper()
	secret, _, err := f.m.App.CreateStaff(app.SystemContext(f.ctx), app.NewStaff{
		Login: login, Name: "Test Administrator", Role: app.RoleAdmin, Password: browserPassword,
	})
	if err != nil {
		t.Fatal(err)
	}
	tabs := siteTabs{public: newPageTab(t, f.b), staff: newPageTab(t, f.b)}
	signIn(t, tabs.staff, f.base, login, secret)
	return tabs
}

func (s siteTabs) of(p sitePage) *pageTab {
	if p.staff {
		return s.staff
	}
	return s.public
}

// reflowWidths are the widths of the viewport, in CSS pixels, at which no page may scroll
// sideways: 320 is WCAG 2.1's success criterion 1.4.10 (reflow), 390 a common phone. The
// first is where testBrowserEveryPage runs axe-core.
var reflowWidths = []int{320, 390}

// minLegendPx is the smallest font size, in CSS pixels as rendered, that the map's legend
// may have at 320 pixels wide.
const minLegendPx = 12

// reflow is what testBrowserEveryPage measures of a page.
type reflow struct {
	ScrollWidth int `json:"scrollWidth"` // of the document
	ClientWidth int `json:"clientWidth"` // of the viewport
	// Wide names the elements that reach past the right edge of the viewport while
	// their parent does not: those that push the page sideways.
	Wide []string `json:"wide"`
	// Legend is the font size of the smallest text of the map's legend, in CSS pixels
	// as rendered (the SVG's scale included); -1 if the page has no map.
	Legend float64 `json:"legend"`
	// Boxes are the elements that scroll sideways inside the page, such as a wide
	// table's box, each with its accessible name ("" if none) and whether the keyboard
	// can reach it to scroll it.
	Boxes []scrollBox `json:"boxes"`
}

// scrollBox is an element whose content scrolls sideways inside it.
type scrollBox struct {
	Element   string `json:"element"`
	Name      string `json:"name"`
	Focusable bool   `json:"focusable"`
}

// measureReflow measures the page shown in tab.
const measureReflow = `(() => {
	const d = document.documentElement, cw = d.clientWidth;
	const describe = e => e.localName + (e.id ? "#" + e.id : "") +
		Array.from(e.classList, c => "." + c).join("") +
		' "' + (e.innerText || "").replace(/\s+/g, " ").trim().slice(0, 30) + '"';
	const wide = [];
	// An element inside a box that scrolls or clips sideways does not widen the page,
	// unless it is positioned outside that box: an absolutely positioned element is
	// clipped only by its containing block and the boxes around it, a fixed one by none.
	const clipped = e => {
		const pos = getComputedStyle(e).position;
		if (pos === "fixed") return false;
		let a = pos === "absolute" ? e.offsetParent : e.parentElement;
		for (; a && a !== document.body && a !== d; a = a.parentElement) {
			if (getComputedStyle(a).overflowX !== "visible") return true;
		}
		return false;
	};
	const sticksOut = e => e.getBoundingClientRect().right > cw + 0.5 && !clipped(e);
	for (const e of document.body.querySelectorAll("*")) {
		if (!sticksOut(e)) continue;
		const p = e.parentElement;
		if (p && p !== document.body && sticksOut(p)) continue; // the parent is named
		wide.push(describe(e) + " (right edge at " + Math.round(e.getBoundingClientRect().right) + ")");
		if (wide.length === 5) break;
	}
	let legend = -1;
	const map = document.querySelector("figure.map");
	if (map) {
		for (const e of map.querySelectorAll(".legend, .legend *")) {
			if (!Array.from(e.childNodes).some(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim())) continue;
			let px = parseFloat(getComputedStyle(e).fontSize);
			const ctm = e instanceof SVGGraphicsElement ? e.getScreenCTM() : null;
			if (ctm) px *= Math.hypot(ctm.a, ctm.b);
			if (legend < 0 || px < legend) legend = px;
		}
		if (legend < 0) legend = 0; // a map without a legend
	}
	const boxes = [];
	for (const e of document.body.querySelectorAll("*")) {
		const o = getComputedStyle(e).overflowX;
		if ((o !== "auto" && o !== "scroll") || e.scrollWidth <= e.clientWidth + 1) continue;
		const ids = (e.getAttribute("aria-labelledby") || "").split(/\s+/).filter(Boolean);
		const name = (e.getAttribute("aria-label") ||
			ids.map(id => document.getElementById(id)?.textContent || "").join(" ")).replace(/\s+/g, " ").trim();
		boxes.push({element: describe(e), name, focusable: e.tabIndex >= 0});
	}
	return {scrollWidth: d.scrollWidth, clientWidth: cw, wide, legend, boxes};
})()`

// testBrowserEveryPage visits every page of the site (sitePages) in both languages, on a
// phone 320 and then 390 pixels wide, and fails
//   - on each violation of a rule of WCAG 2.0 or 2.1 at level A or AA that axe-core finds
//     at 320 pixels, naming the page, the rule, its impact, the element and what to fix
//     (at that width the tables overflow their boxes, so that axe-core's rule that a box
//     that scrolls can be reached with the keyboard applies; the other subtests run
//     axe-core at a laptop's width);
//   - naming each page whose document is wider than the viewport at either width, so that
//     it scrolls sideways (WCAG 2.1 SC 1.4.10, reflow), and the elements that make it so,
//     with a screenshot in browsertest.ScreenshotDir;
//   - naming each box that scrolls sideways (a wide table's) without an accessible name
//     or that the keyboard cannot reach to scroll it;
//   - when the map's legend is written less than minLegendPx high at 320 pixels;
//   - on a wrong status, language or missing demonstration banner, and on console errors.
//
// The languages run side by side, each in tabs of its own.
func testBrowserEveryPage(t *testing.T, f *browserFixture) {
	pages := sitePages(t, f, "every")
	for _, lang := range siteLangs {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			tabs := newSiteTabs(t, f, "every-admin-"+lang)
			boxes := 0
			for _, p := range pages {
				tab := tabs.of(p)
				name := p.name + "-" + lang
				for k, w := range reflowWidths {
					tab.SetPhoneViewport(w, 800)
					if k == 0 {
						p.open(t, tab, f.base, lang)
						checkEveryPage(t, tab, p, name, lang)
					}
					var m reflow
					tab.Eval(measureReflow, &m)
					if m.ClientWidth != w {
						t.Fatalf("%s at %d px: the viewport is %d pixels wide", name, w, m.ClientWidth)
					}
					if m.ScrollWidth > m.ClientWidth {
						t.Errorf("%s (%s) at %d px: the document is %d pixels wide and scrolls sideways; too wide: %s; screenshot %s",
							name, tab.URL(), w, m.ScrollWidth, strings.Join(m.Wide, ", "), tab.Screenshot(fmt.Sprintf("%s-%d", name, w)))
					}
					for _, b := range m.Boxes {
						if b.Name == "" || !b.Focusable {
							t.Errorf("%s (%s) at %d px: %s scrolls sideways but has no accessible name (%q) or cannot take the focus (%v)",
								name, tab.URL(), w, b.Element, b.Name, b.Focusable)
						}
					}
					if k == 0 {
						boxes += len(m.Boxes)
					}
					if k == 0 && m.Legend >= 0 && m.Legend < minLegendPx {
						t.Errorf("%s (%s) at %d px: the map's legend is written %.1f pixels high, want at least %d",
							name, tab.URL(), w, m.Legend, minLegendPx)
					}
				}
			}
			if !t.Failed() {
				t.Logf("%d pages in %s: no violation of axe-core's rules, none scrolls sideways at %v pixels; %d boxes scroll inside them at 320 pixels, each named and reachable",
					len(pages), lang, reflowWidths, boxes)
			}
		})
	}
}

// checkEveryPage checks the page p shown in tab, in lang: its status, language and
// banner, axe-core's rules, and the console.
func checkEveryPage(t *testing.T, tab *pageTab, p sitePage, name, lang string) {
	t.Helper()
	if s := responseStatus(tab); s != p.status {
		t.Errorf("%s (%s): status %d, want %d", name, tab.URL(), s, p.status)
	}
	if l := tab.Attr("html", "lang"); l != lang {
		t.Errorf("%s (%s): <html lang=%q>, want %s", name, tab.URL(), l, lang)
	}
	if p.banner && !visible(tab, "[data-demo-banner]") {
		t.Errorf("%s (%s): the demonstration banner is not visible", name, tab.URL())
	}
	for _, v := range tab.AxeViolations() {
		t.Errorf("%s (%s): axe-core: %s", name, tab.URL(), v)
	}
	for _, e := range tab.newConsoleErrors() {
		if p.status != 200 && strings.Contains(e, fmt.Sprintf("status of %d", p.status)) {
			continue // the browser logs the error status of the page itself
		}
		t.Errorf("%s (%s): console: %s", name, tab.URL(), e)
	}
}
