package ledger

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/transparency-dev/tessera/client"
	"golang.org/x/mod/sumdb/note"
)

func TestHandler(t *testing.T) {
	dir := t.TempDir()
	ev := newMemEvents()
	l := openLedger(t, testConfig(t, dir), ev)
	for i := 1; i <= 300; i++ {
		ev.addReport("mn-2024", envelope(i))
	}
	l.Notify()
	if _, err := l.AwaitProof(testCtx(t, 10*time.Second), 299); err != nil {
		t.Fatal(err)
	}
	// Files that must never be served.
	os.WriteFile(filepath.Join(l.cfg.Dir, "checkpoint12345"), []byte("temporary"), 0o644)
	os.WriteFile(filepath.Join(dir, "secret"), []byte("secret"), 0o644)

	mux := http.NewServeMux()
	mux.Handle("/log/", l.Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()

	get := func(method, path string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	for _, c := range []struct {
		path, ctype, cache string
	}{
		{"/log/checkpoint", "text/plain; charset=utf-8", cacheCheckpoint},
		{"/log/tile/0/000", "application/octet-stream", cacheImmutable},
		{"/log/tile/0/001.p/44", "application/octet-stream", cachePartial},
		{"/log/tile/1/000.p/1", "application/octet-stream", cachePartial},
		{"/log/tile/entries/000", "application/octet-stream", cacheImmutable},
		{"/log/tile/entries/001.p/44", "application/octet-stream", cachePartial},
	} {
		resp, body := get("GET", c.path)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != c.ctype || resp.Header.Get("Cache-Control") != c.cache ||
			resp.Header.Get("Access-Control-Allow-Origin") != "*" || len(body) == 0 {
			t.Errorf("GET %s: %d %q %q %q, %d bytes", c.path, resp.StatusCode, resp.Header.Get("Content-Type"),
				resp.Header.Get("Cache-Control"), resp.Header.Get("Access-Control-Allow-Origin"), len(body))
		}
		want, _ := os.ReadFile(filepath.Join(l.cfg.Dir, c.path[len("/log/"):]))
		if !bytes.Equal(body, want) {
			t.Errorf("GET %s: body differs from the file", c.path)
		}
		if resp, body := get("HEAD", c.path); resp.StatusCode != 200 || len(body) != 0 {
			t.Errorf("HEAD %s: %d, %d bytes", c.path, resp.StatusCode, len(body))
		}
	}
	for _, p := range []string{
		"/log/", "/log/.state/treeState", "/log/.sequencer.lock", "/log/checkpoint12345",
		"/log/tile/0/0", "/log/tile/0/000.p/0", "/log/tile/0/000.p/256", "/log/tile/64/000",
		"/log/tile/0/x000/000", "/log/tile/entries/000.p/044", "/log/tile/0/000/", "/log/tile/0//000",
		"/log/tile/0/000.p/44/../../../secret", "/log/tile/entries/../../../secret", "/log/%2e%2e/secret",
		"/log/tile/entries/000.p/5%2f..%2f..%2f..%2f..%2fsecret", "/log/tile/0/002",
	} {
		if resp, _ := get("GET", p); resp.StatusCode != 404 && resp.StatusCode != 301 && resp.StatusCode != 307 {
			t.Errorf("GET %s: %d, want 404 (or the mux's redirect to a clean path)", p, resp.StatusCode)
		}
	}
	// The handler itself, without a mux that cleans paths.
	for _, p := range []string{"/log/../secret", "/log/tile/../../secret", "/../secret", "/log/tile/0/../../../secret"} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/", nil)
		req.URL.Path = p
		l.Handler().ServeHTTP(rec, req)
		if rec.Code != 404 {
			t.Errorf("raw GET %s: %d, want 404", p, rec.Code)
		}
	}
	if resp, _ := get("POST", "/log/checkpoint"); resp.StatusCode != 405 {
		t.Errorf("POST: %d, want 405", resp.StatusCode)
	}
	if resp, _ := get("OPTIONS", "/log/checkpoint"); resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("OPTIONS: %d", resp.StatusCode)
	}

	// A mirror reads the log over HTTP with Tessera's client.
	ctx := testCtx(t, 10*time.Second)
	f, _ := client.NewHTTPFetcher(mustURL(t, srv.URL+"/log/"), nil)
	nv, err := note.NewVerifier(l.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	cp, _, _, err := client.FetchCheckpoint(ctx, f.ReadCheckpoint, nv, testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := client.NewProofBuilder(ctx, cp.Size, f.ReadTile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pb.InclusionProof(ctx, 123); err != nil {
		t.Fatal(err)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
