package app_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/auth"
	"github.com/iltod/iltod/internal/sqlstore"
	"github.com/pquerna/otp/totp"
)

// TestSignInAcrossInstances runs two apps over one store, as two server instances: a
// TOTP code that signed in on one is refused on the other, and failed attempts on one
// count against the login's limit on the other.
func TestSignInAcrossInstances(t *testing.T) {
	ctx := context.Background()
	store, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "iltod.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	var apps [2]*app.App
	for i := range apps {
		apps[i] = app.New(store, nil)
		apps[i].SetPasswordParams(auth.TestParams)
		apps[i].SetClock(clock)
		defer apps[i].Close()
	}
	const pw = "a long enough password for the test"
	secret, _, err := apps[0].CreateStaff(app.SystemContext(ctx), app.NewStaff{Login: "ops", Name: "Ops", Role: app.RoleAdmin, Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	code, err := totp.GenerateCode(secret, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := apps[0].SignIn(ctx, "ops", pw, code, "192.0.2.1"); err != nil {
		t.Fatalf("sign-in on the first instance: %v", err)
	}
	if _, err := apps[1].SignIn(ctx, "ops", pw, code, "192.0.2.2"); iltod.ErrorCodeOf(err) != iltod.EUnauthorized {
		t.Fatalf("the same code on the second instance: %v, want it refused", err)
	}
	// A later code signs in on the second instance.
	now = now.Add(30 * time.Second)
	code, _ = totp.GenerateCode(secret, now)
	if _, err := apps[1].SignIn(ctx, "ops", pw, code, "192.0.2.2"); err != nil {
		t.Fatalf("a new code on the second instance: %v", err)
	}

	// LoginBurst wrong passwords spread over both instances exhaust the login's bucket.
	for i := range auth.LoginBurst {
		if _, err := apps[i%2].SignIn(ctx, "ops", "wrong password", code, "198.51.100.7"); iltod.ErrorCodeOf(err) != iltod.EUnauthorized {
			t.Fatalf("wrong password %d: %v", i+1, err)
		}
	}
	for _, a := range apps {
		if _, err := a.SignIn(ctx, "ops", pw, code, "198.51.100.8"); iltod.ErrorCodeOf(err) != iltod.ERateLimited {
			t.Errorf("after %d failures across instances: %v, want rate limited", auth.LoginBurst, err)
		}
	}
}
