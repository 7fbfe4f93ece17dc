package app_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"image"
	"image/color"
	"testing"

	"filippo.io/age"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/incident"
	"github.com/iltod/iltod/internal/testimage"
)

// TestTaxonomyFromPackage loads a package that brings its own taxonomy: App.Taxonomy
// returns it, incidents are filed under its categories only, and a package whose
// taxonomy is invalid is refused with nothing stored.
func TestTaxonomyFromPackage(t *testing.T) {
	ctx := context.Background()
	a, p := newApp(t)
	own, err := incident.Parse(bytes.NewReader([]byte(`version: 1
severities:
  - {code: minor, label: {en: Minor, mn: Бага}}
groups:
  - code: local
    label: {en: Local, mn: Орон нутаг}
    categories:
      - {code: road_blocked, label: {en: Road to the station blocked, mn: Хэсэг рүү очих зам хаасан}}
`)))
	if err != nil {
		t.Fatal(err)
	}
	bad := *p
	bad.Election.Taxonomy = []byte(`{"version":2}`)
	if err := a.LoadPackage(app.SystemContext(ctx), &bad, true); iltod.ErrorCodeOf(err) != iltod.EInvalid {
		t.Fatalf("a package with an invalid taxonomy: %v", err)
	}
	if e, err := a.Election(ctx, p.Election.ID); err != nil || e.Taxonomy != nil {
		t.Fatalf("the refused package replaced the election: %v, taxonomy %s", err, e.Taxonomy)
	}
	if p.Election.Taxonomy, err = own.JSON(); err != nil {
		t.Fatal(err)
	}
	if err := a.LoadPackage(app.SystemContext(ctx), p, true); err != nil {
		t.Fatal(err)
	}
	tax, err := a.Taxonomy(ctx, p.Election.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := tax.Category("local.road_blocked"); !ok || len(tax.Groups) != 1 {
		t.Fatalf("taxonomy %+v, want the package's", tax)
	}
	r := incidentReport(iltod.SourceCitizen)
	r.Category, r.Severity = "local.road_blocked", "minor"
	if _, err := a.ReportIncident(ctx, r); err != nil {
		t.Errorf("an incident of the package's category: %v", err)
	}
	r.Category, r.Severity = "election.vote_buying", "high"
	if _, err := a.ReportIncident(ctx, r); iltod.ErrorCodeOf(err) != iltod.EInvalid {
		t.Errorf("an incident of the default taxonomy's category: %v", err)
	}
}

// TestPublicEvidence checks that only the published copy of a published incident's
// image is served: not before the incident is published, never its original or its
// ciphertext, and not once the evidence is withheld.
func TestPublicEvidence(t *testing.T) {
	a, _ := newApp(t)
	ctx := as(app.RoleReviewer)
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	a.SetEvidenceRecipients([]age.Recipient{id.Recipient()})
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for i := range img.Pix {
		img.Pix[i] = byte(i)
	}
	img.Set(1, 1, color.White)
	photo, gps, err := testimage.CameraJPEG(img)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := a.SealEvidence(ctx, photo)
	if err != nil {
		t.Fatal(err)
	}
	r := incidentReport(iltod.SourceStaff)
	r.Evidence = []iltod.EvidenceRef{ref}
	in, err := a.ReportIncident(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.PublishEvidenceCopy(ctx, in.Election, in.ID, ref.PlainSHA256, append([]byte{0}, photo...), "copy"); iltod.ErrorCodeOf(err) != iltod.EInvalid {
		t.Errorf("a copy of bytes that are not the original: %v", err)
	}
	if err := a.PublishEvidenceCopy(as(app.RoleClerk), in.Election, in.ID, ref.PlainSHA256, photo, "copy"); iltod.ErrorCodeOf(err) != iltod.EForbidden {
		t.Errorf("a clerk publishing a copy: %v", err)
	}
	if err := a.PublishEvidenceCopy(ctx, in.Election, in.ID, ref.PlainSHA256, photo, "copy"); err != nil {
		t.Fatal(err)
	}
	in, err = a.Incident(ctx, in.Election, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	pub := in.Evidence[0].PublicSHA256
	get := func() (iltod.Blob, error) { return a.PublicEvidence(context.Background(), in.Election, pub) }
	if _, err := get(); iltod.ErrorCodeOf(err) != iltod.ENotFound {
		t.Errorf("the copy of an unverified incident: %v", err)
	}
	for _, to := range []iltod.IncidentStatus{iltod.IncidentCorroborated, iltod.IncidentVerified} {
		if err := a.VerifyIncident(ctx, in.Election, in.ID, to, "checked"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := get(); iltod.ErrorCodeOf(err) != iltod.ENotFound {
		t.Errorf("the copy of a verified, unredacted incident: %v", err)
	}
	if err := a.RedactIncident(ctx, in.Election, in.ID, nil, "nothing to hide"); err != nil {
		t.Fatal(err)
	}
	b, err := get()
	if err != nil {
		t.Fatalf("the copy of a published incident: %v", err)
	}
	if b.MediaType != "image/jpeg" || bytes.Contains(b.Data, gps) || bytes.Equal(b.Data, photo) || hex.EncodeToString(b.SHA256[:]) != pub {
		t.Errorf("served %s, %d bytes; it holds the GPS IFD: %v", b.MediaType, len(b.Data), bytes.Contains(b.Data, gps))
	}
	for _, h := range []string{ref.PlainSHA256, ref.CipherSHA256, "not-a-hash"} {
		if _, err := a.PublicEvidence(context.Background(), in.Election, h); iltod.ErrorCodeOf(err) != iltod.ENotFound {
			t.Errorf("PublicEvidence(%s): %v", h, err)
		}
	}
	if err := a.RedactIncident(ctx, in.Election, in.ID, []iltod.Redaction{{Field: "evidence/" + ref.PlainSHA256, Reason: "a face"}}, "on reflection"); err != nil {
		t.Fatal(err)
	}
	if _, err := get(); iltod.ErrorCodeOf(err) != iltod.ENotFound {
		t.Errorf("the copy of withheld evidence: %v", err)
	}
}
