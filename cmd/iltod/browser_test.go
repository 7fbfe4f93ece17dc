package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/pquerna/otp/totp"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/demo"
	"github.com/iltod/iltod/internal/analysis"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/browsertest"
)

// browserFixture is the demo after a simulated election day, served on loopback, with a
// headless Chromium to look at it. The subtests of TestBrowser share it: simulating the
// day takes most of the test's time.
type browserFixture struct {
	m    *Main
	b    *browsertest.Browser
	ctx  context.Context
	base string // the server's URL, ending in "/"
	e    string // the election
}

// browserPassword is the password of the staff accounts the test creates.
const browserPassword = "a test passphrase, not a real one"

// TestBrowser drives the demo's public site and staff console in a real headless Chromium,
// after a simulated election day: every page, in both languages, passes axe-core's checks
// of WCAG 2.1 A and AA, reflows on a phone 320 pixels wide and breaks no
// Content-Security-Policy rule; the overview shows the figures the API gives; a
// coordinator signs in with a password and a TOTP code, resolves a conflict between
// observers and sees the public station table follow, and is refused another aimag; a
// clerk enters a paper report; the sign-in form can be used with the keyboard.
//
// Screenshots of the pages of the scenarios, and of any page that scrolls sideways, go to
// browsertest.ScreenshotDir (ILTOD_SCREENSHOTS).
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates election day and drives a browser")
	}
	began := time.Now()
	b := browsertest.Start(t) // skips the test where no browser is installed, before the slow part
	axe := browsertest.RequireAxe(t)
	t.Logf("%s (%s), axe-core %s; screenshots in %s", b.Version(), b.Path(), axe, browsertest.ScreenshotDir())

	d := simulatedDemo(t)
	m, logs := d.m, d.logs
	defer func() {
		if t.Failed() && logs.Len() > 0 {
			t.Logf("server log:\n%s", logs.String())
		}
	}()
	ctx := context.Background()
	t.Logf("election day simulated (or shared) in %s", time.Since(began).Round(100*time.Millisecond))
	f := &browserFixture{m: m, b: b, ctx: ctx, base: m.URL(), e: demo.ElectionID}

	for _, st := range []struct {
		name string
		run  func(*testing.T, *browserFixture)
	}{
		{"public pages", testBrowserPublicPages},
		{"every page: axe-core and reflow", testBrowserEveryPage},
		{"language switch", testBrowserLanguageSwitch},
		{"keyboard sign-in", testBrowserKeyboard},
		{"coordinator resolves a conflict", testBrowserResolve},
		{"clerk enters a paper report", testBrowserClerkEntry},
	} {
		at := time.Now()
		t.Run(st.name, func(t *testing.T) { st.run(t, f) })
		t.Logf("%s: %s", st.name, time.Since(at).Round(100*time.Millisecond))
	}
	t.Logf("whole test: %s", time.Since(began).Round(100*time.Millisecond))
}

// testBrowserPublicPages checks the overview's figures against the API.
// (testBrowserEveryPage visits every page.)
func testBrowserPublicPages(t *testing.T, f *browserFixture) {
	tab := newPageTab(t, f.b)
	site := f.base + "e/" + f.e + "/"

	// The overview's shares of the national list and its coverage are the API's.
	api, page := overviewFigures(t, f, tab, site+"?lang=en")
	if !equalFigures(api, page) {
		t.Errorf("overview figures differ from the API's:\n%s", diffFigures(api, page))
	}
	t.Logf("overview of %s: official %v; estimates %v; coverage (results, stations, reporting, stations) %q",
		demoContest, page.Official, page.Estimate, page.Coverage)
	checkPublicPage(t, tab, "overview", "en")
}

