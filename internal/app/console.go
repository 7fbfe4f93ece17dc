package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/iltod/iltod"
)

// AreaCoverage is how many of an area's stations (at or below it) have been heard from.
type AreaCoverage struct {
	Area  string      `json:"area"`
	Level iltod.Level `json:"level"`
	Name  iltod.Text  `json:"name"`
	// Stations is the number of stations; Reporting those with any accepted report;
	// Results those with observers' results for at least one contest.
	Stations  int `json:"stations"`
	Reporting int `json:"reporting"`
	Results   int `json:"results"`
}

// Coverage returns reporting coverage for every area of an election, in package order.
// Public: counts only. Inputs are at most analysisTTL old.
func (a *App) Coverage(ctx context.Context, election string) ([]AreaCoverage, error) {
	in, err := a.inputs(ctx, election)
	if err != nil {
		return nil, err
	}
	return in.coverage, nil
}

// IncidentCategory counts incident reports of one category.
type IncidentCategory struct {
	Code  string     `json:"code"`
	Label iltod.Text `json:"label"`
	Count int        `json:"count"`
	// ByArea counts them by the region (the level below the country) of the station.
	ByArea map[string]int `json:"by_area"`
}

// IncidentSummary counts the incident reports of one incident form by the categories of
// its first single-choice question.
type IncidentSummary struct {
	Form       string             `json:"form"`
	Name       iltod.Text         `json:"name"`
	Question   string             `json:"question"`
	Label      iltod.Text         `json:"label"`
	Total      int                `json:"total"`
	Categories []IncidentCategory `json:"categories"`
}

// Incidents counts incident reports by category and region. Public: counts only — never
// an observer, never the testimony. Rejected and quarantined reports are left out.
func (a *App) Incidents(ctx context.Context, election string) ([]IncidentSummary, error) {
	in, err := a.inputs(ctx, election)
	if err != nil {
		return nil, err
	}
	return in.incidents, nil
}

// summarise builds the public counts of in from all submissions.
func (in *inputs) summarise(el *election, subs []iltod.Submission) {
	// Coverage.
	reporting := map[string]bool{}
	for i := range subs {
		if subs[i].Status != iltod.Rejected && subs[i].Status != iltod.Quarantined {
			reporting[subs[i].Report.Station] = true
		}
	}
	results := in.stationsWithResults()
	pos := make(map[string]int, len(el.areaList))
	in.coverage = make([]AreaCoverage, len(el.areaList))
	for i, ar := range el.areaList {
		pos[ar.Code] = i
		in.coverage[i] = AreaCoverage{Area: ar.Code, Level: ar.Level, Name: ar.Name}
	}
	for _, code := range el.stationOrder {
		st := el.stations[code]
		for _, ac := range el.areas.Path(st.Area) {
			c := &in.coverage[pos[ac]]
			c.Stations++
			if reporting[code] {
				c.Reporting++
			}
			if results[code] {
				c.Results++
			}
		}
	}
	// Incidents, by the first single-choice question of each incident form.
	in.incidents = nil
	for _, code := range el.formCodes() {
		f, _ := el.latestForm(code)
		if f.Kind != iltod.Incident {
			continue
		}
		qi := slices.IndexFunc(f.Questions, func(q iltod.Question) bool { return q.Type == iltod.SelectOne })
		if qi < 0 {
			continue
		}
		q := f.Questions[qi]
		sum := IncidentSummary{Form: f.Code, Name: f.Name, Question: q.Tag, Label: q.Label}
		byCode := map[string]int{}
		for _, o := range q.Options {
			byCode[o.Code] = len(sum.Categories)
			sum.Categories = append(sum.Categories, IncidentCategory{Code: o.Code, Label: o.Label, ByArea: map[string]int{}})
		}
		for i := range subs {
			s := &subs[i]
			if s.Report.Form != f.Code || s.Status == iltod.Rejected || s.Status == iltod.Quarantined {
				continue
			}
			v, ok := s.Report.Answers[q.Tag]
			if !ok || v.Kind != iltod.Str {
				continue
			}
			k, ok := byCode[v.Str]
			if !ok {
				continue
			}
			c := &sum.Categories[k]
			c.Count++
			sum.Total++
			if st, ok := el.stations[s.Report.Station]; ok {
				if path := el.areas.Path(st.Area); len(path) > 1 {
					c.ByArea[path[1]]++
				}
			}
		}
		in.incidents = append(in.incidents, sum)
	}
}

// ObserverStatus is one observer's reporting on election day, for coordinators.
type ObserverStatus struct {
	Observer iltod.Observer `json:"observer"`
	// Devices enrolled and not revoked.
	Devices int `json:"devices"`
	// Reports accepted from the observer, and when the last arrived.
	Reports    int        `json:"reports"`
	LastReport *time.Time `json:"last_report,omitempty"`
	// Missing are the observer's stations that have no observers' results yet.
	Missing []string `json:"missing"`
}

