package app

import (
	"context"
	"crypto/sha256"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/canonjson"
	"github.com/iltod/iltod/locales"
)

// ReviewAction is a reviewer's decision on a report.
type ReviewAction string

// The review actions. Reopen returns a report to unreviewed.
const (
	Verify     ReviewAction = "verify"
	Reject     ReviewAction = "reject"
	Quarantine ReviewAction = "quarantine"
	Reopen     ReviewAction = "reopen"
)

var actionStatus = map[ReviewAction]iltod.ReviewStatus{
	Verify: iltod.Verified, Reject: iltod.Rejected, Quarantine: iltod.Quarantined, Reopen: iltod.Unreviewed,
}

// MaxReason bounds the reason a reviewer gives.
const MaxReason = 2000

func checkReason(reason string) error {
	switch {
	case strings.TrimSpace(reason) == "":
		return iltod.E(iltod.EInvalid, "error.app.reason_required", nil)
	case !utf8.ValidString(reason) || utf8.RuneCountInString(reason) > MaxReason:
		return iltod.E(iltod.EInvalid, "error.app.reason_too_long", locales.Args{"Max": MaxReason})
	}
	return nil
}

// actorName names the actor in an event's detail.
func actorName(ctx context.Context) string {
	a := ActorFrom(ctx)
	if a.System {
		return "system"
	}
	return a.Staff
}

// staffEvent builds an event by the actor in ctx whose hash commits to its canonical detail.
func (a *App) staffEvent(ctx context.Context, election string, kind iltod.EventKind, subject string, detail map[string]any) (iltod.Event, error) {
	return a.event(actorName(ctx), election, kind, subject, detail)
}

// event builds an event by actor whose hash commits to its canonical detail: the detail
// given plus the actor, the time, the election and the subject.
func (a *App) event(actor, election string, kind iltod.EventKind, subject string, detail map[string]any) (iltod.Event, error) {
	now := a.now().UTC().Truncate(time.Millisecond)
	detail["actor"] = actor
	detail["time"] = now.Format(time.RFC3339Nano)
	detail["election"] = election
	detail["subject"] = subject
	body, err := canonjson.Marshal(detail)
	if err != nil {
		return iltod.Event{}, err
	}
	return iltod.Event{Election: election, Kind: kind, Subject: subject, Hash: sha256.Sum256(body), Time: now, Detail: body}, nil
}

// Review records a reviewer's decision on a report, with who, when and why, as an event
// that the log commits to. Reviewers, coordinators and admins may review.
func (a *App) Review(ctx context.Context, election, reportID string, action ReviewAction, reason string) error {
	if err := authorize(ctx, actionReview); err != nil {
		return err
	}
	if len(ActorFrom(ctx).Areas) > 0 {
		sub, err := a.store.Submission(ctx, election, reportID)
		if err != nil {
			return err
		}
		if err := a.authorizeStation(ctx, actionReview, election, sub.Report.Station); err != nil {
			return err
		}
	}
	status, ok := actionStatus[action]
	if !ok {
		return iltod.E(iltod.EInvalid, "error.app.review_action", locales.Args{"Action": string(action)})
	}
	if err := checkReason(reason); err != nil {
		return err
	}
	ev, err := a.staffEvent(ctx, election, iltod.EventReview, reportID, map[string]any{
		"action": string(action), "reason": reason})
	if err != nil {
		return err
	}
	return a.store.SetStatus(ctx, election, reportID, status, ev)
}

// Resolve settles a conflicting field of a station record with the value a reviewer
// chose, with who, when and why, as a logged event. The value must be one an answer could
// take; it need not be one an observer reported (a reviewer may have called the station).
func (a *App) Resolve(ctx context.Context, election, station, form, tag string, value iltod.Value, reason string) error {
	if err := a.authorizeStation(ctx, actionReview, election, station); err != nil {
		return err
	}
	if err := checkReason(reason); err != nil {
		return err
	}
	el, err := a.election(ctx, election)
	if err != nil {
		return err
	}
	st, ok := el.stations[station]
	if !ok {
		return errNoStation(election, station)
	}
	f, ok := el.latestForm(form)
	if !ok {
		return errNoForm(election, form)
	}
	sheet, err := el.sheet(f, st)
	if err != nil {
		return err
	}
	if ps := sheet.ValidateAnswer(tag, value); len(ps) > 0 {
		return ps
	}
	ev, err := a.staffEvent(ctx, election, iltod.EventReview, station+"/"+form, map[string]any{
		"action": "resolve", "tag": tag, "value": value, "reason": reason})
	if err != nil {
		return err
	}
	return a.store.Resolve(ctx, iltod.Resolution{Election: election, Station: station, Form: form, Tag: tag, Value: value}, ev)
}

// StationRecord returns the merged record of a station's reports on a form. Different
// photos are no conflict: each observer takes their own. Staff only: it names the
// reports.
func (a *App) StationRecord(ctx context.Context, election, station, form string) (iltod.StationRecord, error) {
	if err := a.authorizeStation(ctx, actionReadReports, election, station); err != nil {
		return iltod.StationRecord{}, err
	}
	return a.stationRecord(ctx, election, station, form)
}

// stationRecord merges a station's reports on a form with the resolutions, unauthorised.
func (a *App) stationRecord(ctx context.Context, election, station, form string) (iltod.StationRecord, error) {
	subs, err := a.allSubmissions(ctx, election, iltod.SubmissionQuery{Station: station, Form: form})
	if err != nil {
		return iltod.StationRecord{}, err
	}
	res, err := a.store.Resolutions(ctx, election, station, form)
	if err != nil {
		return iltod.StationRecord{}, err
	}
	el, err := a.election(ctx, election)
	if err != nil {
		return iltod.StationRecord{}, err
	}
	return el.record(station, form, subs, res), nil
}

// Submissions returns the reports q selects, one page of at most q.Limit. Staff only:
// reports name observers.
func (a *App) Submissions(ctx context.Context, election string, q iltod.SubmissionQuery) ([]iltod.Submission, error) {
	if err := authorize(ctx, actionReadReports); err != nil {
		return nil, err
	}
	return a.store.Submissions(ctx, election, q)
}

// AllSubmissions returns every report q selects, in Seq order, reading page by page.
// Staff only, as Submissions.
func (a *App) AllSubmissions(ctx context.Context, election string, q iltod.SubmissionQuery) ([]iltod.Submission, error) {
	if err := authorize(ctx, actionReadReports); err != nil {
		return nil, err
	}
	return a.allSubmissions(ctx, election, q)
}

// allSubmissions pages through every submission q selects.
func (a *App) allSubmissions(ctx context.Context, election string, q iltod.SubmissionQuery) ([]iltod.Submission, error) {
	var out []iltod.Submission
	q.Limit = iltod.MaxSubmissionLimit
	for {
		page, err := a.store.Submissions(ctx, election, q)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < q.Limit {
			return out, nil
		}
		q.AfterSeq = page[len(page)-1].Seq
	}
}
