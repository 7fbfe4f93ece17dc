package postgres

import "github.com/jackc/pgx/v5"

// collect reads every row of rows with scan, then closes rows. It returns the rows read,
// never nil, or the first error of scan or of the iteration.
func collect[T any](rows pgx.Rows, scan func(pgx.Row) (T, error)) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
