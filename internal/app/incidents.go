package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/incident"
	"github.com/iltod/iltod/locales"
)

// defaultTaxonomy is the embedded taxonomy every election uses until packages bring
// their own.
var defaultTaxonomy = incident.Default()

// Taxonomy returns the incident taxonomy of an election: the one its package brought
// (iltod.Election.Taxonomy), else the default. Public: it holds labels only. Callers
// MUST NOT modify it.
func (a *App) Taxonomy(ctx context.Context, election string) (*incident.Taxonomy, error) {
	el, err := a.election(ctx, election)
	if err != nil {
		return nil, err
	}
	el.taxonomyOnce.Do(func() {
		el.taxonomy = defaultTaxonomy
		if len(el.e.Taxonomy) > 0 {
			el.taxonomy, el.taxonomyErr = incident.FromJSON(el.e.Taxonomy)
		}
	})
	return el.taxonomy, el.taxonomyErr
}

// IncidentReport is what a reporter gives for a new incident; the app sets the rest.
type IncidentReport struct {
	Election  string
	Category  string
	Severity  string
	Start     time.Time
	End       time.Time
	Place     iltod.Place
	Narrative string
	Evidence  []iltod.EvidenceRef
	// Source is where it came from. SourceStaff: the staff member in ctx reports it.
	// SourceObserver: Observer (an observer of the election) reports it through a
	// channel that authenticated them; only the system or staff who may enter reports
	// for observers may pass it. SourceCitizen: anyone, the anonymous public included;
	// no reporter is kept.
	Source   iltod.IncidentSource
	Observer string
	// id is the incident's id when a channel derives it from what the reporter sent, so
	// that a resend is the same incident (incident_channels.go); "" draws a random one.
	id string
}

// ReportIncident stores a new, unverified incident with its logged event, and returns
// it. Its category and severity must be in the election's taxonomy; its trust follows
// its source (iltod.TrustOf).
func (a *App) ReportIncident(ctx context.Context, r IncidentReport) (iltod.IncidentRecord, error) {
	in := iltod.IncidentRecord{
		Election: r.Election, Category: r.Category, Severity: r.Severity, Start: r.Start, End: r.End,
		Place: r.Place, Narrative: r.Narrative, Source: r.Source, Trust: iltod.TrustOf(r.Source),
		Status: iltod.IncidentUnverified, Evidence: r.Evidence, Reported: a.now().UTC(),
	}
	switch r.Source {
	case iltod.SourceStaff:
		if err := authorize(ctx, actionReportIncident); err != nil {
			return iltod.IncidentRecord{}, err
		}
		in.Reporter = actorName(ctx)
	case iltod.SourceObserver:
		if err := authorize(ctx, actionClerkEntry); err != nil {
			return iltod.IncidentRecord{}, err
		}
		el, err := a.election(ctx, r.Election)
		if err != nil {
			return iltod.IncidentRecord{}, err
		}
		if _, ok := el.observers[r.Observer]; !ok {
			return iltod.IncidentRecord{}, iltod.E(iltod.EInvalid, "error.incident.field", locales.Args{"Field": "observer"})
		}
		in.Reporter = r.Observer
	case iltod.SourceCitizen:
		// Anyone may report as a citizen; nothing names them.
	default:
		return iltod.IncidentRecord{}, iltod.E(iltod.EInvalid, "error.incident.field", locales.Args{"Field": "source"})
	}
	// A coordinator limited to areas reports, or enters for an observer, only what they
	// could then review.
	if actor := ActorFrom(ctx); len(actor.Areas) > 0 {
		el, err := a.election(ctx, r.Election)
		if err != nil {
			return iltod.IncidentRecord{}, err
		}
		if !actor.coversPlace(el, r.Place) {
			return iltod.IncidentRecord{}, iltod.E(iltod.EForbidden, "error.incident_review.place_outside", nil)
		}
	}
	tax, err := a.Taxonomy(ctx, r.Election)
	if err != nil {
		return iltod.IncidentRecord{}, err
	}
	if err := tax.Check(in.Category, in.Severity); err != nil {
		return iltod.IncidentRecord{}, err
	}
	in.ID = r.id
	if in.ID == "" {
		id := make([]byte, 10)
		rand.Read(id)
		in.ID = hex.EncodeToString(id)
	}
	salt := make([]byte, 32)
	rand.Read(salt)
	in.NarrativeSalt = hex.EncodeToString(salt)
	if err := in.Validate(); err != nil {
		return iltod.IncidentRecord{}, err
	}
	// The detail names the channel kind and who entered it (staff, the system, or the
	// public), never the observer: the reporter stays in the incident, never published.
	by := actorName(ctx)
	if by == "" {
		by = "public"
	}
	ev, err := a.event(by, r.Election, iltod.EventIncident, iltod.IncidentSubject(in.ID), map[string]any{
		"action": "report", "source": string(in.Source)})
	if err != nil {
		return iltod.IncidentRecord{}, err
	}
	if _, err := a.store.CreateIncident(ctx, in, ev); err != nil {
		return iltod.IncidentRecord{}, err
	}
	return a.store.Incident(ctx, in.Election, in.ID)
}

