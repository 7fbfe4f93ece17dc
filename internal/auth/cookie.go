package auth

import (
	"net/http"
	"time"
)

// Session cookie names. The __Host- prefix makes browsers accept the cookie only if it is
// Secure, has Path=/ and no Domain, so no other host, not even a sibling subdomain, can
// set or shadow it. Browsers refuse such a cookie over plain HTTP, so a server without TLS
// (a laptop on a local network) uses the plain name.
const (
	SecureCookieName   = "__Host-iltod"
	InsecureCookieName = "iltod_session"
)

// CookieName returns the session cookie name to use: SecureCookieName if the server is
// reached over HTTPS (secure), InsecureCookieName otherwise.
func CookieName(secure bool) string {
	if secure {
		return SecureCookieName
	}
	return InsecureCookieName
}

// SessionCookie returns a cookie carrying the session token: HttpOnly, SameSite=Strict,
// Path=/, no Domain, and Secure as given, lasting maxAge rounded up to whole seconds, or
// until the browser closes if maxAge is not positive. With a name from CookieName(secure)
// it meets the __Host- prefix's rules.
//
// SameSite=Strict means a person following a link to the site from elsewhere arrives
// without the cookie on that first page; they are signed in again as soon as they navigate
// within the site.
func SessionCookie(name, token string, secure bool, maxAge time.Duration) *http.Cookie {
	c := baseCookie(name, secure)
	c.Value = token
	if maxAge > 0 {
		c.MaxAge = int((maxAge + time.Second - 1) / time.Second)
	}
	return c
}

// ClearCookie returns a cookie that makes the browser delete the session cookie name: an
// empty value with Max-Age=0 in the header, and otherwise the same attributes as
// SessionCookie, which a browser requires before it replaces a __Host- cookie.
func ClearCookie(name string, secure bool) *http.Cookie {
	c := baseCookie(name, secure)
	c.MaxAge = -1
	return c
}

func baseCookie(name string, secure bool) *http.Cookie {
	return &http.Cookie{
		Name:     name,
		Path:     "/",
		Secure:   secure,
		HttpOnly: true,
		SameSite: http.SameSiteStrictMode,
	}
}
