package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"

	"github.com/iltod/iltod"
)

// Params are the cost parameters of argon2id (RFC 9106).
type Params struct {
	// Memory is the memory cost in KiB. It must be at least 8 × Threads and at most
	// MaxMemory.
	Memory uint32
	// Time is the number of passes over the memory, from 1 to MaxTime.
	Time uint32
	// Threads is the number of lanes computed in parallel; at least 1.
	Threads uint8
}

// DefaultParams are the parameters for new password hashes: 64 MiB and 3 passes as in the
// second of RFC 9106's recommended settings, with 2 lanes rather than 4 to match a 2-core
// server. They cost well over OWASP's minimum for argon2id (19 MiB, 2 passes, 1 lane).
// Each hash or verification holds 64 MiB and a core for a tenth to a few tenths of a
// second (0.12 s to 0.37 s measured on a busy 2-core server), so callers should bound how
// many run at once.
var DefaultParams = Params{Memory: 64 * 1024, Time: 3, Threads: 2}

// TestParams are parameters cheap enough for tests (64 KiB, one pass, one lane). They
// give no protection against guessing and MUST NOT be used outside tests; NeedsRehash
// with DefaultParams reports hashes made with them.
var TestParams = Params{Memory: 64, Time: 1, Threads: 1}

// Limits on the parameters of a hash, whether made here or read back. They keep a corrupt
// or hostile stored hash from tying up the server.
const (
	MaxMemory = 2 * 1024 * 1024 // KiB, that is 2 GiB
	MaxTime   = 100
)

// Password policy. Lengths count runes after NFKC normalisation, so a Mongolian Cyrillic
// letter counts once although UTF-8 spends two bytes on it.
const (
	MinPasswordRunes = 12
	MaxPasswordBytes = 256
)

// The policy errors that CheckPassword and HashPassword return. Their messages are safe to
// show to the person choosing the password; compare with errors.Is.
var (
	ErrPasswordTooShort = policyError("password must have at least 12 characters")
	ErrPasswordTooLong  = policyError("password must be at most 256 bytes long")
	ErrPasswordNotUTF8  = policyError("password must be valid UTF-8 text")
	ErrPasswordRepeated = policyError("password must not be a single character repeated")
)

func policyError(msg string) *iltod.Error {
	return &iltod.Error{Code: iltod.EInvalid, Message: msg}
}

// ErrMalformedHash is wrapped by the errors that VerifyPassword returns for a stored hash
// it cannot read. Such an error means corrupt data, never a wrong password.
var ErrMalformedHash = errors.New("malformed password hash")

// Sizes of the salt and the key in new hashes. Stored hashes may use other sizes within
// the bounds below; NeedsRehash reports them.
const (
	saltLen    = 16
	keyLen     = 32
	minSaltLen = 8 // RFC 9106 section 3.1
	maxSaltLen = 64
	minKeyLen  = 16
	maxKeyLen  = 64
)

// CheckPassword reports whether pw may be chosen as a password. It returns nil, or one of
// ErrPasswordTooLong (more than MaxPasswordBytes bytes), ErrPasswordNotUTF8,
// ErrPasswordTooShort (fewer than MinPasswordRunes runes once normalised) or
// ErrPasswordRepeated (one rune repeated). Spaces count like any other character.
func CheckPassword(pw string) error {
	if len(pw) > MaxPasswordBytes {
		return ErrPasswordTooLong
	}
	if !utf8.ValidString(pw) {
		return ErrPasswordNotUTF8
	}
	pw = norm.NFKC.String(pw)
	if utf8.RuneCountInString(pw) < MinPasswordRunes {
		return ErrPasswordTooShort
	}
	first, _ := utf8.DecodeRuneInString(pw)
	if strings.Trim(pw, string(first)) == "" {
		return ErrPasswordRepeated
	}
	return nil
}

// HashPassword returns the argon2id hash of pw as a PHC string,
//
//	$argon2id$v=19$m=65536,t=3,p=2$<salt>$<key>
//
// with a fresh 16-byte random salt, a 32-byte key, and both in unpadded standard base64.
// The password is normalised to NFKC first, so that the same text typed on different
// keyboards hashes alike. HashPassword returns CheckPassword's error for a password the
// policy refuses, and an error if p is out of bounds. It is safe for concurrent use.
func HashPassword(pw string, p Params) (string, error) {
	if err := CheckPassword(pw); err != nil {
		return "", err
	}
	if err := p.validate(); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	h := argonHash{params: p, salt: salt}
	h.key = h.derive(pw, keyLen)
	return h.String(), nil
}

