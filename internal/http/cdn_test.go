package http

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestCDNHeaders checks the headers docs/cdn.md promises a CDN in front of the server:
// public pages cacheable for 5 seconds with a strong ETag per encoding, Vary on
// Accept-Encoding and Accept-Language, and 304 to a matching If-None-Match; the public
// API cacheable for 5 seconds; errors and device answers never stored. (The log's
// tiles and checkpoint are checked in internal/ledger's handler test.)
func TestCDNHeaders(t *testing.T) {
	env := newPublicEnv(t)
	client := &http.Client{Transport: &http.Transport{DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(method, path string, header map[string]string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, env.ts.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	for _, path := range env.pages() {
		gz, body := do("GET", path, map[string]string{"Accept-Encoding": "gzip"})
		tag := gz.Header.Get("ETag")
		vary := strings.Join(gz.Header.Values("Vary"), ", ")
		if gz.StatusCode != 200 || gz.Header.Get("Cache-Control") != "public, max-age=5" || gz.Header.Get("Content-Encoding") != "gzip" ||
			!strings.HasPrefix(tag, `"`) || !strings.HasSuffix(tag, `-gz"`) || !strings.Contains(vary, "Accept-Encoding") || !strings.Contains(vary, "Accept-Language") ||
			gz.Header.Get("Content-Language") == "" || len(body) == 0 {
			t.Errorf("%s gzipped: %s, Cache-Control %q, Content-Encoding %q, ETag %q, Vary %q, Content-Language %q, %d bytes", path, gz.Status,
				gz.Header.Get("Cache-Control"), gz.Header.Get("Content-Encoding"), tag, vary, gz.Header.Get("Content-Language"), len(body))
			continue
		}
		plain, raw := do("GET", path, nil)
		ptag := plain.Header.Get("ETag")
		if plain.StatusCode != 200 || plain.Header.Get("Content-Encoding") != "" || ptag == tag || strings.HasSuffix(ptag, `-gz"`) ||
			strings.TrimSuffix(tag, `-gz"`) != strings.TrimSuffix(ptag, `"`) || len(raw) <= len(body) {
			t.Errorf("%s plain: %s, ETag %q (gzipped %q), %d bytes (gzipped %d)", path, plain.Status, ptag, tag, len(raw), len(body))
		}
		nm, nb := do("GET", path, map[string]string{"Accept-Encoding": "gzip", "If-None-Match": `"other", ` + tag})
		if nm.StatusCode != http.StatusNotModified || len(nb) != 0 || nm.Header.Get("ETag") != tag || nm.Header.Get("Cache-Control") != "public, max-age=5" {
			t.Errorf("%s If-None-Match %s: %s, %d bytes, ETag %q", path, tag, nm.Status, len(nb), nm.Header.Get("ETag"))
		}
		// The gzipped form's ETag does not match the plain form.
		if other, _ := do("GET", path, map[string]string{"If-None-Match": tag}); other.StatusCode != 200 {
			t.Errorf("%s plain with the gzipped ETag: %s, want 200", path, other.Status)
		}
	}
	id := env.p.Election.ID
	for _, c := range []struct {
		method, path, cache string
		status              int
	}{
		{"GET", "/api/v1/elections/" + id, "public, max-age=5", 200},
		{"GET", "/api/v1/elections/" + id + "/contests", "public, max-age=5", 200},
		{"GET", "/api/v1/elections/no-such-election", "no-store", 404},
		{"GET", env.base + "/areas/NO-SUCH-AREA", "no-store", 404},
		{"POST", "/api/v1/reports", "no-store", 400},
		{"POST", "/api/v1/devices", "no-store", 400},
		{"GET", env.base + "/report", "no-store", 200},
	} {
		resp, _ := do(c.method, c.path, nil)
		if resp.StatusCode != c.status || resp.Header.Get("Cache-Control") != c.cache {
			t.Errorf("%s %s: %s, Cache-Control %q; want %d, %q", c.method, c.path, resp.Status, resp.Header.Get("Cache-Control"), c.status, c.cache)
		}
	}
}

// TestStaticPage checks the ceiling of iltod bench: the page's own headers replayed, the
// same bytes gzipped with their ETag, and conditional GET.
func TestStaticPage(t *testing.T) {
	raw := []byte(strings.Repeat("<p>results</p>", 500))
	h := StaticPage(raw, http.Header{"Content-Language": {"mn"}, "Vary": {"Accept-Language", "Accept-Encoding"},
		"Cache-Control": {"public, max-age=5"}, "Content-Security-Policy": {"default-src 'self'"}, "Etag": {`"stale"`}, "Content-Length": {"1"}})
	rec := func(header map[string]string) *http.Response {
		req, _ := http.NewRequest("GET", "/bench/static", nil)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		w := &recorder{header: http.Header{}}
		h.ServeHTTP(w, req)
		return &http.Response{StatusCode: w.status, Header: w.header, ContentLength: int64(w.n)}
	}
	gz := rec(map[string]string{"Accept-Encoding": "gzip"})
	tag := gz.Header.Get("ETag")
	if gz.StatusCode != 200 || gz.Header.Get("Content-Encoding") != "gzip" || gz.ContentLength == 0 || gz.ContentLength >= int64(len(raw)) ||
		!strings.HasSuffix(tag, `-gz"`) || gz.Header.Get("Content-Language") != "mn" || gz.Header.Get("Content-Security-Policy") == "" ||
		gz.Header.Get("Cache-Control") != "public, max-age=5" || strings.Join(gz.Header.Values("Vary"), ", ") != "Accept-Language, Accept-Encoding" {
		t.Fatalf("gzipped: %d, %v, %d bytes", gz.StatusCode, gz.Header, gz.ContentLength)
	}
	if nm := rec(map[string]string{"Accept-Encoding": "gzip", "If-None-Match": "W/" + tag}); nm.StatusCode != 304 || nm.ContentLength != 0 {
		t.Errorf("If-None-Match: %d, %d bytes", nm.StatusCode, nm.ContentLength)
	}
	if plain := rec(nil); plain.StatusCode != 200 || plain.ContentLength != int64(len(raw)) || plain.Header.Get("ETag") == tag {
		t.Errorf("plain: %d, %d bytes, ETag %q", plain.StatusCode, plain.ContentLength, plain.Header.Get("ETag"))
	}
}

type recorder struct {
	header http.Header
	status int
	n      int
}

func (w *recorder) Header() http.Header { return w.header }
func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = 200
	}
	w.n += len(b)
	return len(b), nil
}
func (w *recorder) WriteHeader(status int) { w.status = status }
