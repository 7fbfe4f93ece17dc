package sqlite

import (
	"path/filepath"
	"testing"
)

// TestWriterIsDurable checks the settings that make a commit survive a power loss: WAL,
// synced at every commit (synchronous=FULL, 2) on the connection that writes.
func TestWriterIsDurable(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "iltod.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var sync int
	var mode string
	if err := s.write.QueryRowContext(t.Context(), `PRAGMA synchronous`).Scan(&sync); err != nil {
		t.Fatal(err)
	}
	if err := s.write.QueryRowContext(t.Context(), `PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if sync != 2 || mode != "wal" {
		t.Errorf("the writer has synchronous=%d and journal_mode=%s; want 2 (FULL) and wal", sync, mode)
	}
}
