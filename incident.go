package iltod

import (
	"context"
	"regexp"
	"slices"
	"time"

	"github.com/iltod/iltod/locales"
)

// Event kinds of incidents and actors (see docs/incidents.md).
const (
	// EventIncident is an incident reported, or its status, redactions or actor links
	// changed. Its Subject is "incident/ID" (IncidentSubject) and its Hash is
	// IncidentDigest of the incident as it stands after the change: the log commits to
	// the incident's fields, and to each redactable part (narrative, place, time, each
	// piece of evidence, each actor link, the redactions) only through that part's
	// salted hash, never to its reporter. Detail (who, why) is not covered by the hash.
	EventIncident EventKind = "incident"
	// EventActor is an actor, a position or an occupancy stored or changed. Its Subject is
	// "actor/CODE", "position/CODE" or "occupancy/ACTOR/POSITION", and its Hash is the
	// SHA-256 of the record's canonical JSON.
	EventActor EventKind = "actor"
)

// IncidentStatus is where an incident stands in verification.
type IncidentStatus string

// The statuses: unverified → corroborated → verified, or rejected from either of the first two.
const (
	IncidentUnverified   IncidentStatus = "unverified"
	IncidentCorroborated IncidentStatus = "corroborated"
	IncidentVerified     IncidentStatus = "verified"
	IncidentRejected     IncidentStatus = "rejected"
)

// NextStatusAllowed reports whether an incident may move from one status to another.
func NextStatusAllowed(from, to IncidentStatus) bool {
	switch from {
	case IncidentUnverified:
		return to == IncidentCorroborated || to == IncidentRejected
	case IncidentCorroborated:
		return to == IncidentVerified || to == IncidentRejected
	}
	return false
}

// IncidentSource is the channel kind an incident came from; it sets the default trust.
type IncidentSource string

// The sources of incidents.
const (
	SourceObserver IncidentSource = "observer"
	SourceCitizen  IncidentSource = "citizen"
	SourceStaff    IncidentSource = "staff"
)

// Trust is how far an incident's source is trusted, shown as such; citizens' reports
// are "low" and never mixed into observers' data.
type Trust string

// The trust levels.
const (
	TrustLow    Trust = "low"
	TrustMedium Trust = "medium"
	TrustHigh   Trust = "high"
)

// TrustOf returns the trust a source carries: staff high, observers medium, citizens low.
func TrustOf(s IncidentSource) Trust {
	switch s {
	case SourceStaff:
		return TrustHigh
	case SourceObserver:
		return TrustMedium
	}
	return TrustLow
}

// ActorRole is what an actor did in an incident.
type ActorRole string

// The roles of actors in incidents.
const (
	RoleOrdered         ActorRole = "ordered"
	RoleCarriedOut      ActorRole = "carried_out"
	RoleResponsibleFor  ActorRole = "responsible_for"
	RoleFailedToPrevent ActorRole = "failed_to_prevent"
)

// ActorKind is what sort of actor an Actor is.
type ActorKind string

// The kinds of actors.
const (
	ActorPerson       ActorKind = "person"
	ActorOrganization ActorKind = "organization"
	ActorPublicBody   ActorKind = "public_body"
)

// Place is where an incident happened: exactly one of a station, an area or a point.
type Place struct {
	Station string `json:"station,omitempty"`
	Area    string `json:"area,omitempty"`
	// Position is a free position; its AccuracyM is kept as given.
	Position *Position `json:"position,omitempty"`
}

// EvidenceRef names one piece of evidence by the SHA-256 of its plaintext and of its
// age ciphertext (both lower-case hex); the bytes are kept elsewhere, sealed.
type EvidenceRef struct {
	PlainSHA256  string `json:"plain_sha256"`
	CipherSHA256 string `json:"cipher_sha256"`
	MediaType    string `json:"media_type"`
	// PublicSHA256 names the blob of the copy that may be published (an image
	// re-encoded with no metadata, evidence.PublicCopy), or is "" when there is none;
	// PublicMediaType is its media type. The original stays sealed.
	PublicSHA256    string `json:"public_sha256,omitempty"`
	PublicMediaType string `json:"public_media_type,omitempty"`
}

