package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
)

// tokenBytes is the entropy of session and CSRF tokens: 256 bits.
const tokenBytes = 32

// NewToken returns a new session token, 32 random bytes in unpadded base64url (43
// characters, safe in a cookie), and its hash, HashToken(token). The caller gives the token
// to the client and stores only the hash, so that a copy of the database cannot be used to
// sign in. NewToken is safe for concurrent use.
func NewToken() (token string, hash [32]byte) {
	token = randomString()
	return token, HashToken(token)
}

// HashToken returns the SHA-256 digest of the bytes of token: the value under which a
// session token is stored and looked up. A fast hash is enough, because tokens are random,
// not chosen by people.
func HashToken(token string) [32]byte {
	return sha256.Sum256([]byte(token))
}

// NewCSRF returns a new CSRF token, 32 random bytes in unpadded base64url, to be stored
// with the session and written into each form the session is shown.
func NewCSRF() string {
	return randomString()
}

// CheckCSRF reports whether got, the token a form sent back, equals want, the token stored
// with the session. It compares in constant time, and is false if either is empty, so a
// session without a token accepts no form.
func CheckCSRF(want, got string) bool {
	if want == "" || got == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

func randomString() string {
	b := make([]byte, tokenBytes)
	rand.Read(b) // never fails: crypto/rand aborts the program instead of returning an error
	return base64.RawURLEncoding.EncodeToString(b)
}
