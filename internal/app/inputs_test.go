package app_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/internal/sqlstore"
)

// countingStore is a real store that counts the loads of every submission, which is what
// the analysis inputs cost.
type countingStore struct {
	*sqlstore.Store
	loads atomic.Int64
}

func (s *countingStore) Submissions(ctx context.Context, election string, q iltod.SubmissionQuery) ([]iltod.Submission, error) {
	if q.Station == "" && q.Form == "" && q.AfterSeq == 0 {
		s.loads.Add(1)
	}
	return s.Store.Submissions(ctx, election, q)
}

// TestInputsReloadOnlyOnChange: the analysis inputs are read from the store again after
// their time to live only when an event has been added since; pages read on election
// night then cost nothing while no report arrives, and a new report is seen within the
// time to live.
func TestInputsReloadOnlyOnChange(t *testing.T) {
	ctx := context.Background()
	db, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "iltod.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	store := &countingStore{Store: db}
	a := app.New(store, nil)
	t.Cleanup(func() { a.Close() })
	now := time.Date(2024, 6, 28, 20, 0, 0, 0, time.UTC)
	a.SetClock(func() time.Time { return now })
	p, err := electionpkg.ReadDir("../../docs/example")
	if err != nil {
		t.Fatal(err)
	}
	sys := app.SystemContext(ctx)
	if err := a.LoadPackage(sys, p, false); err != nil {
		t.Fatal(err)
	}
	e := p.Election.ID
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
		now = now.Add(10 * time.Second)
		coverage()
	}
	if got := store.loads.Load(); got != 1 {
		t.Errorf("%d loads after 50 s without a new event, want 1", got)
	}

	// A report arrives: the next read after the time to live loads again and sees it.
	code, _, err := a.IssueEnrollment(sys, e, p.Observers[0].Code, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	if _, err := a.Enroll(ctx, code, pub); err != nil {
		t.Fatal(err)
	}
	var form iltod.Form
	for _, f := range p.Forms {
		if f.Code == "opening" {
			form = f
		}
	}
	answers := map[string]iltod.Value{"AA": iltod.StrValue("07:00"), "AB": iltod.BoolValue(true)}
	env, err := iltod.SignReport(iltod.Report{ID: "inputs-test-1", Election: e, Station: p.Observers[0].Stations[0],
		Form: form.Code, FormVersion: form.Version, DeviceTime: now.Format(time.RFC3339), Answers: answers}, priv)
	if err != nil {
		t.Fatal(err)
	}
	before := coverage()
	if res, err := a.Submit(ctx, [][]byte{env.Bytes()}); err != nil || res[0].Err != nil {
		t.Fatalf("submit: %v %v", err, res[0].Err)
	}
	now = now.Add(10 * time.Second)
	if got := coverage(); got != before+1 {
		t.Errorf("after a report the coverage is %d stations, want %d", got, before+1)
	}
	if got := store.loads.Load(); got != 2 {
		t.Errorf("%d loads after one new report, want 2", got)
	}
}
