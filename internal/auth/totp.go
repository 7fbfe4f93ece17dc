package auth

import (
	"encoding/base32"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
)

// TOTP settings: what authenticator apps assume when an otpauth URL says nothing else.
const (
	TOTPPeriod = 30 * time.Second
	TOTPDigits = 6
)

// totpSecretBytes is the size of new TOTP secrets: 160 bits, as RFC 4226 section 4
// recommends. minTOTPSecretBytes is its floor of 128 bits.
const (
	totpSecretBytes    = 20
	minTOTPSecretBytes = 16
)

// NewTOTPSecret makes a random 160-bit TOTP secret for account at issuer. It returns the
// secret in unpadded base32, to be stored and passed to ValidateTOTP, and the otpauth://
// URL to show as a QR code, which asks for SHA-1, 6 digits and a 30-second period.
// Neither issuer nor account may be empty or contain a colon, which separates them in the
// URL's label.
func NewTOTPSecret(issuer, account string) (secret, otpauthURL string, err error) {
	for _, s := range []string{issuer, account} {
		if s == "" || strings.Contains(s, ":") {
			return "", "", errors.New("new totp secret: issuer and account must be non-empty and contain no colon")
		}
	}
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer:      issuer,
		AccountName: account,
		Period:      uint(TOTPPeriod / time.Second),
		SecretSize:  totpSecretBytes,
		Digits:      otp.Digits(TOTPDigits),
		Algorithm:   otp.AlgorithmSHA1,
	})
	if err != nil {
		return "", "", fmt.Errorf("new totp secret: %w", err)
	}
	return key.Secret(), key.URL(), nil
}

// TOTPStep returns the RFC 6238 time step that contains now: the number of whole
// 30-second periods since the Unix epoch.
func TOTPStep(now time.Time) int64 {
	return floorDiv(now.Unix(), int64(TOTPPeriod/time.Second))
}

// CheckTOTP reports whether code is the 6-digit code for secret at now, or at the step
// just before or after it, to allow for clock skew and typing time. Spaces in code are
// ignored. An empty or malformed secret, or one shorter than 128 bits, never matches.
//
// CheckTOTP does not stop replays: sign-in uses ValidateTOTP.
func CheckTOTP(secret, code string, now time.Time) bool {
	_, ok := ValidateTOTP(secret, code, now, math.MinInt64)
	return ok
}

// ValidateTOTP is CheckTOTP with replay protection. It accepts code only for a step later
// than lastStep, the step it returned at the last successful sign-in (0 if there was
// none), and returns the step the code matched, which the caller MUST store as the new
// lastStep. Storing it MUST be a compare-and-set on the old value, so that two requests
// racing with the same code cannot both succeed. When the code matches more than one
// step, the earliest allowed step is returned.
func ValidateTOTP(secret, code string, now time.Time, lastStep int64) (step int64, ok bool) {
	return validateTOTP(secret, code, now, lastStep, otp.Digits(TOTPDigits))
}

// validateTOTP is ValidateTOTP for any number of digits, so that tests can run the RFC
// 6238 vectors, which have 8, through the code that sign-in uses.
func validateTOTP(secret, code string, now time.Time, lastStep int64, digits otp.Digits) (int64, bool) {
	code = strings.ReplaceAll(code, " ", "")
	if len(code) != digits.Length() || strings.Trim(code, "0123456789") != "" {
		return 0, false
	}
	if !totpSecretOK(secret) {
		return 0, false
	}
	opts := hotp.ValidateOpts{Digits: digits, Algorithm: otp.AlgorithmSHA1}
	cur := TOTPStep(now)
	for s := cur - 1; s <= cur+1; s++ {
		if s <= lastStep || s < 0 {
			continue
		}
		match, err := hotp.ValidateCustom(code, uint64(s), secret, opts)
		if err != nil {
			return 0, false
		}
		if match {
			return s, true
		}
	}
	return 0, false
}

// totpSecretOK reports whether secret decodes, as the otp library decodes it, to at least
// 128 bits. The library would otherwise accept an empty key, whose codes anyone can
// compute.
func totpSecretOK(secret string) bool {
	s := strings.ToUpper(strings.TrimSpace(secret))
	if n := len(s) % 8; n != 0 {
		s += strings.Repeat("=", 8-n)
	}
	b, err := base32.StdEncoding.DecodeString(s)
	return err == nil && len(b) >= minTOTPSecretBytes
}

// floorDiv divides rounding towards minus infinity, so that steps before 1970 stay apart.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
