package http

import (
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/evidence"
	"github.com/iltod/iltod/internal/incident"
	"github.com/iltod/iltod/locales"
)

// The console's incident pages: the list of an election's incidents with filters and
// counts and the form to report one, and each incident's page with everything staff may
// see of it and the reviewer's steps (verification, redaction, the public narrative,
// actor links, the published copy of an image). Every read and change goes through
// internal/app, which authorises it, a coordinator's areas included; the pages only hide
// the forms a role cannot use.

// incidentConsoleRoutes are the routes of the incident and actor pages of the console.
func (s *Server) incidentConsoleRoutes() []route {
	return []route{
		{"GET /staff/e/{election}/incidents", s.staff(s.conIncidents)},
		{"GET /staff/e/{election}/incidents/new", s.staff(s.conNewIncident)},
		{"POST /staff/e/{election}/incidents/new", s.staff(s.conReportIncident)},
		{"GET /staff/e/{election}/incidents/{id}", s.staff(s.conIncident)},
		{"GET /staff/e/{election}/incidents/{id}/evidence/{sha256}", s.staff(s.conSealedEvidence)},
		{"POST /staff/e/{election}/incidents/{id}/status", s.staff(s.conIncidentStatus)},
		{"POST /staff/e/{election}/incidents/{id}/redact", s.staff(s.conIncidentRedact)},
		{"POST /staff/e/{election}/incidents/{id}/narrative", s.staff(s.conIncidentNarrative)},
		{"POST /staff/e/{election}/incidents/{id}/link", s.staff(s.conIncidentLink)},
		{"POST /staff/e/{election}/incidents/{id}/copy", s.staff(s.conIncidentCopy)},
		{"GET /staff/e/{election}/actors", s.staff(s.conActors)},
		{"POST /staff/e/{election}/actors", s.staff(s.conPutActor)},
		{"POST /staff/e/{election}/actors/positions", s.staff(s.conPutPosition)},
		{"POST /staff/e/{election}/actors/occupancies", s.staff(s.conPutOccupancy)},
	}
}

// conIncidentFlashes are the outcomes a redirect to an incident or actor page may name
// with ?ok=, each shown as console.incidents.ok_KEY.
var conIncidentFlashes = map[string]bool{
	"reported": true, "status": true, "redacted": true, "narrative": true, "linked": true, "copy": true,
	"actor": true, "position": true, "occupancy": true,
}

// conIncidentFlash sets the page's flash message from ?ok= for the pages of this file
// (conFlash knows only its own).
func conIncidentFlash(p *page, r *http.Request) {
	if key := r.URL.Query().Get("ok"); conIncidentFlashes[key] {
		p.Flash = tr(p.Lang, "console.incidents.ok_"+key)
	}
}

// The statuses, sources and trust levels, in the order the pages list them.
var (
	conStatuses   = []iltod.IncidentStatus{iltod.IncidentUnverified, iltod.IncidentCorroborated, iltod.IncidentVerified, iltod.IncidentRejected}
	conSources    = []iltod.IncidentSource{iltod.SourceObserver, iltod.SourceCitizen, iltod.SourceStaff}
	conTrusts     = []iltod.Trust{iltod.TrustHigh, iltod.TrustMedium, iltod.TrustLow}
	conActorRoles = []iltod.ActorRole{iltod.RoleOrdered, iltod.RoleCarriedOut, iltod.RoleResponsibleFor, iltod.RoleFailedToPrevent}
)

// conCount is a labelled count, with the link that filters by it.
type conCount struct {
	Label, Href string
	Count       int
	Current     bool
}

// conIncidentRow is one incident in the list.
type conIncidentRow struct {
	ID, Href, Category, Severity, Status, Source, Trust, Place, When string
	Evidence                                                         int
	Redacted                                                         bool
}

type conIncidentsData struct {
	Rows                            []conIncidentRow
	Total, Shown                    int
	Status, Category, Source, Trust string
	StatusCounts                    []conCount
	Categories                      []conOptGroup
	Sources, Trusts, Statuses       []conOption
	MayReport                       bool
}

// conNewIncidentData is the report form.
type conNewIncidentData struct {
	Sealing    bool
	Categories []conOptGroup
	Severities []conOption
	Form       map[string]string
	MaxFiles   int
	// Reported is the incident just reported, for a staff member who may not read it.
	Reported string
}

