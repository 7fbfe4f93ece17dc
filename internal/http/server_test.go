package http

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/sqlstore"
	"github.com/iltod/iltod/internal/synth"
)

// testEnv is a real server over a real SQLite store in a temporary directory, reached
// over TCP with a real client.
type testEnv struct {
	t      *testing.T
	base   string
	client *http.Client
	app    *app.App
	srv    *Server
	logs   *syncBuffer
}

// syncBuffer collects the server's log so that tests can read it; it is safe for
// concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newTestEnv opens a store, loads pkgs into it, and starts a server on 127.0.0.1:0. The
// server is shut down, and its shutdown checked, when the test ends.
func newTestEnv(t *testing.T, pkgs ...*iltod.Package) *testEnv {
	t.Helper()
	ctx := context.Background()
	store, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "iltod.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		if err := store.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	a := app.New(store, nil)
	for _, p := range pkgs {
		if err := a.LoadPackage(app.SystemContext(ctx), p, false); err != nil {
			t.Fatalf("load %s: %v", p.Election.ID, err)
		}
	}
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := NewServer(a, logger)
	sctx, cancel := context.WithCancel(ctx)
	addr, done, err := srv.Start(sctx, "127.0.0.1:0")
	if err != nil {
		cancel()
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("server stopped with %v", err)
			}
		case <-time.After(ShutdownTimeout + 5*time.Second):
			t.Errorf("server did not stop")
		}
	})
	return &testEnv{
		t:      t,
		base:   "http://" + addr.String(),
		client: &http.Client{Timeout: 60 * time.Second},
		app:    a,
		srv:    srv,
		logs:   logs,
	}
}

