package edverify

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"
)

// edgeCases returns (key, message, signature) triples on which Ed25519 implementations
// disagree: the twelve cases of "Taming the many EdDSAs" (Chalkias, Garillot and
// Nikolaenko, 2020; testdata/speccheck_cases.json from ed25519-speccheck, as
// curve25519-voi ships it) and the 196 ZIP-215 vectors (testdata/zip215.json, signing
// "Zcash"), which exercise small-order and non-canonical points.
func edgeCases(t testing.TB) (cases [][3][]byte) {
	unhex := func(s string) []byte {
		b, err := hex.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	raw, err := os.ReadFile("testdata/speccheck_cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var specRaw []map[string]string
	if err := json.Unmarshal(raw, &specRaw); err != nil {
		t.Fatal(err)
	}
	for _, c := range specRaw {
		cases = append(cases, [3][]byte{unhex(c["pub_key"]), unhex(c["message"]), unhex(c["signature"])})
	}
	raw, err = os.ReadFile("testdata/zip215.json")
	if err != nil {
		t.Fatal(err)
	}
	var zip [][2]string
	if err := json.Unmarshal(raw, &zip); err != nil {
		t.Fatal(err)
	}
	for _, c := range zip {
		cases = append(cases, [3][]byte{unhex(c[0]), []byte("Zcash"), unhex(c[1])})
	}
	if len(cases) != 12+196 {
		t.Fatalf("%d edge cases, want 208", len(cases))
	}
	return cases
}

// TestSameAsStdlib checks that Verify decides every edge case, valid signatures and
// their corruptions exactly as crypto/ed25519.Verify does, with a key seen for the first
// time and with it already expanded.
func TestSameAsStdlib(t *testing.T) {
	v := New(0)
	accepted := 0
	check := func(name string, pub, msg, sig []byte) {
		t.Helper()
		want := ed25519.Verify(pub, msg, sig)
		for pass := range 2 {
			if got := v.Verify(pub, msg, sig); got != want {
				t.Errorf("%s (pass %d): Verify = %v, crypto/ed25519 says %v (key %x, sig %x)", name, pass, got, want, pub, sig)
			}
		}
		if want {
			accepted++
		}
	}
	edges := edgeCases(t)
	for i, c := range edges {
		check("edge case "+hex.EncodeToString([]byte{byte(i)}), c[0], c[1], c[2])
	}
	// The edge cases must include signatures each rule accepts and refuses, or they
	// would not test the rule.
	if accepted == 0 || accepted == len(edges) {
		t.Fatalf("crypto/ed25519 accepts %d of %d edge cases", accepted, len(edges))
	}
	msg := bytes.Repeat([]byte("iltod report v1\n{}"), 30)
	for i := 0; i < 50; i++ {
		pub, priv, _ := ed25519.GenerateKey(rand.Reader)
		sig := ed25519.Sign(priv, msg)
		check("valid", pub, msg, sig)
		for _, at := range []int{0, 31, 32, 63} {
			bad := bytes.Clone(sig)
			bad[at] ^= 1 << (i % 8)
			check("corrupted signature", pub, msg, bad)
		}
		badMsg := bytes.Clone(msg)
		badMsg[i] ^= 1
		check("other message", pub, badMsg, sig)
		other, _, _ := ed25519.GenerateKey(rand.Reader)
		check("other key", other, msg, sig)
		// S + L: the same point, a non-canonical scalar, refused by both.
		check("S+L", pub, msg, addL(sig))
	}
	check("short signature", make([]byte, 32), msg, make([]byte, 63))
	// crypto/ed25519 panics on a key of the wrong length; Verify refuses it.
	if v.Verify(make([]byte, 31), msg, make([]byte, 64)) {
		t.Error("a 31-byte key accepted")
	}
}

// addL returns sig with L, the group order, added to its scalar S.
func addL(sig []byte) []byte {
	l := [32]byte{0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}
	out := bytes.Clone(sig)
	carry := 0
	for i := 0; i < 32; i++ {
		s := int(out[32+i]) + int(l[i]) + carry
		out[32+i], carry = byte(s), s>>8
	}
	return out
}

// TestKeysBounded checks that the verifier keeps no more keys than it was given, and
// still verifies with the keys it dropped.
func TestKeysBounded(t *testing.T) {
	v := New(3)
	msg := []byte("m")
	for i := 0; i < 10; i++ {
		pub, priv, _ := ed25519.GenerateKey(rand.Reader)
		sig := ed25519.Sign(priv, msg)
		if !v.Verify(pub, msg, sig) {
			t.Fatalf("key %d: a valid signature refused", i)
		}
		if v.Len() > 3 {
			t.Fatalf("%d keys kept, max 3", v.Len())
		}
	}
	if v.Len() != 3 {
		t.Fatalf("%d keys kept after 10, want 3", v.Len())
	}
}

// FuzzSameAsStdlib checks Verify against crypto/ed25519.Verify on any key, message and
// signature, starting from the edge cases and a valid signature.
func FuzzSameAsStdlib(f *testing.F) {
	for _, c := range edgeCases(f) {
		f.Add(c[0], c[1], c[2])
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	f.Add([]byte(pub), []byte("m"), ed25519.Sign(priv, []byte("m")))
	v := New(64)
	f.Fuzz(func(t *testing.T, pub, msg, sig []byte) {
		if len(pub) != ed25519.PublicKeySize { // crypto/ed25519 panics
			if v.Verify(pub, msg, sig) {
				t.Fatalf("a %d-byte key accepted", len(pub))
			}
			return
		}
		if got, want := v.Verify(pub, msg, sig), ed25519.Verify(pub, msg, sig); got != want {
			t.Fatalf("Verify = %v, crypto/ed25519 says %v (key %x, msg %x, sig %x)", got, want, pub, msg, sig)
		}
	})
}

// BenchmarkVerify compares Verify with a key already seen against crypto/ed25519.
func BenchmarkVerify(b *testing.B) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	msg := bytes.Repeat([]byte("x"), 600)
	sig := ed25519.Sign(priv, msg)
	b.Run("stdlib", func(b *testing.B) {
		for b.Loop() {
			ed25519.Verify(pub, msg, sig)
		}
	})
	b.Run("edverify", func(b *testing.B) {
		v := New(0)
		for b.Loop() {
			v.Verify(pub, msg, sig)
		}
	})
}
