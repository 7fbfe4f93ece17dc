package http

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
)

// The staff console: server-rendered pages for the observer network's staff on election
// night, in Mongolian and English, with no JavaScript.
//
// Every handler runs through s.staff (session, same-origin and CSRF checks) with the staff
// member as the actor in the request's context, and every read and every change goes
// through internal/app, which authorises it: the role, and for a coordinator the areas.
// The console hides what a role cannot use (app.Actor.May, from the same table) and shows
// app's refusals as a 403 page; it never decides on its own that something is allowed.
// Changes are POST, then a redirect back with a flash message (?ok=…), except where the
// answer holds a secret shown once (a TOTP secret, an enrollment code) or a receipt.

// consoleRoutes are the routes of the staff console.
func (s *Server) consoleRoutes() []route {
	return []route{
		{"GET /staff", http.RedirectHandler("/staff/", http.StatusMovedPermanently)},
		{"GET /staff/{$}", s.staff(s.conHome)},
		{"GET /staff/e/{election}/observers", s.staff(s.conObservers)},
		{"GET /staff/e/{election}/review", s.staff(s.conReview)},
		{"POST /staff/e/{election}/review/decide", s.staff(s.conDecide)},
		{"POST /staff/e/{election}/review/resolve", s.staff(s.conResolve)},
		{"GET /staff/e/{election}/enter", s.staff(s.conEnter)},
		{"POST /staff/e/{election}/enter", s.staff(s.conEnterSubmit)},
		{"GET /staff/e/{election}/photos/{sha256}", s.staff(s.conPhoto)},
		{"GET /staff/e/{election}/devices", s.staff(s.conDevices)},
		{"POST /staff/e/{election}/devices/enroll", s.staff(s.conEnroll)},
		{"POST /staff/e/{election}/devices/revoke", s.staff(s.conRevoke)},
		{"POST /staff/e/{election}/devices/odk", s.staff(s.conODK)},
		{"GET /staff/e/{election}/messages", s.staff(s.conMessages)},
		{"POST /staff/e/{election}/messages/broadcast", s.staff(s.conBroadcast)},
		{"GET /staff/e/{election}/official", s.staff(s.conOfficial)},
		{"POST /staff/e/{election}/official", s.staff(s.conImport)},
		{"GET /staff/accounts", s.staff(s.conAccounts)},
		{"POST /staff/accounts", s.staff(s.conCreateAccount)},
		{"POST /staff/accounts/{login}", s.staff(s.conChangeAccount)},
	}
}

// conSection is one part of the console about an election, at /staff/e/{election}/KEY.
type conSection struct {
	Key        string
	Permission app.Permission
	// Also is a second permission that opens the section (observers: missing stations).
	Also app.Permission
	// Label is the catalogue key of the section's name, if not console.nav_KEY.
	Label string
}

// conSections are the console's election sections, in the order the navigation lists them.
var conSections = []conSection{
	{"observers", app.MayReadObservers, app.MayReadReports, ""},
	{"review", app.MayReview, "", ""},
	{"enter", app.MayEnterReports, "", ""},
	{"devices", app.MayManageDevices, "", ""},
	{"official", app.MayImportOfficial, "", ""},
	{"incidents", app.MayReadIncidents, app.MayReportIncident, "console.incidents.nav"},
	{"actors", app.MayReadIncidents, "", "console.actors.nav"},
}

// conLink is a link of the console's navigation.
type conLink struct {
	Href, Label string
	Current     bool
}

// conLinks returns the links to the sections of election that actor may use.
func (p *page) conLinks(actor app.Actor, election string) []conLink {
	var out []conLink
	for _, sec := range conSections {
		if !actor.May(sec.Permission) && (sec.Also == "" || !actor.May(sec.Also)) {
			continue
		}
		path := "/staff/e/" + election + "/" + sec.Key
		label := "console.nav_" + sec.Key
		if sec.Label != "" {
			label = sec.Label
		}
		out = append(out, conLink{Href: p.ConURL(path), Label: tr(p.Lang, label), Current: p.Path == path})
	}
	return out
}

// ConNav returns the console's navigation for the page: home, the sections of the page's
// election the staff member may use, and the accounts for an admin. It is empty on pages
// without a session.
func (p *page) ConNav() []conLink {
	if p.Session == nil {
		return nil
	}
	actor := p.Session.Actor
	links := []conLink{{Href: p.ConURL("/staff/"), Label: tr(p.Lang, "console.nav_home"), Current: p.Path == "/staff/"}}
	if p.Election != nil {
		links = append(links, p.conLinks(actor, p.Election.ID)...)
	}
	if actor.May(app.MayManageStaff) {
		links = append(links, conLink{Href: p.ConURL("/staff/accounts"), Label: tr(p.Lang, "console.nav_accounts"), Current: p.Path == "/staff/accounts"})
	}
	return links
}

