package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/demo"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/evidence"
	"github.com/iltod/iltod/internal/testimage"
)

// TestDemoIncidents checks what the issue asks of the demo's incidents: a fictional,
// clearly marked set; incidents in every state of review, across categories and aimags;
// at least one actor with a dossier (a verified, redacted incident whose published link
// names them); one published image copy without the original's EXIF GPS; and evidence
// that only the demo's identity opens, the server's data directory holding none of it
// in the clear.
func TestDemoIncidents(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the demo")
	}
	d := newIncidentDemo(t)
	ctx := app.SystemContext(context.Background())
	e := demo.ElectionID
	if d.seeded.Total != 12 || d.seeded.Published != 7 || len(d.seeded.IDs) != 12 {
		t.Errorf("the demo loaded %d incidents (%d published, %d named), want 12 (7)", d.seeded.Total, d.seeded.Published, len(d.seeded.IDs))
	}

	actors, positions, occupancies, err := d.m.App.Actors(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[iltod.ActorKind]bool{}
	for _, a := range actors {
		kinds[a.Kind] = true
		if a.Code == "canary-hidden-actor" {
			continue
		}
		if !strings.Contains(a.Name["en"], "fictional") || !strings.Contains(a.Name["mn"], "зохиомол") || !strings.Contains(a.Notes, "Fictional") {
			t.Errorf("actor %s is not marked fictional: %v, %q", a.Code, a.Name, a.Notes)
		}
	}
	if len(kinds) != 3 || len(positions) < 2 || len(occupancies) < 2 {
		t.Errorf("actors of kinds %v, %d positions, %d occupancies", kinds, len(positions), len(occupancies))
	}

	all, err := d.m.App.IncidentRecords(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	status, categories, places := map[iltod.IncidentStatus]int{}, map[string]bool{}, map[string]bool{}
	demoIDs := map[string]bool{}
	for _, id := range d.seeded.IDs {
		demoIDs[id] = true
	}
	redactedNarrative := 0
	for _, in := range all {
		if !demoIDs[in.ID] {
			continue
		}
		status[in.Status]++
		categories[in.Category] = true
		places[in.Place.Station+in.Place.Area] = true
		if !strings.HasPrefix(in.Narrative, "Fictional demonstration") {
			t.Errorf("incident %s's narrative is not marked fictional: %q", in.ID, in.Narrative)
		}
		if p, ok := in.Published(); ok && p.Narrative == "" && in.Narrative != "" {
			redactedNarrative++
		}
	}
	if status[iltod.IncidentUnverified] == 0 || status[iltod.IncidentCorroborated] == 0 || status[iltod.IncidentRejected] == 0 || status[iltod.IncidentVerified] < 7 {
		t.Errorf("statuses %v", status)
	}
	if len(categories) < 10 || len(places) < 8 || redactedNarrative == 0 {
		t.Errorf("%d categories, %d places, %d published with the witness's account withheld", len(categories), len(places), redactedNarrative)
	}

	// The fictional governor has a dossier.
	pub, err := d.m.App.PublishedIncidents(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	dossier, image := 0, ""
	for _, in := range pub {
		for _, l := range in.Actors {
			if l.Actor == "demo-person-batbold" && len(l.Evidence) > 0 {
				dossier++
			}
		}
		for _, ev := range in.Evidence {
			if ev.PublicSHA256 != "" {
				image = ev.PublicSHA256
			}
		}
	}
	if dossier < 2 {
		t.Errorf("the fictional governor is linked by %d published incidents, want at least 2", dossier)
	}
	b, err := d.m.App.PublicEvidence(context.Background(), e, image)
	if err != nil {
		t.Fatalf("the published image copy %q: %v", image, err)
	}
	_, gps, err := testimage.CameraJPEG(demoPhoto(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b.Data, gps) || bytes.Contains(b.Data, []byte("Exif")) {
		t.Error("the published copy keeps the original's EXIF")
	}

	// The demo's identity opens every evidence's ciphertext, which the store holds; the
	// data directory holds no original.
	f, err := os.Open(d.seeded.Identity)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := evidence.ParseIdentities(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	opened := 0
	for _, in := range all {
		for _, ev := range in.Evidence {
			var sha, plain [32]byte
			hex.Decode(sha[:], []byte(ev.CipherSHA256))
			hex.Decode(plain[:], []byte(ev.PlainSHA256))
			blob, err := d.m.Store.Blob(context.Background(), sha)
			if err != nil {
				t.Fatalf("ciphertext of %s: %v", ev.PlainSHA256, err)
			}
			if _, err := evidence.Open(blob.Data, ids, plain); err != nil {
				t.Errorf("the demo's identity does not open %s: %v", ev.PlainSHA256, err)
			}
			opened++
		}
	}
	if opened < len(d.secretBytes) || opened == 0 {
		t.Errorf("opened %d evidence items, sealed %d", opened, len(d.secretBytes))
	}
	dir := d.m.Config.Store.DataDir
	if filepath.Dir(d.seeded.Identity) == dir {
		t.Error("the identity is inside the server's data directory")
	}
	err = filepath.WalkDir(dir, func(path string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, p := range d.secretBytes {
			if bytes.Contains(data, p) {
				t.Errorf("%s holds an evidence original in the clear: %.40q", path, p)
			}
		}
		if bytes.Contains(data, []byte("AGE-SECRET-KEY-")) {
			t.Errorf("%s holds an age identity", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
