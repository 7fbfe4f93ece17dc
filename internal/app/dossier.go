package app

import (
	"cmp"
	"context"
	"slices"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/dossier"
	"github.com/iltod/iltod/locales"
)

// DossierActor is an actor that has a dossier: at least one verified, redacted
// incident links them in a link that is published.
type DossierActor struct {
	Actor     iltod.Actor
	Incidents int
}

// DossierActors returns the actors of an election that have a dossier, by code. Staff
// who read incidents, and the system actor, may.
func (a *App) DossierActors(ctx context.Context, election string) ([]DossierActor, error) {
	if err := authorize(ctx, actionReadIncidents); err != nil {
		return nil, err
	}
	actors, err := a.store.Actors(ctx, election)
	if err != nil {
		return nil, err
	}
	all, err := a.store.Incidents(ctx, election)
	if err != nil {
		return nil, err
	}
	count := map[string]int{}
	for _, in := range all {
		if out, ok := in.Published(); ok {
			for _, code := range linkedActors(out) {
				count[code]++
			}
		}
	}
	var res []DossierActor
	for _, act := range actors {
		if count[act.Code] > 0 {
			res = append(res, DossierActor{Actor: act, Incidents: count[act.Code]})
		}
	}
	return res, nil
}

// linkedActors returns the codes of the actors a published incident links, each once.
func linkedActors(pub iltod.IncidentRecord) []string {
	var codes []string
	for _, l := range pub.Actors {
		if !slices.Contains(codes, l.Actor) {
			codes = append(codes, l.Actor)
		}
	}
	return codes
}

// DossierSource gathers what the dossier of one actor holds (see package dossier): the
// actor; the occupancies of the actor, the positions they name and the bodies of those
// positions; and every verified, redacted incident with a published link to the actor,
// as its published copy with its proof (iltod.IncidentRecord.PublishedProof) and the
// sequence number of its latest event, whose hash should be the incident's digest
// (dossier.Verify checks it: a store changed behind the log's back fails). Nothing
// that Published hides leaves here. ENotFound for an unknown actor, or one without a
// dossier. Staff who read incidents, and the system actor, may.
//
// It also gives the sequence numbers of the latest events of the registry's records:
// the actor, the bodies, the positions and, for each occupancy, the latest event of its
// subject that commits to it. The latest events are found by reading the events back
// from the newest, until each is found: the cost grows with the events stored after
// them.
func (a *App) DossierSource(ctx context.Context, election, code string) (dossier.Source, error) {
	if err := authorize(ctx, actionReadIncidents); err != nil {
		return dossier.Source{}, err
	}
	actors, positions, occupancies, err := a.Actors(ctx, election)
	if err != nil {
		return dossier.Source{}, err
	}
	i := slices.IndexFunc(actors, func(x iltod.Actor) bool { return x.Code == code })
	if i < 0 {
		return dossier.Source{}, iltod.E(iltod.ENotFound, "error.incident.actor_not_found", locales.Args{"Code": code})
	}
	src := dossier.Source{Election: election, Actor: actors[i]}
	held := map[string]bool{}
	for _, o := range occupancies {
		if o.Actor == code {
			src.Occupancies = append(src.Occupancies, o)
			held[o.Position] = true
		}
	}
	bodies := map[string]bool{}
	for _, p := range positions {
		if held[p.Code] {
			src.Positions = append(src.Positions, p)
			bodies[p.Body] = true
		}
	}
	for _, act := range actors {
		if bodies[act.Code] && act.Code != code {
			src.Bodies = append(src.Bodies, act)
		}
	}
	all, err := a.store.Incidents(ctx, election)
	if err != nil {
		return dossier.Source{}, err
	}
	want := map[string]int{} // subject → index in src.Incidents
	for _, in := range all {
		out, proof, ok := in.PublishedProof()
		if !ok || !slices.Contains(linkedActors(out), code) {
			continue
		}
		want[iltod.IncidentSubject(in.ID)] = len(src.Incidents)
		src.Incidents = append(src.Incidents, dossier.SourceIncident{Published: out, Proof: proof})
	}
	if len(src.Incidents) == 0 {
		return dossier.Source{}, iltod.E(iltod.ENotFound, "error.dossier.none", locales.Args{"Code": code})
	}
	// The registry's records: the latest event of the actor, each body and each
	// position; for an occupancy, of which several may share a subject, the latest event
	// of its subject that commits to it.
	latest := map[string]bool{"actor/" + code: true}
	for _, b := range src.Bodies {
		latest["actor/"+b.Code] = true
	}
	for _, p := range src.Positions {
		latest["position/"+p.Code] = true
	}
	type occupancy struct {
		subject string
		hash    [32]byte
		found   bool
	}
	var occs []occupancy
	for _, o := range src.Occupancies {
		h, err := dossier.RecordHash(o)
		if err != nil {
			return dossier.Source{}, err
		}
		occs = append(occs, occupancy{subject: "occupancy/" + o.Actor + "/" + o.Position, hash: h})
	}
	left := len(occs)
	last, err := a.store.LastSeq(ctx)
	if err != nil {
		return dossier.Source{}, err
	}
	for seq := last; seq > 0 && len(want)+len(latest)+left > 0; seq-- {
		if err := ctx.Err(); err != nil {
			return dossier.Source{}, err
		}
		ev, err := a.store.Event(ctx, seq)
		if err != nil {
			return dossier.Source{}, err
		}
		if ev.Election != election {
			continue
		}
		switch ev.Kind {
		case iltod.EventIncident:
			if k, ok := want[ev.Subject]; ok {
				src.Incidents[k].Seq = ev.Seq
				delete(want, ev.Subject)
			}
		case iltod.EventActor:
			if latest[ev.Subject] {
				src.Records = append(src.Records, dossier.SourceRecord{Subject: ev.Subject, Seq: ev.Seq})
				delete(latest, ev.Subject)
				continue
			}
			for i := range occs {
				if o := &occs[i]; !o.found && o.subject == ev.Subject && o.hash == ev.Hash {
					o.found, left = true, left-1
					src.Records = append(src.Records, dossier.SourceRecord{Subject: ev.Subject, Seq: ev.Seq})
					break
				}
			}
		}
	}
	for _, k := range want {
		return dossier.Source{}, iltod.E(iltod.EConflict, "error.dossier.not_logged", locales.Args{"ID": src.Incidents[k].Published.ID})
	}
	for subject := range latest {
		return dossier.Source{}, iltod.E(iltod.EConflict, "error.dossier.not_logged", locales.Args{"ID": subject})
	}
	for _, o := range occs {
		if !o.found {
			return dossier.Source{}, iltod.E(iltod.EConflict, "error.dossier.not_logged", locales.Args{"ID": o.subject})
		}
	}
	slices.SortFunc(src.Records, func(x, y dossier.SourceRecord) int { return cmp.Compare(x.Seq, y.Seq) })
	return src, nil
}
