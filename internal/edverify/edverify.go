// Package edverify verifies Ed25519 signatures exactly as crypto/ed25519.Verify does,
// faster for keys it has seen before.
//
// A device signs every report it sends with the same key. Verification starts by
// decompressing the public key and building a table of its multiples; Verifier keeps
// that work (the key "expanded", by github.com/oasisprotocol/curve25519-voi) for the
// keys it has seen most recently, and verifies with the same rule as the standard
// library: cofactorless, small-order and non-canonical keys allowed, a canonical S
// required, R compared byte for byte (voi's VerifyOptionsStdLib). The tests compare
// every decision with crypto/ed25519's on the "Taming the many EdDSAs" edge cases, the
// ZIP-215 vectors and fuzzed inputs: a signature is accepted here if and only if the
// standard library accepts it, so a partner checking envelopes with any common
// implementation agrees with the server.
package edverify

import (
	"crypto/ed25519"
	"sync"

	voi "github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
)

// DefaultKeys is how many expanded keys a Verifier keeps by default: about 1.5 KB each.
const DefaultKeys = 16384

var stdlib = &voi.Options{Verify: voi.VerifyOptionsStdLib}

// Verifier verifies Ed25519 signatures, keeping the expansion of up to a fixed number of
// public keys. It is safe for concurrent use. The zero value is not usable; use New.
type Verifier struct {
	max  int
	mu   sync.RWMutex
	keys map[[ed25519.PublicKeySize]byte]*voi.ExpandedPublicKey
}

// New returns a Verifier that keeps up to max expanded keys (DefaultKeys if max <= 0).
func New(max int) *Verifier {
	if max <= 0 {
		max = DefaultKeys
	}
	return &Verifier{max: max, keys: make(map[[ed25519.PublicKeySize]byte]*voi.ExpandedPublicKey)}
}

// Verify reports whether sig is a valid signature of msg by pub, with exactly the
// decision of crypto/ed25519.Verify. A signature of the wrong length is false, as there;
// a key of the wrong length is false too, where crypto/ed25519 panics.
func (v *Verifier) Verify(pub ed25519.PublicKey, msg, sig []byte) bool {
	if len(pub) != ed25519.PublicKeySize || len(sig) != ed25519.SignatureSize {
		return false
	}
	k := [ed25519.PublicKeySize]byte(pub)
	v.mu.RLock()
	ek := v.keys[k]
	v.mu.RUnlock()
	if ek == nil {
		var err error
		if ek, err = voi.NewExpandedPublicKey(voi.PublicKey(pub)); err != nil {
			// A key that does not decompress: crypto/ed25519 refuses it too.
			return false
		}
		v.mu.Lock()
		if len(v.keys) >= v.max {
			for old := range v.keys { // map order is random: evict one at random
				delete(v.keys, old)
				break
			}
		}
		v.keys[k] = ek
		v.mu.Unlock()
	}
	return voi.VerifyExpandedWithOptions(ek, msg, sig, stdlib)
}

// Len returns how many expanded keys v keeps now.
func (v *Verifier) Len() int {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return len(v.keys)
}
