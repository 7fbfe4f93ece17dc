package app_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/internal/sms"
	"github.com/iltod/iltod/internal/sqlstore"
)

// smsForm is the form of issue 14's example, "EP 4821 AA1 AB2 BA350": a results form
// whose BA counts the ballots in the box, at most 320 at any station.
func smsForm() iltod.Form {
	i64 := func(v int64) *int64 { return &v }
	opts := func(codes ...string) []iltod.Option {
		var o []iltod.Option
		for _, c := range codes {
			o = append(o, iltod.Option{Code: c, Label: iltod.Text{"mn": "Сонголт " + c, "en": "Option " + c}})
		}
		return o
	}
	l := func(en string) iltod.Text { return iltod.Text{"mn": "Асуулт " + en, "en": en} }
	return iltod.Form{Code: "sms-check", Version: 1, Kind: iltod.Results, SMSPrefix: "EP", Name: l("SMS check"),
		Questions: []iltod.Question{
			{Tag: "AA", Type: iltod.YesNo, Required: true, Label: l("Opened on time?")},
			{Tag: "AB", Type: iltod.SelectOne, Required: true, Options: opts("1", "2", "3"), Label: l("Queue")},
			{Tag: "BA", Type: iltod.Integer, Required: true, Min: i64(0), Max: i64(320), Count: iltod.CountCast, Label: l("Ballots in the box")},
			{Tag: "TM", Type: iltod.TimeOfDay, Label: l("Closed at")},
			{Tag: "AD", Type: iltod.SelectMultiple, Options: opts("1", "2", "3", "4"), Label: l("Problems")},
			{Tag: "PX", Type: iltod.Integer, NotApplicable: true, Min: i64(0), Label: l("Mobile box")},
			{Tag: "KX", Type: iltod.TextAnswer, Label: l("Comment")},
		}}
}

// newSMSApp returns an app holding the documented example as election id, with the SMS
// form added, observers 1003 and 1004 sharing +97600000099 with PINs, and every
// observer's language lang ("" for the election's first, mn).
func newSMSApp(t testing.TB, a *app.App, id, lang string) {
	t.Helper()
	p, err := electionpkg.ReadDir("../../docs/example")
	if err != nil {
		t.Fatal(err)
	}
	p.Election.ID = id
	p.Forms = append(p.Forms, smsForm())
	for i := range p.Observers {
		o := &p.Observers[i]
		o.Lang = lang
		switch o.Code {
		case "1003":
			o.Phones, o.PIN = []string{"+97600000099"}, "1111"
		case "1004":
			o.Phones, o.PIN = []string{"+97600000099"}, "2222"
		}
	}
	if err := a.LoadPackage(app.SystemContext(context.Background()), p, false); err != nil {
		t.Fatal(err)
	}
}

func openSMSApp(t testing.TB) *app.App {
	t.Helper()
	store, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "iltod.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	a := app.New(store, nil)
	t.Cleanup(func() { a.Close() })
	return a
}

