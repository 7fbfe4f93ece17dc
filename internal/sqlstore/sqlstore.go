// Package sqlstore is the iltod.Store, kept in SQL: one implementation of every query and
// every transaction, on SQLite (OpenSQLite, the embedded default) or PostgreSQL
// (OpenPostgres, for several server instances or heavy analysis), through database/sql.
// Only what truly differs is per dialect (sqlite.go, postgres.go): opening, how writers
// exclude each other, bulk loads, and a few SQL spellings.
//
// A Store is safe for concurrent use, by several goroutines and by several processes
// sharing the database. Writers are serialised, so that every transaction that appends
// events numbers them from max(seq)+1: sequence numbers are gapless and in commit order.
// On SQLite there is one writer connection, whose transactions begin IMMEDIATE; on
// PostgreSQL every transaction that appends events (or marks them logged, or deletes or
// replaces an election) first takes one transaction-level advisory lock. Once a write's
// statements have succeeded its commit is seen through even if ctx is cancelled, so that an
// error means the write did not happen. Reads never wait for writers, and reads that take
// more than one statement see one snapshot: a read-only transaction on SQLite's WAL, a
// read-only REPEATABLE READ transaction on PostgreSQL.
//
// Every method returns an *iltod.Error: ENotFound, EConflict or EInvalid as iltod.Store
// documents, or EInternal, whose message hides the cause it wraps.
//
// The schema is created and upgraded by the migrations embedded from migrations/, one
// ordered list for both dialects, each applied in its own transaction (on PostgreSQL under
// an advisory lock, so that instances starting together do not race) and recorded in the
// table schema_migrations. A Store refuses a database migrated by a newer program.
package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/locales"
)

// Store is an iltod.Store kept in a SQL database. It is safe for concurrent use.
type Store struct {
	d     *dialect
	write *sql.DB // SQLite: the single writer; PostgreSQL: the pool
	read  *sql.DB // SQLite: query-only connections; PostgreSQL: the pool
	close func() error
	// stmts keeps the statements of frequent writes prepared (SQLite; nil on PostgreSQL).
	stmts *stmtCache
	// wal makes the writer's commits durable (SQLite; nil on PostgreSQL, where a commit
	// is durable when it returns).
	wal *walSync

	// openLock opens a database of one connection for the signer lock (PostgreSQL);
	// nil on SQLite, where signer says whether a caller holds it.
	openLock func() (*sql.DB, error)
	signer   atomic.Bool
	// takes counts TakeToken's calls, to prune full buckets now and then.
	takes atomic.Uint64
}

var (
	_ iltod.Store         = (*Store)(nil)
	_ iltod.IntakeStore   = (*Store)(nil)
	_ iltod.OfficialStore = (*Store)(nil)
	_ iltod.AdminStore    = (*Store)(nil)
)

// dialect is what differs between the databases.
type dialect struct {
	name string
	// readTx and writeTx are the options of read and write transactions.
	readTx, writeTx *sql.TxOptions
	// lockEvents, if not "", is the first statement of every transaction that appends or
	// marks events, and lockMigrations of every migration.
	lockEvents, lockMigrations string
	// copy inserts n rows into table; row returns the values of row i in the order of cols.
	copy func(ctx context.Context, tx *tx, table string, cols []string, n int, row func(i int, vals []any) []any) error
	// loaded, if not "", runs after an election's records are loaded, in the same transaction.
	loaded string
	// committed, if not nil, is called after a write transaction commits.
	committed func()
	// types spells the column types and table options of the migrations.
	types *strings.Replacer
	// forShare locks the rows a SELECT reads against updates, where rows can be locked.
	forShare string
	// forUpdate locks the rows a SELECT reads against other writers, where rows can be
	// locked.
	forUpdate string
	// textList returns a subquery of the strings vals, passed as $1, and the argument;
	// pairList one of the pairs of integers vals as rows (ord, a, b), ord their order,
	// and the arguments it takes, from $1 on.
	textList func(vals []string) (query string, arg any)
	pairList func(vals [][2]int64) (query string, args []any)
	// indexedBy returns the spelling that makes a query use the named index, for the
	// planners that need telling.
	indexedBy func(index string) string
	// stationsIn are the queries of a page of the stations of an area ($1 election, $2 and
	// $3 the bounds of the area's path, $4 after, $5 limit): of the whole country, and of
	// an area below it.
	stationsInCountry, stationsInArea string
}

// tx is a transaction of a Store, with the connection it runs on.
type tx struct {
	*sql.Tx
	conn  *sql.Conn
	cache *stmtCache
}

// prepare returns query prepared for the transaction: the statement the store keeps
// prepared, if it does, or else one prepared now, which closes with the transaction.
func (t *tx) prepare(ctx context.Context, query string) (*sql.Stmt, error) {
	if st := t.cache.get(query); st != nil {
		return t.StmtContext(ctx, st), nil
	}
	return t.PrepareContext(ctx, query)
}

