package storetest

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/canonjson"
	"github.com/iltod/iltod/stats/pvt"
)

// adminTests check the iltod.AdminStore part of the contract.
var adminTests = []struct {
	name string
	fn   func(t *testing.T, s iltod.Store)
}{
	{"SampleRoundTrip", testSampleRoundTrip},
	{"SampleVersions", testSampleVersions},
	{"SampleInvalid", testSampleInvalid},
	{"SampleConcurrent", testSampleConcurrent},
	{"StaffRoundTrip", testStaffRoundTrip},
	{"StaffUpdate", testStaffUpdate},
	{"StaffConflict", testStaffConflict},
	{"StaffInvalid", testStaffInvalid},
	{"StaffEventsOfNoElection", testStaffEventsOfNoElection},
	{"Sessions", testSessions},
	{"SessionsExpiry", testSessionsExpiry},
	{"SessionsDisabled", testSessionsDisabled},
}

// testSample returns the canonical JSON of a stats/pvt.Sample of election p's stations,
// different for each seed, with text that canonical JSON must keep as it is.
func testSample(t *testing.T, p *iltod.Package, seed uint64) []byte {
	t.Helper()
	smp := pvt.Sample{Method: pvt.MethodStratifiedV1, Seed: seed<<40 | 0xfffff, Size: 2, Reserves: 1, MinPerStratum: 1,
		Frame: fmt.Sprintf("sha256:%x", sha256.Sum256(fmt.Appendf(nil, "frame %d", seed)))}
	for i, st := range p.Stations {
		label := "Улаанбаатар \"хот\""
		if i%2 == 1 {
			label = "aimag\tx"
		}
		j := slices.IndexFunc(smp.Strata, func(s pvt.StratumSample) bool { return s.Stratum == label })
		if j < 0 {
			smp.Strata = append(smp.Strata, pvt.StratumSample{Stratum: label, Stations: []string{}, Reserves: []string{}})
			j = len(smp.Strata) - 1
		}
		ss := &smp.Strata[j]
		ss.Population++
		if len(ss.Stations) == 0 {
			ss.Stations = append(ss.Stations, st.Code)
		} else if len(ss.Reserves) == 0 {
			ss.Reserves = append(ss.Reserves, st.Code)
		}
	}
	slices.SortFunc(smp.Strata, func(a, b pvt.StratumSample) int { return strings.Compare(a.Stratum, b.Stratum) })
	b, err := canonjson.Marshal(smp)
	if err != nil {
		t.Fatalf("canonjson.Marshal(sample): %v", err)
	}
	return b
}

// sampleEvent returns the event a caller passes to SaveSample: its time and detail, and
// fields the store must overwrite.
func sampleEvent(note string) iltod.Event {
	return iltod.Event{Time: eventTime, Detail: fmt.Appendf(nil, `{"note":%q}`, note),
		Election: "other", Kind: iltod.EventStaff, Subject: "wrong", Hash: sha256.Sum256([]byte(note)), Seq: 999}
}

func saveSample(t *testing.T, s iltod.Store, r iltod.SampleRecord) iltod.SampleRecord {
	t.Helper()
	got, err := s.SaveSample(t.Context(), r, sampleEvent(r.Note))
	if err != nil {
		t.Fatalf("SaveSample(%s, %s): %v", r.Election, r.Note, err)
	}
	return got
}

func samples(t *testing.T, s iltod.Store, election string) []iltod.SampleRecord {
	t.Helper()
	got, err := s.Samples(t.Context(), election)
	if err != nil {
		t.Fatalf("Samples(%s): %v", election, err)
	}
	return got
}

