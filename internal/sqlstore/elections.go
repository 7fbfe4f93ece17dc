package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/locales"
)

// CreateElection stores p in one transaction, bulk-loading its records: on any error,
// including a constraint violation or a cancelled ctx, nothing is stored. p must have
// passed p.Validate. It returns EConflict if the election exists, or is created by another
// transaction meanwhile, and replace is false; with replace, the old election is deleted
// in the same transaction, unless it has events (EConflict: the log commits to them).
func (s *Store) CreateElection(ctx context.Context, p *iltod.Package, replace bool) error {
	rec, err := encodePackage(p)
	if err == nil {
		// Under the event lock, no event of the election can be committed between the
		// check and the deletion.
		err = s.inTx(ctx, replace, func(tx *tx) error { return s.create(ctx, tx, rec, replace) })
	}
	return internal(wrap(err, "create election "+p.Election.ID))
}

func (s *Store) create(ctx context.Context, tx *tx, r *records, replace bool) error {
	p, id := r.p, r.p.Election.ID
	if replace {
		if err := hasEvents(ctx, tx, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM elections WHERE id = $1`, id); err != nil {
			return fmt.Errorf("delete the old election: %w", err)
		}
	}
	// ON CONFLICT DO NOTHING waits for a concurrent transaction that inserts the same id
	// and then reports no row, rather than failing with a unique violation.
	res, err := tx.ExecContext(ctx, `INSERT INTO elections (id, date, doc) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`,
		id, p.Election.Date, r.election)
	if err != nil {
		return fmt.Errorf("store election: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return iltod.E(iltod.EConflict, "error.store.election_exists", locales.Args{"Election": id})
	}
	loads := []struct {
		table string
		cols  []string
		n     int
		row   func(i int, row []any) []any
	}{
		{"areas", []string{"election", "seq", "code", "parent", "level", "path", "doc"}, len(p.Areas),
			func(i int, row []any) []any {
				a := &p.Areas[i]
				return append(row, id, i, a.Code, a.Parent, string(a.Level), r.areaPaths[i], r.areas[i])
			}},
		{"stations", []string{"election", "code", "area", "path", "registered", "stratum", "doc"}, len(p.Stations),
			func(i int, row []any) []any {
				st := &p.Stations[i]
				return append(row, id, st.Code, st.Area, r.stationPaths[i], st.Registered, st.Stratum, r.stations[i])
			}},
		{"contests", []string{"election", "seq", "code", "system", "doc"}, len(p.Contests),
			func(i int, row []any) []any {
				c := &p.Contests[i]
				return append(row, id, i, c.Code, string(c.System.Kind), r.contests[i])
			}},
		{"observers", []string{"election", "seq", "code", "doc"}, len(p.Observers),
			func(i int, row []any) []any { return append(row, id, i, p.Observers[i].Code, r.observers[i]) }},
		{"forms", []string{"election", "code", "version", "doc"}, len(p.Forms),
			func(i int, row []any) []any { return append(row, id, p.Forms[i].Code, p.Forms[i].Version, r.forms[i]) }},
	}
	for _, l := range loads {
		if err := s.d.copy(ctx, tx, l.table, l.cols, l.n, l.row); err != nil {
			return fmt.Errorf("store %s: %w", l.table, err)
		}
	}
	if s.d.loaded != "" {
		if _, err := tx.ExecContext(ctx, s.d.loaded); err != nil {
			return fmt.Errorf("after the load: %w", err)
		}
	}
	return nil
}

// DeleteElection deletes an election and, by cascade, everything it holds. It returns
// ENotFound if there is no such election, and EConflict if it has events.
func (s *Store) DeleteElection(ctx context.Context, id string) error {
	err := s.writeTx(ctx, func(tx *tx) error {
		if err := hasEvents(ctx, tx, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM elections WHERE id = $1`, id)
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
	out, err := collect(rows, err, decode[iltod.Election])
	if err != nil {
		return nil, internal(fmt.Errorf("list elections: %w", err))
	}
	return out, nil
}

// Election returns one election, or ENotFound.
func (s *Store) Election(ctx context.Context, id string) (iltod.Election, error) {
	return get[iltod.Election](ctx, s, id, "election", func() error { return electionNotFound(id) }, `SELECT doc FROM elections WHERE id = $1`, id)
}

// Summary counts what an election holds, in one statement and so from one snapshot.
func (s *Store) Summary(ctx context.Context, id string) (iltod.Summary, error) {
	rows, err := s.read.QueryContext(ctx, `
		SELECT 'election', '', count(*), 0 FROM elections WHERE id = $1
		UNION ALL SELECT 'level', level, count(*), 0 FROM areas WHERE election = $1 GROUP BY level
		UNION ALL SELECT 'stations', '', count(*), coalesce(sum(registered), 0) FROM stations WHERE election = $1
		UNION ALL SELECT 'system', system, count(*), 0 FROM contests WHERE election = $1 GROUP BY system
		UNION ALL SELECT 'observers', '', count(*), 0 FROM observers WHERE election = $1
		UNION ALL SELECT 'forms', '', count(*), 0 FROM forms WHERE election = $1`, id)
	type count struct {
		what, key string
		n         int
		total     int64
	}
	counts, err := collect(rows, err, func(sc scanner) (c count, err error) {
		return c, sc.Scan(&c.what, &c.key, &c.n, &c.total)
	})
	if err != nil {
		return iltod.Summary{}, internal(fmt.Errorf("summarise election %s: %w", id, err))
	}
	sum := iltod.Summary{ByLevel: map[iltod.Level]int{}, BySystem: map[string]int{}}
	found := false
	for _, c := range counts {
		switch c.what {
		case "election":
			found = c.n > 0
		case "level":
			sum.ByLevel[iltod.Level(c.key)] = c.n
			sum.Areas += c.n
		case "stations":
			sum.Stations, sum.Registered = c.n, c.total
		case "system":
			sum.BySystem[c.key] = c.n
			sum.Contests += c.n
		case "observers":
			sum.Observers = c.n
		case "forms":
			sum.Forms = c.n
		}
	}
	if !found {
		return iltod.Summary{}, electionNotFound(id)
	}
	return sum, nil
}

// Areas returns the areas of an election in load order.
func (s *Store) Areas(ctx context.Context, election string) ([]iltod.Area, error) {
	return list[iltod.Area](ctx, s, election, "areas", "x.seq")
}

// Area returns one area, or ENotFound.
func (s *Store) Area(ctx context.Context, election, code string) (iltod.Area, error) {
	return one[iltod.Area](ctx, s, election, "areas", "error.no_area", "Area", code)
}

// Stations returns the stations selected by q in code order, reading the area and the
// stations in one snapshot. It returns ENotFound for an unknown election or q.Area.
func (s *Store) Stations(ctx context.Context, election string, q iltod.StationQuery) ([]iltod.Station, error) {
	var out []iltod.Station
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		var path, parent sql.NullString
		err := tx.QueryRowContext(ctx, `
			SELECT a.path, a.parent FROM elections e LEFT JOIN areas a ON a.election = e.id AND a.code = $2
			WHERE e.id = $1`, election, q.Area).Scan(&path, &parent)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return electionNotFound(election)
		case err != nil:
			return err
		case q.Area != "" && !path.Valid:
			return iltod.E(iltod.ENotFound, "error.no_area", locales.Args{"Election": election, "Area": q.Area})
		}
		var rows *sql.Rows
		lo, hi := pathRange(path.String)
		switch {
		case q.Area == "":
			rows, err = tx.QueryContext(ctx, `SELECT doc FROM stations WHERE election = $1 AND code > $2
				ORDER BY code LIMIT $3`, election, q.After, q.EffectiveLimit())
		case parent.String == "":
			rows, err = tx.QueryContext(ctx, s.d.stationsInCountry, election, lo, hi, q.After, q.EffectiveLimit())
		default:
			rows, err = tx.QueryContext(ctx, s.d.stationsInArea, election, lo, hi, q.After, q.EffectiveLimit())
		}
		out, err = collect(rows, err, decode[iltod.Station])
		return err
	})
	if err != nil {
		return nil, internal(fmt.Errorf("list stations of %s: %w", election, err))
	}
	return out, nil
}

