package http

import (
	"net/http"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/locales"
)

// The anonymous reporting form (docs/anonymous-reporting.md): /e/{election}/report, for
// anyone to report an incident with no account, and /e/{election}/report/follow, where the
// follow-up code shows the report's status and takes more information.
//
// The pages work without JavaScript and need nothing but this server (the site's CSP, in
// server.go, allows no script and no other origin, and every response says
// Referrer-Policy: no-referrer). They set no cookie: a form token (formTokens) takes the
// session's place against cross-site posting. The handlers never read the client's
// address or any header that names one (X-Forwarded-For …), store none and log none: the
// only lines they log are those of logError (method, path, status, error), whose errors
// carry no address, and the rate limits are global. The follow-up code travels only in
// POST bodies, never in a URL, so that it stays out of histories and access logs. Every
// page is Cache-Control: no-store.

// anonSite holds the anonymous form's state. It is safe for concurrent use.
type anonSite struct {
	ps     *publicSite
	tokens *formTokens
	// reports and follows are the global rate limits of reports and of follow-up
	// requests (lookups and additions alike, so that codes cannot be guessed quickly).
	reports, follows *bucket
	// uploads bounds the submissions read at once, each up to anonMaxBody in memory.
	uploads chan struct{}
}

// The global rate limits: bursts, then one request every so often.
const (
	anonReportBurst = 30
	anonReportEvery = 3 * time.Second
	anonFollowBurst = 30
	anonFollowEvery = 2 * time.Second
	// anonUploads is how many submissions may be read at once.
	anonUploads = 4
	// anonBodyTimeout is how long a submission's body may take to arrive: far longer
	// than the server's ReadTimeout, for files sent over Tor.
	anonBodyTimeout = 10 * time.Minute
)

// reportAnonRoutes are the anonymous form's routes.
func (s *Server) reportAnonRoutes() []route {
	as := &anonSite{
		ps: &publicSite{s: s}, tokens: newFormTokens(),
		reports: newBucket(anonReportBurst, anonReportEvery), follows: newBucket(anonFollowBurst, anonFollowEvery),
		uploads: make(chan struct{}, anonUploads),
	}
	if s.app != nil {
		as.tokens.shared = s.app // good on every instance (docs/cluster.md)
	}
	return []route{
		{"GET /e/{election}/report", http.HandlerFunc(as.reportPage)},
		{"POST /e/{election}/report", http.HandlerFunc(as.submitReport)},
		{"GET /e/{election}/report/follow", http.HandlerFunc(as.followPage)},
		{"POST /e/{election}/report/follow", http.HandlerFunc(as.submitFollow)},
	}
}

// Purposes of form tokens.
const (
	tokenReport = "report"
	tokenFollow = "follow"
)

// anonPage is what every page of the anonymous form holds.
type anonPage struct {
	pubCommon
	// Action is the form's target, with the page's language.
	Action string
	Token  string
	// FollowHref and ReportHref link the two forms.
	FollowHref, ReportHref string
	// Closed says reporting is not open: the server cannot seal evidence.
	Closed bool
	// FilesHint states the bounds of the files.
	FilesHint string
}

// anonReportPage is the report form.
type anonReportPage struct {
	anonPage
	Groups   []anonGroup
	Areas    []anonOption
	AreaSets []anonGroup
	Zone     string
	Today    string
	// Values are what the reporter entered, shown again when the form is refused.
	Values map[string]string
}

// anonGroup is an optgroup of a select.
type anonGroup struct {
	Label   string
	Options []anonOption
}

type anonOption struct {
	Value, Label string
	Selected     bool
}

// anonDonePage shows the follow-up code, once.
type anonDonePage struct {
	anonPage
	Code string
}

// anonFollowPage is the follow-up form, and after a good code the status and the form to
// add information.
type anonFollowPage struct {
	anonPage
	// Code is the code given, kept in the add form so that it need not be typed again.
	Code string
	// Status is the report's status in plain words; "" before a code is given.
	Status, StatusKey string
}

// start begins a page of the form: the election (a 404 page if none), the page in the
// reader's language, and the common parts. ok is false if the response has been written.
func (as *anonSite) start(w http.ResponseWriter, r *http.Request, titleKey string) (*publicElection, *page, anonPage, bool) {
	pe, err := as.ps.election(r.Context(), r.PathValue("election"))
	if err != nil {
		as.ps.fail(w, r, nil, err)
		return nil, nil, anonPage{}, false
	}
	e := &pe.e
	p := newPage(r, e, "")
	p.Title = tr(p.Lang, titleKey) + " · " + p.T(e.Name)
	c := common(e, p.Lang, "report")
	ap := anonPage{
		pubCommon: c, Closed: !as.ps.s.app.EvidenceSealing(),
		ReportHref: c.href("report"), FollowHref: c.href("report/follow"),
		FilesHint: tr(p.Lang, "public.report.files_hint", locales.Args{
			"Max": app.MaxCitizenFiles, "MiB": app.MaxCitizenFileBytes >> 20}),
	}
	h := w.Header()
	h.Set("Content-Language", p.Lang)
	h.Set("Cache-Control", cacheNone)
	return pe, p, ap, true
}

