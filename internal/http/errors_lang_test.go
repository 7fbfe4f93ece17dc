package http

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/iltod/iltod/internal/electionpkg"
)

// inLanguage sends a request with Accept-Language: lang (none when lang is "") and
// returns the response with its whole body read.
func (env *testEnv) inLanguage(method, path string, body io.Reader, lang string) (*http.Response, []byte) {
	env.t.Helper()
	req, err := http.NewRequest(method, env.base+path, body)
	if err != nil {
		env.t.Fatal(err)
	}
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	resp, err := env.client.Do(req)
	if err != nil {
		env.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		env.t.Fatal(err)
	}
	return resp, raw
}

// TestErrorLanguage sends the API malformed requests in Mongolian, English and no
// language at all: the code and status are the same in each, and the message follows
// Accept-Language, English when the header names no language of the catalogue.
func TestErrorLanguage(t *testing.T) {
	pkg, err := electionpkg.ReadDir("../../docs/example")
	if err != nil {
		t.Fatal(err)
	}
	env := newTestEnv(t, pkg)
	send := func(method, path, body, lang string) (int, http.Header, errorDetail) {
		t.Helper()
		resp, raw := env.inLanguage(method, path, strings.NewReader(body), lang)
		var eb errorBody
		if err := json.Unmarshal(raw, &eb); err != nil {
			t.Fatalf("%s %s: not an error body: %s", method, path, raw)
		}
		return resp.StatusCode, resp.Header, eb.Error
	}
	for _, c := range []struct {
		method, path, body string
		status             int
		code               string
		en, mn             string
	}{
		// curl -H 'Accept-Language: mn' -X POST --data '{' …/api/v1/reports
		{"POST", "/api/v1/reports", "{", 400, "invalid",
			"the envelope is not a JSON object with key, payload and sig: unexpected EOF",
			"дугтуй нь key, payload, sig гэсэн талбартай JSON объект биш байна: unexpected EOF"},
		{"POST", "/api/v1/reports", `{"envelopes":[]}`, 400, "invalid",
			`the body must be one envelope or {"envelopes":[…]} with at least one`,
			`агуулга нь нэг дугтуй, эсвэл дор хаяж нэг дугтуйтай {"envelopes":[…]} байх ёстой`},
		{"POST", "/api/v1/devices", `{"code":"x","key":"%%%"}`, 400, "invalid",
			"key must be standard base64", "key нь стандарт base64 байх ёстой"},
		{"GET", "/api/v1/elections/example-2024/areas/NOWHERE", "", 404, "not_found",
			`election example-2024 has no area "NOWHERE"`, `example-2024 сонгуульд "NOWHERE" нэгж алга`},
		{"GET", "/api/v1/elections/example-2024/stations?limit=0", "", 400, "invalid",
			"limit must be a whole number from 1 to 10,000", "limit нь 1-ээс 10,000 хүртэлх бүхэл тоо байх ёстой"},
		// The application's rules (internal/app) answer in the reader's language too.
		{"POST", "/api/v1/devices", `{"code":"ABC","key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}`, 400, "invalid",
			"an enrollment code has 10 characters", "бүртгэлийн код 10 тэмдэгттэй байдаг"},
		{"POST", "/api/v1/devices", `{"code":"ABCD-EFGH-JK","key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}`, 404, "not_found",
			"unknown enrollment code", "бүртгэлийн код буруу байна"},
		{"GET", "/api/v1/elections/example-2024/stations?after=-x", "", 400, "invalid",
			"after -x is not a valid station code", "after -x нь хэсгийн зөв код биш"},
		{"GET", "/api/v1/no-such-route", "", 404, "not_found",
			"no API route for /api/v1/no-such-route", "/api/v1/no-such-route гэсэн API зам алга"},
	} {
		for _, l := range []struct{ header, want, lang string }{
			{"mn", c.mn, "mn"},
			{"mn-MN,mn;q=0.9,en;q=0.5", c.mn, "mn"},
			{"en-US", c.en, "en"},
			{"", c.en, "en"},
			{"fr-FR, de;q=0.8", c.en, "en"},
		} {
			status, h, got := send(c.method, c.path, c.body, l.header)
			if status != c.status || string(got.Code) != c.code || got.Message != l.want {
				t.Errorf("%s %s (Accept-Language %q): %d %q %q; want %d %q %q",
					c.method, c.path, l.header, status, got.Code, got.Message, c.status, c.code, l.want)
			}
			if cl := h.Get("Content-Language"); cl != l.lang {
				t.Errorf("%s %s (Accept-Language %q): Content-Language %q, want %q", c.method, c.path, l.header, cl, l.lang)
			}
		}
	}
}

// TestStoreErrorLanguage asks the API for what the store does not hold: the store's
// not-found errors (internal/sqlstore) are answered in the reader's language, with the
// same code and status in each. The form version's message is the store's own
// (error.store.no_form_version), so the answer cannot come from another layer.
func TestStoreErrorLanguage(t *testing.T) {
	pkg, err := electionpkg.ReadDir("../../docs/example")
	if err != nil {
		t.Fatal(err)
	}
	env := newTestEnv(t, pkg)
	form := pkg.Forms[0].Code
	for _, c := range []struct {
		path   string
		en, mn string
	}{
		// curl -H 'Accept-Language: mn' …/api/v1/elections/no-such-election
		{"/api/v1/elections/no-such-election",
			"no election no-such-election", "no-such-election сонгууль алга"},
		{"/api/v1/elections/example-2024/stations/NOWHERE",
			"election example-2024 has no station NOWHERE", "example-2024 сонгуульд NOWHERE хэсэг алга"},
		{"/api/v1/elections/example-2024/contests/NOWHERE",
			"election example-2024 has no contest NOWHERE", "example-2024 сонгуульд NOWHERE тойрог алга"},
		{"/api/v1/elections/example-2024/forms/" + form + "/versions/99",
			"election example-2024 has no form " + form + " version 99",
			"example-2024 сонгуульд " + form + " маягтын 99-р хувилбар алга"},
	} {
		for _, l := range []struct{ header, want string }{
			{"mn", c.mn},
			{"mn-MN,en;q=0.5", c.mn},
			{"en", c.en},
			{"", c.en},
			{"de", c.en},
		} {
			req, err := http.NewRequest("GET", env.base+c.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if l.header != "" {
				req.Header.Set("Accept-Language", l.header)
			}
			resp, err := env.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var eb errorBody
			if err := json.Unmarshal(raw, &eb); err != nil {
				t.Fatalf("GET %s: not an error body: %s", c.path, raw)
			}
			if resp.StatusCode != 404 || eb.Error.Code != "not_found" || eb.Error.Message != l.want {
				t.Errorf("GET %s (Accept-Language %q): %d %q %q; want 404 not_found %q",
					c.path, l.header, resp.StatusCode, eb.Error.Code, eb.Error.Message, l.want)
			}
		}
	}
}
