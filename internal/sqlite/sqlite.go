// Package sqlite is the embedded iltod.Store: one SQLite database file, opened through the
// pure-Go driver modernc.org/sqlite (no cgo), in WAL mode.
//
// A Store keeps two pools of connections to the same file: a single writer, whose
// transactions begin IMMEDIATE so that a write never fails half-way on a lock, and whose
// commits are synced to disk before they return (synchronous=FULL), and several
// query-only readers, which WAL lets run alongside the writer, each reading a consistent
// snapshot. Other processes may open the same file; they wait for each other's writes for up
// to BusyTimeout.
//
// Checkpoints, which copy committed pages from the WAL into the database file, run in the
// background on a connection of their own, so that a commit does not wait for them.
//
// The schema is created and upgraded by the migrations embedded from migrations/, each
// applied in its own transaction and recorded in the table schema_migrations.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/iltod/iltod"
	sqlite3 "modernc.org/sqlite" // registers the "sqlite" driver
	sqlite3lib "modernc.org/sqlite/lib"
)

// BusyTimeout is how long a statement waits for a lock held by another connection or
// process before it fails.
const BusyTimeout = 10 * time.Second

// Store is an iltod.Store kept in a SQLite database file. It is safe for concurrent use.
type Store struct {
	write *sql.DB // one connection: SQLite has one writer at a time
	read  *sql.DB // query-only connections
	ckpt  *sql.DB // one connection, for checkpoints (see checkpoints)

	kick chan struct{} // a commit happened (buffered, 1)
	stop chan struct{} // closed by Close
	done chan struct{} // closed when checkpoints returns
}

var _ iltod.Store = (*Store)(nil)

// Open opens the SQLite database file at path, creating it if it does not exist, and
// applies any migrations it lacks. The directory holding path must exist. path must
// name a file (not ":memory:", which would give each connection a database of its own)
// and may not contain '?'. Open returns an error if the database was migrated by a newer
// version of iltod than this one.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") || strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("open sqlite: %q is not a plain file path", path)
	}
	busy := strconv.FormatInt(BusyTimeout.Milliseconds(), 10)
	// synchronous=FULL: in WAL mode SQLite then syncs the log at every commit, so that a
	// commit that returned survives a crash of the machine, not only of the process: an
	// accepted report must never be lost. (NORMAL would sync only at checkpoints.)
	// wal_autocheckpoint(0): the writer does not checkpoint; checkpoints does.
	write, err := sql.Open("sqlite", path+"?_txlock=immediate&_busy_timeout="+busy+
		"&_journal_mode=WAL&_synchronous=FULL&_foreign_keys=1&_pragma=cache_size(-65536)&_pragma=wal_autocheckpoint(0)")
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxIdleTime(0)
	write.SetConnMaxLifetime(0)
	s := &Store{write: write}
	if err := ping(ctx, write); err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	if err := s.migrate(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("migrate sqlite %s: %w", path, err)
	}
	s.read, err = sql.Open("sqlite", path+"?_busy_timeout="+busy+"&_query_only=1")
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	readers := max(4, 2*runtime.GOMAXPROCS(0))
	s.read.SetMaxOpenConns(readers)
	s.read.SetMaxIdleConns(readers)
	if err := s.read.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	s.ckpt, err = sql.Open("sqlite", path+"?_busy_timeout="+busy+"&_synchronous=FULL")
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	s.ckpt.SetMaxOpenConns(1)
	s.kick, s.stop, s.done = make(chan struct{}, 1), make(chan struct{}), make(chan struct{})
	go s.checkpoints()
	return s, nil
}

// ping opens a connection of db, retrying for up to BusyTimeout while SQLite reports the
// database busy: setting up a connection in WAL mode can fail so at once, without waiting
// as statements do, while another process closes the database's last connection (which
// checkpoints and removes the WAL under an exclusive lock).
func ping(ctx context.Context, db *sql.DB) error {
	for start := time.Now(); ; {
		err := db.PingContext(ctx)
		var e *sqlite3.Error
		if err == nil || !errors.As(err, &e) || e.Code()&0xff != sqlite3lib.SQLITE_BUSY || time.Since(start) > BusyTimeout {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// checkpointInterval is the shortest time between two checkpoints.
const checkpointInterval = 100 * time.Millisecond

// checkpoints copies committed pages from the WAL into the database file, after a commit
// and at most once every checkpointInterval, until Close. A checkpoint on a connection of
// its own lets a commit return without waiting for one, as it would with the writer's
// automatic checkpoints, and lets it run on another core; being PASSIVE, it waits for no
// reader and no writer. Committed pages are safe in the WAL, so a checkpoint that fails
// loses nothing: the next one copies them.
func (s *Store) checkpoints() {
	defer close(s.done)
	for {
		select {
		case <-s.stop:
			return
		case <-s.kick:
		}
		var busy, log, copied int
		_ = s.ckpt.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &log, &copied)
		select {
		case <-s.stop:
			return
		case <-time.After(checkpointInterval):
		}
	}
}

// committed tells checkpoints that a transaction has committed.
func (s *Store) committed() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Close closes the database. Calls in progress may fail; the Store must not be used after.
func (s *Store) Close() error {
	var errs []error
	if s.stop != nil {
		close(s.stop)
		<-s.done
		errs = append(errs, s.ckpt.Close())
	}
	if s.read != nil {
		errs = append(errs, s.read.Close())
	}
	// The writer is the last connection to close, which checkpoints the whole WAL.
	errs = append(errs, s.write.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close sqlite: %w", err)
	}
	return nil
}

//go:embed migrations/*.sql
var migrationFiles embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in version order. A file is named
// NNNN_description.sql; versions start at 1 and have no gaps.
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 {
			return nil, fmt.Errorf("migration %s: the name does not start with a version number and '_'", base)
		}
		b, err := migrationFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: want version %d", m.name, i+1)
		}
	}
	return ms, nil
}

// migrate applies the migrations the database lacks, each in an IMMEDIATE transaction
// that first checks again whether another process applied it meanwhile.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	if _, err := s.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER NOT NULL PRIMARY KEY,
		applied_at TEXT    NOT NULL
	) STRICT`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var newest int
	if err := s.write.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&newest); err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	if newest > len(ms) {
		return fmt.Errorf("the database has schema version %d, newer than this program's %d", newest, len(ms))
	}
	for _, m := range ms[newest:] {
		if err := s.apply(ctx, m); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

func (s *Store) apply(ctx context.Context, m migration) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var done bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?)`, m.version).Scan(&done); err != nil {
		return err
	}
	if done {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at)
		VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`, m.version); err != nil {
		return err
	}
	return tx.Commit()
}

// internal wraps err as an EInternal *iltod.Error whose message hides the cause, unless
// err already is an *iltod.Error.
func internal(err error) error {
	if err == nil {
		return nil
	}
	var e *iltod.Error
	if errors.As(err, &e) {
		return err
	}
	return &iltod.Error{Code: iltod.EInternal, Message: "internal error", Err: err}
}

func electionNotFound(id string) error {
	return iltod.Errorf(iltod.ENotFound, "election %q not found", id)
}
