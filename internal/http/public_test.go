package http

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/demo"
	"github.com/iltod/iltod/internal/analysis"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/internal/simulate"
	"github.com/iltod/iltod/internal/sqlstore"
	"github.com/iltod/iltod/locales"
	"github.com/iltod/iltod/stats/pvt"
)

// publicEnv is the demonstration election in a real SQLite store, with a PVT sample drawn
// and simulated official results imported (tampered, as the demo tampers them), served
// by a real handler. Observers' results are empty: simulating their reports takes the
// demo's two minutes, which the browser tests elsewhere spend.
type publicEnv struct {
	p        *iltod.Package
	a        *app.App
	srv      *Server
	ts       *httptest.Server
	base     string // "/e/{election}"
	tampered []string
	// obsMarker is part of every observer's name, so that a leak of any part of a name
	// holding it is found; the names also keep their original words.
	obsMarker string
}

const (
	pubSampleSize = 800
	pubSampleSeed = 20240628
)

// newPublicEnv builds a publicEnv. It is slow (a few seconds): tests share one.
func newPublicEnv(tb testing.TB) *publicEnv {
	tb.Helper()
	ctx := context.Background()
	p, err := electionpkg.Read(demo.Package())
	if err != nil {
		tb.Fatalf("read the demonstration package: %v", err)
	}
	env := &publicEnv{p: p, base: "/e/" + p.Election.ID, obsMarker: "ZQXOBSERVERNAME"}
	for i := range p.Observers {
		p.Observers[i].Name += " " + env.obsMarker
	}
	store, err := sqlstore.OpenSQLite(ctx, filepath.Join(tb.TempDir(), "iltod.db"))
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { store.Close() })
	a := app.New(store, nil)
	sys := app.SystemContext(ctx)
	if err := a.LoadPackage(sys, p, false); err != nil {
		tb.Fatalf("load: %v", err)
	}
	if _, _, err := a.DrawSample(sys, p.Election.ID, string(iltod.LevelRegion),
		pvt.DrawOptions{Size: pubSampleSize, Seed: pubSampleSeed, Reserves: 3}, "test sample"); err != nil {
		tb.Fatalf("draw the sample: %v", err)
	}
	env.tampered = spreadStations(p, "LIST", 4)
	truth := simulate.Truth(p, simulate.DefaultSeed)
	results, err := simulate.Official(p, truth, simulate.Tampering{
		Contest: "LIST", Stations: env.tampered, Moved: 60, Region: "MN-UB", Share: 0.02,
	})
	if err != nil {
		tb.Fatalf("simulate official results: %v", err)
	}
	if _, err := a.ImportOfficial(sys, iltod.OfficialRelease{
		Election: p.Election.ID, Source: "Simulated election commission results (test)",
		Published: time.Date(2024, 6, 29, 6, 0, 0, 0, time.UTC),
	}, results, map[string]any{"file": "simulated"}); err != nil {
		tb.Fatalf("import official results: %v", err)
	}
	env.a = a
	env.srv = NewServer(a, nil)
	env.ts = httptest.NewServer(env.srv.Handler())
	tb.Cleanup(env.ts.Close)
	return env
}

// spreadStations returns n stations of contest spread over the package's stations.
func spreadStations(p *iltod.Package, contest string, n int) []string {
	var c *iltod.Contest
	for i := range p.Contests {
		if p.Contests[i].Code == contest {
			c = &p.Contests[i]
		}
	}
	ix := iltod.NewAreaIndex(p.Areas)
	var codes []string
	for _, st := range p.Stations {
		for _, a := range c.Areas {
			if ix.Within(st.Area, a) {
				codes = append(codes, st.Code)
				break
			}
		}
	}
	sort.Strings(codes)
	var out []string
	for i := range n {
		out = append(out, codes[(2*i+1)*len(codes)/(2*n)])
	}
	return out
}

// get fetches path and returns the response and its body.
func (env *publicEnv) get(t testing.TB, method, path string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, env.ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read: %v", method, path, err)
	}
	return resp, string(body)
}