// IncidentRecords returns the incidents of an election, narratives included, that the
// staff member may see: for a coordinator limited to areas, those placed in them (a
// station or an area at or below one; never a free position); reporters only for those
// who may read them (MayReadReporters). Staff only.
func (a *App) IncidentRecords(ctx context.Context, election string) ([]iltod.IncidentRecord, error) {
	if err := authorize(ctx, actionReadIncidents); err != nil {
		return nil, err
	}
	all, err := a.store.Incidents(ctx, election)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, in := range all {
		v, err := a.visibleIncident(ctx, in)
		if iltod.ErrorCodeOf(err) == iltod.EForbidden {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Incident returns one incident as the staff member may see it: EForbidden when it lies
// outside a coordinator's areas, and its reporter only for those who may read
// reporters. Staff only.
func (a *App) Incident(ctx context.Context, election, id string) (iltod.IncidentRecord, error) {
	if err := authorize(ctx, actionReadIncidents); err != nil {
		return iltod.IncidentRecord{}, err
	}
	in, err := a.store.Incident(ctx, election, id)
	if err != nil {
		return iltod.IncidentRecord{}, err
	}
	return a.visibleIncident(ctx, in)
}

// VerifyIncident moves an incident one step: unverified → corroborated → verified, or
// to rejected from either of the first two, with a reason, as a logged event. Reviewers,
// coordinators and admins may.
func (a *App) VerifyIncident(ctx context.Context, election, id string, to iltod.IncidentStatus, reason string) error {
	return a.changeIncident(ctx, election, id, reason, map[string]any{"action": "status", "to": string(to)},
		func(in *iltod.IncidentRecord) error {
			if !iltod.NextStatusAllowed(in.Status, to) {
				return iltod.E(iltod.EInvalid, "error.incident.transition", locales.Args{"From": string(in.Status), "To": string(to)})
			}
			in.Status = to
			return nil
		})
}

// RedactIncident sets what of an incident is hidden from publication, replacing any
// earlier choice, and marks it redacted even when nothing is hidden. Each redaction names
// its field and what it hides. Reviewers, coordinators and admins may.
func (a *App) RedactIncident(ctx context.Context, election, id string, rs []iltod.Redaction, reason string) error {
	fields := make([]string, len(rs))
	for i, r := range rs {
		fields[i] = r.Field
	}
	return a.changeIncident(ctx, election, id, reason, map[string]any{"action": "redact", "fields": fields},
		func(in *iltod.IncidentRecord) error {
			in.Redactions, in.Redacted = slices.Clone(rs), true
			return nil
		})
}

// LinkActor adds an actor's link to an incident (replacing a link of the same actor and
// role), resting on evidence among the incident's. Reviewers, coordinators and admins may.
func (a *App) LinkActor(ctx context.Context, election, id string, l iltod.ActorLink, reason string) error {
	return a.changeIncident(ctx, election, id, reason, map[string]any{"action": "link", "linked_actor": l.Actor, "role": string(l.Role)},
		func(in *iltod.IncidentRecord) error {
			in.Actors = slices.DeleteFunc(slices.Clone(in.Actors), func(o iltod.ActorLink) bool {
				return o.Actor == l.Actor && o.Role == l.Role
			})
			in.Actors = append(in.Actors, l)
			return nil
		})
}

// changeIncident applies change to a stored incident and stores it with a logged event
// whose detail holds what and why, refusing a change that crossed another and an
// incident outside a coordinator's areas. It holds the incident's lock (lockIncident)
// from reading to writing, so that evidence added meanwhile, on any instance, is kept.
func (a *App) changeIncident(ctx context.Context, election, id, reason string, detail map[string]any, change func(*iltod.IncidentRecord) error) error {
	if err := authorize(ctx, actionVerifyIncident); err != nil {
		return err
	}
	if err := checkReason(reason); err != nil {
		return err
	}
	unlock, err := a.lockIncident(ctx, election, id)
	if err != nil {
		return err
	}
	defer unlock()
	in, err := a.store.Incident(ctx, election, id)
	if err != nil {
		return err
	}
	if ok, err := a.incidentCovered(ctx, in); err != nil {
		return err
	} else if !ok {
		return errIncidentOutside(id)
	}
	from := in.Status
	if err := change(&in); err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return err
	}
	detail["reason"] = reason
	ev, err := a.staffEvent(ctx, election, iltod.EventIncident, iltod.IncidentSubject(id), detail)
	if err != nil {
		return err
	}
	_, err = a.store.UpdateIncident(ctx, in, from, ev)
	return err
}

// PublishedIncidents returns what may be published of an election's incidents: the
// verified, redacted ones only, each with its redacted fields removed and no reporter
// (iltod.IncidentRecord.Published). Public.
func (a *App) PublishedIncidents(ctx context.Context, election string) ([]iltod.IncidentRecord, error) {
	all, err := a.store.Incidents(ctx, election)
	if err != nil {
		return nil, err
	}
	var out []iltod.IncidentRecord
	for _, in := range all {
		if p, ok := in.Published(); ok {
			out = append(out, p)
		}
	}
	return out, nil
}

// PutActor stores or replaces an actor of an election, as a logged event. Staff who
// manage actors only.
func (a *App) PutActor(ctx context.Context, act iltod.Actor, reason string) error {
	return a.putRecord(ctx, act.Election, "actor/"+act.Code, reason, act.Validate, func(ev iltod.Event) error {
		_, err := a.store.PutActor(ctx, act, ev)
		return err
	})
}

// PutPosition stores or replaces a position in a body, as a logged event.
func (a *App) PutPosition(ctx context.Context, p iltod.ActorPosition, reason string) error {
	return a.putRecord(ctx, p.Election, "position/"+p.Code, reason, p.Validate, func(ev iltod.Event) error {
		_, err := a.store.PutPosition(ctx, p, ev)
		return err
	})
}

// PutOccupancy stores or replaces an actor's holding of a position, as a logged event.
func (a *App) PutOccupancy(ctx context.Context, o iltod.Occupancy, reason string) error {
	return a.putRecord(ctx, o.Election, "occupancy/"+o.Actor+"/"+o.Position, reason, o.Validate, func(ev iltod.Event) error {
		_, err := a.store.PutOccupancy(ctx, o, ev)
		return err
	})
}

func (a *App) putRecord(ctx context.Context, election, subject, reason string, validate func() error, put func(iltod.Event) error) error {
	if err := authorize(ctx, actionManageActors); err != nil {
		return err
	}
	if err := checkReason(reason); err != nil {
		return err
	}
	if err := validate(); err != nil {
		return err
	}
	ev, err := a.staffEvent(ctx, election, iltod.EventActor, subject, map[string]any{"action": "put", "reason": reason})
	if err != nil {
		return err
	}
	return put(ev)
}

// Actors returns the actors, positions and occupancies of an election. Staff who read
// incidents only.
func (a *App) Actors(ctx context.Context, election string) ([]iltod.Actor, []iltod.ActorPosition, []iltod.Occupancy, error) {
	if err := authorize(ctx, actionReadIncidents); err != nil {
		return nil, nil, nil, err
	}
	as, err := a.store.Actors(ctx, election)
	if err != nil {
		return nil, nil, nil, err
	}
	ps, err := a.store.Positions(ctx, election)
	if err != nil {
		return nil, nil, nil, err
	}
	os, err := a.store.Occupancies(ctx, election)
	return as, ps, os, err
}