// conOptGroup is a labelled group of options of a select.
type conOptGroup struct {
	Label   string
	Options []conOption
}

// conIncidentsShown bounds the incidents listed on one page.
const conIncidentsShown = 500

// conIncidents lists an election's incidents that the staff member may see, newest
// first, filtered by ?status=, ?category=, ?source= and ?trust=, with the counts by
// status, and the form to report one.
func (s *Server) conIncidents(w http.ResponseWriter, r *http.Request, sess app.Session) {
	e, ok := s.conElection(w, r, sess)
	if !ok {
		return
	}
	if !sess.Actor.May(app.MayReadIncidents) && sess.Actor.May(app.MayReportIncident) {
		// A clerk may report incidents without reading them.
		http.Redirect(w, r, newPage(r, e, "").ConURL("/staff/e/"+e.ID+"/incidents/new"), http.StatusSeeOther)
		return
	}
	ctx := r.Context()
	all, err := s.app.IncidentRecords(ctx, e.ID)
	if err != nil {
		s.conError(w, r, sess, e, err)
		return
	}
	tax, err := s.app.Taxonomy(ctx, e.ID)
	if err != nil {
		s.conError(w, r, sess, e, err)
		return
	}
	snap, err := s.snapshot(r, e.ID)
	if err != nil {
		s.conError(w, r, sess, e, err)
		return
	}
	p := conPage(r, sess, e, "console.incidents.title")
	conIncidentFlash(p, r)
	q := r.URL.Query()
	d := &conIncidentsData{Status: q.Get("status"), Category: q.Get("category"), Source: q.Get("source"), Trust: q.Get("trust"),
		MayReport: sess.Actor.May(app.MayReportIncident)}
	byStatus := map[iltod.IncidentStatus]int{}
	count := map[string]int{} // by category, source and trust, each code once
	for _, in := range all {
		byStatus[in.Status]++
		count["category:"+in.Category]++
		count["source:"+string(in.Source)]++
		count["trust:"+string(in.Trust)]++
	}
	counted := func(label string, n int) string { return label + " (" + p.N(n) + ")" }
	filter := func(kv ...string) string {
		vals := map[string]string{"status": d.Status, "category": d.Category, "source": d.Source, "trust": d.Trust}
		for i := 0; i+1 < len(kv); i += 2 {
			vals[kv[i]] = kv[i+1]
		}
		return p.ConURL(p.Path, "status", vals["status"], "category", vals["category"], "source", vals["source"], "trust", vals["trust"])
	}
	d.StatusCounts = append(d.StatusCounts, conCount{Label: tr(p.Lang, "console.incidents.all"), Count: len(all), Href: filter("status", ""), Current: d.Status == ""})
	for _, st := range conStatuses {
		d.StatusCounts = append(d.StatusCounts, conCount{Label: tr(p.Lang, "console.incidents.status_"+string(st)), Count: byStatus[st],
			Href: filter("status", string(st)), Current: d.Status == string(st)})
	}
	d.Statuses = []conOption{{Code: "", Label: tr(p.Lang, "console.incidents.any"), Selected: d.Status == ""}}
	for _, st := range conStatuses {
		d.Statuses = append(d.Statuses, conOption{Code: string(st), Label: tr(p.Lang, "console.incidents.status_"+string(st)), Selected: d.Status == string(st)})
	}
	d.Sources = []conOption{{Code: "", Label: tr(p.Lang, "console.incidents.any"), Selected: d.Source == ""}}
	for _, src := range conSources {
		d.Sources = append(d.Sources, conOption{Code: string(src), Label: counted(tr(p.Lang, "console.incidents.source_"+string(src)), count["source:"+string(src)]),
			Selected: d.Source == string(src)})
	}
	d.Trusts = []conOption{{Code: "", Label: tr(p.Lang, "console.incidents.any"), Selected: d.Trust == ""}}
	for _, tru := range conTrusts {
		d.Trusts = append(d.Trusts, conOption{Code: string(tru), Label: counted(tr(p.Lang, "console.incidents.trust_"+string(tru)), count["trust:"+string(tru)]),
			Selected: d.Trust == string(tru)})
	}
	d.Categories = conCategoryGroups(p.Lang, tax, d.Category)
	for _, g := range d.Categories {
		for i := range g.Options {
			g.Options[i].Label = counted(g.Options[i].Label, count["category:"+g.Options[i].Code])
		}
	}
	d.Categories = append([]conOptGroup{{Options: []conOption{{Code: "", Label: tr(p.Lang, "console.incidents.any"), Selected: d.Category == ""}}}}, d.Categories...)
	// Newest first.
	for i := len(all) - 1; i >= 0; i-- {
		in := all[i]
		if d.Status != "" && string(in.Status) != d.Status || d.Category != "" && in.Category != d.Category ||
			d.Source != "" && string(in.Source) != d.Source || d.Trust != "" && string(in.Trust) != d.Trust {
			continue
		}
		d.Total++
		if len(d.Rows) == conIncidentsShown {
			continue
		}
		d.Rows = append(d.Rows, conIncidentRow{
			ID: in.ID, Href: p.ConURL("/staff/e/" + e.ID + "/incidents/" + in.ID),
			Category: conCategoryLabel(p.Lang, tax, in.Category), Severity: conSeverityLabel(p.Lang, tax, in.Severity),
			Status: tr(p.Lang, "console.incidents.status_"+string(in.Status)), Source: tr(p.Lang, "console.incidents.source_"+string(in.Source)),
			Trust: tr(p.Lang, "console.incidents.trust_"+string(in.Trust)), Place: conPlace(p.Lang, snap, in.Place),
			When: conTime(in.Start), Evidence: len(in.Evidence), Redacted: in.Redacted,
		})
	}
	d.Shown = len(d.Rows)
	p.Data = d
	s.conRender(w, r, http.StatusOK, "con_incidents", p)
}