// ExecContext, QueryContext and QueryRowContext run query as *sql.Tx's do, through the
// store's prepared statement if it keeps one.
func (t *tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.cache.get(query); st != nil {
		return t.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, query, args...)
}

func (t *tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.cache.get(query); st != nil {
		return t.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, query, args...)
}

func (t *tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.cache.get(query); st != nil {
		return t.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, query, args...)
}

// stmtCache keeps statements that every write transaction of a kind runs prepared on the
// writer, so that each is compiled once, not once per transaction: compiling a
// multi-row INSERT costs as much as running it for a few dozen rows. Only SQLite has one
// (pgx keeps the statements it has prepared on each connection itself). A nil
// *stmtCache keeps nothing.
type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// get returns the prepared statement of query, or nil if there is none.
func (c *stmtCache) get(query string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[query]
}

// prepare prepares those of queries it does not yet keep. It must not be called inside
// a write transaction: preparing waits for the writer's connection.
func (c *stmtCache) prepare(ctx context.Context, queries []string) error {
	if c == nil {
		return nil
	}
	for _, q := range queries {
		if c.get(q) != nil {
			continue
		}
		st, err := c.db.PrepareContext(ctx, q)
		if err != nil {
			return err
		}
		c.mu.Lock()
		if c.m == nil {
			c.m = map[string]*sql.Stmt{}
		}
		if c.m[q] == nil {
			c.m[q], st = st, nil
		}
		c.mu.Unlock()
		if st != nil { // another caller prepared it first
			st.Close()
		}
	}
	return nil
}

// close closes the statements kept.
func (c *stmtCache) close() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, st := range c.m {
		errs = append(errs, st.Close())
	}
	c.m = nil
	return errors.Join(errs...)
}

// querier runs one statement.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

// Close closes the database. Calls in progress may fail; the Store must not be used after.
func (s *Store) Close() error {
	if err := s.close(); err != nil {
		return fmt.Errorf("close %s: %w", s.d.name, err)
	}
	return nil
}

// writeTx runs f in a write transaction that holds the event lock, and commits. (On
// SQLite, the single writer is that lock.)
func (s *Store) writeTx(ctx context.Context, f func(tx *tx) error) error {
	return s.inTx(ctx, true, f)
}

// inTx runs f in a write transaction, holding the event lock if lock, and commits. The
// transaction begins without ctx's cancellation, so that once f has succeeded the commit
// is seen through: a cancellation during the commit would only leave the caller unsure
// whether it happened, and the error returned must mean that it did not. f's statements
// run with ctx.
//
// inTx returns once the commit is durable. On SQLite the writer is free for the next
// transaction before then (see walSync), and readers see the commit before it is durable:
// if syncing it fails, inTx returns an error though the commit happened. It is then in
// the database until a crash of the machine, which may take it back, and a retry finds
// its rows (an intake's retry is a Duplicate); every later inTx fails without writing,
// until the store is opened again.
func (s *Store) inTx(ctx context.Context, lock bool, f func(tx *tx) error) error {
	if s.wal != nil {
		if err := s.wal.broken(); err != nil {
			return err
		}
	}
	if err := s.commitTx(ctx, lock, f); err != nil {
		return err
	}
	if s.d.committed != nil {
		s.d.committed()
	}
	if s.wal != nil {
		if err := s.wal.commit(); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
	}
	return nil
}

