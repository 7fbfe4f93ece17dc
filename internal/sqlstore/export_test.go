package sqlstore

import "database/sql"

// Writer returns the pool s writes with, for tests of its settings.
func Writer(s *Store) *sql.DB { return s.write }

// LockEvents is the first statement of PostgreSQL's writers.
var LockEvents = postgresDialect.lockEvents

// PostgresMigrations returns the migrations as spelled for PostgreSQL.
func PostgresMigrations() ([]string, error) {
	ms, err := postgresDialect.migrations()
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.sql
	}
	return out, err
}
