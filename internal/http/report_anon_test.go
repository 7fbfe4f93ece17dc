package http

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/internal/sqlstore"
	"github.com/iltod/iltod/locales"
)

// anonEnv is a server with the example election and, when sealing, an evidence
// recipient.
func anonEnv(t *testing.T, sealing bool) *testEnv {
	t.Helper()
	p, err := electionpkg.ReadDir("../../docs/example")
	if err != nil {
		t.Fatal(err)
	}
	env := newTestEnv(t, p)
	if sealing {
		id, err := age.GenerateX25519Identity()
		if err != nil {
			t.Fatal(err)
		}
		env.app.SetEvidenceRecipients([]age.Recipient{id.Recipient()})
	}
	return env
}

var (
	anonTokenRe = regexp.MustCompile(`name="token" value="([^"]+)"`)
	anonCodeRe  = regexp.MustCompile(`data-followup-code>([^<]+)<`)
	anonFlashRe = regexp.MustCompile(`(?s)class="flash error" role="alert">([^<]*)<`)
)

// anonGet GETs a page of the form and returns its body and token.
func anonGet(t *testing.T, env *testEnv, path string) (string, string) {
	t.Helper()
	resp, body := env.do("GET", path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", path, resp.StatusCode, body)
	}
	checkAnonHeaders(t, "GET "+path, resp)
	m := anonTokenRe.FindSubmatch(body)
	if m == nil {
		return string(body), ""
	}
	return string(body), string(m[1])
}

// checkAnonHeaders checks what every answer of the form carries: no cookie, no
// referrer, no caching, no script or other origin.
func checkAnonHeaders(t *testing.T, what string, resp *http.Response) {
	t.Helper()
	h := resp.Header
	if len(resp.Cookies()) > 0 || h.Get("Set-Cookie") != "" {
		t.Errorf("%s sets a cookie: %q", what, h.Values("Set-Cookie"))
	}
	if h.Get("Referrer-Policy") != "no-referrer" || h.Get("Cache-Control") != cacheNone {
		t.Errorf("%s: Referrer-Policy %q, Cache-Control %q", what, h.Get("Referrer-Policy"), h.Get("Cache-Control"))
	}
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
		t.Errorf("%s: CSP %q", what, csp)
	}
}

// anonFile is a file part of a form.
type anonFile struct {
	name string
	data []byte
}

// anonPost POSTs a multipart form to path.
func anonPost(t *testing.T, env *testEnv, path string, fields map[string]string, files ...anonFile) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	for _, f := range files {
		w, _ := mw.CreateFormFile("files", f.name)
		w.Write(f.data)
	}
	mw.Close()
	req, err := http.NewRequest("POST", env.base+path, &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := env.client.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	checkAnonHeaders(t, "POST "+path, resp)
	return resp, string(body)
}

// incidentCount returns how many incidents the example election holds.
func incidentCount(t *testing.T, env *testEnv) int {
	t.Helper()
	all, err := env.app.IncidentRecords(app.SystemContext(context.Background()), "example-2024")
	if err != nil {
		t.Fatal(err)
	}
	return len(all)
}

func goodReport(token string) map[string]string {
	return map[string]string{
		"token": token, "category": "freedoms.journalist_attacked", "date": "2024-06-27", "time": "18:30",
		"area": "", "station": "UB-001", "text": "Two men pushed the reporter Dolgor into a car near the school.",
	}
}

// TestAnonReportClosed: without evidence recipients the form says reporting is not
// open, offers no form, and a post stores nothing.
func TestAnonReportClosed(t *testing.T) {
	env := anonEnv(t, false)
	for _, lang := range []string{"en", "mn"} {
		body, token := anonGet(t, env, "/e/example-2024/report?lang="+lang)
		if !strings.Contains(body, "data-report-closed") || strings.Contains(body, "data-report-form") || token != "" {
			t.Errorf("%s: the closed form offers a form", lang)
		}
		if want := tr(lang, "public.report.closed"); !strings.Contains(body, want) {
			t.Errorf("%s: the page does not say %q", lang, want)
		}
	}
	resp, _ := anonPost(t, env, "/e/example-2024/report?lang=en", goodReport("x"))
	if resp.StatusCode != http.StatusConflict || incidentCount(t, env) != 0 {
		t.Errorf("a post to the closed form: %d, %d incidents", resp.StatusCode, incidentCount(t, env))
	}
}

