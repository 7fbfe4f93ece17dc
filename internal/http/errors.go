package http

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/locales"
)

// codeMethodNotAllowed is the one error code that belongs to HTTP rather than to the
// domain: a route exists but not for the request's method.
const codeMethodNotAllowed iltod.ErrorCode = "method_not_allowed"

// statusOf is the one table from error codes to HTTP status codes. A code missing from it
// is answered as an internal error.
var statusOf = map[iltod.ErrorCode]int{
	iltod.EInvalid:       http.StatusBadRequest,
	iltod.EUnauthorized:  http.StatusUnauthorized,
	iltod.EForbidden:     http.StatusForbidden,
	iltod.ENotFound:      http.StatusNotFound,
	codeMethodNotAllowed: http.StatusMethodNotAllowed,
	iltod.EConflict:      http.StatusConflict,
	iltod.ETooLarge:      http.StatusRequestEntityTooLarge,
	iltod.ERateLimited:   http.StatusTooManyRequests,
	iltod.EInternal:      http.StatusInternalServerError,
	iltod.EUnavailable:   http.StatusServiceUnavailable,
	iltod.EBadSignature:  http.StatusUnauthorized,
	iltod.EUnknownKey:    http.StatusUnauthorized,
	iltod.ERevokedKey:    http.StatusForbidden,
	iltod.ENotAssigned:   http.StatusForbidden,
}

// errorBody is the JSON form of every API error: {"error":{"code":…,"message":…}}.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    iltod.ErrorCode `json:"code"`
	Message string          `json:"message"`
}

// Cache-Control values. Public data may be cached briefly, so that a CDN or browser can
// absorb election-night reading; errors are not cached, so a fixed fault heals at once.
const (
	cachePublic = "public, max-age=5"
	cacheStatic = "public, max-age=3600"
	cacheNone   = "no-store"
)

// publicError returns the code, status and caller-safe message for err, the message in
// lang (see iltod.ErrorMessageIn). Internal errors, and codes the table does not know,
// are reported as "internal error" only; an unavailable store says what it lacks.
func publicError(err error, lang string) (iltod.ErrorCode, int, string) {
	code := iltod.ErrorCodeOf(err)
	status, ok := statusOf[code]
	if !ok || status >= 500 && code != iltod.EUnavailable {
		return iltod.EInternal, http.StatusInternalServerError, tr(lang, "error.internal")
	}
	return code, status, iltod.ErrorMessageIn(err, lang)
}

// apiLang is the language of the API's error messages: the one of the catalogue that
// Accept-Language ranks highest, else English, which API clients have always been
// answered in.
func apiLang(r *http.Request) string {
	return locales.Negotiate(r.Header.Get("Accept-Language"), locales.Fallback)
}

// writeError answers err in the API's JSON format, its message in the language of
// Accept-Language (its code is the same in every language). An internal error is logged
// in full (the error chain names no observer and no secret: stores and app do not put them
// in errors) and shown only as "internal error".
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	lang := apiLang(r)
	code, status, msg := publicError(err, lang)
	s.logError(r, status, err)
	w.Header().Set("Cache-Control", cacheNone)
	w.Header().Set("Content-Language", lang)
	s.writeJSONStatus(w, r, status, errorBody{Error: errorDetail{Code: code, Message: msg}})
}

// logError logs the failure of a request: in full at error level when it is the server's
// fault, and briefly at debug level when it is the caller's.
func (s *Server) logError(r *http.Request, status int, err error) {
	ctx := r.Context()
	switch {
	case status < 500:
		s.log.DebugContext(ctx, "http request refused", "method", r.Method, "path", r.URL.Path,
			"status", status, "err", err)
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		s.log.DebugContext(ctx, "http request abandoned by client", "method", r.Method, "path", r.URL.Path)
	default:
		s.log.ErrorContext(ctx, "http request failed", "method", r.Method, "path", r.URL.Path,
			"status", status, "err", err)
	}
}

// writeJSON answers 200 with v as JSON, cacheable as public data.
func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, v any) {
	w.Header().Set("Cache-Control", cachePublic)
	s.writeJSONStatus(w, r, http.StatusOK, v)
}

// writeJSONStatus encodes v before writing anything, so that an encoding failure can still
// be answered as an internal error.
func (s *Server) writeJSONStatus(w http.ResponseWriter, r *http.Request, status int, v any) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		if _, isErr := v.(errorBody); isErr {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		s.writeError(w, r, fmt.Errorf("encode json response: %w", err))
		return
	}
	s.writeJSONBytes(w, r, status, buf.Bytes())
}

// writeJSONBytes writes body, JSON already encoded, with status.
func (s *Server) writeJSONBytes(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	w.Write(body) // An error here means the client has gone; there is no one to tell.
}

// errNoRoute is the error for a path under /api/ that no route serves.
func errNoRoute(path string) error {
	return iltod.E(iltod.ENotFound, "error.no_route", locales.Args{"Path": path})
}

// errMethodNotAllowed is the error for a route asked with a method it does not serve.
func errMethodNotAllowed(method string) error {
	return iltod.E(codeMethodNotAllowed, "error.method_not_allowed", locales.Args{"Method": method})
}

// APIError returns the code, HTTP status and caller-safe message, in lang, of err as the
// API answers it (see writeError). The mirror's relay answers with it, so that its
// errors read as the origin's.
func APIError(err error, lang string) (iltod.ErrorCode, int, string) { return publicError(err, lang) }

// APILang returns the language the API answers r in (see apiLang).
func APILang(r *http.Request) string { return apiLang(r) }

// StatusOf returns the HTTP status of an error code, 500 for a code the table does not
// know.
func StatusOf(code iltod.ErrorCode) int {
	if s, ok := statusOf[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}
