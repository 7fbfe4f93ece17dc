package http

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/locales"
)

// The public results site: server-rendered pages about one election under /e/{election}/,
// in Mongolian and English, for journalists, diplomats and the public on election night.
//
// Every page is public data only. The pages name stations by code and areas by name; they
// never name an observer, nor show an observer's phone, code or device key: they read
// only what internal/app makes public (analyses, coverage counts, incident counts, the
// station comparison) and the log's checkpoint.
//
// Pages are served from the page cache (renderCached), so that a reader costs a map
// lookup, not an analysis. What runs before the cache on every request is kept cheap:
// the election and its area snapshot come from the site's own caches (public_cache.go),
// and query parameters are checked against them so that an unknown election, area or
// contest is answered with a 404 page rather than cached.

// publicSite holds the state of the public site's handlers: the data they read, kept
// stale-while-revalidate (public_cache.go). It is safe for concurrent use.
type publicSite struct {
	s     *Server
	cache publicData
	// readers admits the site's readers (see readerGate).
	readers *readerGate
}

// admit runs h when the site's reader gate lets the reader in (see readerGate).
func (ps *publicSite) admit(h http.HandlerFunc) http.HandlerFunc {
	return ps.readers.admit(h)
}

// readerGate admits the readers of the public site one after another, each only once
// the processor has gone round the work that was waiting for it, and at most
// readersPerCore readers per core at once; the others wait, costing nothing, for their
// turn.
//
// On election night readers come by the thousand while observers' reports keep arriving,
// and the Go scheduler shares the cores among all runnable goroutines alike, first come
// first served. Capping the readers served at once does not stop a crowd from filling the
// scheduler's queue: a reader's request is read and parsed, and its response written and
// read by its client, outside the handler, and with the cores busy each such step of every
// reader in flight waits in the queue, as does each step of a report's intake, whose
// acknowledgement then waits for the crowd. So the gate lets a reader in only after
// yielding the processor (runtime.Gosched puts the admitting goroutine at the back of the
// queue): readers are admitted as fast as the cores keep up with what is already queued,
// and no faster, so the queue stays short and a crowd waits at the gate, parked, whatever
// its size. Readers are served as fast as before when the cores are idle, and no reader
// is refused.
type readerGate struct {
	turn  chan struct{} // held by the one reader being admitted
	slots chan struct{} // held by the readers being served
}

// newReaderGate returns a gate that serves at most n readers at once.
func newReaderGate(n int) *readerGate {
	return &readerGate{turn: make(chan struct{}, 1), slots: make(chan struct{}, max(n, 1))}
}

// admit runs h for a reader once the gate lets it in; a reader that goes away while it
// waits is not served.
func (g *readerGate) admit(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		done := r.Context().Done()
		select {
		case g.turn <- struct{}{}:
		case <-done:
			return
		}
		select {
		case g.slots <- struct{}{}:
		case <-done:
			<-g.turn
			return
		}
		runtime.Gosched()
		<-g.turn
		defer func() { <-g.slots }()
		h(w, r)
	}
}

// readersPerCore is how many readers of the public site run at once per core.
const readersPerCore = 4

// publicElection is an election and its contests, as the site's handlers check requests
// against them. It is never modified once built.
type publicElection struct {
	e        iltod.Election
	contests []iltod.Contest
	byCode   map[string]int // contest code → index in contests
	// titles are the titles of the election's pages (see title) by language and page.
	titles map[string]map[string]string
}

// publicRoutes are the routes of the public results site. A GET route also answers HEAD.
func (s *Server) publicRoutes() []route {
	ps := &publicSite{s: s, readers: newReaderGate(readersPerCore * runtime.GOMAXPROCS(0))}
	return []route{
		{"GET /e/", ps.admit(ps.unknownPage)},
		{"GET /e/{election}", ps.admit(ps.redirectToOverview)},
		{"GET /e/{election}/{$}", ps.admit(ps.overview)},
		{"GET /e/{election}/areas/{area}", ps.admit(ps.areaPage)},
		{"GET /e/{election}/stations", ps.admit(ps.stations)},
		{"GET /e/{election}/forensics", ps.admit(ps.forensics)},
		{"GET /e/{election}/incidents", ps.admit(ps.incidents)},
		{"GET /e/{election}/log", ps.admit(ps.logPage)},
		{"GET /e/{election}/data", ps.admit(ps.data)},
		{"GET /e/{election}/photos/{sha256}", ps.admit(ps.photo)},
	}
}