// reportPage shows the report form, or says that reporting is not open.
func (as *anonSite) reportPage(w http.ResponseWriter, r *http.Request) {
	pe, p, ap, ok := as.start(w, r, "public.report.title")
	if !ok {
		return
	}
	as.renderReport(w, r, pe, p, ap, http.StatusOK, nil)
}

// renderReport renders the report form with a new token, the values given (nil for an
// empty form) and status.
func (as *anonSite) renderReport(w http.ResponseWriter, r *http.Request, pe *publicElection, p *page, ap anonPage, status int, values map[string]string) {
	e := &pe.e
	ap.Action = ap.href("report")
	d := &anonReportPage{anonPage: ap, Values: values}
	if d.Values == nil {
		d.Values = map[string]string{}
	}
	if !ap.Closed {
		tok, err := as.tokens.issue(r.Context(), tokenReport, e.ID)
		if err != nil {
			as.ps.fail(w, r, e, err)
			return
		}
		d.Token = tok
		tax, err := as.ps.s.app.Taxonomy(r.Context(), e.ID)
		if err != nil {
			as.ps.fail(w, r, e, err)
			return
		}
		for _, g := range tax.Groups {
			og := anonGroup{Label: g.Label.In(p.Lang)}
			for _, c := range g.Categories {
				og.Options = append(og.Options, anonOption{Value: c.Code, Label: c.Label.In(p.Lang), Selected: c.Code == d.Values["category"]})
			}
			d.Groups = append(d.Groups, og)
		}
		snap, err := as.ps.snapshot(r.Context(), e.ID)
		if err != nil {
			as.ps.fail(w, r, e, err)
			return
		}
		d.Areas, d.AreaSets = areaChoices(p.Lang, snap, d.Values["area"])
		zone := anonZone(e.Country)
		d.Zone = zone.String()
		d.Today = time.Now().In(zone).Format(time.DateOnly)
	}
	p.Data = d
	as.ps.s.renderStatus(w, r, status, "report_form", p)
}

// areaChoices returns the area select's options: the whole territory (value "", nothing
// more precise), each area below the root, and each of their children grouped under it.
func areaChoices(lang string, snap *areaSnapshot, chosen string) ([]anonOption, []anonGroup) {
	top := []anonOption{{Value: "", Label: tr(lang, "public.report.where_any"), Selected: chosen == ""}}
	var sets []anonGroup
	if snap == nil || snap.root == nil {
		return top, nil
	}
	name := func(code string) string {
		if i, ok := snap.pos[code]; ok {
			return snap.areas[i].Name.In(lang)
		}
		return code
	}
	for _, c := range snap.index.Children(snap.root.Code) {
		g := anonGroup{Label: name(c)}
		g.Options = append(g.Options, anonOption{Value: c, Label: tr(lang, "public.report.where_whole", locales.Args{"Area": name(c)}), Selected: chosen == c})
		for _, cc := range snap.index.Children(c) {
			g.Options = append(g.Options, anonOption{Value: cc, Label: name(cc), Selected: chosen == cc})
		}
		sets = append(sets, g)
	}
	return top, sets
}

// begin runs what every POST of the form runs first: the global rate limit, the upload
// slot, a longer deadline for the body, and reading the body into memory. ok is false if
// the response has been written; release MUST be called otherwise.
func (as *anonSite) begin(w http.ResponseWriter, r *http.Request, limit *bucket, fail func(int, error)) (f *anonForm, release func(), ok bool) {
	if !limit.allow() {
		fail(http.StatusTooManyRequests, iltod.E(iltod.ERateLimited, "error.citizen.busy", nil))
		return nil, nil, false
	}
	select {
	case as.uploads <- struct{}{}:
	default:
		fail(http.StatusTooManyRequests, iltod.E(iltod.ERateLimited, "error.citizen.busy", nil))
		return nil, nil, false
	}
	release = func() { <-as.uploads }
	if r.ContentLength > anonMaxBody {
		release()
		fail(http.StatusRequestEntityTooLarge, iltod.E(iltod.ETooLarge, "error.citizen.request_too_large", locales.Args{"Max": anonMaxBody >> 20}))
		return nil, nil, false
	}
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Now().Add(anonBodyTimeout))
	rc.SetWriteDeadline(time.Now().Add(anonBodyTimeout + time.Minute))
	f, err := readAnonForm(http.MaxBytesReader(w, r.Body, anonMaxBody), r.Header.Get("Content-Type"))
	if err != nil {
		release()
		fail(0, err)
		return nil, nil, false
	}
	return f, release, true
}