// conNewIncident shows the form to report an incident.
func (s *Server) conNewIncident(w http.ResponseWriter, r *http.Request, sess app.Session) {
	e, ok := s.conElection(w, r, sess)
	if !ok {
		return
	}
	s.conNewIncidentPage(w, r, sess, e, http.StatusOK, "")
}

// conNewIncidentPage renders the report form with status and a problem, if any; the
// values sent fill it again. Staff who may report incidents only.
func (s *Server) conNewIncidentPage(w http.ResponseWriter, r *http.Request, sess app.Session, e *iltod.Election, status int, errMsg string) {
	if !sess.Actor.May(app.MayReportIncident) {
		s.conError(w, r, sess, e, iltod.E(iltod.EForbidden, "error.app.role_may_not",
			locales.Args{"Role": locales.Key("console.role_" + string(sess.Actor.Role)), "Action": locales.Key("error.app.action_report_incident")}))
		return
	}
	tax, err := s.app.Taxonomy(r.Context(), e.ID)
	if err != nil {
		s.conError(w, r, sess, e, err)
		return
	}
	p := conPage(r, sess, e, "console.incidents.new_title")
	conIncidentFlash(p, r)
	p.FlashError = errMsg
	d := &conNewIncidentData{Sealing: s.app.EvidenceSealing(), MaxFiles: conMaxEvidenceFiles, Form: map[string]string{}}
	if id := r.URL.Query().Get("subject"); conSubjectRe.MatchString(id) && r.URL.Query().Get("ok") == "reported" {
		d.Reported = id
	}
	if r.Method == http.MethodPost {
		for _, k := range []string{"category", "severity", "start", "end", "station", "area", "lat", "lon", "accuracy", "narrative"} {
			d.Form[k] = r.PostFormValue(k)
		}
	}
	d.Categories = conCategoryGroups(p.Lang, tax, d.Form["category"])
	for _, sev := range tax.Severities {
		d.Severities = append(d.Severities, conOption{Code: sev.Code, Label: sev.Label.In(p.Lang), Selected: d.Form["severity"] == sev.Code})
	}
	p.Data = d
	s.conRender(w, r, status, "con_incident_new", p)
}

// conCategoryGroups returns the taxonomy's categories as option groups, chosen selected.
func conCategoryGroups(lang string, tax *incident.Taxonomy, chosen string) []conOptGroup {
	var out []conOptGroup
	for _, g := range tax.Groups {
		og := conOptGroup{Label: g.Label.In(lang)}
		for _, c := range g.Categories {
			og.Options = append(og.Options, conOption{Code: c.Code, Label: c.Label.In(lang), Selected: c.Code == chosen})
		}
		out = append(out, og)
	}
	return out
}

func conCategoryLabel(lang string, tax *incident.Taxonomy, code string) string {
	if c, ok := tax.Category(code); ok {
		return c.Label.In(lang)
	}
	return code
}

