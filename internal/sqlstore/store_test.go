package sqlstore_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/sqlstore"
	"github.com/iltod/iltod/internal/storetest"
	"github.com/iltod/iltod/internal/synth"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver, for raw SQL in tests
)

// EnvDSN names the environment variable that holds the DSN of a PostgreSQL database the
// tests may use, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable. Each test
// works in a schema of its own, which it drops when it ends. Without it the PostgreSQL
// tests are skipped, except in CI, where they fail.
const EnvDSN = "ILTOD_TEST_POSTGRES"

// backend opens stores of one dialect on a fresh database.
type backend struct {
	name string
	// fresh returns the address of a new, empty database, removed when tb ends.
	fresh func(tb testing.TB) string
	open  func(ctx context.Context, addr string) (*sqlstore.Store, error)
	// driver and raw name the database/sql driver and its address for raw SQL.
	driver string
	raw    func(addr string) string
}

var backends = []backend{
	{
		name:   "sqlite",
		fresh:  func(tb testing.TB) string { return filepath.Join(tb.TempDir(), "iltod.db") },
		open:   sqlstore.OpenSQLite,
		driver: "sqlite",
		raw:    func(path string) string { return path + "?_foreign_keys=1&_busy_timeout=10000" },
	},
	{
		name:   "postgres",
		fresh:  freshSchema,
		open:   sqlstore.OpenPostgres,
		driver: "pgx",
		raw:    func(dsn string) string { return dsn },
	},
}

// each runs f for every backend, as a subtest.
func each(t *testing.T, f func(t *testing.T, b backend)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { f(t, b) })
	}
}

func testDSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv(EnvDSN)
	if dsn == "" {
		if os.Getenv("CI") != "" {
			tb.Fatal("ILTOD_TEST_POSTGRES not set in CI: the PostgreSQL store must be tested there")
		}
		tb.Skip("ILTOD_TEST_POSTGRES not set: PostgreSQL store tests skipped (CI sets it)")
	}
	return dsn
}

// freshSchema creates a schema with a unique name, arranges for it to be dropped when the
// test ends, and returns the DSN with its search_path set to the schema.
func freshSchema(tb testing.TB) string {
	tb.Helper()
	dsn := testDSN(tb)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		tb.Fatalf("connect to %s: %v", EnvDSN, err)
	}
	b := make([]byte, 8)
	rand.Read(b)
	schema := "iltod_test_" + hex.EncodeToString(b)
	if _, err := db.Exec(`CREATE SCHEMA ` + schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		defer db.Close()
		if _, err := db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return withSearchPath(tb, dsn, schema)
}

// withSearchPath returns dsn, a URL or a keyword/value string, with search_path set.
func withSearchPath(tb testing.TB, dsn, schema string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			tb.Fatalf("%s is not a valid URL", EnvDSN)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + schema
}

