package iltod

import (
	"context"
	"encoding/hex"
	"time"
)

// Blob is a content-addressed byte string the store keeps: the image of a protocol photo,
// and (later) the age ciphertext of evidence. SHA256 names it and is the SHA-256 of Data;
// MediaType says what Data is ("image/jpeg"); Created is when the store first held it.
type Blob struct {
	SHA256    [32]byte
	MediaType string
	Data      []byte
	Created   time.Time
}

// MaxPhotoBytes bounds the size of a photo (PUT /api/v1/photos/{sha256}).
const MaxPhotoBytes = 8 << 20

// PhotoHash returns the SHA-256 that s names as the answer of a photo question: exactly
// 64 lower-case hexadecimal digits. ok is false for anything else.
func PhotoHash(s string) (sha [32]byte, ok bool) {
	if len(s) != 64 {
		return sha, false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return sha, false
		}
	}
	if _, err := hex.Decode(sha[:], []byte(s)); err != nil {
		return sha, false
	}
	return sha, true
}

// BlobStore keeps blobs, and knows which reports name a photo. Blobs belong to the
// installation, not to one election: the same bytes are stored once, and deleting an
// election leaves them.
type BlobStore interface {
	// PutBlob stores b, with Created set by the caller. Storing the same bytes again is a
	// no-op that keeps the first MediaType and Created. It returns EInvalid, and stores
	// nothing, when the SHA-256 of b.Data is not b.SHA256 or MediaType is empty.
	PutBlob(ctx context.Context, b Blob) error
	// Blob returns the blob named sha, or ENotFound.
	Blob(ctx context.Context, sha [32]byte) (Blob, error)
	// HeldBlobs returns, in the order of shas, the blobs among shas that the store holds,
	// each without its Data; a sha named twice is returned once.
	HeldBlobs(ctx context.Context, shas [][32]byte) ([]Blob, error)
	// PhotoReports returns the accepted reports whose answers name sha, in Seq order, of
	// election or, when election is "", of every election; at most 1000. A store indexes
	// every answer that has the shape of a photo answer (a string PhotoHash accepts),
	// whatever its question's type, as the report is accepted: callers MUST check that
	// the question answered is of type Photo. It returns ENotFound for an unknown
	// election.
	PhotoReports(ctx context.Context, election string, sha [32]byte) ([]Submission, error)
}
