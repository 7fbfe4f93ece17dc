package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/locales"
)

// Citizens' reports: the anonymous form's side of the app (docs/anonymous-reporting.md).
// A citizen reports with no account; what they write and every file they give is sealed
// to the evidence recipients on arrival (SealEvidence), so the incident stored has an
// empty Narrative and the words live only as a sealed text/plain evidence item. The
// reporter gets a follow-up code, of which the store keeps only a hash; with it they can
// see the status and add information, and nothing else. Nothing here sees, stores or
// logs who the reporter is or where they connect from: these methods take no such input.
// Citizens' incidents are incidents only, with low trust: no checklist, PVT or result
// reads them.

// Bounds of a citizen's report. Callers (the HTTP form) bound what they read to them
// before calling, so that a large request is refused before it is held in memory.
const (
	// MaxCitizenFiles is the most files one submission may carry.
	MaxCitizenFiles = 5
	// MaxCitizenFileBytes bounds each file.
	MaxCitizenFileBytes = 10 << 20
	// MaxCitizenEvidence bounds the evidence items of one citizen's incident, its
	// texts included, over the first report and every addition.
	MaxCitizenEvidence = 40
)

// CitizenTextType is the media type of the sealed evidence item that holds a citizen's
// words.
const CitizenTextType = "text/plain"

// CitizenReport is what the anonymous form gives for a new incident. Nothing in it names
// the reporter.
type CitizenReport struct {
	Election string
	// Category is a category of the election's taxonomy.
	Category string
	// Start is when it happened, End the end of the span or zero for a moment.
	Start, End time.Time
	// Station or Area, at most one, says where; neither gives the election's whole
	// territory ("nothing more precise").
	Station, Area string
	// Narrative is what happened, in the reporter's words: required.
	Narrative string
	// Files are the attachments, at most MaxCitizenFiles of MaxCitizenFileBytes each.
	Files [][]byte
}

// citizenSeverity is the severity a citizen's incident is stored with: the taxonomy's
// first (the least) until a reviewer judges it. Citizens are not asked.
func citizenSeverity(sevs []string) string {
	if len(sevs) == 0 {
		return ""
	}
	return sevs[0]
}

// ReportAsCitizen stores a citizen's report as a new unverified incident of source
// citizen and low trust, with its logged event, and returns the follow-up code to show
// the reporter once; the store keeps only its hash (iltod.FollowupHash). Anyone may call
// it; the caller's identity, if any, is ignored.
//
// The narrative and each file are sealed to the evidence recipients before anything is
// stored; the incident's Narrative is left empty. It returns EConflict
// ("error.evidence.no_recipients") when the server has no recipients, and EInvalid with a
// catalogue key for any bad field; in both cases nothing is stored. Limits and rates are
// the caller's to bound before calling (MaxCitizenFiles, MaxCitizenFileBytes). Should
// storing the code's hash fail once the incident is stored, the incident stays (its event
// is in the log) and the error is returned: the report is kept, with no code to follow it.
func (a *App) ReportAsCitizen(ctx context.Context, r CitizenReport) (code string, err error) {
	if !a.EvidenceSealing() {
		return "", iltod.E(iltod.EConflict, "error.evidence.no_recipients", nil)
	}
	el, err := a.election(ctx, r.Election)
	if err != nil {
		return "", err
	}
	tax, err := a.Taxonomy(ctx, r.Election)
	if err != nil {
		return "", err
	}
	var sevs []string
	for _, s := range tax.Severities {
		sevs = append(sevs, s.Code)
	}
	if _, ok := tax.Category(r.Category); !ok {
		return "", iltod.E(iltod.EInvalid, "error.citizen.category", nil)
	}
	place, err := citizenPlace(el, r.Station, r.Area)
	if err != nil {
		return "", err
	}
	now := a.now()
	switch {
	case r.Start.IsZero() || r.Start.After(now.Add(24*time.Hour)) || r.Start.Year() < 2000:
		return "", iltod.E(iltod.EInvalid, "error.citizen.when", nil)
	case !r.End.IsZero() && (r.End.Before(r.Start) || r.End.After(now.Add(24*time.Hour))):
		return "", iltod.E(iltod.EInvalid, "error.citizen.when_end", nil)
	}
	if err := checkCitizenText(r.Narrative, true); err != nil {
		return "", err
	}
	if err := checkCitizenFiles(r.Files, 0); err != nil {
		return "", err
	}
	// The form of the whole incident is checked before anything is sealed, so that a
	// refusal leaves no ciphertext behind either.
	probe := iltod.IncidentRecord{
		ID: "pending", Election: r.Election, Category: r.Category, Severity: citizenSeverity(sevs),
		Start: r.Start.UTC(), End: r.End.UTC(), Place: place, Source: iltod.SourceCitizen, Trust: iltod.TrustLow,
		Status: iltod.IncidentUnverified,
	}
	if err := probe.Validate(); err != nil {
		return "", err
	}
	refs, err := a.sealCitizen(ctx, nil, r.Narrative, r.Files)
	if err != nil {
		return "", err
	}
	// The reporter is the public whoever calls: a staff session does not name them.
	in, err := a.ReportIncident(context.WithoutCancel(publicContext(ctx)), IncidentReport{
		Election: r.Election, Category: r.Category, Severity: probe.Severity, Start: r.Start, End: r.End,
		Place: place, Evidence: refs, Source: iltod.SourceCitizen,
	})
	if err != nil {
		return "", err
	}
	code = iltod.NewFollowupCode()
	if err := a.store.PutFollowup(context.WithoutCancel(ctx), iltod.Followup{
		Election: r.Election, Hash: iltod.FollowupHash(r.Election, code), Incident: in.ID, Created: now.UTC(),
	}); err != nil {
		return "", err
	}
	return code, nil
}