func conSeverityLabel(lang string, tax *incident.Taxonomy, code string) string {
	if s, ok := tax.Severity(code); ok {
		return s.Label.In(lang)
	}
	return code
}

// conPlace writes a place: a station's code, an area's name and code, or a position.
func conPlace(lang string, snap *areaSnapshot, pl iltod.Place) string {
	switch {
	case pl.Station != "":
		return tr(lang, "console.incidents.place_station", locales.Args{"Code": pl.Station})
	case pl.Area != "":
		name := pl.Area
		if i, ok := snap.pos[pl.Area]; ok {
			name = snap.areas[i].Name.In(lang) + " (" + pl.Area + ")"
		}
		return name
	case pl.Position != nil:
		return tr(lang, "console.incidents.place_position", locales.Args{
			"Lat": strconv.FormatFloat(float64(pl.Position.LatE6)/1e6, 'f', 5, 64),
			"Lon": strconv.FormatFloat(float64(pl.Position.LonE6)/1e6, 'f', 5, 64), "Accuracy": pl.Position.AccuracyM})
	}
	return ""
}

// conMaxEvidenceFiles bounds the evidence files of one report from the console.
const conMaxEvidenceFiles = 10

// conReportIncident reports an incident as the staff member (app.ReportIncident, source
// staff), sealing each evidence file first (app.SealEvidence): the server keeps only
// their ciphertext. The form, files included, is bounded by maxFormBytes and held in
// memory while it is read. Then to the new incident's page.
func (s *Server) conReportIncident(w http.ResponseWriter, r *http.Request, sess app.Session) {
	e, ok := s.conElection(w, r, sess)
	if !ok {
		return
	}
	again := func(status int, msg string) { s.conNewIncidentPage(w, r, sess, e, status, msg) }
	lang := conLang(r, e)
	rep := app.IncidentReport{Election: e.ID, Category: r.PostFormValue("category"), Severity: r.PostFormValue("severity"),
		Narrative: r.PostFormValue("narrative"), Source: iltod.SourceStaff}
	var err error
	if rep.Start, err = conFormTime(r.PostFormValue("start")); err != nil || rep.Start.IsZero() {
		again(http.StatusBadRequest, tr(lang, "console.incidents.bad_time"))
		return
	}
	if rep.End, err = conFormTime(r.PostFormValue("end")); err != nil {
		again(http.StatusBadRequest, tr(lang, "console.incidents.bad_time"))
		return
	}
	if rep.Place, err = conFormPlace(r); err != nil {
		again(http.StatusBadRequest, tr(lang, "console.incidents.bad_place"))
		return
	}
	if !utf8.ValidString(rep.Narrative) {
		rep.Narrative = ""
	}
	// Refuse what app would refuse before sealing anything.
	if !sess.Actor.May(app.MayReportIncident) {
		s.conError(w, r, sess, e, iltod.E(iltod.EForbidden, "error.app.role_may_not",
			locales.Args{"Role": locales.Key("console.role_" + string(sess.Actor.Role)), "Action": locales.Key("error.app.action_report_incident")}))
		return
	}
	files := conFiles(r, "evidence")
	if len(files) > conMaxEvidenceFiles {
		again(http.StatusBadRequest, tr(lang, "console.incidents.too_many_files", locales.Args{"Max": conMaxEvidenceFiles}))
		return
	}
	for _, fh := range files {
		data, err := conReadFile(fh, evidence.MaxEvidenceBytes)
		if err != nil {
			s.conFail(w, r, sess, e, err, again)
			return
		}
		ref, err := s.app.SealEvidence(r.Context(), data)
		clear(data)
		if err != nil {
			s.conFail(w, r, sess, e, err, again)
			return
		}
		rep.Evidence = append(rep.Evidence, ref)
	}
	in, err := s.app.ReportIncident(r.Context(), rep)
	if err != nil {
		s.conFail(w, r, sess, e, err, again)
		return
	}
	if !sess.Actor.May(app.MayReadIncidents) {
		conRedirect(w, r, "/staff/e/"+e.ID+"/incidents/new", "reported", in.ID)
		return
	}
	conRedirect(w, r, "/staff/e/"+e.ID+"/incidents/"+in.ID, "reported", "")
}

