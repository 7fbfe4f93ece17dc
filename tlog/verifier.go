package tlog

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"

	"github.com/iltod/iltod"
	f_log "github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

// Verifier checks what a log publishes against what a verifier trusts: the log's
// verifier key (its name is the log's origin) and, optionally, a witness policy. The
// zero value is not usable; call NewVerifier. A Verifier is safe for concurrent use.
//
// Every Verify method returns an *Error on failure; integrity failures carry evidence.
type Verifier struct {
	vkey   string
	log    note.Verifier
	policy *Policy
}

// NewVerifier returns a Verifier for the log with verifier key vkey (a signed-note key,
// "ORIGIN+HASH+BASE64", as in the log's log.vkey file) and the witness policy policy,
// which may be nil: then checkpoints need no cosignatures. It fails if vkey is not an
// Ed25519 note key or the policy lists logs and not this one.
func NewVerifier(vkey string, policy *Policy) (*Verifier, error) {
	vkey = strings.TrimSpace(vkey)
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("log verifier key %q: %v", truncate([]byte(vkey), 100), err)
	}
	if policy != nil && !policy.HasLog(vkey) {
		return nil, fmt.Errorf("the policy lists logs, and not the log %s", vkey)
	}
	return &Verifier{vkey: vkey, log: v, policy: policy}, nil
}

// Origin returns the log's origin, the name in its verifier key.
func (v *Verifier) Origin() string { return v.log.Name() }

// Policy returns the witness policy, or nil.
func (v *Verifier) Policy() *Policy { return v.policy }

// Checkpoint is a verified tlog-checkpoint.
type Checkpoint struct {
	Origin string
	Size   uint64
	Hash   [32]byte
	// Cosigners are the names, in the policy, of the witnesses whose cosignatures
	// verified; nil without a policy.
	Cosigners []string
	// Note is the signed checkpoint as given.
	Note []byte
}

// VerifyCheckpoint checks the signed checkpoint cp: the log's signature, the origin, the
// format (origin, size, base64 root hash, optional extension lines), and the quorum of
// the policy, if any. A cosignature by a known witness that does not verify is a
// failure, not merely ignored.
func (v *Verifier) VerifyCheckpoint(cp []byte) (*Checkpoint, error) {
	vs := []note.Verifier{v.log}
	if v.policy != nil {
		vs = append(vs, v.policy.verifierList()...)
	}
	n, err := note.Open(cp, note.VerifierList(vs...))
	if err != nil {
		var inv *note.InvalidSignatureError
		var unv *note.UnverifiedNoteError
		switch {
		case errors.As(err, &inv):
			return nil, failf(FailSignature, "the signature of %s on the checkpoint does not verify", inv.Name).with("checkpoint", cp)
		case errors.As(err, &unv):
			return nil, failf(FailSignature, "the checkpoint is not signed by the log key %s", v.vkey).with("checkpoint", cp)
		}
		return nil, failf(FailMalformed, "the checkpoint is not a signed note").wrap(err).with("checkpoint", cp)
	}
	signed := false
	for _, s := range n.Sigs {
		if s.Name == v.log.Name() && s.Hash == v.log.KeyHash() {
			signed = true
		}
	}
	if !signed {
		return nil, failf(FailSignature, "the checkpoint is not signed by the log key %s", v.vkey).with("checkpoint", cp)
	}
	var c f_log.Checkpoint
	if _, err := c.Unmarshal([]byte(n.Text)); err != nil || len(c.Hash) != sha256.Size {
		if err == nil {
			err = fmt.Errorf("root hash is %d bytes", len(c.Hash))
		}
		return nil, failf(FailMalformed, "the checkpoint body is malformed").wrap(err).with("checkpoint", cp)
	}
	if !bytes.HasPrefix([]byte(n.Text), c.Marshal()) {
		return nil, failf(FailMalformed, "the checkpoint body is not in canonical form").with("checkpoint", cp)
	}
	if c.Origin != v.log.Name() {
		return nil, failf(FailSignature, "the checkpoint is for origin %q, not %q", c.Origin, v.log.Name()).with("checkpoint", cp)
	}
	if c.Size == 0 && !bytes.Equal(c.Hash, rfc6962.DefaultHasher.EmptyRoot()) {
		return nil, failf(FailConsistency, "an empty checkpoint with a root other than the empty tree's").with("checkpoint", cp)
	}
	out := &Checkpoint{Origin: c.Origin, Size: c.Size, Hash: [32]byte(c.Hash), Note: append([]byte(nil), cp...)}
	if v.policy != nil {
		out.Cosigners = v.policy.cosigners(n)
		if !v.policy.Satisfied(out.Cosigners) {
			return nil, failf(FailQuorum, "the checkpoint's cosigners %v do not satisfy the policy's quorum %q", out.Cosigners, v.policy.Quorum).
				with("checkpoint", cp).with("policy", v.policy.Marshal())
		}
	}
	return out, nil
}

