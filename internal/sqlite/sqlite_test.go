package sqlite_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/sqlite"
	"github.com/iltod/iltod/internal/storetest"
	"github.com/iltod/iltod/internal/synth"
)

func open(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) iltod.Store {
		return open(t, filepath.Join(t.TempDir(), "iltod.db"))
	})
}

func TestMigrationsIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "iltod.db")
	// Stores opening a new file together: one creates the schema, the others wait for it
	// and find every migration applied.
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			s, err := sqlite.Open(t.Context(), path)
			if err != nil {
				t.Errorf("Open together: %v", err)
				return
			}
			s.Close()
		})
	}
	wg.Wait()
	s := open(t, path)
	p := storetest.Fixture("mn")
	if err := s.CreateElection(t.Context(), p, false); err != nil {
		t.Fatal(err)
	}
	// A second store on the same file, while the first is open, finds every migration
	// applied and keeps the data.
	s2 := open(t, path)
	if _, err := s2.Election(t.Context(), "mn"); err != nil {
		t.Fatalf("the election after opening again: %v", err)
	}
	var n int
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	files, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	if want := len(files); n != want {
		t.Errorf("schema_migrations holds %d rows, want %d", n, want)
	}
	var mode string
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
}

func TestOpenRejectsNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "iltod.db")
	open(t, path)
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (999, 'later')`); err != nil {
		t.Fatal(err)
	}
	if s, err := sqlite.Open(t.Context(), path); err == nil {
		s.Close()
		t.Fatal("Open accepted a database with a newer schema")
	}
}

func TestOpenRejectsBadPaths(t *testing.T) {
	for _, path := range []string{"", ":memory:", "file:x.db", "x.db?mode=ro"} {
		if s, err := sqlite.Open(t.Context(), path); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", path)
		}
	}
}

// BenchmarkCreateElection loads a synthetic election of 100,000 stations into a new
// database. Run it with -benchtime 1x.
func BenchmarkCreateElection(b *testing.B) {
	p := synth.Package(100_000, 1)
	s, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "iltod.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	loads := 0
	for b.Loop() {
		if err := s.CreateElection(b.Context(), p, true); err != nil {
			b.Fatal(err)
		}
		loads++
	}
	b.ReportMetric(float64(len(p.Stations)*loads)/b.Elapsed().Seconds(), "stations/s")
}

// BenchmarkAcceptReports accepts realistic reports (41 answers, signed envelopes of about
// 1 KB, QA checks) in batches of 500, each batch one durable transaction, and reports
// reports/s. The reports are made outside the timed part.
func BenchmarkAcceptReports(b *testing.B) {
	s, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "iltod.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.BenchmarkAcceptReports(b, s)
}

// TestProcesses runs two stores on one file, as two processes would.
func TestProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "iltod.db")
	storetest.Instances(t, open(t, path), open(t, path))
}

// TestEventsAppendOnly checks that the database itself refuses to delete or change an
// event, whatever SQL reaches it, but lets a missing log index be set once.
func TestEventsAppendOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "iltod.db")
	s := open(t, path)
	ctx := t.Context()
	if err := s.CreateElection(ctx, storetest.Fixture("mn"), false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddEvent(ctx, iltod.Event{Election: "mn", Kind: iltod.EventStaff, Hash: [32]byte{1}, Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path+"?_foreign_keys=1&_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`DELETE FROM events`,
		`DELETE FROM elections WHERE id = 'mn'`,
		`UPDATE events SET hash = zeroblob(32)`,
		`UPDATE events SET election = 'other'`,
		`UPDATE events SET seq = 7`,
		`UPDATE events SET detail = x'7b7d'`,
	} {
		if _, err := db.ExecContext(ctx, q); err == nil {
			t.Errorf("%s: the database allowed it", q)
		}
	}
	if _, err := db.ExecContext(ctx, `UPDATE events SET log_index = 0 WHERE seq = 1`); err != nil {
		t.Errorf("setting a missing log index: %v", err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE events SET log_index = 1 WHERE seq = 1`); err == nil {
		t.Error("the database allowed a log index to change")
	}
	if _, err := db.ExecContext(ctx, `UPDATE events SET log_index = NULL WHERE seq = 1`); err == nil {
		t.Error("the database allowed a log index to be removed")
	}
	ev, err := s.Event(ctx, 1)
	if err != nil || ev.LogIndex == nil || *ev.LogIndex != 0 {
		t.Errorf("the event at the end: %+v, %v", ev, err)
	}
}

// BenchmarkImportOfficial imports releases of 100,000 stations × 8 candidates into one
// database, each a new version. Run it with -benchtime 3x.
func BenchmarkImportOfficial(b *testing.B) {
	s, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "iltod.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.BenchmarkImportOfficial(b, s)
}

// BenchmarkOfficialResults reads back a release of 100,000 stations × 8 candidates.
func BenchmarkOfficialResults(b *testing.B) {
	s, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "iltod.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.BenchmarkOfficialResults(b, s)
}
