package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/evidence"
	"github.com/iltod/iltod/locales"
)

// The permissions of incidents and actors, for the console to offer only what a role may
// use (see Permission).
const (
	MayReportIncident = Permission(actionReportIncident)
	MayReadIncidents  = Permission(actionReadIncidents)
	MayVerifyIncident = Permission(actionVerifyIncident)
	MayManageActors   = Permission(actionManageActors)
	// MayReadReporters is whether an incident's reporter (an observer's code, a staff
	// login) is shown: reporters are observers' identities, for those who may read
	// observers only.
	MayReadReporters = Permission(actionReadObservers)
)

// incidentCovered reports whether the actor in ctx may see and review in, given the
// areas a coordinator is limited to: an actor limited to none sees every incident; one
// limited to areas sees those whose place is a station or an area at or below one of
// them, and never one placed only by a free position (which no area holds).
func (a *App) incidentCovered(ctx context.Context, in iltod.IncidentRecord) (bool, error) {
	actor := ActorFrom(ctx)
	if actor.System || len(actor.Areas) == 0 {
		return true, nil
	}
	el, err := a.election(ctx, in.Election)
	if err != nil {
		return false, err
	}
	return actor.coversPlace(el, in.Place), nil
}

// coversPlace reports whether a place lies in the actor's areas (see incidentCovered).
func (actor Actor) coversPlace(el *election, p iltod.Place) bool {
	if len(actor.Areas) == 0 {
		return true
	}
	switch {
	case p.Station != "":
		st, ok := el.stations[p.Station]
		return ok && actor.covers(el.areas, st.Area)
	case p.Area != "":
		return actor.covers(el.areas, p.Area)
	}
	return false
}

// errIncidentOutside is the refusal of an incident placed outside a coordinator's areas.
func errIncidentOutside(id string) error {
	return iltod.E(iltod.EForbidden, "error.incident_review.outside", locales.Args{"ID": id})
}

// visibleIncident returns in as the actor in ctx may see it: refused when it lies
// outside a coordinator's areas, and without its reporter unless the actor may read
// reporters (MayReadReporters).
func (a *App) visibleIncident(ctx context.Context, in iltod.IncidentRecord) (iltod.IncidentRecord, error) {
	ok, err := a.incidentCovered(ctx, in)
	if err != nil {
		return iltod.IncidentRecord{}, err
	}
	if !ok {
		return iltod.IncidentRecord{}, errIncidentOutside(in.ID)
	}
	if authorize(ctx, actionReadObservers) != nil {
		in.Reporter = ""
	}
	return in, nil
}

// SetIncidentNarrative replaces an incident's narrative with text, as a logged change
// with its reason: the public account a reviewer writes, for instance when a citizen's
// testimony stays sealed as evidence. The earlier narrative remains only as its hash in
// the incident's earlier events. Since the new words have not been through redaction, the
// incident is marked not redacted: it is not published until a reviewer redacts it again.
// Reviewers, coordinators (in their areas) and admins may; text must be 1 to
// iltod.MaxNarrativeLen characters, else EInvalid and nothing changes.
func (a *App) SetIncidentNarrative(ctx context.Context, election, id, text, reason string) error {
	return a.changeIncident(ctx, election, id, reason, map[string]any{"action": "narrative"},
		func(in *iltod.IncidentRecord) error {
			if text == "" {
				return iltod.E(iltod.EInvalid, "error.incident.field", locales.Args{"Field": "narrative"})
			}
			in.Narrative, in.Redacted = text, false
			return nil
		})
}

