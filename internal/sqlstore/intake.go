package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/reportjson"
	"github.com/iltod/iltod/locales"
)

const electionExistsSQL = `SELECT EXISTS (SELECT 1 FROM elections WHERE id = $1)`

// electionExists returns ENotFound unless the election exists.
func electionExists(ctx context.Context, q querier, id string) error {
	var ok bool
	if err := q.QueryRowContext(ctx, electionExistsSQL, id).Scan(&ok); err != nil {
		return fmt.Errorf("look up election: %w", err)
	}
	if !ok {
		return electionNotFound(id)
	}
	return nil
}

// observerExists returns ENotFound unless the election has the observer.
func observerExists(ctx context.Context, q querier, election, code string) error {
	var ok bool
	if err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM observers WHERE election = $1 AND code = $2)`,
		election, code).Scan(&ok); err != nil {
		return fmt.Errorf("look up observer: %w", err)
	}
	if !ok {
		return iltod.E(iltod.ENotFound, "error.app.no_observer", locales.Args{"Election": election, "Observer": code})
	}
	return nil
}

// hasEvents returns EConflict if the election has events: the log commits to them, so
// the election can be neither deleted nor replaced. The caller holds the event lock.
func hasEvents(ctx context.Context, tx *tx, id string) error {
	var ok bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM events WHERE election = $1)`, id).Scan(&ok); err != nil {
		return fmt.Errorf("look up events: %w", err)
	}
	if ok {
		return iltod.E(iltod.EConflict, "error.store.election_has_events", locales.Args{"Election": id})
	}
	return nil
}

const nextSeqSQL = `SELECT coalesce(max(seq), 0) + 1 FROM events`

// nextSeq returns the sequence number of the next event. The caller holds the event lock.
func nextSeq(ctx context.Context, q querier) (uint64, error) {
	var seq int64
	if err := q.QueryRowContext(ctx, nextSeqSQL).Scan(&seq); err != nil {
		return 0, fmt.Errorf("next event number: %w", err)
	}
	return uint64(seq), nil
}