func testSampleRoundTrip(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	p := Fixture("mn")
	create(t, s, p, false)
	create(t, s, Fixture("b"), false)
	body := testSample(t, p, 1)
	in := iltod.SampleRecord{Election: "mn", Note: "drawn in public\twith dice; Монгол", Sample: bytes.Clone(body), Stations: 4,
		// The store must set these.
		Version: 7, Seq: 3, Hash: [32]byte{1}, Drawn: time.Unix(1, 0)}
	before := lastSeq(t, s)
	ev := sampleEvent("first draw")
	got, err := s.SaveSample(ctx, in, ev)
	if err != nil {
		t.Fatalf("SaveSample: %v", err)
	}
	want := iltod.SampleRecord{Election: "mn", Version: 1, Drawn: eventTime.UTC(), Note: in.Note, Sample: body, Stations: 4,
		Seq: before + 1, Hash: sha256.Sum256(body)}
	equal(t, "the sample SaveSample returns", got, want)
	// The store must have copied what it keeps.
	in.Sample[1] = 'X'
	got.Sample[2] = 'Y'
	equal(t, "Samples", samples(t, s, "mn"), []iltod.SampleRecord{want})
	equalList(t, "Samples of another election", samples(t, s, "b"), nil)
	for _, v := range []int{0, 1} {
		r, err := s.Sample(ctx, "mn", v)
		if err != nil {
			t.Fatalf("Sample(mn, %d): %v", v, err)
		}
		if !bytes.Equal(r.Sample, body) {
			t.Errorf("Sample(mn, %d) returned other bytes:\n got: %s\nwant: %s", v, r.Sample, body)
		}
		equal(t, fmt.Sprintf("Sample(mn, %d)", v), r, want)
	}
	e, err := s.Event(ctx, want.Seq)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "the sample's event", e, iltod.Event{Seq: want.Seq, Election: "mn", Kind: iltod.EventSample,
		Subject: "sample/1", Hash: sha256.Sum256(body), Time: eventTime.UTC(), Detail: ev.Detail})
	equal(t, "LastSeq", lastSeq(t, s), before+1)
	// An election that has a sample has its event: it can be neither deleted nor replaced.
	wantCode(t, "DeleteElection of an election with a sample", s.DeleteElection(ctx, "mn"), iltod.EConflict)
	wantCode(t, "CreateElection replacing an election with a sample", s.CreateElection(ctx, Fixture("mn"), true), iltod.EConflict)
	equal(t, "Samples after the refusals", samples(t, s, "mn"), []iltod.SampleRecord{want})
}

func testSampleVersions(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	p := Fixture("mn")
	create(t, s, p, false)
	create(t, s, Fixture("b"), false)
	create(t, s, Fixture("none"), false)
	var want []iltod.SampleRecord
	for i := 1; i <= 3; i++ {
		r := saveSample(t, s, iltod.SampleRecord{Election: "mn", Note: fmt.Sprint("draw ", i), Sample: testSample(t, p, uint64(i)), Stations: 3 + i})
		if r.Version != i {
			t.Errorf("sample %d got version %d", i, r.Version)
		}
		want = append(want, r)
		if i == 2 {
			// Another election's samples are numbered on their own.
			if b := saveSample(t, s, iltod.SampleRecord{Election: "b", Sample: testSample(t, p, 9), Stations: 2}); b.Version != 1 {
				t.Errorf("the first sample of b got version %d", b.Version)
			}
		}
	}
	for i, r := range want {
		if i > 0 && r.Seq <= want[i-1].Seq {
			t.Errorf("sample %d has seq %d after %d", r.Version, r.Seq, want[i-1].Seq)
		}
		e, err := s.Event(ctx, r.Seq)
		if err != nil || e.Kind != iltod.EventSample || e.Subject != fmt.Sprint("sample/", r.Version) || e.Hash != r.Hash || e.Election != "mn" {
			t.Errorf("the event of sample %d: %+v, %v", r.Version, e, err)
		}
	}
	if want[0].Hash == want[1].Hash {
		t.Fatal("two different samples have the same hash")
	}
	equal(t, "Samples (version order)", samples(t, s, "mn"), want)
	for v, w := range map[int]iltod.SampleRecord{0: want[2], 1: want[0], 2: want[1], 3: want[2]} {
		got, err := s.Sample(ctx, "mn", v)
		if err != nil {
			t.Errorf("Sample(mn, %d): %v", v, err)
			continue
		}
		equal(t, fmt.Sprintf("Sample(mn, %d)", v), got, w)
	}
	for _, c := range []struct {
		election string
		version  int
	}{{"mn", 4}, {"mn", -1}, {"none", 0}, {"none", 1}, {"nope", 0}, {"nope", 1}} {
		_, err := s.Sample(ctx, c.election, c.version)
		wantCode(t, fmt.Sprintf("Sample(%s, %d)", c.election, c.version), err, iltod.ENotFound)
	}
	_, err := s.Samples(ctx, "nope")
	wantCode(t, "Samples of an unknown election", err, iltod.ENotFound)
	before := lastSeq(t, s)
	_, err = s.SaveSample(ctx, iltod.SampleRecord{Election: "nope", Sample: testSample(t, p, 1), Stations: 2}, sampleEvent("x"))
	wantCode(t, "SaveSample for an unknown election", err, iltod.ENotFound)
	equal(t, "LastSeq after a refused sample", lastSeq(t, s), before)
}