// Redaction hides one field of an incident from publication. Field is one of
// "narrative", "place", "time", "evidence", "actors", "evidence/PLAIN_SHA256" or
// "actor/CODE"; Reason says what is hidden (a witness, a face …).
type Redaction struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// ActorLink ties an actor to an incident in a role, resting on evidence (plaintext
// SHA-256 hashes among the incident's Evidence).
type ActorLink struct {
	Actor    string    `json:"actor"`
	Role     ActorRole `json:"role"`
	Evidence []string  `json:"evidence"`
}

// IncidentRecord is one reported abuse. Narrative and Reporter are sensitive: never in the
// log in clear, never published unredacted; Reporter never published at all.
type IncidentRecord struct {
	ID       string    `json:"id"`
	Election string    `json:"election"`
	Category string    `json:"category"`
	Severity string    `json:"severity"`
	Start    time.Time `json:"start"`
	// End is the end of the span, or zero for a moment.
	End       time.Time `json:"end,omitzero"`
	Place     Place     `json:"place"`
	Narrative string    `json:"narrative"`
	// NarrativeSalt is the incident's secret: 32 random bytes in hex from which the salt
	// of every part that IncidentDigest commits to separately derives (see
	// IncidentPartSalt), so that the log's hash cannot confirm a guessed narrative, place
	// or actor. Its name is historical: it salts every part, not the narrative only. It
	// is never published, not even with the narrative: a published copy proves its
	// parts with their own salts (IncidentProof).
	NarrativeSalt string         `json:"narrative_salt,omitempty"`
	Source        IncidentSource `json:"source"`
	// Reporter is the observer code or staff login that reported it, or "" for a
	// citizen. Sensitive.
	Reporter   string         `json:"reporter,omitempty"`
	Trust      Trust          `json:"trust"`
	Status     IncidentStatus `json:"status"`
	Evidence   []EvidenceRef  `json:"evidence"`
	Redactions []Redaction    `json:"redactions"`
	// Redacted is set once a reviewer has decided what to hide for publication, even if
	// nothing: only verified, redacted incidents are published.
	Redacted bool        `json:"redacted"`
	Actors   []ActorLink `json:"actors"`
	Reported time.Time   `json:"reported"`
}

// IncidentSubject returns the Subject of an incident's events.
func IncidentSubject(id string) string { return "incident/" + id }

var (
	hexSHARe  = regexp.MustCompile(`^[0-9a-f]{64}$`)
	idRe      = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	mediaRe   = regexp.MustCompile(`^[a-z]+/[a-z0-9.+-]+$`)
	redactRe  = regexp.MustCompile(`^(narrative|place|time|evidence|actors|evidence/[0-9a-f]{64}|actor/[A-Za-z0-9][A-Za-z0-9._-]{0,63})$`)
	maxReason = 1000
)

// MaxNarrativeLen is the longest narrative, in characters.
const MaxNarrativeLen = 20_000

