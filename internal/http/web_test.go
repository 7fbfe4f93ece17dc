package http

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// TestPageCache: a key renders once for concurrent first readers; a stale page is served
// at once while one render runs in the background; a failed render is not kept.
func TestPageCache(t *testing.T) {
	var c pageCache
	var renders atomic.Int32
	release := make(chan struct{})
	build := func() (*rendered, error) {
		renders.Add(1)
		<-release
		return newRendered([]byte("page"), cachePublic), nil
	}
	done := make(chan *rendered, 10)
	for range 10 {
		go func() {
			r, _ := c.cached("k", build)
			done <- r
		}()
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	for range 10 {
		if r := <-done; string(r.raw) != "page" {
			t.Fatalf("got %q", r.raw)
		}
	}
	if n := renders.Load(); n != 1 {
		t.Fatalf("%d renders for 10 concurrent first readers, want 1", n)
	}
	// Make it stale: the next reader gets the old page at once and starts one render.
	c.mu.Lock()
	c.m["k"].until = time.Now().Add(-time.Second)
	c.mu.Unlock()
	slow := make(chan struct{})
	start := time.Now()
	r, err := c.cached("k", func() (*rendered, error) { <-slow; return newRendered([]byte("new"), cachePublic), nil })
	if err != nil || string(r.raw) != "page" || time.Since(start) > time.Second {
		t.Fatalf("stale read: %q, %v after %s", r.raw, err, time.Since(start))
	}
	close(slow)
	for deadline := time.Now().Add(5 * time.Second); ; {
		r, _ := c.cached("k", build)
		if string(r.raw) == "new" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the background render never replaced the stale page")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// A failed first render is not kept.
	if _, err := c.cached("bad", func() (*rendered, error) { return nil, errors.New("boom") }); err == nil {
		t.Fatal("no error")
	}
	if r, err := c.cached("bad", func() (*rendered, error) { return newRendered([]byte("ok"), cachePublic), nil }); err != nil || string(r.raw) != "ok" {
		t.Fatalf("after a failure: %v", err)
	}
}

func TestGzipPage(t *testing.T) {
	raw := bytes.Repeat([]byte("<tr><td>results</td></tr>\n"), 500)
	r := newRendered(raw, cachePublic)
	if len(r.gz) == 0 || len(r.gz) > len(raw)/5 {
		t.Fatalf("gzip %d bytes of %d", len(r.gz), len(raw))
	}
	zr, err := gzip.NewReader(bytes.NewReader(r.gz))
	if err != nil {
		t.Fatal(err)
	}
	back, _ := io.ReadAll(zr)
	if !bytes.Equal(back, raw) {
		t.Fatal("gzip does not round-trip")
	}
	for h, want := range map[string]bool{"gzip": true, "gzip, deflate, br": true, "br;q=1, gzip;q=0.5": true, "gzip;q=0": false, "identity": false, "": false} {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Accept-Encoding", h)
		if got := acceptsGzip(req); got != want {
			t.Errorf("Accept-Encoding %q: gzip %v, want %v", h, got, want)
		}
	}
}
