package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/bits"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	sqlite3 "modernc.org/sqlite" // registers the "sqlite" driver
	sqlite3lib "modernc.org/sqlite/lib"
)

// BusyTimeout is how long a statement on SQLite waits for a lock held by another
// connection or process before it fails.
const BusyTimeout = 10 * time.Second

// OpenSQLite opens the SQLite database file at path, creating it if it does not exist,
// and applies any migrations it lacks. The directory holding path must exist. path must
// name a file (not ":memory:", which would give each connection a database of its own)
// and may not contain '?'. OpenSQLite returns an error if the database was migrated by a
// newer version of iltod than this one.
//
// The database is opened through the pure-Go driver modernc.org/sqlite (no cgo), in WAL
// mode, in two pools of connections: a single writer, whose transactions begin IMMEDIATE
// so that a write never fails half-way on a lock, and whose commits are synced to disk
// before they return (synchronous=FULL); and several query-only readers, which WAL lets
// run alongside the writer, each reading a consistent snapshot. Other processes may open
// the same file; they wait for each other's writes for up to BusyTimeout. Checkpoints,
// which copy committed pages from the WAL into the database file, run in the background on
// a connection of their own, so that a commit does not wait for them.
func OpenSQLite(ctx context.Context, path string) (*Store, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") || strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("open sqlite: %q is not a plain file path", path)
	}
	busy := strconv.FormatInt(BusyTimeout.Milliseconds(), 10)
	// synchronous=NORMAL: SQLite syncs the WAL only at checkpoints, and walSync syncs it
	// after every commit, with the writer free for the next transaction, before the
	// commit returns: a commit that returned survives a crash of the machine, not only of
	// the process, as with FULL, but the writer does not wait for the disk.
	// wal_autocheckpoint(0): the writer does not checkpoint; checkpoints does.
	write, err := sql.Open("sqlite", path+"?_txlock=immediate&_busy_timeout="+busy+
		"&_journal_mode=WAL&_synchronous=NORMAL&_foreign_keys=1&_pragma=cache_size(-65536)&_pragma=wal_autocheckpoint(0)")
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxIdleTime(0)
	write.SetConnMaxLifetime(0)
	c := &checkpointer{kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	w := &walSync{db: path}
	s := &Store{d: sqliteDialect(c), write: write, close: write.Close, stmts: &stmtCache{db: write}, wal: w}
	if err := ping(ctx, write); err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	if err := s.migrate(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("migrate sqlite %s: %w", path, err)
	}
	if err := w.sync(); err != nil { // the migrations, which are not inTx's
		write.Close()
		return nil, fmt.Errorf("migrate sqlite %s: sync: %w", path, err)
	}
	if s.read, err = sql.Open("sqlite", path+"?_busy_timeout="+busy+"&_query_only=1"); err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	s.close = func() error {
		// The writer is the last connection to close, which checkpoints the whole WAL.
		return errors.Join(c.close(), s.stmts.close(), s.read.Close(), write.Close(), w.close())
	}
	readers := max(4, 2*runtime.GOMAXPROCS(0))
	s.read.SetMaxOpenConns(readers)
	s.read.SetMaxIdleConns(readers)
	if err := s.read.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	if c.db, err = sql.Open("sqlite", path+"?_busy_timeout="+busy+"&_synchronous=FULL"); err != nil {
		s.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	c.db.SetMaxOpenConns(1)
	go c.run()
	return s, nil
}

func sqliteDialect(c *checkpointer) *dialect {
	return &dialect{
		name:   "sqlite",
		readTx: &sql.TxOptions{ReadOnly: true},
		copy:   insertRows,
		types: strings.NewReplacer("{code}", "TEXT", "{text}", "TEXT", "{int}", "INTEGER", "{int64}", "INTEGER",
			"{bytes}", "BLOB", "{json}", "TEXT", "{jsonb}", "TEXT", "{bool}", "INTEGER",
			"{table}", "STRICT", "{keyed}", "STRICT, WITHOUT ROWID", "{wide}", "STRICT",
			"{release_fk}", ",\n\tFOREIGN KEY (election, version) REFERENCES official_releases (election, version)"),
		committed: c.committed,
		textList: func(vals []string) (string, any) {
			b, _ := json.Marshal(vals) // strings always encode
			return `SELECT value FROM json_each($1)`, string(b)
		},
		pairList: func(vals [][2]int64) (string, []any) {
			b, _ := json.Marshal(vals) // integers always encode
			return `SELECT key AS ord, value->>0 AS a, value->>1 AS b FROM json_each($1)`, []any{string(b)}
		},
		indexedBy: func(index string) string { return " INDEXED BY " + index },
		// The country holds all or nearly all stations: walk them in code order and
		// filter (the unary + keeps SQLite from choosing the index on path).
		stationsInCountry: `SELECT doc FROM stations WHERE election = $1 AND +path >= $2 AND +path < $3 AND code > $4
			ORDER BY code LIMIT $5`,
		// An area below the country holds a small share of the stations: find them with
		// the index on path, which also holds their codes, sort the codes, and only then
		// read the page's documents. Walking all stations in code order instead would
		// read nearly all of them to fill a page of a small area.
		stationsInArea: `SELECT doc FROM stations WHERE rowid IN (
				SELECT rowid FROM stations INDEXED BY stations_path
				WHERE election = $1 AND path >= $2 AND path < $3 AND code > $4
				ORDER BY code LIMIT $5)
			ORDER BY code`,
	}
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

// checkpointInterval is the shortest time between two checkpoints. A checkpoint copies
// each page that changed since the last one once, however often it changed: the same
// index and interior pages change at every commit, so the longer the interval, the
// fewer copies. A second of ingest at full speed is a WAL of some tens of megabytes.
const checkpointInterval = time.Second

// checkpointer copies committed pages from the WAL into the database file, after a
// commit and at most once every checkpointInterval, until closed. A checkpoint on a
// connection of its own lets a commit return without waiting for one, as it would with
// the writer's automatic checkpoints, and lets it run on another core; being PASSIVE, it
// waits for no reader and no writer. Committed pages are safe in the WAL, so a checkpoint
// that fails loses nothing: the next one copies them.
type checkpointer struct {
	db   *sql.DB       // one connection; nil until run
	kick chan struct{} // a commit happened (buffered, 1)
	stop chan struct{} // closed by close
	done chan struct{} // closed when run returns
}

func (c *checkpointer) run() {
	defer close(c.done)
	for {
		select {
		case <-c.stop:
			return
		case <-c.kick:
		}
		var busy, log, copied int
		_ = c.db.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &log, &copied)
		select {
		case <-c.stop:
			return
		case <-time.After(checkpointInterval):
		}
	}
}

// committed tells run that a transaction has committed.
func (c *checkpointer) committed() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *checkpointer) close() error {
	if c.db == nil {
		return nil
	}
	close(c.stop)
	<-c.done
	return c.db.Close()
}