// testBrowserLanguageSwitch switches the overview to Mongolian and back.
func testBrowserLanguageSwitch(t *testing.T, f *browserFixture) {
	tab := newPageTab(t, f.b)
	site := f.base + "e/" + f.e + "/"
	api, en := overviewFigures(t, f, tab, site+"?lang=en")
	if !equalFigures(api, en) {
		t.Fatalf("English overview figures differ from the API's:\n%s", diffFigures(api, en))
	}
	h1 := tab.Text("h1")

	tab.Click(`nav.langs a[data-lang="mn"]`)
	if lang := tab.Attr("html", "lang"); lang != "mn" {
		t.Errorf("after choosing Монгол: <html lang=%q>, want mn", lang)
	}
	mnH1 := tab.Text("h1")
	if mnH1 == h1 || !hasCyrillic(mnH1) {
		t.Errorf("after choosing Монгол the heading is %q (English %q), want it in Cyrillic", mnH1, h1)
	}
	// The shares are written alike in both languages; counts are grouped differently.
	mn := readFigures(tab)
	if got, want := digits(mn.Coverage), digits(en.Coverage); !slices.Equal(got, want) {
		t.Errorf("Mongolian coverage %q, English %q", mn.Coverage, en.Coverage)
	}
	mn.Coverage = en.Coverage
	if !equalFigures(en, mn) {
		t.Errorf("Mongolian overview figures differ from the English ones:\n%s", diffFigures(en, mn))
	}
	checkPublicPage(t, tab, "overview-mn", "mn")

	tab.Click(`nav.langs a[data-lang="en"]`)
	if lang := tab.Attr("html", "lang"); lang != "en" {
		t.Errorf("after choosing English: <html lang=%q>, want en", lang)
	}
	if got := tab.Text("h1"); got != h1 {
		t.Errorf("back in English the heading is %q, want %q", got, h1)
	}
}

// testBrowserKeyboard checks that the sign-in form is reached with the Tab key in the
// order it is read: after the links of the header, login, password, code and the button.
func testBrowserKeyboard(t *testing.T, f *browserFixture) {
	tab := newPageTab(t, f.b)
	tab.Navigate(f.base + "staff/login?lang=en")
	checkConsolePage(t, tab, "signin")
	// The skip link, the site's name and the other language come first.
	order := tab.TabOrder(7)
	t.Logf("tab order: %q", order)
	i := slices.IndexFunc(order, func(s string) bool { return strings.HasPrefix(s, "input#login") })
	if i < 0 || i+4 > len(order) {
		t.Fatalf("the login field is not reached in %d presses of Tab: %q", len(order), order)
	}
	for _, s := range order[:i] {
		if !strings.HasPrefix(s, "a ") && !strings.HasPrefix(s, "a#") {
			t.Errorf("before the form, Tab reaches %q; want only the header's links", s)
		}
	}
	if !strings.Contains(order[0], "Skip") {
		t.Errorf("the first Tab reaches %q, want the skip link", order[0])
	}
	want := []string{"input#login", "input#password", "input#code", "button"}
	for k, w := range want {
		if !strings.HasPrefix(order[i+k], w) {
			t.Errorf("Tab press %d reaches %q, want %s", i+k+1, order[i+k], w)
		}
	}
}

