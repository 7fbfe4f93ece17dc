package http

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/auth"
	"github.com/iltod/iltod/locales"
)

// The web pages — the public results site and the staff console — share this file's
// foundation: one template set (templates/web/*.html) with a common layout, the words of
// every language from the message catalogue (package locales), page rendering with a short-lived cache for public pages, and the staff
// session guard (cookie, CSRF token, same-origin check).
//
// Pages use no JavaScript: the Content-Security-Policy allows none. Charts and the map are
// SVG drawn on the server (internal/svgchart, internal/topomap), inline in the page.

// tr returns the message key of the catalogue in lang, filled with data (see
// locales.Printer.T): never blank, and the key itself if the catalogue lacks it, which
// the catalogue's tests prevent.
func tr(lang, key string, data ...locales.Args) string { return locales.For(lang).T(key, data...) }

// trOr returns the message key in lang if the catalogue has it, else raw: for keys built
// from data (an area level, an electoral system), whose unknown values show as they are.
func trOr(lang, key, raw string) string {
	if !locales.Has(key) {
		return raw
	}
	return tr(lang, key)
}

// webFuncs are the template functions of the web pages, beyond those of page.
var webFuncs = template.FuncMap{
	// svg marks server-drawn SVG (from internal/svgchart or internal/topomap) as safe.
	"svg": func(s any) template.HTML {
		switch v := s.(type) {
		case template.HTML:
			return v
		case string:
			return template.HTML(v)
		}
		return ""
	},
	"add": func(a, b int) int { return a + b },
}

//go:embed templates/web/*.html
var webTemplateFS embed.FS

// webTemplates holds every web page, parsed once when the package is initialised.
var webTemplates = func() *template.Template {
	t := template.New("").Funcs(webFuncs)
	return template.Must(t.ParseFS(webTemplateFS, "templates/web/*.html"))
}()

// page is what every web template gets. Part-specific data goes in Data.
type page struct {
	Lang  string
	Title string
	// query is the request's query, for the language switch (see Switch); noSwitch
	// hides the switch.
	query    string
	noSwitch bool
	// Election is the election the page is about, if any; Demo shows the banner.
	Election *iltod.Election
	Demo     bool
	// Session is the signed-in staff member on console pages; nil on public ones.
	Session *app.Session
	// CSRF is the token forms on console pages must send as the field "csrf".
	CSRF string
	// Path is the request's path, for links back to the same page.
	Path string
	// Flash is a one-line message to show at the top (an outcome of a form).
	Flash, FlashError string
	Data              any
}

// L returns the catalogue's message key in the page's language. An unknown key is an
// error, which stops the rendering: tests render every page in every language, and a test
// checks every key a template names.
func (p *page) L(key string) (string, error) { return label(p.Lang, key) }

// label returns the message key in lang for a template: an error for a key the catalogue
// does not have, so that rendering stops rather than show a reader the key.
func label(lang, key string) (string, error) {
	if !locales.Has(key) {
		return "", fmt.Errorf("no message %q in the catalogue", key)
	}
	return tr(lang, key), nil
}

// InAll returns the message key in every language, the page's own first: for words that
// every reader must understand whatever language they chose (the demonstration banner).
func (p *page) InAll(key string) []langText { return inAll(p.Lang, key) }

// langText is a text and the language it is written in.
type langText struct{ Lang, Text string }

// inAll returns the message key in each of pageLangs, lang first.
func inAll(lang, key string) []langText {
	out := []langText{{lang, tr(lang, key)}}
	for _, l := range pageLangs {
		if l != lang {
			out = append(out, langText{l, tr(l, key)})
		}
	}
	return out
}

// T returns a text in the page's language, else in the first language it has.
func (p *page) T(t iltod.Text) string { return t.In(p.Lang) }

// N writes a count as the page's language writes numbers (see locales.Printer.Int).
func (p *page) N(n any) string {
	switch v := n.(type) {
	case int:
		return formatCount(p.Lang, int64(v))
	case int64:
		return formatCount(p.Lang, v)
	}
	return fmt.Sprint(n)
}

// electionLang is the language of a page about e (which may be nil); see pageLang.
func electionLang(r *http.Request, e *iltod.Election) string {
	if e == nil {
		return pageLang(r, nil)
	}
	return pageLang(r, []iltod.Election{*e})
}

// newPage starts a page for r: its language (see pageLang), the switch to the others, and
// the election if one is given.
func newPage(r *http.Request, e *iltod.Election, title string) *page {
	var es []iltod.Election
	if e != nil {
		es = []iltod.Election{*e}
	}
	p := &page{Lang: pageLang(r, es), Title: title, Election: e, Path: r.URL.Path, query: r.URL.RawQuery}
	if e != nil {
		p.Demo = e.Demo
	}
	return p
}