// batchRows is how many rows one INSERT statement carries at most. Fewer, larger
// statements cost less than one per row; 128 rows of 15 columns stay far below SQLite's
// limit of 32766 parameters.
const batchRows = 128

// chunkRows returns how many of n rows the next INSERT carries: batchRows, or else the
// largest power of two not above n, so that n rows take statements of at most
// log2(batchRows)+1 sizes, which the statement cache can keep prepared.
func chunkRows(n int) int {
	if n >= batchRows {
		return batchRows
	}
	return 1 << (bits.Len(uint(n)) - 1)
}

// insertSQLs holds the statements insertSQL has written, by insertKey.
var insertSQLs sync.Map

type insertKey struct {
	table, cols string
	rows        int
}

// insertSQL is the INSERT of rows rows into table, its parameters anonymous ('?'), which
// SQLite binds without looking up a name. Each is written once.
func insertSQL(table string, cols []string, rows int) string {
	k := insertKey{table, strings.Join(cols, ", "), rows}
	if q, ok := insertSQLs.Load(k); ok {
		return q.(string)
	}
	q, _ := insertSQLs.LoadOrStore(k, writeInsertSQL(table, cols, rows))
	return q.(string)
}

func writeInsertSQL(table string, cols []string, rows int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES ", table, strings.Join(cols, ", "))
	tuple := "(" + strings.Repeat("?, ", len(cols)-1) + "?)"
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(tuple)
	}
	return b.String()
}

// insertQueries returns every INSERT that insertRows may run on table: one per size
// chunkRows gives.
func insertQueries(table string, cols []string) []string {
	var out []string
	for rows := batchRows; rows > 0; rows /= 2 {
		out = append(out, insertSQL(table, cols, rows))
	}
	return out
}

// insertRows inserts n rows into table, in statements of chunkRows rows each, each
// statement prepared once per call or, if the store keeps it prepared, not at all.
func insertRows(ctx context.Context, tx *tx, table string, cols []string, n int, row func(i int, vals []any) []any) error {
	stmts := map[int]*sql.Stmt{}
	defer func() {
		for _, st := range stmts {
			st.Close()
		}
	}()
	args := make([]any, 0, min(n, batchRows)*len(cols))
	for start := 0; start < n; {
		rows := chunkRows(n - start)
		stmt := stmts[rows]
		if stmt == nil {
			var err error
			if stmt, err = tx.prepare(ctx, insertSQL(table, cols, rows)); err != nil {
				return err
			}
			stmts[rows] = stmt
		}
		args = args[:0]
		for i := start; i < start+rows; i++ {
			args = row(i, args)
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return err
		}
		start += rows
	}
	return nil
}

