// Package dossier builds and verifies accountability dossiers: for one actor of an
// election, who they are, the positions they hold, and each verified, redacted incident
// that links them, with the proof that the log committed to exactly that incident.
//
// A dossier is a JSON document (Format). Each incident travels as its published copy
// (iltod.IncidentRecord.Published) with its iltod.IncidentProof, and with the leaf of
// the incident's latest event as the log holds it, the leaf's index, an RFC 6962
// inclusion proof and the signed checkpoint (with any witness cosignatures) that the
// proof leads to. Verify recomputes each incident's digest from the published copy and
// its proof, and checks it against the leaf, the leaf against the checkpoint, and the
// checkpoint against the log's key and witness policy, with package tlog. Whoever
// edits a published incident after the log committed to it, in the dossier or in the
// organisation's store, makes verification fail.
//
// The actor, the bodies, positions and occupancies come from the organisation's
// registry; each is proved the same way by the leaf of its latest event, whose hash is
// the SHA-256 of the record's canonical JSON. Render a dossier with WriteFTM, WriteHTML.
package dossier

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/canonjson"
	"github.com/iltod/iltod/tlog"
)

// Format is the format line of a dossier's JSON.
const Format = "iltod-dossier/1"

// Limits on a dossier that Parse enforces.
const (
	MaxSize      = 32 << 20
	MaxIncidents = 5000
	MaxRecords   = 1000
)

// Dossier is one actor's dossier.
type Dossier struct {
	Format   string    `json:"format"`
	Election string    `json:"election"`
	Made     time.Time `json:"made"`
	// Origin is the log's origin, the first line of every checkpoint in the dossier.
	Origin string      `json:"origin"`
	Actor  iltod.Actor `json:"actor"`
	// Positions are those the actor holds or held (Occupancies), and Bodies the actors
	// those positions are in.
	Positions   []iltod.ActorPosition `json:"positions"`
	Occupancies []iltod.Occupancy     `json:"occupancies"`
	Bodies      []iltod.Actor         `json:"bodies"`
	// Incidents are the verified, redacted incidents with a published link to the
	// actor, in the order they were reported.
	Incidents []Entry `json:"incidents"`
	// Records prove the registry's records above (the actor, bodies, positions,
	// occupancies) against the log: one for each.
	Records []Record `json:"records"`
}

// Record proves one registry record of a dossier: the leaf of its latest event (an
// actor event), whose hash is the SHA-256 of the record's canonical JSON. Subject names
// the record ("actor/CODE", "position/CODE", "occupancy/ACTOR/POSITION"); the log does
// not hold it, and Verify relies on the hash alone.
type Record struct {
	Subject string `json:"subject"`
	Log     Logged `json:"log"`
}

// RecordHash returns the hash that an actor event commits to for a registry record:
// the SHA-256 of its canonical JSON.
func RecordHash(v any) ([32]byte, error) {
	b, err := canonjson.Marshal(v)
	if err != nil {
		return [32]byte{}, err
	}
	return sha256.Sum256(b), nil
}

// records returns the subject and hash of each registry record d holds.
func (d *Dossier) records() ([]string, [][32]byte, error) {
	var subjects []string
	var hashes [][32]byte
	add := func(subject string, v any) error {
		h, err := RecordHash(v)
		subjects, hashes = append(subjects, subject), append(hashes, h)
		return err
	}
	if err := add("actor/"+d.Actor.Code, d.Actor); err != nil {
		return nil, nil, err
	}
	for _, b := range d.Bodies {
		if err := add("actor/"+b.Code, b); err != nil {
			return nil, nil, err
		}
	}
	for _, p := range d.Positions {
		if err := add("position/"+p.Code, p); err != nil {
			return nil, nil, err
		}
	}
	for _, o := range d.Occupancies {
		if err := add("occupancy/"+o.Actor+"/"+o.Position, o); err != nil {
			return nil, nil, err
		}
	}
	return subjects, hashes, nil
}

// Entry is one incident of a dossier and its proof.
type Entry struct {
	// Incident is the published copy; Proof opens its parts (iltod.IncidentProof).
	Incident iltod.IncidentRecord `json:"incident"`
	Proof    iltod.IncidentProof  `json:"proof"`
	// Log is where the log holds the incident's latest event.
	Log Logged `json:"log"`
}

// Logged is a leaf of the log with its proof of inclusion: the fields of a tlog-proof
// (tlog.Receipt), spelled out so that a reader sees them.
type Logged struct {
	// Leaf is the leaf's exact bytes: {"e":ELECTION,"h":HEX,"n":SEQ,"t":KIND}.
	Leaf  string `json:"leaf"`
	Index uint64 `json:"index"`
	// Inclusion is the RFC 6962 inclusion proof, base64 hashes from the leaf's sibling up.
	Inclusion []string `json:"inclusion"`
	// Checkpoint is the signed checkpoint, with its cosignatures.
	Checkpoint string `json:"checkpoint"`
}