// conLang is the language of the page answering r about e.
func conLang(r *http.Request, e *iltod.Election) string {
	if l := r.URL.Query().Get("lang"); isPageLang(l) {
		return l
	}
	return electionLang(r, e)
}

// conFormTime reads a datetime-local value in UTC ("2006-01-02T15:04"), or zero for "".
func conFormTime(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, iltod.E(iltod.EInvalid, "error.incident.field", locales.Args{"Field": "time"})
}

// conFormPlace reads the place of a report form: a station's code, an area's code, or a
// latitude and longitude in degrees with an accuracy in metres. Exactly one must be given
// (app checks that they exist).
func conFormPlace(r *http.Request) (iltod.Place, error) {
	bad := iltod.E(iltod.EInvalid, "error.incident.field", locales.Args{"Field": "place"})
	pl := iltod.Place{Station: strings.TrimSpace(r.PostFormValue("station")), Area: strings.TrimSpace(r.PostFormValue("area"))}
	lat, lon := strings.TrimSpace(r.PostFormValue("lat")), strings.TrimSpace(r.PostFormValue("lon"))
	if lat != "" || lon != "" {
		la, err1 := strconv.ParseFloat(lat, 64)
		lo, err2 := strconv.ParseFloat(lon, 64)
		acc, err3 := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("accuracy")), 10, 64)
		if err1 != nil || err2 != nil || err3 != nil || math.IsNaN(la) || math.IsNaN(lo) || math.Abs(la) > 90 || math.Abs(lo) > 180 {
			return iltod.Place{}, bad
		}
		pl.Position = &iltod.Position{LatE6: int64(math.Round(la * 1e6)), LonE6: int64(math.Round(lo * 1e6)), AccuracyM: acc}
	}
	n := 0
	for _, given := range []bool{pl.Station != "", pl.Area != "", pl.Position != nil} {
		if given {
			n++
		}
	}
	if n != 1 {
		return iltod.Place{}, bad
	}
	return pl, nil
}

// conFiles returns the files of a multipart form's field, without empty ones (a file
// input left empty sends one with no name).
func conFiles(r *http.Request, field string) []*multipart.FileHeader {
	if r.MultipartForm == nil {
		return nil
	}
	var out []*multipart.FileHeader
	for _, fh := range r.MultipartForm.File[field] {
		if fh.Size > 0 || fh.Filename != "" {
			out = append(out, fh)
		}
	}
	return out
}

// conReadFile reads an uploaded file of at most max bytes: ETooLarge beyond.
func conReadFile(fh *multipart.FileHeader, max int64) ([]byte, error) {
	if fh.Size > max {
		return nil, iltod.E(iltod.ETooLarge, "error.evidence.size", locales.Args{"Max": max >> 20})
	}
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, iltod.E(iltod.ETooLarge, "error.evidence.size", locales.Args{"Max": max >> 20})
	}
	return b, nil
}

// conEvidenceRow is one piece of evidence on an incident's page.
type conEvidenceRow struct {
	N                                      int
	Plain, Cipher, MediaType, Href         string
	Public, PublicMediaType                string
	Redacted, Publishable, Image, Linkable bool
}

// conLinkRow is an actor's link on an incident's page.
type conLinkRow struct {
	Actor, Name, Role string
	Evidence          []int
	Redacted          bool
}

// conHistoryRow is one logged change of an incident.
type conHistoryRow struct {
	When, By, Action, What, Reason string
}

// conRedactField is one field a redaction may hide, with what hides it now.
type conRedactField struct {
	ID, Field, Label, What string
	Hidden                 bool
}

type conIncidentData struct {
	ID, Category, Severity, Status, Source, Trust, Place, Start, End, Reported string
	Narrative                                                                  string
	Reporter                                                                   string
	ShowReporter, Redacted                                                     bool
	Evidence                                                                   []conEvidenceRow
	Links                                                                      []conLinkRow
	History                                                                    []conHistoryRow
	// The forms, for those who may review.
	MayVerify   bool
	NextSteps   []conOption
	Fields      []conRedactField
	Actors      []conOption
	Roles       []conOption
	Publishable bool
	Form        map[string]string
	Base        string
}

// conIncident shows one incident (see conIncidentPage).
func (s *Server) conIncident(w http.ResponseWriter, r *http.Request, sess app.Session) {
	e, ok := s.conElection(w, r, sess)
	if !ok {
		return
	}
	s.conIncidentPage(w, r, sess, e, http.StatusOK, "")
}

