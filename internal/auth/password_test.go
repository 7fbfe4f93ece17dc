package auth

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/iltod/iltod"
)

// refPHC is the argon2id vector of the reference implementation (phc-winner-argon2,
// src/test.c): password "password", salt "somesalt", m=65536, t=2, p=1.
const refPHC = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"

func TestCheckPassword(t *testing.T) {
	tests := []struct {
		name string
		pw   string
		want error
	}{
		{"twelve ASCII", "correcthorse", nil},
		{"eleven ASCII", "correcthors", ErrPasswordTooShort},
		{"empty", "", ErrPasswordTooShort},
		// Twelve Cyrillic letters are 24 bytes but twelve characters.
		{"twelve Mongolian Cyrillic", "өвөлүнэгүйхө", nil},
		{"eleven Mongolian Cyrillic", "өвөлүнэгүйх", ErrPasswordTooShort},
		// й as и + combining breve is two runes typed but one after NFKC.
		{"decomposed letters counted once", strings.Repeat("и\u0306", 6) + "абвгд", ErrPasswordTooShort},
		{"spaces count", "a b c d e f ", nil},
		{"256 bytes", strings.Repeat("ab", 128), nil},
		{"257 bytes", strings.Repeat("ab", 128) + "c", ErrPasswordTooLong},
		{"129 Cyrillic letters are 258 bytes", strings.Repeat("ө", 129), ErrPasswordTooLong},
		{"one character repeated", strings.Repeat("a", 20), ErrPasswordRepeated},
		{"one Cyrillic character repeated", strings.Repeat("ө", 20), ErrPasswordRepeated},
		{"one character and another", strings.Repeat("a", 19) + "b", nil},
		{"invalid UTF-8", "correcthorse\xff", ErrPasswordNotUTF8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckPassword(tt.pw)
			if !errors.Is(err, tt.want) {
				t.Fatalf("CheckPassword(%q) = %v, want %v", tt.pw, err, tt.want)
			}
			if err != nil && iltod.ErrorCodeOf(err) != iltod.EInvalid {
				t.Errorf("code = %q, want %q", iltod.ErrorCodeOf(err), iltod.EInvalid)
			}
		})
	}
}

func TestVerifyReferenceVector(t *testing.T) {
	ok, err := VerifyPassword("password", refPHC)
	if err != nil || !ok {
		t.Fatalf("VerifyPassword(reference vector) = %v, %v; want true, nil", ok, err)
	}
	ok, err = VerifyPassword("Password", refPHC)
	if err != nil || ok {
		t.Fatalf("VerifyPassword(wrong case) = %v, %v; want false, nil", ok, err)
	}
}

func TestHashPasswordDefaultParams(t *testing.T) {
	if testing.Short() {
		t.Skip("64 MiB hash")
	}
	const pw = "нууц үг хэзээ ч бүү хэл"
	h, err := HashPassword(pw, DefaultParams)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^\$argon2id\$v=19\$m=65536,t=3,p=2\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !re.MatchString(h) {
		t.Fatalf("HashPassword = %q, want match for %v", h, re)
	}
	if ok, err := VerifyPassword(pw, h); err != nil || !ok {
		t.Fatalf("VerifyPassword(right) = %v, %v", ok, err)
	}
	if NeedsRehash(h, DefaultParams) {
		t.Error("NeedsRehash(fresh default hash, DefaultParams) = true")
	}
}

