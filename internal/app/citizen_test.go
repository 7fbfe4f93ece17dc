package app_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/dbdump"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/internal/evidence"
	"github.com/iltod/iltod/internal/sqlstore"
)

// citizenFixture is an app over SQLite at a known path, so that a test can count every
// row the app wrote, and the age identity its evidence is sealed to.
type citizenFixture struct {
	a  *app.App
	db *sql.DB
	id *age.X25519Identity
	p  *iltod.Package
}

func newCitizenApp(t *testing.T, sealing bool) *citizenFixture {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "iltod.db")
	store, err := sqlstore.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	a := app.New(store, nil)
	t.Cleanup(func() { a.Close() })
	p, err := electionpkg.ReadDir("../../docs/example")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.LoadPackage(app.SystemContext(ctx), p, false); err != nil {
		t.Fatal(err)
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	if sealing {
		a.SetEvidenceRecipients([]age.Recipient{id.Recipient()})
	}
	db, err := sql.Open("sqlite", path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &citizenFixture{a: a, db: db, id: id, p: p}
}

// rows counts the rows of the tables a report may write.
func (f *citizenFixture) rows(t *testing.T) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range []string{"incidents", "followups", "blobs", "events"} {
		var n int
		if err := f.db.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		out[table] = n
	}
	return out
}

// open decrypts the evidence ref names with the fixture's identity.
func (f *citizenFixture) open(t *testing.T, ref iltod.EvidenceRef) []byte {
	t.Helper()
	h, err := hex.DecodeString(ref.CipherSHA256)
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.a.Store().Blob(context.Background(), [32]byte(h))
	if err != nil {
		t.Fatalf("the sealed blob %s: %v", ref.CipherSHA256, err)
	}
	plain, err := evidence.Open(b.Data, []age.Identity{f.id})
	if err != nil {
		t.Fatalf("open %s: %v", ref.CipherSHA256, err)
	}
	return plain
}

func citizenReport() app.CitizenReport {
	return app.CitizenReport{
		Election: "example-2024", Category: "election.vote_buying",
		Start:     time.Date(2024, 6, 28, 2, 0, 0, 0, time.UTC),
		Station:   "UB-001",
		Narrative: "A man in a blue jacket handed out envelopes by the school gate.",
		Files:     [][]byte{[]byte("%PDF-1.4 a leaflet")},
	}
}

// TestCitizenReportRefusedWithoutRecipients: with no one to seal to, the form is closed
// and nothing at all is stored.
func TestCitizenReportRefusedWithoutRecipients(t *testing.T) {
	f := newCitizenApp(t, false)
	before := f.rows(t)
	if _, err := f.a.ReportAsCitizen(context.Background(), citizenReport()); iltod.ErrorCodeOf(err) != iltod.EConflict {
		t.Errorf("a report with no recipients: %v; want EConflict", err)
	}
	if after := f.rows(t); !equalCounts(before, after) {
		t.Errorf("a refused report changed the tables: %v → %v", before, after)
	}
}

// TestCitizenReportBadInput: each bad field is refused with its catalogue message, and
// nothing is stored, not even a sealed blob.
func TestCitizenReportBadInput(t *testing.T) {
	f := newCitizenApp(t, true)
	big := bytes.Repeat([]byte("x"), app.MaxCitizenFileBytes+1)
	tests := []struct {
		name string
		edit func(r *app.CitizenReport)
		code iltod.ErrorCode
		key  string
	}{
		{"unknown category", func(r *app.CitizenReport) { r.Category = "election.nonsense" }, iltod.EInvalid, "error.citizen.category"},
		{"no time", func(r *app.CitizenReport) { r.Start = time.Time{} }, iltod.EInvalid, "error.citizen.when"},
		{"in the future", func(r *app.CitizenReport) { r.Start = time.Now().Add(72 * time.Hour) }, iltod.EInvalid, "error.citizen.when"},
		{"end before start", func(r *app.CitizenReport) { r.End = r.Start.Add(-time.Hour) }, iltod.EInvalid, "error.citizen.when_end"},
		{"station and area", func(r *app.CitizenReport) { r.Area = "MN" }, iltod.EInvalid, "error.citizen.place_both"},
		{"unknown station", func(r *app.CitizenReport) { r.Station = "NOPE-9" }, iltod.EInvalid, "error.citizen.station"},
		{"unknown area", func(r *app.CitizenReport) { r.Station, r.Area = "", "atlantis" }, iltod.EInvalid, "error.citizen.area"},
		{"no narrative", func(r *app.CitizenReport) { r.Narrative = "  \n" }, iltod.EInvalid, "error.citizen.narrative_required"},
		{"narrative too long", func(r *app.CitizenReport) { r.Narrative = strings.Repeat("ж", iltod.MaxNarrativeLen+1) }, iltod.EInvalid, "error.citizen.narrative_long"},
		{"narrative not UTF-8", func(r *app.CitizenReport) { r.Narrative = "a\xff" }, iltod.EInvalid, "error.citizen.narrative_long"},
		{"too many files", func(r *app.CitizenReport) {
			r.Files = make([][]byte, app.MaxCitizenFiles+1)
			for i := range r.Files {
				r.Files[i] = []byte{byte(i)}
			}
		}, iltod.EInvalid, "error.citizen.too_many_files"},
		{"an empty file", func(r *app.CitizenReport) { r.Files = [][]byte{{}} }, iltod.EInvalid, "error.citizen.empty_file"},
		{"an oversize file", func(r *app.CitizenReport) { r.Files = [][]byte{big} }, iltod.ETooLarge, "error.citizen.file_too_large"},
		{"unknown election", func(r *app.CitizenReport) { r.Election = "nowhere-2024" }, iltod.ENotFound, ""},
	}
	before := f.rows(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := citizenReport()
			tc.edit(&r)
			_, err := f.a.ReportAsCitizen(context.Background(), r)
			if iltod.ErrorCodeOf(err) != tc.code {
				t.Fatalf("err = %v; want code %s", err, tc.code)
			}
			var e *iltod.Error
			if tc.key != "" && (!errorAs(err, &e) || e.Key != tc.key) {
				t.Errorf("err = %v; want key %s", err, tc.key)
			}
			for _, lang := range []string{"en", "mn"} {
				if msg := iltod.ErrorMessageIn(err, lang); msg == "" || strings.Contains(msg, "error.") {
					t.Errorf("%s message %q is not from the catalogue", lang, msg)
				}
			}
			if after := f.rows(t); !equalCounts(before, after) {
				t.Errorf("a refused report changed the tables: %v → %v", before, after)
			}
		})
	}
}