// addEvent stores ev in tx with the next sequence number and returns it as stored.
func addEvent(ctx context.Context, tx *tx, ev iltod.Event) (iltod.Event, error) {
	seq, err := nextSeq(ctx, tx)
	if err != nil {
		return ev, err
	}
	ev.Seq, ev.Time, ev.LogIndex = seq, ev.Time.UTC(), nil
	if len(ev.Detail) == 0 {
		ev.Detail = nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO events (seq, election, kind, subject, hash, time, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		int64(seq), ev.Election, string(ev.Kind), ev.Subject, ev.Hash[:], formatTime(ev.Time), nullBytes(ev.Detail)); err != nil {
		return ev, fmt.Errorf("store event: %w", err)
	}
	return ev, nil
}

// nullBytes returns b, or nil (NULL) when b is empty.
func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// CreateEnrollment stores the enrollment code's hash with its event, whose Election is set
// to e.Election. It returns ENotFound for an unknown election or observer and EConflict
// for a code hash already stored.
func (s *Store) CreateEnrollment(ctx context.Context, e iltod.Enrollment, ev iltod.Event) error {
	err := s.writeTx(ctx, func(tx *tx) error {
		if err := electionExists(ctx, tx, e.Election); err != nil {
			return err
		}
		if err := observerExists(ctx, tx, e.Election, e.Observer); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO enrollments (code_hash, election, observer, issued, expires, issued_by)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code_hash) DO NOTHING`,
			e.CodeHash[:], e.Election, e.Observer, formatTime(e.Issued), formatTime(e.Expires), e.IssuedBy)
		if err != nil {
			return fmt.Errorf("store enrollment: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return iltod.E(iltod.EConflict, "error.store.enrollment_exists", nil)
		}
		ev.Election = e.Election
		_, err = addEvent(ctx, tx, ev)
		return err
	})
	return internal(wrap(err, "create enrollment"))
}

// ClaimEnrollment consumes the code and stores d with its event, in one transaction; see
// iltod.IntakeStore. ev.Election is set from the code. Claims are serialised by the event
// lock, so of two claims of one code exactly one succeeds.
func (s *Store) ClaimEnrollment(ctx context.Context, codeHash [32]byte, d iltod.Device, ev iltod.Event) (iltod.Device, error) {
	retry := false
	err := s.writeTx(ctx, func(tx *tx) error {
		var election, observer string
		var exp time.Time
		var used, usedBy sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT election, observer, expires, used_at, used_by_key FROM enrollments WHERE code_hash = $1`,
			codeHash[:]).Scan(&election, &observer, timeOf(&exp), &used, &usedBy)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return iltod.E(iltod.ENotFound, "error.app.enroll_code_unknown", nil)
		case err != nil:
			return fmt.Errorf("look up enrollment: %w", err)
		case used.Valid && usedBy.Valid && usedBy.String == d.KeyID:
			retry = true // the same phone again, after a lost answer: change nothing
			return nil
		case used.Valid:
			return iltod.E(iltod.EConflict, "error.store.enrollment_used", nil)
		}
		if !d.Enrolled.Before(exp) {
			return iltod.E(iltod.EConflict, "error.store.enrollment_expired", locales.Args{"Time": exp.Format(time.RFC3339)})
		}
		var enrolled bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM devices WHERE key_id = $1)`, d.KeyID).Scan(&enrolled); err != nil {
			return fmt.Errorf("look up device: %w", err)
		}
		if enrolled {
			return iltod.E(iltod.EConflict, "error.store.device_enrolled", locales.Args{"Key": d.KeyID})
		}
		d = normalDevice(d)
		d.Election, d.Observer = election, observer
		if _, err := tx.ExecContext(ctx, `UPDATE enrollments SET used_at = $1, used_by_key = $2 WHERE code_hash = $3`,
			formatTime(d.Enrolled), d.KeyID, codeHash[:]); err != nil {
			return fmt.Errorf("use enrollment: %w", err)
		}
		var revoked any
		if d.Revoked != nil {
			revoked = formatTime(*d.Revoked)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO devices (key_id, election, observer, public_key, enrolled, revoked)
			VALUES ($1, $2, $3, $4, $5, $6)`,
			d.KeyID, d.Election, d.Observer, nonNil(d.PublicKey), formatTime(d.Enrolled), revoked); err != nil {
			return fmt.Errorf("store device: %w", err)
		}
		ev.Election = election
		_, err = addEvent(ctx, tx, ev)
		return err
	})
	if err != nil {
		return iltod.Device{}, internal(wrap(err, "claim enrollment"))
	}
	if retry {
		return s.Device(ctx, d.KeyID)
	}
	return d, nil
}

// normalDevice returns d as the store gives it back: times in UTC, a copy of the key.
func normalDevice(d iltod.Device) iltod.Device {
	d.PublicKey = slices.Clone(d.PublicKey)
	d.Enrolled = d.Enrolled.UTC()
	if d.Revoked != nil {
		r := d.Revoked.UTC()
		d.Revoked = &r
	}
	return d
}

// nonNil returns b, or an empty slice for nil, for NOT NULL BLOB columns.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

const deviceCols = `key_id, election, observer, public_key, enrolled, revoked`

func scanDevice(sc scanner) (iltod.Device, error) {
	var d iltod.Device
	return d, sc.Scan(&d.KeyID, &d.Election, &d.Observer, &d.PublicKey, timeOf(&d.Enrolled), optTime(&d.Revoked))
}

// Device returns the device with the given key id, or ENotFound.
func (s *Store) Device(ctx context.Context, keyID string) (iltod.Device, error) {
	d, err := scanDevice(s.read.QueryRowContext(ctx, `SELECT `+deviceCols+` FROM devices WHERE key_id = $1`, keyID))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return d, iltod.E(iltod.ENotFound, "error.store.no_device", locales.Args{"Key": keyID})
	case err != nil:
		return d, internal(fmt.Errorf("read device %s: %w", keyID, err))
	}
	return d, nil
}

// Devices returns the devices of one observer, or of the whole election when observer is
// "", in the order they were enrolled. It returns ENotFound for an unknown election or
// observer.
func (s *Store) Devices(ctx context.Context, election, observer string) ([]iltod.Device, error) {
	var out []iltod.Device
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		if err := electionExists(ctx, tx, election); err != nil {
			return err
		}
		if observer != "" {
			if err := observerExists(ctx, tx, election, observer); err != nil {
				return err
			}
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+deviceCols+` FROM devices
			WHERE election = $1 AND (observer = $2 OR $2 = '') ORDER BY enrolled, key_id`, election, observer)
		out, err = collect(rows, err, scanDevice)
		return err
	})
	return out, internal(wrap(err, "list devices of "+election))
}

