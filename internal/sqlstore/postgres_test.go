package sqlstore_test

import (
	"database/sql"
	"strings"
	"testing"

	"github.com/iltod/iltod/internal/sqlstore"
)

// TestLockEventsDurable checks that a transaction that appends events commits durably
// even where the server or the session turned synchronous_commit off, and keeps a
// stronger setting as it is.
func TestLockEventsDurable(t *testing.T) {
	db, err := sql.Open("pgx", testDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := t.Context()
	for _, tc := range []struct{ set, want string }{
		{"off", "on"}, {"local", "local"}, {"on", "on"}, {"remote_apply", "remote_apply"},
	} {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec("SET LOCAL synchronous_commit = " + tc.set); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(sqlstore.LockEvents); err != nil {
			t.Fatal(err)
		}
		var got string
		if err := tx.QueryRow(`SHOW synchronous_commit`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("synchronous_commit %s, after lockEvents: %s; want %s", tc.set, got, tc.want)
		}
		tx.Rollback()
	}
}

func TestOpenPostgresErrors(t *testing.T) {
	dsn := testDSN(t)
	secret := "s3cret-password"
	for _, bad := range []string{
		"postgres://user:" + secret + "@127.0.0.1:99999/db",
		"host=127.0.0.1 password=" + secret + " port=notaport",
		withSearchPath(t, dsn, "iltod_test_no_such_schema"),
	} {
		s, err := sqlstore.OpenPostgres(t.Context(), bad)
		if err == nil {
			s.Close()
			t.Errorf("OpenPostgres succeeded with a bad DSN")
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("the error shows the password: %v", err)
		}
	}
}

// TestByteOrder checks that every column holding codes or paths compares bytes, as
// SQLite and Go do, whatever the database's locale: keyset pagination, the order of
// stations and the range queries on path rely on it. (The conformance suite cannot see
// this on a database whose own locale is C.)
func TestByteOrder(t *testing.T) {
	ms, err := sqlstore.PostgresMigrations()
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", testDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() // the schema is created in a temporary one and never committed
	for _, q := range []string{`CREATE SCHEMA iltod_test_byte_order`, `SET LOCAL search_path = iltod_test_byte_order`, ms[0]} {
		if _, err := tx.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := tx.Query(`
		SELECT table_name || '.' || column_name, coalesce(collation_name, '')
		FROM information_schema.columns
		WHERE table_schema = current_schema() AND column_name IN ('id', 'date', 'election', 'code', 'parent', 'path', 'area')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
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