// TestReceiveMessageReplies sends Latin, Cyrillic and mixed-script messages, right and
// wrong, and checks the exact reply to each, in Mongolian (the election's first
// language) and in English (the observers' lang): {R} stands for the receipt code.
// Every reply fits one SMS without being cut.
func TestReceiveMessageReplies(t *testing.T) {
	a := openSMSApp(t)
	newSMSApp(t, a, "sms-mn", "")
	newSMSApp(t, a, "sms-en", "en")
	const (
		bold   = "+97600000001" // 1001, UB-001
		sarnai = "+97600000002" // 1002, UB-002
		shared = "+97600000099" // 1003 (PIN 1111, DA-001) and 1004 (PIN 2222, UB-003 and DA-002)
	)
	tests := []struct {
		name, from, text string
		mn, en           string
		// sameAs names an earlier row whose reply this one must repeat exactly.
		sameAs string
	}{
		{"latin", bold, "EP 1001 AA1 AB2 BA300", "Хүлээн авлаа EP {R}", "OK EP {R}", ""},
		{"cyrillic", sarnai, "ер 1002 аа1 ав2 ва300 тм 0715", "Хүлээн авлаа EP {R}", "OK EP {R}", ""},
		{"mixed script, O and I in numbers, commas", bold, "Eр 1OO1, Аa 1, AB 3,BA 3O1 TM 7:3O", "Хүлээн авлаа EP {R}", "OK EP {R}", ""},
		{"cyrillic T is yes, multiple select, comment", sarnai, "ЕР 1002 АА Т АВ 3 ВА 12 AD1.3 AD4 @ очер урт", "Хүлээн авлаа EP {R}", "OK EP {R}", ""},
		{"cyrillic Ү is no, not applicable", sarnai, "ер 1002 аа ү ав 1 ва 7 рх -", "Хүлээн авлаа EP {R}", "OK EP {R}", ""},
		{"resent: the same report", bold, "EP 1001 AA1 AB2 BA300", "", "", "latin"},
		{"resent with other spacing and script", bold, "ер 1001 аа1  ав2, ва300", "", "", "latin"},
		{"wrong prefix", bold, "XX 1001 AA1", "XX маягт байхгүй. Маягтууд: EP, OP, R", "No form XX. Forms: EP, OP, R", ""},
		{"no prefix", bold, "1001 AA1", "Маягтын үсгээр эхэлнэ үү: EP, OP, R", "Start with the form letter: EP, OP, R", ""},
		{"no observer code", bold, "EP", "Маягтын үсгийн дараа ажиглагчийн кодоо бичнэ үү.", "Write your observer code after the form letter.", ""},
		{"unknown tag", bold, "EP 1001 ZZ5 AA1", "ZZ5: EP маягтад ийм асуулт байхгүй", "ZZ5: no such question in form EP", ""},
		{"out of range", bold, "EP 1001 AA1 AB2 BA350", "BA: 350 > 320 хуудас", "BA: 350 > 320 ballots", ""},
		{"out of range in cyrillic", bold, "ер 1001 аа1 ав2 ва35О", "BA: 350 > 320 хуудас", "BA: 350 > 320 ballots", ""},
		{"missing required", bold, "EP 1001 AA1", "Дутуу: AB BA", "Missing: AB BA", ""},
		{"not a number", bold, "EP 1001 AA1 AB2 BAXYZ", "BA: XYZ тоо биш", "BA: XYZ is not a number", ""},
		{"not yes or no", sarnai, "EP 1002 AA5 AB1 BA1", "AA: 1 (тийм) эсвэл 0 (үгүй) гэж хариулна, 5 биш", "AA: answer 1 (yes) or 0 (no), not 5", ""},
		{"not an option", sarnai, "EP 1002 AA1 AB7 BA1", "AB: 7 сонголт биш (1 2 3)", "AB: 7 is not an option (1 2 3)", ""},
		{"not a time", sarnai, "EP 1002 AA1 AB1 BA1 TM2560", "TM: 2560 цаг биш; ЦЦММ гэж бичнэ үү", "TM: 2560 is not a time; write HHMM", ""},
		{"tag twice", sarnai, "EP 1002 AA1 AA0 AB1 BA1", "AA хоёр удаа бичигдсэн", "AA is given twice", ""},
		{"value missing", sarnai, "EP 1002 AA1 AB1 BA", "BA: утга дутуу байна", "BA: the value is missing", ""},
		{"not applicable not allowed", sarnai, "EP 1002 AA1 AB1 BA -", "BA: - (хамаарахгүй) гэж хариулж болохгүй", "BA: - (not applicable) is not allowed", ""},
		{"another observer's code", bold, "EP 1002 AA1 AB1 BA1", "1002 код энэ утсанд бүртгэлгүй.", "Code 1002 is not registered to this phone.", ""},
		{"shared phone without PIN", shared, "EP 1003 AA1 AB1 BA10", "Энэ утсыг хамтран хэрэглэдэг: кодынхоо дараа ПИН-ээ бичнэ үү.", "This phone is shared: write your PIN after your code.", ""},
		{"shared phone, wrong PIN", shared, "EP 1003 2222 AA1 AB1 BA10", "ПИН буруу байна.", "Wrong PIN.", ""},
		{"shared phone with PIN", shared, "EP 1003 1111 AA1 AB1 BA10", "Хүлээн авлаа EP {R}", "OK EP {R}", ""},
		{"several stations, none named", shared, "ЕР 1004 2222 АА1 АВ1 ВА10", "Хэсгээ бичнэ үү: #2 #3", "Add your station: #2 #3", ""},
		{"several stations, one not theirs", shared, "ЕР 1004 2222 #1 АА1 АВ1 ВА10", "#1 таны хэсэг биш: #2 #3", "#1 is not your station: #2 #3", ""},
		{"several stations, one named", shared, "ЕР 1004 2222 #3 АА1 АВ1 ВА10", "Хүлээн авлаа EP {R}", "OK EP {R}", ""},
		{"unknown number", "+97699999999", "EP 1001 AA1 AB1 BA1", "Энэ дугаар бүртгэлгүй. Зохицуулагчдаа хандана уу.", "Энэ дугаар бүртгэлгүй. Зохицуулагчдаа хандана уу.", ""},
	}
	receipt := regexp.MustCompile(`^[0-9A-F]{8}$`)
	for _, election := range []string{"sms-mn", "sms-en"} {
		got := map[string]string{}
		base := time.Now().UTC()
		for i, tt := range tests {
			in := app.InboundMessage{Transport: "sms", From: tt.from, Text: tt.text, Gateway: "cli",
				GatewayID: election + "-" + tt.name, Received: base.Add(time.Duration(i) * time.Second)}
			r, err := a.ReceiveMessage(context.Background(), election, in)
			if err != nil {
				t.Fatalf("%s %s: %v", election, tt.name, err)
			}
			got[tt.name] = r.Text
			want := tt.mn
			if election == "sms-en" {
				want = tt.en
			}
			if tt.sameAs != "" {
				want = got[tt.sameAs]
			}
			if head, ok := strings.CutSuffix(want, "{R}"); ok && tt.sameAs == "" {
				code, found := strings.CutPrefix(r.Text, head)
				if !found || !receipt.MatchString(code) {
					t.Errorf("%s %s: %q\nreplied %q\nwant    %q", election, tt.name, tt.text, r.Text, want)
				}
			} else if r.Text != want {
				t.Errorf("%s %s: %q\nreplied %q\nwant    %q", election, tt.name, tt.text, r.Text, want)
			}
			if r.To != tt.from {
				t.Errorf("%s %s: reply to %q", election, tt.name, r.To)
			}
			if enc, units := sms.Segment(r.Text); units > sms.Limit(enc) || sms.Fit(r.Text) != r.Text {
				t.Errorf("%s %s: reply %q takes %d %s units", election, tt.name, r.Text, units, enc)
			}
		}
	}

	// What the Cyrillic messages reported, read back from the store.
	ctx := app.SystemContext(context.Background())
	msgs, err := a.ChannelMessages(ctx, "sms-mn", "1002")
	if err != nil {
		t.Fatal(err)
	}
	reports := map[string]iltod.Report{}
	for _, m := range msgs {
		if m.Direction == iltod.MessageIn && m.Report != "" {
			s, err := a.Store().Submission(ctx, "sms-mn", m.Report)
			if err != nil {
				t.Fatal(err)
			}
			if s.Channel != iltod.ChannelSMS || s.Observer != "1002" || s.Report.Station != "UB-002" {
				t.Errorf("submission %s: channel %s observer %s station %s", s.Report.ID, s.Channel, s.Observer, s.Report.Station)
			}
			if strings.Contains(string(s.Envelope), "+976") || strings.Contains(string(s.Envelope), "1002") {
				t.Errorf("the envelope names the phone or the observer: %s", s.Envelope)
			}
			reports[m.Text] = s.Report
		}
	}
	if len(reports) != 3 {
		t.Fatalf("observer 1002 made %d reports, want 3", len(reports))
	}
	check := func(text, tag string, want iltod.Value) {
		t.Helper()
		if v, ok := reports[text].Answers[tag]; !ok || !v.Equal(want) {
			t.Errorf("%q: %s = %v, want %v", text, tag, v, want)
		}
	}
	check("ер 1002 аа1 ав2 ва300 тм 0715", "AA", iltod.BoolValue(true))
	check("ер 1002 аа1 ав2 ва300 тм 0715", "AB", iltod.StrValue("2"))
	check("ер 1002 аа1 ав2 ва300 тм 0715", "BA", iltod.IntValue(300))
	check("ер 1002 аа1 ав2 ва300 тм 0715", "TM", iltod.StrValue("07:15"))
	check("ЕР 1002 АА Т АВ 3 ВА 12 AD1.3 AD4 @ очер урт", "AD", iltod.ListValue([]string{"1", "3", "4"}))
	check("ЕР 1002 АА Т АВ 3 ВА 12 AD1.3 AD4 @ очер урт", "KX", iltod.StrValue("очер урт"))
	check("ер 1002 аа ү ав 1 ва 7 рх -", "AA", iltod.BoolValue(false))
	check("ер 1002 аа ү ав 1 ва 7 рх -", "PX", iltod.Value{})

	// The resent messages made no report: 1001 has the three accepted ones only.
	msgs, err = a.ChannelMessages(ctx, "sms-mn", "1001")
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]int{}
	for _, m := range msgs {
		if m.Direction == iltod.MessageIn {
			status[m.Status]++
		}
	}
	if status["accepted"] != 2 || status["duplicate"] != 2 {
		t.Errorf("observer 1001's messages by status: %v; want 2 accepted, 2 duplicate", status)
	}
}

