package http

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/iltod/iltod"
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

// pageLangs are the languages the pages are written in, in the order the switch shows them.
var pageLangs = []string{"mn", "en"}

// demoBanner is shown on every page about demonstration data, in both languages.
const demoBanner = "Demonstration data — not real results / Жишээ өгөгдөл — бодит дүн биш"

// labels are the pages' own words in each of pageLangs. A test checks that every language
// has every key.
var labels = map[string]map[string]string{
	"en": {
		"lang_name":        "English",
		"title":            "iltod — election observation status",
		"tagline":          "Open, transparent election observation.",
		"elections":        "Elections",
		"no_elections":     "No election has been loaded yet.",
		"id":               "Identifier",
		"date":             "Election day",
		"kind":             "Kind",
		"country":          "Country",
		"areas":            "Areas",
		"stations":         "Polling stations",
		"registered":       "Registered voters",
		"contests":         "Contests and seats",
		"body":             "Body",
		"tier":             "Tier",
		"seats":            "Seats",
		"contest_count":    "Contests",
		"code":             "Code",
		"name":             "Name",
		"system":           "Electoral system",
		"choices":          "Choices",
		"show_contests":    "Show the contests",
		"other_contests":   "Contests outside any body",
		"forms":            "Forms",
		"version":          "Version",
		"questions":        "Questions",
		"sms_prefix":       "SMS prefix",
		"api":              "Open data (JSON API)",
		"api_elections":    "All elections",
		"api_election":     "The election and its summary",
		"api_areas":        "The area tree with station totals",
		"api_stations":     "Polling stations, page by page",
		"api_contests":     "Contests and their choices",
		"api_forms":        "Forms, latest versions",
		"system_fptp":      "First past the post",
		"system_block":     "Block vote",
		"system_two_round": "Two-round",
		"system_list_pr":   "Party-list proportional",
		"form_checklist":   "Checklist",
		"form_incident":    "Incident",
		"form_results":     "Results",
		"total":            "Total",
		"health":           "Health check",
	},
	"mn": {
		"lang_name":        "Монгол",
		"title":            "iltod — сонгуулийн ажиглалтын төлөв",
		"tagline":          "Ил тод, нээлттэй сонгуулийн ажиглалт.",
		"elections":        "Сонгуулиуд",
		"no_elections":     "Одоогоор сонгууль ачаалаагүй байна.",
		"id":               "Таних код",
		"date":             "Санал хураах өдөр",
		"kind":             "Төрөл",
		"country":          "Улс",
		"areas":            "Засаг захиргааны нэгж",
		"stations":         "Сонгуулийн хэсэг",
		"registered":       "Бүртгэлтэй сонгогч",
		"contests":         "Тойрог ба суудал",
		"body":             "Байгууллага",
		"tier":             "Түвшин",
		"seats":            "Суудал",
		"contest_count":    "Тойрог",
		"code":             "Код",
		"name":             "Нэр",
		"system":           "Сонгуулийн тогтолцоо",
		"choices":          "Нэр дэвшигч, жагсаалт",
		"show_contests":    "Тойргуудыг харах",
		"other_contests":   "Байгууллагад хамаарахгүй тойрог",
		"forms":            "Маягт",
		"version":          "Хувилбар",
		"questions":        "Асуулт",
		"sms_prefix":       "SMS угтвар",
		"api":              "Нээлттэй өгөгдөл (JSON API)",
		"api_elections":    "Бүх сонгууль",
		"api_election":     "Сонгууль ба нэгтгэл",
		"api_areas":        "Засаг захиргааны мод, хэсгийн тоотой",
		"api_stations":     "Сонгуулийн хэсгүүд, хуудсаар",
		"api_contests":     "Тойрог, нэр дэвшигчид",
		"api_forms":        "Маягтууд, сүүлийн хувилбар",
		"system_fptp":      "Энгийн олонхийн",
		"system_block":     "Блок санал",
		"system_two_round": "Хоёр шаттай",
		"system_list_pr":   "Намын жагсаалтын пропорциональ",
		"form_checklist":   "Шалгах хуудас",
		"form_incident":    "Зөрчлийн мэдээлэл",
		"form_results":     "Дүн",
		"total":            "Нийт",
		"health":           "Ажиллагааны шалгалт",
	},
}

