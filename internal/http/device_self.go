package http

import (
	"net/http"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
)

// MaxDeviceRequestBody bounds the body of a device request: one envelope, at most what
// iltod.ParseEnvelope reads (the envelope itself is then held to iltod.MaxEnvelopeSize,
// room for a status request of MaxRequestIDs report ids of UUID length).
const MaxDeviceRequestBody = 2 * iltod.MaxEnvelopeSize

// deviceSelf answers a device's signed assignment request (an envelope whose payload is
// {"op":"assignment","time":…}, signed over "iltod request v1\n" + payload) with its
// stations, their forms expanded with the checks a phone can run, and the election's
// settings. Labels carry every language, so the answer does not follow Accept-Language;
// errors do. Never cached: it names the device's observer's stations.
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
	s.writeJSONStatus(w, r, http.StatusOK, a)
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
