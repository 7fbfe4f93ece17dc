package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// OpenPostgres connects to the PostgreSQL database named by dsn, a URL
// ("postgres://user@host:5432/db?sslmode=disable") or keyword/value string as pgx
// accepts (pool settings such as pool_max_conns included; search_path selects the
// schema), checks the connection and applies any migrations the schema lacks. It returns
// an error if the schema was migrated by a newer version of iltod than this one.
//
// The store keeps its tables in the first schema of the connection's search_path
// (normally public), so that several stores can share a database in schemas of their
// own. Connections come from a pgx pool, used through database/sql. Elections and
// official results are bulk-loaded with COPY.
func OpenPostgres(ctx context.Context, dsn string) (*Store, error) {
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
	db := stdlib.OpenDBFromPool(pool)
	s := &Store{d: postgresDialect, write: db, read: db, close: func() error {
		err := db.Close()
		pool.Close()
		return err
	}}
	s.openLock = func() (*sql.DB, error) { return stdlib.OpenDB(*cfg.ConnConfig.Copy()), nil }
	var schema *string
	if err := db.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		s.Close()
		return nil, fmt.Errorf("open postgres: %w", err)
	} else if schema == nil {
		s.Close()
		return nil, errors.New("open postgres: no schema of the search_path exists")
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("migrate postgres: %w", err)
	}
	return s, nil
}

// migrationLock and eventLock are the first keys of the advisory locks taken while
// migrating ("iltd") and by every transaction that appends or marks events ("ilte"); the
// second is a hash of the schema, so stores in different schemas do not wait for each
// other. An advisory lock rather than a lock on the events table, because autovacuum's
// lock on a table conflicts with EXCLUSIVE mode and would stall writers until it gave way.
const migrationLock, eventLock = 0x696c7464, 0x696c7465

var postgresDialect = &dialect{
	name:    "postgres",
	readTx:  &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true},
	writeTx: &sql.TxOptions{Isolation: sql.LevelReadCommitted},
	// lockEvents waits for the event lock, which it then holds until the transaction
	// ends: a writer that holds it reads max(seq) after every earlier writer committed
	// (PostgreSQL makes a commit visible before it releases the committer's locks, and
	// each statement at READ COMMITTED takes a new snapshot), so sequence numbers are
	// gapless and in commit order, across connections and instances. It also makes the
	// commit durable even if the server is configured with synchronous_commit off. With
	// no arguments it is sent with the simple protocol, both statements in one round trip.
	lockEvents: fmt.Sprintf(`SELECT pg_advisory_xact_lock(%d, hashtext(current_schema()));
		SELECT set_config('synchronous_commit', 'on', true) WHERE current_setting('synchronous_commit') = 'off'`, eventLock),
	lockMigrations: fmt.Sprintf(`SELECT pg_advisory_xact_lock(%d, hashtext(current_schema()))`, migrationLock),
	copy:           copyRows,
	// Refresh the planner's statistics, which a bulk load leaves stale: without them
	// PostgreSQL takes an election's many stations for a few and sorts them all to serve
	// one page. Inside the transaction, the new statistics are committed with the rows
	// they describe, or not at all.
	loaded: `ANALYZE areas, stations, contests, observers, forms`,
	// Codes and paths use the "C" collation: byte order, the order of SQLite and of Go's
	// sort, whatever the database's locale; the range comparisons on path rely on it.
	// Reports, checks, values and official results are json, not jsonb: json keeps any
	// string a report may carry, \u0000 included, and the bytes a digest covers. A
	// submission's row is about 2 KB, just above the size at which PostgreSQL would
	// compress it by default, which took half the time of storing a batch:
	// toast_tuple_target keeps rows of up to a page as they are.
	types: strings.NewReplacer("{code}", `text COLLATE "C"`, "{text}", "text", "{int}", "integer", "{int64}", "bigint",
		"{bytes}", "bytea", "{json}", "json", "{jsonb}", "jsonb", "{bool}", "boolean",
		"{table}", "", "{keyed}", "", "{wide}", "WITH (toast_tuple_target = 8160)",
		// A foreign key from each official result to its release, whose row the same
		// transaction inserts first and nothing deletes, would cost 0.8 s of an import
		// of 100,000 results (SQLite's costs nothing measurable, and it keeps it).
		"{release_fk}", ""),
	forShare:  " FOR SHARE",
	forUpdate: " FOR UPDATE",
	// Arrays rather than JSON, because the planner guesses that unnest yields 10 rows,
	// not the 100 of json_array_elements: with the guess of 100, the generic plan of a
	// look-up of reports by id, cached while the table is small, went on scanning the
	// whole table as it grew (4 ms of a batch of 500 reports).
	textList: func(vals []string) (string, any) { return `SELECT unnest($1::text[])`, vals },
	pairList: func(vals [][2]int64) (string, []any) {
		a, b := make([]int64, len(vals)), make([]int64, len(vals))
		for i, v := range vals {
			a[i], b[i] = v[0], v[1]
		}
		return `SELECT ord, a, b FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS t (a, b, ord)`, []any{a, b}
	},
	indexedBy:         func(string) string { return "" },
	stationsInCountry: stationsInAreaPG,
	stationsInArea:    stationsInAreaPG,
}

const stationsInAreaPG = `SELECT doc FROM stations WHERE election = $1 AND path >= $2 AND path < $3 AND code > $4
	ORDER BY code LIMIT $5`

// copyRows copies n rows into table with COPY, on the transaction's connection.
func copyRows(ctx context.Context, tx *tx, table string, cols []string, n int, row func(i int, vals []any) []any) error {
	if n == 0 {
		return nil
	}
	return tx.conn.Raw(func(c any) error {
		_, err := c.(*stdlib.Conn).Conn().CopyFrom(ctx, pgx.Identifier{table}, cols,
			pgx.CopyFromSlice(n, func(i int) ([]any, error) { return row(i, nil), nil }))
		return err
	})
}
