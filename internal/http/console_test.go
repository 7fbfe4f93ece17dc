package http

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/boombuler/barcode/qr"
	"github.com/pquerna/otp/totp"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/demo"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/auth"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/internal/odk"
	"github.com/iltod/iltod/internal/sqlstore"
	"github.com/iltod/iltod/locales"
)

// conPassword is every test account's password.
const conPassword = "a long enough test password"

// conEnv is the staff console over a real SQLite store holding the demo election, served
// by httptest, with an account of every role.
type conEnv struct {
	t       *testing.T
	a       *app.App
	ts      *httptest.Server
	pkg     *iltod.Package
	secrets map[string]string // login → TOTP secret
	// pages collects every console page fetched, to look for secrets in them.
	pages map[string]string
}

// The test accounts: one of each role; the coordinator is limited to Arkhangai.
var conAccounts = []app.NewStaff{
	{Login: "admin", Name: "Админ", Role: app.RoleAdmin},
	{Login: "coord", Name: "Архангайн зохицуулагч", Role: app.RoleCoordinator, Areas: []string{"MN-AR"}},
	{Login: "analyst", Name: "Analyst", Role: app.RoleAnalyst},
	{Login: "reviewer", Name: "Reviewer", Role: app.RoleReviewer},
	{Login: "clerk", Name: "Clerk", Role: app.RoleClerk},
}

func newConEnv(t *testing.T) *conEnv {
	t.Helper()
	return newConEnvWith(t, nil)
}

// newConEnvWith is newConEnv with the demo package changed by tweak, if not nil, before
// it is loaded.
func newConEnvWith(t *testing.T, tweak func(*iltod.Package)) *conEnv {
	t.Helper()
	ctx := context.Background()
	p, err := electionpkg.Read(demo.Package())
	if err != nil {
		t.Fatal(err)
	}
	if tweak != nil {
		tweak(p)
	}
	store, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "iltod.db"))
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(store, nil)
	a.SetPasswordParams(auth.TestParams)
	t.Cleanup(func() {
		a.Close()
		store.Close()
	})
	sys := app.SystemContext(ctx)
	if err := a.LoadPackage(sys, p, false); err != nil {
		t.Fatal(err)
	}
	env := &conEnv{t: t, a: a, pkg: p, secrets: map[string]string{}, pages: map[string]string{}}
	for _, n := range conAccounts {
		n.Password = conPassword
		secret, _, err := a.CreateStaff(sys, n)
		if err != nil {
			t.Fatalf("create %s: %v", n.Login, err)
		}
		env.secrets[n.Login] = secret
	}
	env.ts = httptest.NewServer(NewServer(a, slog.New(slog.DiscardHandler)).Handler())
	t.Cleanup(env.ts.Close)
	return env
}

// seq is the store's last event: what a refused change must leave as it is.
func (env *conEnv) seq() uint64 {
	env.t.Helper()
	n, err := env.a.Store().LastSeq(context.Background())
	if err != nil {
		env.t.Fatal(err)
	}
	return n
}

// events returns the events after seq.
func (env *conEnv) events(after uint64) []iltod.Event {
	env.t.Helper()
	ctx := context.Background()
	var out []iltod.Event
	for s := after + 1; s <= env.seq(); s++ {
		ev, err := env.a.Store().Event(ctx, s)
		if err != nil {
			env.t.Fatal(err)
		}
		out = append(out, ev)
	}
	return out
}

// conUser is a browser signed in as one staff member.
type conUser struct {
	env   *conEnv
	login string
	c     *http.Client
	csrf  string
}

func (env *conEnv) browser() *conUser {
	jar, _ := cookiejar.New(nil)
	return &conUser{env: env, c: &http.Client{Jar: jar, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// signInAttempt posts the sign-in form and returns the status and the page.
func (u *conUser) signInAttempt(login, password, code string) (int, string) {
	form := url.Values{"login": {login}, "password": {password}, "code": {code}, "next": {"/staff/"}}
	return u.post("/staff/login", form, u.env.ts.URL)
}

// signIn signs in as login with the current TOTP code and reads the CSRF token.
func (env *conEnv) signIn(login string) *conUser {
	env.t.Helper()
	u := env.browser()
	u.login = login
	code, err := totp.GenerateCode(env.secrets[login], time.Now())
	if err != nil {
		env.t.Fatal(err)
	}
	if status, body := u.signInAttempt(login, conPassword, code); status != http.StatusSeeOther {
		env.t.Fatalf("sign in %s: status %d: %s", login, status, conFlashOf(body))
	}
	status, body := u.get("/staff/")
	if status != 200 {
		env.t.Fatalf("%s: /staff/: status %d", login, status)
	}
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		env.t.Fatalf("%s: no CSRF token on the home page", login)
	}
	u.csrf = html.UnescapeString(m[1])
	return u
}

func (u *conUser) do(req *http.Request) (int, string) {
	u.env.t.Helper()
	resp, err := u.c.Do(req)
	if err != nil {
		u.env.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		u.env.t.Fatal(err)
	}
	if strings.HasPrefix(req.URL.Path, "/staff/") {
		u.env.pages[fmt.Sprintf("%s %s as %s (%d)", req.Method, req.URL, u.login, resp.StatusCode)] = string(b)
	}
	if loc := resp.Header.Get("Location"); loc != "" {
		return resp.StatusCode, loc
	}
	return resp.StatusCode, string(b)
}

func (u *conUser) get(path string) (int, string) {
	u.env.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u.env.ts.URL+path, nil)
	return u.do(req)
}

// post sends a form from origin; it returns the status and the page, or for a redirect
// its Location.
func (u *conUser) post(path string, form url.Values, origin string) (int, string) {
	u.env.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u.env.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	return u.do(req)
}

// submit posts a form with the session's CSRF token from the site itself.
func (u *conUser) submit(path string, form url.Values) (int, string) {
	u.env.t.Helper()
	form.Set("csrf", u.csrf)
	return u.post(path, form, u.env.ts.URL)
}

// upload posts a multipart form with a file.
func (u *conUser) upload(path string, fields map[string]string, file, content string) (int, string) {
	u.env.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", u.csrf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", file)
	io.WriteString(fw, content)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, u.env.ts.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", u.env.ts.URL)
	return u.do(req)
}

