package sqlstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/locales"
)

// SaveSample stores a PVT sample with its event in one write transaction; see
// iltod.AdminStore.
func (s *Store) SaveSample(ctx context.Context, r iltod.SampleRecord, ev iltod.Event) (iltod.SampleRecord, error) {
	if err := r.Validate(); err != nil {
		return iltod.SampleRecord{}, asInvalid(err, "error.store.what_sample")
	}
	r.Sample = bytes.Clone(r.Sample)
	r.Drawn, r.Hash = ev.Time.UTC(), sha256.Sum256(r.Sample)
	err := s.writeTx(ctx, func(tx *tx) error {
		if err := electionExists(ctx, tx, r.Election); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) + 1 FROM samples WHERE election = $1`,
			r.Election).Scan(&r.Version); err != nil {
			return fmt.Errorf("next sample version: %w", err)
		}
		ev.Election, ev.Kind, ev.Subject, ev.Hash = r.Election, iltod.EventSample, iltod.SampleSubject(r.Version), r.Hash
		var err error
		if ev, err = addEvent(ctx, tx, ev); err != nil {
			return err
		}
		r.Seq = ev.Seq
		if _, err := tx.ExecContext(ctx, `INSERT INTO samples (election, version, seq, hash, drawn, note, stations, sample)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			r.Election, r.Version, int64(r.Seq), r.Hash[:], formatTime(r.Drawn), r.Note, r.Stations, []byte(r.Sample)); err != nil {
			return fmt.Errorf("store sample: %w", err)
		}
		return nil
	})
	if err != nil {
		return iltod.SampleRecord{}, internal(wrap(err, "save sample"))
	}
	return r, nil
}

const sampleCols = `election, version, seq, hash, drawn, note, stations, sample`

func scanSample(sc scanner) (iltod.SampleRecord, error) {
	var r iltod.SampleRecord
	var sample []byte
	err := sc.Scan(&r.Election, &r.Version, &r.Seq, (*hashCol)(&r.Hash), timeOf(&r.Drawn), &r.Note, &r.Stations, &sample)
	r.Sample = sample
	return r, err
}

// Samples returns the samples of an election in version order, read in one snapshot.
func (s *Store) Samples(ctx context.Context, election string) ([]iltod.SampleRecord, error) {
	out, err := ofElection(ctx, s, election, scanSample, `SELECT `+sampleCols+` FROM samples WHERE election = $1 ORDER BY version`)
	return out, internal(wrap(err, "list samples of "+election))
}

// Sample returns one sample of an election, version 0 meaning the latest.
func (s *Store) Sample(ctx context.Context, election string, version int) (iltod.SampleRecord, error) {
	var r iltod.SampleRecord
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		if err := electionExists(ctx, tx, election); err != nil {
			return err
		}
		var row *sql.Row
		if version == 0 {
			row = tx.QueryRowContext(ctx, `SELECT `+sampleCols+` FROM samples WHERE election = $1 ORDER BY version DESC LIMIT 1`, election)
		} else {
			row = tx.QueryRowContext(ctx, `SELECT `+sampleCols+` FROM samples WHERE election = $1 AND version = $2`, election, version)
		}
		var err error
		r, err = scanSample(row)
		switch {
		case errors.Is(err, sql.ErrNoRows) && version == 0:
			return iltod.E(iltod.ENotFound, "stats.analysis.no_sample", nil)
		case errors.Is(err, sql.ErrNoRows):
			return iltod.E(iltod.ENotFound, "error.store.no_sample_version", locales.Args{"Election": election, "Version": strconv.Itoa(version)})
		}
		return err
	})
	if err != nil {
		return iltod.SampleRecord{}, internal(wrap(err, "read sample of "+election))
	}
	return r, nil
}

// staffChange checks an account and the event of its change, and returns them as they
// are stored: the areas sorted, each once, and the event's fields set; see
// iltod.AdminStore.CreateStaff.
func staffChange(a iltod.StaffAccount, ev iltod.Event) (iltod.StaffAccount, iltod.Event, error) {
	if err := a.Validate(); err != nil {
		return a, ev, asInvalid(err, "error.store.what_staff")
	}
	if err := iltod.CheckStaffDetail(a, ev.Detail); err != nil {
		return a, ev, err
	}
	a.Areas = slices.Compact(slices.Sorted(slices.Values(a.Areas)))
	ev.Election, ev.Kind, ev.Subject, ev.Hash = "", iltod.EventStaff, iltod.StaffSubject(a.Login), sha256.Sum256(ev.Detail)
	return a, ev, nil
}

