package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
)

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func incidentReport(source iltod.IncidentSource) app.IncidentReport {
	return app.IncidentReport{
		Election: "example-2024", Category: "freedoms.journalist_attacked", Severity: "high",
		Start: time.Date(2024, 6, 28, 10, 0, 0, 0, time.UTC), Place: iltod.Place{Station: "UB-001"},
		Narrative: "Witness Dorj saw the reporter pushed to the ground.",
		Evidence:  []iltod.EvidenceRef{{PlainSHA256: sum("video"), CipherSHA256: sum("sealed"), MediaType: "video/mp4"}},
		Source:    source, Observer: "1001",
	}
}

// TestIncidentLifecycle walks an incident from report to publication: each step is a
// logged event with its reason, only a verified and redacted incident is published, and
// what is published holds no redacted field and no reporter.
func TestIncidentLifecycle(t *testing.T) {
	a, store := newIncidentApp(t)
	sys := app.SystemContext(context.Background())
	reviewer := as(app.RoleReviewer)

	in, err := a.ReportIncident(sys, incidentReport(iltod.SourceObserver))
	if err != nil {
		t.Fatalf("ReportIncident: %v", err)
	}
	if in.Status != iltod.IncidentUnverified || in.Reporter != "1001" || in.Trust != iltod.TrustMedium {
		t.Errorf("reported: %+v", in)
	}
	cit, err := a.ReportIncident(context.Background(), incidentReport(iltod.SourceCitizen))
	if err != nil {
		t.Fatalf("a citizen's report: %v", err)
	}
	if cit.Reporter != "" || cit.Trust != iltod.TrustLow {
		t.Errorf("a citizen's incident names %q with trust %s", cit.Reporter, cit.Trust)
	}

	// Bad input is refused.
	bad := incidentReport(iltod.SourceStaff)
	bad.Category = "election.unknown"
	if _, err := a.ReportIncident(reviewer, bad); iltod.ErrorCodeOf(err) != iltod.EInvalid {
		t.Errorf("an unknown category: %v", err)
	}
	if _, err := a.ReportIncident(context.Background(), incidentReport(iltod.SourceObserver)); iltod.ErrorCodeOf(err) != iltod.EUnauthorized {
		t.Errorf("the public reporting as an observer: %v", err)
	}
	if err := a.VerifyIncident(as(app.RoleAnalyst), "example-2024", in.ID, iltod.IncidentCorroborated, "x"); iltod.ErrorCodeOf(err) != iltod.EForbidden {
		t.Errorf("an analyst verifying: %v", err)
	}
	if err := a.VerifyIncident(reviewer, "example-2024", in.ID, iltod.IncidentCorroborated, " "); iltod.ErrorCodeOf(err) != iltod.EInvalid {
		t.Errorf("a step without a reason: %v", err)
	}
	if err := a.VerifyIncident(reviewer, "example-2024", in.ID, iltod.IncidentVerified, "skip"); iltod.ErrorCodeOf(err) != iltod.EInvalid {
		t.Errorf("skipping corroboration: %v", err)
	}

	publishedIDs := func() []string {
		t.Helper()
		pub, err := a.PublishedIncidents(context.Background(), "example-2024")
		if err != nil {
			t.Fatalf("PublishedIncidents: %v", err)
		}
		var ids []string
		for _, p := range pub {
			ids = append(ids, p.ID)
		}
		return ids
	}
	step := func(to iltod.IncidentStatus, reason string) {
		t.Helper()
		if err := a.VerifyIncident(reviewer, "example-2024", in.ID, to, reason); err != nil {
			t.Fatalf("VerifyIncident(%s): %v", to, err)
		}
	}
	step(iltod.IncidentCorroborated, "a second observer confirms")
	if ids := publishedIDs(); len(ids) != 0 {
		t.Errorf("a corroborated incident is published: %v", ids)
	}
	step(iltod.IncidentVerified, "video checked")
	if ids := publishedIDs(); len(ids) != 0 {
		t.Errorf("a verified incident not yet redacted is published: %v", ids)
	}
	if err := a.RedactIncident(reviewer, "example-2024", in.ID, []iltod.Redaction{{Field: "narrative", Reason: "names a witness"}}, "witness at risk"); err != nil {
		t.Fatalf("RedactIncident: %v", err)
	}
	pub, err := a.PublishedIncidents(context.Background(), "example-2024")
	if err != nil || len(pub) != 1 || pub[0].ID != in.ID {
		t.Fatalf("published: %+v, %v", pub, err)
	}
	b, _ := json.Marshal(pub)
	for _, secret := range []string{"Dorj", `"1001"`, `"reporter"`, "witness at risk", "names a witness", cit.ID} {
		if strings.Contains(string(b), secret) {
			t.Errorf("the published incidents hold %q: %s", secret, b)
		}
	}
	if pub[0].Category != "freedoms.journalist_attacked" || len(pub[0].Evidence) != 1 {
		t.Errorf("what is not redacted is lost: %s", b)
	}

	// A rejected incident is never published, and a rejected one cannot come back.
	if err := a.VerifyIncident(reviewer, "example-2024", cit.ID, iltod.IncidentRejected, "no trace"); err != nil {
		t.Fatalf("reject: %v", err)
	}
	if err := a.VerifyIncident(reviewer, "example-2024", cit.ID, iltod.IncidentCorroborated, "again"); iltod.ErrorCodeOf(err) != iltod.EInvalid {
		t.Errorf("a rejected incident moved: %v", err)
	}

	// Every step is an event of the incident, whose hash is the incident's digest as it
	// then stood; none holds the narrative or the observer.
	full, err := a.Incident(reviewer, "example-2024", in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(full.NarrativeSalt) != 64 || full.NarrativeSalt == cit.NarrativeSalt {
		t.Errorf("the narrative salts %q and %q are not fresh", full.NarrativeSalt, cit.NarrativeSalt)
	}
	if strings.Contains(string(b), full.NarrativeSalt) {
		t.Error("the salt of a redacted narrative is published")
	}
	digest, _ := iltod.IncidentDigest(full)
	evs := incidentEvents(t, store, in.ID)
	if len(evs) != 4 {
		t.Fatalf("%d events of the incident, want 4 (report, 2 steps, redaction)", len(evs))
	}
	if evs[3].Hash != digest {
		t.Error("the last event does not commit to the incident as it stands")
	}
	for _, ev := range evs {
		if strings.Contains(string(ev.Detail), "Dorj") || strings.Contains(string(ev.Detail), `"1001"`) {
			t.Errorf("event %d holds the narrative or the observer: %s", ev.Seq, ev.Detail)
		}
	}
	if !strings.Contains(string(evs[1].Detail), "a second observer confirms") {
		t.Errorf("the step's event lacks its reason: %s", evs[1].Detail)
	}
}

// incidentEvents returns the events of an incident, in order.
func incidentEvents(t *testing.T, store iltod.Store, id string) []iltod.Event {
	t.Helper()
	var out []iltod.Event
	for seq := uint64(1); ; seq++ {
		ev, err := store.Event(context.Background(), seq)
		if iltod.ErrorCodeOf(err) == iltod.ENotFound {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if ev.Subject == iltod.IncidentSubject(id) {
			out = append(out, ev)
		}
	}
}

// newIncidentApp is newApp that also returns the store, to read events back.
func newIncidentApp(t *testing.T) (*app.App, iltod.Store) {
	t.Helper()
	a, _ := newApp(t)
	return a, a.Store()
}

func TestActorsRegistry(t *testing.T) {
	a, _ := newApp(t)
	ctx := as(app.RoleReviewer)
	body := iltod.Actor{Code: "police-ub", Election: "example-2024", Kind: iltod.ActorPublicBody, Name: iltod.Text{"en": "City police", "mn": "Нийслэлийн цагдаа"}}
	chief := iltod.Actor{Code: "p-chief", Election: "example-2024", Kind: iltod.ActorPerson, Name: iltod.Text{"en": "Chief Example"}}
	for _, act := range []iltod.Actor{body, chief} {
		if err := a.PutActor(ctx, act, "from the press release"); err != nil {
			t.Fatalf("PutActor(%s): %v", act.Code, err)
		}
	}
	if err := a.PutActor(as(app.RoleClerk), body, "x"); iltod.ErrorCodeOf(err) != iltod.EForbidden {
		t.Errorf("a clerk managing actors: %v", err)
	}
	if err := a.PutActor(ctx, iltod.Actor{Code: "bad code!", Election: "example-2024", Kind: iltod.ActorPerson, Name: iltod.Text{"en": "X"}}, "x"); iltod.ErrorCodeOf(err) != iltod.EInvalid {
		t.Errorf("a malformed actor: %v", err)
	}
	pos := iltod.ActorPosition{Code: "police-ub-chief", Election: "example-2024", Body: "police-ub", Title: iltod.Text{"en": "Chief of police"}}
	if err := a.PutPosition(ctx, pos, "org chart"); err != nil {
		t.Fatalf("PutPosition: %v", err)
	}
	if err := a.PutOccupancy(ctx, iltod.Occupancy{Election: "example-2024", Actor: "p-chief", Position: pos.Code, Start: time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)}, "decree"); err != nil {
		t.Fatalf("PutOccupancy: %v", err)
	}
	as_, ps, os, err := a.Actors(ctx, "example-2024")
	if err != nil || len(as_) != 2 || len(ps) != 1 || len(os) != 1 {
		t.Fatalf("Actors = %d, %d, %d, %v", len(as_), len(ps), len(os), err)
	}
	if _, _, _, err := a.Actors(context.Background(), "example-2024"); iltod.ErrorCodeOf(err) != iltod.EUnauthorized {
		t.Errorf("the public reading actors: %v", err)
	}

	in, err := a.ReportIncident(ctx, incidentReport(iltod.SourceStaff))
	if err != nil {
		t.Fatal(err)
	}
	if in.Reporter != "user-reviewer" || in.Trust != iltod.TrustHigh {
		t.Errorf("a staff report: reporter %q trust %s", in.Reporter, in.Trust)
	}
	link := iltod.ActorLink{Actor: "p-chief", Role: iltod.RoleOrdered, Evidence: []string{sum("video")}}
	if err := a.LinkActor(ctx, "example-2024", in.ID, link, "heard on the video"); err != nil {
		t.Fatalf("LinkActor: %v", err)
	}
	noEvidence := link
	noEvidence.Evidence = []string{sum("not attached")}
	if err := a.LinkActor(ctx, "example-2024", in.ID, noEvidence, "x"); iltod.ErrorCodeOf(err) != iltod.EInvalid {
		t.Errorf("a link resting on evidence the incident lacks: %v", err)
	}
	nobody := link
	nobody.Actor = "nobody"
	if err := a.LinkActor(ctx, "example-2024", in.ID, nobody, "x"); iltod.ErrorCodeOf(err) != iltod.ENotFound {
		t.Errorf("a link to an unknown actor: %v", err)
	}

	// A verified incident whose link is redacted is published without it.
	for _, to := range []iltod.IncidentStatus{iltod.IncidentCorroborated, iltod.IncidentVerified} {
		if err := a.VerifyIncident(ctx, "example-2024", in.ID, to, "checked"); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.RedactIncident(ctx, "example-2024", in.ID, []iltod.Redaction{{Field: "actor/p-chief", Reason: "not yet notified"}}, "fairness"); err != nil {
		t.Fatal(err)
	}
	pub, err := a.PublishedIncidents(context.Background(), "example-2024")
	if err != nil || len(pub) != 1 || len(pub[0].Actors) != 0 || pub[0].Narrative == "" {
		t.Errorf("published: %+v, %v", pub, err)
	}
}
