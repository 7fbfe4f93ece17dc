package tlog

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/iltod/iltod"
	"golang.org/x/mod/sumdb/note"
)

const promiseHeader = "iltod receipt promise v1"

// MaxPromiseSize bounds the promises that the parsers accept.
const MaxPromiseSize = 8 << 10

// Promise is the log's signed promise, given at once when a report is accepted, that
// the report's leaf will be in the log. It is a signed note (c2sp.org/signed-note),
// signed with the log's key, whose text is:
//
//	iltod receipt promise v1
//	origin <the log's origin>
//	seq <the event's sequence number; the leaf's index is seq-1>
//	leaf <the leaf, canonical JSON (see Leaf)>
//	leaf-hash <base64 of the leaf's RFC 6962 leaf hash>
//	received <when the server accepted the report, RFC 3339 in UTC>
//
// A promise cannot be mistaken for a checkpoint: its first line has spaces, which an
// origin never has. The full receipt (see Receipt) replaces it once a checkpoint covers
// the leaf; a promise that is never fulfilled is itself evidence against the log.
type Promise struct {
	Origin string
	Seq    uint64
	// Leaf holds the leaf's exact bytes; LeafData the same parsed.
	Leaf     []byte
	LeafData LeafData
	LeafHash [32]byte
	Received time.Time
}

// NewPromise returns the promise of the log with the given origin for the event ev.
// ev.Time is the received time.
func NewPromise(origin string, ev iltod.Event) Promise {
	leaf := Leaf(ev)
	return Promise{
		Origin:   origin,
		Seq:      ev.Seq,
		Leaf:     leaf,
		LeafData: LeafData{Election: ev.Election, Hash: ev.Hash, Seq: ev.Seq, Kind: ev.Kind},
		LeafHash: LeafHash(leaf),
		Received: ev.Time.UTC(),
	}
}

// Text returns the note text of p (without signatures).
func (p Promise) Text() []byte {
	// Written with appends: a promise is made for every report accepted.
	b := make([]byte, 0, 128+len(p.Origin)+len(p.Leaf))
	b = append(b, promiseHeader+"\norigin "...)
	b = append(b, p.Origin...)
	b = append(b, "\nseq "...)
	b = strconv.AppendUint(b, p.Seq, 10)
	b = append(b, "\nleaf "...)
	b = append(b, p.Leaf...)
	b = append(b, "\nleaf-hash "...)
	b = base64.StdEncoding.AppendEncode(b, p.LeafHash[:])
	b = append(b, "\nreceived "...)
	b = p.Received.UTC().AppendFormat(b, time.RFC3339Nano)
	return append(b, '\n')
}

// ParsePromiseText parses the text of a promise (the note without its signatures). It
// is strict: Text of the result returns text. It checks that the leaf is well formed,
// that its sequence number is seq and that leaf-hash is its hash; it checks no
// signature (see Verifier.VerifyPromise).
func ParsePromiseText(text []byte) (*Promise, error) {
	if len(text) > MaxPromiseSize {
		return nil, fmt.Errorf("promise is %d bytes; at most %d are allowed", len(text), MaxPromiseSize)
	}
	lines := strings.Split(string(text), "\n")
	if len(lines) != 7 || lines[6] != "" || lines[0] != promiseHeader {
		return nil, errors.New("not an iltod promise: want 6 lines, the first " + strconv.Quote(promiseHeader))
	}
	field := func(i int, key string) (string, error) {
		v, ok := strings.CutPrefix(lines[i], key+" ")
		if !ok || v == "" {
			return "", fmt.Errorf("promise line %d: want %q", i+1, key+" …")
		}
		return v, nil
	}
	var p Promise
	var err error
	if p.Origin, err = field(1, "origin"); err != nil {
		return nil, err
	}
	s, err := field(2, "seq")
	if err != nil {
		return nil, err
	}
	if p.Seq, err = strconv.ParseUint(s, 10, 64); err != nil {
		return nil, fmt.Errorf("promise seq %q: not a number", s)
	}
	l, err := field(3, "leaf")
	if err != nil {
		return nil, err
	}
	p.Leaf = []byte(l)
	if p.LeafData, err = ParseLeaf(p.Leaf); err != nil {
		return nil, fmt.Errorf("promise leaf: %v", err)
	}
	h, err := field(4, "leaf-hash")
	if err != nil {
		return nil, err
	}
	hb, err := base64.StdEncoding.Strict().DecodeString(h)
	if err != nil || len(hb) != 32 {
		return nil, fmt.Errorf("promise leaf-hash %q: not a base64 SHA-256 hash", truncate([]byte(h), 60))
	}
	p.LeafHash = [32]byte(hb)
	r, err := field(5, "received")
	if err != nil {
		return nil, err
	}
	if p.Received, err = time.Parse(time.RFC3339Nano, r); err != nil {
		return nil, fmt.Errorf("promise received %q: not an RFC 3339 time", truncate([]byte(r), 60))
	}
	switch {
	case p.LeafData.Seq != p.Seq:
		return nil, fmt.Errorf("promise seq %d is not the leaf's %d", p.Seq, p.LeafData.Seq)
	case p.LeafHash != LeafHash(p.Leaf):
		return nil, fmt.Errorf("promise leaf-hash is not the hash of its leaf")
	case !bytes.Equal(p.Text(), text):
		return nil, fmt.Errorf("promise is not in canonical form")
	}
	p.Received = p.Received.UTC()
	return &p, nil
}

// VerifyPromise checks a signed promise: the log's signature, the origin, and the
// promise's own consistency (ParsePromiseText). Other signatures are ignored. A batch
// promise (version 2, see BatchPromise) is checked too: the signature on its batch note
// and the inclusion of its statement in the batch's root.
func (v *Verifier) VerifyPromise(signed []byte) (*Promise, error) {
	if bytes.HasPrefix(signed, []byte(batchPromiseHeader+"\n")) {
		return v.verifyBatchPromise(signed)
	}
	if len(signed) > MaxPromiseSize {
		return nil, failf(FailMalformed, "the promise is %d bytes; at most %d are allowed", len(signed), MaxPromiseSize)
	}
	n, err := note.Open(signed, note.VerifierList(v.log))
	if err != nil {
		var inv *note.InvalidSignatureError
		var unv *note.UnverifiedNoteError
		if errors.As(err, &inv) || errors.As(err, &unv) {
			return nil, failf(FailSignature, "the promise is not signed by the log key %s", v.vkey).with("promise", signed)
		}
		return nil, failf(FailMalformed, "the promise is not a signed note").wrap(err).with("promise", signed)
	}
	p, err := ParsePromiseText([]byte(n.Text))
	if err != nil {
		return nil, failf(FailMalformed, "the promise is malformed").wrap(err).with("promise", signed)
	}
	if p.Origin != v.log.Name() {
		return nil, failf(FailSignature, "the promise is for origin %q, not %q", p.Origin, v.log.Name()).with("promise", signed)
	}
	return p, nil
}

// SignPromise signs the promise text of p with the log's signer. The signer's name
// MUST be p.Origin.
func SignPromise(p Promise, signer note.Signer) ([]byte, error) {
	if signer.Name() != p.Origin {
		return nil, fmt.Errorf("sign promise: signer %q is not the log %q", signer.Name(), p.Origin)
	}
	return note.Sign(&note.Note{Text: string(p.Text())}, signer)
}