// CitizenStatus returns the status of the citizen's incident that code follows: only
// the status, never a reviewer's reason. Anyone may call it. A code that is malformed or
// unknown is answered alike, ENotFound ("error.followup.unknown"), so that the answer
// teaches a guesser nothing. Callers rate-limit guesses.
func (a *App) CitizenStatus(ctx context.Context, election, code string) (iltod.IncidentStatus, error) {
	in, err := a.followed(ctx, election, code)
	if err != nil {
		return "", err
	}
	return in.Status, nil
}

// AddToCitizenReport adds information to the citizen's incident that code follows: more
// words (text, sealed as a text/plain item like the first narrative) and files, each
// sealed on arrival and appended to the incident's evidence, as a logged incident change
// by the public. text or files must give something; files already in the incident are
// not added twice. It returns ENotFound for a bad code (as CitizenStatus), EConflict when
// the server has no evidence recipients or a reviewer changed the incident meanwhile, and
// EInvalid for bad input or when the incident would hold more than MaxCitizenEvidence
// items; in each case nothing is stored.
func (a *App) AddToCitizenReport(ctx context.Context, election, code, text string, files [][]byte) error {
	if !a.EvidenceSealing() {
		return iltod.E(iltod.EConflict, "error.evidence.no_recipients", nil)
	}
	in, err := a.followed(ctx, election, code)
	if err != nil {
		return err
	}
	// Read it again under its lock, so that nothing added meanwhile, on any instance,
	// is dropped by this change.
	unlock, err := a.lockIncident(ctx, election, in.ID)
	if err != nil {
		return err
	}
	defer unlock()
	if in, err = a.store.Incident(ctx, election, in.ID); err != nil {
		return err
	}
	if strings.TrimSpace(text) == "" && len(files) == 0 {
		return iltod.E(iltod.EInvalid, "error.citizen.nothing_added", nil)
	}
	if err := checkCitizenText(text, false); err != nil {
		return err
	}
	if err := checkCitizenFiles(files, len(in.Evidence)); err != nil {
		return err
	}
	have := map[string]bool{}
	for _, e := range in.Evidence {
		have[e.PlainSHA256] = true
	}
	refs, err := a.sealCitizen(ctx, have, text, files)
	if err != nil {
		return err
	}
	if len(refs) == 0 {
		return iltod.E(iltod.EInvalid, "error.citizen.nothing_added", nil)
	}
	from := in.Status
	in.Evidence = append(in.Evidence, refs...)
	if err := in.Validate(); err != nil {
		return err
	}
	added := make([]string, len(refs))
	for i, r := range refs {
		added[i] = r.PlainSHA256
	}
	ev, err := a.event("public", election, iltod.EventIncident, iltod.IncidentSubject(in.ID), map[string]any{
		"action": "add", "source": string(iltod.SourceCitizen), "evidence": added})
	if err != nil {
		return err
	}
	_, err = a.store.UpdateIncident(context.WithoutCancel(ctx), in, from, ev)
	return err
}

