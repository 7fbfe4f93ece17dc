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

// blobTests check the iltod.BlobStore part of the contract.
var blobTests = []struct {
	name string
	fn   func(t *testing.T, s iltod.Store)
}{
	{"Blobs", testBlobs},
	{"PhotoReports", testPhotoReports},
}

// blobTime is when the tests' blobs are created, in a zone other than UTC.
var blobTime = time.Date(2024, 6, 28, 23, 40, 5, 123456789, time.FixedZone("ULAT", 8*3600))

func newBlob(data []byte, mediaType string) iltod.Blob {
	return iltod.Blob{SHA256: sha256.Sum256(data), MediaType: mediaType, Data: data, Created: blobTime}
}

func testBlobs(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	// Every byte value, NUL included: blobs are bytes, not text.
	data := make([]byte, 70_000)
	for i := range data {
		data[i] = byte(i * 7)
	}
	b := newBlob(data, "image/jpeg")
	wantCode(t, "Blob before PutBlob", func() error { _, err := s.Blob(ctx, b.SHA256); return err }(), iltod.ENotFound)
	if err := s.PutBlob(ctx, b); err != nil {
		t.Fatalf("PutBlob: %v", err)
	}
	want := b
	want.Created = blobTime.UTC()
	got, err := s.Blob(ctx, b.SHA256)
	if err != nil {
		t.Fatalf("Blob: %v", err)
	}
	equal(t, "the blob read back", got, want)

	// The same bytes again, under another media type and time: a no-op that keeps the first.
	again := b
	again.MediaType, again.Created = "image/png", blobTime.Add(time.Hour)
	if err := s.PutBlob(ctx, again); err != nil {
		t.Fatalf("PutBlob again: %v", err)
	}
	got, err = s.Blob(ctx, b.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "the blob after storing it again", got, want)

	// The caller owns what it gets.
	got.Data[0] ^= 0xff
	if got, _ := s.Blob(ctx, b.SHA256); !bytes.Equal(got.Data, data) {
		t.Errorf("changing a returned blob changed the stored one")
	}

	// Refused, storing nothing: bytes that do not have the hash, no media type.
	bad := newBlob([]byte("tampered"), "image/png")
	bad.Data = []byte("tampered!")
	wantCode(t, "PutBlob with the wrong hash", s.PutBlob(ctx, bad), iltod.EInvalid)
	wantCode(t, "Blob of the refused one", func() error { _, err := s.Blob(ctx, bad.SHA256); return err }(), iltod.ENotFound)
	other := sha256.Sum256([]byte("tampered!"))
	wantCode(t, "Blob of the refused bytes", func() error { _, err := s.Blob(ctx, other); return err }(), iltod.ENotFound)
	wantCode(t, "PutBlob without a media type", s.PutBlob(ctx, newBlob([]byte("x"), " ")), iltod.EInvalid)

	// An empty blob is a blob.
	empty := newBlob(nil, "application/octet-stream")
	if err := s.PutBlob(ctx, empty); err != nil {
		t.Fatalf("PutBlob of no bytes: %v", err)
	}
	if got, err := s.Blob(ctx, empty.SHA256); err != nil || got.Data == nil || len(got.Data) != 0 {
		t.Errorf("Blob of no bytes = %v, %v; want empty, non-nil data", got.Data, err)
	}

	// HeldBlobs: those held, in the order asked, each once, without data.
	small := newBlob([]byte("a small png"), "image/png")
	if err := s.PutBlob(ctx, small); err != nil {
		t.Fatal(err)
	}
	missing := sha256.Sum256([]byte("never stored"))
	held, err := s.HeldBlobs(ctx, [][32]byte{missing, small.SHA256, b.SHA256, small.SHA256, missing})
	if err != nil {
		t.Fatalf("HeldBlobs: %v", err)
	}
	wantHeld := []iltod.Blob{
		{SHA256: small.SHA256, MediaType: "image/png", Created: blobTime.UTC()},
		{SHA256: b.SHA256, MediaType: "image/jpeg", Created: blobTime.UTC()},
	}
	equal(t, "HeldBlobs", held, wantHeld)
	if held, err := s.HeldBlobs(ctx, nil); err != nil || len(held) != 0 {
		t.Errorf("HeldBlobs(nil) = %v, %v", held, err)
	}
	// More hashes than one statement takes at once.
	many := make([][32]byte, 1200)
	for i := range many {
		many[i] = sha256.Sum256([]byte{byte(i), byte(i >> 8)})
	}
	many[1100] = small.SHA256
	if held, err := s.HeldBlobs(ctx, many); err != nil || len(held) != 1 || held[0].SHA256 != small.SHA256 {
		t.Errorf("HeldBlobs of 1200 = %v, %v; want only the small one", held, err)
	}
}