// pages lists the public pages of env's election, with query variants.
func (env *publicEnv) pages() []string {
	b := env.base
	ub := "MN-UB"
	return []string{
		b + "/", b + "/?contest=LIST", b + "/?contest=C01",
		b + "/areas/" + ub, b + "/areas/MN-AR", b + "/areas/MN-AR-01", b + "/areas/MN",
		b + "/stations", b + "/stations?differ=1", b + "/stations?area=" + ub + "&contest=LIST", b + "/stations?page=7",
		b + "/forensics", b + "/forensics?contest=C05",
		b + "/incidents", b + "/log", b + "/data",
	}
}

func TestPublicSite(t *testing.T) {
	env := newPublicEnv(t)
	id := env.p.Election.ID

	t.Run("pages", func(t *testing.T) {
		phones := map[string]bool{}
		for _, o := range env.p.Observers {
			for _, ph := range o.Phones {
				phones[strings.TrimPrefix(ph, "+")] = true
			}
		}
		for _, path := range env.pages() {
			for _, lang := range pageLangs {
				url := path + sep(path) + "lang=" + lang
				resp, page := env.get(t, http.MethodGet, url)
				if resp.StatusCode != http.StatusOK {
					t.Errorf("GET %s: status %d\n%s", url, resp.StatusCode, truncateForLog([]byte(page)))
					continue
				}
				checkPageHeaders(t, resp)
				mustContain(t, page, `data-demo-banner`, bannerEN, bannerMN, `<html lang="`+lang+`">`, `<nav class="sub"`)
				checkPublicPage(t, url, page)
				if strings.Contains(page, env.obsMarker) {
					t.Fatalf("GET %s: the page holds an observer's name", url)
				}
				tokens := tokensOf(page)
				for _, o := range env.p.Observers {
					if tokens[o.Code] {
						t.Errorf("GET %s: the page holds observer code %s", url, o.Code)
					}
				}
				if leaked := phoneNumbersIn(page, phones); len(leaked) > 0 {
					t.Errorf("GET %s: the page holds phone numbers %v", url, leaked)
				}
				// The language switch keeps the query.
				if q := strings.SplitN(path, "?", 2); len(q) == 2 {
					for _, kv := range strings.Split(q[1], "&") {
						if !strings.Contains(page, kv) {
							t.Errorf("GET %s: the page's links drop %q", url, kv)
						}
					}
				}
			}
		}
	})

	t.Run("figures match the API", func(t *testing.T) {
		var rep analysis.Report
		resp, body := env.get(t, http.MethodGet, "/api/v1/elections/"+id+"/analysis")
		if resp.StatusCode != 200 {
			t.Fatalf("analysis: status %d", resp.StatusCode)
		}
		if err := json.Unmarshal([]byte(body), &rep); err != nil {
			t.Fatal(err)
		}
		var list *analysis.ContestReport
		for i := range rep.Contests {
			if rep.Contests[i].Contest == "LIST" {
				list = &rep.Contests[i]
			}
		}
		if list == nil || list.Areas[0].Official == nil {
			t.Fatalf("the API's analysis has no official figures of LIST")
		}
		off := list.Areas[0].Official
		leader := 0
		for k, v := range off.Votes {
			if v > off.Votes[leader] {
				leader = k
			}
		}
		for _, lang := range pageLangs {
			_, page := env.get(t, http.MethodGet, env.base+"/?lang="+lang)
			share := strconv.FormatFloat(100*off.Shares[leader], 'f', 2, 64) + "%"
			mustContain(t, page, fmt.Sprintf(`data-official="%s">%s<`, list.Choices[leader], share))
			// CLDR groups thousands with "," in both languages.
			votes := groupDigits(strconv.FormatInt(off.Votes[leader], 10), ",")
			mustContain(t, page, ">"+votes+"<")
			// The list contest comes first, before the constituencies.
			if i, j := strings.Index(page, `data-contest="LIST"`), strings.Index(page, `id="others-h"`); i < 0 || j < 0 || i > j {
				t.Errorf("%s: the list contest is not shown first in full (%d, %d)", lang, i, j)
			}
			// Without observers' results there is no estimate, and the page says so.
			mustContain(t, page, tr(lang, "public.no_pvt"), `aria-labelledby="coverage-map-t coverage-map-d"`, `href="`+env.base+`/areas/MN-UB?lang=`+lang+`"`)
			// Why there is none is said in the page's language too: the API carries the
			// reason in every language.
			why := list.Areas[0].PVTError[lang]
			if why == "" || strings.ContainsFunc(why, func(r rune) bool { return unicode.Is(unicode.Cyrillic, r) }) != (lang == "mn") {
				t.Errorf("%s: the API's reason for no PVT estimate is %q", lang, why)
			}
			mustContain(t, page, `<span class="note">(`+template.HTMLEscapeString(why)+`)</span>`)
		}
		// Seats: the official allocation of the largest party.
		if len(rep.Bodies) == 0 || rep.Bodies[0].Official == nil {
			t.Fatalf("the API has no official seats")
		}
		most, seats := "", -1
		for party, n := range rep.Bodies[0].Official.Parties {
			if n > seats || n == seats && party < most {
				most, seats = party, n
			}
		}
		_, page := env.get(t, http.MethodGet, env.base+"/?lang=en")
		var name string
		for _, pt := range env.p.Election.Parties {
			if pt.Code == most {
				name = pt.Name["en"]
			}
		}
		mustContain(t, page, fmt.Sprintf(`<tr><th scope="row">%s</th><td class="num">%d</td>`, name, seats))
		// The sample is described without its stations or seed.
		mustContain(t, page, strconv.Itoa(pubSampleSize), pvt.MethodStratifiedV1)
		if strings.Contains(page, strconv.Itoa(pubSampleSeed)) {
			t.Errorf("the overview shows the sample's seed")
		}
	})

	t.Run("forensics match the API", func(t *testing.T) {
		var out struct {
			Contests []struct {
				Contest   string              `json:"contest"`
				Forensics *analysis.Forensics `json:"forensics"`
			} `json:"contests"`
		}
		_, body := env.get(t, http.MethodGet, "/api/v1/elections/"+id+"/analysis/forensics?contest=LIST")
		if err := json.Unmarshal([]byte(body), &out); err != nil || len(out.Contests) != 1 || out.Contests[0].Forensics == nil {
			t.Fatalf("forensics: %v", err)
		}
		f := out.Contests[0].Forensics
		_, page := env.get(t, http.MethodGet, env.base+"/forensics?lang=en")
		mustContain(t, page, `id="fingerprint-t"`, `id="curve-t"`, `id="second-digit-t"`, `id="last-digit-t"`,
			">"+groupDigits(strconv.Itoa(f.Integer.Either.Observed), ",")+"<",
			">"+strconv.FormatFloat(f.Integer.Either.Z, 'f', 2, 64)+"<",
			esc(f.Fingerprint.Note["en"]), esc(f.Integer.Note["en"]), esc(f.SecondDigit.Note["en"]), esc(f.Flags.Note["en"]))
		_, page = env.get(t, http.MethodGet, env.base+"/forensics?lang=mn")
		mustContain(t, page, esc(f.Fingerprint.Note["mn"]), esc(f.LastDigit.Note["mn"]))
	})

	t.Run("not found", func(t *testing.T) {
		for _, path := range []string{
			"/e/no-such-election/", "/e/no-such-election/stations", "/e/NOT_AN_ID/",
			env.base + "/areas/MN-XX", env.base + "/?contest=NOPE", env.base + "/stations?area=NOPE",
			env.base + "/stations?contest=NOPE", env.base + "/forensics?contest=NOPE", env.base + "/nope",
		} {
			resp, page := env.get(t, http.MethodGet, path)
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: status %d, want 404", path, resp.StatusCode)
				continue
			}
			if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("GET %s: Content-Type %q", path, ct)
			}
			if resp.Header.Get("Cache-Control") != cacheNone || resp.Header.Get("Content-Security-Policy") == "" {
				t.Errorf("GET %s: headers %v", path, resp.Header)
			}
			checkPublicPage(t, path, page)
		}
		resp, _ := env.get(t, http.MethodGet, env.base+"/stations?page=x")
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("page=x: status %d, want 400", resp.StatusCode)
		}
		resp, _ = env.get(t, http.MethodGet, env.base+"?lang=en")
		if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != env.base+"/?lang=en" {
			t.Errorf("/e/{election}: status %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})

	t.Run("head", func(t *testing.T) {
		for _, path := range env.pages() {
			resp, body := env.get(t, http.MethodHead, path)
			if resp.StatusCode != 200 || body != "" || resp.Header.Get("Content-Length") == "" {
				t.Errorf("HEAD %s: status %d, %d bytes", path, resp.StatusCode, len(body))
			}
		}
	})

	t.Run("log", func(t *testing.T) {
		_, page := env.get(t, http.MethodGet, env.base+"/log?lang=en")
		mustContain(t, page, tr("en", "public.log_none"), "iltod verify dataset", "iltod export dataset -election "+id)
		cp := "example.org/iltod/log\n1187\nC9nBpfV7JUsoevMtkBEIlQemp9ykQLkPZgAFviqgmUI=\n\n" +
			"— example.org/iltod/log OyOdZboaGe50hj9QX+uS6cIF\n— witness.partner.example/w1 pX3a1wAAAABmfp2t\n"
		srv := NewServer(env.a, nil)
		srv.SetLog(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/checkpoint" {
				http.NotFound(w, r)
				return
			}
			io.WriteString(w, cp)
		}))
		for _, lang := range pageLangs {
			rec := httptest.NewRecorder()
			srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, env.base+"/log?lang="+lang, nil))
			if rec.Code != 200 {
				t.Fatalf("log page: status %d", rec.Code)
			}
			page := rec.Body.String()
			checkPublicPage(t, "log "+lang, page)
			mustContain(t, page, "data-log-size>"+formatCount(lang, 1187)+"<", "C9nBpfV7JUsoevMtkBEIlQemp9ykQLkPZgAFviqgmUI=",
				"<code>witness.partner.example/w1</code></th><td>"+tr(lang, "public.log_role_witness"),
				"<code>example.org/iltod/log</code></th><td>"+tr(lang, "public.log_role_log"))
		}
	})

	t.Run("with observers' results", func(t *testing.T) {
		testPublicWithObserved(t, env)
	})
}

