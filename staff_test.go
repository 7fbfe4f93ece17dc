package iltod_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/iltod/iltod"
)

// loginRe is the definition of a login that ValidLogin writes out as a loop.
var loginRe = regexp.MustCompile(`^[a-z0-9._-]{3,64}$`)

func TestValidLogin(t *testing.T) {
	for _, s := range []string{"", "ab", "abc", "a.b", "a-b_c.d", "007", "...", "Abc", "ab c", "ab/c", "ab\x00",
		"болд", strings.Repeat("a", 64), strings.Repeat("a", 65), "a+b", "a@b"} {
		if got, want := iltod.ValidLogin(s), loginRe.MatchString(s); got != want {
			t.Errorf("ValidLogin(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestValidRole(t *testing.T) {
	for _, r := range []string{iltod.RoleAdmin, iltod.RoleCoordinator, iltod.RoleAnalyst, iltod.RoleReviewer, iltod.RoleClerk} {
		if !iltod.ValidRole(r) {
			t.Errorf("ValidRole(%q) = false", r)
		}
	}
	for _, r := range []string{"", "Admin", "root", "admin "} {
		if iltod.ValidRole(r) {
			t.Errorf("ValidRole(%q) = true", r)
		}
	}
}

func TestStaffAccountValidate(t *testing.T) {
	ok := iltod.StaffAccount{Login: "bold.b", Name: "Болд Б.", Role: iltod.RoleCoordinator, Areas: []string{"UB", "MN", "UB"},
		PasswordHash: "$argon2id$v=19$m=65536,t=3,p=2$c2FsdA$aGFzaA"}
	if err := ok.Validate(); err != nil {
		t.Errorf("a good account: %v", err)
	}
	bad := iltod.StaffAccount{Login: "Bo", Name: "two\nlines", Role: "root", Areas: []string{"MN"},
		PasswordHash: "secret\x00hash", TOTPSecret: strings.Repeat("A", iltod.MaxTOTPSecretLen+1)}
	err := bad.Validate()
	want := "6 problems:\n" +
		"login: \"Bo\" is not a valid login: 3 to 64 lower-case letters, digits, '.', '-' or '_'\n" +
		"name: contains the control character U+000A\n" +
		"role: \"root\" is not a role: admin, coordinator, analyst, reviewer or clerk\n" +
		"areas: only a coordinator is limited to areas; a root has access to every area\n" +
		"password_hash: contains the control character U+0000\n" +
		"totp_secret: is 257 characters long; at most 256 are allowed"
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
	if iltod.ErrorCodeOf(err) != iltod.EInvalid {
		t.Errorf("the code of %v is %s", err, iltod.ErrorCodeOf(err))
	}
	var empty iltod.StaffAccount
	want = "3 problems:\nlogin: is required\nname: is required\nrole: is required: admin, coordinator, analyst, reviewer or clerk"
	if err := empty.Validate(); err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
	areas := iltod.StaffAccount{Login: "bold", Name: "Bold", Role: iltod.RoleCoordinator, Areas: []string{"MN", "UB/BZD", ""}}
	want = "2 problems:\n" +
		"areas[1]: \"UB/BZD\" is not a valid code (1-64 letters, digits, '.' or '-', starting with a letter or digit)\n" +
		"areas[2]: is required"
	if err := areas.Validate(); err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

func TestCheckStaffDetail(t *testing.T) {
	a := iltod.StaffAccount{Login: "bold", PasswordHash: "$argon2id$v=19$m=65536,t=3,p=2$c2FsdHNhbHQ$aGFzaGhhc2g",
		TOTPSecret: "JBSWY3DPEHPK3PXPJBSWY3DP"}
	for _, c := range []struct {
		detail string
		ok     bool
	}{
		{`{"action":"create","actor":"admin","login":"bold","role":"admin"}`, true},
		{`{"login":"bold"}`, true},
		{``, false},
		{`{"login": "bold"}`, false},
		{`{"b":1,"a":2}`, false},
		{`not json`, false},
		{`{"password_hash":"` + a.PasswordHash + `"}`, false},
		{`{"url":"otpauth://totp/iltod:bold?secret=` + a.TOTPSecret + `"}`, false},
	} {
		err := iltod.CheckStaffDetail(a, []byte(c.detail))
		switch {
		case c.ok && err != nil:
			t.Errorf("CheckStaffDetail(%s): %v", c.detail, err)
		case !c.ok && iltod.ErrorCodeOf(err) != iltod.EInvalid:
			t.Errorf("CheckStaffDetail(%s) = %v, want EInvalid", c.detail, err)
		case err != nil && (strings.Contains(iltod.ErrorMessageOf(err), a.PasswordHash) || strings.Contains(iltod.ErrorMessageOf(err), a.TOTPSecret)):
			t.Errorf("the message of CheckStaffDetail(%s) repeats a secret: %v", c.detail, err)
		}
	}
	// A short secret is not looked for: it could match any detail by chance.
	short := iltod.StaffAccount{Login: "bold", TOTPSecret: "bold"}
	if err := iltod.CheckStaffDetail(short, []byte(`{"login":"bold"}`)); err != nil {
		t.Errorf("a short secret: %v", err)
	}
}

// TestStaffAccountJSON checks that the secrets never appear in an account's JSON form.
func TestStaffAccountJSON(t *testing.T) {
	a := iltod.StaffAccount{Login: "bold", Name: "Bold", Role: iltod.RoleAdmin, PasswordHash: "$argon2id$secret-hash", TOTPSecret: "TOTPSECRETVALUE"}
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "secret-hash") || strings.Contains(string(b), "TOTPSECRETVALUE") {
		t.Errorf("the JSON of an account holds a secret: %s", b)
	}
	if !strings.Contains(string(b), `"login":"bold"`) {
		t.Errorf("the JSON of an account lacks its login: %s", b)
	}
}

func TestSubjects(t *testing.T) {
	if got := iltod.StaffSubject("bold.b"); got != "staff/bold.b" {
		t.Errorf("StaffSubject = %q", got)
	}
	if got := iltod.SampleSubject(12); got != "sample/12" {
		t.Errorf("SampleSubject = %q", got)
	}
}