// testBrowserResolve signs a coordinator in, resolves a conflict between observers at a
// station of their aimag, and waits for the public station table to show it; the
// coordinator is refused a station of another aimag.
func testBrowserResolve(t *testing.T, f *browserFixture) {
	sys := app.SystemContext(f.ctx)
	c := findConflict(t, f)
	t.Logf("conflict: station %s (aimag %s), form %s, field %s of contest %s; variants %s",
		c.station, c.aimag, c.form, c.tag, c.contest, c.variants)
	secret, _, err := f.m.App.CreateStaff(sys, app.NewStaff{
		Login: "coordinator", Name: "Test Coordinator", Role: app.RoleCoordinator,
		Areas: []string{c.aimag}, Password: browserPassword,
	})
	if err != nil {
		t.Fatal(err)
	}
	other := stationElsewhere(t, f, c.aimag)

	// The public station table before.
	tab := newPageTab(t, f.b)
	stations := fmt.Sprintf("%se/%s/stations?area=%s&contest=%s&lang=en", f.base, f.e, c.aimag, c.contest)
	row := fmt.Sprintf(`tr[data-station=%q]`, c.station)
	tab.Navigate(stations)
	before := strings.Join(tab.Texts(row), "\n")
	t.Logf("station row before: %q", before)

	signIn(t, tab, f.base, "coordinator", secret)

	// The console's home counts the conflicts of the coordinator's aimag, and only those,
	// and links to them.
	checkConsolePage(t, tab, "home")
	conflicts := `dl.con-counts a[href*="/review?"][href*="kind=conflict"]`
	if got := digits([]string{tab.Text(conflicts)})[0]; got != strconv.Itoa(c.inAimag) {
		t.Errorf("the console's home counts %s conflicts; %s has %d", got, c.aimag, c.inAimag)
	}
	tab.Click(conflicts)
	if u, err := url.Parse(tab.URL()); err != nil || u.Path != "/staff/e/"+f.e+"/review" || u.Query().Get("kind") != "conflict" {
		t.Errorf("the home's count of conflicts leads to %s, want the review page filtered to conflicts", tab.URL())
	}

	// The review page, filtered to conflicts, at the page that lists the station.
	review := fmt.Sprintf("%sstaff/e/%s/review?kind=conflict&lang=en", f.base, f.e)
	if c.page > 1 {
		review += "&page=" + strconv.Itoa(c.page)
	}
	form := fmt.Sprintf(`form[action*="/review/resolve"]:has(input[name="station"][value=%q]):has(input[name="tag"][value=%q])`, c.station, c.tag)
	tab.Navigate(review)
	if !tab.Exists(form) {
		t.Fatalf("the review page lists no form to resolve %s at station %s", c.tag, c.station)
	}
	checkConsolePage(t, tab, "review-before")

	// A resolve sent for a station of another aimag is refused.
	tab.Eval(fmt.Sprintf(`(() => {
		const f = document.querySelector(%q);
		f.id = "forged";
		f.querySelector('input[name="choice"]').checked = true;
		f.querySelector('textarea[name="reason"]').value = "outside my aimag";
		f.querySelector('input[name="station"]').value = %q;
	})()`, form, other), nil)
	tab.Submit(`#forged button[type="submit"]`)
	expectForbidden(t, tab, "resolve at "+other)

	// The clerk's entry of a report for a station of another aimag is refused too.
	tab.Navigate(fmt.Sprintf("%sstaff/e/%s/enter?station=%s&form=opening&lang=en", f.base, f.e, url.QueryEscape(other)))
	expectForbidden(t, tab, "entry page of "+other)

	// The conflict is resolved with the first value reported.
	tab.Navigate(review)
	choice := tab.Attr(form+` input[name="choice"]`, "value")
	tab.Click(form + ` input[name="choice"]`)
	tab.Type(form+` textarea[name="reason"]`, "Called the station: the protocol shows this figure.")
	tab.Submit(form + ` button[type="submit"]`)
	if got := tab.Text("p.flash"); !strings.Contains(got, c.station+"/"+c.form+"/"+c.tag) {
		t.Errorf("after resolving, the flash message is %q, want it to name %s/%s/%s", got, c.station, c.form, c.tag)
	}
	if u, err := url.Parse(tab.URL()); err != nil || u.Query().Get("ok") != "resolved" {
		t.Errorf("after resolving the page is %s, want ?ok=resolved", tab.URL())
	}
	if tab.Exists(form) {
		t.Errorf("the field %s of station %s is still offered for resolution", c.tag, c.station)
	}
	checkConsolePage(t, tab, "review-after")

	// The public table follows within a few seconds: the app's inputs, the site's data
	// and its page cache each refresh every two seconds. Under -race one reload of the
	// inputs takes about five seconds, hence the margin.
	var after string
	deadline := time.Now().Add(30 * time.Second)
	for n := 1; ; n++ {
		tab.Navigate(stations + "&reload=" + strconv.Itoa(n)) // past the browser's cache
		after = strings.Join(tab.Texts(row), "\n")
		if after != "" && after != before {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("30 s after the resolution the public row of station %s still reads %q", c.station, after)
		}
		time.Sleep(time.Second)
	}
	t.Logf("station row after: %q", after)
	// The figure in conflict was missing ("—") from the observers' side; it now shows the
	// value chosen.
	if b, a := strings.Count(before, "—"), strings.Count(after, "—"); before != "" && a != b-1 {
		t.Errorf("the public row shows %d missing figures after the resolution, %d before; want one fewer", a, b)
	}
	var v iltod.Value
	if err := json.Unmarshal([]byte(choice), &v); err == nil && v.Kind == iltod.Int {
		if s := groupThousands(v.Int); !strings.Contains(after, s) {
			t.Errorf("the public row %q does not show the value chosen, %s", after, s)
		}
	}
	tab.Screenshot("stations-after")
}