// encodeAreas returns the JSON array of areas: [] for none.
func encodeAreas(areas []string) string {
	if len(areas) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(areas) // a []string always encodes
	return string(b)
}

// CreateStaff stores a new staff account with its event in one write transaction; see
// iltod.AdminStore.
func (s *Store) CreateStaff(ctx context.Context, a iltod.StaffAccount, ev iltod.Event) error {
	a, ev, err := staffChange(a, ev)
	if err != nil {
		return err
	}
	a.Created, a.Updated = ev.Time.UTC(), ev.Time.UTC()
	err = s.writeTx(ctx, func(tx *tx) error {
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM staff WHERE login = $1)`, a.Login).Scan(&exists); err != nil {
			return fmt.Errorf("look up staff account: %w", err)
		}
		if exists {
			return iltod.E(iltod.EConflict, "error.store.staff_exists", locales.Args{"Login": a.Login})
		}
		ev, err := addEvent(ctx, tx, ev)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO staff
			(login, name, role, areas, password_hash, totp_secret, disabled, created, updated, seq)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			a.Login, a.Name, a.Role, encodeAreas(a.Areas), a.PasswordHash, a.TOTPSecret, a.Disabled,
			formatTime(a.Created), formatTime(a.Updated), int64(ev.Seq)); err != nil {
			return fmt.Errorf("store staff account: %w", err)
		}
		return nil
	})
	return internal(wrap(err, "create staff account "+a.Login))
}

// UpdateStaff replaces a staff account with its event in one write transaction, and
// deletes its sessions if it is disabled; see iltod.AdminStore. Updating the account's
// row waits for any CreateSession that read it, so that the sessions deleted include
// every one created before the account was disabled.
func (s *Store) UpdateStaff(ctx context.Context, a iltod.StaffAccount, ev iltod.Event) error {
	a, ev, err := staffChange(a, ev)
	if err != nil {
		return err
	}
	a.Updated = ev.Time.UTC()
	err = s.writeTx(ctx, func(tx *tx) error {
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM staff WHERE login = $1)`, a.Login).Scan(&exists); err != nil {
			return fmt.Errorf("look up staff account: %w", err)
		}
		if !exists {
			return staffNotFound(a.Login)
		}
		ev, err := addEvent(ctx, tx, ev)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE staff SET name = $1, role = $2, areas = $3, password_hash = $4,
			totp_secret = $5, disabled = $6, updated = $7, seq = $8 WHERE login = $9`,
			a.Name, a.Role, encodeAreas(a.Areas), a.PasswordHash, a.TOTPSecret, a.Disabled, formatTime(a.Updated),
			int64(ev.Seq), a.Login); err != nil {
			return fmt.Errorf("store staff account: %w", err)
		}
		if a.Disabled {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE login = $1`, a.Login); err != nil {
				return fmt.Errorf("delete the sessions of a disabled account: %w", err)
			}
		}
		return nil
	})
	return internal(wrap(err, "update staff account "+a.Login))
}

func staffNotFound(login string) error {
	return iltod.E(iltod.ENotFound, "error.store.no_staff", locales.Args{"Login": login})
}

const staffCols = `login, name, role, areas, password_hash, totp_secret, disabled, created, updated`

func scanStaff(sc scanner) (iltod.StaffAccount, error) {
	var a iltod.StaffAccount
	var areas []byte
	if err := sc.Scan(&a.Login, &a.Name, &a.Role, &areas, &a.PasswordHash, &a.TOTPSecret, &a.Disabled,
		timeOf(&a.Created), timeOf(&a.Updated)); err != nil {
		return a, err
	}
	if err := json.Unmarshal(areas, &a.Areas); err != nil {
		return a, fmt.Errorf("decode the areas of staff account %s: %w", a.Login, err)
	}
	if len(a.Areas) == 0 {
		a.Areas = nil
	}
	return a, nil
}

