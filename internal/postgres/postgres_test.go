package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/postgres"
	"github.com/iltod/iltod/internal/storetest"
	"github.com/iltod/iltod/internal/synth"
	"github.com/jackc/pgx/v5"
)

// EnvDSN names the environment variable that holds the DSN of a PostgreSQL database the
// tests may use, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable. Each test
// works in a schema of its own, which it drops when it ends.
const EnvDSN = "ILTOD_TEST_POSTGRES"

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
// test ends, and returns dsn with its search_path set to the schema.
func freshSchema(tb testing.TB) string {
	tb.Helper()
	dsn := testDSN(tb)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		tb.Fatalf("connect to %s: %v", EnvDSN, err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 8)
	rand.Read(b)
	schema := "iltod_test_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			tb.Errorf("connect to drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
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

func open(tb testing.TB, dsn string) *postgres.Store {
	tb.Helper()
	s, err := postgres.Open(context.Background(), dsn)
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

func TestStore(t *testing.T) {
	testDSN(t)
	storetest.Run(t, func(t *testing.T) iltod.Store { return open(t, freshSchema(t)) })
}

func TestMigrationsIdempotent(t *testing.T) {
	dsn := freshSchema(t)
	// Instances starting together: the advisory lock lets one migrate while the others
	// wait, then find every migration applied.
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			s, err := postgres.Open(t.Context(), dsn)
			if err != nil {
				t.Errorf("Open together: %v", err)
				return
			}
			s.Close()
		})
	}
	wg.Wait()
	s := open(t, dsn)
	if err := s.CreateElection(t.Context(), storetest.Fixture("mn"), false); err != nil {
		t.Fatal(err)
	}
	open(t, dsn)
	if _, err := s.Election(t.Context(), "mn"); err != nil {
		t.Fatalf("the election after opening again: %v", err)
	}
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(t.Context(), `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	files, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	if want := len(files); n != want {
		t.Errorf("schema_migrations holds %d rows, want %d", n, want)
	}
	if _, err := conn.Exec(t.Context(), `INSERT INTO schema_migrations (version, applied_at) VALUES (999, now())`); err != nil {
		t.Fatal(err)
	}
	if s, err := postgres.Open(t.Context(), dsn); err == nil {
		s.Close()
		t.Fatal("Open accepted a schema with a newer version")
	}
}

func TestOpenErrors(t *testing.T) {
	dsn := testDSN(t)
	secret := "s3cret-password"
	for _, bad := range []string{
		"postgres://user:" + secret + "@127.0.0.1:99999/db",
		"host=127.0.0.1 password=" + secret + " port=notaport",
		withSearchPath(t, dsn, "iltod_test_no_such_schema"),
	} {
		s, err := postgres.Open(t.Context(), bad)
		if err == nil {
			s.Close()
			t.Errorf("Open succeeded with a bad DSN")
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("the error shows the password: %v", err)
		}
	}
}

// BenchmarkCreateElection loads a synthetic election of 100,000 stations into a new
// schema. Run it with -benchtime 1x.
func BenchmarkCreateElection(b *testing.B) {
	p := synth.Package(100_000, 1)
	s := open(b, freshSchema(b))
	loads := 0
	for b.Loop() {
		if err := s.CreateElection(b.Context(), p, true); err != nil {
			b.Fatal(err)
		}
		loads++
	}
	b.ReportMetric(float64(len(p.Stations)*loads)/b.Elapsed().Seconds(), "stations/s")
}

// BenchmarkImportOfficial imports releases of 100,000 stations × 8 candidates into one
// schema, each a new version. Run it with -benchtime 3x.
func BenchmarkImportOfficial(b *testing.B) {
	storetest.BenchmarkImportOfficial(b, open(b, freshSchema(b)))
}

// BenchmarkOfficialResults reads back a release of 100,000 stations × 8 candidates.
func BenchmarkOfficialResults(b *testing.B) {
	storetest.BenchmarkOfficialResults(b, open(b, freshSchema(b)))
}

// TestByteOrder checks that every column holding codes or paths compares bytes, as the
// SQLite store and Go do, whatever the database's locale: keyset pagination, the order of
// stations and the range queries on path rely on it. (The conformance suite cannot see
// this on a database whose own locale is C.)
func TestByteOrder(t *testing.T) {
	dsn := freshSchema(t)
	open(t, dsn)
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(t.Context(), `
		SELECT table_name || '.' || column_name, coalesce(collation_name, '')
		FROM information_schema.columns
		WHERE table_schema = current_schema() AND column_name IN ('id', 'date', 'election', 'code', 'parent', 'path', 'area')`)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var col, collation string
		if err := rows.Scan(&col, &collation); err != nil {
			t.Fatal(err)
		}
		n++
		if collation != "C" {
			t.Errorf("column %s has collation %q, want C", col, collation)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 14 {
		t.Errorf("found %d columns to check, want at least 14", n)
	}
}

// BenchmarkAcceptReports accepts realistic reports (41 answers, signed envelopes of about
// 1 KB, QA checks) in batches of 500, each batch one durable transaction, and reports
// reports/s. The reports are made outside the timed part.
func BenchmarkAcceptReports(b *testing.B) {
	storetest.BenchmarkAcceptReports(b, open(b, freshSchema(b)))
}

// TestInstances runs two stores, each with its own pool, on one schema, as several
// server instances sharing a PostgreSQL do.
func TestInstances(t *testing.T) {
	dsn := freshSchema(t)
	storetest.Instances(t, open(t, dsn), open(t, dsn))
}

// TestEventsAppendOnly checks that the database itself refuses to delete or change an
// event, whatever SQL reaches it, but lets a missing log index be set once.
func TestEventsAppendOnly(t *testing.T) {
	dsn := freshSchema(t)
	s := open(t, dsn)
	ctx := t.Context()
	if err := s.CreateElection(ctx, storetest.Fixture("mn"), false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddEvent(ctx, iltod.Event{Election: "mn", Kind: iltod.EventStaff, Hash: [32]byte{1}, Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for _, q := range []string{
		`DELETE FROM events`,
		`TRUNCATE events`,
		`TRUNCATE elections CASCADE`,
		`DELETE FROM elections WHERE id = 'mn'`,
		`UPDATE events SET hash = '\x0000000000000000000000000000000000000000000000000000000000000000'`,
		`UPDATE events SET election = 'other'`,
		`UPDATE events SET seq = 7`,
		`UPDATE events SET detail = '\x7b7d'`,
	} {
		if _, err := conn.Exec(ctx, q); err == nil {
			t.Errorf("%s: the database allowed it", q)
		}
	}
	if _, err := conn.Exec(ctx, `UPDATE events SET log_index = 0 WHERE seq = 1`); err != nil {
		t.Errorf("setting a missing log index: %v", err)
	}
	if _, err := conn.Exec(ctx, `UPDATE events SET log_index = 1 WHERE seq = 1`); err == nil {
		t.Error("the database allowed a log index to change")
	}
	if _, err := conn.Exec(ctx, `UPDATE events SET log_index = NULL WHERE seq = 1`); err == nil {
		t.Error("the database allowed a log index to be removed")
	}
	ev, err := s.Event(ctx, 1)
	if err != nil || ev.LogIndex == nil || *ev.LogIndex != 0 {
		t.Errorf("the event at the end: %+v, %v", ev, err)
	}
}
