package http

import (
	"bytes"
	"context"
	"encoding/xml"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"filippo.io/age"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/evidence"
	"github.com/iltod/iltod/internal/odk"
	"github.com/iltod/iltod/internal/odk/odktest"
)

// TestODKIncident plays ODK Collect's incident form with the real ODK form engine: the
// formList offers it, the engine fills it (category, severity, time, narrative, a camera
// photo and a document), and the submission becomes the observer's incident with both
// files sealed as evidence, originals kept (the photo's EXIF included, inside the
// seal). A resubmission is the same incident; the instanceID reused for another
// narrative, a missing attachment, an unknown category and a station not the observer's
// are refused with nothing stored.
func TestODKIncident(t *testing.T) {
	p := demoPackage(6, 3)
	env := newTestEnv(t, p)
	ident := withRecipients(t, env.app)
	id := p.Election.ID
	var obs iltod.Observer
	for _, o := range p.Observers {
		if o.Role == iltod.Static && len(o.Stations) == 1 {
			obs = o
			break
		}
	}
	ctx := app.SystemContext(context.Background())
	user, password, err := env.app.IssueODKCredentials(ctx, id, obs.Code)
	if err != nil {
		t.Fatal(err)
	}
	c := &odkClient{env: env, user: user, password: password}
	base := "/odk/" + id
	count := func() int {
		all, err := env.app.IncidentRecords(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return len(all)
	}

	resp, body := c.do(http.MethodGet, base+"/formList", "", nil)
	var fl formListDoc
	if err := xml.Unmarshal(body, &fl); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("formList: %d %v %s", resp.StatusCode, err, body)
	}
	var entry odk.FormEntry
	for _, f := range fl.Forms {
		if f.FormID == odk.IncidentFormID {
			entry = f
		}
	}
	if entry.DownloadURL != env.base+base+"/incident/form" || entry.Name != "Report an incident" || entry.Version == "" {
		t.Fatalf("incident entry %+v", entry)
	}
	resp, xform := c.do(http.MethodGet, base+"/incident/form", "", nil)
	if resp.StatusCode != http.StatusOK || odk.Hash(xform) != entry.Hash {
		t.Fatalf("XForm: %d, hash %s, formList says %s", resp.StatusCode, odk.Hash(xform), entry.Hash)
	}
	for _, want := range []string{`action="` + env.base + base + `/incident/submission"`, "election.vote_buying", "Сонгууль: Санал худалдан авах", `mediatype="video/*"`} {
		if !bytes.Contains(xform, []byte(want)) {
			t.Errorf("the XForm lacks %s", want)
		}
	}
	if resp, body := c.do(http.MethodGet, base+"/incident/manifest", "", nil); resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("xformsManifest")) {
		t.Errorf("manifest: %d %s", resp.StatusCode, body)
	}

	camera := withEXIF(photoJPEG(t, 7))
	doc := []byte("%PDF-1.4 an order to close the station\n")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "1719640000001.jpg"), camera, 0o600)
	os.WriteFile(filepath.Join(dir, "order.pdf"), doc, 0o600)
	engine := odktest.New(t)
	answers := map[string]any{"category": "election.vote_buying", "severity": "high", "start": "2024-06-28T10:40:00.000+08:00",
		"narrative": "Envelopes of cash at the gate.", "photo1": "@" + filepath.Join(dir, "1719640000001.jpg"), "file": "@" + filepath.Join(dir, "order.pdf")}
	instance, err := engine.Fill(xform, answers)
	if err != nil {
		t.Fatalf("the ODK engine: %v", err)
	}
	files := map[string][]byte{"1719640000001.jpg": camera, "order.pdf": doc}
	ct, sub := multipartSubmission(t, instance, files)
	resp, body = c.do(http.MethodPost, base+"/incident/submission", ct, sub)
	if resp.StatusCode != http.StatusCreated || !regexp.MustCompile(`Incident received\. Reference [0-9A-F]{8}\.`).Match(body) {
		t.Fatalf("submission: %d %s", resp.StatusCode, body)
	}
	all, _ := env.app.IncidentRecords(ctx, id)
	if len(all) != 1 {
		t.Fatalf("%d incidents", len(all))
	}
	in := all[0]
	if in.Source != iltod.SourceObserver || in.Trust != iltod.TrustMedium || in.Reporter != obs.Code || in.Place.Station != obs.Stations[0] ||
		in.Category != "election.vote_buying" || in.Severity != "high" || in.Narrative != "Envelopes of cash at the gate." || in.Start.UTC().Hour() != 2 {
		t.Errorf("stored %+v", in)
	}
	if len(in.Evidence) != 2 || in.Evidence[0].PlainSHA256 != hexSum(camera) || in.Evidence[1].PlainSHA256 != hexSum(doc) {
		t.Fatalf("evidence %+v", in.Evidence)
	}
	for i, plain := range [][]byte{camera, doc} {
		sha, _ := iltod.PhotoHash(in.Evidence[i].CipherSHA256)
		b, err := env.app.Store().Blob(ctx, sha)
		if err != nil || b.MediaType != evidence.CipherMediaType || bytes.Contains(b.Data, []byte("Exif")) {
			t.Fatalf("sealed blob %d: %v %s", i, err, b.MediaType)
		}
		if got, err := evidence.Open(b.Data, []age.Identity{ident}); err != nil || !bytes.Equal(got, plain) {
			t.Errorf("blob %d does not open to the original: %v", i, err)
		}
	}

	// Sent again: the same incident.
	resp, body = c.do(http.MethodPost, base+"/incident/submission", ct, sub)
	if resp.StatusCode != http.StatusCreated || !bytes.Contains(body, []byte("received before")) || count() != 1 {
		t.Errorf("resubmission: %d %s, %d incidents", resp.StatusCode, body, count())
	}
	fresh := func(b []byte, uuid string) []byte {
		return regexp.MustCompile(`uuid:[0-9a-f-]+`).ReplaceAll(b, []byte("uuid:"+uuid))
	}
	var elsewhere string
	for _, st := range p.Stations {
		if st.Code != obs.Stations[0] {
			elsewhere = st.Code
			break
		}
	}
	for _, tc := range []struct {
		what     string
		instance []byte
		files    map[string][]byte
		status   int
	}{
		{"another narrative, the same instanceID", bytes.Replace(instance, []byte("Envelopes"), []byte("Bags"), 1), files, http.StatusConflict},
		{"a missing attachment", fresh(instance, "11111111-2222-3333-4444-555555555501"), map[string][]byte{"order.pdf": doc}, http.StatusBadRequest},
		{"an unknown category", fresh(bytes.Replace(instance, []byte("election.vote_buying"), []byte("election.nonsense"), 1), "11111111-2222-3333-4444-555555555502"), files, http.StatusBadRequest},
		{"a station not the observer's", fresh(bytes.Replace(instance, []byte("<station/>"), []byte("<station>"+elsewhere+"</station>"), 1), "11111111-2222-3333-4444-555555555503"), files, http.StatusForbidden},
		{"a report form's instance", fresh(bytes.Replace(instance, []byte(`id="iltod_incident"`), []byte(`id="OPEN"`), 1), "11111111-2222-3333-4444-555555555504"), files, http.StatusNotFound},
	} {
		if tc.what == "a station not the observer's" && !bytes.Contains(tc.instance, []byte(elsewhere)) {
			t.Fatalf("the instance has no empty station: %s", instance)
		}
		ct, sub := multipartSubmission(t, tc.instance, tc.files)
		resp, body := c.do(http.MethodPost, base+"/incident/submission", ct, sub)
		if resp.StatusCode != tc.status || !bytes.Contains(body, []byte("OpenRosaResponse")) {
			t.Errorf("%s: %d %s, want %d", tc.what, resp.StatusCode, body, tc.status)
		}
	}
	if count() != 1 {
		t.Errorf("refused submissions stored incidents: %d", count())
	}
	// Without credentials: a challenge, nothing stored.
	anon := &odkClient{env: env}
	resp, _ = anon.do(http.MethodPost, base+"/incident/submission", ct, sub)
	wantChallenge(t, "an incident without credentials", resp, id)
}