// TestCitizenReportLifecycle files a report, follows it with its code, adds to it, and
// checks what is stored: no narrative in clear, no reporter, low trust, the words and the
// file sealed, the code kept only as a hash, every change a logged event by the public.
func TestCitizenReportLifecycle(t *testing.T) {
	f := newCitizenApp(t, true)
	ctx := context.Background()
	sumsBefore, err := f.a.Incidents(ctx, "example-2024")
	if err != nil {
		t.Fatal(err)
	}
	r := citizenReport()
	// A staff member's session does not make the report theirs.
	code, err := f.a.ReportAsCitizen(as(app.RoleReviewer), r)
	if err != nil {
		t.Fatalf("ReportAsCitizen: %v", err)
	}
	if c, err := iltod.ParseFollowupCode(code); err != nil || c != code || len(strings.ReplaceAll(code, "-", "")) != 32 {
		t.Fatalf("the code %q is not a written follow-up code: %v", code, err)
	}
	all, err := f.a.IncidentRecords(as(app.RoleReviewer), "example-2024")
	if err != nil || len(all) != 1 {
		t.Fatalf("IncidentRecords = %d, %v; want one", len(all), err)
	}
	in := all[0]
	if in.Source != iltod.SourceCitizen || in.Trust != iltod.TrustLow || in.Reporter != "" || in.Narrative != "" ||
		in.Status != iltod.IncidentUnverified || in.Place.Station != "UB-001" || in.Severity != "low" {
		t.Errorf("the stored incident: %+v", in)
	}
	if len(in.Evidence) != 2 || in.Evidence[0].MediaType != app.CitizenTextType || in.Evidence[1].MediaType != "application/pdf" {
		t.Fatalf("the evidence: %+v", in.Evidence)
	}
	if got := f.open(t, in.Evidence[0]); string(got) != r.Narrative {
		t.Errorf("the sealed narrative opens to %q", got)
	}
	if got := f.open(t, in.Evidence[1]); !bytes.Equal(got, r.Files[0]) {
		t.Errorf("the sealed file opens to %q", got)
	}
	// The database holds neither the words, nor the file, nor the code.
	_, rows, err := dbdump.SQLite(f.db)
	if err != nil {
		t.Fatal(err)
	}
	dump := string(rows)
	for _, secret := range []string{r.Narrative, string(r.Files[0]), code, strings.ReplaceAll(code, "-", "")} {
		if strings.Contains(dump, secret) {
			t.Errorf("the database holds %q in clear", secret)
		}
	}
	if !strings.Contains(dump, `"actor":"public"`) || strings.Contains(dump, "user-reviewer") {
		t.Errorf("the report's event is not the public's")
	}

	// The code shows the status, however it is typed; nothing else does.
	typed := strings.ToLower(strings.ReplaceAll(code, "-", " "))
	if st, err := f.a.CitizenStatus(ctx, "example-2024", typed); err != nil || st != iltod.IncidentUnverified {
		t.Errorf("CitizenStatus = %q, %v", st, err)
	}
	for name, c := range map[string]string{
		"another code": iltod.NewFollowupCode(), "a malformed code": "1234", "empty": "",
	} {
		if _, err := f.a.CitizenStatus(ctx, "example-2024", c); iltod.ErrorCodeOf(err) != iltod.ENotFound {
			t.Errorf("CitizenStatus with %s: %v; want ENotFound", name, err)
		}
	}
	if err := f.a.VerifyIncident(as(app.RoleReviewer), "example-2024", in.ID, iltod.IncidentCorroborated, "two other reports"); err != nil {
		t.Fatal(err)
	}
	if st, _ := f.a.CitizenStatus(ctx, "example-2024", code); st != iltod.IncidentCorroborated {
		t.Errorf("after corroboration the status is %q", st)
	}

	// Adding: more words and a new file; the file sent before is not added again.
	before := f.rows(t)
	more := "He came back at noon with a list of names."
	photo := []byte("\xff\xd8\xff a photo")
	if err := f.a.AddToCitizenReport(ctx, "example-2024", code, more, [][]byte{photo, r.Files[0]}); err != nil {
		t.Fatalf("AddToCitizenReport: %v", err)
	}
	after := f.rows(t)
	if after["events"] != before["events"]+1 || after["blobs"] != before["blobs"]+2 {
		t.Errorf("the addition wrote %v → %v; want one event and two blobs", before, after)
	}
	in, err = f.a.Incident(as(app.RoleReviewer), "example-2024", in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Evidence) != 4 || in.Status != iltod.IncidentCorroborated || in.Narrative != "" {
		t.Fatalf("after the addition: %+v", in)
	}
	if got := f.open(t, in.Evidence[2]); string(got) != more {
		t.Errorf("the added words open to %q", got)
	}
	if got := f.open(t, in.Evidence[3]); !bytes.Equal(got, photo) {
		t.Errorf("the added file opens to %q", got)
	}

	// Refusals change nothing.
	before = f.rows(t)
	for name, tc := range map[string]struct {
		code, text string
		files      [][]byte
		want       iltod.ErrorCode
	}{
		"nothing":         {code, " ", nil, iltod.EInvalid},
		"only known file": {code, "", [][]byte{photo}, iltod.EInvalid},
		"a wrong code":    {iltod.NewFollowupCode(), "x", nil, iltod.ENotFound},
		"an empty file":   {code, "x", [][]byte{{}}, iltod.EInvalid},
	} {
		if err := f.a.AddToCitizenReport(ctx, "example-2024", tc.code, tc.text, tc.files); iltod.ErrorCodeOf(err) != tc.want {
			t.Errorf("adding %s: %v; want %s", name, err, tc.want)
		}
	}
	if after := f.rows(t); !equalCounts(before, after) {
		t.Errorf("refused additions changed the tables: %v → %v", before, after)
	}

	// Citizens' reports are incidents only: the observers' incident counts, coverage
	// and results do not move.
	sumsAfter, err := f.a.Incidents(ctx, "example-2024")
	if err != nil {
		t.Fatal(err)
	}
	b1, _ := json.Marshal(sumsBefore)
	b2, _ := json.Marshal(sumsAfter)
	if !bytes.Equal(b1, b2) {
		t.Errorf("the observers' incident summaries moved: %s → %s", b1, b2)
	}
	if strings.Contains(string(b2), "vote buying") {
		t.Errorf("a citizen's report shows in the observers' counts")
	}
}

