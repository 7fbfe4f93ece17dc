package backup

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	"github.com/jackc/pgx/v5"

	"github.com/iltod/iltod/locales"

	_ "modernc.org/sqlite" // the "sqlite" driver, as internal/sqlstore uses it
)

// sqliteSnapshot copies a SQLite store with VACUUM INTO: one read transaction, so a
// consistent snapshot while the server keeps writing (the store runs in WAL mode), and a
// compact file. SQLite's online backup API would copy the same pages, but restarts
// whenever another connection writes to the source, which under load may never end
// unless it copies everything in one step — the same one read transaction, through a
// driver-specific interface rather than SQL.
type sqliteSnapshot struct {
	path, tmpDir string
	tmp          string
}

func (s *sqliteSnapshot) begin(ctx context.Context, m *Manifest) error {
	if _, err := os.Stat(s.path); err != nil {
		return locales.NewError("cli.backup.read", locales.Args{"Err": err})
	}
	f, err := os.CreateTemp(s.tmpDir, ".iltod-backup-*.db")
	if err != nil {
		return locales.NewError("cli.backup.write", locales.Args{"Err": err})
	}
	s.tmp = f.Name()
	f.Close()
	os.Remove(s.tmp) // VACUUM INTO wants a file that does not exist
	db, err := sql.Open("sqlite", s.path+"?_busy_timeout=10000")
	if err != nil {
		return locales.NewError("cli.backup.store", locales.Args{"Err": err})
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, s.tmp); err != nil {
		return locales.NewError("cli.backup.store", locales.Args{"Err": err})
	}
	return readCounts(ctx, "sqlite", s.tmp, m)
}

func (s *sqliteSnapshot) write(ctx context.Context, w *archive) error {
	return w.addFile(storeSQLite, s.tmp)
}

func (s *sqliteSnapshot) close() {
	if s.tmp != "" {
		os.Remove(s.tmp)
	}
}

// readCounts sets m.Events and m.Migration from a SQLite file.
func readCounts(ctx context.Context, driver, dsn string, m *Manifest) error {
	db, err := sql.Open(driver, dsn+"?_query_only=1")
	if err != nil {
		return locales.NewError("cli.backup.store", locales.Args{"Err": err})
	}
	defer db.Close()
	var events int64
	if err := db.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM events`).Scan(&events); err != nil {
		return locales.NewError("cli.backup.store", locales.Args{"Err": err})
	}
	if err := db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&m.Migration); err != nil {
		return locales.NewError("cli.backup.store", locales.Args{"Err": err})
	}
	m.Events = uint64(events)
	return nil
}

// pgSnapshot copies a PostgreSQL store table by table with COPY, in one REPEATABLE READ
// transaction: a logical copy of iltod's own tables, restored into a database that
// iltod migrated itself. pg_dump would work as well for the database (see
// docs/backup.md), but must match the server's major version, copies whatever else the
// database holds, and cannot be frozen together with the log.
type pgSnapshot struct {
	dsn string
	// tmpDir holds each table's copy while it is added to the backup.
	tmpDir string
	conn   *pgx.Conn
	tx     pgx.Tx
}

func (s *pgSnapshot) begin(ctx context.Context, m *Manifest) error {
	var err error
	if s.conn, err = pgx.Connect(ctx, s.dsn); err != nil {
		return locales.NewError("cli.backup.store", locales.Args{"Err": redact(err)})
	}
	if s.tx, err = s.conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}); err != nil {
		return locales.NewError("cli.backup.store", locales.Args{"Err": err})
	}
	// The first query fixes the snapshot, while the log is frozen.
	var events int64
	if err := s.tx.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM events`).Scan(&events); err != nil {
		return locales.NewError("cli.backup.store", locales.Args{"Err": err})
	}
	if err := s.tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&m.Migration); err != nil {
		return locales.NewError("cli.backup.store", locales.Args{"Err": err})
	}
	m.Events = uint64(events)
	return nil
}

func (s *pgSnapshot) write(ctx context.Context, w *archive) error {
	tables, err := pgTables(ctx, s.tx)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp(s.tmpDir, ".iltod-backup-pg-*")
	if err != nil {
		return locales.NewError("cli.backup.write", locales.Args{"Err": err})
	}
	defer os.RemoveAll(dir)
	for _, t := range tables {
		path := filepath.Join(dir, t.Name)
		f, err := os.Create(path)
		if err != nil {
			return locales.NewError("cli.backup.write", locales.Args{"Err": err})
		}
		tag, err := s.tx.Conn().PgConn().CopyTo(ctx, f, fmt.Sprintf(`COPY %s (%s) TO STDOUT`, ident(t.Name), idents(t.Columns)))
		f.Close()
		if err != nil {
			return locales.NewError("cli.backup.store", locales.Args{"Err": err})
		}
		t.Rows = tag.RowsAffected()
		if err := w.addFile(storePG+t.Name+".copy", path); err != nil {
			return err
		}
		w.m.Tables = append(w.m.Tables, t)
		os.Remove(path)
	}
	return nil
}

func (s *pgSnapshot) close() {
	if s.tx != nil {
		s.tx.Rollback(context.Background())
	}
	if s.conn != nil {
		s.conn.Close(context.Background())
	}
}
