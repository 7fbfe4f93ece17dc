package app_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/analysis"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/internal/sqlstore"
)

// countingStore is a real store that counts the loads of every submission, which is what
// the analysis inputs cost.
type countingStore struct {
	*sqlstore.Store
	loads atomic.Int64 // reads of every submission
	since atomic.Int64 // reads of the submissions after a Seq
}

func (s *countingStore) Submissions(ctx context.Context, election string, q iltod.SubmissionQuery) ([]iltod.Submission, error) {
	if q.Station == "" && q.Form == "" && q.AfterSeq == 0 {
		s.loads.Add(1)
	} else if q.Station == "" && q.Form == "" {
		s.since.Add(1)
	}
	return s.Store.Submissions(ctx, election, q)
}

// TestInputsReloadOnlyOnChange: the analysis inputs are read from the store again after
// their time to live only when an event has been added since, and then only what came
// after the last event read; pages read on election night then cost nothing while no
// report arrives, and a new report is seen within the time to live.
func TestInputsReloadOnlyOnChange(t *testing.T) {
	f := newCountingApp(t)
	ctx, a, store, p, sys, e := context.Background(), f.a, f.store, f.p, f.sys, f.e
	code, _, err := a.IssueEnrollment(sys, e, p.Observers[0].Code, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	if _, err := a.Enroll(ctx, code, pub); err != nil {
		t.Fatal(err)
	}
	coverage := func() int {
		t.Helper()
		cov, err := a.Coverage(sys, e)
		if err != nil {
			t.Fatal(err)
		}
		n := 0 // the whole country's: the largest count of any area
		for _, c := range cov {
			n = max(n, c.Reporting)
		}
		return n
	}
	coverage()
	if got := store.loads.Load(); got != 1 {
		t.Fatalf("%d loads of the submissions for the first read, want 1", got)
	}
	for i := 0; i < 5; i++ {
		f.now = f.now.Add(10 * time.Second)
		coverage()
	}
	if got := store.loads.Load(); got != 1 {
		t.Errorf("%d loads after 50 s without a new event, want 1", got)
	}

	// A report arrives: the next read after the time to live reads it, and only it.
	var form iltod.Form
	for _, f := range p.Forms {
		if f.Code == "opening" {
			form = f
		}
	}
	answers := map[string]iltod.Value{"AA": iltod.StrValue("07:00"), "AB": iltod.BoolValue(true)}
	env, err := iltod.SignReport(iltod.Report{ID: "inputs-test-1", Election: e, Station: p.Observers[0].Stations[0],
		Form: form.Code, FormVersion: form.Version, DeviceTime: f.now.Format(time.RFC3339), Answers: answers}, priv)
	if err != nil {
		t.Fatal(err)
	}
	before := coverage()
	if res, err := a.Submit(ctx, [][]byte{env.Bytes()}); err != nil || res[0].Err != nil {
		t.Fatalf("submit: %v %v", err, res[0].Err)
	}
	f.now = f.now.Add(10 * time.Second)
	if got := coverage(); got != before+1 {
		t.Errorf("after a report the coverage is %d stations, want %d", got, before+1)
	}
	if got, since := store.loads.Load(), store.since.Load(); got != 1 || since != 1 {
		t.Errorf("%d loads and %d reads of what came after, after one new report; want 1 and 1", got, since)
	}
}

// TestLiveAnalysisFollowsTheStore: as reports, a second report that disagrees, a review
// and a resolution arrive, the analyses the app serves are refreshed from what changed —
// the submissions are read in full once — and equal, field by field, those of a new app
// that reads everything from the same store; a new official release loads in full.
func TestLiveAnalysisFollowsTheStore(t *testing.T) {
	f := newCountingApp(t)
	ctx, a, db, store, sys, e := context.Background(), f.a, f.db, f.store, f.sys, f.e
	keys := map[string]ed25519.PrivateKey{}
	for _, o := range []string{"1001", "1002", "1003", "1004", "1900"} {
		code, _, err := a.IssueEnrollment(sys, e, o, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		pub, priv, _ := ed25519.GenerateKey(rand.Reader)
		if _, err := a.Enroll(ctx, code, pub); err != nil {
			t.Fatal(err)
		}
		keys[o] = priv
	}
	n := 0
	report := func(observer, station string, pb int64) string {
		t.Helper()
		n++
		i := iltod.IntValue
		answers := map[string]iltod.Value{"RV": i(1320), "BI": i(900), "BC": i(898), "CV": i(880), "CI": i(18),
			"C1": i(500), "C2": i(420), "C3": i(390), "C4": i(300), "LV": i(870), "PB": i(pb), "PR": i(870 - pb)}
		if strings.HasPrefix(station, "DA") { // two candidates there
			delete(answers, "C3")
			delete(answers, "C4")
		}
		id := fmt.Sprintf("live-test-%d", n)
		env, err := iltod.SignReport(iltod.Report{ID: id, Election: e, Station: station, Form: "results", FormVersion: 1,
			DeviceTime: "2024-06-28T22:00:00+08:00", Answers: answers}, keys[observer])
		if err != nil {
			t.Fatal(err)
		}
		if res, err := a.Submit(ctx, [][]byte{env.Bytes()}); err != nil || res[0].Err != nil {
			t.Fatalf("submit: %v %v", err, res[0].Err)
		}
		return id
	}
	opts := []analysis.Options{{Levels: -1}, {Contest: "LIST"}, {Area: "UB", NoForensics: true}}
	check := func(step string) {
		t.Helper()
		f.now = f.now.Add(10 * time.Second)
		fresh := app.New(db, nil)
		defer fresh.Close()
		fresh.SetClock(func() time.Time { return f.now })
		for _, opt := range opts {
			got, err := a.Analyze(sys, e, opt)
			if err != nil {
				t.Fatal(err)
			}
			want, err := fresh.Analyze(sys, e, opt)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(want)
				t.Fatalf("%s, %+v: the refreshed analysis differs from a full load:\n%s\n%s", step, opt, g, w)
			}
		}
		got, _ := a.ObservedResults(sys, e)
		want, _ := fresh.ObservedResults(sys, e)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: observed results %+v, want %+v", step, got, want)
		}
		gc, _ := a.Coverage(sys, e)
		wc, _ := fresh.Coverage(sys, e)
		if !reflect.DeepEqual(gc, wc) {
			t.Fatalf("%s: coverage %+v, want %+v", step, gc, wc)
		}
	}
	check("no reports")
	report("1001", "UB-001", 500)
	check("one report")
	report("1003", "DA-001", 300)
	report("1004", "UB-003", 410)
	check("three reports")
	second := report("1900", "UB-001", 520) // the supervisor disagrees on the Blue Party
	check("a second report that disagrees")
	if err := a.Review(sys, e, second, app.Reject, "the supervisor was not there"); err != nil {
		t.Fatal(err)
	}
	check("the second report rejected")
	if err := a.Resolve(sys, e, "DA-001", "results", "PB", iltod.IntValue(310), "called the station"); err != nil {
		t.Fatal(err)
	}
	check("a resolution")
	if got := store.loads.Load(); got != 1 {
		t.Errorf("the submissions were read in full %d times, want once", got)
	}
	obs, err := a.ObservedResults(sys, e)
	if err != nil || len(obs) == 0 {
		t.Fatalf("observed results: %v, %v", obs, err)
	}
	if _, err := a.ImportOfficial(sys, iltod.OfficialRelease{Election: e, Source: "test", Published: f.now}, obs, nil); err != nil {
		t.Fatal(err)
	}
	check("an official release")
	report("1002", "UB-002", 450)
	check("a report after the release")
	if got := store.loads.Load(); got != 2 {
		t.Errorf("the submissions were read in full %d times, want twice (once more for the release)", got)
	}
}

// countingApp is an app over a SQLite store that counts its reads, with the example
// election loaded and a clock the test moves (now).
type countingApp struct {
	a     *app.App
	db    iltod.Store
	store *countingStore
	p     *iltod.Package
	sys   context.Context
	e     string
	now   time.Time
}

func newCountingApp(t *testing.T) *countingApp {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "iltod.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &countingApp{db: db, store: &countingStore{Store: db}, now: time.Date(2024, 6, 28, 20, 0, 0, 0, time.UTC)}
	f.a = app.New(f.store, nil)
	t.Cleanup(func() { f.a.Close() })
	f.a.SetClock(func() time.Time { return f.now })
	if f.p, err = electionpkg.ReadDir("../../docs/example"); err != nil {
		t.Fatal(err)
	}
	f.sys = app.SystemContext(ctx)
	if err := f.a.LoadPackage(f.sys, f.p, false); err != nil {
		t.Fatal(err)
	}
	f.e = f.p.Election.ID
	return f
}