// ObserverStatuses lists the observers of an election with their reporting status: for a
// coordinator limited to areas, those with a station in them. Staff with the right to read
// observers only.
func (a *App) ObserverStatuses(ctx context.Context, election string) ([]ObserverStatus, error) {
	if err := authorize(ctx, actionReadObservers); err != nil {
		return nil, err
	}
	el, in, err := a.electionInputs(ctx, election)
	if err != nil {
		return nil, err
	}
	devices, err := a.store.Devices(ctx, election, "")
	if err != nil {
		return nil, err
	}
	active := map[string]int{}
	for _, d := range devices {
		if d.Revoked == nil {
			active[d.Observer]++
		}
	}
	results := in.stationsWithResults()
	type tally struct {
		n    int
		last time.Time
	}
	byObserver := map[string]*tally{}
	for i := range in.subs {
		s := &in.subs[i]
		t := byObserver[s.Observer]
		if t == nil {
			t = &tally{}
			byObserver[s.Observer] = t
		}
		t.n++
		if s.Received.After(t.last) {
			t.last = s.Received
		}
	}
	actor := ActorFrom(ctx)
	var out []ObserverStatus
	for _, code := range el.observerOrder {
		o := el.observers[code]
		mine := false
		for _, st := range o.Stations {
			if s, ok := el.stations[st]; ok && actor.covers(el.areas, s.Area) {
				mine = true
			}
		}
		if !mine && len(actor.Areas) > 0 {
			continue
		}
		os := ObserverStatus{Observer: *o, Devices: active[code], Missing: []string{}}
		if t := byObserver[code]; t != nil {
			last := t.last
			os.Reports, os.LastReport = t.n, &last
		}
		for _, st := range o.Stations {
			if !results[st] {
				os.Missing = append(os.Missing, st)
			}
		}
		out = append(out, os)
	}
	return out, nil
}

// MissingStation is a station with no observers' results yet.
type MissingStation struct {
	Station iltod.Station `json:"station"`
	// Path is the station's areas from the country down.
	Path []string `json:"path"`
	// Reporting is true if the station has sent any report (a checklist, say).
	Reporting bool `json:"reporting"`
}

// MissingStations lists the stations without observers' results, in package order: for a
// coordinator limited to areas, those in them. Staff who may read reports only.
func (a *App) MissingStations(ctx context.Context, election string) ([]MissingStation, error) {
	if err := authorize(ctx, actionReadReports); err != nil {
		return nil, err
	}
	el, in, err := a.electionInputs(ctx, election)
	if err != nil {
		return nil, err
	}
	results := in.stationsWithResults()
	reporting := map[string]bool{}
	for i := range in.subs {
		reporting[in.subs[i].Report.Station] = true
	}
	actor := ActorFrom(ctx)
	var out []MissingStation
	for _, code := range el.stationOrder {
		st := el.stations[code]
		if results[code] || !actor.covers(el.areas, st.Area) {
			continue
		}
		out = append(out, MissingStation{Station: *st, Path: el.areas.Path(st.Area), Reporting: reporting[code]})
	}
	return out, nil
}

// QueueItem is one thing waiting for a reviewer: a flagged report, or a station record
// whose observers disagree.
type QueueItem struct {
	Kind    string `json:"kind"` // "flagged" or "conflict"
	Station string `json:"station"`
	Area    string `json:"area"`
	Form    string `json:"form"`
	// Report, Checks and Status are the flagged report's.
	Report string              `json:"report,omitempty"`
	Checks []iltod.CheckResult `json:"checks,omitempty"`
	Status iltod.ReviewStatus  `json:"status,omitempty"`
	// Conflicts are the record's fields in conflict, with the variants reported.
	Conflicts map[string]iltod.Field `json:"conflicts,omitempty"`
	// Entries are the record's observer entries, each with the channels by which its
	// observer reported.
	Entries []iltod.RecordEntry `json:"entries,omitempty"`
}