// followed returns the citizen's incident that code follows, or ENotFound.
func (a *App) followed(ctx context.Context, election, code string) (iltod.IncidentRecord, error) {
	unknown := iltod.E(iltod.ENotFound, "error.followup.unknown", nil)
	c, err := iltod.ParseFollowupCode(code)
	if err != nil || !iltod.ValidElectionID(election) {
		return iltod.IncidentRecord{}, unknown
	}
	id, err := a.store.FollowupIncident(ctx, election, iltod.FollowupHash(election, c))
	if err != nil {
		return iltod.IncidentRecord{}, err
	}
	in, err := a.store.Incident(ctx, election, id)
	if err != nil {
		return iltod.IncidentRecord{}, err
	}
	if in.Source != iltod.SourceCitizen {
		return iltod.IncidentRecord{}, unknown
	}
	return in, nil
}

// sealCitizen seals text (if any) as a text/plain item and each file, skipping those
// whose plaintext hash is in have or came earlier, and returns their references.
func (a *App) sealCitizen(ctx context.Context, have map[string]bool, text string, files [][]byte) ([]iltod.EvidenceRef, error) {
	if have == nil {
		have = map[string]bool{}
	}
	var refs []iltod.EvidenceRef
	seal := func(b []byte, mediaType string) error {
		h := sha256.Sum256(b)
		if have[hex.EncodeToString(h[:])] {
			return nil
		}
		ref, err := a.SealEvidence(ctx, b)
		if err != nil {
			return err
		}
		if mediaType != "" {
			ref.MediaType = mediaType
		}
		have[ref.PlainSHA256] = true
		refs = append(refs, ref)
		return nil
	}
	if strings.TrimSpace(text) != "" {
		if err := seal([]byte(text), CitizenTextType); err != nil {
			return nil, err
		}
	}
	for _, f := range files {
		if err := seal(f, ""); err != nil {
			return nil, err
		}
	}
	return refs, nil
}

// checkCitizenText checks a citizen's words: valid UTF-8 of at most
// iltod.MaxNarrativeLen characters, and not blank when required.
func checkCitizenText(s string, required bool) error {
	switch {
	case required && strings.TrimSpace(s) == "":
		return iltod.E(iltod.EInvalid, "error.citizen.narrative_required", nil)
	case !utf8.ValidString(s) || strings.ContainsRune(s, 0) || utf8.RuneCountInString(s) > iltod.MaxNarrativeLen:
		return iltod.E(iltod.EInvalid, "error.citizen.narrative_long", locales.Args{"Max": iltod.MaxNarrativeLen})
	}
	return nil
}

// checkCitizenFiles checks the files of one submission to an incident holding have
// evidence items already.
func checkCitizenFiles(files [][]byte, have int) error {
	if len(files) > MaxCitizenFiles {
		return iltod.E(iltod.EInvalid, "error.citizen.too_many_files", locales.Args{"Max": MaxCitizenFiles})
	}
	for _, f := range files {
		switch {
		case len(f) == 0:
			return iltod.E(iltod.EInvalid, "error.citizen.empty_file", nil)
		case len(f) > MaxCitizenFileBytes:
			return iltod.E(iltod.ETooLarge, "error.citizen.file_too_large", locales.Args{"Max": MaxCitizenFileBytes >> 20})
		}
	}
	if have+len(files)+1 > MaxCitizenEvidence {
		return iltod.E(iltod.EInvalid, "error.citizen.report_full", locales.Args{"Max": MaxCitizenEvidence})
	}
	return nil
}

// citizenPlace returns the place of a citizen's report: the station or the area given
// (at most one), else the election's root area.
func citizenPlace(el *election, station, area string) (iltod.Place, error) {
	switch {
	case station != "" && area != "":
		return iltod.Place{}, iltod.E(iltod.EInvalid, "error.citizen.place_both", nil)
	case station != "":
		if _, ok := el.stations[station]; !ok {
			return iltod.Place{}, iltod.E(iltod.EInvalid, "error.citizen.station", locales.Args{"Station": station})
		}
		return iltod.Place{Station: station}, nil
	case area != "":
		if _, ok := el.areas.Area(area); !ok {
			return iltod.Place{}, iltod.E(iltod.EInvalid, "error.citizen.area", nil)
		}
		return iltod.Place{Area: area}, nil
	}
	roots := el.areas.Children("")
	if len(roots) == 0 {
		return iltod.Place{}, iltod.E(iltod.EInvalid, "error.citizen.area", nil)
	}
	return iltod.Place{Area: roots[0]}, nil
}

// publicContext returns ctx without its actor: what a citizen does is done by the
// public, whatever session the request carried.
func publicContext(ctx context.Context) context.Context {
	return WithActor(ctx, Actor{})
}
