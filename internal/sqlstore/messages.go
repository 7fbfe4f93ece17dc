package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/locales"
)

var _ iltod.MessageStore = (*Store)(nil)

// AddChannelMessage stores m and returns its id; see iltod.MessageStore. It takes no
// event lock: a message is no event.
func (s *Store) AddChannelMessage(ctx context.Context, m iltod.ChannelMessage) (int64, error) {
	if m.Direction != iltod.MessageIn && m.Direction != iltod.MessageOut {
		return 0, iltod.E(iltod.EInvalid, "error.store.sms.direction", locales.Args{"Value": m.Direction})
	}
	var id int64
	err := s.inTx(ctx, false, func(tx *tx) error {
		if err := electionExists(ctx, tx, m.Election); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO channel_messages
			(election, observer, direction, transport, gateway, gateway_id, address, text, report, at, status)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
			m.Election, m.Observer, m.Direction, m.Transport, m.Gateway, m.GatewayID, m.Address, m.Text,
			m.Report, formatTime(m.At), m.Status).Scan(&id)
	})
	return id, internal(wrap(err, "add channel message"))
}

// ChannelMessages returns the newest messages q selects, oldest first; see
// iltod.MessageStore.
func (s *Store) ChannelMessages(ctx context.Context, election string, q iltod.ChannelMessageQuery) ([]iltod.ChannelMessage, error) {
	since := ""
	if !q.Since.IsZero() {
		since = formatTime(q.Since)
	}
	var out []iltod.ChannelMessage
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		if err := electionExists(ctx, tx, election); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, election, observer, direction, transport, gateway, gateway_id,
				address, text, report, at, status
			FROM channel_messages
			WHERE election = $1 AND ($2 = '' OR observer = $2) AND at >= $3
			ORDER BY id DESC LIMIT $4`, election, q.Observer, since, q.EffectiveLimit())
		out, err = collect(rows, err, func(sc scanner) (m iltod.ChannelMessage, err error) {
			err = sc.Scan(&m.ID, &m.Election, &m.Observer, &m.Direction, &m.Transport, &m.Gateway, &m.GatewayID,
				&m.Address, &m.Text, &m.Report, timeOf(&m.At), &m.Status)
			return m, err
		})
		return err
	})
	if err != nil {
		return nil, internal(wrap(err, "read channel messages"))
	}
	slices.Reverse(out)
	return out, nil
}

// CreateLinkCode stores a link code's hash; see iltod.MessageStore.
func (s *Store) CreateLinkCode(ctx context.Context, c iltod.LinkCode) error {
	err := s.inTx(ctx, false, func(tx *tx) error {
		if err := electionExists(ctx, tx, c.Election); err != nil {
			return err
		}
		if err := observerExists(ctx, tx, c.Election, c.Observer); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO link_codes (code_hash, election, observer, issued, expires)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code_hash) DO NOTHING`,
			c.CodeHash[:], c.Election, c.Observer, formatTime(c.Issued), formatTime(c.Expires))
		if err != nil {
			return fmt.Errorf("store link code: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return iltod.E(iltod.EConflict, "error.store.enrollment_exists", nil)
		}
		return nil
	})
	return internal(wrap(err, "create link code"))
}

// ClaimLinkCode consumes a link code and links address to its observer; see
// iltod.MessageStore. Claims are serialised by the event lock, so of two claims of one
// code exactly one succeeds.
func (s *Store) ClaimLinkCode(ctx context.Context, election string, codeHash [32]byte, address string, at time.Time) (iltod.LinkCode, error) {
	c := iltod.LinkCode{CodeHash: codeHash, Election: election}
	err := s.inTx(ctx, true, func(tx *tx) error {
		var used sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT observer, issued, expires, used_at FROM link_codes
			WHERE code_hash = $1 AND election = $2`, codeHash[:], election).
			Scan(&c.Observer, timeOf(&c.Issued), timeOf(&c.Expires), &used)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return iltod.E(iltod.ENotFound, "error.store.sms.link_unknown", nil)
		case err != nil:
			return fmt.Errorf("look up link code: %w", err)
		case used.Valid:
			return iltod.E(iltod.EConflict, "error.store.sms.link_used", nil)
		case !at.Before(c.Expires):
			return iltod.E(iltod.EConflict, "error.store.enrollment_expired", locales.Args{"Time": c.Expires.Format(time.RFC3339)})
		}
		if _, err := tx.ExecContext(ctx, `UPDATE link_codes SET used_at = $1, used_by = $2 WHERE code_hash = $3`,
			formatTime(at), address, codeHash[:]); err != nil {
			return fmt.Errorf("use link code: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO messenger_links (election, address, observer, linked)
			VALUES ($1, $2, $3, $4) ON CONFLICT (election, address) DO UPDATE SET observer = excluded.observer, linked = excluded.linked`,
			election, address, c.Observer, formatTime(at)); err != nil {
			return fmt.Errorf("link account: %w", err)
		}
		return nil
	})
	if err != nil {
		return iltod.LinkCode{}, internal(wrap(err, "claim link code"))
	}
	return c, nil
}

// LinkedObserver returns the observer address is linked to; see iltod.MessageStore.
func (s *Store) LinkedObserver(ctx context.Context, election, address string) (string, error) {
	var obs string
	err := s.read.QueryRowContext(ctx, `SELECT observer FROM messenger_links WHERE election = $1 AND address = $2`,
		election, address).Scan(&obs)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", iltod.E(iltod.ENotFound, "error.store.sms.not_linked", nil)
	case err != nil:
		return "", internal(fmt.Errorf("look up messenger link: %w", err))
	}
	return obs, nil
}
