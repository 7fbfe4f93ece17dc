package auth

import (
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// CanonicalOrigin returns the serialised origin of s, a configured server origin such as
// "https://example.org" or "http://127.0.0.1:8080", in the form browsers send in the Origin
// header: lower-case scheme and host, no default port, no trailing slash. It returns an
// error if s is not an http or https URL with a host and nothing after it but "/", so that
// a mistyped configuration fails at start-up. Hosts must be given in ASCII (punycode).
func CanonicalOrigin(s string) (string, error) {
	o, ok := parseOrigin(s, false)
	if !ok {
		return "", errors.New("origin must be scheme://host[:port], with scheme http or https")
	}
	return o, nil
}

// SameOrigin reports whether r, if its method is unsafe, was sent by a page of origin,
// the server's own origin as accepted by CanonicalOrigin. Requests with a safe method (GET,
// HEAD, OPTIONS, TRACE) always pass, so they MUST NOT change anything.
//
// For an unsafe method SameOrigin decides, in this order:
//   - a Sec-Fetch-Site header other than "same-origin" fails;
//   - an Origin header other than "null" must equal origin;
//   - otherwise a Referer header must have origin as its origin;
//   - otherwise the request passes only with Sec-Fetch-Site: same-origin.
//
// The last rule is needed because the server sends Referrer-Policy: no-referrer, under
// which browsers send "Origin: null" and no Referer even on a page's own form posts (Fetch
// standard, "append a request Origin header"). A request with none of the three headers
// fails: browsers send at least one, and SameOrigin is meant for cookie-authenticated
// browser requests only.
//
// SameOrigin is defence in depth: the CSRF token (CheckCSRF) and the SameSite=Strict
// session cookie are the primary protections, and it is to be used with them, not instead.
// A malformed origin matches no request.
func SameOrigin(r *http.Request, origin string) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	want, ok := parseOrigin(origin, false)
	if !ok {
		return false
	}
	site := r.Header.Get("Sec-Fetch-Site")
	if site != "" && site != "same-origin" {
		return false
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		got, ok := parseOrigin(o, false)
		return ok && got == want
	}
	if ref := r.Header.Get("Referer"); ref != "" {
		got, ok := parseOrigin(ref, true)
		return ok && got == want
	}
	return site == "same-origin"
}

// parseOrigin returns the serialised origin of s. Unless anyPath is set, s may have no
// path beyond "/", no query and no fragment, as an origin has none; with anyPath, s is a
// full URL, as in a Referer header, and only its origin is kept. User information is
// always refused.
func parseOrigin(s string, anyPath bool) (string, bool) {
	u, err := url.Parse(s)
	if err != nil || u.User != nil || u.Opaque != "" || u.Host == "" {
		return "", false
	}
	if !anyPath && (u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "") {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	var defaultPort string
	switch scheme {
	case "http":
		defaultPort = "80"
	case "https":
		defaultPort = "443"
	default:
		return "", false
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if host == "" || strings.HasSuffix(u.Host, ":") {
		return "", false
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return "", false
		}
		port = strconv.Itoa(n)
	}
	if port == defaultPort {
		port = ""
	}
	if port != "" {
		host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return scheme + "://" + host, true
}