var conFlashRe = regexp.MustCompile(`(?s)<p class="flash error" role="alert">(.*?)</p>`)

// conFlashOf returns the error message shown at the top of a page.
func conFlashOf(page string) string {
	if m := conFlashRe.FindStringSubmatch(page); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

// conFill answers every required question of a sheet plainly; registered voters are 100
// and every other number 500, so that a results form fails the over-voting check.
func conFill(t *testing.T, a *app.App, election, station, form string, tweak map[string]iltod.Value) map[string]iltod.Value {
	t.Helper()
	sheet, err := a.StationSheet(context.Background(), election, station, form)
	if err != nil {
		t.Fatal(err)
	}
	ans := map[string]iltod.Value{}
	for _, it := range sheet.Questions {
		q := it.Question
		if !q.Required {
			continue
		}
		switch q.Type {
		case iltod.Integer:
			n := int64(500)
			if q.Max != nil {
				n = min(n, *q.Max)
			}
			ans[it.Tag] = iltod.IntValue(n)
			if it.Count == iltod.CountRegistered {
				ans[it.Tag] = iltod.IntValue(100)
			}
		case iltod.YesNo:
			ans[it.Tag] = iltod.BoolValue(true)
		case iltod.SelectOne:
			ans[it.Tag] = iltod.StrValue(q.Options[0].Code)
		case iltod.SelectMultiple:
			ans[it.Tag] = iltod.ListValue([]string{q.Options[0].Code})
		case iltod.TimeOfDay:
			ans[it.Tag] = iltod.StrValue("07:00")
		default:
			ans[it.Tag] = iltod.StrValue("test")
		}
	}
	for k, v := range tweak {
		ans[k] = v
	}
	return ans
}

// conFixture is what the test puts in the queue: a flagged report and a conflict in
// Arkhangai and in Ulaanbaatar.
type conFixture struct {
	arStation, ubStation   string // stations with two observers who may report
	arFlagged, ubFlagged   string // report ids
	arObserver, ubObserver string // an observer of each, whose every station is there
}

func (env *conEnv) fixture() conFixture {
	t := env.t
	t.Helper()
	ctx := app.SystemContext(context.Background())
	e := env.pkg.Election.ID
	var f conFixture
	// Stations where two people may report (an observer and their supervisor).
	for _, st := range env.pkg.Stations {
		obs, err := env.a.ReportingObservers(ctx, e, st.Code)
		if err != nil {
			t.Fatal(err)
		}
		if len(obs) < 2 {
			continue
		}
		switch {
		case f.arStation == "" && strings.HasPrefix(st.Area, "MN-AR"):
			f.arStation = st.Code
		case f.ubStation == "" && strings.HasPrefix(st.Area, "MN-UB"):
			f.ubStation = st.Code
		}
	}
	for _, o := range env.pkg.Observers {
		if len(o.Stations) == 0 {
			continue
		}
		all := func(prefix string) bool {
			for _, s := range o.Stations {
				if !strings.HasPrefix(s, prefix) {
					return false
				}
			}
			return true
		}
		if f.arObserver == "" && all("AR-") {
			f.arObserver = o.Code
		}
		if f.ubObserver == "" && all("UB-") {
			f.ubObserver = o.Code
		}
	}
	if f.arStation == "" || f.ubStation == "" || f.arObserver == "" || f.ubObserver == "" {
		t.Fatalf("the demo has no stations or observers to test with: %+v", f)
	}
	for _, station := range []string{f.arStation, f.ubStation} {
		obs, _ := env.a.ReportingObservers(ctx, e, station)
		// A flagged results report.
		res, err := env.a.ClerkSubmit(ctx, app.ClerkEntry{Election: e, Station: station, Form: "results",
			Observer: obs[0].Code, Medium: "paper", Answers: conFill(t, env.a, e, station, "results", nil)})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Receipt.Flagged {
			t.Fatalf("the results at %s were not flagged", station)
		}
		if station == f.arStation {
			f.arFlagged = res.Receipt.ID
		} else {
			f.ubFlagged = res.Receipt.ID
		}
		// Two opening checklists that disagree on the time of arrival.
		for i, at := range []string{"07:00", "07:30"} {
			_, err := env.a.ClerkSubmit(ctx, app.ClerkEntry{Election: e, Station: station, Form: "opening",
				Observer: obs[i].Code, Medium: "phone", Answers: conFill(t, env.a, e, station, "opening", map[string]iltod.Value{"AT": iltod.StrValue(at)})})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	return f
}

func TestConsole(t *testing.T) {
	env := newConEnv(t)
	fx := env.fixture()
	e := "/staff/e/" + env.pkg.Election.ID
	users := map[string]*conUser{}
	for _, n := range conAccounts {
		users[n.Login] = env.signIn(n.Login)
	}
	admin, coord, analyst, reviewer, clerk := users["admin"], users["coord"], users["analyst"], users["reviewer"], users["clerk"]

	t.Run("pages by role", func(t *testing.T) {
		pages := []string{"/staff/", e + "/observers", e + "/review", e + "/enter", e + "/devices", e + "/official", "/staff/accounts"}
		// What each role may open; the others are 403.
		may := map[string][]string{
			"admin":    pages,
			"coord":    {"/staff/", e + "/observers", e + "/review", e + "/enter", e + "/devices", e + "/official"},
			"analyst":  {"/staff/", e + "/observers", e + "/official"},
			"reviewer": {"/staff/", e + "/observers", e + "/review", e + "/official"},
			"clerk":    {"/staff/", e + "/enter", e + "/official"},
		}
		for login, u := range users {
			for _, path := range pages {
				for _, lang := range []string{"mn", "en"} {
					status, body := u.get(path + "?lang=" + lang)
					want := http.StatusForbidden
					if slices.Contains(may[login], path) {
						want = http.StatusOK
					}
					if status != want {
						t.Errorf("%s GET %s?lang=%s: status %d, want %d: %s", login, path, lang, status, want, conFlashOf(body))
						continue
					}
					if strings.Count(body, "<h1") != 1 {
						t.Errorf("%s GET %s: %d h1 elements", login, path, strings.Count(body, "<h1"))
					}
					if strings.Contains(body, "<script") || strings.Contains(body, " style=") {
						t.Errorf("%s GET %s: script or inline style", login, path)
					}
					if !strings.Contains(body, `<html lang="`+lang+`"`) {
						t.Errorf("%s GET %s: not in %s", login, path, lang)
					}
					if msg := conUnlabelled(body); msg != "" {
						t.Errorf("%s GET %s: %s", login, path, msg)
					}
				}
			}
			// The navigation offers what the role may open, and nothing else.
			_, page := u.get(e + "/official")
			for _, path := range pages[1:] {
				if path == e+"/official" {
					continue // open to all for reading; linked for those who may import
				}
				linked := strings.Contains(page, `href="`+path+`?`)
				if linked != slices.Contains(may[login], path) {
					t.Errorf("%s: link to %s shown %v", login, path, linked)
				}
			}
		}
		// The upload form only for those who may import; the observers table only for
		// those who may read observers.
		for login, want := range map[string]bool{"admin": true, "analyst": true, "coord": false, "reviewer": false, "clerk": false} {
			_, body := users[login].get(e + "/official")
			if got := strings.Contains(body, `enctype="multipart/form-data"`); got != want {
				t.Errorf("%s: upload form shown %v", login, got)
			}
		}
		_, body := reviewer.get(e + "/observers")
		if strings.Contains(body, "observers-h") || !strings.Contains(body, `id="missing"`) {
			t.Errorf("a reviewer sees observers, or no missing stations")
		}
	})

	t.Run("refused changes change nothing", func(t *testing.T) {
		before := env.seq()
		refused := []struct {
			u      *conUser
			path   string
			form   url.Values
			upload bool
		}{
			{clerk, "/staff/accounts", url.Values{"login": {"newbie"}, "name": {"N"}, "role": {"admin"}, "password": {conPassword}}, false},
			{reviewer, e + "/official", nil, true},
			{coord, e + "/official", nil, true},
			{analyst, e + "/review/decide", url.Values{"report": {fx.arFlagged}, "action": {"verify"}, "reason": {"fine"}}, false},
			{analyst, e + "/review/resolve", url.Values{"station": {fx.arStation}, "form": {"opening"}, "tag": {"AT"}, "choice": {`"07:00"`}, "reason": {"x"}}, false},
			{clerk, e + "/devices/enroll", url.Values{"observer": {fx.arObserver}}, false},
			{clerk, e + "/devices/odk", url.Values{"observer": {fx.arObserver}}, false},
			{reviewer, e + "/enter", url.Values{"station": {fx.arStation}, "form": {"opening"}, "observer": {fx.arObserver}, "medium": {"phone"}}, false},
			{coord, "/staff/accounts/clerk", url.Values{"action": {"disable"}}, false},
		}
		for _, c := range refused {
			var status int
			var body string
			if c.upload {
				status, body = c.u.upload(c.path, map[string]string{"source": "test"}, "r.csv", "station,contest,choice,votes\n")
			} else {
				status, body = c.u.submit(c.path, c.form)
			}
			if status != http.StatusForbidden {
				t.Errorf("%s POST %s: status %d, want 403: %.300s", c.u.login, c.path, status, body)
			}
		}
		if env.seq() != before {
			t.Errorf("refused changes added events: %v", env.events(before))
		}
	})

	t.Run("coordinator areas", func(t *testing.T) {
		_, body := coord.get(e + "/observers")
		row := func(code string) string { return `<th scope="row">` + code + ` <span class="con-name">` }
		if !strings.Contains(body, row(fx.arObserver)) {
			t.Errorf("the coordinator does not see Arkhangai's observer %s", fx.arObserver)
		}
		if strings.Contains(body, row(fx.ubObserver)) {
			t.Errorf("the coordinator sees Ulaanbaatar's observer %s", fx.ubObserver)
		}
		for _, code := range regexp.MustCompile(`<th scope="row">([0-9]+) <span class="con-name">`).FindAllStringSubmatch(body, -1) {
			o := slices.IndexFunc(env.pkg.Observers, func(o iltod.Observer) bool { return o.Code == code[1] })
			if o < 0 || !slices.ContainsFunc(env.pkg.Observers[o].Stations, func(s string) bool { return strings.HasPrefix(s, "AR-") }) {
				t.Errorf("the coordinator sees observer %s, who has no station in Arkhangai", code[1])
			}
		}
		_, body = admin.get(e + "/observers?area=MN-UB")
		if !strings.Contains(body, row(fx.ubObserver)) || strings.Contains(body, row(fx.arObserver)) {
			t.Errorf("the admin's observers of Ulaanbaatar are not %s's", fx.ubObserver)
		}
		_, body = coord.get(e + "/observers?area=MN-UB")
		if strings.Contains(body, row(fx.ubObserver)) || strings.Contains(body, row(fx.arObserver)) {
			t.Errorf("the coordinator sees observers in Ulaanbaatar")
		}
		// Outside Arkhangai: the entry form, an entry, a resolution, a decision, a code.
		before := env.seq()
		if status, _ := coord.get(e + "/enter?station=" + fx.ubStation + "&form=opening"); status != http.StatusForbidden {
			t.Errorf("entry form for %s: status %d, want 403", fx.ubStation, status)
		}
		ubObs, _ := env.a.ReportingObservers(app.SystemContext(context.Background()), env.pkg.Election.ID, fx.ubStation)
		form := url.Values{"station": {fx.ubStation}, "form": {"opening"}, "observer": {ubObs[0].Code}, "medium": {"phone"}}
		for tag, v := range conFill(t, env.a, env.pkg.Election.ID, fx.ubStation, "opening", nil) {
			form.Set("q_"+tag, conFormValue(v))
		}
		for _, c := range []struct {
			path string
			form url.Values
		}{
			{e + "/enter", form},
			{e + "/review/resolve", url.Values{"station": {fx.ubStation}, "form": {"opening"}, "tag": {"AT"}, "choice": {`"07:00"`}, "reason": {"called"}}},
			{e + "/review/decide", url.Values{"report": {fx.ubFlagged}, "action": {"reject"}, "reason": {"called"}}},
			{e + "/devices/enroll", url.Values{"observer": {fx.ubObserver}}},
			{e + "/devices/odk", url.Values{"observer": {fx.ubObserver}}},
		} {
			if status, body := coord.submit(c.path, c.form); status != http.StatusForbidden {
				t.Errorf("coordinator POST %s for Ulaanbaatar: status %d, want 403: %.300s", c.path, status, body)
			}
		}
		if env.seq() != before {
			t.Errorf("refused changes added events: %v", env.events(before))
		}
		// The queue holds Arkhangai only.
		_, body = coord.get(e + "/review")
		if !strings.Contains(body, fx.arFlagged) || strings.Contains(body, fx.ubFlagged) || strings.Contains(body, fx.ubStation) {
			t.Errorf("the coordinator's queue is not Arkhangai's")
		}
	})

	t.Run("csrf and origin", func(t *testing.T) {
		before := env.seq()
		form := url.Values{"report": {fx.arFlagged}, "action": {"verify"}, "reason": {"checked"}}
		if status, _ := admin.post(e+"/review/decide", form, env.ts.URL); status != http.StatusForbidden {
			t.Errorf("without a token: status %d", status)
		}
		form.Set("csrf", "not-the-token")
		if status, _ := admin.post(e+"/review/decide", form, env.ts.URL); status != http.StatusForbidden {
			t.Errorf("with a wrong token: status %d", status)
		}
		form.Set("csrf", admin.csrf)
		if status, _ := admin.post(e+"/review/decide", form, "https://evil.example"); status != http.StatusForbidden {
			t.Errorf("from another origin: status %d", status)
		}
		if status, _ := clerk.post(e+"/enter", url.Values{"csrf": {admin.csrf}}, env.ts.URL); status != http.StatusForbidden {
			t.Errorf("with another session's token: status %d", status)
		}
		if status, _ := env.browser().post(e+"/review/decide", form, env.ts.URL); status != http.StatusUnauthorized {
			t.Errorf("without a session: status %d", status)
		}
		if status, loc := env.browser().get(e + "/review"); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/staff/login?next=") {
			t.Errorf("a page without a session: status %d to %q", status, loc)
		}
		if env.seq() != before {
			t.Errorf("refused posts added events: %v", env.events(before))
		}
	})

	t.Run("review", func(t *testing.T) {
		_, body := reviewer.get(e + "/review")
		if !strings.Contains(body, fx.arFlagged) || !strings.Contains(body, "over-voting") {
			t.Fatalf("the queue does not show the flagged report with its check")
		}
		if !strings.Contains(body, `value="&#34;07:00&#34;"`) || !strings.Contains(body, `value="&#34;07:30&#34;"`) {
			t.Fatalf("the queue does not offer the conflicting variants")
		}
		// A decision without a reason is refused and shown again.
		before := env.seq()
		status, body := reviewer.submit(e+"/review/decide", url.Values{"report": {fx.arFlagged}, "action": {"quarantine"}, "reason": {"  "}})
		// The console speaks the election's language (Mongolian) and so do the app's errors.
		if status != http.StatusBadRequest || conFlashOf(body) != "шалтгаанаа бичнэ үү" || env.seq() != before {
			t.Errorf("a decision without a reason: status %d, message %q", status, conFlashOf(body))
		}
		reason := "Called the station chair: the register count was misread"
		status, loc := reviewer.submit(e+"/review/decide?lang=en", url.Values{"report": {fx.arFlagged}, "action": {"quarantine"}, "reason": {reason}})
		if status != http.StatusSeeOther || !strings.Contains(loc, "ok=decided") || !strings.Contains(loc, "lang=en") {
			t.Fatalf("decision: status %d to %q", status, loc)
		}
		evs := env.events(before)
		if len(evs) != 1 || evs[0].Kind != iltod.EventReview || evs[0].Subject != fx.arFlagged ||
			!strings.Contains(string(evs[0].Detail), reason) || !strings.Contains(string(evs[0].Detail), `"actor":"reviewer"`) {
			t.Fatalf("decision events: %+v", evs)
		}
		_, body = reviewer.get(loc)
		if !strings.Contains(body, `class="flash" role="status">Decision recorded`) {
			t.Errorf("no flash after the decision")
		}
		// Resolve the conflict with a typed value, then the other station's with a variant.
		before = env.seq()
		status, loc = reviewer.submit(e+"/review/resolve", url.Values{"station": {fx.arStation}, "form": {"opening"}, "tag": {"AT"},
			"choice": {"other"}, "value": {"07:15"}, "reason": {"both were approximate"}})
		if status != http.StatusSeeOther || !strings.Contains(loc, "ok=resolved") {
			t.Fatalf("resolve: status %d %.300s", status, loc)
		}
		status, _ = reviewer.submit(e+"/review/resolve", url.Values{"station": {fx.ubStation}, "form": {"opening"}, "tag": {"AT"},
			"choice": {`"07:30"`}, "reason": {"the chair confirmed"}})
		if status != http.StatusSeeOther {
			t.Fatalf("resolve with a variant: status %d", status)
		}
		evs = env.events(before)
		if len(evs) != 2 || !strings.Contains(string(evs[0].Detail), `"value":"07:15"`) || !strings.Contains(string(evs[1].Detail), "the chair confirmed") {
			t.Fatalf("resolution events: %+v", evs)
		}
		rec, err := env.a.StationRecord(app.SystemContext(context.Background()), env.pkg.Election.ID, fx.arStation, "opening")
		if err != nil || len(rec.Conflicts) != 0 || rec.Fields["AT"].Value.Str != "07:15" {
			t.Errorf("record after resolution: %+v, %v", rec, err)
		}
		// A typed value the question cannot take is refused.
		before = env.seq()
		status, body = reviewer.submit(e+"/review/resolve", url.Values{"station": {fx.arStation}, "form": {"opening"}, "tag": {"AT"},
			"choice": {"other"}, "value": {"25:99"}, "reason": {"x"}})
		if status != http.StatusBadRequest || env.seq() != before {
			t.Errorf("a bad time: status %d: %s", status, conFlashOf(body))
		}
	})

	t.Run("clerk entry", func(t *testing.T) {
		status, body := clerk.get(e + "/enter?station=" + fx.arStation + "&form=opening&lang=en")
		if status != 200 || !strings.Contains(body, `name="q_AT"`) || !strings.Contains(body, `type="time"`) {
			t.Fatalf("entry form: status %d", status)
		}
		for _, form := range []string{"opening", "closing", "incident", "results"} {
			_, page := clerk.get(e + "/enter?station=" + fx.arStation + "&form=" + form)
			if msg := conUnlabelled(page); msg != "" || !strings.Contains(page, `name="csrf"`) {
				t.Errorf("entry form %s: %s", form, msg)
			}
		}
		id := regexp.MustCompile(`name="id" value="(clerk-[0-9a-f]+)"`).FindStringSubmatch(body)
		if id == nil {
			t.Fatal("no entry id in the form")
		}
		obs, _ := env.a.ReportingObservers(app.SystemContext(context.Background()), env.pkg.Election.ID, fx.arStation)
		form := url.Values{"station": {fx.arStation}, "form": {"opening"}, "observer": {obs[0].Code}, "medium": {"phone"}, "id": {id[1]}}
		for tag, v := range conFill(t, env.a, env.pkg.Election.ID, fx.arStation, "opening", nil) {
			form.Set("q_"+tag, conFormValue(v))
		}
		// A number that is not one is shown again at its question, and nothing is stored.
		before := env.seq()
		var numTag string
		sheet, _ := env.a.StationSheet(context.Background(), env.pkg.Election.ID, fx.arStation, "opening")
		for _, it := range sheet.Questions {
			if it.Question.Type == iltod.Integer {
				numTag = it.Tag
				break
			}
		}
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("q_"+numTag, "many")
		status, body = clerk.submit(e+"/enter?lang=en", bad)
		if status != http.StatusBadRequest || !strings.Contains(body, `id="err-`+numTag+`"`) || env.seq() != before {
			t.Fatalf("a bad number: status %d", status)
		}
		status, body = clerk.submit(e+"/enter?lang=en", form)
		if status != http.StatusOK || !strings.Contains(body, id[1]) {
			t.Fatalf("entry: status %d: %s", status, conFlashOf(body))
		}
		subs, err := env.a.Submissions(app.SystemContext(context.Background()), env.pkg.Election.ID, iltod.SubmissionQuery{Station: fx.arStation, Form: "opening"})
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(subs, func(s iltod.Submission) bool { return s.Report.ID == id[1] })
		if i < 0 || subs[i].Channel != iltod.ChannelClerk || subs[i].Observer != obs[0].Code {
			t.Fatalf("the entry is not stored as a clerk's: %+v", subs)
		}
		evs := env.events(before)
		if len(evs) != 2 || evs[0].Kind != iltod.EventReport || evs[0].Subject != id[1] ||
			!strings.Contains(string(evs[1].Detail), `"action":"clerk entry"`) || !strings.Contains(string(evs[1].Detail), `"actor":"clerk"`) {
			t.Fatalf("entry events: %+v", evs)
		}
		// Sending the same form again (a reload) stores nothing new.
		before = env.seq()
		status, body = clerk.submit(e+"/enter?lang=en", form)
		if status != http.StatusOK || !strings.Contains(body, "already been stored") || env.seq() != before {
			t.Errorf("the same entry again: status %d", status)
		}
		// A flagged entry says so.
		results := url.Values{"station": {fx.arStation}, "form": {"results"}, "observer": {obs[0].Code}, "medium": {"paper"}}
		for tag, v := range conFill(t, env.a, env.pkg.Election.ID, fx.arStation, "results", nil) {
			results.Set("q_"+tag, conFormValue(v))
		}
		status, body = clerk.submit(e+"/enter?lang=en", results)
		if status != http.StatusOK || !strings.Contains(body, "Flagged for review") || !strings.Contains(body, "over-voting") {
			t.Errorf("a flagged entry: status %d", status)
		}
	})

	t.Run("devices", func(t *testing.T) {
		before := env.seq()
		status, body := coord.submit(e+"/devices/enroll", url.Values{"observer": {fx.arObserver}, "ttl": {"24"}})
		code := regexp.MustCompile(`<code>([A-Z2-9]{5}-[A-Z2-9]{5})</code>`).FindStringSubmatch(body)
		if status != 200 || code == nil || conUnlabelled(body) != "" {
			t.Fatalf("issue a code: status %d %s", status, conUnlabelled(body))
		}
		if len(env.events(before)) != 1 {
			t.Errorf("issuing a code is not one event")
		}
		// One QR code, of the link that opens the observer app with this code.
		link := env.ts.URL + "/observe/#code=" + code[1]
		qrIn := func(lang string) bool {
			return strings.Contains(body, string(conQR(link, tr(lang, "console.qr.label", locales.Args{"Code": code[1]}))))
		}
		if strings.Count(body, "<svg") != 1 || !(qrIn("en") || qrIn("mn")) || !strings.Contains(body, link) {
			t.Errorf("the page does not show one QR code of %s", link)
		}
		if _, body := coord.get(e + "/devices"); strings.Contains(body, "<svg") || strings.Contains(body, code[1]) {
			t.Errorf("the code or its QR code shows again")
		}
		dev, err := env.a.Enroll(context.Background(), code[1], bytes.Repeat([]byte{7}, 32))
		if err != nil {
			t.Fatal(err)
		}
		_, body = coord.get(e + "/devices?observer=" + fx.arObserver)
		if !strings.Contains(body, dev.KeyID) {
			t.Fatalf("the device is not listed")
		}
		// Revoking needs a reason.
		before = env.seq()
		if status, _ := coord.submit(e+"/devices/revoke", url.Values{"key": {dev.KeyID}}); status != http.StatusBadRequest || env.seq() != before {
			t.Errorf("revoke without a reason: status %d", status)
		}
		status, loc := coord.submit(e+"/devices/revoke", url.Values{"key": {dev.KeyID}, "reason": {"phone lost"}})
		if status != http.StatusSeeOther || !strings.Contains(loc, "ok=revoked") {
			t.Fatalf("revoke: status %d", status)
		}
		if evs := env.events(before); len(evs) != 1 || !strings.Contains(string(evs[0].Detail), "phone lost") {
			t.Errorf("revoke events: %+v", evs)
		}
	})

	t.Run("odk credentials", func(t *testing.T) {
		before := env.seq()
		status, body := coord.submit(e+"/devices/odk", url.Values{"observer": {fx.arObserver}})
		pw := regexp.MustCompile(`<code>([A-Z2-9]{12})</code>`).FindStringSubmatch(body)
		if status != 200 || pw == nil || conUnlabelled(body) != "" {
			t.Fatalf("issue ODK credentials: status %d %s", status, conUnlabelled(body))
		}
		if !strings.Contains(body, env.ts.URL+"/odk/"+strings.TrimPrefix(e, "/staff/e/")+"/") {
			t.Errorf("the page does not show the server URL")
		}
		if len(env.events(before)) != 1 {
			t.Errorf("issuing ODK credentials is not one event")
		}
		election := strings.TrimPrefix(e, "/staff/e/")
		cred, err := env.a.ODKCredential(context.Background(), election, fx.arObserver)
		if err != nil || cred.HA1 != odk.HA1(fx.arObserver, app.ODKRealm(election), pw[1]) {
			t.Errorf("the stored HA1 is not the shown password's: %v", err)
		}
		if _, body := coord.get(e + "/devices"); strings.Contains(body, pw[1]) {
			t.Errorf("the password shows again")
		}
	})

	t.Run("official results", func(t *testing.T) {
		contest, choice := "", ""
		for _, c := range env.pkg.Contests {
			if slices.Contains(c.Areas, "MN-AR") {
				contest, choice = c.Code, c.Choices[0].Code
			}
		}
		if contest == "" {
			t.Fatal("no contest for Arkhangai")
		}
		fields := map[string]string{"source": "GEC test release", "published": "2024-06-29", "layout": "long"}
		before := env.seq()
		bad := fmt.Sprintf("station,contest,choice,votes\n%s,%s,%s,ten\nXX-99,%s,%s,5\n", fx.arStation, contest, choice, contest, choice)
		status, body := analyst.upload(e+"/official?lang=en", fields, "gec.csv", bad)
		if status != http.StatusBadRequest || env.seq() != before || conUnlabelled(body) != "" {
			t.Fatalf("a bad file: status %d %s", status, conUnlabelled(body))
		}
		for _, want := range []string{`<td>gec.csv</td><td class="num">2</td><td>votes</td>`, `<td>gec.csv</td><td class="num">3</td><td>station</td>`, "Nothing was imported"} {
			if !strings.Contains(body, want) {
				t.Errorf("the problems of a bad file do not show %q", want)
			}
		}
		good := fmt.Sprintf("station,contest,choice,votes\n%s,%s,%s,10\n%s,%s,valid,10\n", fx.arStation, contest, choice, fx.arStation, contest)
		status, loc := analyst.upload(e+"/official", fields, "gec.csv", good)
		if status != http.StatusSeeOther || !strings.Contains(loc, "ok=imported") {
			t.Fatalf("a good file: status %d %.500s", status, loc)
		}
		if evs := env.events(before); len(evs) != 1 || evs[0].Kind != iltod.EventImport {
			t.Errorf("import events: %+v", evs)
		}
		_, body = reviewer.get(e + "/official")
		if !strings.Contains(body, "GEC test release") {
			t.Errorf("the release is not listed")
		}
	})

	t.Run("accounts", func(t *testing.T) {
		before := env.seq()
		status, body := admin.submit("/staff/accounts", url.Values{"login": {"newcoord"}, "name": {"Шинэ зохицуулагч"},
			"role": {"coordinator"}, "areas": {"MN-AR, MN-UB"}, "password": {conPassword}})
		m := regexp.MustCompile(`data-totp-secret>([A-Z2-7]+)<`).FindStringSubmatch(body)
		if status != 200 || m == nil || !strings.Contains(body, "otpauth://totp/") || !strings.Contains(body, "<svg") || conUnlabelled(body) != "" {
			t.Fatalf("create: status %d: %s", status, conFlashOf(body))
		}
		for login, other := range env.secrets {
			if strings.Contains(body, other) {
				t.Errorf("the new account's page shows %s's secret", login)
			}
		}
		env.secrets["newcoord"] = m[1]
		delete(env.pages, fmt.Sprintf("POST %s/staff/accounts as admin (200)", env.ts.URL)) // the one page that shows it
		if evs := env.events(before); len(evs) != 1 || strings.Contains(string(evs[0].Detail), m[1]) {
			t.Errorf("create events: %+v", evs)
		}
		// The new account signs in with its secret.
		nc := env.signIn("newcoord")
		if status, _ := nc.get(e + "/observers"); status != 200 {
			t.Errorf("the new coordinator: status %d", status)
		}
		// A bad account is refused and shown again, without its password.
		status, body = admin.submit("/staff/accounts", url.Values{"login": {"X"}, "name": {"x"}, "role": {"clerk"}, "password": {"short"}})
		if status != http.StatusBadRequest || strings.Contains(body, `value="short"`) {
			t.Errorf("a bad account: status %d", status)
		}
		// Disable and enable; a disabled account's session ends.
		if status, loc := admin.submit("/staff/accounts/newcoord", url.Values{"action": {"disable"}}); status != http.StatusSeeOther || !strings.Contains(loc, "ok=disabled") {
			t.Errorf("disable: status %d", status)
		}
		if status, _ := nc.get("/staff/"); status != http.StatusSeeOther {
			t.Errorf("a disabled account's session: status %d", status)
		}
		if status, _ := admin.submit("/staff/accounts/newcoord", url.Values{"action": {"enable"}}); status != http.StatusSeeOther {
			t.Errorf("enable: status %d", status)
		}
		if status, _ := admin.submit("/staff/accounts/newcoord", url.Values{"action": {"password"}, "password": {"another long password"}}); status != http.StatusSeeOther {
			t.Errorf("reset password: status %d", status)
		}
		status, body = admin.submit("/staff/accounts/newcoord", url.Values{"action": {"totp"}})
		m2 := regexp.MustCompile(`data-totp-secret>([A-Z2-7]+)<`).FindStringSubmatch(body)
		if status != 200 || m2 == nil || m2[1] == m[1] {
			t.Fatalf("reset TOTP: status %d", status)
		}
		delete(env.pages, fmt.Sprintf("POST %s/staff/accounts/newcoord as admin (200)", env.ts.URL))
		env.secrets["newcoord-2"] = m2[1]
	})

	t.Run("sign-in failures", func(t *testing.T) {
		u := env.browser()
		code, _ := totp.GenerateCode(env.secrets["analyst"], time.Now())
		s1, wrongPassword := u.signInAttempt("analyst", "not the password at all", code)
		s2, wrongCode := u.signInAttempt("analyst", conPassword, "000000")
		s3, unknown := u.signInAttempt("nobody", conPassword, code)
		if s1 != http.StatusUnauthorized || s2 != http.StatusUnauthorized || s3 != http.StatusUnauthorized {
			t.Errorf("failed sign-ins: statuses %d %d %d", s1, s2, s3)
		}
		if m := conFlashOf(wrongPassword); m == "" || m != conFlashOf(wrongCode) || m != conFlashOf(unknown) {
			t.Errorf("failed sign-ins differ: %q, %q, %q", conFlashOf(wrongPassword), conFlashOf(wrongCode), conFlashOf(unknown))
		}
		var status int
		var body string
		for i := 0; i < 6; i++ {
			status, body = u.signInAttempt("ratelimited", "wrong password here", "123456")
		}
		if status != http.StatusTooManyRequests || !strings.Contains(conFlashOf(body), "too many") {
			t.Errorf("the sixth fast failure: status %d: %q", status, conFlashOf(body))
		}
	})

	t.Run("no secrets in pages", func(t *testing.T) {
		accts, err := env.a.Store().StaffAccounts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		secrets := []string{"$argon2id$"}
		for _, a := range accts {
			secrets = append(secrets, a.PasswordHash, a.TOTPSecret)
		}
		for _, s := range env.secrets {
			secrets = append(secrets, s)
		}
		_, body := admin.get("/staff/accounts")
		if !strings.Contains(body, "newcoord") {
			t.Fatal("the accounts page does not list the new account")
		}
		if len(env.pages) < 80 {
			t.Errorf("only %d pages looked at", len(env.pages))
		}
		for name, page := range env.pages {
			for _, s := range secrets {
				if s != "" && strings.Contains(page, s) {
					t.Errorf("%s shows a secret", name)
				}
			}
			if strings.Contains(page, conPassword) {
				t.Errorf("%s shows a password", name)
			}
		}
	})
}

var (
	conControlRe = regexp.MustCompile(`<(input|select|textarea)\b[^>]*>`)
	conIDRe      = regexp.MustCompile(`\bid="([^"]+)"`)
)

// conUnlabelled returns what is wrong with the labels of a page's form controls: every
// control but hidden inputs has an id, and a label for it; no id is used twice.
func conUnlabelled(page string) string {
	ids := map[string]int{}
	for _, m := range conIDRe.FindAllStringSubmatch(page, -1) {
		ids[m[1]]++
	}
	for id, n := range ids {
		if n > 1 {
			return fmt.Sprintf("id %q is used %d times", id, n)
		}
	}
	for _, tag := range conControlRe.FindAllString(page, -1) {
		if strings.Contains(tag, `type="hidden"`) {
			continue
		}
		m := conIDRe.FindStringSubmatch(tag)
		if m == nil {
			return "a control has no id: " + tag
		}
		if !strings.Contains(page, `<label for="`+m[1]+`"`) {
			return "a control has no label: " + tag
		}
	}
	return ""
}

// conFormValue is how a browser sends a value of the entry form.
func conFormValue(v iltod.Value) string {
	switch v.Kind {
	case iltod.Int:
		return fmt.Sprint(v.Int)
	case iltod.Bool:
		if v.Bool {
			return "yes"
		}
		return "no"
	case iltod.List:
		return v.List[0]
	}
	return v.Str
}

// TestConsoleKeys checks that every catalogue key the console builds from a prefix and a
// code exists. (The catalogue's own tests check the languages, and every key a template
// or Go code names whole.)
func TestConsoleKeys(t *testing.T) {
	keys := []string{
		"console.action_verify", "console.action_reject", "console.action_quarantine",
		"console.role_admin", "console.role_coordinator", "console.role_analyst", "console.role_reviewer", "console.role_clerk",
		"console.role_obs_static", "console.role_obs_mobile", "console.role_obs_supervisor",
		"console.hint_integer", "console.hint_yes_no", "console.hint_select_one", "console.hint_select_multiple", "console.hint_text", "console.hint_time",
	}
	for k := range conFlashKeys {
		keys = append(keys, "console.ok_"+k)
	}
	for _, sec := range conSections {
		if sec.Label != "" {
			keys = append(keys, sec.Label)
			continue
		}
		keys = append(keys, "console.nav_"+sec.Key)
	}
	for _, k := range keys {
		if !locales.Has(k) {
			t.Errorf("the catalogue has no %q", k)
		}
	}
}

// TestConsoleQR checks that the SVG's dark modules are exactly the QR code's, in
// place inside the quiet zone, and that the label is escaped.
func TestConsoleQR(t *testing.T) {
	for _, text := range []string{
		"otpauth://totp/iltod:admin?secret=JBSWY3DPEHPK3PXP&issuer=iltod",
		"https://192.168.1.20:8443/observe/#code=ABCDE-FGH23",
	} {
		svg := string(conQR(text, "QR <code>"))
		if !strings.HasPrefix(svg, "<svg") || !strings.Contains(svg, `aria-label="QR &lt;code&gt;"`) || !strings.Contains(svg, `role="img"`) ||
			strings.Count(svg, "<path") != 1 || strings.Contains(svg, "data:") {
			t.Errorf("QR code: %.200s", svg)
		}
		code, err := qr.Encode(text, qr.M, qr.Auto)
		if err != nil {
			t.Fatal(err)
		}
		n := code.Bounds().Dx()
		if !strings.Contains(svg, fmt.Sprintf(`viewBox="0 0 %d %d"`, n+8, n+8)) {
			t.Errorf("%s: the view box is not %d modules and the quiet zone", text, n)
		}
		got := make([][]bool, n+8)
		for i := range got {
			got[i] = make([]bool, n+8)
		}
		runs := regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`).FindAllStringSubmatch(svg, -1)
		for _, m := range runs {
			x, _ := strconv.Atoi(m[1])
			y, _ := strconv.Atoi(m[2])
			w, _ := strconv.Atoi(m[3])
			if m[3] != m[4] || x+w > n+8 || y >= n+8 {
				t.Fatalf("%s: a run %s out of shape", text, m[0])
			}
			for i := x; i < x+w; i++ {
				if got[y][i] {
					t.Fatalf("%s: module %d,%d drawn twice", text, i, y)
				}
				got[y][i] = true
			}
		}
		dark := 0
		for y := range n + 8 {
			for x := range n + 8 {
				want := false
				if x >= 4 && y >= 4 && x < n+4 && y < n+4 {
					r, _, _, _ := code.At(x-4, y-4).RGBA()
					want = r < 0x8000
				}
				if got[y][x] != want {
					t.Fatalf("%s: module %d,%d is dark=%v in the SVG, %v in the code", text, x, y, got[y][x], want)
				}
				if want {
					dark++
				}
			}
		}
		if dark < 100 || len(runs) >= dark {
			t.Errorf("%s: %d dark modules in %d runs; want runs to join neighbours", text, dark, len(runs))
		}
	}
}

// TestConParseYesNo checks the words a clerk may type for yes and no, in either language
// whatever the page's, and that anything else is refused.
func TestConParseYesNo(t *testing.T) {
	q := &iltod.Question{Tag: "OP", Type: iltod.YesNo}
	for text, want := range map[string]bool{
		"yes": true, "Y": true, "true": true, "1": true, "Тийм": true, " т ": true,
		"no": false, "N": false, "false": false, "0": false, "үгүй": false, "Ү": false,
	} {
		v, err := conParseValue(q, text)
		if err != nil || v.Kind != iltod.Bool || v.Bool != want {
			t.Errorf("conParseValue(%q) = %+v, %v; want %v", text, v, err, want)
		}
	}
	for _, text := range []string{"yess", "тиймээ", "2", "oui"} {
		if _, err := conParseValue(q, text); iltod.ErrorCodeOf(err) != iltod.EInvalid {
			t.Errorf("conParseValue(%q): %v, want invalid", text, err)
		}
	}
}