// RevokeDevice marks the device revoked at ev.Time and stores ev, whose Election is set to
// the device's. It returns ENotFound for an unknown key and EConflict if the device is
// revoked already.
func (s *Store) RevokeDevice(ctx context.Context, keyID string, ev iltod.Event) error {
	err := s.writeTx(ctx, func(tx *tx) error {
		var election string
		var revoked sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT election, revoked FROM devices WHERE key_id = $1`, keyID).Scan(&election, &revoked)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return iltod.E(iltod.ENotFound, "error.store.no_device", locales.Args{"Key": keyID})
		case err != nil:
			return fmt.Errorf("look up device: %w", err)
		case revoked.Valid:
			return iltod.E(iltod.EConflict, "error.store.device_revoked", locales.Args{"Key": keyID})
		}
		if _, err := tx.ExecContext(ctx, `UPDATE devices SET revoked = $1 WHERE key_id = $2`, formatTime(ev.Time), keyID); err != nil {
			return fmt.Errorf("revoke device: %w", err)
		}
		ev.Election = election
		_, err = addEvent(ctx, tx, ev)
		return err
	})
	return internal(wrap(err, "revoke device "+keyID))
}

// submissionRow is a submission encoded for its row, before the transaction begins.
type submissionRow struct {
	report, checks, received string
}

// encodeSubmissions encodes each submission's report and checks for its row. A report
// that cannot be encoded is EInvalid, naming the first such in subs.
//
// A commit group of many submissions is encoded on every core: the committer that calls
// AcceptReports is one goroutine, and encoding was a fifth of its work per report
// (pprof of BenchmarkIngest), time in which the other cores could have helped.
func encodeSubmissions(subs []iltod.Submission) ([]submissionRow, error) {
	rows := make([]submissionRow, len(subs))
	encode := func(lo, hi int) error {
		var buf []byte
		for i := lo; i < hi; i++ {
			sub := &subs[i]
			var err error
			if buf, err = reportjson.AppendReport(buf[:0], &sub.Report); err != nil {
				return iltod.E(iltod.EInvalid, "error.store.report_unencodable", locales.Args{"ID": sub.Report.ID, "Detail": err.Error()})
			}
			r := string(buf)
			buf = reportjson.AppendChecks(buf[:0], sub.Checks)
			rows[i] = submissionRow{report: r, checks: string(buf), received: formatTime(sub.Received)}
		}
		return nil
	}
	const perWorker = 64 // below this, a goroutine costs more than it saves
	workers := min(runtime.GOMAXPROCS(0), len(subs)/perWorker)
	if workers <= 1 {
		return rows, encode(0, len(subs))
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := len(subs)*w/workers, len(subs)*(w+1)/workers
		wg.Go(func() { errs[w] = encode(lo, hi) })
	}
	wg.Wait()
	for _, err := range errs { // the first submission that failed, as one worker would say
		if err != nil {
			return nil, err
		}
	}
	return rows, nil
}

var submissionInsertCols = []string{"seq", "election", "id", "station", "form", "form_version", "observer", "channel",
	"envelope", "envelope_hash", "device_key", "received", "checks", "status", "report"}

// AcceptReports stores the new submissions among subs with their acceptance events, in
// one durable write transaction, bulk-loading the reports; see iltod.IntakeStore. The Stored submission of an Accepted
// result is subs[i] with Seq set and Received in UTC. Duplicate and Conflicting results
// hold the submission stored before, or accepted earlier in subs. It returns ENotFound,
// and stores nothing, if the election of any submission does not exist.
func (s *Store) AcceptReports(ctx context.Context, subs []iltod.Submission) ([]iltod.AcceptResult, error) {
	if len(subs) == 0 {
		return []iltod.AcceptResult{}, nil
	}
	enc, err := encodeSubmissions(subs)
	if err != nil {
		return nil, err
	}
	type key struct{ election, id string }
	byElection := map[string][]string{} // ids to look for, by election
	var elections []string
	for i := range subs {
		r := &subs[i].Report
		if _, ok := byElection[r.Election]; !ok {
			elections = append(elections, r.Election)
		}
		byElection[r.Election] = append(byElection[r.Election], r.ID)
	}
	results := make([]iltod.AcceptResult, len(subs))
	ids, _ := s.d.textList(nil)
	lookup := `SELECT ` + submissionCols + ` FROM submissions WHERE id IN (` + ids + `) AND election = $2`
	// A statement the store could not prepare is prepared in the transaction, as any.
	_ = s.stmts.prepare(ctx, s.acceptQueries(lookup))
	err = s.writeTx(ctx, func(tx *tx) error {
		stored := make(map[key]iltod.Submission)
		for _, e := range elections {
			if err := electionExists(ctx, tx, e); err != nil {
				return err
			}
			_, arg := s.d.textList(byElection[e])
			rows, err := tx.QueryContext(ctx, lookup, arg, e)
			found, err := collect(rows, err, scanSubmission)
			if err != nil {
				return fmt.Errorf("look up stored reports: %w", err)
			}
			for _, sub := range found {
				stored[key{e, sub.Report.ID}] = sub
			}
		}
		seq, err := nextSeq(ctx, tx)
		if err != nil {
			return err
		}
		var fresh []int
		for i, sub := range subs {
			k := key{sub.Report.Election, sub.Report.ID}
			if prev, ok := stored[k]; ok {
				outcome := iltod.Duplicate
				if prev.EnvelopeHash != sub.EnvelopeHash {
					outcome = iltod.Conflicting
				}
				results[i] = iltod.AcceptResult{Outcome: outcome, Stored: prev}
				continue
			}
			sub.Seq, sub.Received = seq, sub.Received.UTC()
			seq++
			stored[k] = sub
			results[i] = iltod.AcceptResult{Outcome: iltod.Accepted, Stored: sub}
			fresh = append(fresh, i)
		}
		if err := s.d.copy(ctx, tx, "submissions", submissionInsertCols, len(fresh), func(j int, row []any) []any {
			i := fresh[j]
			sub, r := &results[i].Stored, &subs[i].Report
			return append(row, int64(sub.Seq), r.Election, r.ID, r.Station, r.Form, r.FormVersion, sub.Observer,
				string(sub.Channel), nonNil(sub.Envelope), sub.EnvelopeHash[:], sub.DeviceKey, enc[i].received,
				enc[i].checks, string(sub.Status), enc[i].report)
		}); err != nil {
			return fmt.Errorf("store reports: %w", err)
		}
		if len(fresh) == 0 {
			return nil
		}
		// The photos the new reports name, so that their upload and display can be
		// authorised without reading every report.
		var photos []photoRow
		for _, i := range fresh {
			photos = photoRows(photos, &results[i].Stored)
		}
		if err := s.d.copy(ctx, tx, "report_photos", photoInsertCols, len(photos), func(j int, row []any) []any {
			p := &photos[j]
			return append(row, p.election, p.sha[:], int64(p.seq), p.tag)
		}); err != nil {
			return fmt.Errorf("store photo answers: %w", err)
		}
		// The acceptance events, made from the rows just stored: the new reports have
		// the sequence numbers from the first one on.
		if _, err := tx.ExecContext(ctx, reportEventsSQL, string(iltod.EventReport), int64(results[fresh[0]].Stored.Seq)); err != nil {
			return fmt.Errorf("store events: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, internal(wrap(err, "accept reports"))
	}
	return results, nil
}

// reportEventsSQL stores the acceptance events of the reports from the Seq $2 on.
const reportEventsSQL = `INSERT INTO events (seq, election, kind, subject, hash, time)
	SELECT seq, election, $1, id, envelope_hash, received FROM submissions WHERE seq >= $2 ORDER BY seq`

// acceptQueries returns the statements of AcceptReports, lookup the look-up of stored
// reports by id, for the statement cache.
func (s *Store) acceptQueries(lookup string) []string {
	if s.stmts == nil {
		return nil
	}
	q := []string{electionExistsSQL, lookup, nextSeqSQL, reportEventsSQL}
	q = append(q, insertQueries("submissions", submissionInsertCols)...)
	return append(q, insertQueries("report_photos", photoInsertCols)...)
}

const submissionCols = `seq, election, id, channel, envelope, envelope_hash, device_key, received, checks, status, report, observer`

func scanSubmission(sc scanner) (iltod.Submission, error) {
	var sub iltod.Submission
	var election, id string
	var checks, report []byte
	if err := sc.Scan(&sub.Seq, &election, &id, &sub.Channel, &sub.Envelope, (*hashCol)(&sub.EnvelopeHash), &sub.DeviceKey,
		timeOf(&sub.Received), &checks, &sub.Status, &report, &sub.Observer); err != nil {
		return sub, err
	}
	if err := json.Unmarshal(report, &sub.Report); err != nil {
		return sub, fmt.Errorf("decode report %s of %s: %w", id, election, err)
	}
	if err := json.Unmarshal(checks, &sub.Checks); err != nil {
		return sub, fmt.Errorf("decode checks of report %s of %s: %w", id, election, err)
	}
	return sub, nil
}

// Submission returns one stored submission. An empty election matches any election; if
// the id is stored in more than one, it returns EConflict. It returns ENotFound for an
// unknown election or report.
func (s *Store) Submission(ctx context.Context, election, id string) (iltod.Submission, error) {
	return oneReport(ctx, s, `SELECT `+submissionCols+` FROM submissions s`, election, id, scanSubmission)
}

// SubmissionLogIndex returns the log index of a submission's acceptance event, nil
// while it has none; it finds the submission, and fails, as Submission does.
func (s *Store) SubmissionLogIndex(ctx context.Context, election, id string) (*uint64, error) {
	return oneReport(ctx, s, `SELECT e.log_index FROM submissions s JOIN events e ON e.seq = s.seq`, election, id,
		func(r scanner) (*uint64, error) {
			var idx sql.NullInt64
			if err := r.Scan(&idx); err != nil || !idx.Valid {
				return nil, err
			}
			v := uint64(idx.Int64)
			return &v, nil
		})
}

// oneReport reads, with scan, the row that query (a SELECT from the submissions table
// named s, without WHERE) gives for report id of election, "" for any election. It
// returns ENotFound when there is none (or no such election), EConflict when the id is
// in more than one election.
func oneReport[T any](ctx context.Context, s *Store, query, election, id string, scan func(scanner) (T, error)) (T, error) {
	var zero T
	var rows *sql.Rows
	var err error
	if election == "" {
		rows, err = s.read.QueryContext(ctx, query+` WHERE s.id = $1 LIMIT 2`, id)
	} else {
		rows, err = s.read.QueryContext(ctx, query+` WHERE s.id = $1 AND s.election = $2`, id, election)
	}
	found, err := collect(rows, err, scan)
	if err != nil {
		return zero, internal(fmt.Errorf("read report %s: %w", id, err))
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		if election != "" {
			if err := electionExists(ctx, s.read, election); err != nil {
				return zero, internal(err)
			}
		}
		return zero, iltod.E(iltod.ENotFound, "error.store.no_report", locales.Args{"ID": id})
	}
	return zero, iltod.E(iltod.EConflict, "error.store.report_ambiguous", locales.Args{"ID": id})
}

// Submissions returns the submissions of an election that q selects, in Seq order: at
// most 1000 when q.Limit is 0, and never more than 10,000. It returns ENotFound for an
// unknown election.
func (s *Store) Submissions(ctx context.Context, election string, q iltod.SubmissionQuery) ([]iltod.Submission, error) {
	args := []any{election, int64(min(q.AfterSeq, math.MaxInt64))}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	query := `SELECT ` + submissionCols + ` FROM submissions WHERE election = $1 AND seq > $2`
	if q.Station != "" {
		// A station has few reports: find them by station, then sort them, rather than
		// walk the whole election in seq order, which is SQLite's guess without
		// statistics.
		query = `SELECT ` + submissionCols + ` FROM submissions` + s.d.indexedBy("submissions_station") + `
			WHERE election = $1 AND seq > $2 AND station = ` + arg(q.Station)
	}
	if q.Form != "" {
		query += ` AND form = ` + arg(q.Form)
	}
	query += ` ORDER BY seq LIMIT ` + arg(q.EffectiveLimit())
	rows, err := s.read.QueryContext(ctx, query, args...)
	out, err := collect(rows, err, scanSubmission)
	if err != nil {
		return nil, internal(fmt.Errorf("list reports of %s: %w", election, err))
	}
	if len(out) == 0 {
		if err := electionExists(ctx, s.read, election); err != nil {
			return nil, internal(err)
		}
	}
	return out, nil
}

// SetStatus sets a submission's review status and stores ev, whose Election is set to
// election. It returns ENotFound for an unknown election or report.
func (s *Store) SetStatus(ctx context.Context, election, id string, status iltod.ReviewStatus, ev iltod.Event) error {
	err := s.writeTx(ctx, func(tx *tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE submissions SET status = $1 WHERE id = $2 AND election = $3`, string(status), id, election)
		if err != nil {
			return fmt.Errorf("set status: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			if err := electionExists(ctx, tx, election); err != nil {
				return err
			}
			return iltod.E(iltod.ENotFound, "error.store.no_report", locales.Args{"ID": id})
		}
		ev.Election = election
		_, err = addEvent(ctx, tx, ev)
		return err
	})
	return internal(wrap(err, "set status of report "+id))
}

