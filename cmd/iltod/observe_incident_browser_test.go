package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/demo"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/evidence"
	"github.com/iltod/iltod/internal/testimage"
)

// TestObserverAppIncident reports an incident from the observer app in headless
// Chromium without a signal: the category and severity from the election's taxonomy
// (kept offline since enrollment), what happened, and a camera photo with a GPS
// position in its EXIF. The incident waits in the queue without a single request; when
// the signal returns it is sent and its photo uploaded, and the server holds it as the
// observer's, at their station, with the photo sealed: the blob is age ciphertext, and
// the plaintext hash in the incident is the one of the photo the phone stripped.
func TestObserverAppIncident(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a browser")
	}
	f := newObserveFixture(t)
	var ident *age.X25519Identity
	if !f.m.App.EvidenceSealing() {
		var err error
		if ident, err = age.GenerateX25519Identity(); err != nil {
			t.Fatal(err)
		}
		f.m.App.SetEvidenceRecipients([]age.Recipient{ident.Recipient()})
	}
	obs, st := f.observer(t, 4)
	tab := f.enroll(t, obs.Code, "")

	tab.SetOffline(true)
	before := f.hits.Load()
	tab.Click(`#nav a[href="#/incidents"]`)
	tab.WaitVisible("#new-incident")
	tab.Click("#new-incident")
	tab.WaitVisible("#incident-form")
	if !tab.Exists(`#inc-category option[value="freedoms.journalist_attacked"]`) || !tab.Exists(`#inc-station option[value="`+st.Code+`"]`) {
		t.Fatal("the incident form offers neither the taxonomy nor the observer's station offline")
	}
	// Sent empty: each required field says so, and nothing is queued.
	tab.Click("#inc-submit")
	tab.WaitVisible(".problem")
	if n := len(tab.Texts(".q.invalid")); n < 3 {
		t.Errorf("an empty incident marks %d fields, want category, severity and narrative", n)
	}
	checkAxe(t, tab, "incident form with problems (mn)")

	tab.SetValue("#inc-category", "election.vote_buying")
	tab.Click(`input[name="severity"][value="high"]`)
	narrative := "Хаалган дээр мөнгөтэй дугтуй тарааж байсан."
	tab.SetValue("#inc-narrative", narrative)
	photo, gps := sceneJPEG(t)
	tab.UploadFiles("#inc-photos", photo)
	tab.WaitVisible("#inc-photo-previews [data-sha]")
	sha := tab.Attr("#inc-photo-previews [data-sha]", "data-sha")
	f.screenshot(t, tab, "observe-incident-mn")
	tab.Click("#inc-submit")
	tab.WaitVisible("li.incident")
	if s := tab.Attr("li.incident", "data-state"); s != "queued" {
		t.Errorf("offline, the incident is %q, want queued", s)
	}
	if n := f.hits.Load() - before; n != 0 {
		t.Errorf("offline, the app reached the server %d times", n)
	}
	checkAxe(t, tab, "incidents (mn)")

	tab.SetOffline(false)
	waitFor(t, "the incident received with its photo", 60*time.Second, func() bool {
		return tab.Attr("li.incident", "data-state") == "stored"
	})
	ref := tab.Text("li.incident .code")
	f.screenshot(t, tab, "observe-incidents-mn")

	ctx := app.SystemContext(context.Background())
	all, err := f.m.App.IncidentRecords(ctx, demo.ElectionID)
	if err != nil {
		t.Fatal(err)
	}
	var in *iltod.IncidentRecord
	for i := range all {
		if all[i].Reporter == obs.Code && all[i].Narrative == narrative {
			in = &all[i]
		}
	}
	if in == nil {
		t.Fatalf("the server holds no incident of observer %s", obs.Code)
	}
	if !strings.Contains(ref, strings.ToUpper(in.ID[:8])) {
		t.Errorf("the app shows %q for incident %s", ref, in.ID)
	}
	if in.Source != iltod.SourceObserver || in.Trust != iltod.TrustMedium || in.Place.Station != st.Code ||
		in.Category != "election.vote_buying" || in.Severity != "high" || in.Status != iltod.IncidentUnverified {
		t.Errorf("stored %+v", in)
	}
	if len(in.Evidence) != 1 || in.Evidence[0].PlainSHA256 != sha || in.Evidence[0].MediaType != "image/jpeg" {
		t.Fatalf("evidence %+v, want the photo %s", in.Evidence, sha)
	}
	cipher, _ := iltod.PhotoHash(in.Evidence[0].CipherSHA256)
	blob, err := f.m.App.Store().Blob(ctx, cipher)
	if err != nil {
		t.Fatalf("the sealed photo: %v", err)
	}
	if blob.MediaType != evidence.CipherMediaType || bytes.Contains(blob.Data, gps) {
		t.Errorf("the stored photo is %s (GPS inside: %v)", blob.MediaType, bytes.Contains(blob.Data, gps))
	}
	plainSHA, _ := iltod.PhotoHash(sha)
	if _, err := f.m.App.Store().Blob(ctx, plainSHA); iltod.ErrorCodeOf(err) != iltod.ENotFound {
		t.Errorf("the photo's plaintext is in the blob store: %v", err)
	}
	if ident != nil {
		plain, err := evidence.Open(blob.Data, []age.Identity{ident})
		if err != nil {
			t.Fatalf("the sealed photo does not open: %v", err)
		}
		h := sha256.Sum256(plain)
		if hex.EncodeToString(h[:]) != sha || bytes.Contains(plain, gps) || bytes.Contains(plain, []byte("Exif")) {
			t.Errorf("the sealed photo is not the phone's stripped photo")
		}
	}
	// The file on the observer's phone kept its metadata; what left it did not.
	if orig, _ := os.ReadFile(photo); !bytes.Contains(orig, gps) {
		t.Error("the test photo carries no GPS position")
	}
}

// sceneJPEG writes a camera's photo of a scene (not a protocol, so that no report's
// photo shares its bytes): a JPEG whose EXIF holds a GPS position. It returns the file
// and the GPS IFD's bytes.
func sceneJPEG(t *testing.T) (string, []byte) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for y := 0; y < 480; y++ {
		for x := 0; x < 640; x++ {
			img.Set(x, y, color.RGBA{uint8(x / 3), uint8(y / 2), 120, 255})
		}
	}
	out, gps, err := testimage.CameraJPEG(img)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "scene.jpg")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, gps
}
