// Package http serves iltod over HTTP: the read-only JSON API under /api/v1/ (documented
// in docs/openapi.yaml), a plain status page at /, and its embedded stylesheet.
//
// Every handler goes through internal/app, never a store, so the rules that app enforces
// hold here too. Observers are not exposed: no route returns an observer's name or phone.
//
// Inside this package the standard library's net/http is imported under its own name;
// callers that need both import this package under another name, e.g. iltodhttp.
package http

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/odk"
)

// Server timeouts and limits. They are always set: a server without them can be held
// open by slow clients.
const (
	ReadHeaderTimeout = 5 * time.Second
	ReadTimeout       = 15 * time.Second
	WriteTimeout      = 60 * time.Second
	IdleTimeout       = 120 * time.Second
	MaxHeaderBytes    = 64 << 10
	// ShutdownTimeout bounds how long Serve waits for requests in flight once its context
	// ends; connections still open after it are closed.
	ShutdownTimeout = 10 * time.Second
)

// Server serves iltod's HTTP API and pages over an *app.App. Create it with NewServer.
// It is safe for concurrent use.
type Server struct {
	app      *app.App
	log      *slog.Logger
	mux      *http.ServeMux
	handler  http.Handler
	areas    *areaCache
	tiles    http.Handler // the log's tiles, if the server keeps a log
	pages    pageCache    // rendered public pages
	web      WebConfig    // the staff console's origin and cookies
	tls      *tls.Config  // HTTPS when set (SetTLS)
	caDER    []byte       // the local CA's certificate, offered at /tls/ca.crt (SetLocalCA)
	gateways gatewaySet   // the SMS and messenger gateways served (SetGateways)
	odkKey   []byte       // binds the OpenRosa server's Digest nonces (odk.go)
	mirrors  []string     // the mirrors' base URLs, told to the observer app (SetMirrors)
	csp      string       // the observer app's Content-Security-Policy, naming the mirrors
}

// NewServer returns a Server over a. A nil logger discards. The templates are parsed when
// the package is initialised, so a broken template stops the program before it serves.
func NewServer(a *app.App, logger *slog.Logger) *Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		app:    a,
		log:    logger,
		mux:    http.NewServeMux(),
		areas:  newAreaCache(areaCacheTTL),
		odkKey: odk.NewKey(),
		csp:    observeCSP,
	}
	for _, rt := range s.routes() {
		s.mux.Handle(rt.pattern, rt.handler)
	}
	s.handler = s.secure(s.recoverPanic(http.HandlerFunc(s.dispatch)))
	return s
}

// Handler returns the server's root handler, for tests and for embedding under another
// server. It applies the security headers to every response.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve serves HTTP on ln (HTTPS if SetTLS was called) until ctx ends, then stops accepting connections and waits up to
// ShutdownTimeout for requests in flight before closing what remains. It closes ln. It
// returns nil after a shutdown caused by ctx, and otherwise the error that stopped it.
// Requests are not cancelled when ctx ends; they are given the grace period to finish.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		// The server's own lines name peers ("TLS handshake error from …"): never an
		// address in the log (report_anon_log.go).
		ErrorLog:    slog.NewLogLogger(scrubAddresses(s.log.Handler()), slog.LevelWarn),
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	if s.tls != nil {
		srv.TLSConfig = s.tls.Clone()
		go func() { errc <- srv.ServeTLS(ln, "", "") }()
	} else {
		go func() { errc <- srv.Serve(ln) }()
	}
	s.log.InfoContext(ctx, "http server listening", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("serve http: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		s.log.WarnContext(ctx, "http server shutdown incomplete; closing connections", "err", err)
		srv.Close()
	}
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		return fmt.Errorf("serve http: %w", serr)
	}
	s.log.InfoContext(ctx, "http server stopped", "addr", ln.Addr().String())
	if err != nil {
		return fmt.Errorf("shut down http: %w", err)
	}
	return nil
}

// Start listens on addr (such as "127.0.0.1:0", which picks a free port) and serves in the
// background until ctx ends, as Serve does. It returns the address it is bound to and a
// channel that receives the result of Serve once and is then closed. An error listening is
// returned at once and nothing is started.
func (s *Server) Start(ctx context.Context, addr string) (net.Addr, <-chan error, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	done := make(chan error, 1)
	go func() {
		done <- s.Serve(ctx, ln)
		close(done)
	}()
	return ln.Addr(), done, nil
}

// dispatch hands the request to the mux, except that under /api/ an unknown route or a
// wrong method is answered in the API's JSON error format rather than as plain text.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		if h, pattern := s.mux.Handler(r); pattern == "" {
			// The mux would answer 404, or 405 with Allow. Learn which, then say it in JSON.
			rec := &statusRecorder{header: http.Header{}}
			h.ServeHTTP(rec, r)
			if rec.status == http.StatusMethodNotAllowed {
				w.Header().Set("Allow", rec.header.Get("Allow"))
				s.writeError(w, r, errMethodNotAllowed(r.Method))
				return
			}
			s.writeError(w, r, errNoRoute(r.URL.Path))
			return
		}
	}
	s.mux.ServeHTTP(w, r)
}

// statusRecorder is a ResponseWriter that keeps the header and status and drops the body.
type statusRecorder struct {
	header http.Header
	status int
}

func (rec *statusRecorder) Header() http.Header { return rec.header }
func (rec *statusRecorder) Write(b []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return len(b), nil
}
func (rec *statusRecorder) WriteHeader(status int) {
	if rec.status == 0 {
		rec.status = status
	}
}

// contentSecurityPolicy allows nothing but the server's own stylesheets and images: the
// pages need no JavaScript, and no page may be framed.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// secure sets the headers every response carries, whatever route answers it.
func (s *Server) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setHeaders(w.Header(), securityHeaders)
		next.ServeHTTP(w, r)
	})
}

// securityHeaders are the header fields every response carries (see secure).
var securityHeaders = http.Header{
	"Content-Security-Policy":    {contentSecurityPolicy},
	"X-Content-Type-Options":     {"nosniff"},
	"X-Frame-Options":            {"DENY"},
	"Referrer-Policy":            {"no-referrer"},
	"Cross-Origin-Opener-Policy": {"same-origin"},
}

// setHeaders sets the fields of fixed in h, sharing their values: fixed's keys are
// canonical and its slices full (len == cap), so that h.Add copies rather than writes
// into them. On election night every reader's response pays for its headers; this way
// they cost no canonicalising and no allocation but the map's.
func setHeaders(h, fixed http.Header) {
	for k, v := range fixed {
		h[k] = v[:len(v):len(v)]
	}
}

// recoverPanic turns a panic in a handler into a logged internal error, so that one bad
// request neither kills the connection silently nor shows a stack trace to the caller.
func (s *Server) recoverPanic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.ErrorContext(r.Context(), "http handler panicked", "method", r.Method, "path", r.URL.Path,
				"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			s.writeError(w, r, errors.New("handler panicked"))
		}()
		next.ServeHTTP(w, r)
	})
}