// TestReceiveMessageRedelivery: a gateway that delivers the same message twice, even
// after the duplicate window, makes one report; a resent text after the window makes a
// second, which corrects the first.
func TestReceiveMessageRedelivery(t *testing.T) {
	a := openSMSApp(t)
	newSMSApp(t, a, "e", "")
	now := time.Date(2024, 6, 28, 10, 0, 0, 0, time.UTC)
	a.SetClock(func() time.Time { return now })
	ctx := context.Background()
	send := func(id string, at time.Time) string {
		r, err := a.ReceiveMessage(ctx, "e", app.InboundMessage{Transport: "sms", From: "+97600000001", Text: "EP 1001 AA1 AB2 BA300",
			Gateway: "twilio", GatewayID: id, Received: at})
		if err != nil {
			t.Fatal(err)
		}
		return r.Text
	}
	first := send("SM1", now)
	if again := send("SM1", now.Add(time.Hour)); again != first {
		t.Errorf("redelivery an hour later: %q, want %q", again, first)
	}
	later := send("SM2", now.Add(DuplicateWindowPlus))
	if later == first {
		t.Errorf("the same text after the window repeats the receipt %q", first)
	}
	subs, err := a.Store().Submissions(ctx, "e", iltod.SubmissionQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 2 {
		t.Errorf("%d reports, want 2", len(subs))
	}
}

// DuplicateWindowPlus is just past the duplicate window.
const DuplicateWindowPlus = app.DuplicateWindow + time.Second

// TestMessengerLink links a Telegram account with a one-time code and reports from it.
func TestMessengerLink(t *testing.T) {
	a := openSMSApp(t)
	newSMSApp(t, a, "e", "en")
	ctx := context.Background()
	tg := func(text string) string {
		r, err := a.ReceiveMessage(ctx, "e", app.InboundMessage{Transport: "telegram", From: "telegram:4242", Text: text, Gateway: "telegram"})
		if err != nil {
			t.Fatal(err)
		}
		return r.Text
	}
	if got := tg("EP 1002 AA1 AB1 BA1"); got != "Энэ дугаар бүртгэлгүй. Зохицуулагчдаа хандана уу." {
		t.Errorf("an unlinked account: %q", got)
	}
	if _, _, err := a.IssueLinkCode(ctx, "e", "1002"); iltod.ErrorCodeOf(err) != iltod.EUnauthorized {
		t.Errorf("IssueLinkCode by the public: %v", err)
	}
	code, _, err := a.IssueLinkCode(as(app.RoleCoordinator), "e", "1002")
	if err != nil {
		t.Fatal(err)
	}
	if got := tg("LINK WRONGCODE1"); got != "Холбох код буруу эсвэл ашиглагдсан байна." {
		t.Errorf("a wrong code: %q", got)
	}
	if got := tg("link " + strings.ToLower(code)); got != "Linked to observer 1002. Send your reports here." {
		t.Errorf("linking: %q", got)
	}
	if got := tg("LINK " + code); got != "Холбох код буруу эсвэл ашиглагдсан байна." {
		t.Errorf("the code again: %q", got)
	}
	if got := tg("EP 1002 AA1 AB1 BA1"); !strings.HasPrefix(got, "OK EP ") {
		t.Errorf("a report from the linked account: %q", got)
	}
	msgs, err := a.ChannelMessages(as(app.RoleAdmin), "e", "1002")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if strings.Contains(m.Text, code) {
			t.Errorf("the message log keeps the link code: %q", m.Text)
		}
	}
	if len(msgs) != 4 {
		t.Errorf("%d messages logged, want 4 (link and report, each with its reply)", len(msgs))
	}
	if _, err := a.ChannelMessages(as(app.RoleAnalyst), "e", "1002"); iltod.ErrorCodeOf(err) != iltod.EForbidden {
		t.Errorf("ChannelMessages by an analyst: %v", err)
	}
}