// testPublicWithObserved renders the results and station pages from an analysis made
// directly (package analysis) with every station's true result as the observers' — what
// the demo's simulated election day produces — so that the PVT, its calls, the seat
// projection and the station comparison are drawn as on election night.
func testPublicWithObserved(t *testing.T, env *publicEnv) {
	ctx := context.Background()
	p := env.p
	x, err := analysis.NewElection(p.Election, p.Areas, p.Stations, p.Contests)
	if err != nil {
		t.Fatal(err)
	}
	truth := simulate.Truth(p, simulate.DefaultSeed)
	observed, err := x.Prepare(truth.StationResults())
	if err != nil {
		t.Fatal(err)
	}
	offResults, err := simulate.Official(p, truth, simulate.Tampering{
		Contest: "LIST", Stations: env.tampered, Moved: 60, Region: "MN-UB", Share: 0.02,
	})
	if err != nil {
		t.Fatal(err)
	}
	official, err := x.Prepare(offResults)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := x.Draw(string(iltod.LevelRegion), pvt.DrawOptions{Size: pubSampleSize, Seed: pubSampleSeed})
	if err != nil {
		t.Fatal(err)
	}
	sample, err := x.Place(doc)
	if err != nil {
		t.Fatal(err)
	}
	rel := &iltod.OfficialRelease{Election: p.Election.ID, Version: 1, Source: "test"}
	rep, err := analysis.Run(analysis.Input{Election: x, Sample: sample, Observed: observed, Official: official, Release: rel}, analysis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := buildAreaSnapshot(ctx, env.a, p.Election.ID)
	if err != nil {
		t.Fatal(err)
	}
	pe := newPublicElection(p.Election, p.Contests)
	for _, lang := range pageLangs {
		d := assembleResults(lang, pe, snap, rep, map[string]app.AreaCoverage{}, snap.root.Code, "", true)
		page := renderPublic(t, lang, &p.Election, "public_results", d)
		mustContain(t, page, `id="pvt-LIST`, `data-estimate="L-`, tr(lang, "public.check_outside"),
			tr(lang, "public.seats_pvt"), `id="seats-sgk`)
		if strings.Contains(page, tr(lang, "public.no_pvt")) {
			t.Errorf("%s: the list contest has no estimate", lang)
		}
		// The UB collation moved 2% from the runner-up to the leader: both lie outside.
		if strings.Count(page, `class="outside"`) < 2 {
			t.Errorf("%s: fewer than two official shares outside the interval", lang)
		}
		// Every sentence of the calls is in the page's language.
		if lang == "mn" && strings.Contains(page, "the PVT supports") {
			t.Errorf("mn: an English call")
		}

		cmp, err := x.CompareStations(observed, official)
		if err != nil {
			t.Fatal(err)
		}
		sd := buildStations(lang, pe, snap, cmp, nil, "", "LIST", true, 1)
		page = renderPublic(t, lang, &p.Election, "public_stations", sd)
		for _, st := range env.tampered {
			mustContain(t, page, `<tr data-station="`+st+`" class="differs">`)
		}
		if n := strings.Count(page, `<tr data-station=`); n != len(env.tampered) {
			t.Errorf("%s: %d stations differ, want %d", lang, n, len(env.tampered))
		}
		mustContain(t, page, "≠ "+locales.For(lang).N("public.differs_by", 120), "(&#43;60)", "(-60)")
		sd = buildStations(lang, pe, snap, cmp, nil, "MN-UB", "", false, 2)
		page = renderPublic(t, lang, &p.Election, "public_stations", sd)
		if n := strings.Count(page, `<tr data-station="UB-`); n != stationsPerPage {
			t.Errorf("%s: page 2 of Ulaanbaatar has %d rows, want %d", lang, n, stationsPerPage)
		}
		mustContain(t, page, `rel="prev"`, `rel="next"`, "= "+tr(lang, "public.same"))
	}
}

// renderPublic renders a public template with data d as the handler would.
func renderPublic(t *testing.T, lang string, e *iltod.Election, name string, d any) string {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/e/"+e.ID+"/?lang="+lang, nil)
	p := newPage(r, e, "test")
	p.Data = d
	var buf bytes.Buffer
	if err := webTemplates.ExecuteTemplate(&buf, name, p); err != nil {
		t.Fatalf("render %s: %v", name, err)
	}
	checkPublicPage(t, name+" "+lang, buf.String())
	return buf.String()
}

// voidElements are the HTML elements that have no end tag.
var voidElements = map[string]bool{"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true,
	"img": true, "input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true}

// checkPublicPage checks what every page must be: well-formed (every element closed in
// order), one h1 and headings in order, unique ids, every aria-labelledby and label
// pointing at an element, a label for every form control, no script and no inline style.
func checkPublicPage(t *testing.T, what, page string) {
	t.Helper()
	for _, bad := range []string{"<script", " style=", "<style"} {
		if strings.Contains(strings.ToLower(page), bad) {
			t.Errorf("%s: the page holds %q", what, bad)
		}
	}
	d := xml.NewDecoder(strings.NewReader(page))
	d.Strict = false
	d.Entity = xml.HTMLEntity
	var stack []string
	ids := map[string]bool{}
	var refs, labelled, controls []string
	h1, last := 0, 0
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Errorf("%s: the HTML does not parse: %v", what, err)
			return
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			name := strings.ToLower(tk.Name.Local)
			attr := map[string]string{}
			for _, a := range tk.Attr {
				key := a.Name.Local
				if a.Name.Space != "" {
					key = a.Name.Space + ":" + key
				}
				attr[key] = a.Value
			}
			if id, ok := attr["id"]; ok {
				if ids[id] {
					t.Errorf("%s: id %q is used twice", what, id)
				}
				ids[id] = true
			}
			for _, ref := range strings.Fields(attr["aria-labelledby"]) {
				refs = append(refs, ref)
			}
			if len(name) == 2 && name[0] == 'h' && name[1] >= '1' && name[1] <= '6' {
				level := int(name[1] - '0')
				if level == 1 {
					h1++
				}
				if level > last+1 {
					t.Errorf("%s: <%s> follows <h%d>", what, name, last)
				}
				last = level
			}
			switch name {
			case "label":
				labelled = append(labelled, attr["for"])
			case "select", "textarea":
				controls = append(controls, attr["id"])
			case "input":
				if ty := attr["type"]; ty != "hidden" && ty != "submit" {
					controls = append(controls, attr["id"])
				}
			}
			if !voidElements[name] {
				stack = append(stack, name)
			}
		case xml.EndElement:
			name := strings.ToLower(tk.Name.Local)
			if voidElements[name] {
				continue
			}
			if len(stack) == 0 || stack[len(stack)-1] != name {
				t.Errorf("%s: </%s> closes %v", what, name, stack[max(0, len(stack)-3):])
				return
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) > 0 {
		t.Errorf("%s: elements left open: %v", what, stack)
	}
	if h1 != 1 {
		t.Errorf("%s: %d h1 headings, want 1", what, h1)
	}
	for _, ref := range append(refs, labelled...) {
		if !ids[ref] {
			t.Errorf("%s: a reference to id %q, which no element has", what, ref)
		}
	}
	for _, c := range controls {
		if c == "" || !slices.Contains(labelled, c) {
			t.Errorf("%s: a form control (id %q) has no label", what, c)
		}
	}
}

// tokenRe matches a run of letters and digits.
var tokenRe = regexp.MustCompile(`[\pL\pN]+`)

// tokensOf returns the runs of letters and digits in s.
func tokensOf(s string) map[string]bool {
	out := map[string]bool{}
	for _, tok := range tokenRe.FindAllString(s, -1) {
		out[tok] = true
	}
	return out
}

// groupDigits groups a decimal number's digits in threes with sep.
func groupDigits(s, sep string) string {
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	return b.String()
}

// esc escapes s as html/template escapes text.
func esc(s string) string { return strings.ReplaceAll(template.HTMLEscapeString(s), "+", "&#43;") }

func sep(path string) string {
	if strings.Contains(path, "?") {
		return "&"
	}
	return "?"
}

// TestPublicKeys checks that every catalogue key the public site builds from a prefix and
// a code exists. (The catalogue's own tests check the languages, and every key a template
// or Go code names whole.)
func TestPublicKeys(t *testing.T) {
	// Labels made of a prefix and a code.
	var keys []string
	for _, pg := range pubPages {
		keys = append(keys, "public.nav_"+pg.name)
	}
	for _, k := range []string{"404", "400", "500", "other"} {
		keys = append(keys, "public.err_"+k+"_title", "public.err_"+k+"_text")
	}
	for _, l := range iltod.Levels {
		keys = append(keys, "public.level_"+string(l), "public.levels_"+string(l), "public.stratify_"+string(l))
	}
	for _, k := range []iltod.SystemKind{iltod.FPTP, iltod.BlockVote, iltod.TwoRound, iltod.ListPR} {
		keys = append(keys, "public.system_"+string(k))
	}
	for _, k := range iltod.ResultCounts {
		keys = append(keys, "public.figure_"+string(k))
	}
	for _, v := range []pvt.Verdict{pvt.Consistent, pvt.Inconsistent, pvt.Undetermined} {
		keys = append(keys, "public.verdict_"+string(v))
	}
	keys = append(keys, "public.source_official", "public.source_observed", "public.digits_second-digit", "public.digits_last-digit",
		"public.flag_over-registered", "public.flag_near-unanimous", "public.flag_area-outlier",
		"public.stratify_"+analysis.ByStratum, "public.stratify_"+analysis.ByNone)
	for _, k := range keys {
		if !locales.Has(k) {
			t.Errorf("the catalogue has no %q", k)
		}
	}
}

func TestStaleCache(t *testing.T) {
	c := &staleCache[int]{ttl: 20 * time.Millisecond, maxStale: time.Hour}
	ctx := context.Background()
	var loads atomic.Int32
	release := make(chan struct{})
	var failures atomic.Int32
	failed := func(error) { failures.Add(1) }
	fail := false
	load := func(context.Context) (int, error) {
		n := int(loads.Add(1))
		if n == 2 {
			<-release // the first reload is slow
		}
		if fail {
			return 0, errors.New("store down")
		}
		return n, nil
	}
	if v, err := c.get(ctx, "k", load, failed); v != 1 || err != nil {
		t.Fatalf("first get: %d, %v", v, err)
	}
	if v, _ := c.get(ctx, "k", load, failed); v != 1 || loads.Load() != 1 {
		t.Fatalf("fresh get: %d after %d loads", v, loads.Load())
	}
	time.Sleep(30 * time.Millisecond)
	start := time.Now()
	for range 5 {
		if v, _ := c.get(ctx, "k", load, failed); v != 1 {
			t.Fatalf("stale get: %d, want the stale 1", v)
		}
	}
	if d := time.Since(start); d > 10*time.Millisecond {
		t.Errorf("stale gets waited %v for the reload", d)
	}
	close(release)
	deadline := time.Now().Add(5 * time.Second)
	for {
		v, _ := c.get(ctx, "k", load, failed)
		if v == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the reload never landed: %d", v)
		}
		time.Sleep(time.Millisecond)
	}
	if n := loads.Load(); n != 2 {
		t.Errorf("%d loads, want 2: one reload for many stale gets", n)
	}
	// A failed reload keeps the old value and is reported.
	time.Sleep(30 * time.Millisecond)
	fail = true
	c.get(ctx, "k", load, failed)
	for failures.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if v, _ := c.get(ctx, "k", load, failed); v != 2 || failures.Load() != 1 {
		t.Errorf("after a failed reload: %d, %d failures", v, failures.Load())
	}
	// A failed first load is not kept.
	if _, err := c.get(ctx, "other", load, failed); err == nil {
		t.Errorf("a failed first load gave no error")
	}
	fail = false
	if v, err := c.get(ctx, "other", load, failed); err != nil || v == 0 {
		t.Errorf("after a failed first load: %d, %v", v, err)
	}
}

func TestParseCheckpoint(t *testing.T) {
	good := "example.org/log\n42\nqE2t8Vrxq0jTiEq0cVzzB5xqzLa9qOqPUv5jQd7lZqs=\n\n— example.org/log AbCd\n— w.example/w1 EfGh\n"
	cp, ok := parseCheckpoint(good)
	if !ok || cp.origin != "example.org/log" || cp.size != 42 || cp.root != "qE2t8Vrxq0jTiEq0cVzzB5xqzLa9qOqPUv5jQd7lZqs=" ||
		!slices.Equal(cp.signers, []string{"example.org/log", "w.example/w1"}) {
		t.Errorf("parseCheckpoint = %+v, %v", cp, ok)
	}
	for _, bad := range []string{"", "example.org/log\n42\nhash\n", "example.org/log\nx\nhash\n\n— a b\n", "o\n1\nh\n\nno signature\n"} {
		if _, ok := parseCheckpoint(bad); ok {
			t.Errorf("parseCheckpoint(%q) accepted", bad)
		}
	}
}

// BenchmarkResultsPage serves the overview of the demonstration election, with its sample
// and official results, through the handler from the page cache, from as many goroutines
// as there are cores, to readers that accept gzip as browsers do; it reports the 99th
// percentile of one request's time. (TestPublicLoad measures it over real connections.)
func BenchmarkResultsPage(b *testing.B) {
	env := newPublicEnv(b)
	h := env.srv.Handler()
	path := env.base + "/?lang=en"
	newRequest := func() *http.Request {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Accept-Encoding", "gzip") // as browsers ask
		return req
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, newRequest())
	if rec.Code != 200 {
		b.Fatalf("status %d", rec.Code)
	}
	b.SetBytes(int64(rec.Body.Len()))
	lat := make(chan []time.Duration, 64)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		req := newRequest()
		var mine []time.Duration
		for pb.Next() {
			start := time.Now()
			w := &discardWriter{header: http.Header{}}
			h.ServeHTTP(w, req)
			mine = append(mine, time.Since(start))
			if w.status != 0 && w.status != 200 {
				b.Errorf("status %d", w.status)
				return
			}
		}
		lat <- mine
	})
	b.StopTimer()
	close(lat)
	var all []time.Duration
	for l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	if len(all) > 0 {
		b.ReportMetric(float64(all[len(all)*99/100].Microseconds()), "p99-µs")
	}
}

