package backup

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/iltod/iltod/locales"
)

// migrationsTable is the store's own record of its schema; a restore target has it from
// its own migration, so it is copied but not restored.
const migrationsTable = "schema_migrations"

// querier is what pgTables needs of a connection or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// pgTables lists the tables of the connection's current schema with their columns, in
// an order where every table comes after the tables its foreign keys reference.
func pgTables(ctx context.Context, q querier) ([]Table, error) {
	rows, err := q.Query(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND is_generated = 'NEVER'
		AND table_name IN (SELECT tablename FROM pg_tables WHERE schemaname = current_schema())
		ORDER BY table_name, ordinal_position`)
	if err != nil {
		return nil, locales.NewError("cli.backup.store", locales.Args{"Err": err})
	}
	cols := map[string][]string{}
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			rows.Close()
			return nil, locales.NewError("cli.backup.store", locales.Args{"Err": err})
		}
		cols[t] = append(cols[t], c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, locales.NewError("cli.backup.store", locales.Args{"Err": err})
	}
	rows, err = q.Query(ctx, `SELECT (SELECT relname FROM pg_class WHERE oid = c.conrelid),
		(SELECT relname FROM pg_class WHERE oid = c.confrelid)
		FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
		WHERE c.contype = 'f' AND n.nspname = current_schema()`)
	if err != nil {
		return nil, locales.NewError("cli.backup.store", locales.Args{"Err": err})
	}
	parents := map[string][]string{}
	for rows.Next() {
		var child, parent string
		if err := rows.Scan(&child, &parent); err != nil {
			rows.Close()
			return nil, locales.NewError("cli.backup.store", locales.Args{"Err": err})
		}
		if child != parent {
			parents[child] = append(parents[child], parent)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, locales.NewError("cli.backup.store", locales.Args{"Err": err})
	}
	names := make([]string, 0, len(cols))
	for n := range cols {
		names = append(names, n)
	}
	slices.Sort(names)
	var out []Table
	done := map[string]bool{}
	for len(out) < len(names) {
		progress := false
		for _, n := range names {
			if done[n] || slices.ContainsFunc(parents[n], func(p string) bool { return !done[p] && cols[p] != nil }) {
				continue
			}
			done[n], progress = true, true
			out = append(out, Table{Name: n, Columns: cols[n]})
		}
		if !progress {
			return nil, locales.NewError("cli.backup.store", locales.Args{"Err": fmt.Errorf("the tables' foreign keys form a cycle")})
		}
	}
	return out, nil
}

func ident(s string) string { return pgx.Identifier{s}.Sanitize() }

func idents(cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = ident(c)
	}
	return strings.Join(q, ", ")
}

var passwordRe = regexp.MustCompile(`(?i)(password=|:)[^@\s]*@`)

// redact removes what may be a password from a connection error.
func redact(err error) error {
	return fmt.Errorf("%s", passwordRe.ReplaceAllString(err.Error(), "${1}***@"))
}

// pgTarget checks that the database of dsn, which iltod has migrated, is at the
// backup's migration and holds no data, and returns the backup's tables in the order
// they can be copied into it.
func pgTarget(ctx context.Context, dsn string, m *Manifest) ([]Table, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, locales.NewError("cli.restore.store", locales.Args{"Err": redact(err)})
	}
	defer conn.Close(context.Background())
	var version int
	if err := conn.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&version); err != nil {
		return nil, locales.NewError("cli.restore.store", locales.Args{"Err": err})
	}
	if version != m.Migration {
		return nil, locales.NewError("cli.restore.migration", locales.Args{"Backup": m.Migration, "Target": version})
	}
	target, err := pgTables(ctx, conn)
	if err != nil {
		return nil, err
	}
	have := map[string]Table{}
	for _, t := range m.Tables {
		have[t.Name] = t
	}
	var order []Table
	for _, t := range target {
		if t.Name == migrationsTable {
			continue
		}
		var any bool
		if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+ident(t.Name)+`)`).Scan(&any); err != nil {
			return nil, locales.NewError("cli.restore.store", locales.Args{"Err": err})
		}
		if any {
			return nil, locales.NewError("cli.restore.not_empty_db", locales.Args{"Table": t.Name})
		}
		if b, ok := have[t.Name]; ok {
			order = append(order, b)
			delete(have, t.Name)
		}
	}
	delete(have, migrationsTable)
	for name := range have {
		return nil, locales.NewError("cli.restore.bad", locales.Args{"Err": fmt.Errorf("the backup holds table %s, which the target lacks", name)})
	}
	return order, nil
}

// pgLoad copies the tables of a PostgreSQL backup, staged in dir, into the database of
// dsn, in order, in one transaction: all or nothing.
func pgLoad(ctx context.Context, dsn string, order []Table, dir string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return locales.NewError("cli.restore.store", locales.Args{"Err": redact(err)})
	}
	defer conn.Close(context.Background())
	tx, err := conn.Begin(ctx)
	if err != nil {
		return locales.NewError("cli.restore.store", locales.Args{"Err": err})
	}
	defer tx.Rollback(context.Background())
	for _, t := range order {
		f, err := os.Open(filepath.Join(dir, filepath.FromSlash(storePG+t.Name+".copy")))
		if err != nil {
			return locales.NewError("cli.restore.bad", locales.Args{"Err": err})
		}
		tag, err := tx.Conn().PgConn().CopyFrom(ctx, f, fmt.Sprintf(`COPY %s (%s) FROM STDIN`, ident(t.Name), idents(t.Columns)))
		f.Close()
		if err != nil {
			return locales.NewError("cli.restore.store", locales.Args{"Err": fmt.Errorf("table %s: %w", t.Name, err)})
		}
		if tag.RowsAffected() != t.Rows {
			return locales.NewError("cli.restore.bad", locales.Args{"Err": fmt.Errorf("table %s: %d rows, the manifest says %d", t.Name, tag.RowsAffected(), t.Rows)})
		}
	}
	// Identity and serial columns continue after the copied rows.
	rows, err := tx.Query(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')`)
	if err != nil {
		return locales.NewError("cli.restore.store", locales.Args{"Err": err})
	}
	var seqs [][2]string
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			rows.Close()
			return locales.NewError("cli.restore.store", locales.Args{"Err": err})
		}
		seqs = append(seqs, [2]string{t, c})
	}
	rows.Close()
	for _, s := range seqs {
		if _, err := tx.Exec(ctx, fmt.Sprintf(`SELECT setval(pg_get_serial_sequence($1, $2), max(%s)) FROM %s HAVING max(%s) IS NOT NULL`,
			ident(s[1]), ident(s[0]), ident(s[1])), ident(s[0]), s[1]); err != nil {
			return locales.NewError("cli.restore.store", locales.Args{"Err": err})
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return locales.NewError("cli.restore.store", locales.Args{"Err": err})
	}
	return nil
}

// pgScratch creates a schema of its own in the database of dsn and returns a DSN whose
// search_path names it, and the schema's removal. Restore proves a backup there, since
// the store's events cannot be deleted once in the target.
func pgScratch(ctx context.Context, dsn string) (string, func(), error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return "", nil, locales.NewError("cli.restore.store", locales.Args{"Err": redact(err)})
	}
	defer conn.Close(context.Background())
	b := make([]byte, 6)
	rand.Read(b)
	schema := "iltod_restore_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+ident(schema)); err != nil {
		return "", nil, locales.NewError("cli.restore.store", locales.Args{"Err": err})
	}
	drop := func() {
		c, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		c.Exec(context.Background(), `DROP SCHEMA `+ident(schema)+` CASCADE`)
	}
	if strings.Contains(dsn, "://") {
		u, err := url.Parse(dsn)
		if err != nil {
			drop()
			return "", nil, locales.NewError("cli.restore.store", locales.Args{"Err": errors.New("the PostgreSQL DSN is not a URL")})
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String(), drop, nil
	}
	return dsn + " search_path=" + schema, drop, nil
}
