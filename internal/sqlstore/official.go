package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/locales"
)

// ImportOfficial stores a release, its station results (in official_results) and its area
// totals (in official_totals) with its import event in one write transaction, bulk-loading
// the results, after checking them against the election as stored in that transaction; see
// iltod.OfficialStore. The results are encoded, and the digest computed for the
// version the release will most likely get, before the transaction begins, so that the
// event lock is held mainly for the inserts.
func (s *Store) ImportOfficial(ctx context.Context, r iltod.OfficialRelease, results []iltod.StationResult, ev iltod.Event) (iltod.OfficialRelease, error) {
	enc, err := encodeOfficial(r, results)
	if err != nil {
		return iltod.OfficialRelease{}, err
	}
	// The version the release will get unless another import commits first; the digest
	// covers the version, so it is computed again in the transaction if it differs.
	guess, err := nextVersion(ctx, s.read, r.Election)
	if err != nil {
		return iltod.OfficialRelease{}, internal(fmt.Errorf("import official results: %w", err))
	}
	r.Published, r.Imported, r.Version = r.Published.UTC(), ev.Time.UTC(), guess
	r.Results, r.Totals = enc.stations, len(results)-enc.stations
	digest, err := iltod.OfficialDigest(r, results)
	if err != nil {
		return iltod.OfficialRelease{}, internal(fmt.Errorf("import official results: %w", err))
	}
	err = s.writeTx(ctx, func(tx *tx) error {
		if err := electionExists(ctx, tx, r.Election); err != nil {
			return err
		}
		p, err := checkedElection(ctx, tx, r.Election)
		if err != nil {
			return err
		}
		if err := iltod.NewResultIndex(p).Check(results); err != nil {
			return asInvalid(err, "error.store.what_official_results")
		}
		if r.Version, err = nextVersion(ctx, tx, r.Election); err != nil {
			return err
		}
		if r.Version != guess {
			if digest, err = iltod.OfficialDigest(r, results); err != nil {
				return err
			}
		}
		r.Hash = digest
		ev.Election, ev.Kind, ev.Subject, ev.Hash = r.Election, iltod.EventImport, iltod.OfficialSubject(r.Version), digest
		if ev, err = addEvent(ctx, tx, ev); err != nil {
			return err
		}
		r.Seq = ev.Seq
		if _, err := tx.ExecContext(ctx, `INSERT INTO official_releases
			(election, version, seq, hash, source, published, imported, note, results, totals)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			r.Election, r.Version, int64(r.Seq), r.Hash[:], r.Source, formatTime(r.Published), formatTime(r.Imported),
			r.Note, r.Results, r.Totals); err != nil {
			return fmt.Errorf("store release: %w", err)
		}
		if err := s.d.copy(ctx, tx, "official_results", []string{"election", "version", "station", "contest", "doc"}, enc.stations,
			func(j int, row []any) []any {
				i := enc.order[j]
				return append(row, r.Election, r.Version, results[i].Station, results[i].Contest, enc.docs[i])
			}); err != nil {
			return fmt.Errorf("store results: %w", err)
		}
		totals := enc.order[enc.stations:]
		if err := s.d.copy(ctx, tx, "official_totals", []string{"election", "version", "area", "contest", "doc"}, len(totals),
			func(j int, row []any) []any {
				i := totals[j]
				return append(row, r.Election, r.Version, results[i].Area, results[i].Contest, enc.docs[i])
			}); err != nil {
			return fmt.Errorf("store totals: %w", err)
		}
		return nil
	})
	if err != nil {
		return iltod.OfficialRelease{}, internal(wrap(err, "import official results"))
	}
	return r, nil
}

// encodedOfficial is a release's results encoded for their rows before the transaction
// begins: each result's canonical JSON, and the order of the results (iltod.SortResults),
// the station results first, by station and contest, then the area totals, by area and
// contest: the order of each table's key, in which rows are inserted fastest.
type encodedOfficial struct {
	docs     []string
	order    []int
	stations int // the number of station results, which order lists first
}

// encodeOfficial validates the release and each result on its own (references are
// checked in the transaction) and encodes the results.
func encodeOfficial(r iltod.OfficialRelease, results []iltod.StationResult) (*encodedOfficial, error) {
	if err := r.Validate(); err != nil {
		return nil, asInvalid(err, "error.store.what_official_release")
	}
	if len(results) == 0 {
		return nil, iltod.E(iltod.EInvalid, "error.store.official_empty", nil)
	}
	var ps iltod.Problems
	enc := &encodedOfficial{docs: make([]string, len(results)), order: make([]int, len(results))}
	var buf []byte
	for i := range results {
		if err := results[i].Validate(); err != nil {
			var sub iltod.Problems
			errors.As(err, &sub)
			for _, p := range sub {
				p.Record, p.Index = iltod.RecordResult, i
				ps = append(ps, p)
			}
			continue
		}
		buf = iltod.AppendResultJSON(buf[:0], &results[i])
		enc.docs[i] = string(buf)
		enc.order[i] = i
		if !results[i].IsTotal() {
			enc.stations++
		}
	}
	if len(ps) > 0 {
		return nil, asInvalid(ps, "error.store.what_official_results")
	}
	slices.SortFunc(enc.order, func(a, b int) int {
		ra, rb := &results[a], &results[b]
		return cmp.Or(cmpBool(ra.IsTotal(), rb.IsTotal()), strings.Compare(ra.Station, rb.Station),
			strings.Compare(ra.Area, rb.Area), strings.Compare(ra.Contest, rb.Contest))
	})
	return enc, nil
}

// cmpBool orders false before true.
func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// asInvalid returns err, Problems, as Problems.AsError does; other errors as they are.
func asInvalid(err error, what locales.Key) error {
	var ps iltod.Problems
	if !errors.As(err, &ps) {
		return err
	}
	return ps.AsError(what)
}

// nextVersion returns the version the next release of an election gets.
func nextVersion(ctx context.Context, q querier, election string) (int, error) {
	var v int
	if err := q.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) + 1 FROM official_releases WHERE election = $1`,
		election).Scan(&v); err != nil {
		return 0, fmt.Errorf("next release version: %w", err)
	}
	return v, nil
}

// checkedElection reads what iltod.ResultIndex needs of an election: the codes and
// parents of its areas, the codes and areas of its stations, and its contests.
func checkedElection(ctx context.Context, tx *tx, election string) (*iltod.Package, error) {
	p := &iltod.Package{}
	rows, err := tx.QueryContext(ctx, `SELECT code, parent FROM areas WHERE election = $1 ORDER BY seq`, election)
	if p.Areas, err = collect(rows, err, func(sc scanner) (a iltod.Area, err error) {
		return a, sc.Scan(&a.Code, &a.Parent)
	}); err != nil {
		return nil, fmt.Errorf("read areas: %w", err)
	}
	rows, err = tx.QueryContext(ctx, `SELECT code, area FROM stations WHERE election = $1`, election)
	if p.Stations, err = collect(rows, err, func(sc scanner) (st iltod.Station, err error) {
		return st, sc.Scan(&st.Code, &st.Area)
	}); err != nil {
		return nil, fmt.Errorf("read stations: %w", err)
	}
	rows, err = tx.QueryContext(ctx, `SELECT doc FROM contests WHERE election = $1 ORDER BY seq`, election)
	if p.Contests, err = collect(rows, err, decode[iltod.Contest]); err != nil {
		return nil, fmt.Errorf("read contests: %w", err)
	}
	return p, nil
}

const releaseCols = `election, version, seq, hash, source, published, imported, note, results, totals`

func scanRelease(sc scanner) (iltod.OfficialRelease, error) {
	var r iltod.OfficialRelease
	return r, sc.Scan(&r.Election, &r.Version, &r.Seq, (*hashCol)(&r.Hash), &r.Source, timeOf(&r.Published), timeOf(&r.Imported),
		&r.Note, &r.Results, &r.Totals)
}

// OfficialReleases returns the releases of an election in version order. It returns
// ENotFound for an unknown election.
func (s *Store) OfficialReleases(ctx context.Context, election string) ([]iltod.OfficialRelease, error) {
	out, err := ofElection(ctx, s, election, scanRelease, `SELECT `+releaseCols+` FROM official_releases WHERE election = $1 ORDER BY version`)
	return out, internal(wrap(err, "list official releases of "+election))
}

// OfficialResults returns the station results, or with q.Totals the area totals, of one
// release that q selects, read in one snapshot; see iltod.OfficialStore.
func (s *Store) OfficialResults(ctx context.Context, election string, version int, q iltod.OfficialQuery) ([]iltod.StationResult, error) {
	var out []iltod.StationResult
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = officialResults(ctx, tx, election, version, q)
		return err
	})
	return out, internal(wrap(err, "read official results of "+election))
}