// Validate checks an incident's form (not its category, which the taxonomy checks, nor
// that its station, area or actors exist, which the store checks).
func (in *IncidentRecord) Validate() error {
	bad := func(field string) error {
		return E(EInvalid, "error.incident.field", locales.Args{"Field": field})
	}
	switch {
	case !idRe.MatchString(in.ID):
		return bad("id")
	case in.Election == "" || in.Category == "" || in.Severity == "":
		return bad("category")
	case in.Start.IsZero() || (!in.End.IsZero() && in.End.Before(in.Start)):
		return bad("time")
	}
	n := 0
	if in.Place.Station != "" {
		n++
	}
	if in.Place.Area != "" {
		n++
	}
	if p := in.Place.Position; p != nil {
		n++
		if p.Validate() != nil {
			return bad("place")
		}
	}
	if n != 1 {
		return bad("place")
	}
	if e := checkString(in.Narrative, MaxNarrativeLen); e.Key != "" {
		return bad("narrative")
	}
	if in.NarrativeSalt != "" && !hexSHARe.MatchString(in.NarrativeSalt) {
		return bad("narrative")
	}
	switch in.Source {
	case SourceObserver, SourceStaff, SourceCitizen:
	default:
		return bad("source")
	}
	switch in.Trust {
	case TrustLow, TrustMedium, TrustHigh:
	default:
		return bad("trust")
	}
	switch in.Status {
	case IncidentUnverified, IncidentCorroborated, IncidentVerified, IncidentRejected:
	default:
		return bad("status")
	}
	plain := map[string]bool{}
	for _, ev := range in.Evidence {
		if !hexSHARe.MatchString(ev.PlainSHA256) || !hexSHARe.MatchString(ev.CipherSHA256) || !mediaRe.MatchString(ev.MediaType) || plain[ev.PlainSHA256] {
			return bad("evidence")
		}
		if (ev.PublicSHA256 == "") != (ev.PublicMediaType == "") ||
			ev.PublicSHA256 != "" && (!hexSHARe.MatchString(ev.PublicSHA256) || !mediaRe.MatchString(ev.PublicMediaType)) {
			return bad("evidence")
		}
		plain[ev.PlainSHA256] = true
	}
	for _, r := range in.Redactions {
		if !redactRe.MatchString(r.Field) || r.Reason == "" || checkString(r.Reason, maxReason).Key != "" {
			return bad("redactions")
		}
	}
	seen := map[string]bool{}
	for _, l := range in.Actors {
		switch l.Role {
		case RoleOrdered, RoleCarriedOut, RoleResponsibleFor, RoleFailedToPrevent:
		default:
			return bad("actors")
		}
		if !idRe.MatchString(l.Actor) || seen[l.Actor+"/"+string(l.Role)] || len(l.Evidence) == 0 {
			return bad("actors")
		}
		seen[l.Actor+"/"+string(l.Role)] = true
		for _, h := range l.Evidence {
			if !plain[h] {
				return bad("actors")
			}
		}
	}
	return nil
}

// Published returns the copy of in that may be published: its redacted fields removed,
// its links resting only on the evidence left, and its reporter and secret
// (NarrativeSalt) dropped; its
// Redactions say which kind of field was hidden ("actor", "evidence", "narrative" …)
// without the reason or the hidden item's code or hash. ok is false unless in is verified and
// redacted, in which case nothing of it may be published.
func (in IncidentRecord) Published() (out IncidentRecord, ok bool) {
	if in.Status != IncidentVerified || !in.Redacted {
		return IncidentRecord{}, false
	}
	out = in
	out.Reporter, out.NarrativeSalt = "", ""
	out.Evidence = slices.Clone(in.Evidence)
	out.Actors = slices.Clone(in.Actors)
	out.Redactions = nil
	for _, r := range in.Redactions {
		kind, v, _ := cutSlash(r.Field)
		switch {
		case r.Field == "narrative":
			out.Narrative = ""
		case r.Field == "place":
			out.Place = Place{}
		case r.Field == "time":
			out.Start, out.End, out.Reported = time.Time{}, time.Time{}, time.Time{}
		case r.Field == "evidence":
			out.Evidence = nil
		case r.Field == "actors":
			out.Actors = nil
		case kind == "evidence":
			out.Evidence = slices.DeleteFunc(out.Evidence, func(e EvidenceRef) bool { return e.PlainSHA256 == v })
		case kind == "actor":
			out.Actors = slices.DeleteFunc(out.Actors, func(l ActorLink) bool { return l.Actor == v })
		}
		// What was hidden is said, not what it was: "actor", never "actor/CODE".
		out.Redactions = append(out.Redactions, Redaction{Field: kind})
	}
	// A link rests only on evidence that is published.
	kept := map[string]bool{}
	for _, e := range out.Evidence {
		kept[e.PlainSHA256] = true
	}
	for i, l := range out.Actors {
		l.Evidence = slices.DeleteFunc(slices.Clone(l.Evidence), func(h string) bool { return !kept[h] })
		out.Actors[i] = l
	}
	return out, true
}

