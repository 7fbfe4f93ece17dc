package app

import (
	"context"
	"encoding/hex"
	"sync/atomic"

	"filippo.io/age"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/evidence"
)

// SetEvidenceRecipients sets the age recipients that evidence is sealed to as it arrives
// (SealEvidence). Without any, SealEvidence refuses, so that no channel ever keeps
// evidence in the clear. Safe to call at any time.
func (a *App) SetEvidenceRecipients(rs []age.Recipient) {
	a.recipients.Store(&rs)
}

// EvidenceSealing reports whether evidence can be sealed: whether recipients are set.
func (a *App) EvidenceSealing() bool {
	p := a.recipients.Load()
	return p != nil && len(*p) > 0
}

// SealEvidence encrypts plaintext to the evidence recipients as it arrives, stores only
// the ciphertext in the blob store, and returns the reference an incident carries. Any
// channel may call it, the anonymous one included; callers bound the size and rate of
// what they pass (evidence.MaxEvidenceBytes at most). Plaintext is never written
// anywhere. It returns EConflict when no recipient is set: the server is not set up to receive evidence.
func (a *App) SealEvidence(ctx context.Context, plaintext []byte) (iltod.EvidenceRef, error) {
	p := a.recipients.Load()
	if p == nil || len(*p) == 0 {
		return iltod.EvidenceRef{}, iltod.E(iltod.EConflict, "error.evidence.no_recipients", nil)
	}
	s, err := evidence.Seal(plaintext, *p)
	if err != nil {
		return iltod.EvidenceRef{}, err
	}
	if err := a.store.PutBlob(ctx, s.Blob(a.now().UTC())); err != nil {
		return iltod.EvidenceRef{}, err
	}
	return iltod.EvidenceRef{
		PlainSHA256:  hex.EncodeToString(s.PlainSHA256[:]),
		CipherSHA256: hex.EncodeToString(s.CipherSHA256[:]),
		MediaType:    s.MediaType,
	}, nil
}

// recipientsSlot holds the evidence recipients.
type recipientsSlot = atomic.Pointer[[]age.Recipient]