// StaffAccount returns one staff account, secrets included.
func (s *Store) StaffAccount(ctx context.Context, login string) (iltod.StaffAccount, error) {
	a, err := scanStaff(s.read.QueryRowContext(ctx, `SELECT `+staffCols+` FROM staff WHERE login = $1`, login))
	if errors.Is(err, sql.ErrNoRows) {
		return a, staffNotFound(login)
	}
	if err != nil {
		return iltod.StaffAccount{}, internal(fmt.Errorf("read staff account %s: %w", login, err))
	}
	return a, nil
}

// StaffAccounts returns every staff account in login order, secrets included.
func (s *Store) StaffAccounts(ctx context.Context) ([]iltod.StaffAccount, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+staffCols+` FROM staff ORDER BY login`)
	out, err := collect(rows, err, scanStaff)
	if err != nil {
		return nil, internal(fmt.Errorf("list staff accounts: %w", err))
	}
	return out, nil
}

// checkSession returns EInvalid if s cannot be stored; see iltod.AdminStore.CreateSession.
func checkSession(s iltod.Session) error {
	switch {
	case s.TokenHash == [32]byte{}:
		return iltod.E(iltod.EInvalid, "error.store.session_hash", nil)
	case s.Login == "":
		return iltod.E(iltod.EInvalid, "error.store.session_login", nil)
	case s.CSRF == "":
		return iltod.E(iltod.EInvalid, "error.store.session_csrf", nil)
	case !s.Expires.After(s.Created):
		return iltod.E(iltod.EInvalid, "error.store.session_expiry", nil)
	}
	return nil
}

// CreateSession stores a session of an account that is not disabled, after deleting the
// sessions that expired at or before its creation, in one transaction; see
// iltod.AdminStore. It does not take the event lock: it appends no event. On PostgreSQL
// it reads the account FOR SHARE, so that an UpdateStaff disabling it waits for the
// session and then deletes it.
func (s *Store) CreateSession(ctx context.Context, sess iltod.Session) error {
	if err := checkSession(sess); err != nil {
		return err
	}
	err := s.inTx(ctx, false, func(tx *tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires <= $1`, formatTime(sess.Created)); err != nil {
			return fmt.Errorf("delete expired sessions: %w", err)
		}
		var disabled bool
		err := tx.QueryRowContext(ctx, `SELECT disabled FROM staff WHERE login = $1`+s.d.forShare, sess.Login).Scan(&disabled)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return staffNotFound(sess.Login)
		case err != nil:
			return fmt.Errorf("look up staff account: %w", err)
		case disabled:
			return iltod.E(iltod.EConflict, "error.store.staff_disabled", locales.Args{"Login": sess.Login})
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, login, created, expires, csrf)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (token_hash) DO NOTHING`,
			sess.TokenHash[:], sess.Login, formatTime(sess.Created), formatTime(sess.Expires), sess.CSRF)
		if err != nil {
			return fmt.Errorf("store session: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return iltod.E(iltod.EConflict, "error.store.session_exists", nil)
		}
		return nil
	})
	return internal(wrap(err, "create session"))
}

// Session returns the session of a token hash, unless it has expired at now or its
// account is disabled.
func (s *Store) Session(ctx context.Context, tokenHash [32]byte, now time.Time) (iltod.Session, error) {
	var sess iltod.Session
	err := s.read.QueryRowContext(ctx, `SELECT s.token_hash, s.login, s.created, s.expires, s.csrf
		FROM sessions s JOIN staff a ON a.login = s.login
		WHERE s.token_hash = $1 AND s.expires > $2 AND NOT a.disabled`,
		tokenHash[:], formatTime(now)).Scan((*hashCol)(&sess.TokenHash), &sess.Login, timeOf(&sess.Created), timeOf(&sess.Expires), &sess.CSRF)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return iltod.Session{}, iltod.E(iltod.ENotFound, "error.store.no_session", nil)
	case err != nil:
		return iltod.Session{}, internal(fmt.Errorf("read session: %w", err))
	}
	return sess, nil
}

// DeleteSession deletes one session, if it exists.
func (s *Store) DeleteSession(ctx context.Context, tokenHash [32]byte) error {
	err := s.inTx(ctx, false, func(tx *tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash[:])
		return err
	})
	return internal(wrap(err, "delete session"))
}

// DeleteSessions deletes every session of an account.
func (s *Store) DeleteSessions(ctx context.Context, login string) error {
	err := s.inTx(ctx, false, func(tx *tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE login = $1`, login)
		return err
	})
	return internal(wrap(err, "delete the sessions of "+login))
}
