package iltod

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"strings"
	"time"
)

// A follow-up code lets the anonymous reporter of a citizen's incident come back to it:
// to see its status and add information, and nothing else (docs/anonymous-reporting.md).
// The code is shown once; the store keeps only FollowupHash of it, so that the data
// directory alone cannot be used to follow a report.

// FollowupCodeBits is the randomness of a follow-up code: 160 bits, 32 characters of
// Crockford's base32, which no one can guess.
const FollowupCodeBits = 160

// followupAlphabet is Crockford's base32: no I, L, O or U, so that a code read aloud or
// copied by hand survives.
const followupAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// followupChars is the number of characters of a code, and followupGroup the size of the
// groups it is written in, separated by hyphens.
const (
	followupChars = FollowupCodeBits / 5
	followupGroup = 4
)

// NewFollowupCode returns a new random follow-up code in its written form: 32 characters
// in groups of four joined by hyphens, such as "7KQ2-…". It panics only if the system's
// random source fails, which crypto/rand does not let happen.
func NewFollowupCode() string {
	b := make([]byte, followupChars)
	rand.Read(b)
	var sb strings.Builder
	for i, c := range b {
		if i > 0 && i%followupGroup == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(followupAlphabet[c&31])
	}
	return sb.String()
}

// ParseFollowupCode reads a follow-up code as a person may type it: in either case, with
// or without hyphens and spaces, O for 0 and I or L for 1. It returns the code's written
// form (as NewFollowupCode writes it), or EInvalid ("error.followup.code") for anything
// that is not the right number of the alphabet's characters.
func ParseFollowupCode(s string) (string, error) {
	if len(s) > 4*followupChars {
		return "", E(EInvalid, "error.followup.code", nil)
	}
	var sb strings.Builder
	n := 0
	for _, r := range s {
		switch {
		case r == '-' || r == ' ' || r == '\t' || r == '\r' || r == '\n':
			continue
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		}
		switch r {
		case 'O':
			r = '0'
		case 'I', 'L':
			r = '1'
		}
		if r > 'Z' || !strings.ContainsRune(followupAlphabet, r) {
			return "", E(EInvalid, "error.followup.code", nil)
		}
		if n > 0 && n%followupGroup == 0 {
			sb.WriteByte('-')
		}
		sb.WriteRune(r)
		n++
	}
	if n != followupChars {
		return "", E(EInvalid, "error.followup.code", nil)
	}
	return sb.String(), nil
}

// FollowupHash returns what the store keeps of a follow-up code of an election: the
// SHA-256 of a fixed label, the election and the code's written form (ParseFollowupCode).
// With 160 random bits in the code, a plain hash is enough: no one can search them.
func FollowupHash(election, code string) [32]byte {
	return sha256.Sum256([]byte("iltod follow-up code v1\n" + election + "\n" + code))
}

// Followup ties the hash of a follow-up code to the citizen's incident it follows.
type Followup struct {
	Election string
	Hash     [32]byte
	Incident string
	Created  time.Time
}

// FollowupStore keeps the hashes of follow-up codes. They are not logged events: they
// say nothing about an incident, and the log must not learn which incidents came from
// the anonymous form. They are deleted with their incident's election.
type FollowupStore interface {
	// PutFollowup stores f. Created is kept in UTC. It returns ENotFound for an
	// unknown election or incident, and EConflict for a hash already stored.
	PutFollowup(ctx context.Context, f Followup) error
	// FollowupIncident returns the id of the incident whose code hashes to hash in
	// election, or ENotFound ("error.followup.unknown").
	FollowupIncident(ctx context.Context, election string, hash [32]byte) (string, error)
}
