package http

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/iltod/iltod"
)

func TestPageLang(t *testing.T) {
	mnFirst := []iltod.Election{{Languages: []string{"mn", "en"}}}
	enFirst := []iltod.Election{{Languages: []string{"ru", "en", "mn"}}}
	tests := []struct {
		query, accept string
		es            []iltod.Election
		want          string
	}{
		{"?lang=en", "mn", mnFirst, "en"},
		{"?lang=mn", "en", enFirst, "mn"},
		{"?lang=xx", "en", mnFirst, "en"},
		{"", "en-US", mnFirst, "en"},
		{"", "", mnFirst, "mn"},
		{"", "fr", mnFirst, "mn"},
		{"", "", enFirst, "en"},
		{"", "", nil, "en"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/"+tt.query, nil)
		if tt.accept != "" {
			r.Header.Set("Accept-Language", tt.accept)
		}
		if got := pageLang(r, tt.es); got != tt.want {
			t.Errorf("pageLang(%q, Accept-Language %q) = %q, want %q", tt.query, tt.accept, got, tt.want)
		}
	}
}

func TestFormatCount(t *testing.T) {
	tests := []struct {
		lang string
		n    int64
		want string
	}{
		{"en", 0, "0"},
		{"en", 999, "999"},
		{"en", 1000, "1,000"},
		{"en", 1234567, "1,234,567"},
		{"en", -1234, "-1,234"},
		// CLDR's Mongolian groups thousands with "," as English does.
		{"mn", 2049561, "2,049,561"},
	}
	for _, tt := range tests {
		if got := formatCount(tt.lang, tt.n); got != tt.want {
			t.Errorf("formatCount(%q, %d) = %q, want %q", tt.lang, tt.n, got, tt.want)
		}
	}
}

const (
	bannerEN = "Demonstration data — not real results"
	bannerMN = "Жишээ өгөгдөл — бодит дүн биш"
)

func TestStatusPage(t *testing.T) {
	demo := demoPackage(600, 4)
	real := realPackage("trial-2028", 300, 5)
	env := newTestEnv(t, demo, real)

	for _, lang := range []string{"en", "mn"} {
		t.Run(lang, func(t *testing.T) {
			resp, body := env.do(http.MethodGet, "/?lang="+lang)
			page := string(body)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			checkPageHeaders(t, resp)
			if got := resp.Header.Get("Content-Language"); got != lang {
				t.Errorf("Content-Language %q, want %q", got, lang)
			}
			mustContain(t, page,
				`<html lang="`+lang+`">`,
				tr(lang, "status.elections"),
				tr(lang, "status.stations"),
				tr(lang, "status.registered"),
				tr(lang, "status.forms"),
				`href="/static/style.css"`,
			)
			// The banner appears once: for the demonstration election, not the other.
			if n := strings.Count(page, bannerEN); n != 1 {
				t.Errorf("English banner appears %d times, want 1", n)
			}
			if n := strings.Count(page, bannerMN); n != 1 {
				t.Errorf("Mongolian banner appears %d times, want 1", n)
			}
			demoAt := strings.Index(page, `<section class="election" id="`+demo.Election.ID+`"`)
			if demoAt < 0 || !strings.Contains(page, `id="`+real.Election.ID+`"`) {
				t.Fatalf("missing an election section")
			}
			section := page[demoAt:]
			section = section[:strings.Index(section, "</section>")]
			if !strings.Contains(section, bannerEN) || !strings.Contains(section, bannerMN) {
				t.Errorf("the banner is not in the demonstration election's section")
			}
			for _, p := range []*iltod.Package{demo, real} {
				e := p.Election
				sum := p.Summarize()
				mustContain(t, page,
					e.Name.In(lang),
					e.Date,
					formatCount(lang, int64(sum.Stations)),
					formatCount(lang, sum.Registered),
					`href="/api/v1/elections/`+e.ID+`/stations"`,
					`href="/api/v1/elections/`+e.ID+`/areas"`,
					`href="/api/v1/elections/`+e.ID+`/contests"`,
					`href="/api/v1/elections/`+e.ID+`/forms"`,
				)
				for _, b := range e.Bodies {
					mustContain(t, page, b.Name.In(lang))
					for _, tier := range b.Tiers {
						mustContain(t, page, tier.Name.In(lang), `data-tier="`+b.Code+"/"+tier.Code+`"`)
					}
				}
				for _, c := range p.Contests {
					mustContain(t, page, "<code>"+c.Code+"</code>")
				}
				for _, f := range latestForms(p.Forms) {
					mustContain(t, page, f.Name.In(lang))
				}
			}
			other := "mn"
			if lang == "mn" {
				other = "en"
			}
			mustContain(t, page, `href="?lang=`+other+`"`)
			for _, bad := range []string{"<script", "style=", "<style", "javascript:"} {
				if strings.Contains(page, bad) {
					t.Errorf("page contains %q, which the CSP forbids or does not need", bad)
				}
			}
		})
	}

	t.Run("tier seats", func(t *testing.T) {
		_, body := env.do(http.MethodGet, "/?lang=en")
		page := string(body)
		for _, b := range demo.Election.Bodies {
			for _, tier := range b.Tiers {
				row := `data-tier="` + b.Code + "/" + tier.Code + `"`
				i := strings.Index(page, row)
				if i < 0 {
					t.Fatalf("no row for tier %s", tier.Code)
				}
				end := strings.Index(page[i:], "</tr>")
				cell := page[i : i+end]
				n := 0
				for _, c := range demo.Contests {
					if c.Body == b.Code && c.Tier == tier.Code {
						n++
					}
				}
				for _, want := range []string{">" + itoa(tier.Seats) + "</td>", ">" + itoa(n) + "</td>"} {
					if !strings.Contains(cell, want) {
						t.Errorf("tier %s row %q lacks %q", tier.Code, cell, want)
					}
				}
			}
		}
	})

	t.Run("default language", func(t *testing.T) {
		resp, _ := env.do(http.MethodGet, "/")
		if got := resp.Header.Get("Content-Language"); got != "mn" {
			t.Errorf("no preference: Content-Language %q, want mn (the election's first language)", got)
		}
		resp, _ = env.do(http.MethodGet, "/", "Accept-Language", "en-GB,en;q=0.9")
		if got := resp.Header.Get("Content-Language"); got != "en" {
			t.Errorf("Accept-Language en-GB: Content-Language %q, want en", got)
		}
		if got := resp.Header.Get("Vary"); got != "Accept-Language" {
			t.Errorf("Vary %q, want Accept-Language", got)
		}
	})

	t.Run("stylesheet", func(t *testing.T) {
		resp, body := env.do(http.MethodGet, "/static/style.css")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") || len(body) == 0 {
			t.Errorf("GET /static/style.css: %d %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
		}
		if got := resp.Header.Get("Cache-Control"); got != cacheStatic {
			t.Errorf("stylesheet Cache-Control %q, want %q", got, cacheStatic)
		}
		for _, path := range []string{"/static/nope.css", "/static/", "/static/..%2fstatus.go", "/static/%2e%2e"} {
			if resp, _ := env.do(http.MethodGet, path); resp.StatusCode != 404 && resp.StatusCode != 400 {
				t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
			}
		}
	})
}

func TestStatusPageWithoutDemo(t *testing.T) {
	env := newTestEnv(t, realPackage("trial-2028", 200, 6))
	for _, lang := range []string{"en", "mn"} {
		resp, body := env.do(http.MethodGet, "/?lang="+lang)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		checkPageHeaders(t, resp)
		if strings.Contains(string(body), bannerEN) || strings.Contains(string(body), bannerMN) {
			t.Errorf("%s: the demonstration banner is shown for an election that is not a demonstration", lang)
		}
	}
}

func TestStatusPageEmpty(t *testing.T) {
	env := newTestEnv(t)
	for _, lang := range []string{"en", "mn"} {
		resp, body := env.do(http.MethodGet, "/?lang="+lang)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		mustContain(t, string(body), tr(lang, "status.no_elections"))
	}
	resp, body := env.do(http.MethodGet, "/api/v1/elections")
	if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != `{"elections":[]}` {
		t.Errorf("no elections: %d %s, want {\"elections\":[]}", resp.StatusCode, body)
	}
}

func TestStatusPageRendersEveryLanguage(t *testing.T) {
	// Render the template directly with every label in use, so a missing label in any
	// language fails here even if no test election exercises it.
	d := &statusData{}
	for _, lang := range pageLangs {
		d.Lang = lang
		d.Elections = []statusElection{electionStatus(lang, iltod.Election{ID: "x", Name: iltod.Text{"en": "X"}, Demo: true,
			Bodies: []iltod.Body{{Code: "b", Name: iltod.Text{"en": "B"}, Seats: 1, Tiers: []iltod.Tier{{Code: "t", Name: iltod.Text{"en": "T"}, Seats: 1}}}}},
			iltod.Summary{}, []iltod.Contest{{Code: "c", Body: "b", Tier: "t", Seats: 1, System: iltod.System{Kind: iltod.FPTP}}, {Code: "o", Seats: 1}},
			[]iltod.Form{{Code: "f", Version: 1, Kind: iltod.Results}})}
		var sb strings.Builder
		if err := pages.ExecuteTemplate(&sb, "status.html", d); err != nil {
			t.Errorf("%s: %v", lang, err)
		}
	}
}

func checkPageHeaders(t *testing.T, resp *http.Response) {
	t.Helper()
	want := map[string]string{
		"Content-Type":            "text/html; charset=utf-8",
		"X-Content-Type-Options":  "nosniff",
		"Content-Security-Policy": contentSecurityPolicy,
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "no-referrer",
		"Cache-Control":           cachePublic,
	}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s %q, want %q", k, got, v)
		}
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, d := range []string{"default-src 'none'", "style-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, d) {
			t.Errorf("CSP %q lacks %q", csp, d)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "script-src") {
		t.Errorf("CSP %q allows scripts or inline code", csp)
	}
}

func mustContain(t *testing.T, page string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(page, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

func itoa(n int) string { return formatCount("en", int64(n)) }
