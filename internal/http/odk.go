package http

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/odk"
	"github.com/iltod/iltod/locales"
)

// The OpenRosa server (docs/odk.md), at /odk/{election}/, the server URL ODK Collect is
// given: formList, each form as an XForm, its (empty) manifest, and the submission API.
// Every answer carries X-OpenRosa-Version: 1.0, and every request must pass HTTP Digest
// authentication with the observer's credentials (app.IssueODKCredentials); without
// them, or with wrong ones, the answer is 401 with a Digest challenge. Errors are
// OpenRosa response documents whose message ODK Collect shows, in the language
// Accept-Language asks for, else the election's first.

// MaxODKSubmission bounds an OpenRosa submission: the instance and its attachments.
const MaxODKSubmission = 10 << 20

// odkDigest returns the Digest checker of an election's OpenRosa server. Its key is
// drawn when the Server is made: a nonce from another process (a restart, another
// replica) is refused, and ODK Collect then signs in again with a fresh challenge, which
// the user does not see.
func (s *Server) odkDigest(election string) *odk.Digest {
	return &odk.Digest{Realm: app.ODKRealm(election), Key: s.odkKey}
}

// odkHandler is an OpenRosa handler, run for the observer the request authenticated.
type odkHandler func(w http.ResponseWriter, r *http.Request, election, observer string)

// odkRoutes are the OpenRosa server's routes.
func (s *Server) odkRoutes() []route {
	return []route{
		{"GET /odk/{election}/formList", s.odk(s.odkFormList)},
		{"GET /odk/{election}/forms/{code}/{version}", s.odk(s.odkXForm)},
		{"GET /odk/{election}/manifest/{code}/{version}", s.odk(s.odkManifest)},
		{"HEAD /odk/{election}/submission", s.odk(s.odkSubmissionHead)},
		{"POST /odk/{election}/submission", s.odk(s.odkSubmit)},
	}
}

// odk authenticates an OpenRosa request with HTTP Digest and runs h. A request without
// Digest credentials, with a wrong password or an unknown username, or with a nonce this
// server did not issue gets 401 and a fresh challenge; an expired nonce with the right
// password gets 401 with stale=true.
func (s *Server) odk(h odkHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-OpenRosa-Version", odk.Version)
		w.Header().Set("Cache-Control", cacheNone)
		election := r.PathValue("election")
		d := s.odkDigest(election)
		c, err := odk.ParseAuthorization(r.Header.Get("Authorization"))
		if err == nil {
			var cred iltod.ODKCredential
			cred, err = s.app.ODKCredential(r.Context(), election, c.Username)
			switch {
			case iltod.ErrorCodeOf(err) == iltod.ENotFound:
				err = odk.ErrBadCredentials
			case err != nil:
				s.odkError(w, r, election, err)
				return
			default:
				err = d.Verify(c, r.Method, r.URL.RequestURI(), cred.HA1)
			}
			if err == nil {
				h(w, r, election, cred.Observer)
				return
			}
		}
		w.Header().Set("WWW-Authenticate", d.Challenge(errors.Is(err, odk.ErrStale)))
		s.logError(r, http.StatusUnauthorized, err)
		s.writeOpenRosa(w, r, http.StatusUnauthorized, odk.NatureError,
			tr(s.odkLang(r, election), "error.odk.sign_in"))
	})
}

// odkLang is the language of the messages ODK Collect shows: the one Accept-Language
// ranks highest, else the election's first language.
func (s *Server) odkLang(r *http.Request, election string) string {
	fallback := locales.Fallback
	if e, err := s.app.Election(r.Context(), election); err == nil && len(e.Languages) > 0 {
		if l := locales.Match(e.Languages[0]); l != "" {
			fallback = l
		}
	}
	return locales.Negotiate(r.Header.Get("Accept-Language"), fallback)
}

// odkError answers err as an OpenRosa response document, with the status of its code.
func (s *Server) odkError(w http.ResponseWriter, r *http.Request, election string, err error) {
	_, status, msg := publicError(err, s.odkLang(r, election))
	s.logError(r, status, err)
	s.writeOpenRosa(w, r, status, odk.NatureError, msg)
}

func (s *Server) writeOpenRosa(w http.ResponseWriter, r *http.Request, status int, nature, msg string) {
	s.writeXML(w, r, status, odk.Response(nature, msg))
}