// Receipt returns l as a tlog-proof, or an error if a hash is not 32 bytes of base64.
func (l Logged) Receipt() (*tlog.Receipt, error) {
	r := &tlog.Receipt{Index: l.Index, Leaf: []byte(l.Leaf), Checkpoint: []byte(l.Checkpoint)}
	for i, h := range l.Inclusion {
		b, err := base64.StdEncoding.DecodeString(h)
		if err != nil || len(b) != 32 {
			return nil, fmt.Errorf("inclusion proof hash %d is not 32 bytes in base64", i+1)
		}
		r.Proof = append(r.Proof, [32]byte(b))
	}
	return r, nil
}

// LoggedFrom spells a tlog-proof out.
func LoggedFrom(r *tlog.Receipt) Logged {
	l := Logged{Leaf: string(r.Leaf), Index: r.Index, Checkpoint: string(r.Checkpoint), Inclusion: []string{}}
	for _, h := range r.Proof {
		l.Inclusion = append(l.Inclusion, base64.StdEncoding.EncodeToString(h[:]))
	}
	return l
}

// Marshal returns d's JSON, indented, with a final newline.
func (d *Dossier) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Parse reads a dossier's JSON strictly: at most MaxSize bytes of one JSON object with
// the fields of Dossier and no other, the format Format, at most MaxIncidents
// incidents and MaxRecords positions, occupancies and bodies each. It checks the form,
// not the proofs: see Verify.
func Parse(b []byte) (*Dossier, error) {
	if len(b) > MaxSize {
		return nil, fmt.Errorf("the dossier is %d bytes; at most %d are allowed", len(b), MaxSize)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var d Dossier
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("not a dossier: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("more than one JSON value in the dossier")
	}
	switch {
	case d.Format != Format:
		return nil, fmt.Errorf("the format is %q, not %q", d.Format, Format)
	case len(d.Incidents) > MaxIncidents:
		return nil, fmt.Errorf("%d incidents; at most %d are allowed", len(d.Incidents), MaxIncidents)
	case len(d.Positions) > MaxRecords || len(d.Occupancies) > MaxRecords || len(d.Bodies) > MaxRecords || len(d.Records) > 3*MaxRecords+1:
		return nil, fmt.Errorf("more than %d positions, occupancies, bodies or their proofs", MaxRecords)
	case d.Actor.Election != d.Election:
		return nil, fmt.Errorf("the actor is of election %q, the dossier of %q", d.Actor.Election, d.Election)
	}
	if err := d.Actor.Validate(); err != nil {
		return nil, fmt.Errorf("the actor: %w", err)
	}
	for i := range d.Positions {
		if err := d.Positions[i].Validate(); err != nil {
			return nil, fmt.Errorf("position %d: %w", i+1, err)
		}
	}
	for i := range d.Occupancies {
		if err := d.Occupancies[i].Validate(); err != nil {
			return nil, fmt.Errorf("occupancy %d: %w", i+1, err)
		}
	}
	for i := range d.Bodies {
		if err := d.Bodies[i].Validate(); err != nil {
			return nil, fmt.Errorf("body %d: %w", i+1, err)
		}
	}
	return &d, nil
}

// Failure says what kind of check of a dossier failed; the catalogue's
// "error.dossier.FAILURE" says it in words.
type Failure string

// The failures.
const (
	// FailForm: the dossier is not well formed, or an incident is not one it may hold
	// (not verified and redacted, of another election, or not linking the actor).
	FailForm Failure = "form"
	// FailDigest: an incident's published copy and proof do not give the digest the
	// log's leaf commits to: it was edited after the log committed to it.
	FailDigest Failure = "digest"
	// FailLog: the leaf is not in the log under the checkpoint, or the checkpoint is not
	// the log's or lacks its witnesses (package tlog's failure is wrapped).
	FailLog Failure = "log"
)

// Error is a failed verification of a dossier.
type Error struct {
	Failure Failure
	// Incident is the incident's id, or "" for the dossier as a whole.
	Incident string
	// Msg says what failed, in English: it is evidence, like tlog's messages.
	Msg string
	// Err is the cause, a *tlog.Error for FailLog.
	Err error
}

func (e *Error) Error() string {
	s := string(e.Failure) + ": "
	if e.Incident != "" {
		s += "incident " + e.Incident + ": "
	}
	s += e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Key names the catalogue message of e's kind of failure.
func (e *Error) Key() string { return "error.dossier." + string(e.Failure) }

// Verified is what Verify established.
type Verified struct {
	// Incidents and Records count the incidents and registry records proved.
	Incidents, Records int
	// Checkpoints are the distinct checkpoints the incidents were proved under.
	Checkpoints []*tlog.Checkpoint
}

// Verify checks every incident of d with v, which holds the log's key and, if
// witnesses must have cosigned, the policy: that the incident is verified and redacted,
// of d's election, with a published link to d's actor; that its published copy and
// proof give the digest the leaf commits to; that the leaf is an incident event of the
// election, numbered as its index; that the inclusion proof leads from the leaf to the
// checkpoint's root; and that the checkpoint is signed by the log (and cosigned as the
// policy demands). It checks every record's proof the same way, its leaf being an actor
// event of the election, and that each registry record d holds (the actor, bodies,
// positions, occupancies) has the hash of one of those leaves. It returns the first
// failure as an *Error.
func Verify(d *Dossier, v *tlog.Verifier) (*Verified, error) {
	if d.Format != Format {
		return nil, &Error{Failure: FailForm, Msg: fmt.Sprintf("the format is %q, not %q", d.Format, Format)}
	}
	if d.Origin != v.Origin() {
		return nil, &Error{Failure: FailLog, Msg: fmt.Sprintf("the dossier is of the log %q; the key is of %q", d.Origin, v.Origin())}
	}
	out := &Verified{}
	seen := map[string]bool{}
	for _, e := range d.Incidents {
		in := e.Incident
		formErr := func(format string, args ...any) error {
			return &Error{Failure: FailForm, Incident: in.ID, Msg: fmt.Sprintf(format, args...)}
		}
		switch {
		case seen[in.ID]:
			return nil, formErr("the incident is in the dossier twice")
		case in.Election != d.Election:
			return nil, formErr("the incident is of election %q, the dossier of %q", in.Election, d.Election)
		case in.Status != iltod.IncidentVerified || !in.Redacted:
			return nil, formErr("the incident is %s and redacted=%v: only verified, redacted incidents are published", in.Status, in.Redacted)
		case !slices.ContainsFunc(in.Actors, func(l iltod.ActorLink) bool { return l.Actor == d.Actor.Code }):
			return nil, formErr("the incident has no published link to %s", d.Actor.Code)
		}
		seen[in.ID] = true
		digest, err := e.Proof.Digest(in)
		if err != nil {
			return nil, &Error{Failure: FailDigest, Incident: in.ID, Msg: "the published copy does not fit its proof", Err: err}
		}
		r, err := e.Log.Receipt()
		if err != nil {
			return nil, formErr("%v", err)
		}
		res, err := v.VerifyReceipt(r.Marshal())
		if err != nil {
			return nil, &Error{Failure: FailLog, Incident: in.ID, Msg: fmt.Sprintf("the leaf at index %d", e.Log.Index), Err: err}
		}
		leaf := res.Leaf
		switch {
		case leaf.Kind != iltod.EventIncident || leaf.Election != in.Election:
			return nil, &Error{Failure: FailLog, Incident: in.ID, Msg: fmt.Sprintf("the leaf at index %d is a %q event of election %q, not an incident of %q", res.Index, leaf.Kind, leaf.Election, in.Election)}
		case leaf.Hash != digest:
			return nil, &Error{Failure: FailDigest, Incident: in.ID,
				Msg: fmt.Sprintf("the published copy gives the digest %s; the log's leaf %d commits to %s",
					hex.EncodeToString(digest[:]), res.Index, hex.EncodeToString(leaf.Hash[:]))}
		}
		out.Incidents++
		out.addCheckpoint(res.Checkpoint)
	}
	subjects, hashes, err := d.records()
	if err != nil {
		return nil, &Error{Failure: FailForm, Msg: "a registry record cannot be hashed", Err: err}
	}
	proved := map[[32]byte]bool{}
	for _, r := range d.Records {
		lr, err := r.Log.Receipt()
		if err != nil {
			return nil, &Error{Failure: FailForm, Msg: fmt.Sprintf("the proof of %s: %v", r.Subject, err)}
		}
		res, err := v.VerifyReceipt(lr.Marshal())
		if err != nil {
			return nil, &Error{Failure: FailLog, Msg: fmt.Sprintf("the leaf at index %d, the proof of %s", r.Log.Index, r.Subject), Err: err}
		}
		if res.Leaf.Kind != iltod.EventActor || res.Leaf.Election != d.Election {
			return nil, &Error{Failure: FailLog, Msg: fmt.Sprintf("the leaf at index %d, the proof of %s, is a %q event of election %q, not a registry record of %q",
				res.Index, r.Subject, res.Leaf.Kind, res.Leaf.Election, d.Election)}
		}
		proved[res.Leaf.Hash] = true
		out.Records++
		out.addCheckpoint(res.Checkpoint)
	}
	for i, h := range hashes {
		if !proved[h] {
			return nil, &Error{Failure: FailDigest, Msg: fmt.Sprintf("the registry record %s, whose SHA-256 is %s, is not what any leaf of the dossier commits to",
				subjects[i], hex.EncodeToString(h[:]))}
		}
	}
	return out, nil
}

func (v *Verified) addCheckpoint(cp *tlog.Checkpoint) {
	if !slices.ContainsFunc(v.Checkpoints, func(c *tlog.Checkpoint) bool { return bytes.Equal(c.Note, cp.Note) }) {
		v.Checkpoints = append(v.Checkpoints, cp)
	}
}
