package storetest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/iltod/iltod"
)

// incidentTests check the iltod.IncidentStore part of the contract.
var incidentTests = []struct {
	name string
	fn   func(t *testing.T, s iltod.Store)
}{
	{"Incidents", testIncidents},
	{"Actors", testActors},
}

func hexSum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// SampleIncident returns a valid unverified incident of election "mn" of the fixture.
func SampleIncident(id string) iltod.IncidentRecord {
	return iltod.IncidentRecord{
		ID: id, Election: "mn", Category: "election.vote_buying", Severity: "high",
		Start: eventTime.Add(-time.Hour), End: eventTime.Add(-30 * time.Minute),
		Place:     iltod.Place{Station: "0104"},
		Narrative: "A witness, Bat, saw envelopes of cash handed out at the door.",
		Source:    iltod.SourceObserver, Reporter: "101", Trust: iltod.TrustMedium, Status: iltod.IncidentUnverified,
		Evidence: []iltod.EvidenceRef{{PlainSHA256: hexSum("photo"), CipherSHA256: hexSum("sealed photo"), MediaType: "image/jpeg"}},
		Reported: eventTime.UTC(),
	}
}

func testIncidents(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	create(t, s, Fixture("mn"), false)
	create(t, s, Fixture("b"), false)
	in := SampleIncident("inc-1")
	if err := in.Validate(); err != nil {
		t.Fatalf("the test incident is invalid: %v", err)
	}
	ev, err := s.CreateIncident(ctx, in, staffEvent("", "", "", "report"))
	if err != nil {
		t.Fatalf("CreateIncident: %v", err)
	}
	digest, err := iltod.IncidentDigest(in)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Seq != 1 || ev.Kind != iltod.EventIncident || ev.Election != "mn" || ev.Subject != "incident/inc-1" || ev.Hash != digest {
		t.Errorf("the incident's event: %+v", ev)
	}
	stored, err := s.Event(ctx, 1)
	if err != nil || stored.Hash != digest {
		t.Errorf("Event(1) = %+v, %v", stored, err)
	}
	// The event commits to the narrative only through its hash, and names no reporter.
	if bytes.Contains(stored.Detail, []byte("envelopes")) {
		t.Errorf("the event's detail holds the narrative: %s", stored.Detail)
	}
	other := in
	other.Narrative = "Something else."
	if d, _ := iltod.IncidentDigest(other); d == digest {
		t.Error("the digest does not change with the narrative")
	}
	other = in
	other.Evidence = []iltod.EvidenceRef{{PlainSHA256: hexSum("other"), CipherSHA256: hexSum("x"), MediaType: "image/jpeg"}}
	if d, _ := iltod.IncidentDigest(other); d == digest {
		t.Error("the digest does not change with the evidence")
	}
	want := in
	want.Start, want.End = in.Start.UTC(), in.End.UTC()
	if got, err := s.Incident(ctx, "mn", "inc-1"); err != nil || !equal(t, "Incident", got, want) {
		t.Errorf("Incident: %v", err)
	}

	// Refusals change nothing.
	_, err = s.CreateIncident(ctx, in, staffEvent("", "", "", "again"))
	wantCode(t, "an incident stored twice", err, iltod.EConflict)
	bad := SampleIncident("inc-2")
	bad.Place = iltod.Place{Station: "nowhere"}
	_, err = s.CreateIncident(ctx, bad, staffEvent("", "", "", "x"))
	wantCode(t, "an unknown station", err, iltod.ENotFound)
	bad = SampleIncident("inc-2")
	bad.Election = "none"
	_, err = s.CreateIncident(ctx, bad, staffEvent("", "", "", "x"))
	wantCode(t, "an unknown election", err, iltod.ENotFound)
	bad = SampleIncident("inc-2")
	bad.Actors = []iltod.ActorLink{{Actor: "nobody", Role: iltod.RoleOrdered, Evidence: []string{hexSum("photo")}}}
	_, err = s.CreateIncident(ctx, bad, staffEvent("", "", "", "x"))
	wantCode(t, "an unknown actor", err, iltod.ENotFound)
	if _, err := s.Event(ctx, 2); iltod.ErrorCodeOf(err) != iltod.ENotFound {
		t.Errorf("a refused incident wrote event 2: %v", err)
	}

	// A status change with the status the caller saw; a stale one is refused.
	step := in
	step.Status = iltod.IncidentCorroborated
	ev, err = s.UpdateIncident(ctx, step, iltod.IncidentUnverified, staffEvent("", "", "", "corroborated by a second observer"))
	if err != nil || ev.Seq != 2 || ev.Kind != iltod.EventIncident {
		t.Fatalf("UpdateIncident: %+v, %v", ev, err)
	}
	if d, _ := iltod.IncidentDigest(step); ev.Hash != d {
		t.Error("the update's event does not commit to the incident as it stands")
	}
	again := step
	again.Status = iltod.IncidentRejected
	_, err = s.UpdateIncident(ctx, again, iltod.IncidentUnverified, staffEvent("", "", "", "stale"))
	wantCode(t, "a stale step", err, iltod.EConflict)
	missing := SampleIncident("inc-9")
	_, err = s.UpdateIncident(ctx, missing, iltod.IncidentUnverified, staffEvent("", "", "", "x"))
	wantCode(t, "an unknown incident", err, iltod.ENotFound)
	if got, err := s.Incident(ctx, "mn", "inc-1"); err != nil || got.Status != iltod.IncidentCorroborated {
		t.Errorf("after the step: %+v, %v", got.Status, err)
	}

	// Report order, per election.
	second := SampleIncident("inc-0")
	second.Place = iltod.Place{Area: "UB-BZD"}
	if _, err := s.CreateIncident(ctx, second, staffEvent("", "", "", "report")); err != nil {
		t.Fatalf("CreateIncident(inc-0): %v", err)
	}
	list, err := s.Incidents(ctx, "mn")
	if err != nil || len(list) != 2 || list[0].ID != "inc-1" || list[1].ID != "inc-0" {
		t.Errorf("Incidents(mn) = %d, %v", len(list), err)
	}
	if list, err := s.Incidents(ctx, "b"); err != nil || len(list) != 0 {
		t.Errorf("Incidents(b) = %v, %v", list, err)
	}
	_, err = s.Incidents(ctx, "none")
	wantCode(t, "Incidents of an unknown election", err, iltod.ENotFound)
	_, err = s.Incident(ctx, "b", "inc-1")
	wantCode(t, "an incident in another election", err, iltod.ENotFound)
	wantCode(t, "deleting an election with incidents", s.DeleteElection(ctx, "mn"), iltod.EConflict)
}