// Verified is what a receipt established.
type Verified struct {
	// Leaf is the receipt's leaf; LeafBytes its exact bytes.
	Leaf      LeafData
	LeafBytes []byte
	// Included is true for a tlog-proof: Checkpoint, signed by the log (and cosigned
	// according to the policy), includes the leaf at Index. It is false for a promise,
	// which is only the log's signed word that the leaf will be included.
	Included   bool
	Index      uint64
	Checkpoint *Checkpoint
	// Promise is set for a promise.
	Promise *Promise
}

// VerifyReceipt checks a receipt, which is either a promise (see Promise and
// BatchPromise) or a full
// receipt (a tlog-proof, see Receipt): for a promise, the log's signature and the
// promise's consistency; for a tlog-proof, the checkpoint (VerifyCheckpoint), the leaf's
// form, the inclusion proof from the leaf to the checkpoint's root, and that the leaf's
// sequence number is its index plus one.
func (v *Verifier) VerifyReceipt(receipt []byte) (*Verified, error) {
	if bytes.HasPrefix(receipt, []byte(promiseHeader+"\n")) || bytes.HasPrefix(receipt, []byte(batchPromiseHeader+"\n")) {
		p, err := v.VerifyPromise(receipt)
		if err != nil {
			return nil, err
		}
		return &Verified{Leaf: p.LeafData, LeafBytes: p.Leaf, Index: p.Seq - 1, Promise: p}, nil
	}
	r, err := ParseReceipt(receipt)
	if err != nil {
		return nil, failf(FailMalformed, "the receipt is neither a promise nor a tlog-proof").wrap(err).with("receipt", receipt)
	}
	cp, err := v.VerifyCheckpoint(r.Checkpoint)
	if err != nil {
		return nil, err
	}
	leaf, err := ParseLeaf(r.Leaf)
	if err != nil {
		return nil, failf(FailMalformed, "the receipt's leaf is malformed").wrap(err).with("receipt", receipt)
	}
	if err := verifyInclusion(r.Index, cp, r.Leaf, r.Proof); err != nil {
		return nil, failf(FailInclusion, "the inclusion proof of leaf %d does not lead to the root of the checkpoint of size %d", r.Index, cp.Size).
			wrap(err).with("receipt", receipt)
	}
	if leaf.Seq != r.Index+1 {
		return nil, failf(FailLeaf, "the leaf at index %d has sequence number %d, not %d: the log's numbering is broken", r.Index, leaf.Seq, r.Index+1).
			with("receipt", receipt)
	}
	return &Verified{Leaf: leaf, LeafBytes: r.Leaf, Included: true, Index: r.Index, Checkpoint: cp}, nil
}

// VerifyEnvelope checks that receipt (a promise or a tlog-proof, see VerifyReceipt) is
// for envelope: that the receipt verifies, that its leaf is a report, and that the
// leaf's hash is the SHA-256 of the envelope's exact bytes.
func (v *Verifier) VerifyEnvelope(envelope, receipt []byte) (*Verified, error) {
	res, err := v.VerifyReceipt(receipt)
	if err != nil {
		return nil, err
	}
	h := sha256.Sum256(envelope)
	if h != res.Leaf.Hash {
		return nil, failf(FailLeaf, "the envelope's SHA-256 is %x; the receipt's leaf commits to %x", h, res.Leaf.Hash).
			with("envelope SHA-256 (hex)", fmt.Appendf(nil, "%x", h)).with("leaf", res.LeafBytes).with("receipt", receipt)
	}
	if res.Leaf.Kind != iltod.EventReport {
		return nil, failf(FailLeaf, "the receipt's leaf is a %q event, not a report", res.Leaf.Kind).with("leaf", res.LeafBytes)
	}
	return res, nil
}
