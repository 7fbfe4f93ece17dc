package tlog

import (
	"bytes"
	"fmt"

	"github.com/transparency-dev/formats/proof"
	merkleproof "github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// Receipt is a full receipt: a C2SP tlog-proof (c2sp.org/tlog-proof@v1) whose extra
// data is the leaf.
//
//	c2sp.org/tlog-proof@v1
//	extra <base64 of the leaf>
//	index <index>
//	<base64 inclusion proof hash>   one per line, from the leaf's sibling up
//	…
//	(blank line)
//	<the signed checkpoint, with its cosignatures>
type Receipt struct {
	Index uint64
	// Leaf is the leaf's exact bytes (see Leaf).
	Leaf []byte
	// Proof is the RFC 6962 inclusion proof of the leaf in the checkpoint's tree.
	Proof [][32]byte
	// Checkpoint is the signed checkpoint.
	Checkpoint []byte
}

// MaxReceiptSize bounds the receipts ParseReceipt accepts.
const MaxReceiptSize = 64 << 10

// Marshal returns the tlog-proof text of r.
func (r *Receipt) Marshal() []byte {
	return proof.TLogProof{Index: r.Index, Hashes: r.Proof, Checkpoint: r.Checkpoint, ExtraData: r.Leaf}.Marshal()
}

// ParseReceipt parses a tlog-proof. It is strict: the text must be exactly what
// Marshal writes for the result (so "index 01", CR LF line ends or a missing final
// newline are refused), the extra line (the leaf) is required, at most 63 proof hashes,
// and the checkpoint must be non-empty. It checks no signature: see
// Verifier.VerifyReceipt.
func ParseReceipt(b []byte) (*Receipt, error) {
	if len(b) > MaxReceiptSize {
		return nil, fmt.Errorf("tlog-proof is %d bytes; at most %d are allowed", len(b), MaxReceiptSize)
	}
	var p proof.TLogProof
	if err := p.Unmarshal(b); err != nil {
		return nil, err
	}
	r := &Receipt{Index: p.Index, Leaf: p.ExtraData, Proof: p.Hashes, Checkpoint: p.Checkpoint}
	switch {
	case len(r.Leaf) == 0:
		return nil, fmt.Errorf("tlog-proof has no extra line holding the leaf")
	case len(r.Proof) > 63:
		return nil, fmt.Errorf("tlog-proof has %d proof hashes; at most 63 are possible", len(r.Proof))
	case len(r.Checkpoint) == 0:
		return nil, fmt.Errorf("tlog-proof has no checkpoint")
	case !bytes.Equal(r.Marshal(), b):
		return nil, fmt.Errorf("tlog-proof is not in canonical form")
	}
	return r, nil
}

// verifyInclusion checks that proof leads from leaf at index to cp's root.
func verifyInclusion(index uint64, cp *Checkpoint, leaf []byte, hashes [][32]byte) error {
	if index >= cp.Size {
		return fmt.Errorf("index %d is not below the tree size %d", index, cp.Size)
	}
	p := make([][]byte, len(hashes))
	for i := range hashes {
		p[i] = hashes[i][:]
	}
	lh := LeafHash(leaf)
	return merkleproof.VerifyInclusion(rfc6962.DefaultHasher, index, cp.Size, lh[:], p, cp.Hash[:])
}
