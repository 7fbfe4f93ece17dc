package simulate

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	iltodhttp "github.com/iltod/iltod/internal/http"
	"github.com/iltod/iltod/internal/sqlstore"
)

// cut returns a copy of p cut down to the given regions: their areas, stations and
// observers, the contests that lie in them (with the areas outside dropped), the tiers'
// and bodies' seats made to add up again, and supervisors kept where they still
// supervise someone. It leaves p alone.
func cut(t *testing.T, p *iltod.Package, regions ...string) *iltod.Package {
	t.Helper()
	ix := iltod.NewAreaIndex(p.Areas)
	in := func(area string) bool {
		for _, a := range ix.Path(area) {
			if slices.Contains(regions, a) {
				return true
			}
		}
		return false
	}
	q := &iltod.Package{Election: p.Election, Forms: p.Forms}
	for _, a := range p.Areas {
		if a.Level == iltod.LevelCountry || in(a.Code) {
			q.Areas = append(q.Areas, a)
		}
	}
	stations := map[string]bool{}
	for _, s := range p.Stations {
		if in(s.Area) {
			q.Stations = append(q.Stations, s)
			stations[s.Code] = true
		}
	}
	seats := map[string]int{}
	for _, c := range p.Contests {
		var areas []string
		for _, a := range c.Areas {
			if a2, ok := ix.Area(a); ok && (a2.Level == iltod.LevelCountry || in(a)) {
				areas = append(areas, a)
			}
		}
		if len(areas) == 0 {
			continue
		}
		c.Areas = areas
		q.Contests = append(q.Contests, c)
		seats[c.TierRef()] += c.Seats
	}
	q.Election.Bodies = nil
	for _, b := range p.Election.Bodies {
		b.Seats = 0
		var tiers []iltod.Tier
		for _, tr := range b.Tiers {
			if n := seats[b.Code+"/"+tr.Code]; n > 0 {
				tr.Seats = n
				b.Seats += n
				tiers = append(tiers, tr)
			}
		}
		if b.Tiers = tiers; len(tiers) > 0 {
			q.Election.Bodies = append(q.Election.Bodies, b)
		}
	}
	supervisors := map[string]bool{}
	var observers []iltod.Observer
	for _, o := range p.Observers {
		if o.Role == iltod.Supervisor {
			continue
		}
		var kept []string
		for _, s := range o.Stations {
			if stations[s] {
				kept = append(kept, s)
			}
		}
		if len(kept) == 0 {
			continue
		}
		o.Stations = kept
		observers = append(observers, o)
		supervisors[o.Supervisor] = true
	}
	for _, o := range p.Observers {
		if o.Role == iltod.Supervisor && supervisors[o.Code] {
			q.Observers = append(q.Observers, o)
		}
	}
	q.Observers = append(q.Observers, observers...)
	if err := q.Validate(); err != nil {
		t.Fatalf("the cut package is invalid: %v", err)
	}
	return q
}

// server is a real iltod server on a loopback port, with a SQLite store in a temporary
// folder.
type server struct {
	app  *app.App
	base string
}

func startServer(t *testing.T, p *iltod.Package) *server {
	t.Helper()
	ctx := context.Background()
	store, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "iltod.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	a := app.New(store, nil)
	if err := a.LoadPackage(app.SystemContext(ctx), p, false); err != nil {
		store.Close()
		t.Fatalf("load: %v", err)
	}
	sctx, cancel := context.WithCancel(ctx)
	addr, done, err := iltodhttp.NewServer(a, nil).Start(sctx, "127.0.0.1:0")
	if err != nil {
		cancel()
		store.Close()
		t.Fatalf("start the server: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server: %v", err)
		}
		a.Close()
		if err := store.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return &server{app: a, base: "http://" + addr.String()}
}

func (s *server) issue(election string) func(context.Context, string) (string, error) {
	return func(ctx context.Context, observer string) (string, error) {
		code, _, err := s.app.IssueEnrollment(app.SystemContext(ctx), election, observer, 0)
		return code, err
	}
}