func testSampleInvalid(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	p := Fixture("mn")
	create(t, s, p, false)
	good := iltod.SampleRecord{Election: "mn", Sample: testSample(t, p, 1), Stations: 3}
	cases := map[string]func(r *iltod.SampleRecord){
		"no sample":           func(r *iltod.SampleRecord) { r.Sample = nil },
		"not canonical":       func(r *iltod.SampleRecord) { r.Sample = []byte(`{"size":2, "method":"x"}`) },
		"keys out of order":   func(r *iltod.SampleRecord) { r.Sample = []byte(`{"size":2,"method":"x"}`) },
		"not an object":       func(r *iltod.SampleRecord) { r.Sample = []byte(`["a"]`) },
		"not JSON":            func(r *iltod.SampleRecord) { r.Sample = []byte(`{"a":`) },
		"no stations":         func(r *iltod.SampleRecord) { r.Stations = 0 },
		"negative version":    func(r *iltod.SampleRecord) { r.Version = -1 },
		"invalid election":    func(r *iltod.SampleRecord) { r.Election = "MN 2024" },
		"note with a NUL":     func(r *iltod.SampleRecord) { r.Note = "a\x00b" },
		"a note far too long": func(r *iltod.SampleRecord) { r.Note = strings.Repeat("n", iltod.MaxNoteLen+1) },
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			r := good
			edit(&r)
			before := lastSeq(t, s)
			_, err := s.SaveSample(ctx, r, sampleEvent(name))
			wantCode(t, "SaveSample", err, iltod.EInvalid)
			var ps iltod.Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Errorf("the error %v holds no Problems", err)
			}
			equal(t, "LastSeq", lastSeq(t, s), before)
			equalList(t, "Samples", samples(t, s, "mn"), nil)
		})
	}
}

