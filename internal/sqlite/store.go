package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/iltod/iltod"
)

// CreateElection stores p in one IMMEDIATE transaction: on any error, including a
// constraint violation or a cancelled ctx, nothing is stored. p must have passed
// p.Validate. It returns EConflict if the election exists and replace is false; with
// replace, the old election is deleted in the same transaction, unless it has events
// (EConflict: the log commits to them).
func (s *Store) CreateElection(ctx context.Context, p *iltod.Package, replace bool) error {
	rec, err := encodePackage(p)
	if err != nil {
		return internal(fmt.Errorf("create election %s: %w", p.Election.ID, err))
	}
	if err := s.create(ctx, rec, replace); err != nil {
		return internal(fmt.Errorf("create election %s: %w", p.Election.ID, err))
	}
	return nil
}

func (s *Store) create(ctx context.Context, r *records, replace bool) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	id := r.p.Election.ID
	var exists bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM elections WHERE id = ?)`, id).Scan(&exists); err != nil {
		return fmt.Errorf("look up election: %w", err)
	}
	if exists && !replace {
		return iltod.Errorf(iltod.EConflict, "election %q already exists", id)
	}
	if exists {
		if err := hasEvents(ctx, tx, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM elections WHERE id = ?`, id); err != nil {
			return fmt.Errorf("delete the old election: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO elections (id, date, doc) VALUES (?, ?, ?)`,
		id, r.p.Election.Date, r.election); err != nil {
		return fmt.Errorf("store election: %w", err)
	}
	p := r.p
	if err := insert(ctx, tx, "areas", []string{"election", "seq", "code", "parent", "level", "path", "doc"}, len(p.Areas),
		func(i int, row []any) []any {
			a := &p.Areas[i]
			return append(row, id, i, a.Code, a.Parent, string(a.Level), r.areaPaths[i], r.areas[i])
		}); err != nil {
		return fmt.Errorf("store areas: %w", err)
	}
	if err := insert(ctx, tx, "stations", []string{"election", "code", "area", "path", "registered", "stratum", "doc"}, len(p.Stations),
		func(i int, row []any) []any {
			st := &p.Stations[i]
			return append(row, id, st.Code, st.Area, r.stationPaths[i], st.Registered, st.Stratum, r.stations[i])
		}); err != nil {
		return fmt.Errorf("store stations: %w", err)
	}
	if err := insert(ctx, tx, "contests", []string{"election", "seq", "code", "system", "doc"}, len(p.Contests),
		func(i int, row []any) []any {
			c := &p.Contests[i]
			return append(row, id, i, c.Code, string(c.System.Kind), r.contests[i])
		}); err != nil {
		return fmt.Errorf("store contests: %w", err)
	}
	if err := insert(ctx, tx, "observers", []string{"election", "seq", "code", "doc"}, len(p.Observers),
		func(i int, row []any) []any {
			return append(row, id, i, p.Observers[i].Code, r.observers[i])
		}); err != nil {
		return fmt.Errorf("store observers: %w", err)
	}
	if err := insert(ctx, tx, "forms", []string{"election", "code", "version", "doc"}, len(p.Forms),
		func(i int, row []any) []any {
			return append(row, id, p.Forms[i].Code, p.Forms[i].Version, r.forms[i])
		}); err != nil {
		return fmt.Errorf("store forms: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	s.committed()
	return nil
}

// batchRows is how many rows one INSERT statement carries. Fewer, larger statements
// cost less than one per row; 100 rows of 7 columns stay far below SQLite's limit of
// 32766 parameters.
const batchRows = 100

// insert inserts n rows into table, batchRows at a time through one prepared statement.
// row appends the values of row i, in the order of cols, to its argument and returns it.
func insert(ctx context.Context, tx *sql.Tx, table string, cols []string, n int, row func(i int, args []any) []any) error {
	prepare := func(rows int) (*sql.Stmt, error) {
		var b strings.Builder
		fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES ", table, strings.Join(cols, ", "))
		tuple := "(" + strings.Repeat("?, ", len(cols)-1) + "?)"
		for i := range rows {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(tuple)
		}
		return tx.PrepareContext(ctx, b.String())
	}
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, batchRows*len(cols))
	for start := 0; start < n; start += batchRows {
		end := min(start+batchRows, n)
		args = args[:0]
		for i := start; i < end; i++ {
			args = row(i, args)
		}
		stmt := full
		if end-start < batchRows {
			var err error
			if stmt, err = prepare(end - start); err != nil {
				return err
			}
			defer stmt.Close()
		} else if full == nil {
			var err error
			if full, err = prepare(batchRows); err != nil {
				return err
			}
			stmt = full
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return err
		}
	}
	return nil
}

// DeleteElection deletes an election and, by cascade, everything it holds. It returns
// ENotFound if there is no such election, and EConflict if it has events.
func (s *Store) DeleteElection(ctx context.Context, id string) error {
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		if err := hasEvents(ctx, tx, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM elections WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return electionNotFound(id)
		}
		return nil
	})
	return internal(wrap(err, "delete election "+id))
}