// do sends a request without a body and returns the response with its body read.
func (env *testEnv) do(method, path string, header ...string) (*http.Response, []byte) {
	env.t.Helper()
	req, err := http.NewRequest(method, env.base+path, nil)
	if err != nil {
		env.t.Fatalf("%s %s: %v", method, path, err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := env.client.Do(req)
	if err != nil {
		env.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		env.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp, body
}

// getJSON GETs path, expects 200 with the API's headers, and decodes the body into v.
func (env *testEnv) getJSON(path string, v any) *http.Response {
	env.t.Helper()
	resp, body := env.do(http.MethodGet, path)
	if resp.StatusCode != http.StatusOK {
		env.t.Fatalf("GET %s: status %d, body %s", path, resp.StatusCode, body)
	}
	checkJSONHeaders(env.t, "GET "+path, resp)
	if got := resp.Header.Get("Cache-Control"); got != cachePublic {
		env.t.Errorf("GET %s: Cache-Control %q, want %q", path, got, cachePublic)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		env.t.Fatalf("GET %s: decode %s: %v", path, body, err)
	}
	return resp
}

// wantError sends a request and expects an API error with the given status and code.
func (env *testEnv) wantError(method, path string, status int, code iltod.ErrorCode) *http.Response {
	env.t.Helper()
	resp, body := env.do(method, path)
	if resp.StatusCode != status {
		env.t.Errorf("%s %s: status %d, want %d (body %s)", method, path, resp.StatusCode, status, body)
		return resp
	}
	checkJSONHeaders(env.t, method+" "+path, resp)
	if got := resp.Header.Get("Cache-Control"); got != cacheNone {
		env.t.Errorf("%s %s: Cache-Control %q, want %q", method, path, got, cacheNone)
	}
	var e struct {
		Error struct {
			Code    iltod.ErrorCode `json:"code"`
			Message string          `json:"message"`
		} `json:"error"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		env.t.Errorf("%s %s: error body %s: %v", method, path, body, err)
		return resp
	}
	if e.Error.Code != code {
		env.t.Errorf("%s %s: code %q, want %q", method, path, e.Error.Code, code)
	}
	if e.Error.Message == "" {
		env.t.Errorf("%s %s: empty error message", method, path)
	}
	return resp
}

// checkJSONHeaders checks the headers every JSON response carries.
func checkJSONHeaders(t *testing.T, what string, resp *http.Response) {
	t.Helper()
	want := map[string]string{
		"Content-Type":            "application/json; charset=utf-8",
		"X-Content-Type-Options":  "nosniff",
		"Content-Security-Policy": contentSecurityPolicy,
	}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s: %s %q, want %q", what, k, got, v)
		}
	}
}

// sameJSON reports whether got and want encode to the same JSON.
func sameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	g, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	w, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(g, w) {
		t.Errorf("%s:\n got %s\nwant %s", what, truncateForLog(g), truncateForLog(w))
	}
}

func truncateForLog(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}

// demoPackage is a synthetic demonstration election, as synth makes it.
func demoPackage(stations int, seed int64) *iltod.Package {
	return synth.Package(stations, seed)
}

// realPackage is a synthetic election not marked as a demonstration, with its own id.
func realPackage(id string, stations int, seed int64) *iltod.Package {
	p := synth.Package(stations, seed)
	p.Election.ID = id
	p.Election.Demo = false
	p.Election.Name = iltod.Text{"mn": "Туршилтын бодит сонгууль", "en": "Trial real election"}
	return p
}

func TestStartAndShutdown(t *testing.T) {
	ctx := context.Background()
	store, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "iltod.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	srv := NewServer(app.New(store, nil), nil)

	if _, _, err := srv.Start(ctx, "127.0.0.1:-1"); err == nil {
		t.Errorf("Start on a bad address: no error")
	}

	sctx, cancel := context.WithCancel(ctx)
	addr, done, err := srv.Start(sctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + addr.String() + "/healthz"
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "ok" {
		t.Errorf("GET /healthz: %d %q, want 200 \"ok\"", resp.StatusCode, body)
	}
	if got := resp.Header.Get("Cache-Control"); got != cacheNone {
		t.Errorf("GET /healthz: Cache-Control %q, want %q", got, cacheNone)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve returned %v after its context ended, want nil", err)
		}
	case <-time.After(ShutdownTimeout + 5*time.Second):
		t.Fatal("server did not shut down")
	}
	if _, ok := <-done; ok {
		t.Errorf("done channel not closed after its one value")
	}
	if resp, err := http.Get(url); err == nil {
		resp.Body.Close()
		t.Errorf("GET after shutdown: status %d, want a connection error", resp.StatusCode)
	}
}

func TestServeWaitsForRequestsInFlight(t *testing.T) {
	srv := NewServer(app.New(nil, nil), nil)
	started := make(chan struct{})
	release := make(chan struct{})
	srv.mux.HandleFunc("GET /test/slow", func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		fmt.Fprint(w, "finished")
	})
	ctx, cancel := context.WithCancel(context.Background())
	addr, done, err := srv.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + addr.String() + "/test/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- result{string(b), err}
	}()
	<-started
	cancel()
	time.Sleep(50 * time.Millisecond) // let Shutdown begin
	close(release)
	r := <-got
	if r.err != nil || r.body != "finished" {
		t.Errorf("request in flight during shutdown: %q, %v; want it to finish", r.body, r.err)
	}
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
}

func TestPanicIsInternalError(t *testing.T) {
	logs := &syncBuffer{}
	srv := NewServer(app.New(nil, nil), slog.New(slog.NewTextHandler(logs, nil)))
	srv.mux.HandleFunc("GET /api/v1/test/panic", func(w http.ResponseWriter, r *http.Request) {
		panic("secret detail")
	})
	ctx, cancel := context.WithCancel(context.Background())
	addr, done, err := srv.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); <-done }()
	resp, err := http.Get("http://" + addr.String() + "/api/v1/test/panic")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", resp.StatusCode)
	}
	if want := `{"error":{"code":"internal","message":"internal error"}}`; strings.TrimSpace(string(body)) != want {
		t.Errorf("body %s, want %s", body, want)
	}
	if !strings.Contains(logs.String(), "secret detail") {
		t.Errorf("the panic was not logged: %s", logs.String())
	}
}

func TestPublicError(t *testing.T) {
	tests := []struct {
		err    error
		code   iltod.ErrorCode
		status int
		msg    string
	}{
		{iltod.Errorf(iltod.EInvalid, "bad"), iltod.EInvalid, 400, "bad"},
		{iltod.Errorf(iltod.EUnauthorized, "sign in"), iltod.EUnauthorized, 401, "sign in"},
		{iltod.Errorf(iltod.EForbidden, "no"), iltod.EForbidden, 403, "no"},
		{iltod.Errorf(iltod.ENotFound, "gone"), iltod.ENotFound, 404, "gone"},
		{iltod.Errorf(codeMethodNotAllowed, "method"), codeMethodNotAllowed, 405, "method"},
		{iltod.Errorf(iltod.EConflict, "exists"), iltod.EConflict, 409, "exists"},
		{iltod.Errorf(iltod.ETooLarge, "big"), iltod.ETooLarge, 413, "big"},
		{iltod.Errorf(iltod.ERateLimited, "slow down"), iltod.ERateLimited, 429, "slow down"},
		{fmt.Errorf("wrapped: %w", iltod.Errorf(iltod.ENotFound, "gone")), iltod.ENotFound, 404, "gone"},
		{iltod.Problems{{Field: "x", Message: "is wrong"}}, iltod.EInvalid, 400, "x: is wrong"},
		// Internal errors never show their text, even a message set by the caller.
		{&iltod.Error{Code: iltod.EInternal, Message: "db path /secret", Err: errors.New("disk")}, iltod.EInternal, 500, "internal error"},
		{errors.New("sqlite: table observers is locked"), iltod.EInternal, 500, "internal error"},
		{iltod.Errorf("weird", "unknown code"), iltod.EInternal, 500, "internal error"},
		// A store that cannot write says what it lacks, and not its cause.
		{&iltod.Error{Code: iltod.EUnavailable, Key: "error.storage.disk_full", Message: "the server's disk is full: nothing was stored; send it again later", Err: errors.New("/secret/path: no space")},
			iltod.EUnavailable, 503, "the server's disk is full: nothing was stored; send it again later"},
	}
	for _, tt := range tests {
		code, status, msg := publicError(tt.err, "en")
		if code != tt.code || status != tt.status || msg != tt.msg {
			t.Errorf("publicError(%v) = %q, %d, %q; want %q, %d, %q", tt.err, code, status, msg, tt.code, tt.status, tt.msg)
		}
	}
	// In Mongolian: a catalogued error and an internal one are in Mongolian, with the same
	// code; an error not yet in the catalogue keeps its English message.
	for _, tt := range []struct {
		err  error
		code iltod.ErrorCode
		msg  string
	}{
		{iltod.E(iltod.EInvalid, "error.flat", nil), iltod.EInvalid, "flat нь 1 эсвэл 0 байх ёстой"},
		{iltod.E(iltod.ETooLarge, "error.body_too_large", map[string]any{"Max": 8 << 20}), iltod.ETooLarge, "хүсэлтийн агуулга 8,388,608 байтаас их байна"},
		{fmt.Errorf("wrapped: %w", iltod.E(iltod.ENotFound, "error.no_log", nil)), iltod.ENotFound, "энэ сервер нийтийн бүртгэл хөтөлдөггүй"},
		{errors.New("disk"), iltod.EInternal, "дотоод алдаа"},
		{iltod.Errorf(iltod.EInvalid, "bad"), iltod.EInvalid, "bad"},
		{iltod.E(iltod.EUnavailable, "error.storage.unreachable", nil), iltod.EUnavailable, "сервер өгөгдлийн сантайгаа холбогдож чадахгүй байна: юу ч хадгалагдсангүй; дараа дахин илгээнэ үү"},
	} {
		code, _, msg := publicError(tt.err, "mn")
		if code != tt.code || msg != tt.msg {
			t.Errorf("publicError(%v, mn) = %q, %q; want %q, %q", tt.err, code, msg, tt.code, tt.msg)
		}
	}
	// Every domain code has a status.
	for _, c := range []iltod.ErrorCode{iltod.EInvalid, iltod.ENotFound, iltod.EConflict, iltod.EUnauthorized,
		iltod.EForbidden, iltod.ETooLarge, iltod.ERateLimited, iltod.EInternal, iltod.EUnavailable} {
		if _, ok := statusOf[c]; !ok {
			t.Errorf("no HTTP status for code %q", c)
		}
	}
}
