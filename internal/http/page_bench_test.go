package http

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkPageVsStatic serves the overview of the demonstration election as "iltod bench"
// reads it (its path without a query, gzip accepted, no Accept-Language) through the
// server's handler, and beside it the same bytes from StaticPage, the ceiling the bench
// holds the page to: what the page costs a request beyond the static file is the
// difference of the two sub-benchmarks' ns/op and allocs/op.
func BenchmarkPageVsStatic(b *testing.B) {
	env := newPublicEnv(b)
	path := env.base + "/"
	newRequest := func() *http.Request {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		req.Header.Set("User-Agent", "iltod-loadtest")
		return req
	}
	rec := httptest.NewRecorder()
	env.srv.Handler().ServeHTTP(rec, newRequest())
	if rec.Code != http.StatusOK {
		b.Fatalf("status %d", rec.Code)
	}
	plain := httptest.NewRecorder()
	req := newRequest()
	req.Header.Del("Accept-Encoding")
	env.srv.Handler().ServeHTTP(plain, req)
	static := StaticPage(plain.Body.Bytes(), plain.Result().Header)
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"page", env.srv.Handler()}, {"static", static}} {
		b.Run(c.name, func(b *testing.B) {
			req := newRequest()
			b.ReportAllocs()
			for b.Loop() {
				w := &discardWriter{header: http.Header{}}
				c.h.ServeHTTP(w, req)
				if w.status != http.StatusOK {
					b.Fatalf("status %d", w.status)
				}
			}
		})
	}
}