func TestHashPassword(t *testing.T) {
	const pw = "correct horse battery staple"
	h1, err := HashPassword(pw, TestParams)
	if err != nil {
		t.Fatal(err)
	}
	h2, err := HashPassword(pw, TestParams)
	if err != nil {
		t.Fatal(err)
	}
	if h1 == h2 {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
	if !strings.HasPrefix(h1, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("HashPassword = %q", h1)
	}
	for _, tt := range []struct {
		pw   string
		want bool
	}{
		{pw, true},
		{"correct horse battery stapl", false},
		{"Correct horse battery staple", false},
		{"", false},
		{pw + strings.Repeat("x", MaxPasswordBytes), false},
	} {
		ok, err := VerifyPassword(tt.pw, h1)
		if err != nil || ok != tt.want {
			t.Errorf("VerifyPassword(%.30q) = %v, %v; want %v, nil", tt.pw, ok, err, tt.want)
		}
	}

	if _, err := HashPassword("short", TestParams); !errors.Is(err, ErrPasswordTooShort) {
		t.Errorf("HashPassword(short) error = %v, want ErrPasswordTooShort", err)
	}
	for _, p := range []Params{
		{Memory: 64, Time: 0, Threads: 1},
		{Memory: 64, Time: 1, Threads: 0},
		{Memory: 15, Time: 1, Threads: 2},
		{Memory: MaxMemory + 1, Time: 1, Threads: 1},
		{Memory: 64, Time: MaxTime + 1, Threads: 1},
	} {
		if _, err := HashPassword(pw, p); err == nil {
			t.Errorf("HashPassword(params %+v) succeeded", p)
		}
	}
}

// TestNormalisation checks that a password typed with decomposed letters verifies against
// the hash of the same text typed with precomposed ones.
func TestNormalisation(t *testing.T) {
	composed := "Монгол улсын сонгууль й"
	decomposed := "Монгол улсын сонгууль и\u0306"
	h, err := HashPassword(composed, TestParams)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := VerifyPassword(decomposed, h); err != nil || !ok {
		t.Fatalf("VerifyPassword(decomposed) = %v, %v; want true", ok, err)
	}
}

func TestVerifyTampered(t *testing.T) {
	const pw = "correct horse battery staple"
	h, err := HashPassword(pw, TestParams)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := parsePHC(h)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(b []byte) []byte {
		c := append([]byte(nil), b...)
		c[0] ^= 1
		return c
	}
	tampered := map[string]argonHash{
		"key":       {params: parsed.params, salt: parsed.salt, key: flip(parsed.key)},
		"salt":      {params: parsed.params, salt: flip(parsed.salt), key: parsed.key},
		"memory":    {params: Params{Memory: 72, Time: 1, Threads: 1}, salt: parsed.salt, key: parsed.key},
		"time":      {params: Params{Memory: 64, Time: 2, Threads: 1}, salt: parsed.salt, key: parsed.key},
		"short key": {params: parsed.params, salt: parsed.salt, key: parsed.key[:16]},
	}
	for name, p := range tampered {
		ok, err := VerifyPassword(pw, p.String())
		if err != nil || ok {
			t.Errorf("VerifyPassword with tampered %s = %v, %v; want false, nil", name, ok, err)
		}
	}
}

func TestVerifyMalformed(t *testing.T) {
	valid := refPHC
	malformed := []string{
		"",
		"password",
		strings.Replace(valid, "argon2id", "argon2i", 1),
		strings.Replace(valid, "argon2id", "argon2d", 1),
		strings.Replace(valid, "v=19", "v=16", 1),
		strings.Replace(valid, "$v=19", "", 1),
		strings.Replace(valid, "m=65536,t=2,p=1", "t=2,m=65536,p=1", 1),
		strings.Replace(valid, "m=65536", "m=065536", 1),
		strings.Replace(valid, "m=65536", "m=+65536", 1),
		strings.Replace(valid, "m=65536", "m=", 1),
		strings.Replace(valid, "m=65536", "m=4", 1),          // less than 8 × p
		strings.Replace(valid, "m=65536", "m=4294967296", 1), // overflows uint32
		strings.Replace(valid, "m=65536", "m=2097153", 1),    // over MaxMemory
		strings.Replace(valid, "t=2", "t=0", 1),
		strings.Replace(valid, "t=2", "t=101", 1),
		strings.Replace(valid, "p=1", "p=0", 1),
		strings.Replace(valid, "p=1", "p=256", 1),
		strings.Replace(valid, "p=1", "p=1,data=abc", 1),
		strings.Replace(valid, "c29tZXNhbHQ", "c29tZXNhbHQ=", 1), // padded
		strings.Replace(valid, "c29tZXNhbHQ", "c29tZXNhbHR", 1),  // stray bits
		strings.Replace(valid, "c29tZXNhbHQ", "c29tZX\nNhbHQ", 1),
		strings.Replace(valid, "c29tZXNhbHQ", "c29tZXNh", 1), // 6-byte salt
		strings.Replace(valid, "c29tZXNhbHQ", "c29t-XNhbHQ", 1),
		valid[:len(valid)-23], // a 15-byte hash, under the 16-byte minimum
		valid + "$",
		valid + "\n",
		" " + valid,
	}
	for _, s := range malformed {
		ok, err := VerifyPassword("password", s)
		if ok || !errors.Is(err, ErrMalformedHash) {
			t.Errorf("VerifyPassword(%q) = %v, %v; want false, ErrMalformedHash", s, ok, err)
		}
		if !NeedsRehash(s, DefaultParams) {
			t.Errorf("NeedsRehash(%q) = false for a malformed hash", s)
		}
	}
}

func TestNeedsRehash(t *testing.T) {
	h, err := HashPassword("correct horse battery staple", TestParams)
	if err != nil {
		t.Fatal(err)
	}
	if NeedsRehash(h, TestParams) {
		t.Error("NeedsRehash(same params) = true")
	}
	if !NeedsRehash(h, DefaultParams) {
		t.Error("NeedsRehash(test hash, DefaultParams) = false")
	}
	// The reference vector has an 8-byte salt, not 16, so it needs rehashing even with its
	// own parameters.
	if !NeedsRehash(refPHC, Params{Memory: 65536, Time: 2, Threads: 1}) {
		t.Error("NeedsRehash(8-byte salt) = false")
	}
}

func FuzzParsePHC(f *testing.F) {
	f.Add(refPHC)
	f.Add("$argon2id$v=19$m=64,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("$argon2id$v=19$m=65536,t=3,p=2$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc")
	f.Add("$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA")
	f.Add("$argon2id$v=19$m=0065536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc")
	f.Add("$argon2id$v=19$m=65536,t=2,p=1$c29tZX\r\nNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc")
	f.Add("$argon2id$v=19$$$")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := parsePHC(s)
		if err != nil {
			if !errors.Is(err, ErrMalformedHash) {
				t.Fatalf("parsePHC(%q) error %v does not wrap ErrMalformedHash", s, err)
			}
			return
		}
		if got := h.String(); got != s {
			t.Fatalf("parsePHC(%q) re-encodes as %q", s, got)
		}
		if err := h.params.validate(); err != nil {
			t.Fatalf("parsePHC(%q) accepted params that fail validate: %v", s, err)
		}
	})
}
