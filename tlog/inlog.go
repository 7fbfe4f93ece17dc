package tlog

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"

	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/client"
)

// InLog is what VerifyInLog established: the receipt verified, and the log copy it was
// checked against holds its leaf under Checkpoint.
type InLog struct {
	*Verified
	// Checkpoint is the log copy's own checkpoint, verified.
	Checkpoint *Checkpoint
}

// VerifyInLog checks a receipt (a promise or a tlog-proof, see VerifyReceipt) against a
// copy of the log t, such as a mirror's, without asking the log itself. The copy's
// checkpoint must verify (VerifyCheckpoint), and cover the receipt's index. For a
// promise, the leaf at the promised index, read from the copy's entry bundles, must be
// the promised leaf byte for byte, and an inclusion proof built from the copy's tiles
// must lead from it to the copy's root. For a tlog-proof, the receipt's checkpoint
// must not be larger than the copy's, and the copy's tiles must prove the two
// consistent (VerifyConsistency); a receipt from another branch of a forked log fails
// with FailConsistency and both checkpoints as evidence. Failures are *Error; a failure
// to read t is returned as is.
func (v *Verifier) VerifyInLog(ctx context.Context, receipt []byte, t Tiles) (*InLog, error) {
	res, err := v.VerifyReceipt(receipt)
	if err != nil {
		return nil, err
	}
	raw, err := t.ReadCheckpoint(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the log copy's checkpoint: %w", err)
	}
	cp, err := v.VerifyCheckpoint(raw)
	if err != nil {
		return nil, fmt.Errorf("the log copy's checkpoint: %w", err)
	}
	if res.Index >= cp.Size {
		return nil, failf(FailInclusion, "the log copy's checkpoint (size %d) does not cover index %d yet", cp.Size, res.Index).with("log copy checkpoint", raw)
	}
	if res.Included {
		if res.Checkpoint.Size > cp.Size {
			return nil, failf(FailConsistency, "the receipt's checkpoint (size %d) is larger than the log copy's (size %d)", res.Checkpoint.Size, cp.Size).
				with("receipt checkpoint", res.Checkpoint.Note).with("log copy checkpoint", raw)
		}
		if _, err := v.VerifyConsistency(ctx, res.Checkpoint.Note, raw, t); err != nil {
			return nil, err
		}
		return &InLog{Verified: res, Checkpoint: cp}, nil
	}
	leaf, err := readLeaf(ctx, t, res.Index, cp.Size)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(leaf, res.LeafBytes) {
		return nil, failf(FailLeaf, "the log copy holds another leaf at the promised index %d", res.Index).
			with("promised leaf", res.LeafBytes).with("leaf in the log copy", leaf).with("log copy checkpoint", raw)
	}
	pb, err := client.NewProofBuilder(ctx, cp.Size, t.ReadTile)
	if err != nil {
		return nil, fmt.Errorf("read the log copy's tiles: %w", err)
	}
	p, err := pb.InclusionProof(ctx, res.Index)
	if err != nil {
		return nil, fmt.Errorf("build the inclusion proof from the log copy's tiles: %w", err)
	}
	hashes := make([][32]byte, len(p))
	for i := range p {
		if len(p[i]) != 32 {
			return nil, failf(FailMalformed, "the log copy's tiles hold a hash of %d bytes", len(p[i]))
		}
		hashes[i] = [32]byte(p[i])
	}
	if err := verifyInclusion(res.Index, cp, leaf, hashes); err != nil {
		return nil, failf(FailInclusion, "the log copy's tiles do not prove leaf %d in its checkpoint of size %d", res.Index, cp.Size).
			wrap(err).with("log copy checkpoint", raw)
	}
	return &InLog{Verified: res, Checkpoint: cp}, nil
}

// readLeaf returns the leaf at index in the log of the given size, from t's entry
// bundles.
func readLeaf(ctx context.Context, t Tiles, index, size uint64) ([]byte, error) {
	bi := index / layout.EntryBundleWidth
	b, err := t.ReadEntryBundle(ctx, bi, layout.PartialTileSize(0, bi, size))
	if err != nil {
		return nil, fmt.Errorf("read the entry bundle of leaf %d: %w", index, err)
	}
	entries, err := SplitEntryBundle(b)
	if err != nil {
		return nil, failf(FailMalformed, "the entry bundle of leaf %d is malformed", index).wrap(err)
	}
	i := int(index % layout.EntryBundleWidth)
	if i >= len(entries) {
		return nil, failf(FailMalformed, "the entry bundle of leaf %d holds only %d entries", index, len(entries))
	}
	return entries[i], nil
}

// MaxEntryBundle bounds the entry bundles SplitEntryBundle reads: 256 entries of at
// most 64 KiB each, with their length prefixes.
const MaxEntryBundle = layout.EntryBundleWidth * (2 + 64<<10)

// SplitEntryBundle splits a tlog-tiles entry bundle into its entries: each a 2-byte
// big-endian length and that many bytes. It refuses a bundle of more than 256 entries
// or MaxEntryBundle bytes, and one that ends inside an entry.
func SplitEntryBundle(b []byte) ([][]byte, error) {
	if len(b) > MaxEntryBundle {
		return nil, fmt.Errorf("entry bundle is %d bytes; at most %d are allowed", len(b), MaxEntryBundle)
	}
	var out [][]byte
	for len(b) > 0 {
		if len(out) == layout.EntryBundleWidth {
			return nil, fmt.Errorf("entry bundle holds more than %d entries", layout.EntryBundleWidth)
		}
		if len(b) < 2 {
			return nil, fmt.Errorf("entry bundle ends inside a length")
		}
		n := int(binary.BigEndian.Uint16(b))
		if len(b) < 2+n {
			return nil, fmt.Errorf("entry bundle ends inside entry %d", len(out))
		}
		out = append(out, b[2:2+n])
		b = b[2+n:]
	}
	return out, nil
}
