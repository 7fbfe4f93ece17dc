package http

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/locales"
)

// The public data of documented incidents: the published copies as JSON and CSV
// (GET /api/v1/elections/{election}/incidents) and the published copies of their
// evidence images (GET /e/{election}/evidence/{sha256}). Both read only what
// internal/app publishes: verified, redacted incidents, without reporter, hidden field
// or reason for hiding it.

// publicIncidentRoutes are the routes of the documented incidents' public data.
func (s *Server) publicIncidentRoutes() []route {
	ps := &publicSite{s: s}
	return []route{
		{"GET /api/v1/elections/{election}/incidents", http.HandlerFunc(s.getIncidents)},
		{"GET /e/{election}/evidence/{sha256}", http.HandlerFunc(ps.evidence)},
	}
}

// apiIncident is a published incident as the API gives it. It is built field by field
// from the published copy (iltod.IncidentRecord.Published), so that no field added to
// incidents later is published without being listed here.
type apiIncident struct {
	ID       string `json:"id"`
	Category string `json:"category"`
	Severity string `json:"severity"`
	// Start and End are absent when the time is withheld.
	Start *time.Time  `json:"start,omitempty"`
	End   *time.Time  `json:"end,omitempty"`
	Place iltod.Place `json:"place"`
	// Aimag is the aimag the place lies in, or "" (withheld, or none).
	Aimag         string               `json:"aimag,omitempty"`
	Narrative     string               `json:"narrative,omitempty"`
	NarrativeSalt string               `json:"narrative_salt,omitempty"`
	Source        iltod.IncidentSource `json:"source"`
	Trust         iltod.Trust          `json:"trust"`
	Status        iltod.IncidentStatus `json:"status"`
	Evidence      []apiEvidence        `json:"evidence"`
	// Hidden lists the kinds of fields withheld ("narrative", "actor" …), never what
	// they held nor why.
	Hidden []string       `json:"hidden"`
	Actors []apiActorLink `json:"actors"`
	// ReportedOn is the day (UTC) it was reported, no finer: the moment a report
	// arrived could help tell who sent it.
	ReportedOn string            `json:"reported_on,omitempty"`
	Links      map[string]string `json:"links,omitempty"`
}

type apiEvidence struct {
	PlainSHA256  string `json:"plain_sha256"`
	CipherSHA256 string `json:"cipher_sha256"`
	MediaType    string `json:"media_type"`
	PublicSHA256 string `json:"public_sha256,omitempty"`
	PublicType   string `json:"public_media_type,omitempty"`
	PublicURL    string `json:"public_url,omitempty"`
}

type apiActorLink struct {
	Actor    string          `json:"actor"`
	Name     iltod.Text      `json:"name"`
	Kind     iltod.ActorKind `json:"kind"`
	Role     iltod.ActorRole `json:"role"`
	Evidence []string        `json:"evidence"`
}

