package app

import (
	"context"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/qa"
)

// Permission is something a staff role may do, named so that a user interface can offer
// only what its user may use: the staff console hides the links and forms of the others,
// and may refuse early (before reading an upload, say). A Permission authorises nothing:
// every App method checks the actor itself, including the areas a coordinator is limited
// to, and an interface MUST still go through the App method for anything it does.
type Permission string

// The permissions, one per guarded kind of action.
const (
	MayReadObservers  = Permission(actionReadObservers)
	MayReadReports    = Permission(actionReadReports)
	MayReview         = Permission(actionReview)
	MayManageDevices  = Permission(actionManageDevices)
	MayImportOfficial = Permission(actionImportOfficial)
	MayManageStaff    = Permission(actionManageStaff)
	MayEnterReports   = Permission(actionClerkEntry)
	MayBroadcast      = Permission(actionBroadcast)
)

// May reports whether the actor's role allows p somewhere: for a coordinator limited to
// areas, in at least one of them. It answers from the same table the App's own checks use.
func (actor Actor) May(p Permission) bool {
	return authorize(WithActor(context.Background(), actor), action(p)) == nil
}

// StationSheet returns the latest version of a form as it applies at a station: the
// concrete questions (a question per choice expanded into one per candidate, questions
// of contests the station does not vote in left out), for a clerk's entry form or a
// reviewer's typed correction. Public, as forms and stations are. The Sheet is shared:
// callers MUST NOT modify it.
func (a *App) StationSheet(ctx context.Context, election, station, form string) (*qa.Sheet, error) {
	el, err := a.election(ctx, election)
	if err != nil {
		return nil, err
	}
	st, ok := el.stations[station]
	if !ok {
		return nil, errNoStation(election, station)
	}
	f, ok := el.latestForm(form)
	if !ok {
		return nil, errNoForm(election, form)
	}
	return el.sheet(f, st)
}

// ReportingObserver is an observer who may report for a station, as a clerk picks them:
// the code and name, never the phones.
type ReportingObserver struct {
	Code string             `json:"code"`
	Name string             `json:"name"`
	Role iltod.ObserverRole `json:"role"`
}

// ReportingObservers lists the observers who may report for a station, in package
// order: those assigned to it and the supervisors of those. Staff who may enter reports
// for the station only (clerks, coordinators in their areas, admins): a clerk names the
// observer who called or sent the paper form.
func (a *App) ReportingObservers(ctx context.Context, election, station string) ([]ReportingObserver, error) {
	if err := a.authorizeStation(ctx, actionClerkEntry, election, station); err != nil {
		return nil, err
	}
	el, err := a.election(ctx, election)
	if err != nil {
		return nil, err
	}
	if _, ok := el.stations[station]; !ok {
		return nil, errNoStation(election, station)
	}
	out := []ReportingObserver{}
	for _, code := range el.observerOrder {
		o := el.observers[code]
		if el.mayReport(o, station) {
			out = append(out, ReportingObserver{Code: o.Code, Name: o.Name, Role: o.Role})
		}
	}
	return out, nil
}
