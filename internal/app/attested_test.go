package app_test

import (
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
)

// TestClerkResendAcrossSeconds: a clerk's form sent again later, with the same report
// id, is a duplicate even when the clock has moved on, since the report's time is that
// of its first acceptance; CI once saw a 409 when a reload crossed a second.
func TestClerkResendAcrossSeconds(t *testing.T) {
	a := openSMSApp(t)
	newSMSApp(t, a, "e", "")
	now := time.Date(2024, 6, 28, 14, 0, 0, 0, time.UTC)
	a.SetClock(func() time.Time { return now })
	entry := app.ClerkEntry{Election: "e", Station: "UB-001", Form: "sms-check", Observer: "1001", Medium: "phone", ID: "clerk-resend-0001",
		Answers: map[string]iltod.Value{"AA": iltod.BoolValue(true), "AB": iltod.StrValue("2"), "BA": iltod.IntValue(300)}}
	first, err := a.ClerkSubmit(as(app.RoleClerk), entry)
	if err != nil || first.Err != nil {
		t.Fatalf("first entry: %v %v", err, first.Err)
	}
	now = now.Add(3 * time.Second)
	again, err := a.ClerkSubmit(as(app.RoleClerk), entry)
	if err != nil || again.Err != nil {
		t.Fatalf("the same entry three seconds later: %v %v", err, again.Err)
	}
	if again.Receipt == nil || !again.Receipt.Duplicate {
		t.Errorf("the resend is not a duplicate: %+v", again)
	}
	// Other answers under the same id are still refused.
	entry.Answers["BA"] = iltod.IntValue(301)
	other, err := a.ClerkSubmit(as(app.RoleClerk), entry)
	if code := iltod.ErrorCodeOf(err); err == nil {
		code = iltod.ErrorCodeOf(other.Err)
		if code != iltod.EConflict {
			t.Errorf("other answers under the same id: %+v", other)
		}
	} else if code != iltod.EConflict {
		t.Errorf("other answers under the same id: %v", err)
	}
}