// getIncidents answers the published incidents of an election as JSON
// ({"election", "taxonomy", "incidents": […]}) or, with ?format=csv, as CSV, one line an
// incident.
func (s *Server) getIncidents(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	e, err := s.app.Election(ctx, r.PathValue("election"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "csv" {
		s.writeError(w, r, iltod.E(iltod.EInvalid, "error.format_json_csv", nil))
		return
	}
	v, err := loadPublished(ctx, s.app, e.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	snap, err := s.areas.get(ctx, e.ID, func(ctx context.Context) (*areaSnapshot, error) {
		return buildAreaSnapshot(ctx, s.app, e.ID)
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	list := make([]apiIncident, 0, len(v.incidents))
	for _, in := range v.incidents {
		list = append(list, toAPIIncident(e.ID, snap, v, in))
	}
	demoHeader(w, e)
	if format == "csv" {
		var buf bytes.Buffer
		writeIncidentsCSV(&buf, list)
		s.writeDownload(w, r, "text/csv; charset=utf-8", e.ID+"-incidents.csv", buf.Bytes())
		return
	}
	s.writeJSON(w, r, struct {
		Election  string        `json:"election"`
		Taxonomy  any           `json:"taxonomy"`
		Incidents []apiIncident `json:"incidents"`
	}{e.ID, v.tax, list})
}

func toAPIIncident(election string, snap *areaSnapshot, v *publishedView, in iltod.IncidentRecord) apiIncident {
	at := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		t = t.UTC()
		return &t
	}
	out := apiIncident{
		ID: in.ID, Category: in.Category, Severity: in.Severity, Start: at(in.Start), End: at(in.End),
		Place: in.Place, Aimag: v.aimagOf(snap, in.Place), Narrative: in.Narrative, NarrativeSalt: in.NarrativeSalt,
		Source: in.Source, Trust: in.Trust, Status: in.Status,
		Evidence: []apiEvidence{}, Hidden: []string{}, Actors: []apiActorLink{},
		Links: map[string]string{"page": "/e/" + election + "/incidents#incident-" + in.ID},
	}
	if !in.Reported.IsZero() {
		out.ReportedOn = in.Reported.UTC().Format(time.DateOnly)
	}
	for _, ev := range in.Evidence {
		x := apiEvidence{PlainSHA256: ev.PlainSHA256, CipherSHA256: ev.CipherSHA256, MediaType: ev.MediaType,
			PublicSHA256: ev.PublicSHA256, PublicType: ev.PublicMediaType}
		if ev.PublicSHA256 != "" {
			x.PublicURL = "/e/" + election + "/evidence/" + ev.PublicSHA256
		}
		out.Evidence = append(out.Evidence, x)
	}
	for _, r := range in.Redactions {
		out.Hidden = append(out.Hidden, r.Field)
	}
	for _, l := range in.Actors {
		act, ok := v.actors[l.Actor]
		if !ok {
			continue
		}
		out.Actors = append(out.Actors, apiActorLink{Actor: l.Actor, Name: act.Name, Kind: act.Kind, Role: l.Role, Evidence: l.Evidence})
	}
	return out
}

// incidentsCSVHeader is the header of the incidents' CSV download.
var incidentsCSVHeader = []string{"id", "category", "severity", "start", "end", "station", "area", "lat", "lon",
	"aimag", "source", "trust", "narrative", "hidden", "actors", "evidence_sha256", "public_sha256"}

// writeIncidentsCSV writes the published incidents as CSV: lists within a cell are
// separated by spaces ("actor:role" for actors); times are RFC 3339 in UTC.
func writeIncidentsCSV(buf *bytes.Buffer, list []apiIncident) {
	cw := csv.NewWriter(buf)
	cw.Write(incidentsCSVHeader)
	ts := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.Format(time.RFC3339)
	}
	for _, in := range list {
		var lat, lon string
		if p := in.Place.Position; p != nil {
			lat, lon = e6(p.LatE6), e6(p.LonE6)
		}
		var actors, plain, public []string
		for _, a := range in.Actors {
			actors = append(actors, a.Actor+":"+string(a.Role))
		}
		for _, ev := range in.Evidence {
			plain = append(plain, ev.PlainSHA256)
			if ev.PublicSHA256 != "" {
				public = append(public, ev.PublicSHA256)
			}
		}
		cw.Write([]string{in.ID, in.Category, in.Severity, ts(in.Start), ts(in.End), in.Place.Station, in.Place.Area, lat, lon,
			in.Aimag, string(in.Source), string(in.Trust), csvSafe(in.Narrative), strings.Join(in.Hidden, " "),
			strings.Join(actors, " "), strings.Join(plain, " "), strings.Join(public, " ")})
	}
	cw.Flush()
}

// e6 writes a coordinate in millionths of a degree as decimal degrees.
func e6(v int64) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%06d", sign, v/1_000_000, v%1_000_000)
}

// csvSafe keeps a spreadsheet from reading a cell that starts with =, +, - or @ as a
// formula: such a cell is prefixed with an apostrophe.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// evidence serves the published copy of an evidence image (app.PublicEvidence).
func (ps *publicSite) evidence(w http.ResponseWriter, r *http.Request) {
	pe, err := ps.election(r.Context(), r.PathValue("election"))
	if err != nil {
		ps.fail(w, r, nil, err)
		return
	}
	sha := r.PathValue("sha256")
	if _, ok := iltod.PhotoHash(sha); !ok {
		ps.fail(w, r, &pe.e, iltod.E(iltod.ENotFound, "error.public_incident.no_evidence", locales.Args{"SHA256": "…"}))
		return
	}
	b, err := ps.s.app.PublicEvidence(r.Context(), pe.e.ID, sha)
	if err != nil {
		ps.fail(w, r, &pe.e, err)
		return
	}
	// Not immutable: a reviewer may withdraw the copy, and caches must let it go.
	servePhoto(w, r, b, cachePublic)
}
