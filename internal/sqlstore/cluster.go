package sqlstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/locales"
)

// signerLock is the first key of the session advisory lock that makes one PostgreSQL
// instance the log's signer ("ilts"); the second is a hash of the schema, as for the
// other advisory locks.
const signerLock = 0x696c7473

// keepCheckpoints is how many of the latest checkpoints the store keeps.
const keepCheckpoints = 1000

var _ iltod.ClusterStore = (*Store)(nil)

// EventsFrom returns up to limit events with Seq at least seq, in Seq order; limit must be
// positive (EInvalid otherwise), and at most 10,000 are returned.
func (s *Store) EventsFrom(ctx context.Context, seq uint64, limit int) ([]iltod.Event, error) {
	if limit <= 0 {
		return nil, iltod.E(iltod.EInvalid, "error.store.limit_positive", nil)
	}
	if seq > math.MaxInt64 {
		return []iltod.Event{}, nil
	}
	rows, err := s.read.QueryContext(ctx, `SELECT `+eventCols+` FROM events WHERE seq >= $1 ORDER BY seq LIMIT $2`,
		int64(seq), min(limit, maxUnlogged))
	out, err := collect(rows, err, scanEvent)
	if err != nil {
		return nil, internal(fmt.Errorf("list events from %d: %w", seq, err))
	}
	return out, nil
}

// LatestCheckpoint returns the stored checkpoint of the largest size, or ENotFound.
func (s *Store) LatestCheckpoint(ctx context.Context) (iltod.StoredCheckpoint, error) {
	return latestCheckpoint(ctx, s.read)
}

func latestCheckpoint(ctx context.Context, q querier) (iltod.StoredCheckpoint, error) {
	var cp iltod.StoredCheckpoint
	var size int64
	err := q.QueryRowContext(ctx, `SELECT size, note, signer, time FROM checkpoints ORDER BY size DESC LIMIT 1`).
		Scan(&size, &cp.Note, &cp.Signer, timeOf(&cp.Time))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return cp, iltod.E(iltod.ENotFound, "error.no_checkpoint", nil)
	case err != nil:
		return cp, internal(fmt.Errorf("read the latest checkpoint: %w", err))
	}
	cp.Size = uint64(size)
	return cp, nil
}

