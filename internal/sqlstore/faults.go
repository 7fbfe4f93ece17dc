package sqlstore

import (
	"context"
	"errors"
	"net"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	sqlite3 "modernc.org/sqlite"
	sqlite3lib "modernc.org/sqlite/lib"

	"github.com/iltod/iltod"
)

// unavailable returns the EUnavailable error for a failure of the storage under the
// store — its disk full, its files read-only, its database server unreachable — or nil
// for any other error. Those are faults an operator fixes without touching iltod; the
// transaction that met one was rolled back, and a retry later may succeed.
func unavailable(err error) error {
	key := ""
	var se *sqlite3.Error
	var pe *pgconn.PgError
	var oe *net.OpError
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		// The caller gave up: not the storage's fault.
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		key = "error.storage.disk_full"
	case errors.Is(err, syscall.EROFS):
		key = "error.storage.read_only"
	case errors.As(err, &se):
		switch se.Code() & 0xff {
		case sqlite3lib.SQLITE_FULL:
			key = "error.storage.disk_full"
		case sqlite3lib.SQLITE_READONLY:
			key = "error.storage.read_only"
		case sqlite3lib.SQLITE_IOERR, sqlite3lib.SQLITE_CANTOPEN:
			key = "error.storage.io"
		}
	case errors.As(err, &pe):
		switch {
		case pe.Code == "53100": // disk_full
			key = "error.storage.disk_full"
		case pe.Code == "25006": // read_only_sql_transaction: a standby
			key = "error.storage.read_only"
		case len(pe.Code) == 5 && (pe.Code[:2] == "08" || pe.Code[:3] == "57P" || pe.Code[:2] == "53"):
			// connection exceptions, the server shutting down or starting, out of resources
			key = "error.storage.unreachable"
		}
	case errors.As(err, new(*pgconn.ConnectError)), errors.As(err, &oe), errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		key = "error.storage.unreachable"
	}
	if key == "" {
		return nil
	}
	e := iltod.E(iltod.EUnavailable, key, nil)
	e.Err = err
	return e
}