func testSampleConcurrent(t *testing.T, s iltod.Store) {
	p := Fixture("mn")
	create(t, s, p, false)
	const n = 8
	got := make([]iltod.SampleRecord, n)
	errs := make([]error, n)
	bodies := make([][]byte, n)
	for i := range n {
		bodies[i] = testSample(t, p, uint64(i))
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			got[i], errs[i] = s.SaveSample(t.Context(), iltod.SampleRecord{Election: "mn", Sample: bodies[i], Stations: 2},
				sampleEvent(fmt.Sprint(i)))
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	// Versions are 1 … n, in commit order, which is seq order.
	slices.SortFunc(got, func(a, b iltod.SampleRecord) int { return cmp.Compare(a.Seq, b.Seq) })
	for i, r := range got {
		if r.Version != i+1 {
			t.Errorf("the sample with the %d-th seq (%d) has version %d", i+1, r.Seq, r.Version)
		}
	}
	equal(t, "Samples after concurrent saves", samples(t, s, "mn"), got)
	allEvents(t, s)
}

// staffTime is the time of the second event of an account, after eventTime.
var staffTime = eventTime.Add(90*time.Minute + 1)

// accountEvent returns the event a caller passes to CreateStaff or UpdateStaff: its time,
// its canonical detail, and fields the store must overwrite.
func accountEvent(t *testing.T, when time.Time, action, login string) iltod.Event {
	t.Helper()
	detail, err := canonjson.Marshal(map[string]string{"actor": "admin", "action": action, "login": login})
	if err != nil {
		t.Fatal(err)
	}
	return iltod.Event{Time: when, Detail: detail, Election: "mn", Kind: iltod.EventReview, Subject: "wrong", Seq: 42,
		Hash: sha256.Sum256([]byte("wrong"))}
}

// account returns a valid account of role with secrets that look like internal/auth's.
func account(login, role string, areas ...string) iltod.StaffAccount {
	return iltod.StaffAccount{Login: login, Name: "Батболд " + login, Role: role, Areas: areas,
		PasswordHash: "$argon2id$v=19$m=65536,t=3,p=2$c2FsdHNhbHRzYWx0$" + login + "aGFzaGhhc2hoYXNo",
		TOTPSecret:   "JBSWY3DPEHPK3PXP" + strings.ToUpper(strings.NewReplacer(".", "", "-", "", "_", "").Replace(login))}
}

func createStaff(t *testing.T, s iltod.Store, a iltod.StaffAccount) {
	t.Helper()
	if err := s.CreateStaff(t.Context(), a, accountEvent(t, eventTime, "create", a.Login)); err != nil {
		t.Fatalf("CreateStaff(%s): %v", a.Login, err)
	}
}

func staffAccounts(t *testing.T, s iltod.Store) []iltod.StaffAccount {
	t.Helper()
	got, err := s.StaffAccounts(t.Context())
	if err != nil {
		t.Fatalf("StaffAccounts: %v", err)
	}
	return got
}

// storedAccount returns a as the store keeps it, created at eventTime and updated at
// updated.
func storedAccount(a iltod.StaffAccount, updated time.Time) iltod.StaffAccount {
	a.Areas = slices.Compact(slices.Sorted(slices.Values(a.Areas)))
	if len(a.Areas) == 0 {
		a.Areas = nil
	}
	a.Created, a.Updated = eventTime.UTC(), updated.UTC()
	return a
}

func testStaffRoundTrip(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	create(t, s, Fixture("mn"), false)
	in := account("amy-a", iltod.RoleCoordinator, "UB-BZD", "MN", "UB-BZD", "UB")
	in.Created, in.Updated = time.Unix(5, 0), time.Unix(6, 0) // the store sets these
	before := lastSeq(t, s)
	ev := accountEvent(t, eventTime, "create", in.Login)
	if err := s.CreateStaff(ctx, in, ev); err != nil {
		t.Fatalf("CreateStaff: %v", err)
	}
	want := storedAccount(in, eventTime)
	if !slices.Equal(want.Areas, []string{"MN", "UB", "UB-BZD"}) {
		t.Fatalf("the test expects areas sorted and once each: %v", want.Areas)
	}
	// The store must have copied what it keeps.
	in.Areas[0] = "changed"
	got, err := s.StaffAccount(ctx, "amy-a")
	if err != nil {
		t.Fatalf("StaffAccount: %v", err)
	}
	equal(t, "StaffAccount", got, want)
	if got.PasswordHash != want.PasswordHash || got.TOTPSecret != want.TOTPSecret {
		t.Errorf("the secrets did not round-trip")
	}
	e, err := s.Event(ctx, before+1)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "the account's event", e, iltod.Event{Seq: before + 1, Election: "", Kind: iltod.EventStaff,
		Subject: "staff/amy-a", Hash: sha256.Sum256(ev.Detail), Time: eventTime.UTC(), Detail: ev.Detail})
	equal(t, "LastSeq", lastSeq(t, s), before+1)

	// Login order is byte order: '-' < '.' < '_' < letters.
	for _, a := range []iltod.StaffAccount{account("zed", iltod.RoleAdmin), account("amy_c", iltod.RoleClerk),
		account("amy.b", iltod.RoleAnalyst), account("007", iltod.RoleReviewer)} {
		createStaff(t, s, a)
	}
	var logins []string
	for _, a := range staffAccounts(t, s) {
		logins = append(logins, a.Login)
	}
	equal(t, "StaffAccounts (login order)", logins, []string{"007", "amy-a", "amy.b", "amy_c", "zed"})
	equal(t, "StaffAccounts[1]", staffAccounts(t, s)[1], want)
	equal(t, "LastSeq after five accounts", lastSeq(t, s), before+5)
	_, err = s.StaffAccount(ctx, "nobody")
	wantCode(t, "StaffAccount of an unknown login", err, iltod.ENotFound)
}