// conIncidentPage shows everything the staff member may see of an incident: its fields
// and narrative, its reporter to those who may read observers, its evidence with hashes,
// media types and a link to the sealed ciphertext, its actor links, its redactions and
// its history of logged changes with their reasons; and, for those who may review, the
// forms of each step. The values of a form sent back with a problem fill it again.
func (s *Server) conIncidentPage(w http.ResponseWriter, r *http.Request, sess app.Session, e *iltod.Election, status int, errMsg string) {
	ctx := r.Context()
	id := r.PathValue("id")
	in, err := s.app.Incident(ctx, e.ID, id)
	if err != nil {
		s.conError(w, r, sess, e, err)
		return
	}
	hist, err := s.app.IncidentHistory(ctx, e.ID, id)
	if err != nil {
		s.conError(w, r, sess, e, err)
		return
	}
	tax, err := s.app.Taxonomy(ctx, e.ID)
	if err != nil {
		s.conError(w, r, sess, e, err)
		return
	}
	snap, err := s.snapshot(r, e.ID)
	if err != nil {
		s.conError(w, r, sess, e, err)
		return
	}
	actors, _, _, err := s.app.Actors(ctx, e.ID)
	if err != nil {
		s.conError(w, r, sess, e, err)
		return
	}
	p := conPage(r, sess, e, "console.incidents.incident_title")
	p.Title += " " + in.ID
	conIncidentFlash(p, r)
	p.FlashError = errMsg
	base := "/staff/e/" + e.ID + "/incidents/" + in.ID
	d := &conIncidentData{ID: in.ID, Category: conCategoryLabel(p.Lang, tax, in.Category), Severity: conSeverityLabel(p.Lang, tax, in.Severity),
		Status: tr(p.Lang, "console.incidents.status_"+string(in.Status)), Source: tr(p.Lang, "console.incidents.source_"+string(in.Source)),
		Trust: tr(p.Lang, "console.incidents.trust_"+string(in.Trust)), Place: conPlace(p.Lang, snap, in.Place),
		Start: conTime(in.Start), End: conTime(in.End), Reported: conTime(in.Reported), Narrative: in.Narrative,
		ShowReporter: sess.Actor.May(app.MayReadReporters), Reporter: in.Reporter, Redacted: in.Redacted,
		MayVerify: sess.Actor.May(app.MayVerifyIncident), Base: base}
	hidden := map[string]string{}
	for _, rd := range in.Redactions {
		hidden[rd.Field] = rd.Reason
	}
	names := map[string]string{}
	for _, a := range actors {
		names[a.Code] = a.Name.In(p.Lang, e.Languages...)
		d.Actors = append(d.Actors, conOption{Code: a.Code, Label: names[a.Code] + " (" + a.Code + ")"})
	}
	num := map[string]int{}
	for i, ev := range in.Evidence {
		num[ev.PlainSHA256] = i + 1
		_, hid := hidden["evidence/"+ev.PlainSHA256]
		image := ev.MediaType == "image/jpeg" || ev.MediaType == "image/png"
		d.Evidence = append(d.Evidence, conEvidenceRow{N: i + 1, Plain: ev.PlainSHA256, Cipher: ev.CipherSHA256, MediaType: ev.MediaType,
			Href: p.ConURL(base + "/evidence/" + ev.PlainSHA256), Public: ev.PublicSHA256, PublicMediaType: ev.PublicMediaType,
			Redacted: hid, Image: image})
		d.Publishable = d.Publishable || image
	}
	for _, l := range in.Actors {
		row := conLinkRow{Actor: l.Actor, Name: names[l.Actor], Role: tr(p.Lang, "console.incidents.role_"+string(l.Role))}
		_, row.Redacted = hidden["actor/"+l.Actor]
		for _, h := range l.Evidence {
			row.Evidence = append(row.Evidence, num[h])
		}
		d.Links = append(d.Links, row)
	}
	for _, c := range hist {
		d.History = append(d.History, conHistoryRow{When: conTime(c.Time), By: c.By, Reason: c.Reason,
			Action: trOr(p.Lang, "console.incidents.action_"+c.Action, c.Action), What: conChangeWhat(p.Lang, c, num)})
	}
	if d.MayVerify {
		for _, st := range conStatuses {
			if iltod.NextStatusAllowed(in.Status, st) {
				d.NextSteps = append(d.NextSteps, conOption{Code: string(st), Label: tr(p.Lang, "console.incidents.step_"+string(st))})
			}
		}
		for i, f := range conRedactable(in) {
			what, hid := hidden[f]
			label := trOr(p.Lang, "console.incidents.field_"+f, f)
			if kind, v, one := strings.Cut(f, "/"); one && kind == "evidence" {
				label = tr(p.Lang, "console.incidents.field_evidence_one", locales.Args{"N": num[v], "MediaType": in.Evidence[num[v]-1].MediaType})
			} else if one && kind == "actor" {
				label = tr(p.Lang, "console.incidents.field_actor_one", locales.Args{"Name": names[v], "Code": v})
			}
			d.Fields = append(d.Fields, conRedactField{ID: "redact-" + strconv.Itoa(i), Field: f, Label: label, What: what, Hidden: hid})
		}
		for _, role := range conActorRoles {
			d.Roles = append(d.Roles, conOption{Code: string(role), Label: tr(p.Lang, "console.incidents.role_"+string(role))})
		}
		if r.Method == http.MethodPost {
			d.Form = map[string]string{"form": conFormName(r), "reason": r.PostFormValue("reason"), "narrative": r.PostFormValue("narrative")}
			if conFormName(r) == "redact" {
				for i := range d.Fields {
					f := &d.Fields[i]
					f.Hidden = slices.Contains(r.PostForm["hide"], f.Field)
					f.What = r.PostFormValue("what:" + f.Field)
				}
			}
		}
	}
	p.Data = d
	s.conRender(w, r, status, "con_incident", p)
}

