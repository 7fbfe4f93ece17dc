package http

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/electionpkg"
)

// TestQALanguage sends the real API reports that fail QA, in Mongolian and in English:
// an answer out of range is refused with the same code in both, its message in the
// language asked for; a report that fails a check is accepted and flagged, and its
// receipt's check detail is in that language too, while the store keeps the English
// detail it has always kept.
func TestQALanguage(t *testing.T) {
	pkg, err := electionpkg.ReadDir("../../docs/example")
	if err != nil {
		t.Fatal(err)
	}
	env := newTestEnv(t, pkg)
	bold := env.enroll("example-2024", "1001") // static at UB-001
	send := func(body []byte, lang string) (*http.Response, []byte) {
		t.Helper()
		return env.inLanguage(http.MethodPost, "/api/v1/reports", bytes.NewReader(body), lang)
	}

	// A clerk's or an observer's typing mistakes: refused, in the reader's language.
	outOfRange := goodAnswers()
	outOfRange["C2"] = iltod.IntValue(-3)
	missing := goodAnswers()
	delete(missing, "RV")
	for _, c := range []struct {
		name    string
		answers map[string]iltod.Value
		en, mn  string
	}{
		{"out of range", outOfRange, "C2: -3 is below the minimum 0", "C2: -3 хэт бага; хамгийн багадаа 0"},
		{"required answer missing", missing, "RV: an answer is required", "RV: хариулт оруулах шаардлагатай"},
	} {
		env := bold.sign(t, bold.report("UB-001", c.answers))
		for _, l := range []struct{ header, lang, want string }{
			{"mn", "mn", c.mn},
			{"mn-MN,en;q=0.5", "mn", c.mn},
			{"en", "en", c.en},
			{"", "en", c.en},
		} {
			resp, out := send(env, l.header)
			var eb errorBody
			if err := json.Unmarshal(out, &eb); err != nil {
				t.Fatalf("%s: not an error body: %s", c.name, out)
			}
			if resp.StatusCode != http.StatusBadRequest || eb.Error.Code != iltod.EInvalid || eb.Error.Message != l.want {
				t.Errorf("%s (Accept-Language %q): %d %s %q; want 400 invalid %q", c.name, l.header, resp.StatusCode, eb.Error.Code, eb.Error.Message, l.want)
			}
			if cl := resp.Header.Get("Content-Language"); cl != l.lang {
				t.Errorf("%s (Accept-Language %q): Content-Language %q, want %q", c.name, l.header, cl, l.lang)
			}
		}
	}

	// A report that fails over-voting: accepted, flagged, explained in Mongolian.
	bad := goodAnswers()
	bad["BC"] = iltod.IntValue(1500)
	report := bold.report("UB-001", bad)
	const (
		wantEN = "BC 1500 > registered 1320 (answer RV) + allowance 0"
		wantMN = "BC 1500 > бүртгэлтэй 1320 (RV хариулт) + зөвшөөрөх илүүдэл 0"
	)
	overVoting := func(what string, rc *app.Receipt) iltod.CheckResult {
		t.Helper()
		if rc == nil || !rc.Flagged {
			t.Fatalf("%s: no flagged receipt", what)
		}
		for _, c := range rc.Checks {
			if c.Code == "over-voting" && c.Outcome == iltod.CheckFail {
				return c
			}
		}
		t.Fatalf("%s: no failed over-voting check in %+v", what, rc.Checks)
		return iltod.CheckResult{}
	}
	resp, out := send(bold.sign(t, report), "mn")
	var first resultBody
	if err := json.Unmarshal(out, &first); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("flagged report: %s %s", resp.Status, out)
	}
	if c := overVoting("mn receipt", first.Receipt); c.Detail != wantMN || c.Msg == nil || c.Msg.Key != "qa.check.over_voting_fail" {
		t.Errorf("mn receipt: detail %q, msg %+v; want %q with its key", c.Detail, c.Msg, wantMN)
	}
	if cl := resp.Header.Get("Content-Language"); cl != "mn" {
		t.Errorf("mn receipt: Content-Language %q", cl)
	}
	// The same report again, asked in English: the receipt given then, in English.
	resp, out = send(bold.sign(t, report), "")
	var again resultBody
	json.Unmarshal(out, &again)
	if resp.StatusCode != http.StatusOK || again.Receipt == nil || !again.Receipt.Duplicate {
		t.Fatalf("resend: %s %s", resp.Status, out)
	}
	if c := overVoting("en receipt", again.Receipt); c.Detail != wantEN {
		t.Errorf("en receipt: detail %q, want %q", c.Detail, wantEN)
	}
	// The store keeps the message, to write the detail in any language, and no English
	// of its own.
	sub, err := env.app.Store().Submission(app.SystemContext(context.Background()), "example-2024", report.ID)
	if err != nil {
		t.Fatal(err)
	}
	stored := overVoting("stored", &app.Receipt{Flagged: iltod.Flagged(sub.Checks), Checks: sub.Checks})
	if stored.Detail != "" || stored.Msg == nil || stored.DetailIn("en") != wantEN || stored.DetailIn("mn") != wantMN {
		t.Errorf("stored check: %q, msg %+v", stored.Detail, stored.Msg)
	}

	// A batch: every receipt and error in the language asked for.
	batch, _ := json.Marshal(map[string][]json.RawMessage{"envelopes": {
		bold.sign(t, bold.report("UB-001", bad)), bold.sign(t, bold.report("UB-001", outOfRange)),
	}})
	resp, out = send(batch, "mn")
	var results struct {
		Results []resultBody `json:"results"`
	}
	if err := json.Unmarshal(out, &results); err != nil || resp.StatusCode != http.StatusOK || len(results.Results) != 2 {
		t.Fatalf("batch: %s %s", resp.Status, out)
	}
	if c := overVoting("batch", results.Results[0].Receipt); c.Detail != wantMN {
		t.Errorf("batch receipt: %q, want %q", c.Detail, wantMN)
	}
	if e := results.Results[1].Error; e == nil || e.Code != iltod.EInvalid || e.Message != "C2: -3 хэт бага; хамгийн багадаа 0" {
		t.Errorf("batch error: %+v", e)
	}
}