// TestRun plays a day on two aimags of the demonstration against a real server, then
// reads what the server holds and checks it against what the scenario planned: every
// report accepted once and none refused, the resends answered as duplicates, exactly the
// reports with broken arithmetic (and honest machine/hand differences) flagged, every
// disagreement a conflict on exactly the fields the typo changed, corrections replacing
// the reports they correct, and silent stations without results.
func TestRun(t *testing.T) {
	p := cut(t, demoPackage(t), "MN-HG", "MN-OH", "MN-BO")
	srv := startServer(t, p)
	const seed = 7
	var mu sync.Mutex
	progress := map[string][2]int{}
	cfg := Config{
		BaseURL:  srv.base,
		Package:  p,
		Issue:    srv.issue(p.Election.ID),
		Seed:     seed,
		Duration: 6 * time.Second,
		Progress: func(phase string, done, total int) {
			mu.Lock()
			defer mu.Unlock()
			if done < progress[phase][0] {
				t.Errorf("progress of %s went back from %d to %d", phase, progress[phase][0], done)
			}
			progress[phase] = [2]int{done, total}
		},
	}
	stats, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	t.Logf("%d stations in %v: %+v", len(p.Stations), stats.Elapsed.Round(time.Millisecond), stats)
	sc, err := Plan(p, Truth(p, seed), seed, DefaultRates, nil)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Counts != sc.Counts {
		t.Fatalf("stats count %+v, the plan %+v", stats.Counts, sc.Counts)
	}
	c := sc.Counts
	if c.Disagreements == 0 || c.ArithmeticBreaks == 0 || c.Silent == 0 || c.Resends == 0 || c.Incidents == 0 || c.Corrections == 0 {
		t.Fatalf("the scenario is too small to test: %+v", c)
	}
	if stats.Refused != 0 || stats.Failed != 0 {
		t.Fatalf("%d refused, %d failed: %s", stats.Refused, stats.Failed, strings.Join(stats.Problems, "; "))
	}
	if stats.Enrolled != c.Devices || stats.Sent != c.Reports+c.Resends || stats.Accepted != c.Reports {
		t.Errorf("enrolled %d of %d devices; sent %d of %d envelopes; %d of %d reports accepted",
			stats.Enrolled, c.Devices, stats.Sent, c.Reports+c.Resends, stats.Accepted, c.Reports)
	}
	if stats.Duplicate < c.Resends || (stats.Retries == 0 && stats.Duplicate != c.Resends) {
		t.Errorf("%d duplicate receipts for %d resends and %d retries", stats.Duplicate, c.Resends, stats.Retries)
	}
	if stats.Flagged != c.ExpectFlagged {
		t.Errorf("receipts flagged %d reports, want %d (%d broken, %d machine/hand)", stats.Flagged, c.ExpectFlagged, c.ArithmeticBreaks, c.MachineManual)
	}
	for phase, pr := range progress {
		if pr[0] != pr[1] {
			t.Errorf("progress of %s ended at %d of %d", phase, pr[0], pr[1])
		}
	}
	if len(progress) != 3 {
		t.Errorf("progress phases: %v", progress)
	}

	// The server's side.
	ctx := app.SystemContext(context.Background())
	planned := map[string]*PlannedReport{}
	roles := map[string]iltod.ObserverRole{}
	for _, o := range p.Observers {
		roles[o.Code] = o.Role
	}
	byRole := map[iltod.ObserverRole]int{}
	for _, r := range sc.Reports {
		planned[r.Report.ID] = r
		byRole[roles[r.Observer]]++
	}
	if byRole[iltod.Static] == 0 || byRole[iltod.Mobile] == 0 || byRole[iltod.Supervisor] == 0 {
		t.Errorf("want reports from static and mobile observers and supervisors: %v", byRole)
	}
	var subs []iltod.Submission
	for q := (iltod.SubmissionQuery{Limit: 10_000}); ; {
		page, err := srv.app.Submissions(ctx, p.Election.ID, q)
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, page...)
		if len(page) < q.Limit {
			break
		}
		q.AfterSeq = page[len(page)-1].Seq
	}
	if len(subs) != len(sc.Reports) {
		t.Errorf("the server holds %d reports, %d were planned", len(subs), len(sc.Reports))
	}
	flagged, broken := 0, 0
	for _, s := range subs {
		r, ok := planned[s.Report.ID]
		if !ok {
			t.Errorf("the server holds report %s, which was not planned", s.Report.ID)
			continue
		}
		got := iltod.Flagged(s.Checks)
		if got != r.ExpectFlagged {
			t.Errorf("report %s (%s at %s, break %q): flagged %v, want %v: %v", r.Report.ID, r.Report.Form, r.Report.Station, r.Break, got, r.ExpectFlagged, failures(s.Checks))
		}
		if got {
			flagged++
		}
		if got && r.Break != "" {
			broken++
		}
	}
	if flagged != c.ExpectFlagged || broken != c.ArithmeticBreaks {
		t.Errorf("the server flagged %d reports (%d with broken arithmetic), want %d (%d)", flagged, broken, c.ExpectFlagged, c.ArithmeticBreaks)
	}

	conflicts, conflicted := 0, 0
	for _, s := range sc.Stations {
		rec, err := srv.app.StationRecord(ctx, p.Election.ID, s.Station, "results")
		if err != nil {
			t.Fatal(err)
		}
		if s.Silence != Heard || len(s.Reporters) == 0 {
			if len(rec.Reports) > 0 {
				t.Errorf("silent station %s has results %v", s.Station, rec.Reports)
			}
			continue
		}
		if len(rec.Reports) != len(s.Reporters) {
			t.Errorf("station %s: record merges %d reports, want one from each of %d reporters", s.Station, len(rec.Reports), len(s.Reporters))
		}
		var want []string
		final := map[string]*PlannedReport{} // observer → their latest results report
		for _, id := range rec.Reports {
			r := planned[id]
			want = append(want, r.Typo...)
			final[r.Observer] = r
			if r.Corrected != "" {
				t.Errorf("station %s: the record counts report %s, which %s corrects", s.Station, id, r.Corrected)
			}
		}
		slices.Sort(want)
		if !slices.Equal(rec.Conflicts, want) {
			t.Errorf("station %s: conflicts %v, want %v", s.Station, rec.Conflicts, want)
		}
		if len(rec.Conflicts) > 0 {
			conflicted++
			conflicts += len(rec.Conflicts)
		}
		// Where all agree, the record holds what they reported.
		for _, r := range final {
			for tag, v := range r.Report.Answers {
				if f := rec.Fields[tag]; !f.Conflict && !f.Value.Equal(v) {
					t.Errorf("station %s: field %s is %v, report %s says %v", s.Station, tag, f.Value, r.Report.ID, v)
				}
			}
		}
	}
	if conflicted != c.Disagreements || conflicts != c.Typos {
		t.Errorf("%d stations with %d conflicting fields, want %d with %d", conflicted, conflicts, c.Disagreements, c.Typos)
	}
}