// conFormName is which of an incident's forms r sent: the last part of its path.
func conFormName(r *http.Request) string {
	return r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
}

// conRedactable lists the fields of in that a redaction may hide: the whole narrative,
// place, time, evidence and actors, then each piece of evidence and each linked actor.
func conRedactable(in iltod.IncidentRecord) []string {
	out := []string{"narrative", "place", "time", "evidence", "actors"}
	for _, ev := range in.Evidence {
		out = append(out, "evidence/"+ev.PlainSHA256)
	}
	seen := map[string]bool{}
	for _, l := range in.Actors {
		if !seen[l.Actor] {
			seen[l.Actor] = true
			out = append(out, "actor/"+l.Actor)
		}
	}
	return out
}

// conChangeWhat says what a logged change did, in lang.
func conChangeWhat(lang string, c app.IncidentChange, num map[string]int) string {
	switch c.Action {
	case "report":
		return trOr(lang, "console.incidents.source_"+c.Source, c.Source)
	case "status":
		return trOr(lang, "console.incidents.status_"+c.To, c.To)
	case "redact":
		var parts []string
		for _, f := range c.Fields {
			kind, v, _ := strings.Cut(f, "/")
			switch kind {
			case "evidence":
				if v != "" {
					parts = append(parts, tr(lang, "console.incidents.evidence_n", locales.Args{"N": num[v]}))
					continue
				}
			case "actor":
				parts = append(parts, v)
				continue
			}
			parts = append(parts, trOr(lang, "console.incidents.field_"+f, f))
		}
		if len(parts) == 0 {
			return tr(lang, "console.incidents.nothing_hidden")
		}
		return strings.Join(parts, ", ")
	case "link":
		return c.Actor + " · " + trOr(lang, "console.incidents.role_"+c.Role, c.Role)
	case "publish_copy":
		return tr(lang, "console.incidents.evidence_n", locales.Args{"N": num[c.Evidence]})
	}
	return ""
}

// conIncidentDone answers an incident's step: back to its page with the flash key, or
// the page again with the problem.
func (s *Server) conIncidentDone(w http.ResponseWriter, r *http.Request, sess app.Session, e *iltod.Election, err error, key string) {
	if err != nil {
		s.conFail(w, r, sess, e, err, func(status int, msg string) { s.conIncidentPage(w, r, sess, e, status, msg) })
		return
	}
	conRedirect(w, r, "/staff/e/"+e.ID+"/incidents/"+r.PathValue("id"), key, "")
}

