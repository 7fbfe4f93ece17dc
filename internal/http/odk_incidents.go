package http

import (
	"net/http"
	"strings"

	"github.com/iltod/iltod/internal/odk"
	"github.com/iltod/iltod/locales"
)

// The ODK incident form (docs/odk.md, docs/incidents.md): every observer's formList
// also offers odk.IncidentFormID, written from the election's taxonomy, whose
// submissions go to /odk/{election}/incident/submission and become incidents with their
// attachments sealed as evidence.

// odkIncidentRoutes are the incident form's OpenRosa routes, authenticated as the
// others (s.odk).
func (s *Server) odkIncidentRoutes() []route {
	return []route{
		{"GET /odk/{election}/incident/form", s.odk(s.odkIncidentXForm)},
		{"GET /odk/{election}/incident/manifest", s.odk(s.odkIncidentManifest)},
		{"HEAD /odk/{election}/incident/submission", s.odk(s.odkSubmissionHead)},
		{"POST /odk/{election}/incident/submission", s.odk(s.odkIncidentSubmit)},
	}
}

// odkIncidentForm returns the observer's incident XForm and its version.
func (s *Server) odkIncidentForm(r *http.Request, election, observer string) ([]byte, string, error) {
	return s.app.ODKIncidentForm(r.Context(), election, observer, s.odkBase(r, election)+"/incident/submission")
}

// odkIncidentEntries returns the formList entry of the incident form for the observer,
// or none when it cannot be written (the error is logged; the election's forms are
// still listed).
func (s *Server) odkIncidentEntries(r *http.Request, election, observer string) []odk.FormEntry {
	x, version, err := s.odkIncidentForm(r, election, observer)
	if err != nil {
		s.logError(r, http.StatusInternalServerError, err)
		return nil
	}
	base := s.odkBase(r, election)
	return []odk.FormEntry{{FormID: odk.IncidentFormID, Name: tr(s.odkLang(r, election), "observe.odk.incident.title"),
		Version: version, Hash: odk.Hash(x), DownloadURL: base + "/incident/form", ManifestURL: base + "/incident/manifest"}}
}

// odkIncidentXForm serves the observer's incident XForm.
func (s *Server) odkIncidentXForm(w http.ResponseWriter, r *http.Request, election, observer string) {
	x, _, err := s.odkIncidentForm(r, election, observer)
	if err != nil {
		s.odkError(w, r, election, err)
		return
	}
	s.writeXML(w, r, http.StatusOK, x)
}

// odkIncidentManifest serves the incident form's manifest: it uses no media files.
func (s *Server) odkIncidentManifest(w http.ResponseWriter, r *http.Request, election, observer string) {
	s.writeXML(w, r, http.StatusOK, odk.Manifest())
}

// odkIncidentSubmit accepts a submission of the incident form (app.SubmitODKIncident),
// read as odkSubmit reads a report's: 201 with the incident's short reference, for a new
// incident and for one received before; 409 when the instanceID was used for another
// narrative; 413 over MaxODKSubmission.
func (s *Server) odkIncidentSubmit(w http.ResponseWriter, r *http.Request, election, observer string) {
	if err := slowUpload(w); err != nil {
		s.odkError(w, r, election, err)
		return
	}
	instance, files, err := readSubmission(w, r)
	if err != nil {
		s.odkError(w, r, election, err)
		return
	}
	in, dup, err := s.app.SubmitODKIncident(r.Context(), election, observer, instance, files)
	if err != nil {
		s.odkError(w, r, election, err)
		return
	}
	key := "observe.odk.incident.received"
	if dup {
		key = "observe.odk.incident.received_again"
	}
	s.writeOpenRosa(w, r, http.StatusCreated, odk.NatureSuccess,
		tr(s.odkLang(r, election), key, locales.Args{"Ref": strings.ToUpper(in.ID[:8])}))
}
