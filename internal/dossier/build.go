package dossier

import (
	"context"
	"fmt"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/tlog"
	"github.com/transparency-dev/tessera/client"
)

// Source is what the organisation's data gives a dossier (see app.App.DossierSource):
// the actor, their positions, and the published incidents that link them, each with the
// sequence number of its latest event.
type Source struct {
	Election    string
	Actor       iltod.Actor
	Positions   []iltod.ActorPosition
	Occupancies []iltod.Occupancy
	Bodies      []iltod.Actor
	Incidents   []SourceIncident
	// Records are the latest events of the registry records above.
	Records []SourceRecord
}

// SourceRecord is the latest event of one registry record: Seq is its sequence number,
// Subject the record's subject.
type SourceRecord struct {
	Subject string
	Seq     uint64
}

// SourceIncident is one published incident and its latest event.
type SourceIncident struct {
	Published iltod.IncidentRecord
	Proof     iltod.IncidentProof
	// Seq is the sequence number of the incident's latest event, whose hash is the
	// incident's digest; its leaf is at index Seq-1.
	Seq uint64
}

// Prover gives the full receipt (a tlog-proof, see tlog.Receipt) of the leaf at an
// index: the ledger's Proof, or a TilesProver over a copy of the log.
type Prover interface {
	Proof(ctx context.Context, index uint64) ([]byte, error)
}

// Build makes the dossier of src, asking p for each incident's receipt. origin is the
// log's origin and made the time the dossier is made. It does not verify the receipts:
// call Verify before handing the dossier to anyone.
func Build(ctx context.Context, src Source, p Prover, origin string, made time.Time) (*Dossier, error) {
	d := &Dossier{Format: Format, Election: src.Election, Made: made.UTC(), Origin: origin, Actor: src.Actor,
		Positions: nonNil(src.Positions), Occupancies: nonNil(src.Occupancies), Bodies: nonNil(src.Bodies), Incidents: []Entry{}}
	for _, si := range src.Incidents {
		if si.Seq == 0 {
			return nil, fmt.Errorf("incident %s: no event", si.Published.ID)
		}
		raw, err := p.Proof(ctx, si.Seq-1)
		if err != nil {
			return nil, fmt.Errorf("incident %s: %w", si.Published.ID, err)
		}
		r, err := tlog.ParseReceipt(raw)
		if err != nil {
			return nil, fmt.Errorf("incident %s: %w", si.Published.ID, err)
		}
		d.Incidents = append(d.Incidents, Entry{Incident: si.Published, Proof: si.Proof, Log: LoggedFrom(r)})
	}
	d.Records = []Record{}
	for _, sr := range src.Records {
		if sr.Seq == 0 {
			return nil, fmt.Errorf("%s: no event", sr.Subject)
		}
		raw, err := p.Proof(ctx, sr.Seq-1)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sr.Subject, err)
		}
		r, err := tlog.ParseReceipt(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sr.Subject, err)
		}
		d.Records = append(d.Records, Record{Subject: sr.Subject, Log: LoggedFrom(r)})
	}
	return d, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// TilesProver proves leaves from a log's tiles (a directory such as the server's log
// directory, or a mirror), all under the one checkpoint it read first. It reads while
// the log grows, and is safe beside the server. Not safe for concurrent use.
type TilesProver struct {
	tiles tlog.Tiles
	cp    *tlog.Checkpoint
	pb    *client.ProofBuilder
}

// NewTilesProver reads the checkpoint of the log in t and verifies it with v.
func NewTilesProver(ctx context.Context, t tlog.Tiles, v *tlog.Verifier) (*TilesProver, error) {
	raw, err := t.ReadCheckpoint(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the log's checkpoint: %w", err)
	}
	cp, err := v.VerifyCheckpoint(raw)
	if err != nil {
		return nil, fmt.Errorf("the log's checkpoint: %w", err)
	}
	return &TilesProver{tiles: t, cp: cp}, nil
}

// Checkpoint returns the checkpoint the prover proves under.
func (p *TilesProver) Checkpoint() *tlog.Checkpoint { return p.cp }

// ErrNotCovered is returned (wrapped) for a leaf the checkpoint does not yet cover.
var ErrNotCovered = fmt.Errorf("the log's checkpoint does not cover the leaf yet")

// Proof returns the tlog-proof of the leaf at index under the prover's checkpoint.
func (p *TilesProver) Proof(ctx context.Context, index uint64) ([]byte, error) {
	if index >= p.cp.Size {
		return nil, fmt.Errorf("leaf %d, checkpoint of size %d: %w", index, p.cp.Size, ErrNotCovered)
	}
	if p.pb == nil {
		pb, err := client.NewProofBuilder(ctx, p.cp.Size, p.tiles.ReadTile)
		if err != nil {
			return nil, fmt.Errorf("read the log's tiles: %w", err)
		}
		p.pb = pb
	}
	hashes, err := p.pb.InclusionProof(ctx, index)
	if err != nil {
		return nil, fmt.Errorf("inclusion proof of leaf %d: %w", index, err)
	}
	b, err := client.GetEntryBundle(ctx, p.tiles.ReadEntryBundle, index/256, p.cp.Size)
	if err != nil {
		return nil, fmt.Errorf("read the log's entry bundle %d: %w", index/256, err)
	}
	if int(index%256) >= len(b.Entries) {
		return nil, fmt.Errorf("the log's entry bundle %d lacks leaf %d", index/256, index)
	}
	r := tlog.Receipt{Index: index, Leaf: b.Entries[index%256], Checkpoint: p.cp.Note}
	for _, h := range hashes {
		if len(h) != 32 {
			return nil, fmt.Errorf("inclusion proof of leaf %d: a hash of %d bytes", index, len(h))
		}
		r.Proof = append(r.Proof, [32]byte(h))
	}
	return r.Marshal(), nil
}
