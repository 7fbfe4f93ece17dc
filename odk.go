package iltod

import (
	"context"
	"time"
)

// ODKCredential lets one observer's ODK Collect (or Enketo, Tella) sign in to the
// election's OpenRosa server with HTTP Digest authentication. The password is shown once
// when issued; only HA1 = MD5(username:realm:password) is kept, which is all Digest
// needs. HA1 is a password equivalent for this realm: it is sensitive, like a password
// hash, and never leaves the store but to check a sign-in.
type ODKCredential struct {
	Election string `json:"election"`
	Observer string `json:"observer"`
	// Username is what the observer types in ODK Collect; unique within the election.
	Username string `json:"username"`
	// HA1 is the lower-case hexadecimal MD5 digest of username:realm:password.
	HA1    string    `json:"-"`
	Issued time.Time `json:"issued"`
	// IssuedBy is the staff login that issued it, or "system".
	IssuedBy string `json:"issued_by"`
}

// ODKStore keeps the observers' OpenRosa credentials.
type ODKStore interface {
	// PutODKCredential stores c with its event (whose Election is set to c.Election) in
	// one transaction, replacing the observer's earlier credential, which stops working.
	// It returns ENotFound for an unknown election or observer, and EConflict when
	// another observer of the election has the username.
	PutODKCredential(ctx context.Context, c ODKCredential, ev Event) error
	// ODKCredential returns the credential of username in election, or ENotFound.
	ODKCredential(ctx context.Context, election, username string) (ODKCredential, error)
}