// testBrowserClerkEntry signs a clerk in, who enters an observer's opening checklist from
// paper; the report is stored as the clerk's, with a staff event naming who entered it.
func testBrowserClerkEntry(t *testing.T, f *browserFixture) {
	sys := app.SystemContext(f.ctx)
	secret, _, err := f.m.App.CreateStaff(sys, app.NewStaff{
		Login: "clerk", Name: "Test Clerk", Role: app.RoleClerk, Password: browserPassword,
	})
	if err != nil {
		t.Fatal(err)
	}
	observers, err := f.m.App.Observers(sys, f.e)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(observers, func(o iltod.Observer) bool { return len(o.Stations) > 0 })
	if i < 0 {
		t.Fatal("no observer is assigned to a station")
	}
	observer, station := observers[i].Code, observers[i].Stations[0]
	t.Logf("observer %s at station %s", observer, station)

	tab := newPageTab(t, f.b)
	signIn(t, tab, f.base, "clerk", secret)

	// First step: the station and the form.
	tab.Navigate(fmt.Sprintf("%sstaff/e/%s/enter?lang=en", f.base, f.e))
	checkConsolePage(t, tab, "enter-choose")
	tab.Type("#station", station)
	tab.SetValue("#form", "opening")
	tab.Submit("#form")

	// Second step: the answers, who gave them and how.
	if !tab.Exists(`form.con-sheet`) {
		t.Fatalf("no entry form for station %s: %s", station, tab.Text("main"))
	}
	tab.SetValue("#observer", observer)
	tab.Click("#medium-paper")
	var filled int
	tab.Eval(`(() => {
		const form = document.querySelector("form.con-sheet");
		let n = 0;
		const groups = new Set();
		for (const r of form.querySelectorAll('input[type="radio"][required][name^="q_"]')) {
			if (!groups.has(r.name)) { groups.add(r.name); r.checked = true; n++; }
		}
		for (const e of form.querySelectorAll('input[required][name^="q_"]:not([type="radio"]):not([type="checkbox"])')) {
			e.value = e.type === "time" ? "07:00" : "0";
			n++;
		}
		for (const e of form.querySelectorAll('select[required][name^="q_"]')) {
			e.value = e.options[1].value;
			n++;
		}
		for (const e of form.querySelectorAll('textarea[required][name^="q_"]')) {
			e.value = "none";
			n++;
		}
		return n;
	})()`, &filled)
	if filled == 0 {
		t.Fatal("the entry form has no required question")
	}
	id := tab.Attr(`form.con-sheet input[name="id"]`, "value")
	checkConsolePage(t, tab, "enter-form")
	tab.Submit(`form.con-sheet button[type="submit"]`)

	// The receipt.
	if !tab.Exists("dl.con-receipt") {
		t.Fatalf("no receipt after entering the report: %s", tab.Text("main"))
	}
	got := tab.Text("dl.con-receipt code")
	if got == "" || got != id {
		t.Errorf("the receipt shows report id %q, want the entry's id %q", got, id)
	}
	checkConsolePage(t, tab, "receipt")

	// Stored as entered by a clerk, with the staff event.
	subs, err := f.m.App.Submissions(sys, f.e, iltod.SubmissionQuery{Station: station, Limit: iltod.MaxSubmissionLimit})
	if err != nil {
		t.Fatal(err)
	}
	k := slices.IndexFunc(subs, func(s iltod.Submission) bool { return s.Report.ID == got })
	if k < 0 {
		t.Fatalf("no submission %s at station %s", got, station)
	}
	sub := subs[k]
	if sub.Channel != iltod.ChannelClerk || sub.Observer != observer || sub.Report.Form != "opening" {
		t.Errorf("submission %s: channel %s, observer %s, form %s; want clerk, %s, opening",
			got, sub.Channel, sub.Observer, sub.Report.Form, observer)
	}
	store := f.m.App.Store()
	last, err := store.LastSeq(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for seq := sub.Seq + 1; seq <= last && !found; seq++ {
		ev, err := store.Event(f.ctx, seq)
		if err != nil || ev.Subject != "report/"+got {
			continue
		}
		found = true
		var d map[string]any
		if err := json.Unmarshal(ev.Detail, &d); err != nil {
			t.Fatalf("event %d: %v", seq, err)
		}
		if ev.Kind != iltod.EventStaff || d["actor"] != "clerk" || d["medium"] != "paper" || d["observer"] != observer {
			t.Errorf("event %d of the entry: kind %s, detail %s", seq, ev.Kind, ev.Detail)
		}
	}
	if !found {
		t.Errorf("no staff event with subject report/%s among events %d to %d", got, sub.Seq+1, last)
	}
}

// conflict is a field of a station record on which observers disagree.
type conflict struct {
	station, aimag, form, tag, contest string
	variants                           string
	// page is the page of the aimag's conflicts, 50 a page, that lists it; inAimag counts
	// the aimag's conflicting records.
	page, inAimag int
}

// findConflict finds a conflicting field of a results form that counts votes (or ballots)
// of a contest, at a station of an aimag small enough for the public station table to
// show it on its first page.
func findConflict(t *testing.T, f *browserFixture) conflict {
	t.Helper()
	sys := app.SystemContext(f.ctx)
	queue, err := f.m.App.ReviewQueue(sys, f.e)
	if err != nil {
		t.Fatal(err)
	}
	aimagOf := aimags(t, f)
	cov, err := f.m.App.Coverage(f.ctx, f.e)
	if err != nil {
		t.Fatal(err)
	}
	size := map[string]int{}
	for _, c := range cov {
		size[c.Area] = c.Stations
	}
	total := map[string]int{} // conflicting records by aimag
	for _, it := range queue {
		if it.Kind == "conflict" {
			total[aimagOf[it.Area]]++
		}
	}
	seen := map[string]int{} // conflicts listed so far, by aimag
	for _, it := range queue {
		if it.Kind != "conflict" {
			continue
		}
		aimag := aimagOf[it.Area]
		seen[aimag]++
		if aimag == "" || aimag == demoRegion || size[aimag] > 100 {
			continue
		}
		sheet, err := f.m.App.StationSheet(sys, f.e, it.Station, it.Form)
		if err != nil {
			t.Fatal(err)
		}
		tags := make([]string, 0, len(it.Conflicts))
		for tag := range it.Conflicts {
			tags = append(tags, tag)
		}
		slices.Sort(tags)
		for _, tag := range tags {
			item, ok := sheet.Item(tag)
			if !ok || item.Count == "" || item.Contest == "" || item.Tally == iltod.TallyMachine {
				continue
			}
			var vs []string
			for _, v := range it.Conflicts[tag].Variants {
				vs = append(vs, v.Value.String())
			}
			return conflict{station: it.Station, aimag: aimag, form: it.Form, tag: tag, contest: item.Contest,
				variants: strings.Join(vs, " / "), page: (seen[aimag]-1)/50 + 1, inAimag: total[aimag]}
		}
	}
	t.Fatalf("the review queue (%d items) has no conflict on a count of a contest outside %s", len(queue), demoRegion)
	return conflict{}
}

// aimags maps every area of the election to its aimag: the area below the country on its
// path.
func aimags(t *testing.T, f *browserFixture) map[string]string {
	t.Helper()
	areas, err := f.m.App.Areas(f.ctx, f.e)
	if err != nil {
		t.Fatal(err)
	}
	parent := map[string]string{}
	for _, a := range areas {
		parent[a.Code] = a.Parent
	}
	out := map[string]string{}
	for _, a := range areas {
		code := a.Code
		for code != "" && parent[code] != "" && parent[parent[code]] != "" {
			code = parent[code]
		}
		if parent[code] != "" {
			out[a.Code] = code
		}
	}
	return out
}

// stationElsewhere returns a station of Ulaanbaatar, or of another aimag if aimag is
// Ulaanbaatar.
func stationElsewhere(t *testing.T, f *browserFixture, aimag string) string {
	t.Helper()
	area := demoRegion
	if aimag == demoRegion {
		area = "MN-AR"
	}
	sts, err := f.m.App.Stations(f.ctx, f.e, iltod.StationQuery{Area: area, Limit: 1})
	if err != nil || len(sts) == 0 {
		t.Fatalf("no station in %s: %v", area, err)
	}
	return sts[0].Code
}

// signIn signs in through the sign-in form with a password and the current TOTP code,
// and checks that it lands on the console's home.
func signIn(t *testing.T, tab *pageTab, base, login, secret string) {
	t.Helper()
	tab.Navigate(base + "staff/login?lang=en")
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	tab.Type("#login", login)
	tab.Type("#password", browserPassword)
	tab.Type("#code", code)
	tab.Submit(`form.signin button[type="submit"]`)
	u, err := url.Parse(tab.URL())
	if err != nil || u.Path != "/staff/" {
		msg := ""
		if tab.Exists("p.flash.error") {
			msg = tab.Text("p.flash.error")
		}
		t.Fatalf("%s signed in and landed on %s, want /staff/ %s", login, tab.URL(), msg)
	}
}

// expectForbidden checks that the tab shows the console's 403 page.
func expectForbidden(t *testing.T, tab *pageTab, what string) {
	t.Helper()
	if s := responseStatus(tab); s != 403 {
		t.Errorf("%s: status %d, want 403; page: %s", what, s, tab.Text("main"))
		return
	}
	if h := tab.Text("h1"); h != "Not allowed" {
		t.Errorf("%s: heading %q, want Not allowed", what, h)
	}
	// The browser logs the 403 of the page itself as an error; nothing else may be.
	for _, e := range tab.newConsoleErrors() {
		if !strings.Contains(e, "status of 403") {
			t.Errorf("%s (%s): console: %s", what, tab.URL(), e)
		}
	}
}

// responseStatus returns the HTTP status of the page shown.
func responseStatus(tab *pageTab) int {
	var s int
	tab.Eval(`performance.getEntriesByType("navigation")[0]?.responseStatus ?? 0`, &s)
	return s
}

// checkPublicPage checks the page shown as every public page must be: status 200 in
// lang, the demonstration banner visible, no violation of axe-core's rules, no console error; and
// saves a screenshot named name.
func checkPublicPage(t *testing.T, tab *pageTab, name, lang string) {
	t.Helper()
	if s := responseStatus(tab); s != 200 {
		t.Errorf("%s (%s): status %d", name, tab.URL(), s)
	}
	if l := tab.Attr("html", "lang"); l != lang {
		t.Errorf("%s (%s): <html lang=%q>, want %s", name, tab.URL(), l, lang)
	}
	if !visible(tab, "[data-demo-banner]") {
		t.Errorf("%s (%s): the demonstration banner is not visible", name, tab.URL())
	}
	checkPage(t, tab, name)
}

// checkConsolePage checks a page of the console (or the sign-in page) for violations of
// axe-core's rules and console errors, and saves a screenshot named name.
func checkConsolePage(t *testing.T, tab *pageTab, name string) {
	t.Helper()
	if s := responseStatus(tab); s != 200 {
		t.Errorf("%s (%s): status %d", name, tab.URL(), s)
	}
	checkPage(t, tab, name)
}

func checkPage(t *testing.T, tab *pageTab, name string) {
	t.Helper()
	path := tab.Screenshot(name)
	t.Logf("%s: %s", name, path)
	for _, v := range tab.AxeViolations() {
		t.Errorf("%s (%s): axe-core: %s", name, tab.URL(), v)
	}
	for _, e := range tab.newConsoleErrors() {
		t.Errorf("%s (%s): console: %s", name, tab.URL(), e)
	}
}

// pageTab is a browser tab that remembers the console errors already looked at, so that
// each check reports only those of the pages it checks.
type pageTab struct {
	*browsertest.Tab
	seen int
}

// newPageTab opens a tab whose actions may take a minute: a page that needs the app to
// reload its inputs waits for it, which takes a second on the demo, and ten under -race
// on a busy machine.
func newPageTab(t *testing.T, b *browsertest.Browser) *pageTab {
	tab := &pageTab{Tab: b.NewTab(t)}
	tab.SetTimeout(time.Minute)
	return tab
}

// newConsoleErrors returns the console errors since the last call.
func (tab *pageTab) newConsoleErrors() []string {
	all := tab.ConsoleErrors()
	out := all[min(tab.seen, len(all)):]
	tab.seen = len(all)
	return out
}

// visible reports whether an element matching selector is rendered with a box.
func visible(tab *pageTab, selector string) bool {
	var ok bool
	tab.Eval(fmt.Sprintf(`(e => !!e && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden")(document.querySelector(%q))`, selector), &ok)
	return ok
}

// figures are the numbers of the overview about the national list: the official and
// estimated share of each choice, as the page writes them, and the coverage counts.
type figures struct {
	Official map[string]string `json:"official"`
	Estimate map[string]string `json:"estimate"`
	Coverage []string          `json:"coverage"` // results, stations, reporting, stations
}

// overviewFigures reads the figures of the overview at url and those the API gives,
// formatted as the page formats them. As the page and the API are each cached for a
// couple of seconds, it reads both again, for up to half a minute (reading takes seconds
// under -race), until they agree.
func overviewFigures(t *testing.T, f *browserFixture, tab *pageTab, url string) (api, page figures) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for n := 0; ; n++ {
		u := url
		if n > 0 {
			u += "&reload=" + strconv.Itoa(n)
		}
		tab.Navigate(u)
		page = readFigures(tab)
		api = apiFigures(t, f)
		if equalFigures(api, page) || time.Now().After(deadline) {
			return api, page
		}
		time.Sleep(time.Second)
	}
}

