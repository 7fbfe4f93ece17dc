package app_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
)

// TestIncidentSMS reports incidents by SMS: a good message stores the observer's incident
// at their station with its short codes read and the narrative kept as typed, and the
// reply gives its reference in the observer's language; a resend stores nothing new;
// bad messages, another observer's code, a shared phone without PIN and an unknown
// number get a reply that says why, and store nothing.
func TestIncidentSMS(t *testing.T) {
	a := openSMSApp(t)
	newSMSApp(t, a, "sms-mn", "")
	newSMSApp(t, a, "sms-en", "en")
	const (
		bold   = "+97600000001" // 1001, UB-001
		shared = "+97600000099" // 1003 (PIN 1111, DA-001) and 1004 (PIN 2222, UB-003 and DA-002)
	)
	sys := app.SystemContext(context.Background())
	count := func(election string) int {
		t.Helper()
		all, err := a.IncidentRecords(sys, election)
		if err != nil {
			t.Fatal(err)
		}
		return len(all)
	}
	base := time.Now().UTC().Truncate(time.Second)
	n := 0
	send := func(election, from, text string) string {
		t.Helper()
		n++
		r, err := a.ReceiveMessage(context.Background(), election, app.InboundMessage{Transport: "sms", From: from, Text: text,
			Gateway: "cli", GatewayID: election + "-" + text, Received: base.Add(time.Duration(n) * time.Second)})
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		return r.Text
	}
	ref := regexp.MustCompile(`^Incident ([0-9A-F]{8}) received \(Vote buying\)\. Thank you\.$`)
	got := send("sms-en", bold, "INC 1001 VB H Cash handed out at the gate @ 10:40")
	m := ref.FindStringSubmatch(got)
	if m == nil {
		t.Fatalf("reply %q", got)
	}
	all, _ := a.IncidentRecords(sys, "sms-en")
	if len(all) != 1 {
		t.Fatalf("%d incidents", len(all))
	}
	in := all[0]
	if !strings.HasPrefix(strings.ToUpper(in.ID), m[1]) || in.Source != iltod.SourceObserver || in.Trust != iltod.TrustMedium ||
		in.Reporter != "1001" || in.Place.Station != "UB-001" || in.Category != "election.vote_buying" || in.Severity != "high" ||
		in.Narrative != "Cash handed out at the gate @ 10:40" || !in.Start.Equal(base.Add(time.Second)) {
		t.Errorf("stored %+v", in)
	}
	if again := send("sms-en", bold, "inc 1001 vb h Cash handed out at the gate @ 10:40"); again != got || count("sms-en") != 1 {
		t.Errorf("resent: %q, %d incidents", again, count("sms-en"))
	}
	// Cyrillic look-alikes in the codes, the default severity, a shared phone with PIN
	// and a station named by its number.
	if got := send("sms-mn", shared, "ИНЦ"); !strings.Contains(got, "EP") {
		t.Errorf("a keyword that is not INC is a form's message: %q", got)
	}
	got = send("sms-mn", shared, "INC 1004 2222 #2 МС Сэтгүүлчийг баривчилсан")
	if !strings.Contains(got, "зөрчлийг хүлээн авлаа") {
		t.Errorf("Mongolian reply %q", got)
	}
	mn, _ := a.IncidentRecords(sys, "sms-mn")
	if len(mn) != 1 || mn[0].Category != "freedoms.media_closed" || mn[0].Severity != "medium" || mn[0].Place.Station != "DA-002" ||
		mn[0].Reporter != "1004" || mn[0].Narrative != "Сэтгүүлчийг баривчилсан" {
		t.Errorf("stored %+v", mn)
	}

	before := count("sms-en")
	for _, tc := range []struct{ from, text, want string }{
		{bold, "INC 1001", "Add a category code after your code"},
		{bold, "INC 1001 ZZ something", "No category ZZ. Categories: VB IM SR"},
		{bold, "INC 1001 VB H", "Say what happened after the category"},
		{bold, "INC 1002 VB taken", "Code 1002 is not registered to this phone."},
		{shared, "INC 1003 VB taken", "This phone is shared"},
		{shared, "INC 1004 2222 VB taken", "Add your station: #2 #3"},
		{shared, "INC 1004 2222 #1 VB taken", "#1 is not your station"},
		{"+97699999999", "INC 1001 VB taken", "Энэ дугаар бүртгэлгүй"},
	} {
		if got := send("sms-en", tc.from, tc.text); !strings.Contains(got, tc.want) {
			t.Errorf("%q: reply %q, want %q", tc.text, got, tc.want)
		}
	}
	if count("sms-en") != before {
		t.Errorf("refused messages stored incidents: %d, was %d", count("sms-en"), before)
	}
}