// ReviewQueue lists what waits for review: unreviewed reports that a QA check flagged,
// and station records with fields in conflict, by station. For a coordinator limited to
// areas, those in them. Reviewers, coordinators and admins.
func (a *App) ReviewQueue(ctx context.Context, election string) ([]QueueItem, error) {
	if err := authorize(ctx, actionReview); err != nil {
		return nil, err
	}
	el, in, err := a.electionInputs(ctx, election)
	if err != nil {
		return nil, err
	}
	actor := ActorFrom(ctx)
	type key struct{ station, form string }
	groups := map[key][]iltod.Submission{}
	var out []QueueItem
	for i := range in.subs {
		s := &in.subs[i]
		st, ok := el.stations[s.Report.Station]
		if !ok || !actor.covers(el.areas, st.Area) {
			continue
		}
		k := key{s.Report.Station, s.Report.Form}
		groups[k] = append(groups[k], *s)
		if s.Status == iltod.Unreviewed && iltod.Flagged(s.Checks) {
			var failed []iltod.CheckResult
			for _, c := range s.Checks {
				if c.Outcome == iltod.CheckFail {
					failed = append(failed, c)
				}
			}
			out = append(out, QueueItem{Kind: "flagged", Station: st.Code, Area: st.Area, Form: s.Report.Form, Report: s.Report.ID, Checks: failed, Status: s.Status})
		}
	}
	all, err := a.store.Resolutions(ctx, election, "", "")
	if err != nil {
		return nil, err
	}
	resolutions := map[key][]iltod.Resolution{}
	for _, r := range all {
		resolutions[key{r.Station, r.Form}] = append(resolutions[key{r.Station, r.Form}], r)
	}
	for k, subs := range groups {
		if len(subs) < 2 {
			continue
		}
		rec := el.record(k.station, k.form, subs, resolutions[k])
		if len(rec.Conflicts) == 0 {
			continue
		}
		item := QueueItem{Kind: "conflict", Station: k.station, Area: el.stations[k.station].Area, Form: k.form,
			Conflicts: map[string]iltod.Field{}, Entries: rec.Entries}
		for _, tag := range rec.Conflicts {
			item.Conflicts[tag] = rec.Fields[tag]
		}
		out = append(out, item)
	}
	slices.SortFunc(out, func(x, y QueueItem) int {
		return strings.Compare(x.Station+"\x00"+x.Form+"\x00"+x.Kind+"\x00"+x.Report, y.Station+"\x00"+y.Form+"\x00"+y.Kind+"\x00"+y.Report)
	})
	return out, nil
}

// ClerkEntry is a report a clerk enters from a phone call or a paper form.
type ClerkEntry struct {
	Election, Station, Form string
	// Observer is the observer who gave the report; they must be assigned to the station.
	Observer string
	// Medium is "phone" or "paper".
	Medium  string
	Answers map[string]iltod.Value
	// ID makes the entry idempotent, as a device's report id does; "" draws a new one.
	ID string
}

// ClerkSubmit stores a report entered by a clerk, attested as such: its channel is
// "clerk", and its envelope — the bytes the log commits to — is the canonical JSON
// {"attestation": {"channel": "clerk", "medium": …}, "report": …}, naming neither the clerk
// nor the observer; a staff event records who entered it. It is checked as a device's
// report is (form, answers, QA), and flagged reports are kept for review. Clerks,
// coordinators (in their areas) and admins.
func (a *App) ClerkSubmit(ctx context.Context, e ClerkEntry) (SubmitResult, error) {
	if err := a.authorizeStation(ctx, actionClerkEntry, e.Election, e.Station); err != nil {
		return SubmitResult{}, err
	}
	if e.Medium != "phone" && e.Medium != "paper" {
		return SubmitResult{}, iltod.E(iltod.EInvalid, "error.app.medium", nil)
	}
	id := e.ID
	if id == "" {
		b := make([]byte, 12)
		rand.Read(b)
		id = "clerk-" + hex.EncodeToString(b)
	}
	rc, err := a.SubmitAttested(ctx, AttestedReport{Channel: iltod.ChannelClerk, Observer: e.Observer,
		Report:      iltod.Report{ID: id, Election: e.Election, Station: e.Station, Form: e.Form, Answers: e.Answers},
		Attestation: map[string]any{"medium": e.Medium}})
	if err != nil {
		return SubmitResult{}, err
	}
	if !rc.Duplicate {
		ev, err := a.staffEvent(ctx, e.Election, iltod.EventStaff, "report/"+id, map[string]any{
			"action": "clerk entry", "medium": e.Medium, "observer": e.Observer, "station": e.Station})
		if err != nil {
			return SubmitResult{}, err
		}
		if _, err := a.store.AddEvent(ctx, ev); err != nil {
			return SubmitResult{}, err
		}
		a.log.Info("clerk entry", "election", e.Election, "report", id, "medium", e.Medium, "actor", actorName(ctx))
	}
	return SubmitResult{Receipt: rc}, nil
}

// electionInputs returns an election's reference data and its analysis inputs.
func (a *App) electionInputs(ctx context.Context, election string) (*election, *inputs, error) {
	el, err := a.election(ctx, election)
	if err != nil {
		return nil, nil, err
	}
	in, err := a.inputs(ctx, election)
	return el, in, err
}

// stationsWithResults returns the set of stations with observers' results.
func (in *inputs) stationsWithResults() map[string]bool {
	results := make(map[string]bool, len(in.observedRaw))
	for _, r := range in.observedRaw {
		results[r.Station] = true
	}
	return results
}