func testActors(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	create(t, s, Fixture("mn"), false)
	gov := iltod.Actor{Code: "gov-ub", Election: "mn", Kind: iltod.ActorPublicBody, Name: iltod.Text{"en": "Governor's office"}}
	person := iltod.Actor{Code: "p-1", Election: "mn", Kind: iltod.ActorPerson, Name: iltod.Text{"en": "A. Example"}, BirthDate: "1970-01-02", Country: "MN"}
	for _, a := range []iltod.Actor{person, gov} {
		if err := a.Validate(); err != nil {
			t.Fatalf("actor %s invalid: %v", a.Code, err)
		}
		ev, err := s.PutActor(ctx, a, staffEvent("", "", "", "add"))
		if err != nil || ev.Kind != iltod.EventActor || ev.Subject != "actor/"+a.Code || ev.Election != "mn" {
			t.Fatalf("PutActor(%s) = %+v, %v", a.Code, ev, err)
		}
	}
	person.Notes = "renamed"
	if _, err := s.PutActor(ctx, person, staffEvent("", "", "", "edit")); err != nil {
		t.Fatalf("PutActor again: %v", err)
	}
	if got, err := s.Actors(ctx, "mn"); err != nil || !equalList(t, "Actors", got, []iltod.Actor{gov, person}) {
		t.Errorf("Actors: %v", err)
	}
	pos := iltod.ActorPosition{Code: "gov-ub-head", Election: "mn", Body: "gov-ub", Title: iltod.Text{"en": "Governor"}}
	if _, err := s.PutPosition(ctx, pos, staffEvent("", "", "", "add")); err != nil {
		t.Fatalf("PutPosition: %v", err)
	}
	orphan := pos
	orphan.Code, orphan.Body = "x", "nobody"
	_, err := s.PutPosition(ctx, orphan, staffEvent("", "", "", "x"))
	wantCode(t, "a position in an unknown body", err, iltod.ENotFound)
	if got, err := s.Positions(ctx, "mn"); err != nil || !equalList(t, "Positions", got, []iltod.ActorPosition{pos}) {
		t.Errorf("Positions: %v", err)
	}
	occ := iltod.Occupancy{Election: "mn", Actor: "p-1", Position: "gov-ub-head", Start: eventTime.AddDate(-2, 0, 0)}
	ev, err := s.PutOccupancy(ctx, occ, staffEvent("", "", "", "add"))
	if err != nil || ev.Subject != "occupancy/p-1/gov-ub-head" {
		t.Fatalf("PutOccupancy = %+v, %v", ev, err)
	}
	occ.End = eventTime
	if _, err := s.PutOccupancy(ctx, occ, staffEvent("", "", "", "ended")); err != nil {
		t.Fatalf("PutOccupancy again: %v", err)
	}
	want := occ
	want.Start, want.End = occ.Start.UTC(), occ.End.UTC()
	if got, err := s.Occupancies(ctx, "mn"); err != nil || !equalList(t, "Occupancies", got, []iltod.Occupancy{want}) {
		t.Errorf("Occupancies: %v", err)
	}
	noPos := occ
	noPos.Position = "none"
	_, err = s.PutOccupancy(ctx, noPos, staffEvent("", "", "", "x"))
	wantCode(t, "an occupancy of an unknown position", err, iltod.ENotFound)

	// An incident links to a stored actor, resting on its evidence.
	in := SampleIncident("inc-a")
	in.Actors = []iltod.ActorLink{{Actor: "p-1", Role: iltod.RoleOrdered, Evidence: []string{in.Evidence[0].PlainSHA256}}}
	if _, err := s.CreateIncident(ctx, in, staffEvent("", "", "", "report")); err != nil {
		t.Fatalf("CreateIncident with a link: %v", err)
	}
	if got, err := s.Incident(ctx, "mn", "inc-a"); err != nil || len(got.Actors) != 1 || got.Actors[0].Role != iltod.RoleOrdered {
		t.Errorf("the link: %+v, %v", got.Actors, err)
	}
	// Every change was an event: 2 actors, 1 edit, 1 position, 2 occupancies, 1 incident.
	if ev, err := s.Event(ctx, 7); err != nil || !strings.HasPrefix(ev.Subject, "incident/") {
		t.Errorf("Event(7) = %+v, %v", ev, err)
	}
	if _, err := s.Event(ctx, 8); iltod.ErrorCodeOf(err) != iltod.ENotFound {
		t.Errorf("a refusal wrote an event: %v", err)
	}
}
