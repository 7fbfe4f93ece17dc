package auth

import (
	"encoding/base32"
	"math"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// rfcSecret is the SHA-1 seed of RFC 6238 Appendix B, the ASCII string
// "12345678901234567890", in base32.
var rfcSecret = base32.StdEncoding.EncodeToString([]byte("12345678901234567890"))

// rfcVectors are the SHA-1 rows of RFC 6238 Appendix B: Unix time, step (T, in hex in the
// RFC) and the 8-digit code.
var rfcVectors = []struct {
	unix int64
	step int64
	code string
}{
	{59, 0x1, "94287082"},
	{1111111109, 0x23523EC, "07081804"},
	{1111111111, 0x23523ED, "14050471"},
	{1234567890, 0x273EF07, "89005924"},
	{2000000000, 0x3F940AA, "69279037"},
	{20000000000, 0x27BC86AA, "65353130"},
}

func TestRFC6238Vectors(t *testing.T) {
	if rfcSecret != "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" {
		t.Fatalf("rfcSecret = %s", rfcSecret)
	}
	eight := totp.ValidateOpts{Digits: otp.DigitsEight, Algorithm: otp.AlgorithmSHA1}
	for _, v := range rfcVectors {
		now := time.Unix(v.unix, 0)
		if got := TOTPStep(now); got != v.step {
			t.Errorf("TOTPStep(%d) = %#x, want %#x", v.unix, got, v.step)
		}
		// The library, as the RFC's reference code would compute it.
		if got, err := totp.GenerateCodeCustom(rfcSecret, now, eight); err != nil || got != v.code {
			t.Errorf("GenerateCodeCustom(%d) = %q, %v; want %q", v.unix, got, err, v.code)
		}
		// Our validation path with 8 digits: matches at the right step, and not at all
		// two steps later.
		if step, ok := validateTOTP(rfcSecret, v.code, now, math.MinInt64, otp.DigitsEight); !ok || step != v.step {
			t.Errorf("validateTOTP(%d, %s) = %#x, %v; want %#x, true", v.unix, v.code, step, ok, v.step)
		}
		if _, ok := validateTOTP(rfcSecret, v.code, now.Add(2*TOTPPeriod), math.MinInt64, otp.DigitsEight); ok {
			t.Errorf("validateTOTP(%d+60s, %s) accepted a code two steps old", v.unix, v.code)
		}
		// The 6-digit code is the 8-digit one modulo 10^6 (RFC 4226 section 5.3).
		six := v.code[2:]
		if !CheckTOTP(rfcSecret, six, now) {
			t.Errorf("CheckTOTP(%d, %s) = false", v.unix, six)
		}
		if CheckTOTP(rfcSecret, v.code, now) {
			t.Errorf("CheckTOTP accepted the 8-digit code %s", v.code)
		}
	}
}

func TestCheckTOTPSkew(t *testing.T) {
	// 1111111111 is 1 s into step 0x23523ED, whose 6-digit code is 050471.
	at := time.Unix(1111111111, 0)
	const code = "050471"
	tests := []struct {
		name string
		now  time.Time
		want bool
	}{
		{"same step", at, true},
		{"start of the same step", at.Add(-1 * time.Second), true},
		{"end of the same step", at.Add(28 * time.Second), true},
		{"one step later", at.Add(30 * time.Second), true},
		{"end of one step later", at.Add(58 * time.Second), true},
		{"start of two steps later", at.Add(59 * time.Second), false},
		{"start of one step earlier", at.Add(-31 * time.Second), true},
		{"end of two steps earlier", at.Add(-32 * time.Second), false},
		{"a day later", at.Add(24 * time.Hour), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckTOTP(rfcSecret, code, tt.now); got != tt.want {
				t.Errorf("CheckTOTP at %+ds = %v, want %v", tt.now.Unix()-at.Unix(), got, tt.want)
			}
		})
	}
}

func TestCheckTOTPInput(t *testing.T) {
	at := time.Unix(1111111111, 0)
	short := base32.StdEncoding.EncodeToString([]byte("0123456789")) // 80 bits
	emptyCode, err := totp.GenerateCode("", at)
	if err != nil {
		t.Fatal(err)
	}
	shortCode, err := totp.GenerateCode(short, at)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, secret, code string
		want               bool
	}{
		{"valid", rfcSecret, "050471", true},
		{"spaces ignored", rfcSecret, " 050 471 ", true},
		{"lower-case secret", strings.ToLower(rfcSecret), "050471", true},
		{"wrong code", rfcSecret, "050472", false},
		{"five digits", rfcSecret, "50471", false},
		{"seven digits", rfcSecret, "0050471", false},
		{"letters", rfcSecret, "05047a", false},
		{"sign", rfcSecret, "+50471", false},
		{"empty code", rfcSecret, "", false},
		{"empty secret", "", emptyCode, false},
		{"80-bit secret", short, shortCode, false},
		{"not base32", "not base32!", "050471", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckTOTP(tt.secret, tt.code, at); got != tt.want {
				t.Errorf("CheckTOTP(%q, %q) = %v, want %v", tt.secret, tt.code, got, tt.want)
			}
		})
	}
}