func testPhotoReports(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	create(t, s, Fixture("mn"), false)
	create(t, s, Fixture("other"), false)
	photo := sha256.Sum256([]byte("protocol photo"))
	hexPhoto := hex.EncodeToString(photo[:])
	second := sha256.Sum256([]byte("second photo"))

	gen := Submissions(Fixture("mn"), 4, 77)
	named := gen[0]
	named.Report.Answers["PH"] = iltod.StrValue(hexPhoto)
	named.Report.Answers["PH2"] = iltod.StrValue(hex.EncodeToString(second[:]))
	named.Report.Answers["PH3"] = iltod.StrValue(hexPhoto) // twice in one report: listed once
	// Not a photo answer's shape: upper case, a list, a number.
	shapes := gen[1]
	shapes.Report.Answers["PH"] = iltod.StrValue(strings.ToUpper(hexPhoto))
	shapes.Report.Answers["L"] = iltod.ListValue([]string{hexPhoto})
	none := gen[2]
	// The same photo in another election.
	elsewhere := Submissions(Fixture("other"), 1, 78)[0]
	elsewhere.Report.Answers["PH"] = iltod.StrValue(hexPhoto)
	later := gen[3]
	later.Report.Answers["X"] = iltod.StrValue(hexPhoto)

	for _, sub := range []iltod.Submission{named, shapes, none, elsewhere} {
		accept(t, s, []iltod.Submission{sub})
	}
	// A duplicate of a report stores nothing more, even with other answers.
	dup := named
	dup.Report.Answers = map[string]iltod.Value{"PH": iltod.StrValue(hex.EncodeToString(second[:]))}
	accept(t, s, []iltod.Submission{dup})
	accept(t, s, []iltod.Submission{later})

	ids := func(subs []iltod.Submission) []string {
		out := []string{}
		for _, sub := range subs {
			out = append(out, sub.Report.Election+"/"+sub.Report.ID)
		}
		return out
	}
	for _, tt := range []struct {
		election string
		sha      [32]byte
		want     []string
	}{
		{"mn", photo, []string{"mn/" + named.Report.ID, "mn/" + later.Report.ID}},
		{"other", photo, []string{"other/" + elsewhere.Report.ID}},
		{"", photo, []string{"mn/" + named.Report.ID, "other/" + elsewhere.Report.ID, "mn/" + later.Report.ID}},
		{"mn", second, []string{"mn/" + named.Report.ID}},
		{"other", second, []string{}},
		{"mn", sha256.Sum256([]byte("unknown")), []string{}},
	} {
		got, err := s.PhotoReports(ctx, tt.election, tt.sha)
		if err != nil {
			t.Fatalf("PhotoReports(%q, %x): %v", tt.election, tt.sha[:4], err)
		}
		equal(t, "PhotoReports("+tt.election+")", ids(got), tt.want)
	}
	got, err := s.PhotoReports(ctx, "mn", photo)
	if err != nil || len(got) == 0 {
		t.Fatalf("PhotoReports: %v", err)
	}
	stored, err := s.Submission(ctx, "mn", named.Report.ID)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "the report PhotoReports returns", got[0], stored)
	wantCode(t, "PhotoReports of an unknown election", func() error { _, err := s.PhotoReports(ctx, "nope", photo); return err }(), iltod.ENotFound)

	// Blobs are not an election's: deleting one leaves them.
	p := Fixture("mn")
	p.Election.ID = "blobless"
	create(t, s, p, false)
	b := newBlob([]byte("kept"), "image/png")
	if err := s.PutBlob(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteElection(ctx, "blobless"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Blob(ctx, b.SHA256); err != nil {
		t.Errorf("Blob after deleting an election: %v", err)
	}
}