// Switch returns the links to the page in each language: its path and query with lang
// set. It is worked out when a template asks, so that a page served from the page cache
// costs none of it.
func (p *page) Switch() []langLink {
	if p.noSwitch {
		return nil
	}
	var out []langLink
	for _, l := range pageLangs {
		q, _ := url.ParseQuery(p.query)
		if q == nil {
			q = url.Values{}
		}
		q.Set("lang", l)
		out = append(out, langLink{Lang: l, Label: tr(l, "web.lang_name"), Href: p.Path + "?" + q.Encode(), Current: l == p.Lang})
	}
	return out
}

// render writes template name with p, status 200. Public pages may be cached briefly by
// browsers and proxies; console pages never.
func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, p *page) {
	s.renderStatus(w, r, http.StatusOK, name, p)
}

// renderStatus writes template name with p and the given status. Only a public page
// answered 200 may be cached, unless the handler already chose a Cache-Control.
func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	var buf bytes.Buffer
	if err := webTemplates.ExecuteTemplate(&buf, name, p); err != nil {
		s.pageError(w, r, fmt.Errorf("render %s: %w", name, err))
		return
	}
	s.writePage(w, r, status, buf.Bytes(), p.Session == nil && status == http.StatusOK)
}

// writePage answers with an HTML page. Cache-Control is set unless already set: public
// pages for a few seconds, others never.
func (s *Server) writePage(w http.ResponseWriter, r *http.Request, status int, body []byte, public bool) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if h.Get("Cache-Control") == "" {
		if public {
			h.Set("Cache-Control", cachePublic)
		} else {
			h.Set("Cache-Control", cacheNone)
		}
	}
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	w.Write(body)
}

// pageCacheTTL is how long a rendered public page is served before it is rendered again.
// Election-night readers far outnumber changes; two seconds of staleness buys serving
// every reader from memory.
const pageCacheTTL = 2 * time.Second

// pageCache keeps rendered public pages by key (path, query and language). The first
// reader of a key renders it while others wait; afterwards a page older than pageCacheTTL
// is served as it is while one goroutine renders it again, so that on election night no
// reader waits for a render. A failed render is not kept.
type pageCache struct {
	mu sync.Mutex
	m  map[string]*cachedPage
}

type cachedPage struct {
	ready     chan struct{} // closed once the first render ends
	body      *rendered
	err       error
	until     time.Time
	rendering bool
}

// fresh returns the page for key if it is rendered and not stale, as cached would return
// it without rendering anything; nil otherwise. The key is given as bytes, so that looking
// it up costs no allocation.
func (c *pageCache) fresh(key []byte) *rendered {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.m[string(key)]; e != nil {
		select {
		case <-e.ready:
			if e.err == nil && !now.After(e.until) {
				return e.body
			}
		default:
		}
	}
	return nil
}

// cached returns the page for key, rendering it with build if it is missing, and again in
// the background if it is stale.
func (c *pageCache) cached(key string, build func() (*rendered, error)) (*rendered, error) {
	now := time.Now()
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]*cachedPage{}
	}
	e := c.m[key]
	if e != nil {
		select {
		case <-e.ready:
			if e.err == nil {
				body := e.body
				if now.After(e.until) && !e.rendering {
					e.rendering = true
					go c.refresh(key, e, build)
				}
				c.mu.Unlock()
				return body, nil
			}
		default:
			c.mu.Unlock()
			<-e.ready
			return e.body, e.err
		}
	}
	if len(c.m) > 10_000 { // bound memory against keys made up by clients
		clear(c.m)
	}
	e = &cachedPage{ready: make(chan struct{})}
	c.m[key] = e
	c.mu.Unlock()
	body, err := build()
	c.mu.Lock()
	e.body, e.err, e.until = body, err, time.Now().Add(pageCacheTTL)
	if err != nil && c.m[key] == e {
		delete(c.m, key)
	}
	c.mu.Unlock()
	close(e.ready)
	return body, err
}

// refresh renders e's page again and keeps it, unless the render fails, in which case the
// old page stays and the next reader after a second tries again.
func (c *pageCache) refresh(key string, e *cachedPage, build func() (*rendered, error)) {
	body, err := build()
	c.mu.Lock()
	defer c.mu.Unlock()
	e.rendering = false
	if err != nil {
		e.until = time.Now().Add(time.Second)
		return
	}
	e.body, e.until = body, time.Now().Add(pageCacheTTL)
}