func (b backend) store(tb testing.TB, addr string) *sqlstore.Store {
	tb.Helper()
	s, err := b.open(context.Background(), addr)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

// db opens the database at addr for raw SQL, past the store.
func (b backend) db(tb testing.TB, addr string) *sql.DB {
	tb.Helper()
	db, err := sql.Open(b.driver, b.raw(addr))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestStore(t *testing.T) {
	each(t, func(t *testing.T, b backend) {
		if b.name == "postgres" {
			testDSN(t)
		}
		storetest.Run(t, func(t *testing.T) iltod.Store { return b.store(t, b.fresh(t)) })
	})
}

func TestMigrationsIdempotent(t *testing.T) {
	each(t, func(t *testing.T, b backend) {
		addr := b.fresh(t)
		// Stores opening a new database together: one creates the schema, the others
		// wait for it and find every migration applied.
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				s, err := b.open(t.Context(), addr)
				if err != nil {
					t.Errorf("Open together: %v", err)
					return
				}
				s.Close()
			})
		}
		wg.Wait()
		s := b.store(t, addr)
		if err := s.CreateElection(t.Context(), storetest.Fixture("mn"), false); err != nil {
			t.Fatal(err)
		}
		// A second store on the same database, while the first is open, finds every
		// migration applied and keeps the data.
		if _, err := b.store(t, addr).Election(t.Context(), "mn"); err != nil {
			t.Fatalf("the election after opening again: %v", err)
		}
		db := b.db(t, addr)
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		ms, err := sqlstore.PostgresMigrations() // the same versions on both
		if err != nil {
			t.Fatal(err)
		}
		if n != len(ms) {
			t.Errorf("schema_migrations holds %d rows, want %d", n, len(ms))
		}
		if _, err := db.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (999, 'later')`); err != nil {
			t.Fatal(err)
		}
		if s, err := b.open(t.Context(), addr); err == nil {
			s.Close()
			t.Fatal("Open accepted a database with a newer schema")
		}
	})
}

// TestInstances runs two stores on one database, as two processes or server instances do.
func TestInstances(t *testing.T) {
	each(t, func(t *testing.T, b backend) {
		addr := b.fresh(t)
		storetest.Instances(t, b.store(t, addr), b.store(t, addr))
	})
}

// TestEventsAppendOnly checks that the database itself refuses to delete or change an
// event, or a release, whatever SQL reaches it, but lets a missing log index be set once;
// that it accepts an event of no election and refuses one of an unknown election; and
// that it refuses the deletion or renaming of an election that has events.
func TestEventsAppendOnly(t *testing.T) {
	each(t, func(t *testing.T, b backend) {
		addr := b.fresh(t)
		s := b.store(t, addr)
		ctx := t.Context()
		for _, id := range []string{"mn", "gone"} {
			if err := s.CreateElection(ctx, storetest.Fixture(id), false); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.AddEvent(ctx, iltod.Event{Election: "mn", Kind: iltod.EventStaff, Hash: [32]byte{1}, Time: time.Now()}); err != nil {
			t.Fatal(err)
		}
		detail := []byte(`{"actor":"admin","login":"bold"}`)
		if err := s.CreateStaff(ctx, iltod.StaffAccount{Login: "bold", Name: "Bold", Role: iltod.RoleAdmin},
			iltod.Event{Time: time.Now(), Detail: detail}); err != nil {
			t.Fatal(err)
		}
		if ev, err := s.Event(ctx, 2); err != nil || ev.Election != "" || ev.Hash != sha256.Sum256(detail) {
			t.Fatalf("the staff event: %+v, %v", ev, err)
		}
		db := b.db(t, addr)
		hash := make([]byte, 32)
		refused := []string{
			`DELETE FROM events`,
			`DELETE FROM elections WHERE id = 'mn'`,
			`UPDATE elections SET id = 'other' WHERE id = 'mn'`,
			`UPDATE events SET hash = $1`,
			`UPDATE events SET detail = $1`,
			`UPDATE events SET election = 'gone' WHERE seq = 1`,
			`UPDATE events SET election = 'mn' WHERE seq = 2`,
			`UPDATE events SET seq = 7`,
			`UPDATE events SET kind = 'other', log_index = 5 WHERE seq = 1`,
			`INSERT INTO events (seq, election, kind, subject, hash, time) VALUES (3, 'nope', 'staff', '', $1, 't')`,
			`INSERT INTO events (seq, election, kind, subject, hash, time) VALUES (3, 'mn', 'staff', '', $1, 't'), (4, 'nope', 'staff', '', $1, 't')`,
		}
		switch b.name {
		case "sqlite":
			// seq is the rowid, which an UPDATE may also name as such.
			refused = append(refused, `UPDATE events SET rowid = 7 WHERE seq = 1`, `UPDATE events SET oid = 7 WHERE seq = 1`,
				`UPDATE events SET _rowid_ = 7 WHERE seq = 1`)
			refused = append(refused, `INSERT INTO official_results (election, version, station, contest, doc) VALUES ('mn', 7, 'S1', 'C', '{}')`)
		case "postgres":
			refused = append(refused, `TRUNCATE events`, `TRUNCATE elections CASCADE`)
		}
		exec := func(q string) error {
			if strings.Contains(q, "$1") {
				_, err := db.ExecContext(ctx, q, hash)
				return err
			}
			_, err := db.ExecContext(ctx, q)
			return err
		}
		for _, q := range refused {
			if err := exec(q); err == nil {
				t.Errorf("%s: the database allowed it", q)
			}
		}
		for _, q := range []string{
			`UPDATE events SET log_index = 0 WHERE seq = 1`,
			`INSERT INTO events (seq, election, kind, subject, hash, time) VALUES (3, '', 'staff', 'staff/x', $1, '2024-06-30T00:00:00.000000000Z')`,
			`INSERT INTO events (seq, election, kind, subject, hash, time) VALUES (4, 'mn', 'staff', 'staff/y', $1, '2024-06-30T00:00:00.000000000Z')`,
			`DELETE FROM elections WHERE id = 'gone'`,
		} {
			if err := exec(q); err != nil {
				t.Errorf("%s: %v", q, err)
			}
		}
		for _, q := range []string{`UPDATE events SET log_index = 1 WHERE seq = 1`, `UPDATE events SET log_index = NULL WHERE seq = 1`} {
			if _, err := db.ExecContext(ctx, q); err == nil {
				t.Errorf("%s: the database allowed a log index to change", q)
			}
		}
		if ev, err := s.Event(ctx, 1); err != nil || ev.LogIndex == nil || *ev.LogIndex != 0 {
			t.Errorf("the event at the end: %+v, %v", ev, err)
		}
	})
}

// bench runs f with a store on a fresh database, for every backend.
func bench(b *testing.B, f func(b *testing.B, s iltod.Store)) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) { f(b, be.store(b, be.fresh(b))) })
	}
}

// BenchmarkCreateElection loads a synthetic election of 100,000 stations into a new
// database. Run it with -benchtime 1x.
func BenchmarkCreateElection(b *testing.B) {
	p := synth.Package(100_000, 1)
	bench(b, func(b *testing.B, s iltod.Store) {
		loads := 0
		for b.Loop() {
			if err := s.CreateElection(b.Context(), p, true); err != nil {
				b.Fatal(err)
			}
			loads++
		}
		b.ReportMetric(float64(len(p.Stations)*loads)/b.Elapsed().Seconds(), "stations/s")
	})
}

// BenchmarkAcceptReports accepts realistic reports (41 answers, signed envelopes of about
// 1 KB, QA checks) in batches of 500, each batch one durable transaction, and reports
// reports/s. The reports are made outside the timed part.
func BenchmarkAcceptReports(b *testing.B) { bench(b, storetest.BenchmarkAcceptReports) }

// BenchmarkAcceptSmall is BenchmarkAcceptReports in batches of 50, the size of one
// request of the ingest benchmark, where each transaction's fixed costs count for more.
func BenchmarkAcceptSmall(b *testing.B) {
	bench(b, func(b *testing.B, s iltod.Store) { storetest.BenchmarkAcceptBatches(b, s, 50) })
}

// BenchmarkLogFollower reads and marks logged events in batches of 2000, as the log's
// follower does, and reports events/s.
func BenchmarkLogFollower(b *testing.B) { bench(b, storetest.BenchmarkLogFollower) }

// BenchmarkImportOfficial imports releases of 100,000 stations × 8 candidates into one
// database, each a new version. Run it with -benchtime 3x.
func BenchmarkImportOfficial(b *testing.B) { bench(b, storetest.BenchmarkImportOfficial) }

// BenchmarkOfficialResults reads back a release of 100,000 stations × 8 candidates.
func BenchmarkOfficialResults(b *testing.B) { bench(b, storetest.BenchmarkOfficialResults) }