func testStaffUpdate(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	a := account("bold", iltod.RoleCoordinator, "UB")
	createStaff(t, s, a)
	createStaff(t, s, account("other", iltod.RoleClerk))
	before := lastSeq(t, s)
	b := a
	b.Name, b.Role, b.Areas = "Болд Б.", iltod.RoleReviewer, nil
	b.PasswordHash, b.TOTPSecret, b.Disabled = "$argon2id$v=19$m=65536,t=3,p=2$bmV3c2FsdG5ld3NhbHQ$bmV3aGFzaG5ld2hhc2g", "", true
	b.Created = time.Unix(1, 0) // never changes
	ev := accountEvent(t, staffTime, "update", b.Login)
	if err := s.UpdateStaff(ctx, b, ev); err != nil {
		t.Fatalf("UpdateStaff: %v", err)
	}
	want := storedAccount(b, staffTime)
	got, err := s.StaffAccount(ctx, "bold")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "the account after UpdateStaff", got, want)
	if got.PasswordHash != b.PasswordHash || got.TOTPSecret != "" {
		t.Errorf("the secrets were not replaced")
	}
	e, err := s.Event(ctx, before+1)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "the update's event", e, iltod.Event{Seq: before + 1, Election: "", Kind: iltod.EventStaff,
		Subject: "staff/bold", Hash: sha256.Sum256(ev.Detail), Time: staffTime.UTC(), Detail: ev.Detail})
	other, err := s.StaffAccount(ctx, "other")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "another account after UpdateStaff", other, storedAccount(account("other", iltod.RoleClerk), eventTime))

	// An unknown account, an invalid one and an invalid detail change nothing.
	wantCode(t, "UpdateStaff of an unknown login", s.UpdateStaff(ctx, account("nobody", iltod.RoleAdmin),
		accountEvent(t, staffTime, "update", "nobody")), iltod.ENotFound)
	bad := b
	bad.Role = "root"
	wantCode(t, "UpdateStaff with an invalid role", s.UpdateStaff(ctx, bad, accountEvent(t, staffTime, "update", "bold")), iltod.EInvalid)
	leak := accountEvent(t, staffTime, "update", "bold")
	leak.Detail = fmt.Appendf(nil, `{"password_hash":%q}`, b.PasswordHash)
	wantCode(t, "UpdateStaff with the password hash in the detail", s.UpdateStaff(ctx, b, leak), iltod.EInvalid)
	equal(t, "LastSeq after the refusals", lastSeq(t, s), before+1)
	got, err = s.StaffAccount(ctx, "bold")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "the account after the refusals", got, want)
	_, err = s.StaffAccount(ctx, "nobody")
	wantCode(t, "StaffAccount after UpdateStaff of an unknown login", err, iltod.ENotFound)
}