// submitReport files a citizen's report and shows the follow-up code once; a refused
// report shows the form again with what was entered and the reason, nothing stored.
func (as *anonSite) submitReport(w http.ResponseWriter, r *http.Request) {
	pe, p, ap, ok := as.start(w, r, "public.report.title")
	if !ok {
		return
	}
	e := &pe.e
	var values map[string]string
	fail := func(status int, err error) {
		_, st, msg := publicError(err, p.Lang)
		if status == 0 {
			status = st
		}
		as.ps.s.logError(r, status, err)
		if status == http.StatusConflict && !as.ps.s.app.EvidenceSealing() {
			ap.Closed = true // the page says so in full
		} else {
			p.FlashError = msg
		}
		as.renderReport(w, r, pe, p, ap, status, values)
	}
	if ap.Closed {
		fail(http.StatusConflict, iltod.E(iltod.EConflict, "error.evidence.no_recipients", nil))
		return
	}
	f, release, ok := as.begin(w, r, as.reports, fail)
	if !ok {
		return
	}
	defer release()
	values = map[string]string{"text": f.text}
	for k, v := range f.fields {
		if k != "token" {
			values[k] = v
		}
	}
	unspend, err := as.tokens.spend(r.Context(), tokenReport, e.ID, f.fields["token"])
	if err != nil {
		fail(0, err)
		return
	}
	start, end, err := parseWhen(f.fields["date"], f.fields["time"], f.fields["end_date"], f.fields["end_time"], anonZone(e.Country))
	if err != nil {
		unspend()
		fail(0, err)
		return
	}
	code, err := as.ps.s.app.ReportAsCitizen(r.Context(), app.CitizenReport{
		Election: e.ID, Category: f.fields["category"], Start: start, End: end,
		Station: f.fields["station"], Area: f.fields["area"], Narrative: f.text, Files: f.files,
	})
	if err != nil {
		unspend()
		fail(0, err)
		return
	}
	p.noSwitch = true // the code is shown once: no link may lead away from it unasked
	p.Data = &anonDonePage{anonPage: ap, Code: code}
	as.ps.s.renderStatus(w, r, http.StatusOK, "report_done", p)
}

// followPage shows the form that asks for a follow-up code.
func (as *anonSite) followPage(w http.ResponseWriter, r *http.Request) {
	_, p, ap, ok := as.start(w, r, "public.report.follow_title")
	if !ok {
		return
	}
	as.renderFollow(w, r, p, ap, http.StatusOK, "", "")
}

// renderFollow renders the follow-up page: with status "" the code form, else the status
// and the form to add information, code kept in it.
func (as *anonSite) renderFollow(w http.ResponseWriter, r *http.Request, p *page, ap anonPage, status int, code string, st iltod.IncidentStatus) {
	ap.Action = ap.href("report/follow")
	d := &anonFollowPage{anonPage: ap}
	if st != "" {
		d.Code = code
		d.StatusKey = string(st)
		d.Status = tr(p.Lang, "public.report.status_"+string(st))
	}
	tok, err := as.tokens.issue(r.Context(), tokenFollow, p.Election.ID)
	if err != nil {
		as.ps.s.pageError(w, r, err)
		return
	}
	d.Token = tok
	p.Data = d
	as.ps.s.renderStatus(w, r, status, "report_follow", p)
}

// submitFollow answers a follow-up code: with action "add", the text and files are added
// to the report first. A bad code shows the code form again; a refused addition shows the
// status and the add form with the reason, nothing stored.
func (as *anonSite) submitFollow(w http.ResponseWriter, r *http.Request) {
	pe, p, ap, ok := as.start(w, r, "public.report.follow_title")
	if !ok {
		return
	}
	e := &pe.e
	var code string
	var st iltod.IncidentStatus
	fail := func(status int, err error) {
		_, s, msg := publicError(err, p.Lang)
		if status == 0 {
			status = s
		}
		as.ps.s.logError(r, status, err)
		p.FlashError = msg
		as.renderFollow(w, r, p, ap, status, code, st)
	}
	f, release, ok := as.begin(w, r, as.follows, fail)
	if !ok {
		return
	}
	defer release()
	add := f.fields["action"] == "add"
	var unspend func()
	var err error
	if add {
		unspend, err = as.tokens.spend(r.Context(), tokenFollow, e.ID, f.fields["token"])
	} else {
		_, err = as.tokens.check(r.Context(), tokenFollow, e.ID, f.fields["token"])
	}
	if err != nil {
		fail(0, err)
		return
	}
	given := f.fields["code"]
	if st, err = as.ps.s.app.CitizenStatus(r.Context(), e.ID, given); err != nil {
		if unspend != nil {
			unspend()
		}
		fail(0, err)
		return
	}
	code, _ = iltod.ParseFollowupCode(given)
	if add {
		if err := as.ps.s.app.AddToCitizenReport(r.Context(), e.ID, code, f.text, f.files); err != nil {
			unspend()
			fail(0, err)
			return
		}
		p.Flash = tr(p.Lang, "public.report.added")
	}
	as.renderFollow(w, r, p, ap, http.StatusOK, code, st)
}
