// Package postgres is the iltod.Store for deployments with several server instances or
// heavy analysis: a PostgreSQL database reached through a pgx connection pool.
//
// The store keeps its tables in the first schema of the connection's search_path (normally
// public), so that several stores can share a database in schemas of their own. Elections
// are bulk-loaded with COPY. Reads that take more than one statement run in a read-only
// REPEATABLE READ transaction, so each call sees one consistent snapshot.
//
// Every transaction that appends events (or marks them logged, or deletes or replaces an
// election) first takes one transaction-level advisory lock, and numbers its events from
// max(seq)+1, so that sequence numbers are gapless and in commit order however many
// server instances share the database. Such transactions therefore commit one at a
// time, as on SQLite; reads do not wait for them.
//
// The schema is created and upgraded by the migrations embedded from migrations/, each
// applied in its own transaction, under a transaction-level advisory lock so that instances
// starting together do not race, and recorded in the table schema_migrations.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/iltod/iltod"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Store is an iltod.Store kept in PostgreSQL. It is safe for concurrent use, by several
// goroutines and by several processes sharing the database.
type Store struct {
	pool *pgxpool.Pool
}

var _ iltod.Store = (*Store)(nil)

// Open connects to the PostgreSQL database named by dsn, a URL
// ("postgres://user@host:5432/db?sslmode=disable") or keyword/value string as pgx
// accepts (pool settings such as pool_max_conns included; search_path selects the
// schema), checks the connection and applies any migrations the schema lacks. Open
// returns an error if the schema was migrated by a newer version of iltod than this one.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's error quotes the DSN with the password redacted only as far as it can
		// tell where the password is: say only what failed.
		return nil, errors.New("open postgres: cannot parse the connection string")
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	s := &Store{pool: pool}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("migrate postgres: %w", err)
	}
	return s, nil
}

// Close closes every connection of the pool, waiting for those in use to be released.
func (s *Store) Close() error {
	s.pool.Close()
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

// migrationLock is the first key of the advisory lock taken while migrating ("iltd");
// the second is a hash of the schema, so stores in different schemas do not wait for
// each other.
const migrationLock = 0x696c7464

// migrate applies the migrations the schema lacks.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	for _, m := range ms {
		if err := s.apply(ctx, m, len(ms)); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

// apply applies m unless it already is, in one transaction that holds the migration
// lock until it ends. known is the newest version this program knows.
func (s *Store) apply(ctx context.Context, m migration, known int) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	var schema *string
	if err := tx.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return err
	}
	if schema == nil {
		return errors.New("no schema of the search_path exists")
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, migrationLock, *schema); err != nil {
		return fmt.Errorf("take the migration lock: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer     NOT NULL PRIMARY KEY,
		applied_at timestamptz NOT NULL
	)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var newest int
	var done bool
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0), coalesce(bool_or(version = $1), false) FROM schema_migrations`,
		m.version).Scan(&newest, &done); err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	if newest > known {
		return fmt.Errorf("the schema has version %d, newer than this program's %d", newest, known)
	}
	if done {
		return nil
	}
	// With no arguments, Exec uses the simple protocol, which runs several statements.
	if _, err := tx.Exec(ctx, m.sql); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, now())`, m.version); err != nil {
		return err
	}
	return tx.Commit(ctx)
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

// readTx runs f in a read-only REPEATABLE READ transaction, so that its statements
// see one snapshot.
func (s *Store) readTx(ctx context.Context, f func(tx pgx.Tx) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}
