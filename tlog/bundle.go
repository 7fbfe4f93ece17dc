package tlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/iltod/iltod"
)

// ReceiptBundleFormat is the format line of a receipts bundle.
const ReceiptBundleFormat = "iltod-receipts/1"

// Limits on a receipts bundle.
const (
	// MaxReceiptBundleSize bounds the bytes of a bundle that ParseReceiptBundle reads.
	MaxReceiptBundleSize = 64 << 20
	// MaxBundledProofSize bounds one receipt's proof text.
	MaxBundledProofSize = 64 << 10
	// maxBundleID bounds a report id and an election id in a bundle.
	maxBundleID = 256
)

// ReceiptBundle is what an observer's phone exports so that anyone can check, offline,
// that the log holds what the phone sent: for each report, its envelope's exact bytes
// and the log's receipt for it. As JSON:
//
//	{"format": "iltod-receipts/1",
//	 "receipts": [{"election": "…", "id": "…", "envelope": "<standard base64>", "proof": "<tlog-proof or promise text>"}]}
type ReceiptBundle struct {
	Format   string           `json:"format"`
	Receipts []BundledReceipt `json:"receipts"`
}

// BundledReceipt is one report of a ReceiptBundle.
type BundledReceipt struct {
	// Election and ID name the report, as the phone knows it.
	Election string `json:"election"`
	ID       string `json:"id"`
	// Envelope is the envelope's canonical bytes (base64 in JSON).
	Envelope []byte `json:"envelope"`
	// Proof is the receipt: a tlog-proof, or a promise while the log has not yet
	// published a checkpoint that covers the report.
	Proof string `json:"proof"`
}

// ParseReceiptBundle reads a receipts bundle strictly: at most MaxReceiptBundleSize bytes
// of one JSON object with exactly the fields above (no unknown field, nothing after it),
// the format ReceiptBundleFormat, and in each receipt a non-empty election, id (each at
// most 256 bytes), envelope (at most iltod.MaxEnvelopeSize bytes) and proof (at most
// MaxBundledProofSize bytes). A bundle without receipts parses; the caller decides what
// an empty bundle means. The error names the receipt, counting from 1.
func ParseReceiptBundle(b []byte) (*ReceiptBundle, error) {
	if len(b) > MaxReceiptBundleSize {
		return nil, fmt.Errorf("the bundle is %d bytes; at most %d are allowed", len(b), MaxReceiptBundleSize)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var rb ReceiptBundle
	if err := dec.Decode(&rb); err != nil {
		return nil, fmt.Errorf(`want {"format": %q, "receipts": [...]}: %w`, ReceiptBundleFormat, err)
	}
	if _, err := dec.Token(); err == nil || !errors.Is(err, io.EOF) {
		return nil, errors.New("more than one JSON value in the bundle")
	}
	if rb.Format != ReceiptBundleFormat {
		return nil, fmt.Errorf("the format is %q, not %q", rb.Format, ReceiptBundleFormat)
	}
	for i, r := range rb.Receipts {
		var problem string
		switch {
		case r.Election == "" || len(r.Election) > maxBundleID:
			problem = fmt.Sprintf("the election must be 1 to %d bytes", maxBundleID)
		case r.ID == "" || len(r.ID) > maxBundleID:
			problem = fmt.Sprintf("the id must be 1 to %d bytes", maxBundleID)
		case len(r.Envelope) == 0 || len(r.Envelope) > iltod.MaxEnvelopeSize:
			problem = fmt.Sprintf("the envelope must be 1 to %d bytes", iltod.MaxEnvelopeSize)
		case r.Proof == "" || len(r.Proof) > MaxBundledProofSize:
			problem = fmt.Sprintf("the proof must be 1 to %d bytes", MaxBundledProofSize)
		}
		if problem != "" {
			return nil, fmt.Errorf("receipt %d: %s", i+1, problem)
		}
	}
	return &rb, nil
}

// VerifyBundled checks one receipt of a bundle: the receipt against the envelope
// (VerifyEnvelope), the device's signature on the envelope, and that the envelope's
// report and the receipt's leaf are of the election, and the report has the id, that the
// bundle names. A failure is an *Error whose evidence shows what disagrees.
func (v *Verifier) VerifyBundled(r BundledReceipt) (*Verified, error) {
	res, err := v.VerifyEnvelope(r.Envelope, []byte(r.Proof))
	if err != nil {
		return nil, err
	}
	env, err := iltod.ParseEnvelope(r.Envelope)
	if err != nil {
		return nil, failf(FailMalformed, "the envelope does not parse").wrap(err).with("envelope", r.Envelope)
	}
	if env.Verify() != nil {
		return nil, failf(FailSignature, "the device's signature on the envelope does not verify").with("envelope", r.Envelope)
	}
	var p struct {
		ID       string `json:"id"`
		Election string `json:"election"`
	}
	if err := json.Unmarshal(env.Payload, &p); err != nil {
		return nil, failf(FailMalformed, "the envelope's payload is not a report").wrap(err).with("payload", env.Payload)
	}
	if p.ID != r.ID || p.Election != r.Election || res.Leaf.Election != r.Election {
		return nil, failf(FailLeaf, "the bundle names report %q of election %q; the envelope holds report %q of election %q, and the leaf is of election %q",
			r.ID, r.Election, p.ID, p.Election, res.Leaf.Election).with("payload", env.Payload).with("leaf", res.LeafBytes)
	}
	return res, nil
}