// TestAnonReport files a report with a file, follows it and adds to it, and checks each
// refusal: the reason from the catalogue, what was typed kept, nothing stored. No log
// line names the client's address.
func TestAnonReport(t *testing.T) {
	env := anonEnv(t, true)
	for _, lang := range []string{"en", "mn"} {
		body, token := anonGet(t, env, "/e/example-2024/report?lang="+lang)
		if token == "" || !strings.Contains(body, "data-report-form") {
			t.Fatalf("%s: no form", lang)
		}
		for _, bad := range []string{"<script", `src="http`, `href="http`, `action="http`, "//cdn", "@import"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s: the form holds %q", lang, bad)
			}
		}
		label := map[string]string{"en": "Journalists detained or attacked", "mn": "Сэтгүүлчийг саатуулсан эсвэл халдсан"}[lang]
		if !strings.Contains(body, label) {
			t.Errorf("%s: the categories are not in the page's language (want %q)", lang, label)
		}
	}
	_, token := anonGet(t, env, "/e/example-2024/report?lang=en")

	refused := func(what string, resp *http.Response, body string, status int, key string, args ...locales.Args) {
		t.Helper()
		if resp.StatusCode != status {
			t.Errorf("%s: status %d, want %d", what, resp.StatusCode, status)
		}
		m := anonFlashRe.FindStringSubmatch(body)
		want := tr("en", key, args...)
		if m == nil || !strings.Contains(htmlUnescape(m[1]), want) {
			t.Errorf("%s: the page says %q; want %q", what, m, want)
		}
		if n := incidentCount(t, env); n != 0 {
			t.Errorf("%s stored an incident", what)
		}
	}
	// Bad input.
	noCat := goodReport(token)
	noCat["category"] = ""
	resp, body := anonPost(t, env, "/e/example-2024/report?lang=en", noCat)
	refused("no category", resp, body, 400, "error.citizen.category")
	if !strings.Contains(body, "Two men pushed the reporter Dolgor") {
		t.Errorf("the refused form lost the text typed")
	}
	badDate := goodReport(token)
	badDate["date"] = "28/06/2024"
	resp, body = anonPost(t, env, "/e/example-2024/report?lang=en", badDate)
	refused("a bad date", resp, body, 400, "error.citizen.when")
	resp, body = anonPost(t, env, "/e/example-2024/report?lang=en", goodReport("forged"))
	refused("a forged token", resp, body, 400, "error.citizen.token")
	resp, body = anonPost(t, env, "/e/example-2024/report?lang=en", goodReport(token),
		anonFile{"big.bin", bytes.Repeat([]byte("z"), app.MaxCitizenFileBytes+1)})
	refused("an oversize file", resp, body, 413, "error.citizen.file_too_large", locales.Args{"Max": app.MaxCitizenFileBytes >> 20})
	many := make([]anonFile, app.MaxCitizenFiles+1)
	for i := range many {
		many[i] = anonFile{fmt.Sprint(i), []byte{byte(i)}}
	}
	resp, body = anonPost(t, env, "/e/example-2024/report?lang=en", goodReport(token), many...)
	refused("too many files", resp, body, 400, "error.citizen.too_many_files", locales.Args{"Max": app.MaxCitizenFiles})
	req, _ := http.NewRequest("POST", env.base+"/e/example-2024/report?lang=en", strings.NewReader("token="+token+"&text=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r2, err := env.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := io.ReadAll(r2.Body)
	r2.Body.Close()
	refused("a form that is not multipart", r2, string(b2), 400, "error.citizen.form")

	// A good report with a file: the code is shown once.
	photo := append([]byte("\xff\xd8\xff"), bytes.Repeat([]byte("jpeg"), 1000)...)
	resp, body = anonPost(t, env, "/e/example-2024/report?lang=en", goodReport(token), anonFile{"photo.jpg", photo})
	m := anonCodeRe.FindStringSubmatch(body)
	if resp.StatusCode != 200 || m == nil {
		t.Fatalf("a good report: %d\n%s", resp.StatusCode, body)
	}
	code := m[1]
	if _, err := iltod.ParseFollowupCode(code); err != nil {
		t.Errorf("the page shows %q, not a follow-up code", code)
	}
	all, _ := env.app.IncidentRecords(app.SystemContext(context.Background()), "example-2024")
	if len(all) != 1 || all[0].Source != iltod.SourceCitizen || all[0].Narrative != "" || len(all[0].Evidence) != 2 ||
		all[0].Start != time.Date(2024, 6, 27, 10, 30, 0, 0, time.UTC) {
		t.Fatalf("stored: %+v", all)
	}
	// The same form sent again files nothing.
	resp, body = anonPost(t, env, "/e/example-2024/report?lang=en", goodReport(token))
	if resp.StatusCode != http.StatusConflict || incidentCount(t, env) != 1 {
		t.Errorf("the form sent twice: %d, %d incidents", resp.StatusCode, incidentCount(t, env))
	}

	// Following: the code gives the status, in the page's language.
	for _, lang := range []string{"en", "mn"} {
		_, ft := anonGet(t, env, "/e/example-2024/report/follow?lang="+lang)
		resp, body = anonPost(t, env, "/e/example-2024/report/follow?lang="+lang, map[string]string{"token": ft, "code": strings.ToLower(code), "action": "look"})
		if resp.StatusCode != 200 || !strings.Contains(body, `data-status="unverified"`) || !strings.Contains(body, tr(lang, "public.report.status_unverified")) {
			t.Errorf("%s: following: %d\n%s", lang, resp.StatusCode, body)
		}
	}
	_, ft := anonGet(t, env, "/e/example-2024/report/follow?lang=en")
	resp, body = anonPost(t, env, "/e/example-2024/report/follow?lang=en", map[string]string{"token": ft, "code": iltod.NewFollowupCode()})
	if resp.StatusCode != 404 || !strings.Contains(body, tr("en", "error.followup.unknown")) || strings.Contains(body, "data-status") {
		t.Errorf("an unknown code: %d", resp.StatusCode)
	}
	resp, _ = anonPost(t, env, "/e/example-2024/report/follow?lang=en", map[string]string{"token": "x", "code": code})
	if resp.StatusCode != 400 {
		t.Errorf("following with a forged token: %d", resp.StatusCode)
	}
	// Adding information.
	resp, body = anonPost(t, env, "/e/example-2024/report/follow?lang=en", map[string]string{"token": ft, "code": code, "action": "look"})
	at := anonTokenRe.FindStringSubmatch(body)
	if at == nil {
		t.Fatalf("no add form: %s", body)
	}
	add := map[string]string{"token": at[1], "code": code, "action": "add", "text": "The car had plates starting 12-34."}
	resp, body = anonPost(t, env, "/e/example-2024/report/follow?lang=en", add, anonFile{"doc.pdf", []byte("%PDF-1.7 notes")})
	if resp.StatusCode != 200 || !strings.Contains(body, tr("en", "public.report.added")) {
		t.Errorf("adding: %d\n%s", resp.StatusCode, body)
	}
	all, _ = env.app.IncidentRecords(app.SystemContext(context.Background()), "example-2024")
	if len(all) != 1 || len(all[0].Evidence) != 4 {
		t.Errorf("after adding: %+v", all)
	}
	resp, _ = anonPost(t, env, "/e/example-2024/report/follow?lang=en", add)
	if resp.StatusCode != http.StatusConflict {
		t.Errorf("the add form sent twice: %d", resp.StatusCode)
	}

	// Nothing logged names the client, its port or what it wrote.
	logs := env.logs.String()
	if !strings.Contains(logs, "/e/example-2024/report") {
		t.Fatalf("the refusals were not logged at all; the check below would prove nothing:\n%s", logs)
	}
	// The server's own listening address is logged when it starts, which says nothing
	// about a client; every other line must hold no address at all.
	ipRe := regexp.MustCompile(`\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b|::1|\[[0-9a-f:]+\]`)
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, `msg="http server listening"`) || strings.Contains(line, `msg="http server stopped"`) {
			continue
		}
		if ip := ipRe.FindString(line); ip != "" {
			t.Errorf("a log line holds the address %q: %s", ip, line)
		}
		for _, s := range []string{"Dolgor", "plates", code} {
			if strings.Contains(line, s) {
				t.Errorf("a log line holds %q: %s", s, line)
			}
		}
	}
}

