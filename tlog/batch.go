package tlog

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	merkleproof "github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

const (
	batchPromiseHeader = "iltod receipt promise v2"
	batchNoteHeader    = "iltod promise batch v1"
)

// MaxPromiseBatch bounds the promises that one batch signature covers.
const MaxPromiseBatch = 1 << 16

// A batch promise (version 2) is the log's promise for one leaf, as Promise says, signed
// once for a whole batch of leaves: the log signs the RFC 6962 Merkle root of the
// batch's statements, and each leaf's promise carries its statement, its place in the
// batch with the inclusion proof, and the signed batch note. Its text is
//
//	iltod receipt promise v2
//	origin <the log's origin>
//	seq <the event's sequence number>
//	leaf <the leaf, canonical JSON (see Leaf)>
//	leaf-hash <base64 of the leaf's RFC 6962 leaf hash>
//	received <when the server accepted the report, RFC 3339 in UTC>
//	batch <index in the batch> <size of the batch>
//	<base64 inclusion proof hash>   one per line, from the statement's sibling up
//	…
//	(blank line)
//	iltod promise batch v1
//	origin <the log's origin>
//	size <size of the batch>
//	root <base64 RFC 6962 root of the batch's statements>
//	(blank line)
//	— <the log's signature>
//
// The statement of a leaf is lines 2 to 6 (origin to received, each with its newline);
// the batch tree's leaves are the RFC 6962 leaf hashes of the statements, in batch order.
// The signature cost is shared by the batch; what a promise proves is unchanged.
type BatchPromise struct {
	Promise
	// Index is the statement's place in the batch, Size the batch's size.
	Index, Size uint64
	// Proof is the RFC 6962 inclusion proof of the statement in the batch tree.
	Proof [][32]byte
	// Root is the batch tree's root; Note the signed batch note.
	Root [32]byte
	Note []byte
}

// statement returns the part of p's promise text that a batch tree commits to.
func (p Promise) statement() []byte {
	t := p.Text()
	return t[len(promiseHeader)+1:]
}

// batchNoteText returns the text of the batch note for a root over size statements.
func batchNoteText(origin string, size uint64, root [32]byte) string {
	return fmt.Sprintf("%s\norigin %s\nsize %d\nroot %s\n", batchNoteHeader, origin, size, base64.StdEncoding.EncodeToString(root[:]))
}

// SignPromises signs the promises ps, all of the log whose signer is given, with one
// signature, and returns each one's batch promise (see BatchPromise), in order.
func SignPromises(ps []Promise, signer note.Signer) ([][]byte, error) {
	n := len(ps)
	switch {
	case n == 0:
		return nil, nil
	case n > MaxPromiseBatch:
		return nil, fmt.Errorf("sign promises: %d promises; at most %d in one batch", n, MaxPromiseBatch)
	}
	hashes := make([][]byte, n)
	statements := make([][]byte, n)
	for i, p := range ps {
		if signer.Name() != p.Origin {
			return nil, fmt.Errorf("sign promises: signer %q is not the log %q", signer.Name(), p.Origin)
		}
		statements[i] = p.statement()
		hashes[i] = rfc6962.DefaultHasher.HashLeaf(statements[i])
	}
	proofs := make([][][]byte, n)
	root := batchTree(hashes, proofs, 0, n)
	signed, err := note.Sign(&note.Note{Text: batchNoteText(signer.Name(), uint64(n), [32]byte(root))}, signer)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, n)
	for i := range ps {
		b := make([]byte, 0, len(batchPromiseHeader)+len(statements[i])+32+45*len(proofs[i])+len(signed))
		b = append(b, batchPromiseHeader+"\n"...)
		b = append(b, statements[i]...)
		b = append(b, "batch "...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(n), 10)
		b = append(b, '\n')
		for _, h := range proofs[i] {
			b = base64.StdEncoding.AppendEncode(b, h)
			b = append(b, '\n')
		}
		b = append(b, '\n')
		out[i] = append(b, signed...)
	}
	return out, nil
}

// batchTree returns the RFC 6962 root of hashes[lo:hi] and appends to proofs[i], for
// each i in lo..hi-1, the inclusion proof hashes of this subtree, from the bottom up.
func batchTree(hashes [][]byte, proofs [][][]byte, lo, hi int) []byte {
	if hi-lo == 1 {
		return hashes[lo]
	}
	k := 1
	for k*2 < hi-lo {
		k *= 2
	}
	left := batchTree(hashes, proofs, lo, lo+k)
	right := batchTree(hashes, proofs, lo+k, hi)
	for i := lo; i < lo+k; i++ {
		proofs[i] = append(proofs[i], right)
	}
	for i := lo + k; i < hi; i++ {
		proofs[i] = append(proofs[i], left)
	}
	return rfc6962.DefaultHasher.HashChildren(left, right)
}