func testStaffConflict(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	a := account("bold", iltod.RoleAdmin)
	createStaff(t, s, a)
	before := lastSeq(t, s)
	dup := account("bold", iltod.RoleClerk)
	dup.Name = "Someone Else"
	err := s.CreateStaff(ctx, dup, accountEvent(t, staffTime, "create", "bold"))
	wantCode(t, "CreateStaff of an existing login", err, iltod.EConflict)
	equal(t, "LastSeq after the conflict", lastSeq(t, s), before)
	equal(t, "the accounts after the conflict", staffAccounts(t, s), []iltod.StaffAccount{storedAccount(a, eventTime)})
}

func testStaffInvalid(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	good := account("good", iltod.RoleCoordinator, "MN")
	cases := map[string]func(a *iltod.StaffAccount, ev *iltod.Event){
		"login too short":       func(a *iltod.StaffAccount, _ *iltod.Event) { a.Login = "ab" },
		"login too long":        func(a *iltod.StaffAccount, _ *iltod.Event) { a.Login = strings.Repeat("a", 65) },
		"login in upper case":   func(a *iltod.StaffAccount, _ *iltod.Event) { a.Login = "Bold" },
		"login with a space":    func(a *iltod.StaffAccount, _ *iltod.Event) { a.Login = "bo ld" },
		"login with a slash":    func(a *iltod.StaffAccount, _ *iltod.Event) { a.Login = "bo/ld" },
		"login not ASCII":       func(a *iltod.StaffAccount, _ *iltod.Event) { a.Login = "болд" },
		"no name":               func(a *iltod.StaffAccount, _ *iltod.Event) { a.Name = "" },
		"name of two lines":     func(a *iltod.StaffAccount, _ *iltod.Event) { a.Name = "a\nb" },
		"no role":               func(a *iltod.StaffAccount, _ *iltod.Event) { a.Role = "" },
		"unknown role":          func(a *iltod.StaffAccount, _ *iltod.Event) { a.Role = "root" },
		"areas for a reviewer":  func(a *iltod.StaffAccount, _ *iltod.Event) { a.Role = iltod.RoleReviewer },
		"invalid area code":     func(a *iltod.StaffAccount, _ *iltod.Event) { a.Areas = []string{"MN", "UB/BZD"} },
		"password hash control": func(a *iltod.StaffAccount, _ *iltod.Event) { a.PasswordHash += "\n" },
		"no detail":             func(_ *iltod.StaffAccount, ev *iltod.Event) { ev.Detail = nil },
		"detail not canonical":  func(_ *iltod.StaffAccount, ev *iltod.Event) { ev.Detail = []byte(`{"b":1,"a":2}`) },
		"TOTP secret in detail": func(a *iltod.StaffAccount, ev *iltod.Event) {
			ev.Detail = fmt.Appendf(nil, `{"secret":"otpauth://totp/x?secret=%s"}`, a.TOTPSecret)
		},
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			a := good
			a.Areas = slices.Clone(good.Areas)
			ev := accountEvent(t, eventTime, "create", a.Login)
			edit(&a, &ev)
			before := lastSeq(t, s)
			err := s.CreateStaff(ctx, a, ev)
			wantCode(t, "CreateStaff", err, iltod.EInvalid)
			if strings.Contains(err.Error(), good.PasswordHash) || strings.Contains(err.Error(), good.TOTPSecret) {
				t.Errorf("the error repeats a secret: %v", err)
			}
			equal(t, "LastSeq", lastSeq(t, s), before)
			equalList(t, "StaffAccounts", staffAccounts(t, s), nil)
		})
	}
}