func cutSlash(s string) (string, string, bool) {
	for i := range len(s) {
		if s[i] == '/' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// Actor is a person, an organisation or a public body that incidents may name.
type Actor struct {
	Code     string    `json:"code"`
	Election string    `json:"election"`
	Kind     ActorKind `json:"kind"`
	Name     Text      `json:"name"`
	// Country is an ISO 3166-1 alpha-2 code, or "".
	Country string `json:"country,omitempty"`
	// BirthDate is "YYYY-MM-DD" for a person, or "".
	BirthDate string `json:"birth_date,omitempty"`
	Notes     string `json:"notes,omitempty"`
}

// ActorPosition is a role in a body (an actor), e.g. governor of an aimag.
type ActorPosition struct {
	Code     string `json:"code"`
	Election string `json:"election"`
	Body     string `json:"body"`
	Title    Text   `json:"title"`
}

// Occupancy is an actor holding a position from Start, until End (zero: still).
type Occupancy struct {
	Election string    `json:"election"`
	Actor    string    `json:"actor"`
	Position string    `json:"position"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end,omitzero"`
}

var dateRe = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// Validate checks an actor's form.
func (a *Actor) Validate() error {
	bad := func(field string) error { return E(EInvalid, "error.incident.field", locales.Args{"Field": field}) }
	switch {
	case !idRe.MatchString(a.Code):
		return bad("code")
	case a.Kind != ActorPerson && a.Kind != ActorOrganization && a.Kind != ActorPublicBody:
		return bad("kind")
	case a.Name.Validate() != nil:
		return bad("name")
	case a.Country != "" && !regexp.MustCompile(`^[A-Z]{2}$`).MatchString(a.Country):
		return bad("country")
	case a.BirthDate != "" && (a.Kind != ActorPerson || !dateRe.MatchString(a.BirthDate)):
		return bad("birth_date")
	case checkString(a.Notes, MaxNarrativeLen).Key != "":
		return bad("notes")
	}
	return nil
}

// Validate checks a position's form.
func (p *ActorPosition) Validate() error {
	bad := func(field string) error { return E(EInvalid, "error.incident.field", locales.Args{"Field": field}) }
	switch {
	case !idRe.MatchString(p.Code):
		return bad("code")
	case !idRe.MatchString(p.Body):
		return bad("body")
	case p.Title.Validate() != nil:
		return bad("title")
	}
	return nil
}

// Validate checks an occupancy's form.
func (o *Occupancy) Validate() error {
	bad := func(field string) error { return E(EInvalid, "error.incident.field", locales.Args{"Field": field}) }
	switch {
	case !idRe.MatchString(o.Actor) || !idRe.MatchString(o.Position):
		return bad("actor")
	case o.Start.IsZero() || (!o.End.IsZero() && o.End.Before(o.Start)):
		return bad("time")
	}
	return nil
}

// IncidentStore keeps incidents, actors, positions and occupancies, each change with
// its event in one transaction. Incidents and actors belong to an election and are
// deleted with it (which events forbid once there are any).
type IncidentStore interface {
	// CreateIncident stores a new incident with its event, whose Election, Kind,
	// Subject and Hash the store sets (EventIncident, IncidentSubject, IncidentDigest).
	// in MUST have passed Validate. Times are kept in UTC. ENotFound for an unknown election, station, area or
	// linked actor; EConflict for an id already stored.
	CreateIncident(ctx context.Context, in IncidentRecord, ev Event) (Event, error)
	// UpdateIncident replaces a stored incident (status, redactions, links) with its
	// event, set as for CreateIncident. It returns EConflict unless the stored incident's
	// status is from, so that two reviewers' steps cannot cross unnoticed.
	UpdateIncident(ctx context.Context, in IncidentRecord, from IncidentStatus, ev Event) (Event, error)
	// Incident returns one incident, or ENotFound.
	Incident(ctx context.Context, election, id string) (IncidentRecord, error)
	// Incidents returns all incidents of an election, in the order they were reported.
	Incidents(ctx context.Context, election string) ([]IncidentRecord, error)

	// PutActor stores or replaces an actor with its event (EventActor, "actor/CODE").
	PutActor(ctx context.Context, a Actor, ev Event) (Event, error)
	// Actors returns an election's actors by code.
	Actors(ctx context.Context, election string) ([]Actor, error)
	// PutPosition stores or replaces a position; its body must be a stored actor.
	PutPosition(ctx context.Context, p ActorPosition, ev Event) (Event, error)
	// Positions returns an election's positions by code.
	Positions(ctx context.Context, election string) ([]ActorPosition, error)
	// PutOccupancy stores or replaces the occupancy of (actor, position, start); both
	// must be stored.
	PutOccupancy(ctx context.Context, o Occupancy, ev Event) (Event, error)
	// Occupancies returns an election's occupancies by actor, position and start.
	Occupancies(ctx context.Context, election string) ([]Occupancy, error)
}