// Station returns one station, or ENotFound.
func (s *Store) Station(ctx context.Context, election, code string) (iltod.Station, error) {
	return one[iltod.Station](ctx, s, election, "stations", "error.app.no_station", "Station", code)
}

// Contests returns the contests of an election in load order.
func (s *Store) Contests(ctx context.Context, election string) ([]iltod.Contest, error) {
	return list[iltod.Contest](ctx, s, election, "contests", "x.seq")
}

// Contest returns one contest, or ENotFound.
func (s *Store) Contest(ctx context.Context, election, code string) (iltod.Contest, error) {
	return one[iltod.Contest](ctx, s, election, "contests", "error.no_contest", "Contest", code)
}

// Forms returns every version of every form of an election, by code and version.
func (s *Store) Forms(ctx context.Context, election string) ([]iltod.Form, error) {
	return list[iltod.Form](ctx, s, election, "forms", "x.code, x.version")
}

// Form returns one version of a form, the latest for version 0, or ENotFound.
func (s *Store) Form(ctx context.Context, election, code string, version int) (iltod.Form, error) {
	if version == 0 {
		missing := func() error {
			return iltod.E(iltod.ENotFound, "error.app.no_form", locales.Args{"Election": election, "Form": code})
		}
		return get[iltod.Form](ctx, s, election, fmt.Sprintf("form %q", code), missing, `
			SELECT x.doc FROM elections e LEFT JOIN forms x ON x.election = e.id AND x.code = $2
			WHERE e.id = $1 ORDER BY x.version DESC LIMIT 1`, election, code)
	}
	missing := func() error {
		return iltod.E(iltod.ENotFound, "error.store.no_form_version",
			locales.Args{"Election": election, "Form": code, "Version": strconv.Itoa(version)})
	}
	return get[iltod.Form](ctx, s, election, fmt.Sprintf("form %q version %d", code, version), missing, `
		SELECT x.doc FROM elections e LEFT JOIN forms x ON x.election = e.id AND x.code = $2 AND x.version = $3
		WHERE e.id = $1`, election, code, version)
}