// TestAcrossChannels: the same observer's report sent by the app (a signed envelope), by
// SMS and by a clerk is one entry of the station record, with its three channels, and
// no conflict.
func TestAcrossChannels(t *testing.T) {
	a := openSMSApp(t)
	newSMSApp(t, a, "e", "")
	ctx := context.Background()
	code, _, err := a.IssueEnrollment(as(app.RoleCoordinator), "e", "1001", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	if _, err := a.Enroll(ctx, code, pub); err != nil {
		t.Fatal(err)
	}
	answers := map[string]iltod.Value{"AA": iltod.BoolValue(true), "AB": iltod.StrValue("2"), "BA": iltod.IntValue(300)}
	env, _ := iltod.SignReport(iltod.Report{ID: "app-across-0001", Election: "e", Station: "UB-001",
		Form: "sms-check", FormVersion: 1, DeviceTime: "2024-06-28T22:00:00+08:00", Answers: answers}, priv)
	res, err := a.Submit(ctx, [][]byte{env.Bytes()})
	if err != nil || res[0].Err != nil {
		t.Fatalf("submit: %v %v", err, res[0])
	}
	r, err := a.ReceiveMessage(ctx, "e", app.InboundMessage{Transport: "sms", From: "+97600000001", Text: "ЕР 1001 АА1 АВ2 ВА300", Gateway: "twilio", GatewayID: "SM1"})
	if err != nil || !strings.HasPrefix(r.Text, "Хүлээн авлаа EP ") {
		t.Fatalf("SMS: %q %v", r.Text, err)
	}
	cr, err := a.ClerkSubmit(as(app.RoleClerk), app.ClerkEntry{Election: "e", Station: "UB-001", Form: "sms-check",
		Observer: "1001", Medium: "phone", Answers: answers})
	if err != nil || cr.Err != nil {
		t.Fatalf("clerk: %v %v", err, cr.Err)
	}
	// Another observer of the station's neighbour reports too: their entry is apart.
	r, err = a.ReceiveMessage(ctx, "e", app.InboundMessage{Transport: "sms", From: "+97600000002", Text: "EP 1002 AA1 AB2 BA300", Gateway: "twilio"})
	if err != nil || !strings.HasPrefix(r.Text, "Хүлээн авлаа EP ") {
		t.Fatalf("SMS of 1002: %q %v", r.Text, err)
	}
	rec, err := a.StationRecord(as(app.RoleReviewer), "e", "UB-001", "sms-check")
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Reports) != 1 || len(rec.Entries) != 1 || len(rec.Conflicts) != 0 {
		t.Fatalf("record: reports %v, entries %+v, conflicts %v", rec.Reports, rec.Entries, rec.Conflicts)
	}
	want := []iltod.Channel{iltod.ChannelApp, iltod.ChannelClerk, iltod.ChannelSMS}
	if got := rec.Entries[0].Channels; !slices.Equal(got, want) || rec.Entries[0].Report != rec.Reports[0] {
		t.Errorf("entry = %+v, want the channels %v", rec.Entries[0], want)
	}
	if f := rec.Fields["BA"]; f.Conflict || f.Value.Int != 300 {
		t.Errorf("BA = %+v", f)
	}
}

