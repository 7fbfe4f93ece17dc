package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/internal/imagemeta"
	"github.com/iltod/iltod/internal/sqlstore"
	"github.com/iltod/iltod/internal/testimage"
)

// TestIncidentAreas checks that a coordinator limited to an area sees, reviews and
// reports only incidents placed in it (at a station or an area below it), never one
// placed by a free position, and that reporters are shown only to roles that may read
// observers.
func TestIncidentAreas(t *testing.T) {
	a, store := newIncidentApp(t)
	sys := app.SystemContext(context.Background())
	places := map[string]iltod.Place{
		"ub-station": {Station: "UB-001"},
		"da-station": {Station: "DA-001"},
		"da-area":    {Area: "DA-DA"},
		"ub-area":    {Area: "UB"},
		"free":       {Position: &iltod.Position{LatE6: 49_480_000, LonE6: 105_920_000, AccuracyM: 50}},
	}
	ids := map[string]string{}
	for name, pl := range places {
		r := incidentReport(iltod.SourceObserver)
		r.Place = pl
		in, err := a.ReportIncident(sys, r)
		if err != nil {
			t.Fatalf("report %s: %v", name, err)
		}
		ids[name] = in.ID
	}
	coord := app.WithActor(context.Background(), app.Actor{Staff: "dorj", Role: app.RoleCoordinator, Areas: []string{"DA"}})

	seen := func(ctx context.Context) []string {
		t.Helper()
		ins, err := a.IncidentRecords(ctx, "example-2024")
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, in := range ins {
			for name, id := range ids {
				if id == in.ID {
					names = append(names, name)
				}
			}
		}
		slices.Sort(names)
		return names
	}
	if got := seen(coord); !slices.Equal(got, []string{"da-area", "da-station"}) {
		t.Errorf("the Darkhan coordinator sees %v, want da-area and da-station", got)
	}
	if got := seen(as(app.RoleReviewer)); len(got) != 5 {
		t.Errorf("a reviewer limited to no area sees %v, want all five", got)
	}
	for _, name := range []string{"ub-station", "ub-area", "free"} {
		if _, err := a.Incident(coord, "example-2024", ids[name]); iltod.ErrorCodeOf(err) != iltod.EForbidden {
			t.Errorf("the Darkhan coordinator reading %s: %v, want forbidden", name, err)
		}
		before, _ := store.LastSeq(context.Background())
		steps := map[string]error{
			"verify":    a.VerifyIncident(coord, "example-2024", ids[name], iltod.IncidentCorroborated, "seen"),
			"redact":    a.RedactIncident(coord, "example-2024", ids[name], nil, "nothing to hide"),
			"narrative": a.SetIncidentNarrative(coord, "example-2024", ids[name], "An account.", "public account"),
		}
		for step, err := range steps {
			if iltod.ErrorCodeOf(err) != iltod.EForbidden {
				t.Errorf("the Darkhan coordinator's %s of %s: %v, want forbidden", step, name, err)
			}
		}
		if _, err := a.IncidentHistory(coord, "example-2024", ids[name]); iltod.ErrorCodeOf(err) != iltod.EForbidden {
			t.Errorf("the Darkhan coordinator reading the history of %s: %v", name, err)
		}
		if after, _ := store.LastSeq(context.Background()); after != before {
			t.Errorf("refused steps on %s logged %d events", name, after-before)
		}
	}
	if err := a.VerifyIncident(coord, "example-2024", ids["da-station"], iltod.IncidentCorroborated, "seen by two"); err != nil {
		t.Errorf("the Darkhan coordinator corroborating a Darkhan incident: %v", err)
	}

	// Reporting: inside the areas only.
	r := incidentReport(iltod.SourceStaff)
	if _, err := a.ReportIncident(coord, r); iltod.ErrorCodeOf(err) != iltod.EForbidden {
		t.Errorf("the Darkhan coordinator reporting at UB-001: %v, want forbidden", err)
	}
	r.Place = iltod.Place{Station: "DA-002"}
	if _, err := a.ReportIncident(coord, r); err != nil {
		t.Errorf("the Darkhan coordinator reporting at DA-002: %v", err)
	}
	obs := incidentReport(iltod.SourceObserver)
	if _, err := a.ReportIncident(coord, obs); iltod.ErrorCodeOf(err) != iltod.EForbidden {
		t.Errorf("the Darkhan coordinator entering an observer's incident at UB-001: %v, want forbidden", err)
	}

	// Reporters: observers' codes, for those who may read observers.
	for _, c := range []struct {
		role app.Role
		want string
	}{{app.RoleAdmin, "1001"}, {app.RoleCoordinator, "1001"}, {app.RoleReviewer, ""}, {app.RoleAnalyst, ""}} {
		in, err := a.Incident(as(c.role), "example-2024", ids["ub-station"])
		if err != nil || in.Reporter != c.want {
			t.Errorf("%s reads the reporter %q (%v), want %q", c.role, in.Reporter, err, c.want)
		}
		all, _ := a.IncidentRecords(as(c.role), "example-2024")
		for _, in := range all {
			if in.Reporter != c.want && in.ID != "" && in.Source == iltod.SourceObserver {
				t.Errorf("%s lists the reporter %q, want %q", c.role, in.Reporter, c.want)
			}
		}
	}
}