// renderCached serves a public page from the page cache, rendering it with fill (which
// sets the page's Data) when it is missing or stale. The key is the path, the query and
// the language.
func (s *Server) renderCached(w http.ResponseWriter, r *http.Request, name string, p *page, fill func(ctx context.Context, p *page) error) {
	var buf [256]byte // the key, built without allocating for most pages
	k := append(append(append(append(append(buf[:0], p.Lang...), ' '), r.URL.Path...), '?'), r.URL.RawQuery...)
	if body := s.pages.fresh(k); body != nil {
		body.serve(w, r)
		return
	}
	body, err := s.pages.cached(string(k), func() (*rendered, error) {
		// The render must finish for every waiting reader even if this one goes away.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), time.Minute)
		defer cancel()
		if err := fill(ctx, p); err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		if err := webTemplates.ExecuteTemplate(&buf, name, p); err != nil {
			return nil, fmt.Errorf("render %s: %w", name, err)
		}
		return newRendered(buf.Bytes(), cachePublic), nil
	})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	body.serve(w, r)
}

// rendered is a page as rendered, gzipped once for the many readers whose browsers
// accept it (a results page shrinks about sixfold), with a strong ETag for each form:
// what a static server or a CDN keeps of a file. The header fields of each form are built
// once too, so that serving the page costs a reader no formatting and no allocation.
type rendered struct {
	raw, gz        []byte
	etag, etagGzip string
	// plain and zipped are the header fields of the raw and the gzipped form, but Vary
	// (see serve): full slices (len == cap) shared by every response, set as setHeaders
	// sets them. zipped is nil when gz is.
	plain, zipped http.Header
	// plain304 and zipped304 are those of a 304 Not Modified of each form.
	plain304, zipped304 http.Header
}

// newRendered keeps raw, to be served with the given Cache-Control.
func newRendered(raw []byte, cacheControl string) *rendered {
	sum := sha256.Sum256(raw)
	tag := base64.RawURLEncoding.EncodeToString(sum[:18])
	r := &rendered{raw: raw, etag: `"` + tag + `"`, etagGzip: `"` + tag + `-gz"`}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if _, err := zw.Write(raw); err == nil && zw.Close() == nil {
		r.gz = buf.Bytes()
	}
	form := func(body []byte, etag, encoding string) (full, notModified http.Header) {
		notModified = http.Header{"Cache-Control": {cacheControl}, "Etag": {etag}}
		full = http.Header{"Cache-Control": {cacheControl}, "Etag": {etag},
			"Content-Type": {"text/html; charset=utf-8"}, "Content-Length": {strconv.Itoa(len(body))}}
		if encoding != "" {
			full["Content-Encoding"] = []string{encoding}
		}
		return full, notModified
	}
	r.plain, r.plain304 = form(r.raw, r.etag, "")
	if r.gz != nil {
		r.zipped, r.zipped304 = form(r.gz, r.etagGzip, "gzip")
	}
	return r
}

// Vary values that serve sets whole, rather than appending to what the handler set.
var (
	varyEncoding         = []string{"Accept-Encoding"}
	varyLanguageEncoding = []string{"Accept-Language", "Accept-Encoding"}
)