func TestValidateTOTPReplay(t *testing.T) {
	at := time.Unix(1111111111, 0) // step 0x23523ED, code 050471
	step, ok := ValidateTOTP(rfcSecret, "050471", at, 0)
	if !ok || step != 0x23523ED {
		t.Fatalf("first use = %#x, %v; want 0x23523ED, true", step, ok)
	}
	if _, ok := ValidateTOTP(rfcSecret, "050471", at, step); ok {
		t.Error("the same code was accepted twice")
	}
	if _, ok := ValidateTOTP(rfcSecret, "050471", at.Add(TOTPPeriod), step); ok {
		t.Error("the same code was accepted again in the next step, within skew")
	}
	// The code of the step before the one accepted is within skew but older.
	prev, err := totp.GenerateCode(rfcSecret, at.Add(-TOTPPeriod))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ValidateTOTP(rfcSecret, prev, at, step); ok {
		t.Error("a code older than the last accepted one was accepted")
	}
	// The next step's code is fresh.
	next, err := totp.GenerateCode(rfcSecret, at.Add(TOTPPeriod))
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := ValidateTOTP(rfcSecret, next, at.Add(TOTPPeriod), step); !ok || got != step+1 {
		t.Errorf("next step's code = %#x, %v; want %#x, true", got, ok, step+1)
	}
	// A code from the future within skew is accepted and recorded as its own step, so the
	// current step's code cannot be used after it.
	if got, ok := ValidateTOTP(rfcSecret, next, at, 0); !ok || got != step+1 {
		t.Errorf("early code = %#x, %v; want %#x, true", got, ok, step+1)
	}
	if _, ok := ValidateTOTP(rfcSecret, "050471", at, step+1); ok {
		t.Error("a code older than an early accepted one was accepted")
	}
}

func TestNewTOTPSecret(t *testing.T) {
	secret, rawURL, err := NewTOTPSecret("Ил тод", "alice@example.org")
	if err != nil {
		t.Fatal(err)
	}
	b, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil || len(b) != 20 {
		t.Fatalf("secret %q decodes to %d bytes, %v; want 20", secret, len(b), err)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "otpauth" || u.Host != "totp" || u.Path != "/Ил тод:alice@example.org" {
		t.Errorf("URL %s: scheme, host or label wrong", rawURL)
	}
	q := u.Query()
	for k, want := range map[string]string{
		"secret": secret, "issuer": "Ил тод", "algorithm": "SHA1", "digits": "6", "period": "30",
	} {
		if got := q.Get(k); got != want {
			t.Errorf("URL %s: %s = %q, want %q", rawURL, k, got, want)
		}
	}
	now := time.Now()
	code, err := totp.GenerateCode(secret, now)
	if err != nil {
		t.Fatal(err)
	}
	if !CheckTOTP(secret, code, now) {
		t.Error("CheckTOTP refused the current code of a new secret")
	}
	other, _, err := NewTOTPSecret("Ил тод", "alice@example.org")
	if err != nil || other == secret {
		t.Errorf("second secret = %q, %v; want a different one", other, err)
	}

	for _, bad := range [][2]string{{"", "alice"}, {"Ил тод", ""}, {"a:b", "alice"}, {"Ил тод", "al:ice"}} {
		if _, _, err := NewTOTPSecret(bad[0], bad[1]); err == nil {
			t.Errorf("NewTOTPSecret(%q, %q) succeeded", bad[0], bad[1])
		}
	}
}

func TestTOTPStep(t *testing.T) {
	for _, tt := range []struct {
		unix, want int64
	}{{0, 0}, {29, 0}, {30, 1}, {-1, -1}, {-30, -1}, {-31, -2}} {
		if got := TOTPStep(time.Unix(tt.unix, 0)); got != tt.want {
			t.Errorf("TOTPStep(%d) = %d, want %d", tt.unix, got, tt.want)
		}
	}
}
