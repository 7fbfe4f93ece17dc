package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/locales"
)

// PutODKCredential stores the observer's OpenRosa credential with its event, replacing
// the observer's earlier one; see iltod.ODKStore.
func (s *Store) PutODKCredential(ctx context.Context, c iltod.ODKCredential, ev iltod.Event) error {
	err := s.writeTx(ctx, func(tx *tx) error {
		if err := electionExists(ctx, tx, c.Election); err != nil {
			return err
		}
		if err := observerExists(ctx, tx, c.Election, c.Observer); err != nil {
			return err
		}
		var other string
		err := tx.QueryRowContext(ctx, `SELECT observer FROM odk_credentials WHERE election = $1 AND username = $2`,
			c.Election, c.Username).Scan(&other)
		switch {
		case err == nil && other != c.Observer:
			return iltod.E(iltod.EConflict, "error.odk.username_taken", locales.Args{"Username": c.Username})
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("read odk credential: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM odk_credentials WHERE election = $1 AND observer = $2`,
			c.Election, c.Observer); err != nil {
			return fmt.Errorf("replace odk credential: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO odk_credentials (election, observer, username, ha1, issued, issued_by)
			VALUES ($1, $2, $3, $4, $5, $6)`,
			c.Election, c.Observer, c.Username, c.HA1, formatTime(c.Issued), c.IssuedBy); err != nil {
			return fmt.Errorf("store odk credential: %w", err)
		}
		ev.Election = c.Election
		_, err = addEvent(ctx, tx, ev)
		return err
	})
	return internal(wrap(err, "put odk credential"))
}

// ODKCredential returns the credential of username in election, or ENotFound.
func (s *Store) ODKCredential(ctx context.Context, election, username string) (iltod.ODKCredential, error) {
	c := iltod.ODKCredential{Election: election, Username: username}
	err := s.read.QueryRowContext(ctx, `SELECT observer, ha1, issued, issued_by FROM odk_credentials
		WHERE election = $1 AND username = $2`, election, username).
		Scan(&c.Observer, &c.HA1, timeOf(&c.Issued), &c.IssuedBy)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return iltod.ODKCredential{}, iltod.E(iltod.ENotFound, "error.odk.no_credential", nil)
	case err != nil:
		return iltod.ODKCredential{}, internal(fmt.Errorf("read odk credential: %w", err))
	}
	return c, nil
}