func officialResults(ctx context.Context, tx *sql.Tx, election string, version int, q iltod.OfficialQuery) ([]iltod.StationResult, error) {
	if err := electionExists(ctx, tx, election); err != nil {
		return nil, err
	}
	version, err := releaseVersion(ctx, tx, election, version)
	if err != nil {
		return nil, err
	}
	args := []any{election, version}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	// Station results are keyed and paged by station, area totals by area.
	table, place, places := "official_results", "station", "stations"
	if q.Totals {
		table, place, places = "official_totals", "area", "areas"
	}
	where := ` WHERE r.election = $1 AND r.version = $2`
	if q.Contest != "" {
		where += ` AND r.contest = ` + arg(q.Contest)
	}
	if q.Station != "" {
		if q.Totals {
			where += ` AND false` // an area total has no station
		} else {
			where += ` AND r.station = ` + arg(q.Station)
		}
	}
	if q.After != "" {
		where += ` AND r.` + place + ` > ` + arg(q.After)
	}
	if q.Area != "" {
		var path string
		err := tx.QueryRowContext(ctx, `SELECT path FROM areas WHERE election = $1 AND code = $2`, election, q.Area).Scan(&path)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return nil, iltod.E(iltod.ENotFound, "error.no_area", locales.Args{"Election": election, "Area": q.Area})
		case err != nil:
			return nil, err
		}
		lo, hi := pathRange(path)
		where += ` AND r.` + place + ` IN (SELECT code FROM ` + places + ` WHERE election = $1 AND path >= ` + arg(lo) + ` AND path < ` + arg(hi) + `)`
	}
	if q.Limit > 0 {
		// The last station (or area) of the page: every result up to it is on the page.
		var last sql.NullString
		limit := arg(q.Limit)
		if err := tx.QueryRowContext(ctx, `SELECT max(`+place+`) FROM (SELECT DISTINCT r.`+place+` FROM `+table+` r`+
			where+` ORDER BY r.`+place+` LIMIT `+limit+`) page`, args...).Scan(&last); err != nil {
			return nil, err
		}
		args = args[:len(args)-1]
		if !last.Valid {
			return []iltod.StationResult{}, nil
		}
		where += ` AND r.` + place + ` <= ` + arg(last.String)
	}
	rows, err := tx.QueryContext(ctx, `SELECT r.doc FROM `+table+` r`+where+` ORDER BY r.`+place+`, r.contest`, args...)
	out, err := collect(rows, err, decode[iltod.StationResult])
	if err != nil {
		return nil, fmt.Errorf("official results: %w", err)
	}
	return out, nil
}

// releaseVersion returns version if the election has that release, or its latest
// release for version 0; ENotFound otherwise.
func releaseVersion(ctx context.Context, tx *sql.Tx, election string, version int) (int, error) {
	var latest int
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM official_releases WHERE election = $1`,
		election).Scan(&latest); err != nil {
		return 0, err
	}
	switch {
	case latest == 0:
		return 0, iltod.E(iltod.ENotFound, "error.store.no_official", locales.Args{"Election": election})
	case version == 0:
		return latest, nil
	case version < 0 || version > latest:
		return 0, iltod.E(iltod.ENotFound, "error.store.no_official_version", locales.Args{"Election": election, "Version": strconv.Itoa(version)})
	}
	return version, nil
}
