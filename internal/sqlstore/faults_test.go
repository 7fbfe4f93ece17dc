package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/iltod/iltod"
)

func TestUnavailable(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string // the message key, "" for an internal error
	}{
		{fmt.Errorf("commit: %w", &fs.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC}), "error.storage.disk_full"},
		{&fs.PathError{Op: "open", Path: "x", Err: syscall.EROFS}, "error.storage.read_only"},
		{&pgconn.PgError{Code: "53100"}, "error.storage.disk_full"},
		{&pgconn.PgError{Code: "25006"}, "error.storage.read_only"},
		{&pgconn.PgError{Code: "57P01"}, "error.storage.unreachable"},
		{&pgconn.PgError{Code: "08006"}, "error.storage.unreachable"},
		{&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, "error.storage.unreachable"},
		{&pgconn.PgError{Code: "23505"}, ""}, // unique violation: a bug, not the storage
		{context.DeadlineExceeded, ""},
		{fmt.Errorf("query: %w", context.Canceled), ""},
		{errors.New("something else"), ""},
	} {
		err := internal(c.err)
		var e *iltod.Error
		if !errors.As(err, &e) {
			t.Fatalf("internal(%v) is not an *iltod.Error", c.err)
		}
		switch {
		case c.want == "" && e.Code != iltod.EInternal:
			t.Errorf("internal(%v): code %s, want internal", c.err, e.Code)
		case c.want != "" && (e.Code != iltod.EUnavailable || e.Key != c.want):
			t.Errorf("internal(%v): %s %s, want unavailable %s", c.err, e.Code, e.Key, c.want)
		case c.want != "" && !errors.Is(err, c.err):
			t.Errorf("internal(%v) lost its cause", c.err)
		}
	}
}
