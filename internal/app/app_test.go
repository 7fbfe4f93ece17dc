package app_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/internal/sqlstore"
	"github.com/iltod/iltod/stats/pvt"
)

// newApp returns an app over a real SQLite store holding the documented example.
func newApp(t *testing.T) (*app.App, *iltod.Package) {
	t.Helper()
	ctx := context.Background()
	store, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "iltod.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	a := app.New(store, nil)
	t.Cleanup(func() { a.Close() })
	p, err := electionpkg.ReadDir("../../docs/example")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.LoadPackage(app.SystemContext(ctx), p, false); err != nil {
		t.Fatal(err)
	}
	return a, p
}

func as(role app.Role) context.Context {
	return app.WithActor(context.Background(), app.Actor{Staff: "user-" + string(role), Role: role})
}

// TestAuthorization checks each guarded action against the public, every staff role and
// the system: the allowed ones pass the check, the others are refused with the right code.
func TestAuthorization(t *testing.T) {
	a, p := newApp(t)
	actions := map[string]struct {
		allowed []app.Role
		do      func(ctx context.Context) error
	}{
		"load": {[]app.Role{app.RoleAdmin}, func(ctx context.Context) error {
			return a.LoadPackage(ctx, p, true)
		}},
		"export": {[]app.Role{app.RoleAdmin}, func(ctx context.Context) error {
			_, err := a.ExportPackage(ctx, "example-2024")
			return err
		}},
		"observers": {[]app.Role{app.RoleAdmin, app.RoleCoordinator}, func(ctx context.Context) error {
			_, err := a.Observers(ctx, "example-2024")
			return err
		}},
		"issue code": {[]app.Role{app.RoleAdmin, app.RoleCoordinator}, func(ctx context.Context) error {
			_, _, err := a.IssueEnrollment(ctx, "example-2024", "1001", time.Hour)
			return err
		}},
		"channel messages": {[]app.Role{app.RoleAdmin, app.RoleCoordinator}, func(ctx context.Context) error {
			_, err := a.ChannelMessages(ctx, "example-2024", "1001")
			return err
		}},
		"issue link code": {[]app.Role{app.RoleAdmin, app.RoleCoordinator}, func(ctx context.Context) error {
			_, _, err := a.IssueLinkCode(ctx, "example-2024", "1001")
			return err
		}},
		"devices": {[]app.Role{app.RoleAdmin, app.RoleCoordinator}, func(ctx context.Context) error {
			_, err := a.Devices(ctx, "example-2024", "")
			return err
		}},
		"reports": {[]app.Role{app.RoleAdmin, app.RoleCoordinator, app.RoleReviewer, app.RoleAnalyst}, func(ctx context.Context) error {
			_, err := a.Submissions(ctx, "example-2024", iltod.SubmissionQuery{})
			return err
		}},
		"import official": {[]app.Role{app.RoleAdmin, app.RoleAnalyst}, func(ctx context.Context) error {
			// No results: an authorised actor gets invalid, others are refused first.
			_, err := a.ImportOfficial(ctx, iltod.OfficialRelease{Election: "example-2024", Source: "test"}, nil, nil)
			return err
		}},
		"draw sample": {[]app.Role{app.RoleAdmin, app.RoleAnalyst}, func(ctx context.Context) error {
			_, _, err := a.DrawSample(ctx, "example-2024", "none", pvt.DrawOptions{Size: 2, Seed: 1}, "")
			return err
		}},
		"read sample": {[]app.Role{app.RoleAdmin, app.RoleAnalyst}, func(ctx context.Context) error {
			_, _, err := a.Sample(ctx, "example-2024", 0)
			return err
		}},
		"review": {[]app.Role{app.RoleAdmin, app.RoleCoordinator, app.RoleReviewer}, func(ctx context.Context) error {
			// No such report: an authorised actor gets not_found, others are refused first.
			return a.Review(ctx, "example-2024", "no-such-report", app.Verify, "checked by phone")
		}},
		"verify incident": {[]app.Role{app.RoleAdmin, app.RoleCoordinator, app.RoleReviewer}, func(ctx context.Context) error {
			return a.VerifyIncident(ctx, "example-2024", "no-such-incident", iltod.IncidentCorroborated, "seen")
		}},
		"read incidents": {[]app.Role{app.RoleAdmin, app.RoleCoordinator, app.RoleReviewer, app.RoleAnalyst}, func(ctx context.Context) error {
			_, err := a.IncidentRecords(ctx, "example-2024")
			return err
		}},
		"manage actors": {[]app.Role{app.RoleAdmin, app.RoleCoordinator, app.RoleReviewer, app.RoleAnalyst}, func(ctx context.Context) error {
			return a.PutActor(ctx, iltod.Actor{Election: "example-2024"}, "x")
		}},
	}
	roles := []app.Role{app.RoleAdmin, app.RoleCoordinator, app.RoleAnalyst, app.RoleReviewer, app.RoleClerk}
	for name, act := range actions {
		if code := iltod.ErrorCodeOf(act.do(context.Background())); code != iltod.EUnauthorized {
			t.Errorf("%s by the public: %q, want unauthorized", name, code)
		}
		for _, r := range roles {
			err := act.do(as(r))
			code := iltod.ErrorCodeOf(err)
			allowed := false
			for _, ok := range act.allowed {
				allowed = allowed || ok == r
			}
			if allowed && (code == iltod.EForbidden || code == iltod.EUnauthorized) {
				t.Errorf("%s by %s refused: %v", name, r, err)
			}
			if !allowed && code != iltod.EForbidden {
				t.Errorf("%s by %s: %v, want forbidden", name, r, err)
			}
		}
		if code := iltod.ErrorCodeOf(act.do(app.SystemContext(context.Background()))); code == iltod.EForbidden || code == iltod.EUnauthorized {
			t.Errorf("%s by the system refused", name)
		}
	}
}