// TestCitizenReportPlaces: neither an area nor a station places a report on the whole
// territory; an area places it there.
func TestCitizenReportPlaces(t *testing.T) {
	f := newCitizenApp(t, true)
	root := ""
	var child string
	for _, a := range f.p.Areas {
		if a.Parent == "" {
			root = a.Code
		} else if child == "" {
			child = a.Code
		}
	}
	for _, area := range []string{"", child} {
		r := citizenReport()
		r.Station, r.Area, r.Files = "", area, nil
		r.Narrative += area
		if _, err := f.a.ReportAsCitizen(context.Background(), r); err != nil {
			t.Fatalf("area %q: %v", area, err)
		}
	}
	all, err := f.a.IncidentRecords(as(app.RoleReviewer), "example-2024")
	if err != nil || len(all) != 2 {
		t.Fatalf("IncidentRecords: %d, %v", len(all), err)
	}
	if all[0].Place != (iltod.Place{Area: root}) || all[1].Place != (iltod.Place{Area: child}) {
		t.Errorf("places: %+v, %+v; want %s and %s", all[0].Place, all[1].Place, root, child)
	}
}

func equalCounts(a, b map[string]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return len(a) == len(b)
}

func errorAs(err error, target **iltod.Error) bool {
	for err != nil {
		if e, ok := err.(*iltod.Error); ok {
			*target = e
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}