// Resolve stores r with ev, whose Election is set to r.Election; r's Seq is the event's.
// It returns ENotFound for an unknown election.
func (s *Store) Resolve(ctx context.Context, r iltod.Resolution, ev iltod.Event) error {
	value, err := json.Marshal(r.Value)
	if err != nil {
		return iltod.E(iltod.EInvalid, "error.store.resolution_value", locales.Args{"Tag": r.Tag, "Detail": err.Error()})
	}
	err = s.writeTx(ctx, func(tx *tx) error {
		if err := electionExists(ctx, tx, r.Election); err != nil {
			return err
		}
		ev.Election = r.Election
		ev, err := addEvent(ctx, tx, ev)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO resolutions (seq, election, station, form, tag, value)
			VALUES ($1, $2, $3, $4, $5, $6)`, int64(ev.Seq), r.Election, r.Station, r.Form, r.Tag, string(value)); err != nil {
			return fmt.Errorf("store resolution: %w", err)
		}
		return nil
	})
	return internal(wrap(err, "resolve"))
}

// Resolutions returns the resolutions for a station and form, latest last. It returns
// ENotFound for an unknown election.
func (s *Store) Resolutions(ctx context.Context, election, station, form string) ([]iltod.Resolution, error) {
	out, err := s.resolutions(ctx, election, station, form)
	return out, internal(wrap(err, "list resolutions of "+election))
}

func (s *Store) resolutions(ctx context.Context, election, station, form string) ([]iltod.Resolution, error) {
	// Station and form "" select every resolution of the election (see iltod.IntakeStore).
	rows, err := s.read.QueryContext(ctx, `SELECT seq, station, form, tag, value FROM resolutions
		WHERE election = $1 AND ((station = $2 AND form = $3) OR ($2 = '' AND $3 = ''))
		ORDER BY station, form, seq`, election, station, form)
	out, err := collect(rows, err, func(sc scanner) (iltod.Resolution, error) {
		r := iltod.Resolution{Election: election}
		var seq int64
		var value []byte
		if err := sc.Scan(&seq, &r.Station, &r.Form, &r.Tag, &value); err != nil {
			return r, err
		}
		r.Seq = uint64(seq)
		if err := json.Unmarshal(value, &r.Value); err != nil {
			return r, fmt.Errorf("decode resolution %d: %w", seq, err)
		}
		return r, nil
	})
	if err == nil && len(out) == 0 {
		err = electionExists(ctx, s.read, election)
	}
	return out, err
}

// AddEvent stores ev and returns it as stored, with its Seq. It returns ENotFound for an
// unknown election.
func (s *Store) AddEvent(ctx context.Context, ev iltod.Event) (iltod.Event, error) {
	err := s.writeTx(ctx, func(tx *tx) error {
		if err := electionExists(ctx, tx, ev.Election); err != nil {
			return err
		}
		var err error
		ev, err = addEvent(ctx, tx, ev)
		return err
	})
	if err != nil {
		return iltod.Event{}, internal(wrap(err, "add event"))
	}
	return ev, nil
}

const eventCols = `seq, election, kind, subject, hash, time, detail, log_index`

func scanEvent(sc scanner) (iltod.Event, error) {
	var ev iltod.Event
	var detail []byte
	err := sc.Scan(&ev.Seq, &ev.Election, &ev.Kind, &ev.Subject, (*hashCol)(&ev.Hash), timeOf(&ev.Time), &detail, &ev.LogIndex)
	if len(detail) > 0 {
		ev.Detail = detail
	}
	return ev, err
}

// Event returns the event with the given sequence number, or ENotFound.
func (s *Store) Event(ctx context.Context, seq uint64) (iltod.Event, error) {
	if seq > math.MaxInt64 {
		return iltod.Event{}, iltod.E(iltod.ENotFound, "error.store.no_event", locales.Args{"Seq": num(seq)})
	}
	ev, err := scanEvent(s.read.QueryRowContext(ctx, `SELECT `+eventCols+` FROM events WHERE seq = $1`, int64(seq)))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return iltod.Event{}, iltod.E(iltod.ENotFound, "error.store.no_event", locales.Args{"Seq": num(seq)})
	case err != nil:
		return iltod.Event{}, internal(fmt.Errorf("read event %d: %w", seq, err))
	}
	return ev, nil
}

// maxUnlogged bounds the events one call of Unlogged returns.
const maxUnlogged = 10_000

// Unlogged returns up to limit events that have no log index, in Seq order; limit must be
// positive (EInvalid otherwise), and at most 10,000 are returned.
func (s *Store) Unlogged(ctx context.Context, limit int) ([]iltod.Event, error) {
	if limit <= 0 {
		return nil, iltod.E(iltod.EInvalid, "error.store.limit_positive", nil)
	}
	rows, err := s.read.QueryContext(ctx, `SELECT `+eventCols+` FROM events WHERE log_index IS NULL ORDER BY seq LIMIT $1`,
		min(limit, maxUnlogged))
	out, err := collect(rows, err, scanEvent)
	if err == nil && len(out) > 0 && s.wal != nil {
		// The events go on to the log, which no crash takes back: the commits that
		// made them must be durable first, though theirs may not have returned yet.
		err = s.wal.sync()
	}
	if err != nil {
		return nil, internal(fmt.Errorf("list unlogged events: %w", err))
	}
	return out, nil
}

// MarkLogged records the log indexes of marks in one transaction: either all are
// recorded or, on any error, none. Marking an event again with the same index is a
// no-op. It returns ENotFound for an unknown event, and EConflict for an event that has
// another index, or an index that another event has (marks included).
func (s *Store) MarkLogged(ctx context.Context, marks []iltod.LogMark) error {
	if len(marks) == 0 {
		return nil
	}
	pairs := make([][2]int64, len(marks)) // [seq, index]
	for i, m := range marks {
		if m.Index > math.MaxInt64 {
			return iltod.E(iltod.EInvalid, "error.store.log_index_range", locales.Args{"Index": num(m.Index)})
		}
		if m.Seq > math.MaxInt64 {
			return iltod.E(iltod.ENotFound, "error.store.no_event", locales.Args{"Seq": num(m.Seq)})
		}
		pairs[i] = [2]int64{int64(m.Seq), int64(m.Index)}
	}
	_ = s.stmts.prepare(ctx, []string{checkRunSQL, markRunSQL})
	err := s.writeTx(ctx, func(tx *tx) error {
		if done, err := markRun(ctx, tx, marks); done || err != nil {
			return err
		}
		// For each mark: whether its event exists, the event's index, and the event that
		// has the mark's index, as stored before this call.
		all, args := s.d.pairList(pairs)
		rows, err := tx.QueryContext(ctx, `SELECT e.seq IS NOT NULL, e.log_index, o.seq FROM (`+all+`) m
			LEFT JOIN events e ON e.seq = m.a LEFT JOIN events o ON o.log_index = m.b ORDER BY m.ord`, args...)
		type state struct {
			found        bool
			index, owner sql.NullInt64
		}
		states, err := collect(rows, err, func(sc scanner) (st state, err error) {
			return st, sc.Scan(&st.found, &st.index, &st.owner)
		})
		if err != nil {
			return fmt.Errorf("look up events: %w", err)
		}
		indexOf := map[uint64]uint64{} // seq → index, as marked by this call
		seqOf := map[uint64]uint64{}   // index → seq, as marked by this call
		var set [][2]int64
		for i, m := range marks {
			st := states[i]
			if idx, ok := indexOf[m.Seq]; ok {
				if idx != m.Index {
					return iltod.E(iltod.EConflict, "error.store.event_at_index", locales.Args{"Seq": num(m.Seq), "At": num(idx), "Index": num(m.Index)})
				}
				continue
			}
			switch {
			case !st.found:
				return iltod.E(iltod.ENotFound, "error.store.no_event", locales.Args{"Seq": num(m.Seq)})
			case st.index.Valid && uint64(st.index.Int64) == m.Index:
				indexOf[m.Seq], seqOf[m.Index] = m.Index, m.Seq
				continue
			case st.index.Valid:
				return iltod.E(iltod.EConflict, "error.store.event_at_index", locales.Args{"Seq": num(m.Seq), "At": num(st.index.Int64), "Index": num(m.Index)})
			case st.owner.Valid:
				return iltod.E(iltod.EConflict, "error.store.index_of_event", locales.Args{"Index": num(m.Index), "Owner": num(st.owner.Int64), "Seq": num(m.Seq)})
			}
			if other, ok := seqOf[m.Index]; ok {
				return iltod.E(iltod.EConflict, "error.store.index_of_event", locales.Args{"Index": num(m.Index), "Owner": num(other), "Seq": num(m.Seq)})
			}
			indexOf[m.Seq], seqOf[m.Index] = m.Index, m.Seq
			set = append(set, pairs[i])
		}
		if len(set) == 0 {
			return nil
		}
		all, args = s.d.pairList(set)
		if _, err := tx.ExecContext(ctx, `UPDATE events SET log_index = m.b FROM (`+all+`) m
			WHERE events.seq = m.a`, args...); err != nil {
			return fmt.Errorf("mark events: %w", err)
		}
		return nil
	})
	return internal(wrap(err, "mark logged"))
}

// checkRunSQL counts the events from Seq $1 to $2 and those of them whose index is not
// Seq-$3, and says whether an event other than Seq-$3's has an index from $4 to $5;
// markRunSQL gives the unlogged events from $1 to $2 the index Seq-$3.
const (
	checkRunSQL = `SELECT count(*), count(CASE WHEN seq - log_index <> $3 THEN 1 END),
			EXISTS (SELECT 1 FROM events WHERE log_index BETWEEN $4 AND $5 AND seq - log_index <> $3)
		FROM events WHERE seq BETWEEN $1 AND $2`
	markRunSQL = `UPDATE events SET log_index = seq - $3 WHERE seq BETWEEN $1 AND $2 AND log_index IS NULL`
)

// markRun records marks in one statement if they are a run, the sequencer's usual
// marks: events whose Seqs follow each other, at indexes that follow each other (Seq-1
// for each), none of them with another index and none of the indexes another event's. It
// returns false, having changed nothing, if the marks are not such a run, so that the
// caller can find out which mark is wrong; true if it recorded them. The marks' Seqs and
// indexes are at most math.MaxInt64.
func markRun(ctx context.Context, tx *tx, marks []iltod.LogMark) (bool, error) {
	first, n := marks[0], uint64(len(marks))
	for i, m := range marks {
		if m.Seq != first.Seq+uint64(i) || m.Index != first.Index+uint64(i) {
			return false, nil
		}
	}
	last := first.Seq + n - 1
	if last > math.MaxInt64 || first.Index+n-1 > math.MaxInt64 {
		return false, nil
	}
	// seq - log_index cannot overflow: both are in [0, MaxInt64].
	lo, hi, off := int64(first.Seq), int64(last), int64(first.Seq)-int64(first.Index)
	var found, other int64
	var taken bool
	if err := tx.QueryRowContext(ctx, checkRunSQL, lo, hi, off, int64(first.Index), int64(first.Index+n-1)).Scan(&found, &other, &taken); err != nil {
		return false, fmt.Errorf("look up events: %w", err)
	}
	if uint64(found) != n || other != 0 || taken {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, markRunSQL, lo, hi, off); err != nil {
		return false, fmt.Errorf("mark events: %w", err)
	}
	return true, nil
}

// LastSeq returns the highest event sequence number, 0 if there is none.
func (s *Store) LastSeq(ctx context.Context) (uint64, error) {
	var seq int64
	if err := s.read.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM events`).Scan(&seq); err != nil {
		return 0, internal(fmt.Errorf("last event number: %w", err))
	}
	return uint64(seq), nil
}
