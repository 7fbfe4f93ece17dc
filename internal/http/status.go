package http

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/locales"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pages holds the page templates, parsed once when the package is initialised: a broken
// template stops the program at start-up, not on the first request.
var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"contestRows": func(page *statusData, cs []statusContest) contestTable { return contestTable{page, cs} },
}).ParseFS(templateFS, "templates/*.html"))

// contestTable is what the "contests" template reads: the page, for its labels, and rows.
type contestTable struct {
	Page     *statusData
	Contests []statusContest
}

// pageLangs are the languages the pages are written in, in the order the switch shows
// them: those of the message catalogue.
var pageLangs = locales.Languages

// statusData is what the status page template reads.
type statusData struct {
	Lang      string
	Switch    []langLink
	Elections []statusElection
}

// L returns the catalogue's message key in the page's language. An unknown key is an
// error, which stops the rendering: a test renders every language, so none reaches a
// reader.
func (d *statusData) L(key string) (string, error) { return label(d.Lang, key) }

// InAll returns the message key in every language, the page's own first: for words that
// every reader must understand whatever language they chose (the demonstration banner).
func (d *statusData) InAll(key string) []langText { return inAll(d.Lang, key) }

type langLink struct {
	Lang, Label, Href string
	Current           bool
}

type statusElection struct {
	ID, Name, Date, Kind, Country string
	// DateText is Date as the page's language writes it.
	DateText                    string
	Demo                        bool
	Areas, Stations, Registered string
	Bodies                      []statusBody
	Unassigned                  []statusContest
	Forms                       []statusForm
	API                         []apiLink
}

type statusBody struct {
	Name  string
	Seats int
	Tiers []statusTier
}

type statusTier struct {
	Ref, Name string
	Seats     int
	Contests  []statusContest
}

type statusContest struct {
	Code, Name, System string
	Seats, Choices     int
}

type statusForm struct {
	Code, Name, Kind, SMSPrefix string
	Version, Questions          int
}

type apiLink struct{ Href, Label string }

// statusPage renders the plain status page: every election with its date, stations,
// registered voters, contests grouped by tier with their seats, forms, and links to the
// API. ?lang=mn|en chooses the language; see pageLang for the default.
func (s *Server) statusPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	es, err := s.app.Elections(ctx)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := &statusData{Lang: pageLang(r, es)}
	for _, l := range pageLangs {
		d.Switch = append(d.Switch, langLink{Lang: l, Label: tr(l, "web.lang_name"), Href: "?lang=" + l, Current: l == d.Lang})
	}
	for _, e := range es {
		sum, err := s.app.Summary(ctx, e.ID)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		cs, err := s.app.Contests(ctx, e.ID)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		fs, err := s.app.Forms(ctx, e.ID)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		d.Elections = append(d.Elections, electionStatus(d.Lang, e, sum, cs, latestForms(fs)))
	}
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, "status.html", d); err != nil {
		s.pageError(w, r, fmt.Errorf("render status page: %w", err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", d.Lang)
	h.Set("Vary", "Accept-Language")
	h.Set("Cache-Control", cachePublic)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(buf.Bytes())
}

// electionStatus gathers what the status page shows of one election, in lang.
func electionStatus(lang string, e iltod.Election, sum iltod.Summary, cs []iltod.Contest, fs []iltod.Form) statusElection {
	name := func(t iltod.Text) string { return t.In(lang, e.Languages...) }
	se := statusElection{
		ID: e.ID, Name: name(e.Name), Date: e.Date, DateText: fmtDate(lang, e.Date), Kind: e.Kind, Country: e.Country, Demo: e.Demo,
		Areas: formatCount(lang, int64(sum.Areas)), Stations: formatCount(lang, int64(sum.Stations)),
		Registered: formatCount(lang, sum.Registered),
	}
	tiers := map[string]*statusTier{}
	for _, b := range e.Bodies {
		sb := statusBody{Name: name(b.Name), Seats: b.Seats}
		for _, t := range b.Tiers {
			sb.Tiers = append(sb.Tiers, statusTier{Ref: b.Code + "/" + t.Code, Name: name(t.Name), Seats: t.Seats})
		}
		se.Bodies = append(se.Bodies, sb)
	}
	for bi := range se.Bodies {
		for ti := range se.Bodies[bi].Tiers {
			t := &se.Bodies[bi].Tiers[ti]
			tiers[t.Ref] = t
		}
	}
	for _, c := range cs {
		sc := statusContest{Code: c.Code, Name: name(c.Name), Seats: c.Seats, Choices: len(c.Choices),
			System: trOr(lang, "status.system_"+string(c.System.Kind), string(c.System.Kind))}
		if t, ok := tiers[c.TierRef()]; ok {
			t.Contests = append(t.Contests, sc)
		} else {
			se.Unassigned = append(se.Unassigned, sc)
		}
	}
	for _, f := range fs {
		se.Forms = append(se.Forms, statusForm{Code: f.Code, Name: name(f.Name), Version: f.Version,
			Kind: trOr(lang, "status.form_"+string(f.Kind), string(f.Kind)), SMSPrefix: f.SMSPrefix, Questions: len(f.Questions)})
	}
	base := "/api/v1/elections/" + e.ID
	se.API = []apiLink{
		{base, tr(lang, "status.api_election")},
		{base + "/areas", tr(lang, "status.api_areas")},
		{base + "/stations", tr(lang, "status.api_stations")},
		{base + "/contests", tr(lang, "status.api_contests")},
		{base + "/forms", tr(lang, "status.api_forms")},
	}
	return se
}

// pageLang chooses the language of a page: ?lang= if it names one of pageLangs; else the
// most preferred of pageLangs in Accept-Language; else the first of the first election's
// languages that the pages are written in; else English.
func pageLang(r *http.Request, es []iltod.Election) string {
	if l := queryValue(r, "lang"); isPageLang(l) {
		return l
	}
	fallback := "en"
	if len(es) > 0 {
		for _, l := range es[0].Languages {
			if isPageLang(l) {
				fallback = l
				break
			}
		}
	}
	return locales.Negotiate(r.Header.Get("Accept-Language"), fallback)
}

// queryValue returns the first value of key in r's query, as r.URL.Query().Get does,
// without parsing a query that is empty: most readers of a page send none.
func queryValue(r *http.Request, key string) string {
	if r.URL.RawQuery == "" {
		return ""
	}
	return r.URL.Query().Get(key)
}

func isPageLang(l string) bool {
	for _, p := range pageLangs {
		if l == p {
			return true
		}
	}
	return false
}

// formatCount writes n as lang writes numbers (see locales.Printer.Int).
func formatCount(lang string, n int64) string { return locales.For(lang).Int(n) }

// pageError answers a failed page in plain text: the caller-safe message of err, or
// "internal error" after logging it in full.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	_, status, msg := publicError(err, pageLang(r, nil))
	s.logError(r, status, err)
	w.Header().Set("Cache-Control", cacheNone)
	http.Error(w, msg, status)
}

// static serves the embedded stylesheet and other assets under /static/.
func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	name := "static/" + r.PathValue("file")
	if fi, err := fs.Stat(staticFS, name); err != nil || fi.IsDir() {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", cacheStatic)
	http.ServeFileFS(w, r, staticFS, name)
}