// VerifyPassword reports whether pw is the password that the PHC string phc was made
// from, comparing the keys in constant time. A wrong password gives false and a nil
// error; a phc that is not an argon2id v19 PHC string with parameters in bounds gives an
// error wrapping ErrMalformedHash. A password that HashPassword would refuse for its
// length or encoding gives false without computing a hash.
//
// The time VerifyPassword takes tells whether the account exists, unless the caller
// spends the same time for unknown accounts: verify against a hash made once at start-up
// with the same Params. VerifyPassword is safe for concurrent use.
func VerifyPassword(pw, phc string) (ok bool, err error) {
	h, err := parsePHC(phc)
	if err != nil {
		return false, err
	}
	if len(pw) > MaxPasswordBytes || !utf8.ValidString(pw) {
		return false, nil
	}
	key := h.derive(pw, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(key, h.key) == 1, nil
}

// NeedsRehash reports whether the hash phc should be replaced by a new one made with p:
// because it cannot be read, its parameters differ from p, or its salt or key length
// differs from what HashPassword makes. Callers rehash right after a successful
// VerifyPassword, while they hold the password; if HashPassword refuses it under a policy
// stricter than when it was chosen, they keep the old hash and may ask for a new password.
func NeedsRehash(phc string, p Params) bool {
	h, err := parsePHC(phc)
	if err != nil {
		return true
	}
	return h.params != p || len(h.salt) != saltLen || len(h.key) != keyLen
}

func (p Params) validate() error {
	switch {
	case p.Threads < 1:
		return errors.New("argon2 threads must be at least 1")
	case p.Time < 1 || p.Time > MaxTime:
		return fmt.Errorf("argon2 time must be from 1 to %d", MaxTime)
	case p.Memory < 8*uint32(p.Threads) || p.Memory > MaxMemory:
		return fmt.Errorf("argon2 memory must be from 8×threads to %d KiB", MaxMemory)
	}
	return nil
}

// argonHash is a parsed argon2id PHC string.
type argonHash struct {
	params    Params
	salt, key []byte
}

const phcPrefix = "$argon2id$v=19$"

// b64 is the PHC strings' base64: standard alphabet, no padding, and no stray bits.
var b64 = base64.RawStdEncoding.Strict()

func (h argonHash) String() string {
	return fmt.Sprintf("%sm=%d,t=%d,p=%d$%s$%s", phcPrefix, h.params.Memory, h.params.Time,
		h.params.Threads, b64.EncodeToString(h.salt), b64.EncodeToString(h.key))
}

func (h argonHash) derive(pw string, n uint32) []byte {
	return argon2.IDKey([]byte(norm.NFKC.String(pw)), h.salt, h.params.Time, h.params.Memory,
		h.params.Threads, n)
}

// parsePHC parses s strictly: the fields in the order String writes them, decimal numbers
// without leading zeros, and base64 without padding, line breaks or stray bits, so that
// whatever it accepts String writes back byte for byte.
func parsePHC(s string) (argonHash, error) {
	bad := func(why string) (argonHash, error) {
		return argonHash{}, fmt.Errorf("%w: %s", ErrMalformedHash, why)
	}
	rest, ok := strings.CutPrefix(s, phcPrefix)
	if !ok {
		switch {
		case strings.HasPrefix(s, "$argon2id$v="):
			return bad("unsupported argon2 version")
		case strings.HasPrefix(s, "$argon2"):
			return bad("not argon2id")
		}
		return bad("not an argon2id PHC string")
	}
	fields := strings.Split(rest, "$")
	if len(fields) != 3 {
		return bad("want parameters, salt and hash")
	}
	var h argonHash
	var m, t, p uint64
	params := strings.Split(fields[0], ",")
	if len(params) != 3 {
		return bad("want parameters m, t and p")
	}
	for i, f := range []struct {
		name  string
		dst   *uint64
		limit uint64
	}{{"m=", &m, MaxMemory}, {"t=", &t, MaxTime}, {"p=", &p, 255}} {
		v, ok := strings.CutPrefix(params[i], f.name)
		if !ok {
			return bad("want parameters m, t and p in that order")
		}
		n, ok := parseDecimal(v)
		if !ok || n > f.limit {
			return bad("parameter " + f.name[:1] + " out of range")
		}
		*f.dst = n
	}
	h.params = Params{Memory: uint32(m), Time: uint32(t), Threads: uint8(p)}
	if err := h.params.validate(); err != nil {
		return bad(err.Error())
	}
	var err error
	if h.salt, err = decodeB64(fields[1]); err != nil {
		return bad("salt: " + err.Error())
	}
	if len(h.salt) < minSaltLen || len(h.salt) > maxSaltLen {
		return bad("salt length out of range")
	}
	if h.key, err = decodeB64(fields[2]); err != nil {
		return bad("hash: " + err.Error())
	}
	if len(h.key) < minKeyLen || len(h.key) > maxKeyLen {
		return bad("hash length out of range")
	}
	return h, nil
}

// parseDecimal parses a canonical unsigned decimal: digits only, no leading zero.
func parseDecimal(s string) (uint64, bool) {
	if s == "" || len(s) > 10 || (s[0] == '0' && len(s) > 1) {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil
}

// decodeB64 decodes unpadded standard base64, refusing the line breaks that the
// encoding/base64 decoder would otherwise skip.
func decodeB64(s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/') {
			return nil, errors.New("invalid base64")
		}
	}
	b, err := b64.DecodeString(s)
	if err != nil {
		return nil, errors.New("invalid base64")
	}
	return b, nil
}
