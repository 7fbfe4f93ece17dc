package app_test

import (
	"context"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
)

// TestDossierSource: only staff who read incidents gather a dossier; it holds only the
// verified, redacted incidents whose published link names the actor, as published
// copies whose proofs give the digest of the event it names.
func TestDossierSource(t *testing.T) {
	a, store := newIncidentApp(t)
	sys := app.SystemContext(context.Background())
	reviewer := as(app.RoleReviewer)
	const el = "example-2024"
	for _, act := range []iltod.Actor{
		{Code: "police-ub", Election: el, Kind: iltod.ActorPublicBody, Name: iltod.Text{"en": "Fictional city police"}},
		{Code: "p-chief", Election: el, Kind: iltod.ActorPerson, Name: iltod.Text{"en": "Fictional Chief"}},
	} {
		if err := a.PutActor(reviewer, act, "registry"); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	for i, hide := range []string{"", "actor/p-chief", "none"} {
		in, err := a.ReportIncident(sys, incidentReport(iltod.SourceStaff))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, in.ID)
		if err := a.LinkActor(reviewer, el, in.ID, iltod.ActorLink{Actor: "p-chief", Role: iltod.RoleOrdered, Evidence: []string{sum("video")}}, "video"); err != nil {
			t.Fatal(err)
		}
		if i == 2 {
			continue // left unverified
		}
		for _, to := range []iltod.IncidentStatus{iltod.IncidentCorroborated, iltod.IncidentVerified} {
			if err := a.VerifyIncident(reviewer, el, in.ID, to, "checked"); err != nil {
				t.Fatal(err)
			}
		}
		var rs []iltod.Redaction
		if hide != "" {
			rs = []iltod.Redaction{{Field: hide, Reason: "pending"}}
		}
		if err := a.RedactIncident(reviewer, el, in.ID, rs, "publish"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.DossierSource(as(app.RoleClerk), el, "p-chief"); iltod.ErrorCodeOf(err) != iltod.EForbidden {
		t.Errorf("a clerk: %v", err)
	}
	if _, err := a.DossierActors(context.Background(), el); iltod.ErrorCodeOf(err) == "" {
		t.Error("the public lists dossiers")
	}
	list, err := a.DossierActors(reviewer, el)
	if err != nil || len(list) != 1 || list[0].Actor.Code != "p-chief" || list[0].Incidents != 1 {
		t.Errorf("DossierActors = %+v, %v", list, err)
	}
	src, err := a.DossierSource(sys, el, "p-chief")
	if err != nil {
		t.Fatal(err)
	}
	if len(src.Incidents) != 1 || src.Incidents[0].Published.ID != ids[0] {
		t.Fatalf("the dossier holds %+v", src.Incidents)
	}
	if len(src.Records) != 1 || src.Records[0].Subject != "actor/p-chief" || src.Records[0].Seq == 0 {
		t.Errorf("the registry's records: %+v", src.Records)
	}
	si := src.Incidents[0]
	ev, err := store.Event(sys, si.Seq)
	if err != nil {
		t.Fatal(err)
	}
	d, err := si.Proof.Digest(si.Published)
	if err != nil || ev.Hash != d || ev.Subject != iltod.IncidentSubject(ids[0]) {
		t.Errorf("the event %d (%s) does not commit to the published copy: %v", si.Seq, ev.Subject, err)
	}
	if last, _ := store.LastSeq(sys); si.Seq >= last {
		t.Errorf("the incident's event %d is the last of %d: the scan past later events is not tested", si.Seq, last)
	}
	if si.Published.Reporter != "" || si.Published.NarrativeSalt != "" {
		t.Errorf("the published copy names its reporter or secret: %+v", si.Published)
	}
	if _, err := a.DossierSource(sys, el, "police-ub"); iltod.ErrorCodeOf(err) != iltod.ENotFound {
		t.Errorf("an actor without a dossier: %v", err)
	}
	if _, err := a.DossierSource(sys, el, "nobody"); iltod.ErrorCodeOf(err) != iltod.ENotFound {
		t.Errorf("an unknown actor: %v", err)
	}
}
