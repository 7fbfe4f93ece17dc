package app

import (
	"context"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/locales"
)

// Role is what a staff member may do.
type Role string

// The staff roles.
const (
	RoleAdmin       Role = "admin"
	RoleCoordinator Role = "coordinator"
	RoleAnalyst     Role = "analyst"
	RoleReviewer    Role = "reviewer"
	RoleClerk       Role = "clerk"
)

// Actor is who is asking. The zero Actor is the anonymous public.
type Actor struct {
	// System marks the operator's own command line on the server machine, trusted fully.
	System bool
	// Staff is the staff member's login name; "" for the public.
	Staff string
	Role  Role
	// Areas limit a coordinator to these areas and everything below them; none means
	// every area.
	Areas []string
}

type actorKey struct{}

// WithActor returns ctx carrying actor.
func WithActor(ctx context.Context, actor Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// ActorFrom returns the actor in ctx, or the anonymous public.
func ActorFrom(ctx context.Context) Actor {
	a, _ := ctx.Value(actorKey{}).(Actor)
	return a
}

// SystemContext returns ctx acting as the system, for the operator's command line.
func SystemContext(ctx context.Context) context.Context {
	return WithActor(ctx, Actor{System: true})
}

// action is a guarded kind of action; its value names its words in the catalogue
// (error.app.action_*), which the errors of authorize show.
type action string

const (
	actionLoad           action = "load"
	actionExport         action = "export"
	actionReadObservers  action = "read_observers"
	actionReview         action = "review"
	actionReadReports    action = "read_reports"
	actionManageDevices  action = "manage_devices"
	actionImportOfficial action = "import_official"
	actionDrawSample     action = "draw_sample"
	actionReadSample     action = "read_sample"
	actionManageStaff    action = "manage_staff"
	actionClerkEntry     action = "clerk_entry"
	actionBroadcast      action = "broadcast"
	// Incidents and actors (docs/incidents.md).
	actionReportIncident action = "report_incident"
	actionReadIncidents  action = "read_incidents"
	actionVerifyIncident action = "verify_incident"
	actionManageActors   action = "manage_actors"
)

// key returns the catalogue key of act's words ("import official results").
func (act action) key() locales.Key { return locales.Key("error.app.action_" + string(act)) }

// key returns the catalogue key of r's name, as the console writes it.
func (r Role) key() locales.Key { return locales.Key("console.role_" + string(r)) }

// allowed lists, for each action, the staff roles that may take it. The system actor may
// take every action; the public none of these.
var allowed = map[action][]Role{
	actionLoad:          {RoleAdmin},
	actionExport:        {RoleAdmin},
	actionReadObservers: {RoleAdmin, RoleCoordinator},
	actionReview:        {RoleAdmin, RoleCoordinator, RoleReviewer},
	actionReadReports:   {RoleAdmin, RoleCoordinator, RoleReviewer, RoleAnalyst},
	actionManageDevices: {RoleAdmin, RoleCoordinator},
	// Official results and the sample are national: no area-bound role handles them.
	actionImportOfficial: {RoleAdmin, RoleAnalyst},
	actionDrawSample:     {RoleAdmin, RoleAnalyst},
	actionReadSample:     {RoleAdmin, RoleAnalyst},
	actionManageStaff:    {RoleAdmin},
	actionClerkEntry:     {RoleAdmin, RoleCoordinator, RoleClerk},
	// Broadcasts: coordinators only to observers in their areas (Broadcast checks each).
	actionBroadcast: {RoleAdmin, RoleCoordinator},
	// Incidents: any staff may file one; reading them (narratives, reporters) and the
	// actor registry is for those who handle them; verification and redaction are
	// reviewers' steps. A coordinator limited to areas sees and reviews only incidents
	// placed in them (incident_review.go).
	actionReportIncident: {RoleAdmin, RoleCoordinator, RoleReviewer, RoleAnalyst, RoleClerk},
	actionReadIncidents:  {RoleAdmin, RoleCoordinator, RoleReviewer, RoleAnalyst},
	actionVerifyIncident: {RoleAdmin, RoleCoordinator, RoleReviewer},
	actionManageActors:   {RoleAdmin, RoleCoordinator, RoleReviewer, RoleAnalyst},
}

// authorize is the single check every guarded App method makes.
func authorize(ctx context.Context, act action) error {
	a := ActorFrom(ctx)
	if a.System {
		return nil
	}
	if a.Staff == "" {
		return iltod.E(iltod.EUnauthorized, "error.app.sign_in_to", locales.Args{"Action": act.key()})
	}
	for _, r := range allowed[act] {
		if r == a.Role {
			return nil
		}
	}
	return iltod.E(iltod.EForbidden, "error.app.role_may_not", locales.Args{"Role": a.Role.key(), "Action": act.key()})
}

// authorizeStation is authorize for an action on one station of an election: a
// coordinator limited to areas may act only on stations at or below one of them.
func (a *App) authorizeStation(ctx context.Context, act action, election, station string) error {
	if err := authorize(ctx, act); err != nil {
		return err
	}
	actor := ActorFrom(ctx)
	if len(actor.Areas) == 0 {
		return nil
	}
	el, err := a.election(ctx, election)
	if err != nil {
		return err
	}
	st, ok := el.stations[station]
	if !ok {
		return errNoStation(election, station)
	}
	if !actor.covers(el.areas, st.Area) {
		return iltod.E(iltod.EForbidden, "error.app.station_outside", locales.Args{"Station": station})
	}
	return nil
}

// covers reports whether area lies at or below one of the actor's areas (always, for an
// actor not limited to areas).
func (actor Actor) covers(ix *iltod.AreaIndex, area string) bool {
	if len(actor.Areas) == 0 {
		return true
	}
	for _, a := range actor.Areas {
		if ix.Within(area, a) {
			return true
		}
	}
	return false
}