// statusData is what the status page template reads.
type statusData struct {
	Lang      string
	Switch    []langLink
	Elections []statusElection
}

// L returns the page's label for key in the page's language. An unknown key is an error,
// which stops the rendering: a test renders every language, so none reaches a reader.
func (d *statusData) L(key string) (string, error) {
	v, ok := labels[d.Lang][key]
	if !ok {
		return "", fmt.Errorf("no %s label %q", d.Lang, key)
	}
	return v, nil
}

type langLink struct {
	Lang, Label, Href string
	Current           bool
}

type statusElection struct {
	ID, Name, Date, Kind, Country string
	Demo                          bool
	Areas, Stations, Registered   string
	Bodies                        []statusBody
	Unassigned                    []statusContest
	Forms                         []statusForm
	API                           []apiLink
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
		d.Switch = append(d.Switch, langLink{Lang: l, Label: labels[l]["lang_name"], Href: "?lang=" + l, Current: l == d.Lang})
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
	word := func(key, fallback string) string {
		if v, ok := labels[lang][key]; ok {
			return v
		}
		return fallback
	}
	se := statusElection{
		ID: e.ID, Name: name(e.Name), Date: e.Date, Kind: e.Kind, Country: e.Country, Demo: e.Demo,
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
			System: word("system_"+string(c.System.Kind), string(c.System.Kind))}
		if t, ok := tiers[c.TierRef()]; ok {
			t.Contests = append(t.Contests, sc)
		} else {
			se.Unassigned = append(se.Unassigned, sc)
		}
	}
	for _, f := range fs {
		se.Forms = append(se.Forms, statusForm{Code: f.Code, Name: name(f.Name), Version: f.Version,
			Kind: word("form_"+string(f.Kind), string(f.Kind)), SMSPrefix: f.SMSPrefix, Questions: len(f.Questions)})
	}
	base := "/api/v1/elections/" + e.ID
	se.API = []apiLink{
		{base, word("api_election", "")},
		{base + "/areas", word("api_areas", "")},
		{base + "/stations", word("api_stations", "")},
		{base + "/contests", word("api_contests", "")},
		{base + "/forms", word("api_forms", "")},
	}
	return se
}

// pageLang chooses the language of a page: ?lang= if it names one of pageLangs; else the
// most preferred of pageLangs in Accept-Language; else the first of the first election's
// languages that the pages are written in; else English.
func pageLang(r *http.Request, es []iltod.Election) string {
	if l := r.URL.Query().Get("lang"); isPageLang(l) {
		return l
	}
	if l := preferredLang(r.Header.Get("Accept-Language")); l != "" {
		return l
	}
	if len(es) > 0 {
		for _, l := range es[0].Languages {
			if isPageLang(l) {
				return l
			}
		}
	}
	return "en"
}

func isPageLang(l string) bool {
	for _, p := range pageLangs {
		if l == p {
			return true
		}
	}
	return false
}

// preferredLang returns the one of pageLangs that an Accept-Language header ranks highest,
// or "" if it ranks none of them above zero. Only the primary subtag is compared, so
// "en-GB" asks for "en".
func preferredLang(header string) string {
	type choice struct {
		lang string
		q    float64
		at   int
	}
	var cs []choice
	for i, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if !isPageLang(primary) {
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			q = f
		}
		if q > 0 {
			cs = append(cs, choice{primary, q, i})
		}
	}
	if len(cs) == 0 {
		return ""
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].q > cs[j].q })
	return cs[0].lang
}

// formatCount writes n with its thousands grouped: 1,234,567 in English and 1 234 567
// (with no-break spaces) in Mongolian.
func formatCount(lang string, n int64) string {
	sep := ","
	if lang == "mn" {
		sep = "\u00a0"
	}
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	return b.String()
}

// pageError answers a failed page in plain text: the caller-safe message of err, or
// "internal error" after logging it in full.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	_, status, msg := publicError(err)
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