// PublishEvidenceCopy makes the copy of one piece of an incident's evidence that may be
// published. The reviewer decrypts the original off the server (iltod evidence decrypt)
// and gives it as data: its SHA-256 must be plainSHA, the hash of evidence the incident
// holds, else EInvalid. evidence.PublicCopy encodes the image again without any
// metadata (JPEG and PNG only; EInvalid for other media); the copy is stored as a blob
// and named by the evidence's PublicSHA256 and PublicMediaType, as a logged change with
// its reason. data itself is never stored nor logged. Reviewers, coordinators (in their
// areas) and admins may. A later copy of the same evidence replaces the earlier one.
func (a *App) PublishEvidenceCopy(ctx context.Context, election, id, plainSHA string, data []byte, reason string) error {
	return a.changeIncident(ctx, election, id, reason, map[string]any{"action": "publish_copy", "evidence": plainSHA},
		func(in *iltod.IncidentRecord) error {
			i := slices.IndexFunc(in.Evidence, func(ev iltod.EvidenceRef) bool { return ev.PlainSHA256 == plainSHA })
			switch {
			case i < 0:
				return iltod.E(iltod.EInvalid, "error.incident_review.no_evidence", locales.Args{"SHA256": shortHash(plainSHA)})
			case len(data) > evidence.MaxEvidenceBytes:
				return iltod.E(iltod.ETooLarge, "error.evidence.size", locales.Args{"Max": int64(evidence.MaxEvidenceBytes >> 20)})
			}
			if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != plainSHA {
				return iltod.E(iltod.EInvalid, "error.incident_review.copy_mismatch", locales.Args{"SHA256": shortHash(plainSHA)})
			}
			copyBytes, mt, err := evidence.PublicCopy(data)
			if err != nil {
				return err
			}
			// Stored before the incident names it; should the change then fail, the copy
			// stays unnamed, and nothing serves a copy that no published incident names.
			sum := sha256.Sum256(copyBytes)
			if err := a.store.PutBlob(ctx, iltod.Blob{SHA256: sum, MediaType: mt, Data: copyBytes, Created: a.now().UTC()}); err != nil {
				return err
			}
			in.Evidence[i].PublicSHA256, in.Evidence[i].PublicMediaType = hex.EncodeToString(sum[:]), mt
			return nil
		})
}

// SealedEvidence returns the age ciphertext of one piece of an incident's evidence, for
// a reviewer to open off the server with iltod evidence decrypt. Staff who read
// incidents (coordinators in their areas) only; ENotFound for evidence the incident does
// not hold, or whose ciphertext the store lacks.
func (a *App) SealedEvidence(ctx context.Context, election, id, plainSHA string) ([]byte, error) {
	in, err := a.Incident(ctx, election, id)
	if err != nil {
		return nil, err
	}
	for _, ev := range in.Evidence {
		if ev.PlainSHA256 != plainSHA {
			continue
		}
		raw, err := hex.DecodeString(ev.CipherSHA256)
		if err != nil || len(raw) != 32 {
			break
		}
		b, err := a.store.Blob(ctx, [32]byte(raw))
		if err != nil {
			return nil, err
		}
		return b.Data, nil
	}
	return nil, iltod.E(iltod.ENotFound, "error.incident_review.no_evidence", locales.Args{"SHA256": shortHash(plainSHA)})
}

// shortHash shortens a hash (or whatever was given as one) for a message.
func shortHash(s string) string {
	if len(s) > 12 {
		return s[:12] + "…"
	}
	return s
}

// IncidentChange is one logged event of an incident, as its history shows it.
type IncidentChange struct {
	Seq  uint64
	Time time.Time
	// By is the staff login, "system" or "public" that made the change.
	By string
	// Action is "report", "status", "redact", "link", "narrative" or "publish_copy".
	Action string
	// Reason is the reason given ("" for a report).
	Reason string
	// To is the new status of a "status" step; Fields the fields hidden by a "redact";
	// Actor and Role those of a "link"; Evidence the plaintext hash of a "publish_copy".
	To, Actor, Role, Evidence string
	Fields                    []string
	// Source is the channel kind of a "report".
	Source string
}

// subjectEvents is what a store offers to list the events of one subject; sqlstore has it.
type subjectEvents interface {
	SubjectEvents(ctx context.Context, election, subject string, limit int) ([]iltod.Event, error)
}

// MaxIncidentHistory bounds the events IncidentHistory returns.
const MaxIncidentHistory = 1000

// IncidentHistory returns the logged events of an incident, oldest first, at most
// MaxIncidentHistory: who changed what, when and why. Staff who read incidents
// (coordinators in their areas) only.
func (a *App) IncidentHistory(ctx context.Context, election, id string) ([]IncidentChange, error) {
	if _, err := a.Incident(ctx, election, id); err != nil {
		return nil, err
	}
	st, ok := a.store.(subjectEvents)
	if !ok {
		return nil, nil
	}
	evs, err := st.SubjectEvents(ctx, election, iltod.IncidentSubject(id), MaxIncidentHistory)
	if err != nil {
		return nil, err
	}
	out := make([]IncidentChange, 0, len(evs))
	for _, ev := range evs {
		var d struct {
			Actor, Action, Reason, To, Role, Evidence, Source string
			Linked                                            string `json:"linked_actor"`
			Fields                                            []string
		}
		json.Unmarshal(ev.Detail, &d)
		c := IncidentChange{Seq: ev.Seq, Time: ev.Time, By: d.Actor, Action: d.Action, Reason: d.Reason,
			To: d.To, Actor: d.Linked, Role: d.Role, Evidence: d.Evidence, Fields: d.Fields, Source: d.Source}
		out = append(out, c)
	}
	return out, nil
}
