package sqlstore_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/iltod/iltod/internal/sqlstore"
	"github.com/iltod/iltod/internal/synth"
)

func TestOpenSQLiteRejectsBadPaths(t *testing.T) {
	for _, path := range []string{"", ":memory:", "file:x.db", "x.db?mode=ro"} {
		if s, err := sqlstore.OpenSQLite(t.Context(), path); err == nil {
			s.Close()
			t.Errorf("sqlstore.OpenSQLite(%q) succeeded", path)
		}
	}
}

// TestWriterIsDurable checks the settings that make a commit survive a power loss: WAL,
// which SQLite syncs at checkpoints (synchronous=NORMAL, 1) on the connection that
// writes, and the store syncs after every commit (TestWALSync).
func TestWriterIsDurable(t *testing.T) {
	s, err := sqlstore.OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "iltod.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var sync int
	var mode string
	if err := sqlstore.Writer(s).QueryRowContext(t.Context(), `PRAGMA synchronous`).Scan(&sync); err != nil {
		t.Fatal(err)
	}
	if err := sqlstore.Writer(s).QueryRowContext(t.Context(), `PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if sync != 1 || mode != "wal" {
		t.Errorf("the writer has synchronous=%d and journal_mode=%s; want 1 (NORMAL) and wal", sync, mode)
	}
}

// TestCheckpoints checks that committed pages reach the database file without the
// writer checkpointing (its automatic checkpoints are off), and that Close leaves no WAL.
func TestCheckpoints(t *testing.T) {
	path := filepath.Join(t.TempDir(), "iltod.db")
	s, err := sqlstore.OpenSQLite(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	var auto int
	if err := sqlstore.Writer(s).QueryRowContext(t.Context(), `PRAGMA wal_autocheckpoint`).Scan(&auto); err != nil || auto != 0 {
		t.Errorf("the writer's wal_autocheckpoint = %d, %v; want 0", auto, err)
	}
	size := func(name string) int64 {
		fi, err := os.Stat(name)
		if err != nil {
			return 0
		}
		return fi.Size()
	}
	before := size(path)
	if err := s.CreateElection(t.Context(), synth.Package(3000, 1), false); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); size(path) < before+1<<20; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the database file is %d bytes after a large commit; no checkpoint copied the WAL into it", size(path))
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := size(path + "-wal"); n != 0 {
		t.Errorf("the WAL holds %d bytes after Close", n)
	}
}