func newPublicElection(e iltod.Election, cs []iltod.Contest) *publicElection {
	pe := &publicElection{e: e, contests: cs, byCode: make(map[string]int, len(cs))}
	for i, c := range cs {
		pe.byCode[c.Code] = i
	}
	pe.titles = map[string]map[string]string{}
	for _, l := range pageLangs {
		pe.titles[l] = map[string]string{}
		for _, pg := range pubPages {
			pe.titles[l][pg.name] = pageTitle(&pe.e, l, pg.name)
		}
	}
	return pe
}

// title returns the title of the election's page current (one of pubPages) in lang: its
// name in the navigation and the election's name. The titles are made once per election,
// not for every reader.
func (pe *publicElection) title(lang, current string) string {
	if t, ok := pe.titles[lang][current]; ok {
		return t
	}
	return pageTitle(&pe.e, lang, current)
}

func pageTitle(e *iltod.Election, lang, current string) string {
	return tr(lang, "public.nav_"+current) + " · " + e.Name.In(lang)
}

// contest returns the contest with code, if the election has it.
func (pe *publicElection) contest(code string) (*iltod.Contest, bool) {
	i, ok := pe.byCode[code]
	if !ok {
		return nil, false
	}
	return &pe.contests[i], true
}

// start begins a public page: it finds the election of the request's path (answering a
// 404 page if there is none), and returns it with a new page whose navigation marks
// current. ok is false if the response has been written.
func (ps *publicSite) start(w http.ResponseWriter, r *http.Request, current string) (pe *publicElection, p *page, ok bool) {
	pe, err := ps.election(r.Context(), r.PathValue("election"))
	if err != nil {
		ps.fail(w, r, nil, err)
		return nil, nil, false
	}
	p = newPage(r, &pe.e, "")
	p.Title = pe.title(p.Lang, current)
	// Without ?lang= the language follows Accept-Language: shared caches must know.
	h := w.Header()
	if v, ok := contentLanguage[p.Lang]; ok {
		h["Content-Language"] = v
	} else {
		h.Set("Content-Language", p.Lang)
	}
	h["Vary"] = varyLanguage
	return pe, p, true
}

// contentLanguage and varyLanguage are the values of the header fields start sets, shared
// by every response as setHeaders shares its fields.
var (
	contentLanguage = func() map[string][]string {
		m := map[string][]string{}
		for _, l := range pageLangs {
			m[l] = []string{l}
		}
		return m
	}()
	varyLanguage = []string{"Accept-Language"}
)

// unknownPage answers a path under /e/ that no page of the site serves with a 404 page,
// with the election's navigation if the path names an election.
func (ps *publicSite) unknownPage(w http.ResponseWriter, r *http.Request) {
	id, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/e/"), "/")
	var e *iltod.Election
	if id != "" && iltod.ValidElectionID(id) {
		if pe, err := ps.election(r.Context(), id); err == nil {
			e = &pe.e
		}
	}
	ps.notFound(w, r, e, "error.no_page", locales.Args{"Path": r.URL.Path})
}

// redirectToOverview sends /e/{election} to /e/{election}/, keeping the query.
func (ps *publicSite) redirectToOverview(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("election")
	if !iltod.ValidElectionID(id) {
		ps.fail(w, r, nil, iltod.E(iltod.ENotFound, "error.no_election", locales.Args{"Election": strconv.Quote(id)}))
		return
	}
	target := "/e/" + id + "/"
	if r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	http.Redirect(w, r, target, http.StatusMovedPermanently)
}

// pubNav is the sub-navigation of an election's public pages.
type pubNav struct {
	Label string
	Items []pubLink
}

// pubLink is a link; Current marks the page the reader is on.
type pubLink struct {
	Href, Label string
	Current     bool
}

// pubCommon is what every public page's data holds: the sub-navigation and the links'
// shared parts.
type pubCommon struct {
	Nav pubNav
	// Base is the site's root, "/e/{election}", and LangQ the query that keeps the page's
	// language in links ("lang=mn").
	Base, LangQ, Lang string
}

func (c *pubCommon) publicNav() *pubNav { return &c.Nav }

// PubNav returns the public site's navigation if p is a public page, else nil. The layout's
// "nav" block shows it.
func (p *page) PubNav() *pubNav {
	if p.Session != nil {
		return nil
	}
	if d, ok := p.Data.(interface{ publicNav() *pubNav }); ok {
		if n := d.publicNav(); len(n.Items) > 0 {
			return n
		}
	}
	return nil
}