// commitTx is inTx up to the commit, after which it releases the writer's connection.
func (s *Store) commitTx(ctx context.Context, lock bool, f func(tx *tx) error) error {
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer conn.Close()
	t, err := conn.BeginTx(context.WithoutCancel(ctx), s.d.writeTx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer t.Rollback()
	if lock && s.d.lockEvents != "" {
		if _, err := t.ExecContext(ctx, s.d.lockEvents); err != nil {
			return fmt.Errorf("take the event lock: %w", err)
		}
	}
	if err := f(&tx{Tx: t, conn: conn, cache: s.stmts}); err != nil {
		return err
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// readTx runs f in a read-only transaction, so that its statements see one snapshot.
func (s *Store) readTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := s.read.BeginTx(ctx, s.d.readTx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit()
}

//go:embed migrations/*.sql
var migrationFiles embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in version order, spelled for d. Migration
// N is the file NNNN_description.sql, followed by NNNN_description.<dialect>.sql if there
// is one; versions start at 1 and have no gaps.
func (d *dialect) migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	byVersion := map[int]*migration{}
	own := map[int]string{} // the dialect's part of each version
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		stem, dialect, specific := strings.Cut(strings.TrimSuffix(base, ".sql"), ".")
		if specific && dialect != d.name {
			continue
		}
		num, _, ok := strings.Cut(stem, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 {
			return nil, fmt.Errorf("migration %s: the name does not start with a version number and '_'", base)
		}
		b, err := migrationFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		switch {
		case specific:
			own[v] += string(b)
		case byVersion[v] != nil:
			return nil, fmt.Errorf("migration %s: version %d twice", base, v)
		default:
			byVersion[v] = &migration{version: v, name: base, sql: d.types.Replace(string(b))}
		}
	}
	ms := make([]migration, len(byVersion))
	for v, m := range byVersion {
		if v > len(ms) {
			return nil, fmt.Errorf("migration %s: want version %d or less", m.name, len(ms))
		}
		m.sql += "\n" + own[v]
		ms[v-1] = *m
	}
	return ms, nil
}

// migrate applies the migrations the database lacks.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := s.d.migrations()
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

// apply applies m unless it already is, in one transaction that holds the migration lock
// until it ends and reads schema_migrations afresh. known is the newest version this
// program knows.
func (s *Store) apply(ctx context.Context, m migration, known int) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if s.d.lockMigrations != "" {
		if _, err := tx.ExecContext(ctx, s.d.lockMigrations); err != nil {
			return fmt.Errorf("take the migration lock: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer NOT NULL PRIMARY KEY,
		applied_at text    NOT NULL
	)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var newest int
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&newest); err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	if newest > known {
		return fmt.Errorf("the database has schema version %d, newer than this program's %d", newest, known)
	}
	if newest >= m.version { // migrations are applied in order
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`,
		m.version, formatTime(time.Now())); err != nil {
		return err
	}
	return tx.Commit()
}

// internal wraps err as an EInternal *iltod.Error whose message hides the cause, unless
// err already is an *iltod.Error or is a fault of the storage (see unavailable).
func internal(err error) error {
	if err == nil {
		return nil
	}
	var e *iltod.Error
	if errors.As(err, &e) {
		return err
	}
	if u := unavailable(err); u != nil {
		return u
	}
	return &iltod.Error{Code: iltod.EInternal, Message: "internal error", Err: err}
}

// wrap adds context to err, keeping nil nil.
func wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}

// num writes an event's number or a log index for an error's data: as digits only, like
// the identifiers they are, not as a quantity in the reader's way.
func num[T ~int64 | ~uint64](n T) string { return fmt.Sprint(n) }

func electionNotFound(id string) error {
	return iltod.E(iltod.ENotFound, "error.no_election", locales.Args{"Election": id})
}

// timeLayout is how the tables keep times: UTC, to the nanosecond, in a fixed width so
// that text order is time order.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) }

// collect reads every row of rows with scan, then closes rows. It returns the rows read,
// never nil, or the first error of scan or of the iteration.
func collect[T any](rows *sql.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// ofElection returns the rows query selects of an election, $1, read in one snapshot with
// the check that the election exists (ENotFound).
func ofElection[T any](ctx context.Context, s *Store, election string, scan func(scanner) (T, error), query string) ([]T, error) {
	var out []T
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		if err := electionExists(ctx, tx, election); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, query, election)
		out, err = collect(rows, err, scan)
		return err
	})
	return out, err
}

// decode is a scan function for collect that decodes the single JSON column of a row of
// *sql.Rows. The row's bytes are decoded where the driver holds them, not copied.
func decode[T any](sc scanner) (T, error) {
	var v T
	var doc sql.RawBytes
	if err := sc.Scan(&doc); err != nil {
		return v, err
	}
	if err := json.Unmarshal(doc, &v); err != nil {
		return v, fmt.Errorf("decode: %w", err)
	}
	return v, nil
}

// hashCol scans a 32-byte hash.
type hashCol [32]byte

func (h *hashCol) Scan(src any) error {
	b, ok := src.([]byte)
	if !ok || len(b) != len(h) {
		return fmt.Errorf("a hash of %d bytes, want %d", len(b), len(h))
	}
	copy(h[:], b)
	return nil
}

// timeCol scans a time kept as text (timeLayout); optional ones are NULL when absent.
type timeCol struct {
	t   *time.Time
	opt **time.Time
}

func (c timeCol) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case nil:
		if c.opt != nil {
			*c.opt = nil
			return nil
		}
	case string:
		s = v
	case []byte:
		s = string(v)
	}
	t, err := parseTime(s)
	if c.opt != nil {
		c.t = new(time.Time)
		*c.opt = c.t
	}
	*c.t = t
	return err
}

// timeOf and optTime return scan destinations for a time and an optional time.
func timeOf(t *time.Time) timeCol   { return timeCol{t: t} }
func optTime(t **time.Time) timeCol { return timeCol{opt: t} }
