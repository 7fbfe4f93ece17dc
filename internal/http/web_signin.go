package http

import (
	"net"
	"net/http"
	"strings"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/auth"
)

// signInPage shows the staff sign-in form.
func (s *Server) signInPage(w http.ResponseWriter, r *http.Request) {
	p := newPage(r, nil, "")
	p.Title = tr(p.Lang, "web.signin_title")
	p.Data = safeNext(r.URL.Query().Get("next"))
	w.Header().Set("Cache-Control", cacheNone)
	s.renderStatus(w, r, http.StatusOK, "signin", p)
}

// signIn checks a login, password and TOTP code (app.SignIn: rate limited, logged), sets
// the session cookie and goes to the page asked for. The form must come from this site.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", cacheNone)
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if !auth.SameOrigin(r, s.origin(r)) {
		s.pageError(w, r, iltod.E(iltod.EForbidden, "error.form_origin", nil))
		return
	}
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, iltod.E(iltod.EInvalid, "error.form_unreadable", nil))
		return
	}
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	login := strings.ToLower(strings.TrimSpace(r.PostFormValue("login")))
	sess, err := s.app.SignIn(r.Context(), login, r.PostFormValue("password"), strings.TrimSpace(r.PostFormValue("code")), ip)
	if err != nil {
		code, status, msg := publicError(err, pageLang(r, nil))
		if code != iltod.EUnauthorized && code != iltod.ERateLimited {
			s.pageError(w, r, err)
			return
		}
		p := newPage(r, nil, "")
		p.Title = tr(p.Lang, "web.signin_title")
		p.Data = safeNext(r.PostFormValue("next"))
		p.FlashError = msg
		s.renderStatus(w, r, status, "signin", p)
		return
	}
	http.SetCookie(w, auth.SessionCookie(auth.CookieName(s.web.SecureCookies), sess.Token, s.web.SecureCookies, app.SessionTTL))
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

// signOut ends the session and clears its cookie.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request, sess app.Session) {
	if err := s.app.SignOut(r.Context(), sess.Token); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.SetCookie(w, auth.ClearCookie(auth.CookieName(s.web.SecureCookies), s.web.SecureCookies))
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// safeNext keeps a redirect after sign-in on the console: a path under /staff/, else
// /staff/.
func safeNext(next string) string {
	if strings.HasPrefix(next, "/staff/") && !strings.HasPrefix(next, "//") && !strings.ContainsAny(next, "\\\r\n") {
		return next
	}
	return "/staff/"
}