// readFigures reads the figures of the overview shown in tab. The coverage sentence is
// "results: <strong>R</strong> / S (P%). reporting: <strong>N</strong> / S (P%).".
func readFigures(tab *pageTab) figures {
	var fg figures
	tab.Eval(`(() => {
		const list = document.querySelector('section[data-contest="LIST"]');
		const pick = attr => Object.fromEntries(Array.from(list ? list.querySelectorAll("[" + attr + "]") : [],
			e => [e.getAttribute(attr), e.innerText.trim()]));
		const cov = document.querySelector("[data-coverage]");
		const strong = cov ? Array.from(cov.querySelectorAll("strong"), e => e.innerText.trim()) : [];
		const of = cov ? Array.from(cov.innerText.matchAll(/\/\s*([0-9](?:[0-9,\u00a0]*[0-9])?)/g), m => m[1]) : [];
		return {official: pick("data-official"), estimate: pick("data-estimate"),
			coverage: [strong[0], of[0], strong[1], of[1]].map(s => s ?? "")};
	})()`, &fg)
	return fg
}

// apiFigures returns the API's analysis of the national list and the app's coverage of
// the whole country, formatted as the overview writes them.
func apiFigures(t *testing.T, f *browserFixture) figures {
	t.Helper()
	var rep analysis.Report
	getJSON(t, f.base+"api/v1/elections/"+f.e+"/analysis?contest="+demoContest, &rep)
	if len(rep.Contests) != 1 || len(rep.Contests[0].Areas) == 0 {
		t.Fatalf("analysis of %s: %d contests", demoContest, len(rep.Contests))
	}
	c := rep.Contests[0]
	top := c.Areas[0]
	if top.PVT == nil || top.Official == nil {
		t.Fatalf("analysis of %s: PVT %v (%s), official %v", demoContest, top.PVT != nil, top.PVTError, top.Official != nil)
	}
	fg := figures{Official: map[string]string{}, Estimate: map[string]string{}}
	for k, code := range c.Choices {
		fg.Official[code] = sharePct(top.Official.Shares[k])
		fg.Estimate[code] = sharePct(top.PVT.Shares[k].Value)
	}
	cov, err := f.m.App.Coverage(f.ctx, f.e)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(cov, func(a app.AreaCoverage) bool { return a.Area == rep.Area })
	if i < 0 {
		t.Fatalf("no coverage of %s", rep.Area)
	}
	n := func(v int) string { return groupThousands(int64(v)) }
	fg.Coverage = []string{n(cov[i].Results), n(cov[i].Stations), n(cov[i].Reporting), n(cov[i].Stations)}
	return fg
}

