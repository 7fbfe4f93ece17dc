package dossier

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	f_note "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/ftm"
	"github.com/iltod/iltod/internal/ftm/ftmtest"
	"github.com/iltod/iltod/internal/incident"
	"github.com/iltod/iltod/internal/ledger"
	"github.com/iltod/iltod/internal/ledger/ledgertest"
	"github.com/iltod/iltod/locales"
	"github.com/iltod/iltod/tlog"
)

const origin = "dossier.test/log"

// events is the ledger's in-memory event source, with the dossier's events added.
type events struct{ ledgertest.Events }

func (e *events) add(kind iltod.EventKind, hash [32]byte) uint64 {
	return e.Append(iltod.Event{Election: "e1", Kind: kind, Subject: "x", Hash: hash, Time: time.Now().UTC()}).Seq
}

func hexOf(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func testIncident(id string) iltod.IncidentRecord {
	start := time.Date(2024, 6, 28, 9, 0, 0, 0, time.UTC)
	return iltod.IncidentRecord{
		ID: id, Election: "e1", Category: "freedoms.journalist_detained", Severity: "high",
		Start: start, Place: iltod.Place{Area: "UB"}, Narrative: "A reporter was held for six hours.",
		NarrativeSalt: hexOf("secret " + id), Source: iltod.SourceStaff, Reporter: "staff-login",
		Trust: iltod.TrustHigh, Status: iltod.IncidentVerified, Redacted: true, Reported: start.Add(time.Hour),
		Evidence: []iltod.EvidenceRef{
			{PlainSHA256: hexOf("video"), CipherSHA256: hexOf("c video"), MediaType: "video/mp4"},
			{PlainSHA256: hexOf("photo"), CipherSHA256: hexOf("c photo"), MediaType: "image/jpeg", PublicSHA256: hexOf("p photo"), PublicMediaType: "image/jpeg"},
		},
		Actors:     []iltod.ActorLink{{Actor: "police-dept", Role: iltod.RoleCarriedOut, Evidence: []string{hexOf("video"), hexOf("photo")}}},
		Redactions: []iltod.Redaction{{Field: "evidence/" + hexOf("video"), Reason: "shows a bystander"}},
	}
}

// logFixture runs a real ledger over a few events, two of them incidents of the
// fictional police department, and returns the ledger, its verifier key and the
// source of the department's dossier.
func logFixture(t *testing.T) (*ledger.Ledger, string, Source, uint64) {
	l, vkey, src, seq, _ := logFixtureDir(t)
	return l, vkey, src, seq
}

func logFixtureDir(t *testing.T) (*ledger.Ledger, string, Source, uint64, string) {
	t.Helper()
	ev := &events{}
	src := Source{Election: "e1",
		Actor: iltod.Actor{Code: "police-dept", Election: "e1", Kind: iltod.ActorPublicBody, Name: iltod.Text{"en": "Fictional Police Department"}, Country: "MN"}}
	ev.add(iltod.EventStaff, sha256.Sum256([]byte("one")))
	ah, err := RecordHash(src.Actor)
	if err != nil {
		t.Fatal(err)
	}
	src.Records = []SourceRecord{{Subject: "actor/police-dept", Seq: ev.add(iltod.EventActor, ah)}}
	for _, id := range []string{"inc-1", "inc-2"} {
		in := testIncident(id)
		d, err := iltod.IncidentDigest(in)
		if err != nil {
			t.Fatal(err)
		}
		seq := ev.add(iltod.EventIncident, d)
		ev.add(iltod.EventStaff, sha256.Sum256([]byte(id)))
		pub, proof, ok := in.PublishedProof()
		if !ok {
			t.Fatal("not publishable")
		}
		src.Incidents = append(src.Incidents, SourceIncident{Published: pub, Proof: proof, Seq: seq})
	}
	staffSeq := ev.add(iltod.EventStaff, sha256.Sum256([]byte("last")))
	dir := t.TempDir()
	l, err := ledger.Open(t.Context(), ledger.Config{Dir: filepath.Join(dir, "log"), KeyFile: filepath.Join(dir, "log.key"), Origin: origin,
		CheckpointInterval: 100 * time.Millisecond, BatchMaxAge: 5 * time.Millisecond, PollInterval: 10 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, ev)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if _, err := l.AwaitProof(ctx, staffSeq-1); err != nil {
		t.Fatal(err)
	}
	return l, l.VerifierKey(), src, staffSeq, filepath.Join(dir, "log")
}

func verifier(t *testing.T, vkey string, policy string) *tlog.Verifier {
	t.Helper()
	var p *tlog.Policy
	if policy != "" {
		var err error
		if p, err = tlog.ParsePolicy([]byte(policy)); err != nil {
			t.Fatal(err)
		}
	}
	v, err := tlog.NewVerifier(vkey, p)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func failure(err error) Failure {
	var e *Error
	if errors.As(err, &e) {
		return e.Failure
	}
	return ""
}

// TestBuildVerify builds a dossier from a real log, through the ledger and through a
// copy of its tiles, verifies it through JSON, and breaks each thing Verify checks.
func TestBuildVerify(t *testing.T) {
	l, vkey, src, staffSeq, logDir := logFixtureDir(t)
	v := verifier(t, vkey, "")
	ctx := t.Context()
	made := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	d, err := Build(ctx, src, l, origin, made)
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(b)
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, b)
	}
	res, err := Verify(back, v)
	if err != nil || res.Incidents != 2 || res.Records != 1 || len(res.Checkpoints) != 1 {
		t.Fatalf("Verify: %+v, %v", res, err)
	}
	for _, s := range []string{"staff-login", "shows a bystander", hexOf("video"), hexOf("secret inc-1")} {
		if strings.Contains(string(b), s) {
			t.Errorf("the dossier holds %q", s)
		}
	}

	for name, c := range map[string]struct {
		mut  func(d *Dossier)
		want Failure
	}{
		"a published field": {func(d *Dossier) { d.Incidents[0].Incident.Severity = "low" }, FailDigest},
		"a hidden part":     {func(d *Dossier) { d.Incidents[0].Proof.Evidence[0].Hash = hexOf("x") }, FailDigest},
		"the leaf index":    {func(d *Dossier) { d.Incidents[0].Log.Index++ }, FailLog},
		"an inclusion hash": {func(d *Dossier) {
			d.Incidents[1].Log.Inclusion[0] = base64.StdEncoding.EncodeToString(make([]byte, 32))
		}, FailLog},
		"the checkpoint": {func(d *Dossier) {
			d.Incidents[0].Log.Checkpoint = strings.Replace(d.Incidents[0].Log.Checkpoint, origin+"\n", origin+"\n1", 1)
		}, FailLog},
		"the origin":          {func(d *Dossier) { d.Origin = "other.test/log" }, FailLog},
		"another actor":       {func(d *Dossier) { d.Actor.Code = "army" }, FailForm},
		"another election":    {func(d *Dossier) { d.Incidents[0].Incident.Election = "e2" }, FailForm},
		"unverified":          {func(d *Dossier) { d.Incidents[0].Incident.Status = iltod.IncidentCorroborated }, FailForm},
		"twice":               {func(d *Dossier) { d.Incidents[1] = d.Incidents[0] }, FailForm},
		"a reporter added":    {func(d *Dossier) { d.Incidents[0].Incident.Reporter = "staff-login" }, FailDigest},
		"a redaction's cause": {func(d *Dossier) { d.Incidents[0].Incident.Redactions[0].Reason = "x" }, FailDigest},
		"the actor's name":    {func(d *Dossier) { d.Actor.Name = iltod.Text{"en": "Someone else"} }, FailDigest},
		"the actor's proof":   {func(d *Dossier) { d.Records = nil }, FailDigest},
		"a position added": {func(d *Dossier) {
			d.Positions = append(d.Positions, iltod.ActorPosition{Code: "chief", Election: "e1", Body: "police-dept", Title: iltod.Text{"en": "Chief"}})
		}, FailDigest},
		"a record's leaf": {func(d *Dossier) { d.Records[0].Log = d.Incidents[0].Log }, FailLog},
	} {
		var dd Dossier
		b2, _ := d.Marshal()
		c2, _ := Parse(b2)
		dd = *c2
		c.mut(&dd)
		if _, err := Verify(&dd, v); failure(err) != c.want {
			t.Errorf("%s changed: Verify = %v, want a %s failure", name, err, c.want)
		}
	}

	// The leaf of another event (a staff action) is no proof of an incident.
	wrong := src
	wrong.Incidents = slices.Clone(src.Incidents)
	wrong.Incidents[0].Seq = staffSeq
	dw, err := Build(ctx, wrong, l, origin, made)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(dw, v); failure(err) != FailLog || !strings.Contains(err.Error(), `"staff" event`) {
		t.Errorf("a staff leaf for an incident: %v", err)
	}

	// A copy of the log's tiles proves the same.
	tiles, err := tlog.OpenTiles(logDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	tp, err := NewTilesProver(ctx, tiles, v)
	if err != nil {
		t.Fatal(err)
	}
	dt, err := Build(ctx, src, tp, origin, made)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(dt, v); err != nil {
		t.Errorf("built from the tiles: %v", err)
	}
	if _, err := tp.Proof(ctx, tp.Checkpoint().Size); !errors.Is(err, ErrNotCovered) {
		t.Errorf("a leaf beyond the checkpoint: %v", err)
	}
}

// TestVerifyWitnesses: with a policy that requires a witness, a dossier whose checkpoint
// the witness cosigned verifies and names it; one without the cosignature fails.
func TestVerifyWitnesses(t *testing.T) {
	l, vkey, src, _ := logFixture(t)
	d, err := Build(t.Context(), src, l, origin, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	skey, wvkey, err := note.GenerateKey(rand.Reader, "witness.test/w1")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := f_note.NewSignerForCosignatureV1(skey)
	if err != nil {
		t.Fatal(err)
	}
	cvkey, err := f_note.VKeyToCosignatureV1(wvkey)
	if err != nil {
		t.Fatal(err)
	}
	v := verifier(t, vkey, "log "+vkey+"\nwitness w1 "+cvkey+"\nquorum w1\n")
	if _, err := Verify(d, v); failure(err) != FailLog || !strings.Contains(err.Error(), "quorum") {
		t.Errorf("without the witness: %v", err)
	}
	lv, _ := note.NewVerifier(vkey)
	for i := range d.Incidents {
		n, err := note.Open([]byte(d.Incidents[i].Log.Checkpoint), note.VerifierList(lv))
		if err != nil {
			t.Fatal(err)
		}
		signed, err := note.Sign(n, signer)
		if err != nil {
			t.Fatal(err)
		}
		d.Incidents[i].Log.Checkpoint = string(signed)
	}
	for i := range d.Records {
		d.Records[i].Log.Checkpoint = d.Incidents[0].Log.Checkpoint
	}
	res, err := Verify(d, v)
	if err != nil || !slices.Equal(res.Checkpoints[0].Cosigners, []string{"w1"}) {
		t.Errorf("cosigned by the witness: %+v, %v", res, err)
	}
}

// TestFTMValidates checks the FtM entities of a dossier of a public body and of a
// person against the real FollowTheMoney schema.
func TestFTMValidates(t *testing.T) {
	l, _, src, _ := logFixture(t)
	d, err := Build(t.Context(), src, l, origin, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	m := loadModel(t)
	for _, lang := range locales.Languages {
		for _, kind := range []iltod.ActorKind{iltod.ActorPublicBody, iltod.ActorPerson, iltod.ActorOrganization} {
			dd := *d
			dd.Actor.Kind = kind
			dd.Bodies = []iltod.Actor{{Code: "ministry", Election: "e1", Kind: iltod.ActorPublicBody, Name: iltod.Text{"en": "Fictional Ministry"}}}
			dd.Positions = []iltod.ActorPosition{{Code: "chief", Election: "e1", Body: "ministry", Title: iltod.Text{"en": "Chief"}}}
			dd.Occupancies = []iltod.Occupancy{{Election: "e1", Actor: "police-dept", Position: "chief", Start: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)}}
			ents := Entities(&dd, incident.Default(), locales.For(lang))
			if errs := m.Validate(ents); len(errs) > 0 {
				t.Errorf("%s, %s: %v", lang, kind, errs)
			}
			if len(ents) < 6 {
				t.Errorf("%s, %s: only %d entities", lang, kind, len(ents))
			}
		}
	}
}

func loadModel(t *testing.T) *ftm.Model {
	t.Helper()
	m, err := ftm.LoadModel(os.DirFS(ftmtest.SchemaDir(t)))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// FuzzParse: Parse never panics, and what it accepts marshals to what parses again.
func FuzzParse(f *testing.F) {
	in := testIncident("inc-1")
	pub, proof, _ := in.PublishedProof()
	d := &Dossier{Format: Format, Election: "e1", Origin: origin, Made: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Actor:     iltod.Actor{Code: "police-dept", Election: "e1", Kind: iltod.ActorPublicBody, Name: iltod.Text{"en": "Police"}},
		Incidents: []Entry{{Incident: pub, Proof: proof, Log: Logged{Leaf: `{"e":"e1","h":"00","n":1,"t":"incident"}`, Inclusion: []string{"AAAA"}, Checkpoint: origin + "\n1\nAAAA\n"}}}}
	b, _ := d.Marshal()
	f.Add(b)
	f.Add([]byte(`{"format":"iltod-dossier/1"}`))
	f.Add([]byte(`{"format":"iltod-dossier/1","incidents":[{}]} {}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := Parse(b)
		if err != nil {
			return
		}
		again, err := d.Marshal()
		if err != nil {
			t.Fatalf("marshal what parsed: %v", err)
		}
		if _, err := Parse(again); err != nil {
			t.Fatalf("what parsed does not parse again: %v\n%s", err, again)
		}
		for _, e := range d.Incidents {
			e.Proof.Digest(e.Incident)
			e.Log.Receipt()
		}
	})
}
