package postgres

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestLockEventsDurable checks that a transaction that appends events commits durably
// even where the server or the session turned synchronous_commit off, and keeps a
// stronger setting as it is.
func TestLockEventsDurable(t *testing.T) {
	dsn := os.Getenv("ILTOD_TEST_POSTGRES")
	if dsn == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("ILTOD_TEST_POSTGRES not set in CI: the PostgreSQL store must be tested there")
		}
		t.Skip("ILTOD_TEST_POSTGRES not set")
	}
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for _, tc := range []struct{ set, want string }{
		{"off", "on"}, {"local", "local"}, {"on", "on"}, {"remote_apply", "remote_apply"},
	} {
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, "SET LOCAL synchronous_commit = "+tc.set); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, lockEvents); err != nil {
			t.Fatal(err)
		}
		var got string
		if err := tx.QueryRow(ctx, `SHOW synchronous_commit`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("synchronous_commit %s, after lockEvents: %s; want %s", tc.set, got, tc.want)
		}
		tx.Rollback(ctx)
	}
}
