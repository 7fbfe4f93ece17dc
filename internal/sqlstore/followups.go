package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/locales"
)

// PutFollowup stores the hash of a follow-up code; see iltod.FollowupStore.
func (s *Store) PutFollowup(ctx context.Context, f iltod.Followup) error {
	err := s.writeTx(ctx, func(tx *tx) error {
		if err := electionExists(ctx, tx, f.Election); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM incidents WHERE election = $1 AND id = $2`,
			f.Election, f.Incident).Scan(&n); err != nil {
			return fmt.Errorf("look up incident: %w", err)
		}
		if n == 0 {
			return iltod.E(iltod.ENotFound, "error.incident.not_found", locales.Args{"ID": f.Incident})
		}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM followups WHERE election = $1 AND hash = $2`,
			f.Election, f.Hash[:]).Scan(&n); err != nil {
			return fmt.Errorf("look up follow-up: %w", err)
		}
		if n > 0 {
			return iltod.E(iltod.EConflict, "error.followup.exists", nil)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO followups (election, hash, incident, created) VALUES ($1, $2, $3, $4)`,
			f.Election, f.Hash[:], f.Incident, formatTime(f.Created))
		return wrap(err, "store follow-up")
	})
	return internal(wrap(err, "put follow-up"))
}

// FollowupIncident returns the incident a follow-up code's hash names; see
// iltod.FollowupStore.
func (s *Store) FollowupIncident(ctx context.Context, election string, hash [32]byte) (string, error) {
	var id string
	err := s.read.QueryRowContext(ctx, `SELECT incident FROM followups WHERE election = $1 AND hash = $2`,
		election, hash[:]).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", iltod.E(iltod.ENotFound, "error.followup.unknown", nil)
	case err != nil:
		return "", internal(fmt.Errorf("read follow-up: %w", err))
	}
	return id, nil
}