// Elections returns all elections ordered by date, then id.
func (s *Store) Elections(ctx context.Context) ([]iltod.Election, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT doc FROM elections ORDER BY date, id`)
	if err != nil {
		return nil, internal(fmt.Errorf("list elections: %w", err))
	}
	out, err := decodeRows[iltod.Election](rows)
	if err != nil {
		return nil, internal(fmt.Errorf("list elections: %w", err))
	}
	return out, nil
}

// Election returns one election, or ENotFound.
func (s *Store) Election(ctx context.Context, id string) (iltod.Election, error) {
	var doc []byte
	err := s.read.QueryRowContext(ctx, `SELECT doc FROM elections WHERE id = ?`, id).Scan(&doc)
	var e iltod.Election
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return e, electionNotFound(id)
	case err != nil:
		return e, internal(fmt.Errorf("read election %s: %w", id, err))
	}
	if err := json.Unmarshal(doc, &e); err != nil {
		return e, internal(fmt.Errorf("decode election %s: %w", id, err))
	}
	return e, nil
}

// Summary counts what an election holds, in one statement and so from one snapshot.
func (s *Store) Summary(ctx context.Context, id string) (iltod.Summary, error) {
	rows, err := s.read.QueryContext(ctx, `
		SELECT 'election', '', count(*), 0 FROM elections WHERE id = ?1
		UNION ALL SELECT 'level', level, count(*), 0 FROM areas WHERE election = ?1 GROUP BY level
		UNION ALL SELECT 'stations', '', count(*), coalesce(sum(registered), 0) FROM stations WHERE election = ?1
		UNION ALL SELECT 'system', system, count(*), 0 FROM contests WHERE election = ?1 GROUP BY system
		UNION ALL SELECT 'observers', '', count(*), 0 FROM observers WHERE election = ?1
		UNION ALL SELECT 'forms', '', count(*), 0 FROM forms WHERE election = ?1`, id)
	if err != nil {
		return iltod.Summary{}, internal(fmt.Errorf("summarise election %s: %w", id, err))
	}
	defer rows.Close()
	sum := iltod.Summary{ByLevel: map[iltod.Level]int{}, BySystem: map[string]int{}}
	found := false
	for rows.Next() {
		var what, key string
		var n int
		var total int64
		if err := rows.Scan(&what, &key, &n, &total); err != nil {
			return iltod.Summary{}, internal(fmt.Errorf("summarise election %s: %w", id, err))
		}
		switch what {
		case "election":
			found = n > 0
		case "level":
			sum.ByLevel[iltod.Level(key)] = n
			sum.Areas += n
		case "stations":
			sum.Stations, sum.Registered = n, total
		case "system":
			sum.BySystem[key] = n
			sum.Contests += n
		case "observers":
			sum.Observers = n
		case "forms":
			sum.Forms = n
		}
	}
	if err := rows.Err(); err != nil {
		return iltod.Summary{}, internal(fmt.Errorf("summarise election %s: %w", id, err))
	}
	if !found {
		return iltod.Summary{}, electionNotFound(id)
	}
	return sum, nil
}

// Areas returns the areas of an election in load order.
func (s *Store) Areas(ctx context.Context, election string) ([]iltod.Area, error) {
	return list[iltod.Area](ctx, s.read, election, "areas", `
		SELECT x.doc FROM elections e LEFT JOIN areas x ON x.election = e.id
		WHERE e.id = ? ORDER BY x.seq`, election)
}

// Area returns one area, or ENotFound.
func (s *Store) Area(ctx context.Context, election, code string) (iltod.Area, error) {
	return get[iltod.Area](ctx, s.read, election, fmt.Sprintf("area %q", code), `
		SELECT x.doc FROM elections e LEFT JOIN areas x ON x.election = e.id AND x.code = ?
		WHERE e.id = ?`, code, election)
}

// Stations returns the stations selected by q in code order, reading the area and the
// stations in one snapshot. It returns ENotFound for an unknown election or q.Area.
func (s *Store) Stations(ctx context.Context, election string, q iltod.StationQuery) ([]iltod.Station, error) {
	out, err := s.stations(ctx, election, q)
	if err != nil {
		return nil, internal(fmt.Errorf("list stations of %s: %w", election, err))
	}
	return out, nil
}

func (s *Store) stations(ctx context.Context, election string, q iltod.StationQuery) ([]iltod.Station, error) {
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var path, parent sql.NullString
	err = tx.QueryRowContext(ctx, `
		SELECT a.path, a.parent FROM elections e LEFT JOIN areas a ON a.election = e.id AND a.code = ?
		WHERE e.id = ?`, q.Area, election).Scan(&path, &parent)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, electionNotFound(election)
	case err != nil:
		return nil, err
	case q.Area != "" && !path.Valid:
		return nil, iltod.Errorf(iltod.ENotFound, "area %q not found", q.Area)
	}
	var rows *sql.Rows
	lo, hi := pathRange(path.String)
	switch {
	case q.Area == "":
		rows, err = tx.QueryContext(ctx, `
			SELECT doc FROM stations WHERE election = ? AND code > ?
			ORDER BY code LIMIT ?`, election, q.After, q.EffectiveLimit())
	case parent.String == "":
		// The country holds all or nearly all stations: walk them in code order and
		// filter (the unary + keeps SQLite from choosing the index on path).
		rows, err = tx.QueryContext(ctx, `
			SELECT doc FROM stations WHERE election = ? AND +path >= ? AND +path < ? AND code > ?
			ORDER BY code LIMIT ?`, election, lo, hi, q.After, q.EffectiveLimit())
	default:
		// An area below the country holds a small share of the stations: find them with
		// the index on path, which also holds their codes, sort the codes, and only then
		// read the page's documents. Walking all stations in code order instead would
		// read nearly all of them to fill a page of a small area.
		rows, err = tx.QueryContext(ctx, `
			SELECT doc FROM stations WHERE rowid IN (
				SELECT rowid FROM stations INDEXED BY stations_path
				WHERE election = ? AND path >= ? AND path < ? AND code > ?
				ORDER BY code LIMIT ?)
			ORDER BY code`, election, lo, hi, q.After, q.EffectiveLimit())
	}
	if err != nil {
		return nil, err
	}
	out, err := decodeRows[iltod.Station](rows)
	if err != nil {
		return nil, err
	}
	return out, tx.Commit()
}

// Station returns one station, or ENotFound.
func (s *Store) Station(ctx context.Context, election, code string) (iltod.Station, error) {
	return get[iltod.Station](ctx, s.read, election, fmt.Sprintf("station %q", code), `
		SELECT x.doc FROM elections e LEFT JOIN stations x ON x.election = e.id AND x.code = ?
		WHERE e.id = ?`, code, election)
}

// Contests returns the contests of an election in load order.
func (s *Store) Contests(ctx context.Context, election string) ([]iltod.Contest, error) {
	return list[iltod.Contest](ctx, s.read, election, "contests", `
		SELECT x.doc FROM elections e LEFT JOIN contests x ON x.election = e.id
		WHERE e.id = ? ORDER BY x.seq`, election)
}

// Contest returns one contest, or ENotFound.
func (s *Store) Contest(ctx context.Context, election, code string) (iltod.Contest, error) {
	return get[iltod.Contest](ctx, s.read, election, fmt.Sprintf("contest %q", code), `
		SELECT x.doc FROM elections e LEFT JOIN contests x ON x.election = e.id AND x.code = ?
		WHERE e.id = ?`, code, election)
}

// Forms returns every version of every form of an election, by code and version.
func (s *Store) Forms(ctx context.Context, election string) ([]iltod.Form, error) {
	return list[iltod.Form](ctx, s.read, election, "forms", `
		SELECT x.doc FROM elections e LEFT JOIN forms x ON x.election = e.id
		WHERE e.id = ? ORDER BY x.code, x.version`, election)
}

// Form returns one version of a form, the latest for version 0, or ENotFound.
func (s *Store) Form(ctx context.Context, election, code string, version int) (iltod.Form, error) {
	if version == 0 {
		return get[iltod.Form](ctx, s.read, election, fmt.Sprintf("form %q", code), `
			SELECT x.doc FROM elections e LEFT JOIN forms x ON x.election = e.id AND x.code = ?
			WHERE e.id = ? ORDER BY x.version DESC LIMIT 1`, code, election)
	}
	return get[iltod.Form](ctx, s.read, election, fmt.Sprintf("form %q version %d", code, version), `
		SELECT x.doc FROM elections e LEFT JOIN forms x ON x.election = e.id AND x.code = ? AND x.version = ?
		WHERE e.id = ?`, code, version, election)
}

// Observers returns the observers of an election in load order.
func (s *Store) Observers(ctx context.Context, election string) ([]iltod.Observer, error) {
	return list[iltod.Observer](ctx, s.read, election, "observers", `
		SELECT x.doc FROM elections e LEFT JOIN observers x ON x.election = e.id
		WHERE e.id = ? ORDER BY x.seq`, election)
}

// Observer returns one observer, or ENotFound.
func (s *Store) Observer(ctx context.Context, election, code string) (iltod.Observer, error) {
	return get[iltod.Observer](ctx, s.read, election, fmt.Sprintf("observer %q", code), `
		SELECT x.doc FROM elections e LEFT JOIN observers x ON x.election = e.id AND x.code = ?
		WHERE e.id = ?`, code, election)
}

// get runs query, which yields no row for an unknown election and otherwise one row
// holding the record's doc, NULL if there is no such record; what names the record in
// the ENotFound message.
func get[T any](ctx context.Context, db *sql.DB, election, what, query string, args ...any) (T, error) {
	var v T
	var doc []byte
	err := db.QueryRowContext(ctx, query, args...).Scan(&doc)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return v, electionNotFound(election)
	case err != nil:
		return v, internal(fmt.Errorf("read %s of %s: %w", what, election, err))
	case doc == nil:
		return v, iltod.Errorf(iltod.ENotFound, "%s not found", what)
	}
	if err := json.Unmarshal(doc, &v); err != nil {
		return v, internal(fmt.Errorf("decode %s of %s: %w", what, election, err))
	}
	return v, nil
}

// list runs query, which yields no row for an unknown election and otherwise one row
// per record, or a single NULL if there are none.
func list[T any](ctx context.Context, db *sql.DB, election, what, query string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, internal(fmt.Errorf("list %s of %s: %w", what, election, err))
	}
	defer rows.Close()
	out := []T{}
	found := false
	for rows.Next() {
		found = true
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return nil, internal(fmt.Errorf("list %s of %s: %w", what, election, err))
		}
		if doc == nil {
			continue
		}
		var v T
		if err := json.Unmarshal(doc, &v); err != nil {
			return nil, internal(fmt.Errorf("decode %s of %s: %w", what, election, err))
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(fmt.Errorf("list %s of %s: %w", what, election, err))
	}
	if !found {
		return nil, electionNotFound(election)
	}
	return out, nil
}

// decodeRows decodes the single doc column of each row and closes rows.
func decodeRows[T any](rows *sql.Rows) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		var v T
		if err := json.Unmarshal(doc, &v); err != nil {
			return nil, fmt.Errorf("decode: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
