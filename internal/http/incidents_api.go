package http

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/locales"
)

// Incidents from the observer app (docs/incidents.md, "Channels"): the device signs its
// report of an incident (POST /api/v1/incidents), then uploads each evidence file it
// named (PUT /api/v1/incidents/{id}/evidence/{sha256}) with a signed Iltod-Request
// header, and the server seals each file as it arrives. The taxonomy the app offers is
// public (GET /api/v1/elections/{election}/taxonomy).

// IncidentRequestHeader carries the signed envelope (app.EvidenceUpload) that
// authenticates an evidence upload: the envelope's wire JSON, on one line.
const IncidentRequestHeader = "Iltod-Request"

// incidentChannelRoutes are the routes of incidents reported by observers' channels:
// the observer app's API and the ODK incident form (odk_incidents.go).
func (s *Server) incidentChannelRoutes() []route {
	return append([]route{
		{"GET /api/v1/elections/{election}/taxonomy", s.election(s.getTaxonomy)},
		{"POST /api/v1/incidents", http.HandlerFunc(s.reportIncident)},
		{"PUT /api/v1/incidents/{id}/evidence/{sha256}", http.HandlerFunc(s.putIncidentEvidence)},
	}, s.odkIncidentRoutes()...)
}

// getTaxonomy answers the election's incident taxonomy, labels in every language.
func (s *Server) getTaxonomy(r *http.Request, e iltod.Election) (any, error) {
	return s.app.Taxonomy(r.Context(), e.ID)
}

// reportIncident stores an incident a device signed (app.DeviceReportIncident): 201
// with {"id", "duplicate", "missing"} for a new incident, 200 for one stored before.
func (s *Server) reportIncident(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r, MaxDeviceRequestBody)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rc, err := s.app.DeviceReportIncident(r.Context(), body)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusCreated
	if rc.Duplicate {
		status = http.StatusOK
	}
	w.Header().Set("Cache-Control", cacheNone)
	s.writeJSONStatus(w, r, status, rc)
}

// putIncidentEvidence seals one evidence file of a device's incident
// (app.DeviceIncidentEvidence): 201 when attached, 200 when held already. The body is
// the file, at most app.MaxDeviceEvidenceBytes; the Iltod-Request header authenticates.
func (s *Server) putIncidentEvidence(w http.ResponseWriter, r *http.Request) {
	if _, err := photoHash(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	auth := r.Header.Get(IncidentRequestHeader)
	if auth == "" {
		s.writeError(w, r, iltod.E(iltod.EUnauthorized, "error.incident_channel.no_request", locales.Args{"Header": IncidentRequestHeader}))
		return
	}
	if err := slowUpload(w); err != nil {
		s.writeError(w, r, err)
		return
	}
	body, err := readBody(w, r, app.MaxDeviceEvidenceBytes)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.app.DeviceIncidentEvidence(r.Context(), r.PathValue("id"), r.PathValue("sha256"), []byte(auth), body)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusCreated
	if !res.Stored {
		status = http.StatusOK
	}
	w.Header().Set("Cache-Control", cacheNone)
	s.writeJSONStatus(w, r, status, res)
}

// slowUpload gives the request photoReadTimeout to arrive, in place of ReadTimeout: a
// file over a slow mobile link at a polling station takes minutes, not seconds.
func slowUpload(w http.ResponseWriter) error {
	rc := http.NewResponseController(w)
	if err := rc.SetReadDeadline(time.Now().Add(photoReadTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return fmt.Errorf("extend the read deadline: %w", err)
	}
	rc.SetWriteDeadline(time.Now().Add(photoReadTimeout + WriteTimeout))
	return nil
}