// TestAnonRateLimit: past the global burst, reports and follow-up requests are refused
// with 429 whoever sends them, before their bodies are read.
func TestAnonRateLimit(t *testing.T) {
	env := anonEnv(t, true)
	for _, tc := range []struct {
		path  string
		burst int
	}{{"/e/example-2024/report?lang=en", anonReportBurst}, {"/e/example-2024/report/follow?lang=en", anonFollowBurst}} {
		statuses := map[int]int{}
		for range tc.burst + 3 {
			resp, _ := anonPost(t, env, tc.path, map[string]string{"token": "bad", "code": iltod.NewFollowupCode()})
			statuses[resp.StatusCode]++
		}
		// One token may come back into a bucket while the requests are sent.
		if statuses[http.StatusTooManyRequests] < 2 || statuses[http.StatusBadRequest] < tc.burst {
			t.Errorf("%s: statuses %v after %d requests, burst %d", tc.path, statuses, tc.burst+3, tc.burst)
		}
	}
	resp, body := anonPost(t, env, "/e/example-2024/report?lang=mn", map[string]string{"token": "bad"})
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, tr("mn", "error.citizen.busy")) {
		t.Errorf("the refusal: %d", resp.StatusCode)
	}
	if incidentCount(t, env) != 0 {
		t.Errorf("refused requests stored incidents")
	}
}