// ConURL returns a console path with the page's language and the query pairs kv (name,
// value, …), so that following a link or submitting a form keeps the language.
func (p *page) ConURL(path string, kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	q.Set("lang", p.Lang)
	return path + "?" + q.Encode()
}

// conPage starts a console page titled with the label titleKey.
func conPage(r *http.Request, sess app.Session, e *iltod.Election, titleKey string) *page {
	p := staffPage(r, sess, e, "")
	p.Title = tr(p.Lang, titleKey)
	conFlash(p, r)
	return p
}

// conElection reads the election of the request's path; on failure it has answered.
func (s *Server) conElection(w http.ResponseWriter, r *http.Request, sess app.Session) (*iltod.Election, bool) {
	e, err := s.app.Election(r.Context(), r.PathValue("election"))
	if err != nil {
		s.conError(w, r, sess, nil, err)
		return nil, false
	}
	return &e, true
}

// conErrorData is what the error page shows.
type conErrorData struct {
	Heading, Message string
}

// conError answers err as a console page: 403 for what the staff member may not do, 404
// for what does not exist, 400 for a mistake in a form; internal errors are logged and
// shown only as "internal error".
func (s *Server) conError(w http.ResponseWriter, r *http.Request, sess app.Session, e *iltod.Election, err error) {
	code, status, msg := publicError(err, electionLang(r, e))
	s.logError(r, status, err)
	key := "console.err_other"
	switch code {
	case iltod.EForbidden, iltod.ENotAssigned:
		key = "console.err_forbidden"
	case iltod.ENotFound:
		key = "console.err_notfound"
	case iltod.EInvalid, iltod.EConflict, iltod.ETooLarge:
		key = "console.err_invalid"
	case iltod.EInternal:
		key = "console.err_internal"
	}
	p := staffPage(r, sess, e, "")
	p.Title = tr(p.Lang, key)
	p.Data = conErrorData{Heading: p.Title, Message: msg}
	s.conRender(w, r, status, "con_error", p)
}

// conRender writes a console page with status.
func (s *Server) conRender(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	if status == http.StatusOK {
		s.render(w, r, name, p)
		return
	}
	s.renderStatus(w, r, status, name, p)
}

// conFail answers a failed change: a mistake in the form (invalid, or in conflict with
// what is stored) by calling again, which shows the form's page once more with the message
// and status 400 or 409; anything else, a refusal above all, as conError does.
func (s *Server) conFail(w http.ResponseWriter, r *http.Request, sess app.Session, e *iltod.Election, err error, again func(status int, msg string)) {
	code, status, msg := publicError(err, electionLang(r, e))
	switch code {
	case iltod.EInvalid, iltod.EConflict:
		s.logError(r, status, err)
		again(status, msg)
	default:
		s.conError(w, r, sess, e, err)
	}
}

// conRedirect answers a change that succeeded: back to path with the flash message of
// the label con_ok_KEY and what it was about.
func conRedirect(w http.ResponseWriter, r *http.Request, path, key, subject string, kv ...string) {
	q := url.Values{"ok": {key}}
	if subject != "" {
		q.Set("subject", subject)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	if l := r.URL.Query().Get("lang"); isPageLang(l) {
		q.Set("lang", l)
	}
	http.Redirect(w, r, path+"?"+q.Encode(), http.StatusSeeOther)
}

// conFlashKeys are the flash messages a redirect may ask for.
var conFlashKeys = map[string]bool{
	"decided": true, "resolved": true, "revoked": true, "imported": true,
	"disabled": true, "enabled": true, "password": true,
}

// conSubjectRe is what a flash message may name: a report id, a station, a login, a version.
var conSubjectRe = regexp.MustCompile(`^[A-Za-z0-9_.:/-]{1,80}$`)

// conFlash sets the page's flash message from ?ok= and ?subject=. Only known messages
// are shown, and only a code-like subject, so a crafted link cannot put words on the page.
func conFlash(p *page, r *http.Request) {
	q := r.URL.Query()
	key := q.Get("ok")
	if !conFlashKeys[key] {
		return
	}
	p.Flash = tr(p.Lang, "console.ok_"+key)
	if sub := q.Get("subject"); conSubjectRe.MatchString(sub) {
		p.Flash += ": " + sub
	}
}

// conTime shows a time to the minute in UTC, saying so.
func conTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// conForbidden reports whether err is app's refusal of the actor.
func conForbidden(err error) bool {
	c := iltod.ErrorCodeOf(err)
	return c == iltod.EForbidden || c == iltod.EUnauthorized
}

// conList splits a form value of codes separated by commas, spaces or new lines.
func conList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}