// TestStaffActionsAreLoggedEvents checks that enrolling, reviewing, resolving and
// revoking each append an event naming who, when and why, whose hash commits to it.
func TestStaffActionsAreLoggedEvents(t *testing.T) {
	a, _ := newApp(t)
	store := a.Store()
	ctx := context.Background()
	last := func() iltod.Event {
		t.Helper()
		seq, err := store.LastSeq(ctx)
		if err != nil || seq == 0 {
			t.Fatalf("no events: %v", err)
		}
		ev, err := store.Event(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Detail != nil && sha256.Sum256(ev.Detail) != ev.Hash {
			t.Errorf("event %d: hash does not commit to its detail", seq)
		}
		return ev
	}
	detail := func(ev iltod.Event) map[string]any {
		var d map[string]any
		if err := json.Unmarshal(ev.Detail, &d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	code, _, err := a.IssueEnrollment(as(app.RoleCoordinator), "example-2024", "1001", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if ev := last(); ev.Kind != iltod.EventDevice || detail(ev)["actor"] != "user-coordinator" || detail(ev)["action"] != "issue-enrollment" {
		t.Errorf("issue event = %+v %s", ev, ev.Detail)
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	dev, err := a.Enroll(ctx, code, pub)
	if err != nil || dev.Observer != "1001" || dev.Election != "example-2024" {
		t.Fatalf("enroll: %+v %v", dev, err)
	}
	if ev := last(); ev.Kind != iltod.EventDevice || ev.Election != "example-2024" || ev.Subject != dev.KeyID {
		t.Errorf("enroll event = %+v", ev)
	}
	i := iltod.IntValue
	answers := map[string]iltod.Value{"RV": i(1320), "BI": i(900), "BC": i(898), "CV": i(880), "CI": i(18),
		"C1": i(500), "C2": i(420), "C3": i(390), "C4": i(300), "LV": i(870), "PB": i(500), "PR": i(370)}
	env, _ := iltod.SignReport(iltod.Report{ID: "app-test-0001", Election: "example-2024", Station: "UB-001",
		Form: "results", FormVersion: 1, DeviceTime: "2024-06-28T22:00:00+08:00", Answers: answers}, priv)
	res, err := a.Submit(ctx, [][]byte{env.Bytes()})
	if err != nil || res[0].Err != nil {
		t.Fatalf("submit: %v %v", err, res[0].Err)
	}
	if ev := last(); ev.Kind != iltod.EventReport || ev.Hash != env.Hash() || ev.Detail != nil {
		t.Errorf("acceptance event = %+v", ev)
	}
	if err := a.Review(as(app.RoleReviewer), "example-2024", "app-test-0001", app.Verify, ""); iltod.ErrorCodeOf(err) != iltod.EInvalid {
		t.Errorf("a review without a reason: %v", err)
	}
	if err := a.Review(as(app.RoleReviewer), "example-2024", "app-test-0001", app.Quarantine, "figures look copied"); err != nil {
		t.Fatal(err)
	}
	ev := last()
	d := detail(ev)
	if ev.Kind != iltod.EventReview || ev.Subject != "app-test-0001" || d["actor"] != "user-reviewer" ||
		d["reason"] != "figures look copied" || d["action"] != "quarantine" || d["time"] == nil {
		t.Errorf("review event = %+v %s", ev, ev.Detail)
	}
	sub, _ := store.Submission(ctx, "example-2024", "app-test-0001")
	if sub.Status != iltod.Quarantined || sub.Observer != "1001" {
		t.Errorf("submission after review: status %s observer %s", sub.Status, sub.Observer)
	}
	if err := a.Resolve(as(app.RoleCoordinator), "example-2024", "UB-001", "results", "C1", i(-4), "typo"); iltod.ErrorCodeOf(err) != iltod.EInvalid {
		t.Errorf("resolving to a value the question refuses: %v", err)
	}
	if err := a.Resolve(as(app.RoleCoordinator), "example-2024", "UB-001", "results", "C1", i(501), "called the station"); err != nil {
		t.Fatal(err)
	}
	if ev := last(); ev.Kind != iltod.EventReview || ev.Subject != "UB-001/results" || detail(ev)["tag"] != "C1" {
		t.Errorf("resolve event = %+v %s", ev, ev.Detail)
	}
	if err := a.RevokeDevice(as(app.RoleAdmin), dev.KeyID, "phone lost"); err != nil {
		t.Fatal(err)
	}
	if ev := last(); ev.Kind != iltod.EventDevice || detail(ev)["action"] != "revoke" || detail(ev)["reason"] != "phone lost" {
		t.Errorf("revoke event = %+v %s", ev, ev.Detail)
	}
	// The revoked device is refused at once.
	env2, _ := iltod.SignReport(iltod.Report{ID: "app-test-0002", Election: "example-2024", Station: "UB-001",
		Form: "results", FormVersion: 1, DeviceTime: "2024-06-28T22:00:00+08:00", Answers: answers}, priv)
	res, _ = a.Submit(ctx, [][]byte{env2.Bytes()})
	if iltod.ErrorCodeOf(res[0].Err) != iltod.ERevokedKey {
		t.Errorf("report from a revoked device: %v", res[0].Err)
	}
}

// TestCoordinatorAreas checks that a coordinator limited to an area is refused the
// stations and observers outside it, and sees only the devices of observers inside it.
func TestCoordinatorAreas(t *testing.T) {
	a, _ := newApp(t)
	sys := app.SystemContext(context.Background())
	enroll := func(observer string) {
		t.Helper()
		code, _, err := a.IssueEnrollment(sys, "example-2024", observer, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		pub, _, _ := ed25519.GenerateKey(rand.Reader)
		if _, err := a.Enroll(sys, code, pub); err != nil {
			t.Fatal(err)
		}
	}
	enroll("1001") // UB-001, Ulaanbaatar
	enroll("1003") // DA-001, Darkhan
	coord := app.WithActor(context.Background(), app.Actor{Staff: "dorj", Role: app.RoleCoordinator, Areas: []string{"DA"}})

	ds, err := a.Devices(coord, "example-2024", "")
	if err != nil || len(ds) != 1 || ds[0].Observer != "1003" {
		t.Errorf("the Darkhan coordinator's devices: %+v, %v; want only observer 1003's", ds, err)
	}
	if _, err := a.Devices(coord, "example-2024", "1001"); iltod.ErrorCodeOf(err) != iltod.EForbidden {
		t.Errorf("an Ulaanbaatar observer's devices: %v, want forbidden", err)
	}
	if _, _, err := a.IssueEnrollment(coord, "example-2024", "1001", time.Hour); iltod.ErrorCodeOf(err) != iltod.EForbidden {
		t.Errorf("a code for an Ulaanbaatar observer: %v, want forbidden", err)
	}
	if _, _, err := a.IssueEnrollment(coord, "example-2024", "1004", time.Hour); err != nil {
		t.Errorf("a code for an observer with a Darkhan station: %v", err)
	}
	err = a.Resolve(coord, "example-2024", "UB-001", "results", "K1", iltod.IntValue(1), "checked by phone")
	if iltod.ErrorCodeOf(err) != iltod.EForbidden {
		t.Errorf("resolving an Ulaanbaatar station: %v, want forbidden", err)
	}
	if all, err := a.Devices(sys, "example-2024", ""); err != nil || len(all) != 2 {
		t.Errorf("the system sees %d devices, %v; want 2", len(all), err)
	}
}