func equalFigures(a, b figures) bool {
	eq := func(x, y map[string]string) bool {
		if len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if y[k] != v {
				return false
			}
		}
		return true
	}
	return eq(a.Official, b.Official) && eq(a.Estimate, b.Estimate) && slices.Equal(a.Coverage, b.Coverage)
}

func diffFigures(want, got figures) string {
	var b strings.Builder
	for _, part := range []struct {
		name      string
		want, got map[string]string
	}{{"official", want.Official, got.Official}, {"estimate", want.Estimate, got.Estimate}} {
		for k, v := range part.want {
			if part.got[k] != v {
				fmt.Fprintf(&b, "\t%s share of %s: page %q, want %q\n", part.name, k, part.got[k], v)
			}
		}
		for k, v := range part.got {
			if _, ok := part.want[k]; !ok {
				fmt.Fprintf(&b, "\t%s share of unknown choice %s: %q\n", part.name, k, v)
			}
		}
	}
	if !slices.Equal(want.Coverage, got.Coverage) {
		fmt.Fprintf(&b, "\tcoverage (results, stations, reporting, stations): page %q, want %q\n", got.Coverage, want.Coverage)
	}
	return b.String()
}

// sharePct formats a share as the public pages do: a percentage with two decimals.
func sharePct(x float64) string { return strconv.FormatFloat(100*x, 'f', 2, 64) + "%" }

// groupThousands formats n as the English pages do: 12,345.
func groupThousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// digits keeps the digits of each string: counts grouped in any language compare equal.
func digits(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, s)
	}
	return out
}

func hasCyrillic(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Cyrillic, r) }) >= 0
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines to write to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Len()
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