// testStaffEventsOfNoElection checks that the events of staff accounts, which have the
// election "", take their place in the one sequence of events, and that they neither
// keep an election from being deleted nor let AddEvent write an event of no election.
func testStaffEventsOfNoElection(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	create(t, s, Fixture("mn"), false)
	create(t, s, Fixture("empty"), false)
	if _, err := s.AddEvent(ctx, staffEvent("mn", iltod.EventStaff, "election/mn", "one")); err != nil {
		t.Fatal(err)
	}
	createStaff(t, s, account("bold", iltod.RoleAdmin))
	if _, err := s.AddEvent(ctx, staffEvent("mn", iltod.EventStaff, "election/mn", "two")); err != nil {
		t.Fatal(err)
	}
	evs := allEvents(t, s)
	var got []string
	for _, e := range evs {
		got = append(got, fmt.Sprintf("%d %q %s %s", e.Seq, e.Election, e.Kind, e.Subject))
	}
	equal(t, "the events", got, []string{`1 "mn" staff election/mn`, `2 "" staff staff/bold`, `3 "mn" staff election/mn`})
	_, err := s.AddEvent(ctx, staffEvent("", iltod.EventStaff, "x", "three"))
	wantCode(t, "AddEvent of no election", err, iltod.ENotFound)
	if err := s.DeleteElection(ctx, "empty"); err != nil {
		t.Errorf("DeleteElection of an election without events, with staff events stored: %v", err)
	}
	wantCode(t, "DeleteElection of an election with events", s.DeleteElection(ctx, "mn"), iltod.EConflict)
	equal(t, "the events at the end", allEvents(t, s), evs)
}

// session returns a session of login created at eventTime and valid for an hour.
func session(login string, n byte) iltod.Session {
	return iltod.Session{TokenHash: sha256.Sum256([]byte{n}), Login: login, Created: eventTime,
		Expires: eventTime.Add(time.Hour), CSRF: fmt.Sprint("csrf-", n)}
}

// storedSession returns sess as the store returns it.
func storedSession(sess iltod.Session) iltod.Session {
	sess.Created, sess.Expires = sess.Created.UTC(), sess.Expires.UTC()
	return sess
}

func createSession(t *testing.T, s iltod.Store, sess iltod.Session) {
	t.Helper()
	if err := s.CreateSession(t.Context(), sess); err != nil {
		t.Fatalf("CreateSession(%s): %v", sess.Login, err)
	}
}

// findSession returns the session of hash at now, or fails t unless it is ENotFound and
// want is false.
func findSession(t *testing.T, s iltod.Store, hash [32]byte, now time.Time, want bool) iltod.Session {
	t.Helper()
	got, err := s.Session(t.Context(), hash, now)
	switch {
	case want && err != nil:
		t.Errorf("Session at %s: %v", now, err)
	case !want:
		wantCode(t, fmt.Sprintf("Session at %s", now), err, iltod.ENotFound)
	}
	return got
}

func testSessions(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	createStaff(t, s, account("bold", iltod.RoleAdmin))
	createStaff(t, s, account("dorj", iltod.RoleClerk))
	before := lastSeq(t, s)
	a1, a2, d1 := session("bold", 1), session("bold", 2), session("dorj", 3)
	for _, sess := range []iltod.Session{a1, a2, d1} {
		createSession(t, s, sess)
	}
	equal(t, "Session", findSession(t, s, a1.TokenHash, eventTime.Add(time.Minute), true), storedSession(a1))
	equal(t, "Session (another)", findSession(t, s, d1.TokenHash, eventTime, true), storedSession(d1))
	findSession(t, s, sha256.Sum256([]byte("unknown")), eventTime, false)

	dup := session("dorj", 1) // a1's token hash
	wantCode(t, "CreateSession with a token hash in use", s.CreateSession(ctx, dup), iltod.EConflict)
	equal(t, "the session after the conflict", findSession(t, s, a1.TokenHash, eventTime, true), storedSession(a1))
	wantCode(t, "CreateSession of an unknown login", s.CreateSession(ctx, session("nobody", 9)), iltod.ENotFound)
	findSession(t, s, session("nobody", 9).TokenHash, eventTime, false)
	for name, edit := range map[string]func(*iltod.Session){
		"no token hash":         func(x *iltod.Session) { x.TokenHash = [32]byte{} },
		"no login":              func(x *iltod.Session) { x.Login = "" },
		"no CSRF token":         func(x *iltod.Session) { x.CSRF = "" },
		"expiring when created": func(x *iltod.Session) { x.Expires = x.Created },
		"expiring before":       func(x *iltod.Session) { x.Expires = x.Created.Add(-time.Second) },
	} {
		x := session("bold", 10)
		edit(&x)
		wantCode(t, "CreateSession with "+name, s.CreateSession(ctx, x), iltod.EInvalid)
		findSession(t, s, x.TokenHash, eventTime, false)
	}

	if err := s.DeleteSession(ctx, a1.TokenHash); err != nil {
		t.Fatalf("DeleteSession: %v", err)
	}
	findSession(t, s, a1.TokenHash, eventTime, false)
	findSession(t, s, a2.TokenHash, eventTime, true)
	if err := s.DeleteSession(ctx, a1.TokenHash); err != nil {
		t.Errorf("DeleteSession of a deleted session: %v", err)
	}
	createSession(t, s, session("bold", 4))
	if err := s.DeleteSessions(ctx, "bold"); err != nil {
		t.Fatalf("DeleteSessions: %v", err)
	}
	findSession(t, s, a2.TokenHash, eventTime, false)
	findSession(t, s, session("bold", 4).TokenHash, eventTime, false)
	findSession(t, s, d1.TokenHash, eventTime, true)
	if err := s.DeleteSessions(ctx, "nobody"); err != nil {
		t.Errorf("DeleteSessions of an unknown login: %v", err)
	}
	equal(t, "LastSeq: sessions carry no event", lastSeq(t, s), before)
}