// conIncidentStatus takes a verification step (app.VerifyIncident).
func (s *Server) conIncidentStatus(w http.ResponseWriter, r *http.Request, sess app.Session) {
	e, ok := s.conElection(w, r, sess)
	if !ok {
		return
	}
	err := s.app.VerifyIncident(r.Context(), e.ID, r.PathValue("id"), iltod.IncidentStatus(r.PostFormValue("to")), r.PostFormValue("reason"))
	s.conIncidentDone(w, r, sess, e, err, "status")
}

// conIncidentRedact sets what is hidden from publication (app.RedactIncident): each
// checked field ("hide") with what it hides ("what:FIELD").
func (s *Server) conIncidentRedact(w http.ResponseWriter, r *http.Request, sess app.Session) {
	e, ok := s.conElection(w, r, sess)
	if !ok {
		return
	}
	var rs []iltod.Redaction
	for _, f := range r.PostForm["hide"] {
		what := strings.TrimSpace(r.PostFormValue("what:" + f))
		if what == "" {
			s.conIncidentPage(w, r, sess, e, http.StatusBadRequest, tr(conLang(r, e), "console.incidents.say_what"))
			return
		}
		rs = append(rs, iltod.Redaction{Field: f, Reason: what})
	}
	err := s.app.RedactIncident(r.Context(), e.ID, r.PathValue("id"), rs, r.PostFormValue("reason"))
	s.conIncidentDone(w, r, sess, e, err, "redacted")
}

// conIncidentNarrative sets the public narrative (app.SetIncidentNarrative).
func (s *Server) conIncidentNarrative(w http.ResponseWriter, r *http.Request, sess app.Session) {
	e, ok := s.conElection(w, r, sess)
	if !ok {
		return
	}
	text := strings.TrimSpace(r.PostFormValue("narrative"))
	if !utf8.ValidString(text) {
		text = ""
	}
	err := s.app.SetIncidentNarrative(r.Context(), e.ID, r.PathValue("id"), text, r.PostFormValue("reason"))
	s.conIncidentDone(w, r, sess, e, err, "narrative")
}

// conIncidentLink links an actor in a role, resting on the chosen evidence (app.LinkActor).
func (s *Server) conIncidentLink(w http.ResponseWriter, r *http.Request, sess app.Session) {
	e, ok := s.conElection(w, r, sess)
	if !ok {
		return
	}
	l := iltod.ActorLink{Actor: r.PostFormValue("actor"), Role: iltod.ActorRole(r.PostFormValue("role")), Evidence: r.PostForm["evidence"]}
	err := s.app.LinkActor(r.Context(), e.ID, r.PathValue("id"), l, r.PostFormValue("reason"))
	s.conIncidentDone(w, r, sess, e, err, "linked")
}

// conIncidentCopy publishes the copy of an image (app.PublishEvidenceCopy): the reviewer
// uploads the original as decrypted off the server; it is checked against the
// evidence's hash, copied without metadata, and never kept.
func (s *Server) conIncidentCopy(w http.ResponseWriter, r *http.Request, sess app.Session) {
	e, ok := s.conElection(w, r, sess)
	if !ok {
		return
	}
	files := conFiles(r, "original")
	if len(files) != 1 {
		s.conIncidentPage(w, r, sess, e, http.StatusBadRequest, tr(conLang(r, e), "console.incidents.give_original"))
		return
	}
	data, err := conReadFile(files[0], evidence.MaxEvidenceBytes)
	if err == nil {
		err = s.app.PublishEvidenceCopy(r.Context(), e.ID, r.PathValue("id"), r.PostFormValue("evidence"), data, r.PostFormValue("reason"))
		clear(data)
	}
	s.conIncidentDone(w, r, sess, e, err, "copy")
}

// conSealedEvidence downloads the age ciphertext of one piece of evidence, to open off
// the server with iltod evidence decrypt.
func (s *Server) conSealedEvidence(w http.ResponseWriter, r *http.Request, sess app.Session) {
	e, ok := s.conElection(w, r, sess)
	if !ok {
		return
	}
	sha := r.PathValue("sha256")
	b, err := s.app.SealedEvidence(r.Context(), e.ID, r.PathValue("id"), sha)
	if err != nil {
		s.conError(w, r, sess, e, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", evidence.CipherMediaType)
	h.Set("Content-Disposition", `attachment; filename="`+url.PathEscape(shortName(sha))+`.age"`)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}

// shortName is the first 16 characters of a hash, for a file name.
func shortName(sha string) string {
	if len(sha) > 16 {
		return sha[:16]
	}
	return sha
}
