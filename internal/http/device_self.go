package http

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/locales"
)

// MaxDeviceRequestBody bounds the body of a device request: one envelope, at most what
// iltod.ParseEnvelope reads (the envelope itself is then held to iltod.MaxEnvelopeSize,
// room for a status request of MaxRequestIDs report ids of UUID length).
const MaxDeviceRequestBody = 2 * iltod.MaxEnvelopeSize

// deviceSelf answers a device's signed assignment request (an envelope whose payload is
// {"op":"assignment","time":…}, signed over "iltod request v1\n" + payload) with its
// stations, their forms expanded with the checks a phone can run, and the election's
// settings, and the mirrors' base URLs ("mirrors", see SetMirrors), which the app falls
// back to when it cannot reach this server. Labels carry every language, so the answer
// does not follow Accept-Language; errors do. Never cached: it names the device's
// observer's stations.
func (s *Server) deviceSelf(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r, MaxDeviceRequestBody)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := s.app.DeviceAssignment(r.Context(), body)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", cacheNone)
	s.writeJSONStatus(w, r, http.StatusOK, struct {
		app.Assignment
		Mirrors []string `json:"mirrors,omitempty"`
	}{a, s.mirrors})
}

// SetMirrors names the mirrors that relay reports to this server (docs/mirror.md): their
// base URLs, such as https://mirror.example.org/, each absolute http or https without a
// query. The observer app learns them from the device's assignment and falls back to
// them when this server cannot be reached; the app's Content-Security-Policy lets it
// connect to them. Call it before Serve. It returns an error naming a URL that is not
// such a URL, and then changes nothing.
func (s *Server) SetMirrors(urls []string) error {
	var origins []string
	for _, m := range urls {
		u, err := url.Parse(m)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" ||
			strings.ContainsAny(m, " ;'\"") {
			return iltod.E(iltod.EInvalid, "error.mirror.bad_url", locales.Args{"URL": strconv.Quote(m)})
		}
		origins = append(origins, u.Scheme+"://"+u.Host)
	}
	s.mirrors = slices.Clone(urls)
	s.csp = observeCSP
	if len(origins) > 0 {
		s.csp = strings.Replace(observeCSP, "connect-src 'self'", "connect-src 'self' "+strings.Join(origins, " "), 1)
	}
	return nil
}

// deviceSelfStatus answers a device's signed status request ({"op":"status","time":…,
// "ids":[…]}) with the state of each of its reports, in order: {"reports":[…]}. The
// checks' details are in the language Accept-Language asks for; each also carries its
// message as data ("msg").
func (s *Server) deviceSelfStatus(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r, MaxDeviceRequestBody)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sts, err := s.app.DeviceReportStatus(r.Context(), body)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	lang := apiLang(r)
	for i := range sts {
		sts[i].Checks = checksIn(sts[i].Checks, lang)
	}
	h := w.Header()
	h.Set("Cache-Control", cacheNone)
	h.Set("Content-Language", lang)
	s.writeJSONStatus(w, r, http.StatusOK, struct {
		Reports []app.ReportStatus `json:"reports"`
	}{sts})
}