func testSessionsExpiry(t *testing.T, s iltod.Store) {
	createStaff(t, s, account("bold", iltod.RoleAdmin))
	old := session("bold", 1)
	createSession(t, s, old)
	// Expired at Expires, and not a nanosecond before.
	findSession(t, s, old.TokenHash, old.Expires.Add(-1), true)
	findSession(t, s, old.TokenHash, old.Expires, false)
	findSession(t, s, old.TokenHash, old.Expires.Add(time.Hour), false)
	// Creating a session after old expired deletes old: it is not found even at a time
	// before its expiry.
	later := session("bold", 2)
	later.Created, later.Expires = old.Expires.Add(time.Second), old.Expires.Add(2*time.Hour)
	kept := session("bold", 3)
	kept.Expires = later.Created.Add(time.Nanosecond)
	createSession(t, s, kept)
	createSession(t, s, later)
	findSession(t, s, old.TokenHash, old.Created, false)
	equal(t, "a session that had not expired when another was created",
		findSession(t, s, kept.TokenHash, kept.Created, true), storedSession(kept))
	findSession(t, s, later.TokenHash, later.Created, true)
}

func testSessionsDisabled(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	a := account("bold", iltod.RoleAdmin)
	createStaff(t, s, a)
	createStaff(t, s, account("dorj", iltod.RoleAdmin))
	createSession(t, s, session("bold", 1))
	createSession(t, s, session("dorj", 2))
	a.Disabled = true
	if err := s.UpdateStaff(ctx, a, accountEvent(t, staffTime, "disable", a.Login)); err != nil {
		t.Fatal(err)
	}
	findSession(t, s, session("bold", 1).TokenHash, eventTime, false)
	findSession(t, s, session("dorj", 2).TokenHash, eventTime, true)
	// A disabled account gets no session, and enabling it again brings back none of
	// those deleted when it was disabled.
	wantCode(t, "CreateSession of a disabled account", s.CreateSession(ctx, session("bold", 3)), iltod.EConflict)
	a.Disabled = false
	if err := s.UpdateStaff(ctx, a, accountEvent(t, staffTime, "enable", a.Login)); err != nil {
		t.Fatal(err)
	}
	findSession(t, s, session("bold", 1).TokenHash, eventTime, false)
	findSession(t, s, session("bold", 3).TokenHash, eventTime, false)
	createSession(t, s, session("bold", 4))
	findSession(t, s, session("bold", 4).TokenHash, eventTime, true)
}