// walSync makes the writer's commits durable by syncing the WAL file itself, after each
// commit and with the writer free, instead of SQLite syncing it under the write lock
// (synchronous=FULL). pprof of BenchmarkIngest: the writer spent a quarter of its time
// waiting in fsync, while the reports of the next commit waited for it; now the next
// transaction runs while the disk syncs, and one fsync serves every commit made before it
// began. SQLite in WAL mode with synchronous=NORMAL stays consistent through a crash of
// the machine, losing at most the commits made since the last sync: walSync leaves none
// of those unsynced by the time their inTx returns.
//
// A commit is counted once Commit has returned, and a sync covers every commit counted
// when it began: commit returns once a sync that covers its own has ended. TestWALSync
// checks the order on a real database. The few writes made outside inTx (forgetting
// rate-limit buckets, releasing a token) are not waited for: one lost to a crash of the
// machine leaves a limit only stricter.
//
// A sync that fails fails every later one too, until the store is opened again: after a
// failed fsync the kernel may have dropped the WAL's unwritten pages and marked them
// clean, so a later fsync that succeeds would not make the commits before it durable, and
// SQLite's recovery stops at the first frame it cannot read. Opening the store again
// recovers from what is on disk.
type walSync struct {
	db string // the database file; the WAL is db+"-wal"

	commits atomic.Uint64 // commits that returned from Commit
	mu      sync.Mutex    // held by the one sync under way
	synced  uint64        // commits a finished sync covered
	f       *os.File      // the WAL file, open while it is the same file
	// failed is the first sync's failure, returned ever after; read without mu, so that
	// a writer asks before its transaction without waiting for a sync under way.
	failed atomic.Pointer[error]

	// fsync syncs f; tests replace it to hold a sync while they look.
	fsync func(*os.File) error
}

// commit counts a commit that has returned from Commit and returns once it is durable.
func (w *walSync) commit() error {
	n := w.commits.Add(1)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.failed.Load() == nil && w.synced >= n { // a sync that began after commit n has ended meanwhile
		return nil
	}
	return w.syncLocked()
}

// broken returns the failure of a sync, once one has failed.
func (w *walSync) broken() error {
	if err := w.failed.Load(); err != nil {
		return *err
	}
	return nil
}

// sync syncs the WAL now, whatever was counted. A read whose rows leave the database for
// good (Unlogged: to the log, which no crash takes back) calls it after reading: readers
// see a commit, of this process or another, once its frames are in the WAL, before the
// commit is synced; a sync begun after the read covers them.
func (w *walSync) sync() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.syncLocked()
}

func (w *walSync) syncLocked() error {
	if err := w.broken(); err != nil {
		return err
	}
	covered := w.commits.Load()
	if err := w.syncFile(); err != nil {
		err = fmt.Errorf("sync the WAL: %w", err)
		w.failed.Store(&err)
		return err
	}
	w.synced = covered
	return nil
}

// syncFile syncs the WAL file. SQLite removes the WAL when the last connection to the
// database closes, and makes it anew when one opens: a file opened earlier may no longer
// be the WAL, so it is compared with the path's at every sync. A WAL opened afresh also
// has its directory synced once, so that its name survives a crash as SQLite's own sync
// of a new WAL would ensure. With no WAL at all, every commit is in the database file,
// which is synced.
func (w *walSync) syncFile() error {
	fsync := w.fsync
	if fsync == nil {
		fsync = (*os.File).Sync
	}
	wal := w.db + "-wal"
	now, err := os.Stat(wal)
	if errors.Is(err, fs.ErrNotExist) {
		return syncPath(w.db, fsync)
	}
	if err != nil {
		return err
	}
	if w.f != nil {
		if was, err := w.f.Stat(); err != nil || !os.SameFile(was, now) {
			w.f.Close()
			w.f = nil
		}
	}
	if w.f == nil {
		f, err := os.Open(wal)
		if err != nil {
			return err
		}
		if err := syncPath(filepath.Dir(wal), fsync); err != nil {
			f.Close()
			return err
		}
		w.f = f
	}
	return fsync(w.f)
}

// syncPath opens the file or directory at path and syncs it.
func syncPath(path string, fsync func(*os.File) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return fsync(f)
}

func (w *walSync) close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	return err
}