func TestFormTokens(t *testing.T) {
	store, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "iltod.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	shared := app.New(store, nil)
	defer shared.Close()
	// Two servers: each alone (their own key and spent tokens), or two instances of one
	// installation (the key and spent tokens in the store they share).
	for _, mode := range []string{"alone", "shared"} {
		t.Run(mode, func(t *testing.T) {
			ctx := context.Background()
			now := time.Date(2024, 6, 28, 12, 0, 0, 0, time.UTC)
			ft, other := newFormTokens(), newFormTokens()
			ft.now = func() time.Time { return now }
			other.now = ft.now
			if mode == "shared" {
				ft.shared, other.shared = shared, shared
			}
			tok, err := ft.issue(ctx, tokenReport, "e1")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ft.check(ctx, tokenReport, "e1", tok); err != nil {
				t.Fatalf("a fresh token: %v", err)
			}
			for name, tc := range map[string][3]string{
				"another purpose":  {tokenFollow, "e1", tok},
				"another election": {tokenReport, "e2", tok},
				"one byte changed": {tokenReport, "e1", tok[:10] + string(tok[10]^1) + tok[11:]},
				"empty":            {tokenReport, "e1", ""},
			} {
				if _, err := ft.check(ctx, tc[0], tc[1], tc[2]); iltod.ErrorCodeOf(err) != iltod.EInvalid {
					t.Errorf("%s: %v", name, err)
				}
			}
			release, err := ft.spend(ctx, tokenReport, "e1", tok)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ft.spend(ctx, tokenReport, "e1", tok); iltod.ErrorCodeOf(err) != iltod.EConflict {
				t.Errorf("spent twice: %v", err)
			}
			release()
			if _, err := ft.spend(ctx, tokenReport, "e1", tok); err != nil {
				t.Errorf("released and spent again: %v", err)
			}
			_, err = other.check(ctx, tokenReport, "e1", tok)
			switch {
			case mode == "alone" && err == nil:
				t.Errorf("another server's token passed")
			case mode == "shared" && err != nil:
				t.Errorf("another instance's token: %v", err)
			}
			if mode == "shared" {
				if _, err := other.spend(ctx, tokenReport, "e1", tok); iltod.ErrorCodeOf(err) != iltod.EConflict {
					t.Errorf("a token spent on one instance, spent on another: %v", err)
				}
			}
			now = now.Add(tokenLife + time.Second)
			if _, err := ft.check(ctx, tokenReport, "e1", tok); iltod.ErrorCodeOf(err) != iltod.EInvalid {
				t.Errorf("an expired token: %v", err)
			}
		})
	}
}

