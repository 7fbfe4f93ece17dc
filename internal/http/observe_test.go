package http

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/iltod/iltod/locales"
)

// TestObserveShell checks what the observer app is served as: its own files only,
// under a strict CSP, each with the app's version, and all within the size a cheap
// phone on a weak signal can fetch.
func TestObserveShell(t *testing.T) {
	s := NewServer(nil, nil)
	for _, path := range []string{"/observe/", "/observe/app.js", "/observe/app.css", "/observe/sw.js",
		"/observe/messages.json", "/observe/manifest.webmanifest", "/observe/icon.svg", "/observe/icon-192.png", "/observe/icon-512.png"} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		s.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: %d", path, rec.Code)
			continue
		}
		if got := rec.Header().Get("Content-Security-Policy"); got != observeCSP {
			t.Errorf("GET %s: CSP %q", path, got)
		}
		for _, bad := range []string{"'unsafe-inline'", "'unsafe-eval'", "http:", "https:", "*"} {
			if strings.Contains(rec.Header().Get("Content-Security-Policy"), bad) {
				t.Errorf("GET %s: the CSP allows %s", path, bad)
			}
		}
		if rec.Header().Get("ETag") != `"`+observe.version+`"` {
			t.Errorf("GET %s: ETag %q", path, rec.Header().Get("ETag"))
		}
	}
	// A request with the version it has is answered 304, which keeps updates cheap.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/observe/app.js", nil)
	req.Header.Set("If-None-Match", `"`+observe.version+`"`)
	s.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified {
		t.Errorf("GET app.js with its ETag: %d, want 304", rec.Code)
	}
	rec = httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/observe/nothing.js", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("GET /observe/nothing.js: %d, want 404", rec.Code)
	}

	sw := string(observe.files["sw.js"].body)
	if !strings.Contains(sw, observe.version) || strings.Contains(sw, "__VERSION__") {
		t.Error("sw.js is not stamped with the app's version")
	}
	// Every file the service worker keeps is served.
	for _, m := range regexp.MustCompile(`'/observe/([^']*)'`).FindAllStringSubmatch(sw, -1) {
		if _, ok := observe.files[m[1]]; !ok {
			t.Errorf("sw.js caches /observe/%s, which the server does not serve", m[1])
		}
	}

	raw, gz := ObserveShellSize()
	t.Logf("the observer app's shell: %d bytes, %d gzipped", raw, gz)
	if gz > 150<<10 {
		t.Errorf("the shell is %d bytes gzipped, more than 150 KB", gz)
	}
}

// TestObserveWords checks that the app's words come from the catalogue: every key that
// app.js and the shell name exists in every language, messages.json carries the same
// keys for each, and app.js writes no sentence of its own.
func TestObserveWords(t *testing.T) {
	js := string(observe.files["app.js"].body)
	var msgs struct {
		Default   string                       `json:"default"`
		Languages []string                     `json:"languages"`
		Messages  map[string]map[string]string `json:"messages"`
	}
	if err := json.Unmarshal(observe.files["messages.json"].body, &msgs); err != nil {
		t.Fatal(err)
	}
	if msgs.Default != "mn" {
		t.Errorf("the app's default language is %q, want mn", msgs.Default)
	}
	used := regexp.MustCompile(`'(observe\.[a-z0-9_]+)'`).FindAllStringSubmatch(js, -1)
	if len(used) < 50 {
		t.Fatalf("found %d keys in app.js; the scan is broken", len(used))
	}
	for _, m := range used {
		if strings.HasSuffix(m[1], "_") {
			continue // the start of a key built from data, checked below
		}
		for _, lang := range locales.Languages {
			if _, ok := msgs.Messages[lang][m[1]]; !ok {
				t.Errorf("app.js names %s, which messages.json lacks in %s", m[1], lang)
			}
		}
	}
	// Keys built from data: the checks a phone runs.
	for _, code := range []string{"valid-sum", "cast-sum", "over-voting", "block-candidate-le-cast", "block-sum-le-seats-valid"} {
		key := "observe.check_" + strings.ReplaceAll(code, "-", "_")
		if !locales.Has(key) {
			t.Errorf("no message %s for the phone check %s", key, code)
		}
	}
	for _, lang := range locales.Languages {
		for key := range msgs.Messages[lang] {
			if strings.Count(key, ".") != 1 && !strings.HasPrefix(key, "observe.relay.") {
				t.Errorf("messages.json (%s) carries %s, which is not the app's: only [observe] and [observe.relay] reach the phone", lang, key)
			}
		}
		if len(msgs.Messages[lang]) != len(msgs.Messages[locales.Fallback]) {
			t.Errorf("%s has %d messages, %s %d", lang, len(msgs.Messages[lang]), locales.Fallback, len(msgs.Messages[locales.Fallback]))
		}
	}
	// No words in the script: string literals hold keys, selectors, names and formats.
	// A literal with two words of letters and a space is a sentence that belongs in the
	// catalogue.
	lit := regexp.MustCompile(`'([^'\n]*)'|"([^"\n]*)"`)
	words := regexp.MustCompile(`\b[A-Za-z]{2,} [A-Za-z]{2,} [A-Za-z]{2,}\b`)
	code := regexp.MustCompile(`(?m)^\s*//.*$`).ReplaceAllString(js, "")
	for _, m := range lit.FindAllStringSubmatch(code, -1) {
		s := m[1] + m[2]
		if words.MatchString(s) && !strings.HasPrefix(s, "canonical JSON") {
			t.Errorf("app.js writes the words %q: put them in the catalogue", s)
		}
	}
}
