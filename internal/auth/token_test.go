package auth

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"testing"
)

func TestNewToken(t *testing.T) {
	seen := make(map[string]bool)
	for range 100 {
		token, hash := NewToken()
		if len(token) != 43 {
			t.Fatalf("token %q has %d characters, want 43", token, len(token))
		}
		b, err := base64.RawURLEncoding.Strict().DecodeString(token)
		if err != nil || len(b) != 32 {
			t.Fatalf("token %q decodes to %d bytes, %v; want 32", token, len(b), err)
		}
		if hash != sha256.Sum256([]byte(token)) || hash != HashToken(token) {
			t.Fatalf("hash of %q is not SHA-256 of its text", token)
		}
		if seen[token] {
			t.Fatalf("token %q repeated", token)
		}
		seen[token] = true
	}
}

func TestHashToken(t *testing.T) {
	// FIPS 180-2 appendix B.1: SHA-256("abc").
	got := HashToken("abc")
	const want = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	if hex.EncodeToString(got[:]) != want {
		t.Errorf("HashToken(abc) = %x, want %s", got, want)
	}
	if HashToken("abd") == got {
		t.Error("HashToken(abd) = HashToken(abc)")
	}
}

func TestCSRF(t *testing.T) {
	a, b := NewCSRF(), NewCSRF()
	if len(a) != 43 || a == b {
		t.Fatalf("NewCSRF = %q, %q; want two different 43-character tokens", a, b)
	}
	tests := []struct {
		name      string
		want, got string
		ok        bool
	}{
		{"same", a, a, true},
		{"other session's token", a, b, false},
		{"missing from form", a, "", false},
		{"session without token", "", a, false},
		{"both empty", "", "", false},
		{"prefix", a, a[:42], false},
		{"longer", a, a + "x", false},
		{"one character changed", "AAAA", "AAAB", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckCSRF(tt.want, tt.got); got != tt.ok {
				t.Errorf("CheckCSRF(%q, %q) = %v, want %v", tt.want, tt.got, got, tt.ok)
			}
		})
	}
}
