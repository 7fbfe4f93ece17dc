package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestMigrateEventsOfNoElection applies the migrations up to 0003 to a database, fills
// it with elections, events (logged and not, with and without detail) and an official
// release, and then opens it, which applies 0004 (and any later migration). 0004 rebuilds
// events, official_releases and official_results: every row must come through unchanged,
// every reference must hold, and the database must still refuse what it refused before —
// while now accepting an event of no election.
func TestMigrateEventsOfNoElection(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "iltod.db")
	db, err := sql.Open("sqlite", path+"?_txlock=immediate&_foreign_keys=1&_journal_mode=WAL")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	old := &Store{write: db}
	if _, err := db.ExecContext(ctx, `CREATE TABLE schema_migrations (
		version    INTEGER NOT NULL PRIMARY KEY,
		applied_at TEXT    NOT NULL
	) STRICT`); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms[:3] {
		if err := old.apply(ctx, m); err != nil {
			t.Fatalf("migration %s: %v", m.name, err)
		}
	}
	h := func(b byte) []byte { return []byte(strings.Repeat(string(rune('a'+b)), 32)) }
	for _, q := range []string{
		`INSERT INTO elections (id, date, doc) VALUES ('mn', '2024-06-28', '{"id":"mn"}'), ('b', '2024-01-01', '{"id":"b"}'),
			('gone', '2023-01-01', '{"id":"gone"}')`,
		fmt.Sprintf(`INSERT INTO events (seq, election, kind, subject, hash, time, detail, log_index) VALUES
			(1, 'mn', 'report', 'r1', x'%x', '2024-06-28T14:00:00.000000001Z', NULL, 0),
			(2, 'mn', 'import', 'official/1', x'%x', '2024-06-29T01:00:00.000000000Z', x'7b2266696c65223a2261227d', NULL),
			(3, 'b', 'staff', 'election/b', x'%x', '2024-06-29T02:00:00.123456789Z', x'7b7d', NULL)`, h(1), h(2), h(3)),
		fmt.Sprintf(`INSERT INTO official_releases (election, version, seq, hash, source, published, imported, note, results)
			VALUES ('mn', 1, 2, x'%x', 'GEC', '2024-06-29T00:00:00.000000000Z', '2024-06-29T01:00:00.000000000Z', 'n', 2)`, h(2)),
		`INSERT INTO official_results (election, version, station, contest, doc) VALUES
			('mn', 1, 'S1', 'C', '{"contest":"C","counts":{},"station":"S1","votes":{"A":1}}'),
			('mn', 1, 'S2', 'C', '{"contest":"C","counts":{},"station":"S2","votes":{"A":2}}')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	tables := map[string]string{
		"events":            `SELECT seq, election, kind, subject, hash, time, detail, log_index FROM events ORDER BY seq`,
		"official_releases": `SELECT election, version, seq, hash, source, published, imported, note, results FROM official_releases ORDER BY election, version`,
		"official_results":  `SELECT election, version, station, contest, doc FROM official_results ORDER BY election, version, station, contest`,
		"elections":         `SELECT id, date, doc FROM elections ORDER BY id`,
	}
	before := map[string][][]any{}
	for name, q := range tables {
		before[name] = rows(t, db, q)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open (migrating from 0003): %v", err)
	}
	defer s.Close()
	for name, q := range tables {
		if got := rows(t, s.write, q); !reflect.DeepEqual(got, before[name]) {
			t.Errorf("%s changed in the migration:\n got: %v\nwant: %v", name, got, before[name])
		}
	}
	if bad := rows(t, s.write, `PRAGMA foreign_key_check`); len(bad) > 0 {
		t.Errorf("foreign_key_check: %v", bad)
	}
	if got := rows(t, s.write, `PRAGMA integrity_check`); fmt.Sprint(got) != "[[ok]]" {
		t.Errorf("integrity_check: %v", got)
	}
	// The references of the rebuilt tables point at the rebuilt tables.
	for _, table := range []string{"official_releases", "official_results", "samples", "staff"} {
		var ddl string
		if err := s.write.QueryRowContext(ctx, `SELECT sql FROM sqlite_schema WHERE name = ?`, table).Scan(&ddl); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(ddl, "_new") {
			t.Errorf("the table %s refers to a table that was renamed: %s", table, ddl)
		}
	}
	ev, err := s.Event(ctx, 1)
	if err != nil || ev.LogIndex == nil || *ev.LogIndex != 0 || ev.Subject != "r1" {
		t.Errorf("Event(1) after the migration: %+v, %v", ev, err)
	}

	// What the database refuses, and what it now accepts.
	for _, q := range []string{
		fmt.Sprintf(`INSERT INTO events (seq, election, kind, subject, hash, time) VALUES (4, 'nope', 'staff', '', x'%x', 't')`, h(4)),
		`DELETE FROM elections WHERE id = 'mn'`,
		`DELETE FROM elections WHERE id = 'b'`,
		`UPDATE elections SET id = 'c' WHERE id = 'b'`,
		`DELETE FROM events`,
		`UPDATE events SET election = '' WHERE seq = 3`,
		fmt.Sprintf(`INSERT INTO official_releases (election, version, seq, hash, source, published, imported, note, results)
			VALUES ('mn', 2, 99, x'%x', 'GEC', '', '', '', 1)`, h(5)),
		`INSERT INTO official_results (election, version, station, contest, doc) VALUES ('mn', 7, 'S1', 'C', '{}')`,
		`DELETE FROM official_releases`,
		`UPDATE official_results SET doc = '{}'`,
	} {
		if _, err := s.write.ExecContext(ctx, q); err == nil {
			t.Errorf("%s: the database allowed it", q)
		}
	}
	for _, q := range []string{
		fmt.Sprintf(`INSERT INTO events (seq, election, kind, subject, hash, time) VALUES (4, '', 'staff', 'staff/bold', x'%x', '2024-06-30T00:00:00.000000000Z')`, h(4)),
		`DELETE FROM elections WHERE id = 'gone'`,
		`UPDATE events SET log_index = 1 WHERE seq = 2`,
	} {
		if _, err := s.write.ExecContext(ctx, q); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
	ev, err = s.Event(ctx, 4)
	if err != nil || ev.Election != "" || ev.Subject != "staff/bold" {
		t.Errorf("Event(4), of no election: %+v, %v", ev, err)
	}
}

// rows returns every row q selects, each column as the driver gives it.
func rows(t *testing.T, db *sql.DB, q string) [][]any {
	t.Helper()
	rs, err := db.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rs.Close()
	cols, err := rs.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]any
	for rs.Next() {
		row := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range row {
			ptrs[i] = &row[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, row)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