// FuzzReceiveMessage: whatever the text, ReceiveMessage answers without error, in one
// SMS segment, and a message it accepts is a stored report of the sms channel.
func FuzzReceiveMessage(f *testing.F) {
	for _, s := range []string{
		"EP 1001 AA1 AB2 BA300", "ер 1001 аа1 ав2 ва35О", "EP 1001 AD1.3.3 AA1 AB1 BA1 @ x", "EP 1001 # AA1",
		"EP 1001 1111 AA", "LINK ABCDE-FGHJK", "@@@", "EP 1001 KX5 AA1 AB1 BA1", "ep1001aa1", "EP 1001 BA 99999999999999999999",
	} {
		f.Add(s)
	}
	a := openSMSApp(f)
	store := a.Store()
	newSMSApp(f, a, "e", "")
	f.Fuzz(func(t *testing.T, text string) {
		r, err := a.ReceiveMessage(context.Background(), "e", app.InboundMessage{Transport: "sms", From: "+97600000001", Text: text, Gateway: "cli"})
		if err != nil {
			t.Fatalf("ReceiveMessage(%q): %v", text, err)
		}
		if enc, units := sms.Segment(r.Text); units > sms.Limit(enc) || r.Text == "" {
			t.Fatalf("reply to %q: %q, %d %s units", text, r.Text, units, enc)
		}
		if strings.HasPrefix(r.Text, "Хүлээн авлаа") {
			msgs, err := store.ChannelMessages(context.Background(), "e", iltod.ChannelMessageQuery{Observer: "1001", Limit: 2})
			if err != nil || len(msgs) != 2 || msgs[0].Report == "" {
				t.Fatalf("accepted %q: log %+v %v", text, msgs, err)
			}
			if s, err := store.Submission(context.Background(), "e", msgs[0].Report); err != nil || s.Channel != iltod.ChannelSMS {
				t.Fatalf("accepted %q: submission %v", text, err)
			}
		}
	})
}

// TestWhatsAppByPhone: a WhatsApp message is matched by the phone number, with or
// without Twilio's "whatsapp:" in front, and its envelope names the transport.
func TestWhatsAppByPhone(t *testing.T) {
	a := openSMSApp(t)
	newSMSApp(t, a, "e", "en")
	for i, from := range []string{"+97600000002", "whatsapp:+97600000002"} {
		r, err := a.ReceiveMessage(context.Background(), "e", app.InboundMessage{Transport: "whatsapp", From: from,
			Text: fmt.Sprintf("EP 1002 AA1 AB1 BA%d", 10+i), Gateway: "twilio"})
		if err != nil || !strings.HasPrefix(r.Text, "OK EP ") || r.To != from {
			t.Fatalf("from %s: %+v %v", from, r, err)
		}
	}
	msgs, _ := a.ChannelMessages(app.SystemContext(context.Background()), "e", "1002")
	s, err := a.Store().Submission(context.Background(), "e", msgs[0].Report)
	if err != nil || !strings.Contains(string(s.Envelope), `"transport":"whatsapp"`) || msgs[0].Transport != "whatsapp" {
		t.Errorf("envelope %s, message %+v, %v", s.Envelope, msgs[0], err)
	}
}