// flaky stands between the simulator and a real server and misbehaves as a poor mobile
// network does: every seventh request is answered 503 before the server sees it, and
// every eleventh report request (and thirteenth enrollment) reaches the server but its
// answer is lost, the connection cut.
type flaky struct {
	next http.Handler
	n    atomic.Int64

	mu sync.Mutex
	// lostFirst counts receipts of first acceptances that never reached the device: its
	// retry must get a duplicate receipt.
	lostFirst, lostEnroll, failed int
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	k := f.n.Add(1)
	lose := (r.URL.Path == "/api/v1/reports" && k%11 == 0) || (r.URL.Path == "/api/v1/devices" && k%13 == 0)
	switch {
	case k%7 == 0:
		f.mu.Lock()
		f.failed++
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, `{"error":{"code":"internal","message":"injected by the test"}}`)
		return
	case !lose:
		f.next.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	f.next.ServeHTTP(rec, r)
	var single struct{ Receipt *app.Receipt }
	var batch struct {
		Results []struct{ Receipt *app.Receipt }
	}
	f.mu.Lock()
	switch {
	case r.URL.Path == "/api/v1/devices":
		if rec.Code == http.StatusCreated {
			f.lostEnroll++
		}
	case json.Unmarshal(rec.Body.Bytes(), &single) == nil && single.Receipt != nil:
		if !single.Receipt.Duplicate {
			f.lostFirst++
		}
	case json.Unmarshal(rec.Body.Bytes(), &batch) == nil:
		for _, res := range batch.Results {
			if res.Receipt != nil && !res.Receipt.Duplicate {
				f.lostFirst++
			}
		}
	}
	f.mu.Unlock()
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

// TestRunFlakyNetwork plays a day through a network that fails requests and loses
// answers, and checks that retrying the same bytes, with the server's idempotency by
// report id, neither loses nor doubles a report.
func TestRunFlakyNetwork(t *testing.T) {
	p := cut(t, demoPackage(t), "MN-GS", "MN-DU")
	ctx := context.Background()
	srv := startServer(t, p)
	f := &flaky{next: iltodhttp.NewServer(srv.app, nil).Handler()}
	hs := httptest.NewServer(f)
	defer hs.Close()
	const seed = 99
	stats, err := Run(ctx, Config{BaseURL: hs.URL, Package: p, Issue: srv.issue(p.Election.ID), Seed: seed, Duration: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v; lost %d first receipts and %d enrollments, failed %d requests", stats, f.lostFirst, f.lostEnroll, f.failed)
	c := stats.Counts
	if stats.Refused != 0 || stats.Failed != 0 {
		t.Fatalf("%d refused, %d failed: %s", stats.Refused, stats.Failed, strings.Join(stats.Problems, "; "))
	}
	if f.lostFirst == 0 || f.lostEnroll == 0 || f.failed == 0 || stats.Retries < f.failed+f.lostFirst {
		t.Fatalf("the network was not flaky enough to test: %+v", f)
	}
	if stats.Enrolled != c.Devices || stats.Accepted != c.Reports || stats.Flagged != c.ExpectFlagged {
		t.Errorf("enrolled %d of %d, accepted %d of %d, flagged %d of %d", stats.Enrolled, c.Devices, stats.Accepted, c.Reports, stats.Flagged, c.ExpectFlagged)
	}
	if want := c.Resends + f.lostFirst; stats.Duplicate != want {
		t.Errorf("%d duplicate receipts, want %d resends + %d retries of lost receipts", stats.Duplicate, c.Resends, f.lostFirst)
	}
	subs, err := srv.app.Submissions(app.SystemContext(ctx), p.Election.ID, iltod.SubmissionQuery{Limit: 10_000})
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != c.Reports {
		t.Errorf("the server holds %d reports, %d were planned", len(subs), c.Reports)
	}
}

// TestRunCancel checks that Run stops promptly when its context ends, with the context's
// error.
func TestRunCancel(t *testing.T) {
	p := cut(t, demoPackage(t), "MN-GS")
	srv := startServer(t, p)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	var cancelled time.Time
	cfg := Config{BaseURL: srv.base, Package: p, Issue: srv.issue(p.Election.ID), Duration: time.Minute,
		Progress: func(phase string, done, total int) {
			if phase == PhaseReports && done == 5 {
				once.Do(func() { cancelled = time.Now(); cancel() })
			}
		}}
	stats, err := Run(ctx, cfg)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("run: %v, want context.Canceled", err)
	}
	if took := time.Since(cancelled); took > 2*time.Second {
		t.Errorf("Run took %v to stop", took)
	}
	if stats.Sent >= stats.Reports || stats.Refused != 0 {
		t.Errorf("after cancelling: %+v", stats)
	}
}