// pubPages are the pages of the sub-navigation, in order: the key of each page's label is
// "public.nav_"+name and its path is "/e/{election}/"+path.
var pubPages = []struct{ name, path string }{
	{"overview", ""},
	{"stations", "stations"},
	{"forensics", "forensics"},
	{"incidents", "incidents"},
	{"report", "report"},
	{"log", "log"},
	{"data", "data"},
}

// common returns the shared data of a page of election e in lang, current naming the page
// (one of pubPages, or "area" for an area page, which belongs to the overview).
func common(e *iltod.Election, lang, current string) pubCommon {
	c := pubCommon{Base: "/e/" + e.ID, LangQ: "lang=" + lang, Lang: lang}
	c.Nav.Label = tr(lang, "public.nav_label")
	for _, pg := range pubPages {
		c.Nav.Items = append(c.Nav.Items, pubLink{
			Href:    c.Base + "/" + pg.path + "?" + c.LangQ,
			Label:   tr(lang, "public.nav_"+pg.name),
			Current: pg.name == current,
		})
	}
	return c
}

// href returns the site's path rest (such as "stations") with the page's language and the
// given query pairs (key, value, …; empty values are left out).
func (c *pubCommon) href(rest string, kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	q.Set("lang", c.Lang)
	return c.Base + "/" + rest + "?" + q.Encode()
}

// pubError is what the error page shows.
type pubError struct {
	pubCommon
	HasNav         bool
	Status         int
	Heading, Text  string
	Detail, Return string
	ReturnHref     string
}

// fail answers a failed public page with an HTML error page in the reader's language: the
// status of err's code, a plain explanation, and for a caller's error the caller-safe
// message. Internal errors are logged in full and shown as "internal error" only. Error
// pages are not cached.
func (ps *publicSite) fail(w http.ResponseWriter, r *http.Request, e *iltod.Election, err error) {
	_, status, msg := publicError(err, electionLang(r, e))
	ps.s.logError(r, status, err)
	p := newPage(r, e, "")
	d := &pubError{Status: status}
	kind := "other"
	switch status {
	case http.StatusNotFound:
		kind = "404"
	case http.StatusBadRequest:
		kind = "400"
	case http.StatusInternalServerError:
		kind = "500"
	}
	d.Heading = tr(p.Lang, "public.err_"+kind+"_title")
	d.Text = tr(p.Lang, "public.err_"+kind+"_text")
	if status < 500 {
		d.Detail = msg
	}
	if e != nil {
		d.pubCommon = common(e, p.Lang, "")
		d.HasNav = true
		d.Return, d.ReturnHref = tr(p.Lang, "public.err_back_election"), d.href("")
	} else {
		d.Return, d.ReturnHref = tr(p.Lang, "public.err_back_home"), "/?lang="+p.Lang
	}
	p.Title = d.Heading
	p.Data = d
	var buf bytes.Buffer
	if err := webTemplates.ExecuteTemplate(&buf, "public_error", p); err != nil {
		ps.s.pageError(w, r, fmt.Errorf("render error page: %w", err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("Cache-Control", cacheNone)
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}

// notFound answers a 404 page about election e.
func (ps *publicSite) notFound(w http.ResponseWriter, r *http.Request, e *iltod.Election, key string, data locales.Args) {
	ps.fail(w, r, e, iltod.E(iltod.ENotFound, key, data))
}

// fmtDate writes an ISO date (2024-06-28) as lang writes a date in running text (see
// locales.Printer.Date); a value that is not a date is returned as it is.
func fmtDate(lang, iso string) string {
	t, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		return iso
	}
	return locales.For(lang).Date(t)
}

// fmtPct writes a fraction as a percentage with two decimals, as lang writes
// percentages: 0.41234 is "41.23%".
func fmtPct(lang string, x float64) string { return locales.For(lang).Percent(x, 2) }

// fmtPct1 writes a fraction as a percentage with one decimal.
func fmtPct1(lang string, x float64) string { return locales.For(lang).Percent(x, 1) }

// fmtRange writes an interval of fractions as percentages, clipped to [0, 100]%.
func fmtRange(lang string, lo, hi float64) string {
	return fmtPct(lang, max(lo, 0)) + " – " + fmtPct(lang, min(hi, 1))
}

// fmtFloat writes x with the given number of decimals, as lang writes numbers.
func fmtFloat(lang string, x float64, dec int) string { return locales.For(lang).Number(x, dec) }

// ratio returns n/d, or 0 when d is 0.
func ratio(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}
