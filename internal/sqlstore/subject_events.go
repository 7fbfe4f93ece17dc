package sqlstore

import (
	"context"
	"fmt"

	"github.com/iltod/iltod"
)

// maxSubjectEvents bounds the events one call of SubjectEvents returns.
const maxSubjectEvents = 10_000

// SubjectEvents returns the events of election whose Subject is subject (an incident's
// "incident/ID", say), in Seq order, at most limit (which must be positive, EInvalid
// otherwise; at most 10,000 are returned). The staff console shows an incident's history
// with it. The query reads the election's events through the events_election index.
func (s *Store) SubjectEvents(ctx context.Context, election, subject string, limit int) ([]iltod.Event, error) {
	if limit <= 0 {
		return nil, iltod.E(iltod.EInvalid, "error.store.limit_positive", nil)
	}
	rows, err := s.read.QueryContext(ctx, `SELECT `+eventCols+` FROM events WHERE election = $1 AND subject = $2 ORDER BY seq LIMIT $3`,
		election, subject, min(limit, maxSubjectEvents))
	out, err := collect(rows, err, scanEvent)
	if err != nil {
		return nil, internal(fmt.Errorf("list the events of %s: %w", subject, err))
	}
	return out, nil
}