// TestSetIncidentNarrative checks that a reviewer's public account replaces the
// narrative as a logged change with its reason, that the incident must be redacted again
// before it is published, and that the history shows each step.
func TestSetIncidentNarrative(t *testing.T) {
	a, store := newIncidentApp(t)
	reviewer := as(app.RoleReviewer)
	in, err := a.ReportIncident(app.SystemContext(context.Background()), incidentReport(iltod.SourceCitizen))
	if err != nil {
		t.Fatal(err)
	}
	for _, to := range []iltod.IncidentStatus{iltod.IncidentCorroborated, iltod.IncidentVerified} {
		if err := a.VerifyIncident(reviewer, "example-2024", in.ID, to, "checked"); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.RedactIncident(reviewer, "example-2024", in.ID, nil, "nothing to hide"); err != nil {
		t.Fatal(err)
	}
	before, _ := store.LastSeq(context.Background())
	for _, c := range []struct {
		ctx          context.Context
		text, reason string
		code         iltod.ErrorCode
	}{
		{reviewer, "", "empty", iltod.EInvalid},
		{reviewer, "A journalist was pushed.", " ", iltod.EInvalid},
		{reviewer, strings.Repeat("x", iltod.MaxNarrativeLen+1), "long", iltod.EInvalid},
		{as(app.RoleAnalyst), "A journalist was pushed.", "mine", iltod.EForbidden},
		{context.Background(), "A journalist was pushed.", "mine", iltod.EUnauthorized},
	} {
		if err := a.SetIncidentNarrative(c.ctx, "example-2024", in.ID, c.text, c.reason); iltod.ErrorCodeOf(err) != c.code {
			t.Errorf("narrative %.20q reason %q: %v, want %s", c.text, c.reason, err, c.code)
		}
	}
	if after, _ := store.LastSeq(context.Background()); after != before {
		t.Fatalf("refused narratives logged %d events", after-before)
	}
	const account = "A journalist was pushed to the ground outside the station."
	if err := a.SetIncidentNarrative(reviewer, "example-2024", in.ID, account, "the witness's words stay sealed"); err != nil {
		t.Fatal(err)
	}
	got, _ := a.Incident(reviewer, "example-2024", in.ID)
	if got.Narrative != account || got.Redacted {
		t.Errorf("after the new narrative: %q, redacted %v; want the account, not redacted", got.Narrative, got.Redacted)
	}
	if pub, _ := a.PublishedIncidents(context.Background(), "example-2024"); len(pub) != 0 {
		t.Errorf("an incident with an unreviewed narrative is published: %+v", pub)
	}
	hist, err := a.IncidentHistory(reviewer, "example-2024", in.ID)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, c := range hist {
		actions = append(actions, c.Action)
	}
	if want := []string{"report", "status", "status", "redact", "narrative"}; !slices.Equal(actions, want) {
		t.Errorf("history %v, want %v", actions, want)
	}
	if last := hist[len(hist)-1]; last.Reason != "the witness's words stay sealed" || last.By != "user-reviewer" {
		t.Errorf("the narrative's change: %+v", last)
	}
	if hist[1].To != "corroborated" || hist[0].Source != "citizen" {
		t.Errorf("history: %+v", hist[:2])
	}
	for _, c := range hist {
		if strings.Contains(c.Reason, "pushed") {
			t.Errorf("the history holds the narrative: %+v", c)
		}
	}
}

// TestPublishEvidenceCopy seals a camera's JPEG with an EXIF GPS position, then has a
// reviewer publish its copy: a wrong file and a document are refused with nothing
// changed; the right one gives a copy without metadata, named by the evidence, and the
// original's bytes (and its GPS block) appear nowhere in the database's files.
func TestPublishEvidenceCopy(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, err := sqlstore.OpenSQLite(ctx, filepath.Join(dir, "iltod.db"))
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(store, nil)
	p, err := electionpkg.ReadDir("../../docs/example")
	if err != nil {
		t.Fatal(err)
	}
	sys := app.SystemContext(ctx)
	if err := a.LoadPackage(sys, p, false); err != nil {
		t.Fatal(err)
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	a.SetEvidenceRecipients([]age.Recipient{id.Recipient()})

	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	img.Set(3, 3, color.RGBA{255, 0, 0, 255})
	photo, gps, err := testimage.CameraJPEG(img, testimage.Segment{Marker: 0xfe, Body: []byte("camera serial SN-4417-XQ")})
	if err != nil {
		t.Fatal(err)
	}
	reviewer := as(app.RoleReviewer)
	ref, err := a.SealEvidence(reviewer, photo)
	if err != nil {
		t.Fatal(err)
	}
	doc := []byte("%PDF-1.4 a statement naming the witness\n")
	docRef, err := a.SealEvidence(reviewer, doc)
	if err != nil {
		t.Fatal(err)
	}
	r := incidentReport(iltod.SourceStaff)
	r.Evidence = []iltod.EvidenceRef{ref, docRef}
	in, err := a.ReportIncident(reviewer, r)
	if err != nil {
		t.Fatal(err)
	}

	before, _ := store.LastSeq(ctx)
	other := append(slices.Clone(photo[:len(photo)-2]), 0, 0xff, 0xd9)
	for name, c := range map[string]struct {
		ctx        context.Context
		sha        string
		data       []byte
		reason     string
		code       iltod.ErrorCode
		messageHas string
	}{
		"another file":      {reviewer, ref.PlainSHA256, other, "publish", iltod.EInvalid, "does not have"},
		"unknown evidence":  {reviewer, sum("nothing"), photo, "publish", iltod.EInvalid, "no evidence"},
		"a document":        {reviewer, docRef.PlainSHA256, doc, "publish", iltod.EInvalid, "cannot be published"},
		"no reason":         {reviewer, ref.PlainSHA256, photo, "", iltod.EInvalid, "reason"},
		"an analyst":        {as(app.RoleAnalyst), ref.PlainSHA256, photo, "publish", iltod.EForbidden, "may not"},
		"the public":        {ctx, ref.PlainSHA256, photo, "publish", iltod.EUnauthorized, "sign in"},
		"another coord":     {app.WithActor(ctx, app.Actor{Staff: "dorj", Role: app.RoleCoordinator, Areas: []string{"DA"}}), ref.PlainSHA256, photo, "publish", iltod.EForbidden, "outside"},
		"a broken jpeg too": {reviewer, ref.PlainSHA256, photo[:len(photo)/2], "publish", iltod.EInvalid, "does not have"},
	} {
		err := a.PublishEvidenceCopy(c.ctx, "example-2024", in.ID, c.sha, c.data, c.reason)
		if iltod.ErrorCodeOf(err) != c.code || err == nil || !strings.Contains(err.Error(), c.messageHas) {
			t.Errorf("%s: %v, want %s saying %q", name, err, c.code, c.messageHas)
		}
	}
	if after, _ := store.LastSeq(ctx); after != before {
		t.Fatalf("refused copies logged %d events", after-before)
	}
	if err := a.PublishEvidenceCopy(reviewer, "example-2024", in.ID, ref.PlainSHA256, photo, "the photo shows no one"); err != nil {
		t.Fatalf("PublishEvidenceCopy: %v", err)
	}
	got, _ := a.Incident(reviewer, "example-2024", in.ID)
	ev := got.Evidence[0]
	if ev.PublicSHA256 == "" || ev.PublicMediaType != "image/jpeg" || got.Evidence[1].PublicSHA256 != "" {
		t.Fatalf("evidence after the copy: %+v", got.Evidence)
	}
	raw, _ := hex.DecodeString(ev.PublicSHA256)
	blob, err := store.Blob(ctx, [32]byte(raw))
	if err != nil {
		t.Fatalf("the copy's blob: %v", err)
	}
	if _, items, err := imagemeta.Scan(blob.Data); err != nil || len(items) != 0 {
		t.Errorf("the published copy carries metadata: %v, %v", items, err)
	}
	if bytes.Contains(blob.Data, gps) || bytes.Contains(blob.Data, []byte("SN-4417")) {
		t.Error("the published copy holds the GPS block or the serial number")
	}
	if s := sha256.Sum256(blob.Data); hex.EncodeToString(s[:]) != ev.PublicSHA256 || blob.MediaType != "image/jpeg" {
		t.Errorf("the blob %s is not the copy named", blob.MediaType)
	}
	hist, _ := a.IncidentHistory(reviewer, "example-2024", in.ID)
	if last := hist[len(hist)-1]; last.Action != "publish_copy" || last.Evidence != ref.PlainSHA256 || last.Reason != "the photo shows no one" {
		t.Errorf("the copy's event: %+v", last)
	}
	// The original, its GPS block and the document are nowhere in the database's files.
	a.Close()
	store.Close()
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) == 0 {
		t.Fatal("no database file")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for what, secret := range map[string][]byte{"the original photo": photo[len(photo)/2 : len(photo)/2+64], "its GPS block": gps,
			"the serial number": []byte("SN-4417-XQ"), "the document": []byte("naming the witness")} {
			if bytes.Contains(b, secret) {
				t.Errorf("%s holds %s", filepath.Base(f), what)
			}
		}
	}
}