// TrySigner tries to take the signer lock. On PostgreSQL it is a session advisory lock
// held by a connection of its own, released when the lock is or when the connection
// ends; on SQLite, which one process uses, it is held by at most one caller of the Store.
func (s *Store) TrySigner(ctx context.Context) (iltod.SignerLock, error) {
	if s.openLock == nil {
		if !s.signer.CompareAndSwap(false, true) {
			return nil, nil
		}
		return &localLock{s: s}, nil
	}
	db, err := s.openLock()
	if err != nil {
		return nil, internal(fmt.Errorf("signer lock: %w", err))
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)
	var got bool
	if err := db.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1, hashtext(current_schema()))`, signerLock).Scan(&got); err != nil {
		db.Close()
		return nil, internal(fmt.Errorf("signer lock: %w", err))
	}
	if !got {
		db.Close()
		return nil, nil
	}
	return &pgLock{s: &Store{d: s.d, write: db, read: db}, db: db}, nil
}

// localLock is the signer lock of a SQLite store.
type localLock struct {
	s    *Store
	once sync.Once
	gone atomic.Bool
}

func (l *localLock) AddCheckpoint(ctx context.Context, cp iltod.StoredCheckpoint) error {
	if l.gone.Load() {
		return iltod.E(iltod.EConflict, "error.cluster.signer_lost", nil)
	}
	return l.s.addCheckpoint(ctx, cp)
}

func (l *localLock) Alive(context.Context) error {
	if l.gone.Load() {
		return iltod.E(iltod.EConflict, "error.cluster.signer_lost", nil)
	}
	return nil
}

func (l *localLock) Release() error {
	l.once.Do(func() {
		l.gone.Store(true)
		l.s.signer.Store(false)
	})
	return nil
}

// pgLock is the signer lock of a PostgreSQL store: s runs on the one connection that
// holds the advisory lock.
type pgLock struct {
	s    *Store
	db   *sql.DB
	once sync.Once
}

func (l *pgLock) AddCheckpoint(ctx context.Context, cp iltod.StoredCheckpoint) error {
	return l.s.addCheckpoint(ctx, cp)
}

func (l *pgLock) Alive(ctx context.Context) error {
	var held bool
	if err := l.db.QueryRowContext(ctx, signerHeld, signerLock).Scan(&held); err != nil {
		return internal(fmt.Errorf("signer lock: %w", err))
	}
	if !held {
		return iltod.E(iltod.EConflict, "error.cluster.signer_lost", nil)
	}
	return nil
}

// Release unlocks and closes the lock's connection. The explicit unlock makes the lock
// free when Release returns: closing alone ends the session, and so the lock, only when
// the server notices, which may be after another instance has tried and failed to take it.
func (l *pgLock) Release() error {
	var err error
	l.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		// An error here (the session already gone) leaves the close to end the lock.
		l.db.ExecContext(ctx, `SELECT pg_advisory_unlock($1, hashtext(current_schema()))`, signerLock)
		err = l.db.Close()
	})
	return err
}

// signerHeld says whether this session holds the signer lock.
const signerHeld = `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
	AND pid = pg_backend_pid() AND classid = $1 AND objid = hashtext(current_schema())::oid AND objsubid = 2)`

// addCheckpoint stores cp in a write transaction of s, which for PostgreSQL runs on the
// connection holding the signer lock and checks that it still does.
func (s *Store) addCheckpoint(ctx context.Context, cp iltod.StoredCheckpoint) error {
	if cp.Size > math.MaxInt64 || len(cp.Note) == 0 || cp.Signer == "" {
		return iltod.E(iltod.EInvalid, "error.cluster.checkpoint", nil)
	}
	err := s.writeTx(ctx, func(tx *tx) error {
		if s.d.name == "postgres" {
			var held bool
			if err := tx.QueryRowContext(ctx, signerHeld, signerLock).Scan(&held); err != nil {
				return fmt.Errorf("check the signer lock: %w", err)
			}
			if !held {
				return iltod.E(iltod.EConflict, "error.cluster.signer_lost", nil)
			}
		}
		last, err := latestCheckpoint(ctx, tx)
		if err != nil && iltod.ErrorCodeOf(err) != iltod.ENotFound {
			return err
		}
		if err == nil && cp.Size < last.Size {
			return iltod.E(iltod.EConflict, "error.cluster.checkpoint_smaller", locales.Args{"Size": num(cp.Size), "Latest": num(last.Size)})
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO checkpoints (size, note, signer, time) VALUES ($1, $2, $3, $4)
			ON CONFLICT (size) DO NOTHING`,
			int64(cp.Size), cp.Note, cp.Signer, formatTime(cp.Time)); err != nil {
			return fmt.Errorf("store the checkpoint: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM checkpoints WHERE size < (SELECT size FROM checkpoints
			ORDER BY size DESC LIMIT 1 OFFSET $1)`, keepCheckpoints-1); err != nil {
			return fmt.Errorf("forget old checkpoints: %w", err)
		}
		return nil
	})
	return internal(wrap(err, "add checkpoint"))
}

// TOTPStep returns the last TOTP step login signed in with, 0 if none.
func (s *Store) TOTPStep(ctx context.Context, login string) (int64, error) {
	var step int64
	err := s.read.QueryRowContext(ctx, `SELECT step FROM totp_steps WHERE login = $1`, login).Scan(&step)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, internal(fmt.Errorf("read the TOTP step: %w", err))
	}
	return step, nil
}

// UseTOTPStep records step for login if it is later than the stored one; EConflict if not.
func (s *Store) UseTOTPStep(ctx context.Context, login string, step int64) error {
	var n int64
	err := s.inTx(ctx, false, func(tx *tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO totp_steps (login, step) VALUES ($1, $2)
			ON CONFLICT (login) DO UPDATE SET step = excluded.step WHERE totp_steps.step < excluded.step`, login, step)
		if err != nil {
			return fmt.Errorf("store the TOTP step: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return internal(wrap(err, "use TOTP step"))
	}
	if n != 1 {
		return iltod.E(iltod.EConflict, "error.cluster.totp_used", nil)
	}
	return nil
}