// TestQALanguageConsole checks the staff console's QA words: the review queue and a
// clerk's flagged entry explain the failed check in the page's language, and a refused
// answer is explained at its question in that language.
func TestQALanguageConsole(t *testing.T) {
	env := newConEnv(t)
	fx := env.fixture()
	e := "/staff/e/" + env.pkg.Election.ID
	reviewer, clerk := env.signIn("reviewer"), env.signIn("clerk")

	_, en := reviewer.get(e + "/review?kind=flagged&lang=en")
	_, mn := reviewer.get(e + "/review?kind=flagged&lang=mn")
	if !strings.Contains(en, "registered 100 (answer ") || !strings.Contains(en, "allowance") {
		t.Errorf("the English queue does not explain over-voting in English")
	}
	if !strings.Contains(mn, "бүртгэлтэй 100 (EA хариулт)") || !strings.Contains(mn, "зөвшөөрөх илүүдэл 0") || strings.Contains(mn, "allowance") {
		t.Errorf("the Mongolian queue does not explain over-voting in Mongolian")
	}

	obs, _ := env.a.ReportingObservers(app.SystemContext(context.Background()), env.pkg.Election.ID, fx.arStation)
	results := url.Values{"station": {fx.arStation}, "form": {"results"}, "observer": {obs[0].Code}, "medium": {"paper"}}
	for tag, v := range conFill(t, env.a, env.pkg.Election.ID, fx.arStation, "results", nil) {
		results.Set("q_"+tag, conFormValue(v))
	}
	status, body := clerk.submit(e+"/enter?lang=mn", results)
	if status != http.StatusOK || !strings.Contains(body, "over-voting") || !strings.Contains(body, "зөвшөөрөх илүүдэл") || strings.Contains(body, "allowance") {
		t.Errorf("a flagged entry in Mongolian: status %d", status)
	}

	// An answer below its minimum: shown again at its question, in Mongolian.
	sheet, err := env.a.StationSheet(context.Background(), env.pkg.Election.ID, fx.arStation, "results")
	if err != nil {
		t.Fatal(err)
	}
	var tag string
	var minV int64
	for _, it := range sheet.Questions {
		if q := it.Question; q.Type == iltod.Integer && q.Min != nil {
			tag, minV = it.Tag, *q.Min
			break
		}
	}
	if tag == "" {
		t.Fatal("the demo's results form has no question with a minimum")
	}
	under := url.Values{}
	for k, v := range results {
		under[k] = v
	}
	under.Set("q_"+tag, strconv.FormatInt(minV-1, 10))
	under.Set("id", "clerk-under-the-minimum")
	status, body = clerk.submit(e+"/enter?lang=mn", under)
	want := strconv.FormatInt(minV-1, 10) + " хэт бага; хамгийн багадаа " + strconv.FormatInt(minV, 10)
	if status != http.StatusBadRequest || !strings.Contains(body, want) {
		t.Errorf("an answer below its minimum: status %d, want %q on the page", status, want)
	}
}
