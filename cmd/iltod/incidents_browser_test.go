package main

import (
	"context"
	"fmt"
	"image"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/demo"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/auth"
	"github.com/iltod/iltod/internal/browsertest"
	"github.com/iltod/iltod/internal/testimage"
)

// TestBrowserIncidents shows the console's incident pages and actors registry in a real
// headless Chromium, in both languages, on a phone 320 pixels wide: the list of
// incidents, the report form, an incident with evidence, actor links, redactions and a
// history, the same page answering a redaction sent without saying what it hides, and
// the registry. Each passes axe-core's checks of WCAG 2.1 A and AA and does not scroll
// sideways.
func TestBrowserIncidents(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a browser")
	}
	b := browsertest.Start(t) // skips where no browser is installed
	browsertest.RequireAxe(t)
	ctx := context.Background()
	m := &Main{Config: ServeConfig{Store: StoreConfig{DataDir: t.TempDir()}, Addr: "127.0.0.1:0", Origin: DemoOrigin}}
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	m.App.SetPasswordParams(auth.TestParams)
	if _, err := loadDemo(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := m.Serve(ctx); err != nil {
		t.Fatal(err)
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	m.App.SetEvidenceRecipients([]age.Recipient{id.Recipient()})
	inID := incidentsFixture(t, m.App)

	sys := app.SystemContext(ctx)
	secret, _, err := m.App.CreateStaff(sys, app.NewStaff{Login: "incidents-admin", Name: "Test Administrator", Role: app.RoleAdmin, Password: browserPassword})
	if err != nil {
		t.Fatal(err)
	}
	tab := newPageTab(t, b)
	base := m.URL()
	signIn(t, tab, base, "incidents-admin", secret)
	e := "staff/e/" + demo.ElectionID + "/"
	pages := []sitePage{
		{name: "console-incidents", path: e + "incidents", status: 200, staff: true},
		{name: "console-incidents-filtered", path: e + "incidents?status=verified&source=observer", status: 200, staff: true},
		{name: "console-incident-new", path: e + "incidents/new", status: 200, staff: true},
		{name: "console-incident", path: e + "incidents/" + inID, status: 200, staff: true},
		{name: "console-incident-redaction-refused", path: e + "incidents/" + inID, status: 400, staff: true,
			after: func(t *testing.T, tab *pageTab, lang string) {
				tab.Click("#redact-0")
				tab.Type("#redact-reason", "a reason")
				tab.Submit(`form[action*="/redact"] button[type="submit"]`)
			}},
		{name: "console-actors", path: e + "actors", status: 200, staff: true},
		{name: "console-actor-edit", path: e + "actors?actor=demo-chief", status: 200, staff: true},
	}
	for _, lang := range siteLangs {
		for _, p := range pages {
			name := p.name + "-" + lang
			tab.SetPhoneViewport(reflowWidths[0], 800)
			p.open(t, tab, base, lang)
			checkEveryPage(t, tab, p, name, lang)
			for _, w := range reflowWidths {
				tab.SetPhoneViewport(w, 800)
				var m reflow
				tab.Eval(measureReflow, &m)
				if m.ScrollWidth > m.ClientWidth {
					t.Errorf("%s (%s) at %d px: the document is %d pixels wide and scrolls sideways; too wide: %s; screenshot %s",
						name, tab.URL(), w, m.ScrollWidth, strings.Join(m.Wide, ", "), tab.Screenshot(fmt.Sprintf("%s-%d", name, w)))
				}
				for _, bx := range m.Boxes {
					if bx.Name == "" || !bx.Focusable {
						t.Errorf("%s at %d px: %s scrolls sideways but has no accessible name or cannot take the focus", name, w, bx.Element)
					}
				}
			}
		}
	}
	// The refused redaction changed nothing and said why.
	tab.SetPhoneViewport(1024, 800)
	pages[4].open(t, tab, base, "en")
	if msg := tab.Text("p.flash.error"); !strings.Contains(msg, "Say what each hidden field hides") {
		t.Errorf("the refused redaction says %q", msg)
	}
	in, err := m.App.Incident(sys, demo.ElectionID, inID)
	if err != nil || len(in.Redactions) != 1 {
		t.Errorf("after a refused redaction the incident has %+v, %v", in.Redactions, err)
	}
}

// incidentsFixture stores, for the demo election, an actor with a position and an
// incident at a station with a photo as evidence, corroborated, verified, linked to the
// actor and redacted, and another incident by a citizen; it returns the first's id.
func incidentsFixture(t *testing.T, a *app.App) string {
	t.Helper()
	ctx := app.SystemContext(context.Background())
	el := demo.ElectionID
	for _, act := range []iltod.Actor{
		{Code: "demo-police", Election: el, Kind: iltod.ActorPublicBody, Name: iltod.Text{"en": "Fictional city police", "mn": "Зохиомол хотын цагдаа"}},
		{Code: "demo-chief", Election: el, Kind: iltod.ActorPerson, Name: iltod.Text{"en": "Fictional Chief", "mn": "Зохиомол дарга"}, BirthDate: "1970-01-02"},
	} {
		if err := a.PutActor(ctx, act, "test fixture"); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.PutPosition(ctx, iltod.ActorPosition{Code: "demo-police-chief", Election: el, Body: "demo-police", Title: iltod.Text{"en": "Chief", "mn": "Дарга"}}, "test fixture"); err != nil {
		t.Fatal(err)
	}
	if err := a.PutOccupancy(ctx, iltod.Occupancy{Election: el, Actor: "demo-chief", Position: "demo-police-chief", Start: time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)}, "test fixture"); err != nil {
		t.Fatal(err)
	}
	photo, _, err := testimage.CameraJPEG(image.NewGray(image.Rect(0, 0, 32, 24)))
	if err != nil {
		t.Fatal(err)
	}
	ref, err := a.SealEvidence(ctx, photo)
	if err != nil {
		t.Fatal(err)
	}
	pkgStations, err := a.Stations(ctx, el, iltod.StationQuery{})
	if err != nil || len(pkgStations) == 0 {
		t.Fatalf("stations: %v", err)
	}
	in, err := a.ReportIncident(ctx, app.IncidentReport{Election: el, Category: "freedoms.journalist_attacked", Severity: "high",
		Start: time.Date(2024, 6, 28, 10, 15, 0, 0, time.UTC), Place: iltod.Place{Station: pkgStations[0].Code},
		Narrative: "A fictional journalist was pushed to the ground by a fictional officer.", Evidence: []iltod.EvidenceRef{ref},
		Source: iltod.SourceStaff})
	if err != nil {
		t.Fatal(err)
	}
	for _, to := range []iltod.IncidentStatus{iltod.IncidentCorroborated, iltod.IncidentVerified} {
		if err := a.VerifyIncident(ctx, el, in.ID, to, "checked for the test"); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.LinkActor(ctx, el, in.ID, iltod.ActorLink{Actor: "demo-chief", Role: iltod.RoleOrdered, Evidence: []string{ref.PlainSHA256}}, "seen on the photo"); err != nil {
		t.Fatal(err)
	}
	if err := a.RedactIncident(ctx, el, in.ID, []iltod.Redaction{{Field: "evidence/" + ref.PlainSHA256, Reason: "a face"}}, "a bystander"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ReportIncident(context.Background(), app.IncidentReport{Election: el, Category: "election.vote_buying", Severity: "medium",
		Start: time.Date(2024, 6, 28, 8, 0, 0, 0, time.UTC), Place: iltod.Place{Area: pkgStations[0].Area},
		Narrative: "A fictional citizen saw money handed out.", Source: iltod.SourceCitizen}); err != nil {
		t.Fatal(err)
	}
	return in.ID
}