// pruneEvery is how many calls of TakeToken, on average, delete the full buckets.
const pruneEvery = 64

// TakeToken takes a token from key's bucket (see iltod.ClusterStore).
func (s *Store) TakeToken(ctx context.Context, key string, burst int, every time.Duration, now time.Time) (time.Duration, error) {
	if burst < 1 || every <= 0 || int64(every) > math.MaxInt64/int64(burst) {
		return 0, iltod.E(iltod.EInvalid, "error.cluster.rate_limit", nil)
	}
	h := sha256.Sum256([]byte(key))
	n := now.UnixNano()
	var wait time.Duration
	err := s.inTx(ctx, false, func(tx *tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO rate_limits (key, tat) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, h[:], n); err != nil {
			return fmt.Errorf("store the bucket: %w", err)
		}
		var tat int64
		if err := tx.QueryRowContext(ctx, `SELECT tat FROM rate_limits WHERE key = $1`+s.d.forUpdate, h[:]).Scan(&tat); err != nil {
			return fmt.Errorf("read the bucket: %w", err)
		}
		tat = max(tat, n)
		if w := time.Duration(tat-n) - time.Duration(burst-1)*every; w > 0 {
			wait = w
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE rate_limits SET tat = $2 WHERE key = $1`, h[:], tat+int64(every)); err != nil {
			return fmt.Errorf("update the bucket: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, internal(wrap(err, "take a token"))
	}
	if s.takes.Add(1)%pruneEvery == 0 {
		if _, err := s.write.ExecContext(ctx, `DELETE FROM rate_limits WHERE tat < $1`, n); err != nil {
			return wait, internal(fmt.Errorf("forget full buckets: %w", err))
		}
	}
	return wait, nil
}

// ResetTokens forgets key's bucket.
func (s *Store) ResetTokens(ctx context.Context, key string) error {
	h := sha256.Sum256([]byte(key))
	if _, err := s.write.ExecContext(ctx, `DELETE FROM rate_limits WHERE key = $1`, h[:]); err != nil {
		return internal(fmt.Errorf("reset the bucket: %w", err))
	}
	return nil
}

// SharedSecret returns the secret called name, making it on first use.
func (s *Store) SharedSecret(ctx context.Context, name string) ([]byte, error) {
	fresh := make([]byte, 32)
	rand.Read(fresh)
	var out []byte
	err := s.inTx(ctx, false, func(tx *tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, name, fresh); err != nil {
			return fmt.Errorf("store the secret: %w", err)
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&out)
	})
	if err != nil {
		return nil, internal(wrap(err, "shared secret"))
	}
	return out, nil
}

// SpendToken marks id spent until until; EConflict if it is spent already.
func (s *Store) SpendToken(ctx context.Context, id []byte, at, until time.Time) error {
	if len(id) == 0 || len(id) > 64 {
		return iltod.E(iltod.EInvalid, "error.cluster.token", nil)
	}
	now := at.UnixNano()
	var n int64
	err := s.inTx(ctx, false, func(tx *tx) error {
		if s.takes.Add(1)%pruneEvery == 0 {
			if _, err := tx.ExecContext(ctx, `DELETE FROM spent_tokens WHERE expires < $1`, now); err != nil {
				return fmt.Errorf("forget expired tokens: %w", err)
			}
		}
		// A spent token that has expired may be spent again (it is refused as expired
		// before it gets here).
		res, err := tx.ExecContext(ctx, `INSERT INTO spent_tokens (id, expires) VALUES ($1, $2)
			ON CONFLICT (id) DO UPDATE SET expires = excluded.expires WHERE spent_tokens.expires < $3`, id, until.UnixNano(), now)
		if err != nil {
			return fmt.Errorf("spend the token: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return internal(wrap(err, "spend token"))
	}
	if n != 1 {
		return iltod.E(iltod.EConflict, "error.cluster.token_spent", nil)
	}
	return nil
}

// ReleaseToken unspends id.
func (s *Store) ReleaseToken(ctx context.Context, id []byte) error {
	if _, err := s.write.ExecContext(ctx, `DELETE FROM spent_tokens WHERE id = $1`, id); err != nil {
		return internal(fmt.Errorf("release the token: %w", err))
	}
	return nil
}
