package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/locales"
)

// staffSignIn signs in through an app over the store the flags name, as the console does.
func staffSignIn(t *testing.T, flags []string, login, password, code string) error {
	t.Helper()
	var sc StoreConfig
	fs := newFlagSet(locales.For("en"), "test", io.Discard, "", "")
	sc.register(fs, "")
	if err := fs.Parse(flags); err != nil {
		t.Fatal(err)
	}
	s, err := sc.open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a := app.New(s, nil)
	defer a.Close()
	_, err = a.SignIn(context.Background(), login, password, code, "127.0.0.1")
	return err
}

// TestStaffCommands adds an account, lists it, prints its current TOTP code, and signs in
// with that code through the app; then resets and disables it.
func TestStaffCommands(t *testing.T) {
	const password = "a password long enough"
	for name, flags := range storeArgs(t) {
		t.Run(name, func(t *testing.T) {
			pwFile := filepath.Join(t.TempDir(), "pw")
			if err := os.WriteFile(pwFile, []byte(password+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			staff := func(args ...string) (int, string, string) {
				return iltodCmd(t, append(append([]string{"staff"}, args[:1]...), append(flags, args[1:]...)...)...)
			}
			// No password from a flag, and none at all is a usage error.
			if code, _, _ := staff("add", "-login", "ops", "-name", "Ops", "-role", "admin", "-password", password); code != 2 {
				t.Errorf("-password: exit %d, want 2", code)
			}
			if code, _, _ := staff("add", "-login", "ops", "-name", "Ops", "-role", "admin"); code != 2 {
				t.Errorf("no password: exit %d, want 2", code)
			}
			code, out, errOut := staff("add", "-login", "ops", "-name", "Операц", "-role", "coordinator", "-areas", "MN-AR, MN-UB", "-password-file", pwFile)
			if code != 0 {
				t.Fatalf("add: exit %d: %s", code, errOut)
			}
			m := regexp.MustCompile(`TOTP secret: ([A-Z2-7]+)\notpauth URL: (otpauth://totp/\S+)`).FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("add printed no secret: %s", out)
			}
			secret := m[1]
			if !strings.Contains(m[2], "secret="+secret) {
				t.Errorf("the otpauth URL is not the secret's: %s", m[2])
			}
			if code, _, errOut := staff("add", "-login", "ops", "-name", "Again", "-role", "clerk", "-password-file", pwFile); code != 1 {
				t.Errorf("add twice: exit %d: %s", code, errOut)
			}

			code, out, errOut = staff("list")
			if code != 0 || !regexp.MustCompile(`(?m)^ops +coordinator +MN-AR,MN-UB +active .*Операц$`).MatchString(out) {
				t.Fatalf("list: exit %d: %s%s", code, out, errOut)
			}
			if strings.Contains(out, secret) || strings.Contains(out, "argon2") {
				t.Errorf("list shows a secret: %s", out)
			}

			code, out, errOut = iltodCmd(t, "staff", "code", "-secret", secret)
			totpCode := strings.TrimSpace(out)
			if code != 0 || !regexp.MustCompile(`^[0-9]{6}$`).MatchString(totpCode) {
				t.Fatalf("code: exit %d: %q %s", code, out, errOut)
			}
			if err := staffSignIn(t, flags, "ops", password, totpCode); err != nil {
				t.Fatalf("sign in with the printed code: %v", err)
			}
			if err := staffSignIn(t, flags, "ops", "not the password", totpCode); iltod.ErrorCodeOf(err) != iltod.EUnauthorized {
				t.Errorf("a wrong password with the code: %v", err)
			}

			// A new password from standard input and a new second factor.
			staffStdin = strings.NewReader("another long password\n")
			defer func() { staffStdin = os.Stdin }()
			code, out, errOut = staff("reset", "-login", "ops", "-password-file", "-", "-totp")
			m2 := regexp.MustCompile(`TOTP secret: ([A-Z2-7]+)`).FindStringSubmatch(out)
			if code != 0 || m2 == nil || m2[1] == secret {
				t.Fatalf("reset: exit %d: %s%s", code, out, errOut)
			}
			if code, _, _ := staff("reset", "-login", "ops"); code != 2 {
				t.Errorf("reset with nothing to reset: exit %d, want 2", code)
			}

			if code, _, errOut := staff("disable", "-login", "ops"); code != 0 {
				t.Fatalf("disable: exit %d: %s", code, errOut)
			}
			_, out, _ = staff("list")
			if !regexp.MustCompile(`(?m)^ops .* disabled `).MatchString(out) {
				t.Errorf("list after disable: %s", out)
			}
			_, out, _ = iltodCmd(t, "staff", "code", "-secret", m2[1])
			if err := staffSignIn(t, flags, "ops", "another long password", strings.TrimSpace(out)); iltod.ErrorCodeOf(err) != iltod.EUnauthorized {
				t.Errorf("a disabled account signed in: %v", err)
			}
			if code, _, errOut := staff("enable", "-login", "ops"); code != 0 {
				t.Errorf("enable: exit %d: %s", code, errOut)
			}
			if code, _, _ := staff("disable", "-login", "nobody"); code != 1 {
				t.Errorf("disable an unknown account: exit %d, want 1", code)
			}
		})
	}
	if code, _, _ := iltodCmd(t, "staff"); code != 2 {
		t.Errorf("staff alone: exit %d, want 2", code)
	}
	if code, _, _ := iltodCmd(t, "staff", "code", "-secret", "not base32!"); code != 2 {
		t.Errorf("a bad secret: exit %d, want 2", code)
	}
}