// discardWriter is a ResponseWriter that keeps the status and drops the body, as a fast
// network would.
type discardWriter struct {
	header http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(status int)      { w.status = status }

// TestPublicLoad sends the results page 5,000 requests a second for eight seconds over
// real connections, as election night would, and checks the 99th percentile of their
// latency, counted from when each was due (so that a stalled server cannot hide it). The
// client shares the machine's cores with the server. It runs only when
// ILTOD_TEST_PUBLIC_LOAD is set, since it takes ten seconds and all the cores.
func TestPublicLoad(t *testing.T) {
	if os.Getenv("ILTOD_TEST_PUBLIC_LOAD") == "" {
		t.Skip("set ILTOD_TEST_PUBLIC_LOAD=1 to run the load test")
	}
	env := newPublicEnv(t)
	url := env.ts.URL + env.base + "/?lang=en"
	tr := &http.Transport{MaxIdleConnsPerHost: 200, MaxConnsPerHost: 200}
	client := &http.Client{Transport: tr}
	env.get(t, "GET", env.base+"/?lang=en")
	rate := 5000
	dur := 8 * time.Second
	n := int(dur.Seconds()) * rate
	lat := make([]time.Duration, n)
	var wg sync.WaitGroup
	start := time.Now()
	tick := time.Second / time.Duration(rate)
	sem := make(chan struct{}, 200)
	for i := 0; i < n; i++ {
		at := start.Add(time.Duration(i) * tick)
		if d := time.Until(at); d > 0 {
			time.Sleep(d)
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(i int, at time.Time) {
			defer wg.Done()
			defer func() { <-sem }()
			req, err := http.NewRequest(http.MethodGet, url, nil)
			if err != nil {
				t.Error(err)
				return
			}
			// Ask for gzip as browsers do, and leave the body compressed: decompressing
			// it here would spend the server's cores on the client's work.
			req.Header.Set("Accept-Encoding", "gzip")
			resp, err := client.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			lat[i] = time.Since(at)
			if resp.StatusCode != http.StatusOK {
				t.Errorf("status %d", resp.StatusCode)
			}
		}(i, at)
	}
	wg.Wait()
	el := time.Since(start)
	slices.Sort(lat)
	t.Logf("%d requests in %v (%.0f/s): p50 %v p90 %v p99 %v max %v", n, el, float64(n)/el.Seconds(), lat[n/2], lat[n*9/10], lat[n*99/100], lat[n-1])
	if p99 := lat[n*99/100]; p99 > 50*time.Millisecond {
		t.Errorf("p99 %v, want at most 50ms", p99)
	}
}