func TestParseWhen(t *testing.T) {
	z := anonZone("MN")
	at := func(d, h, m int) time.Time { return time.Date(2024, 6, d, h, m, 0, 0, z) }
	for _, tc := range []struct {
		in         [4]string
		start, end time.Time
		bad        bool
	}{
		{[4]string{"2024-06-28", "", "", ""}, at(28, 0, 0), at(28, 23, 59), false},
		{[4]string{"2024-06-28", "07:15", "", ""}, at(28, 7, 15), time.Time{}, false},
		{[4]string{"2024-06-28", "07:15", "", "09:00"}, at(28, 7, 15), at(28, 9, 0), false},
		{[4]string{"2024-06-27", "", "2024-06-28", ""}, at(27, 0, 0), at(28, 23, 59), false},
		{[4]string{"2024-06-28", "10:00", "", "09:00"}, time.Time{}, time.Time{}, true},
		{[4]string{"2024-06-28", "25:00", "", ""}, time.Time{}, time.Time{}, true},
		{[4]string{"", "", "", ""}, time.Time{}, time.Time{}, true},
		{[4]string{"2024-06-28", "", "2024-06-27", ""}, time.Time{}, time.Time{}, true},
	} {
		s, e, err := parseWhen(tc.in[0], tc.in[1], tc.in[2], tc.in[3], z)
		if (err != nil) != tc.bad || !s.Equal(tc.start) || !e.Equal(tc.end) {
			t.Errorf("parseWhen(%q) = %v, %v, %v", tc.in, s, e, err)
		}
	}
}

func FuzzParseWhen(f *testing.F) {
	f.Add("2024-06-28", "07:15", "", "09:00")
	f.Add("2024-06-28", "", "2024-07-01", "")
	f.Add("0000-01-01", "23:59", "9999-12-31", "00:00")
	f.Fuzz(func(t *testing.T, d, c, ed, ec string) {
		s, e, err := parseWhen(d, c, ed, ec, anonZone("MN"))
		if err == nil && !e.IsZero() && e.Before(s) {
			t.Errorf("parseWhen(%q, %q, %q, %q) ends %v before it starts %v", d, c, ed, ec, e, s)
		}
	})
}

func FuzzReadAnonForm(f *testing.F) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.SetBoundary("b0undary")
	mw.WriteField("token", "t")
	mw.WriteField("text", "what happened")
	w, _ := mw.CreateFormFile("files", "a.jpg")
	w.Write([]byte("\xff\xd8\xff"))
	mw.CreateFormFile("files", "")
	mw.WriteField("other", "x")
	mw.Close()
	f.Add(buf.Bytes())
	f.Add([]byte("--b0undary\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\nx\r\n--b0undary--\r\n"))
	f.Add([]byte("--b0undary\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\nx\r\n--b0undary\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\ny\r\n--b0undary--\r\n"))
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, body []byte) {
		form, err := readAnonForm(bytes.NewReader(body), "multipart/form-data; boundary=b0undary")
		if err != nil {
			if iltod.ErrorCodeOf(err) == iltod.EInternal {
				t.Errorf("an internal error for a caller's body: %v", err)
			}
			return
		}
		if len(form.files) > app.MaxCitizenFiles || len(form.text) > anonMaxText {
			t.Errorf("the form exceeds its bounds: %d files, %d bytes of text", len(form.files), len(form.text))
		}
		for k, v := range form.fields {
			if !anonFields[k] || len(v) > anonMaxField {
				t.Errorf("field %q (%d bytes) kept", k, len(v))
			}
		}
		for _, f := range form.files {
			if len(f) == 0 {
				t.Errorf("an empty file kept")
			}
		}
	})
}

func FuzzFormToken(f *testing.F) {
	ft := newFormTokens()
	seed, _ := ft.issue(context.Background(), tokenReport, "e1")
	f.Add(seed)
	f.Add("")
	f.Add(strings.Repeat("A", 43))
	f.Fuzz(func(t *testing.T, tok string) {
		if _, err := ft.check(context.Background(), tokenReport, "e1", tok); err == nil {
			// Only a token this server issued passes; the fuzzer cannot forge the MAC,
			// so it must have mutated a seed into the same token.
			if _, err := ft.check(context.Background(), tokenFollow, "e1", tok); err == nil {
				t.Errorf("%q passes for two purposes", tok)
			}
		}
	})
}

func htmlUnescape(s string) string {
	r := strings.NewReplacer("&#34;", `"`, "&#39;", "'", "&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`)
	return r.Replace(s)
}