func (s *Server) writeXML(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/xml; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// odkBase is the server URL of the election's OpenRosa server as the client reached it:
// the configured origin, else the request's Host (https when it came over TLS).
func (s *Server) odkBase(r *http.Request, election string) string {
	origin := s.web.Origin
	if origin == "" {
		scheme := "http"
		if r.TLS != nil || s.web.SecureCookies {
			scheme = "https"
		}
		origin = scheme + "://" + r.Host
	}
	return origin + "/odk/" + election
}

// odkFormList answers the OpenRosa Form List API: the latest version of each form, as
// an XForm written for the observer, with its hash.
func (s *Server) odkFormList(w http.ResponseWriter, r *http.Request, election, observer string) {
	forms, err := s.app.ODKForms(r.Context(), election, observer)
	if err != nil {
		s.odkError(w, r, election, err)
		return
	}
	lang := s.odkLang(r, election)
	e, _ := s.app.Election(r.Context(), election)
	base := s.odkBase(r, election)
	var entries []odk.FormEntry
	for _, f := range forms {
		path := "/" + f.Code + "/" + strconv.Itoa(f.Version)
		entries = append(entries, odk.FormEntry{FormID: f.Code, Name: f.Name.In(lang, e.Languages...),
			Version: strconv.Itoa(f.Version), Hash: odk.Hash(f.XForm),
			DownloadURL: base + "/forms" + path, ManifestURL: base + "/manifest" + path})
	}
	entries = append(entries, s.odkIncidentEntries(r, election, observer)...)
	s.writeXML(w, r, http.StatusOK, odk.FormList(entries))
}

func formVersion(r *http.Request) (string, int, error) {
	v, err := strconv.Atoi(r.PathValue("version"))
	if err != nil || v < 1 {
		return "", 0, iltod.E(iltod.ENotFound, "error.app.no_form", locales.Args{"Election": r.PathValue("election"), "Form": r.PathValue("code")})
	}
	return r.PathValue("code"), v, nil
}

// odkXForm serves one form version as the observer's XForm.
func (s *Server) odkXForm(w http.ResponseWriter, r *http.Request, election, observer string) {
	code, v, err := formVersion(r)
	var f app.ODKForm
	if err == nil {
		f, err = s.app.ODKForm(r.Context(), election, observer, code, v)
	}
	if err != nil {
		s.odkError(w, r, election, err)
		return
	}
	s.writeXML(w, r, http.StatusOK, f.XForm)
}

// odkManifest serves a form's manifest: iltod's XForms use no media files.
func (s *Server) odkManifest(w http.ResponseWriter, r *http.Request, election, observer string) {
	code, v, err := formVersion(r)
	if err == nil {
		_, err = s.app.ODKForm(r.Context(), election, observer, code, v)
	}
	if err != nil {
		s.odkError(w, r, election, err)
		return
	}
	s.writeXML(w, r, http.StatusOK, odk.Manifest())
}

// odkSubmissionHead answers the pre-flight HEAD of the submission API: 204 with the
// largest submission accepted.
func (s *Server) odkSubmissionHead(w http.ResponseWriter, r *http.Request, election, observer string) {
	w.Header().Set("X-OpenRosa-Accept-Content-Length", strconv.Itoa(MaxODKSubmission))
	w.WriteHeader(http.StatusNoContent)
}

// odkSubmit accepts an OpenRosa submission: multipart/form-data with the instance in
// xml_submission_file and attachments as further file parts, at most MaxODKSubmission
// bytes in all. 201 with an OpenRosa response holding the receipt, for a new report and
// for one already accepted; 409 when the instanceID was used for other content; 413 over
// the limit.
func (s *Server) odkSubmit(w http.ResponseWriter, r *http.Request, election, observer string) {
	rc := http.NewResponseController(w)
	if err := rc.SetReadDeadline(time.Now().Add(photoReadTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		s.odkError(w, r, election, fmt.Errorf("extend the read deadline: %w", err))
		return
	}
	rc.SetWriteDeadline(time.Now().Add(photoReadTimeout + WriteTimeout))
	instance, files, err := readSubmission(w, r)
	if err != nil {
		s.odkError(w, r, election, err)
		return
	}
	rcpt, err := s.app.SubmitODK(r.Context(), election, observer, instance, files)
	if err != nil {
		s.odkError(w, r, election, err)
		return
	}
	lang := s.odkLang(r, election)
	key := "observe.odk.received"
	if rcpt.Duplicate {
		key = "observe.odk.received_again"
	}
	short := rcpt.Hash
	if len(short) > 8 {
		short = short[:8]
	}
	s.writeOpenRosa(w, r, http.StatusCreated, odk.NatureSuccess, tr(lang, key, locales.Args{"Receipt": short}))
}

// readSubmission reads the multipart body of a submission into the instance and the
// other files by file name.
func readSubmission(w http.ResponseWriter, r *http.Request) ([]byte, map[string][]byte, error) {
	if r.ContentLength > MaxODKSubmission {
		return nil, nil, iltod.E(iltod.ETooLarge, "error.body_too_large", locales.Args{"Max": MaxODKSubmission})
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, nil, iltod.E(iltod.EInvalid, "error.odk.not_multipart", nil)
	}
	body, err := readBody(w, r, MaxODKSubmission)
	if err != nil {
		return nil, nil, err
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	var instance []byte
	files := map[string][]byte{}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, iltod.E(iltod.EInvalid, "error.odk.not_multipart", nil)
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return nil, nil, iltod.E(iltod.EInvalid, "error.odk.not_multipart", nil)
		}
		switch {
		case p.FormName() == "*isIncomplete*":
			// ODK Collect splits a submission larger than X-OpenRosa-Accept-Content-Length
			// into several posts; iltod takes a report whole or not at all.
			return nil, nil, iltod.E(iltod.ETooLarge, "error.odk.split", locales.Args{"Max": MaxODKSubmission})
		case p.FormName() == "xml_submission_file":
			instance = data
		case p.FileName() != "":
			files[p.FileName()] = data
		}
	}
	if instance == nil {
		return nil, nil, iltod.E(iltod.EInvalid, "error.odk.no_instance", nil)
	}
	return instance, files, nil
}