// serve answers r with the page: gzipped if the reader accepts it, with its ETag,
// Vary: Accept-Encoding (after any Vary already set) and the page's Cache-Control, and 304
// Not Modified without a body when If-None-Match names the ETag of the form the reader
// would get.
func (b *rendered) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	switch v := h["Vary"]; {
	case len(v) == 0:
		h["Vary"] = varyEncoding
	case len(v) == 1 && v[0] == "Accept-Language":
		h["Vary"] = varyLanguageEncoding
	default:
		h["Vary"] = append(v[:len(v):len(v)], "Accept-Encoding")
	}
	body, etag, full, notModified := b.raw, b.etag, b.plain, b.plain304
	if b.gz != nil && acceptsGzip(r) {
		body, etag, full, notModified = b.gz, b.etagGzip, b.zipped, b.zipped304
	}
	if inm := r.Header["If-None-Match"]; len(inm) > 0 && noneMatch(inm[0], etag) {
		setHeaders(h, notModified)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	setHeaders(h, full)
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// noneMatch reports whether the If-None-Match header value inm names etag, or is "*"
// (RFC 9110 13.1.2, with the weak comparison it asks for).
func noneMatch(inm, etag string) bool {
	for inm != "" {
		var t string
		t, inm, _ = strings.Cut(inm, ",")
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// StaticPage returns a handler that serves raw as a static server or a CDN serves a
// file it keeps: the same bytes gzipped once, strong ETags, conditional GET, and the
// header fields of header replayed as they came (Date, Content-Length,
// Content-Encoding and ETag aside, which it sets), as a CDN replays those of the
// response it stored. It is the ceiling "iltod bench" holds the results page to: given
// the page and its headers, it sends the same bytes by the same code as the page cache,
// so what the page costs beyond it is finding the page. Its readers pass a gate of their
// own like the public site's (see readerGate): at most readersPerCore per core at once,
// as a static server's fixed set of workers, admitted at the pace the cores keep up with.
func StaticPage(raw []byte, header http.Header) http.Handler {
	b := newRendered(raw, header.Get("Cache-Control"))
	fixed := http.Header{}
	for k, v := range header {
		switch k {
		case "Date", "Content-Length", "Content-Encoding", "Etag", "Vary", "Cache-Control":
		default:
			fixed[k] = slices.Clip(slices.Clone(v))
		}
	}
	vary := slices.DeleteFunc(slices.Clone(header.Values("Vary")), func(v string) bool { return v == "Accept-Encoding" })
	ps := &publicSite{readers: newReaderGate(readersPerCore * runtime.GOMAXPROCS(0))}
	return ps.admit(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		setHeaders(h, fixed)
		for _, v := range vary {
			h.Add("Vary", v)
		}
		b.serve(w, r)
	})
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip.
func acceptsGzip(r *http.Request) bool {
	for part := range strings.SplitSeq(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			continue
		}
		q, ok := strings.CutPrefix(strings.TrimSpace(params), "q=")
		if !ok {
			return true
		}
		f, err := strconv.ParseFloat(q, 64)
		return err == nil && f > 0
	}
	return false
}

// WebConfig says how the staff console's cookies and same-origin check behave.
type WebConfig struct {
	// Origin is the site's origin as browsers see it, e.g. "https://iltod.example.org" or
	// "http://127.0.0.1:8080"; form posts from any other origin are refused. "" means the
	// origin of the request's Host (https when SecureCookies is set or the request came
	// over TLS): enough against
	// cross-site forms, since a browser sends the Host of the site it posts to.
	Origin string
	// SecureCookies marks the session cookie Secure (and names it with the __Host-
	// prefix): set it whenever the site is served over HTTPS.
	SecureCookies bool
}

// SetWebConfig configures the staff console. Call it before serving.
func (s *Server) SetWebConfig(c WebConfig) { s.web = c }

// staffHandler is a console handler: it runs with the signed-in staff member's actor in
// r's context, and with the session.
type staffHandler func(w http.ResponseWriter, r *http.Request, sess app.Session)

// staff guards a console handler: without a valid session it redirects to the sign-in
// page (or answers 401 to anything but GET); a POST must come from the site's own origin
// and carry the session's CSRF token in the form field "csrf", else 403 and nothing
// happens. The handler runs with the staff member as the actor, so internal/app
// authorises each action.
func (s *Server) staff(h staffHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", cacheNone)
		var token string
		if c, err := r.Cookie(auth.CookieName(s.web.SecureCookies)); err == nil {
			token = c.Value
		}
		sess, err := s.app.SessionFor(r.Context(), token)
		if err != nil {
			if iltod.ErrorCodeOf(err) != iltod.EUnauthorized {
				s.pageError(w, r, err)
				return
			}
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, "/staff/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.pageError(w, r, err)
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if !auth.SameOrigin(r, s.origin(r)) {
				s.pageError(w, r, iltod.E(iltod.EForbidden, "error.form_origin", nil))
				return
			}
			if err := r.ParseMultipartForm(maxFormBytes); err != nil && err != http.ErrNotMultipart {
				e := iltod.E(iltod.EInvalid, "error.form_unreadable", nil)
				e.Err = err
				s.pageError(w, r, e)
				return
			}
			if !auth.CheckCSRF(sess.CSRF, r.PostFormValue("csrf")) {
				s.pageError(w, r, iltod.E(iltod.EForbidden, "error.form_expired", nil))
				return
			}
		}
		h(w, r.WithContext(app.WithActor(r.Context(), sess.Actor)), sess)
	})
}

// maxFormBytes bounds a console form, an official-results upload included.
const maxFormBytes = 64 << 20

// staffPage starts a console page for a signed-in staff member.
func staffPage(r *http.Request, sess app.Session, e *iltod.Election, title string) *page {
	p := newPage(r, e, title)
	p.Session, p.CSRF = &sess, sess.CSRF
	return p
}

// origin is the origin form posts must come from (see WebConfig.Origin).
func (s *Server) origin(r *http.Request) string {
	if s.web.Origin != "" {
		return s.web.Origin
	}
	if s.web.SecureCookies || r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}
