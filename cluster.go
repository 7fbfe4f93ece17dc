package iltod

import (
	"context"
	"time"
)

// ClusterStore is what several server instances sharing one store coordinate through
// (docs/cluster.md): the log's published checkpoints and the one instance that signs
// them, the sign-in state that must hold across instances (single-use TOTP codes and
// rate limits), and the secrets and spent tokens of the anonymous forms. On SQLite, which one instance uses, the signer lock is always
// available to the first who asks in the process.
type ClusterStore interface {
	// EventsFrom returns up to limit events with Seq at least seq, in Seq order; limit
	// must be positive (EInvalid otherwise). Every instance builds the log's tiles
	// from it, leaf n-1 being event n.
	EventsFrom(ctx context.Context, seq uint64, limit int) ([]Event, error)
	// LatestCheckpoint returns the stored checkpoint of the largest size, or ENotFound
	// before the first.
	LatestCheckpoint(ctx context.Context) (StoredCheckpoint, error)
	// TrySigner tries to make the caller the log's one signer. It returns a held lock,
	// or nil and no error when another holder has it. The lock lasts until Release or
	// until the holder's connection to the store ends (a killed process included).
	TrySigner(ctx context.Context) (SignerLock, error)

	// TOTPStep returns the last TOTP step used to sign in with login, 0 if none.
	TOTPStep(ctx context.Context, login string) (int64, error)
	// UseTOTPStep records step as the last TOTP step of login if it is later than the
	// stored one, atomically, and returns EConflict (changing nothing) otherwise: of
	// several instances offered the same code, exactly one succeeds.
	UseTOTPStep(ctx context.Context, login string, step int64) error
	// TakeToken takes a token from key's bucket, which holds up to burst tokens and
	// gains one every interval, at time now (the generic cell rate algorithm). It
	// returns 0 if a token was taken, or how long until the next one, taking nothing.
	// Buckets are kept by a hash of key, never key itself (it may be an address).
	TakeToken(ctx context.Context, key string, burst int, every time.Duration, now time.Time) (wait time.Duration, err error)
	// ResetTokens forgets key's bucket, making it full.
	ResetTokens(ctx context.Context, key string) error

	// SharedSecret returns the 32-byte secret called name, made at random by the first
	// instance to ask and the same for every instance after.
	SharedSecret(ctx context.Context, name string) ([]byte, error)
	// SpendToken marks the token id (at most 64 bytes) spent, at now, until the given
	// time, atomically: of several instances spending it, one succeeds and the others
	// get EConflict. A token whose until has passed by now may be spent again.
	SpendToken(ctx context.Context, id []byte, now, until time.Time) error
	// ReleaseToken unspends id, for a submission refused with nothing stored.
	ReleaseToken(ctx context.Context, id []byte) error
}

// StoredCheckpoint is a published checkpoint of the log as kept in the store: the
// signed note with the witnesses' cosignatures, the size it commits to, the instance
// that signed it and when it was stored.
type StoredCheckpoint struct {
	Size   uint64
	Note   []byte
	Signer string
	Time   time.Time
}

// SignerLock is the held right to sign and store the log's checkpoints.
type SignerLock interface {
	// AddCheckpoint stores cp as published, through the lock's own connection, so that
	// it fails if the lock was lost. A checkpoint of a size already stored changes
	// nothing, so that there is one checkpoint per size, whichever instance serves it;
	// one smaller than the largest stored is EConflict.
	AddCheckpoint(ctx context.Context, cp StoredCheckpoint) error
	// Alive checks, through the lock's own connection, that the lock is still held.
	Alive(ctx context.Context) error
	// Release gives the lock up. It is safe to call more than once.
	Release() error
}