// ParseBatchPromise parses a batch promise (see BatchPromise). It is strict: the text
// must be exactly what SignPromises writes; the statement must be well formed (as
// ParsePromiseText checks), the index below the size, the proof as long as the size
// requires, and the batch note's origin and size those of the statement. It checks no
// signature and no proof (see Verifier.VerifyPromise).
func ParseBatchPromise(b []byte) (*BatchPromise, error) {
	if len(b) > MaxPromiseSize {
		return nil, fmt.Errorf("promise is %d bytes; at most %d are allowed", len(b), MaxPromiseSize)
	}
	head, signed, ok := bytes.Cut(b, []byte("\n\n"))
	if !ok {
		return nil, errors.New("batch promise has no blank line before its batch note")
	}
	lines := strings.Split(string(head), "\n")
	if len(lines) < 7 || lines[0] != batchPromiseHeader {
		return nil, errors.New("not an iltod batch promise: the first line must be " + strconv.Quote(batchPromiseHeader))
	}
	text := promiseHeader + "\n" + strings.Join(lines[1:6], "\n") + "\n"
	p, err := ParsePromiseText([]byte(text))
	if err != nil {
		return nil, err
	}
	bp := &BatchPromise{Promise: *p, Note: signed}
	idx, size, ok := strings.Cut(strings.TrimPrefix(lines[6], "batch "), " ")
	if !strings.HasPrefix(lines[6], "batch ") || !ok {
		return nil, fmt.Errorf("batch promise line 7: want %q", "batch <index> <size>")
	}
	if bp.Index, err = strconv.ParseUint(idx, 10, 64); err != nil {
		return nil, fmt.Errorf("batch promise index %q: not a number", truncate([]byte(idx), 30))
	}
	if bp.Size, err = strconv.ParseUint(size, 10, 64); err != nil || bp.Size == 0 || bp.Size > MaxPromiseBatch {
		return nil, fmt.Errorf("batch promise size %q: not a number from 1 to %d", truncate([]byte(size), 30), MaxPromiseBatch)
	}
	if bp.Index >= bp.Size {
		return nil, fmt.Errorf("batch promise index %d is not below the batch size %d", bp.Index, bp.Size)
	}
	for _, l := range lines[7:] {
		h, err := base64.StdEncoding.Strict().DecodeString(l)
		if err != nil || len(h) != 32 {
			return nil, fmt.Errorf("batch promise proof line %q: not a base64 SHA-256 hash", truncate([]byte(l), 60))
		}
		bp.Proof = append(bp.Proof, [32]byte(h))
	}
	if want := proofLen(bp.Index, bp.Size); len(bp.Proof) != want {
		return nil, fmt.Errorf("batch promise has %d proof hashes; index %d of %d needs %d", len(bp.Proof), bp.Index, bp.Size, want)
	}
	nt, _, ok := bytes.Cut(signed, []byte("\n\n"))
	if !ok {
		return nil, errors.New("batch note is not a signed note")
	}
	nl := strings.Split(string(nt)+"\n", "\n")
	if len(nl) != 5 || nl[0] != batchNoteHeader || nl[1] != "origin "+p.Origin || nl[2] != "size "+strconv.FormatUint(bp.Size, 10) || !strings.HasPrefix(nl[3], "root ") {
		return nil, fmt.Errorf("batch note is not %q for origin %q and size %d with a root", batchNoteHeader, p.Origin, bp.Size)
	}
	r, err := base64.StdEncoding.Strict().DecodeString(strings.TrimPrefix(nl[3], "root "))
	if err != nil || len(r) != 32 {
		return nil, errors.New("batch note root: not a base64 SHA-256 hash")
	}
	bp.Root = [32]byte(r)
	if !bytes.Equal(bp.Marshal(), b) {
		return nil, errors.New("batch promise is not in canonical form")
	}
	return bp, nil
}

// proofLen is the length of the RFC 6962 inclusion proof of index in a tree of size.
func proofLen(index, size uint64) int {
	n := 0
	for size > 1 {
		k := uint64(1)
		for k*2 < size {
			k *= 2
		}
		if index < k {
			size = k
		} else {
			index, size = index-k, size-k
		}
		n++
	}
	return n
}

// Marshal returns the text of bp, as SignPromises writes it.
func (bp *BatchPromise) Marshal() []byte {
	var b bytes.Buffer
	b.WriteString(batchPromiseHeader + "\n")
	b.Write(bp.statement())
	fmt.Fprintf(&b, "batch %d %d\n", bp.Index, bp.Size)
	for _, h := range bp.Proof {
		b.WriteString(base64.StdEncoding.EncodeToString(h[:]) + "\n")
	}
	b.WriteString("\n")
	b.Write(bp.Note)
	return b.Bytes()
}

// verifyBatchPromise checks a batch promise: its form, the log's signature on the batch
// note, and the inclusion of the statement in the batch's root.
func (v *Verifier) verifyBatchPromise(signed []byte) (*Promise, error) {
	bp, err := ParseBatchPromise(signed)
	if err != nil {
		return nil, failf(FailMalformed, "the batch promise is malformed").wrap(err).with("promise", signed)
	}
	if bp.Origin != v.log.Name() {
		return nil, failf(FailSignature, "the promise is for origin %q, not %q", bp.Origin, v.log.Name()).with("promise", signed)
	}
	if _, err := note.Open(bp.Note, note.VerifierList(v.log)); err != nil {
		return nil, failf(FailSignature, "the promise's batch note is not signed by the log key %s", v.vkey).with("promise", signed)
	}
	proof := make([][]byte, len(bp.Proof))
	for i := range bp.Proof {
		proof[i] = bp.Proof[i][:]
	}
	lh := rfc6962.DefaultHasher.HashLeaf(bp.statement())
	if err := merkleproof.VerifyInclusion(rfc6962.DefaultHasher, bp.Index, bp.Size, lh, proof, bp.Root[:]); err != nil {
		return nil, failf(FailInclusion, "the promise's statement is not at index %d of the signed batch of %d", bp.Index, bp.Size).
			wrap(err).with("promise", signed)
	}
	p := bp.Promise
	return &p, nil
}