// Observers returns the observers of an election in load order.
func (s *Store) Observers(ctx context.Context, election string) ([]iltod.Observer, error) {
	return list[iltod.Observer](ctx, s, election, "observers", "x.seq")
}

// Observer returns one observer, or ENotFound.
func (s *Store) Observer(ctx context.Context, election, code string) (iltod.Observer, error) {
	return one[iltod.Observer](ctx, s, election, "observers", "error.app.no_observer", "Observer", code)
}

// one returns the record of table with the code. Its ENotFound error is the message key,
// whose data are the election and, as field, the code.
func one[T any](ctx context.Context, s *Store, election, table, key, field, code string) (T, error) {
	missing := func() error {
		return iltod.E(iltod.ENotFound, key, locales.Args{"Election": election, field: code})
	}
	return get[T](ctx, s, election, fmt.Sprintf("%s %q", table, code), missing, `
		SELECT x.doc FROM elections e LEFT JOIN `+table+` x ON x.election = e.id AND x.code = $2
		WHERE e.id = $1`, election, code)
}

// get runs query, which yields no row for an unknown election and otherwise one row
// holding the record's doc, NULL if there is no such record: then it returns missing().
// what names the record in internal errors, for the logs.
func get[T any](ctx context.Context, s *Store, election, what string, missing func() error, query string, args ...any) (T, error) {
	var v T
	var doc []byte
	err := s.read.QueryRowContext(ctx, query, args...).Scan(&doc)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return v, electionNotFound(election)
	case err != nil:
		return v, internal(fmt.Errorf("read %s of %s: %w", what, election, err))
	case doc == nil:
		return v, missing()
	}
	if err := json.Unmarshal(doc, &v); err != nil {
		return v, internal(fmt.Errorf("decode %s of %s: %w", what, election, err))
	}
	return v, nil
}

// list returns the records of table, in the order of orderBy (columns of x, the table),
// or ENotFound for an unknown election.
func list[T any](ctx context.Context, s *Store, election, table, orderBy string) ([]T, error) {
	// The query yields one row per record, a single NULL if there are none, and no row
	// for an unknown election.
	rows, err := s.read.QueryContext(ctx, `SELECT x.doc FROM elections e LEFT JOIN `+table+` x ON x.election = e.id
		WHERE e.id = $1 ORDER BY `+orderBy, election)
	docs, err := collect(rows, err, func(sc scanner) (doc []byte, err error) { return doc, sc.Scan(&doc) })
	if err != nil {
		return nil, internal(fmt.Errorf("list %s of %s: %w", table, election, err))
	}
	if len(docs) == 0 {
		return nil, electionNotFound(election)
	}
	out := []T{}
	for _, doc := range docs {
		if doc == nil {
			continue
		}
		var v T
		if err := json.Unmarshal(doc, &v); err != nil {
			return nil, internal(fmt.Errorf("decode %s of %s: %w", table, election, err))
		}
		out = append(out, v)
	}
	return out, nil
}
