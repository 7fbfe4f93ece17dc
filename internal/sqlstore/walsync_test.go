package sqlstore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/iltod/iltod"
)

// heldSyncs replaces w's fsync with one that records the files synced, and holds each
// sync of the WAL until release is closed.
type heldSyncs struct {
	mu      sync.Mutex
	names   []string
	started chan string // a sync of the WAL has begun
	release chan struct{}
	once    sync.Once
}

func holdSyncs(t *testing.T, w *walSync) *heldSyncs {
	h := &heldSyncs{started: make(chan string, 16), release: make(chan struct{})}
	t.Cleanup(h.free) // before the store closes, should the test stop while a sync is held
	w.mu.Lock()
	w.fsync = func(f *os.File) error {
		h.mu.Lock()
		h.names = append(h.names, f.Name())
		h.mu.Unlock()
		if strings.HasSuffix(f.Name(), "-wal") {
			h.started <- f.Name()
			<-h.release
		}
		return f.Sync()
	}
	w.mu.Unlock()
	return h
}

// free lets the held syncs and every later one through.
func (h *heldSyncs) free() {
	h.once.Do(func() { close(h.release) })
}

func (h *heldSyncs) walSyncs() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, name := range h.names {
		if strings.HasSuffix(name, "-wal") {
			n++
		}
	}
	return n
}

// returned reports whether done is closed within a short while. While a sync is held,
// nothing that waits for it can return, so false is certain there however long one
// waits; the wait only gives a wrong return the time to show.
func returned(done <-chan error) bool {
	select {
	case <-done:
		return true
	case <-time.After(100 * time.Millisecond):
		return false
	}
}

// TestWALSync checks, on a real database, the order that makes a commit durable before
// it returns while the writer goes on: a write does not return until a sync of the WAL
// begun after its commit has ended; the next write commits meanwhile, and is visible to
// readers, but does not return either; and a read of the events to be logged syncs the
// WAL after reading.
func TestWALSync(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "iltod.db")
	s, err := OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h := holdSyncs(t, s.wal)

	write := func(name string) <-chan error {
		done := make(chan error, 1)
		go func() {
			_, err := s.SharedSecret(ctx, name)
			done <- err
		}()
		return done
	}
	visible := func(name string) bool {
		var n int
		err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM secrets WHERE name = $1`, name).Scan(&n)
		return err == nil && n == 1
	}

	a := write("a")
	select {
	case got := <-h.started:
		if got != path+"-wal" {
			t.Fatalf("synced %s, want the WAL %s-wal", got, path)
		}
	case err := <-a:
		t.Fatalf("a write returned (%v) without syncing the WAL", err)
	}
	if !visible("a") {
		t.Error("the first write's sync began before its commit")
	}
	if returned(a) {
		t.Fatal("a write returned while the sync of its commit was held")
	}
	// The writer is free: a second write commits while the first one's sync is held.
	b := write("b")
	for deadline := time.Now().Add(10 * time.Second); !visible("b"); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("a second write did not commit while the first one's sync was held")
		}
	}
	if returned(b) {
		t.Fatal("the second write returned before any sync after its commit")
	}
	h.free()
	for _, done := range []<-chan error{a, b} {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	// The first sync began before the second commit: the second needed one of its own.
	if n := h.walSyncs(); n != 2 {
		t.Errorf("%d syncs of the WAL for two commits, the second after the first sync began; want 2", n)
	}

	// Nothing to log: nothing to sync.
	before := h.walSyncs()
	if evs, err := s.Unlogged(ctx, 10); err != nil || len(evs) != 0 {
		t.Fatalf("Unlogged of a store without events: %v, %v", evs, err)
	}
	if n := h.walSyncs(); n != before {
		t.Errorf("Unlogged found no events but synced the WAL %d times", n-before)
	}
	if err := s.writeTx(ctx, func(tx *tx) error {
		_, err := addEvent(ctx, tx, iltod.Event{Kind: "test", Subject: "walsync", Time: time.Now()})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	before = h.walSyncs()
	if evs, err := s.Unlogged(ctx, 10); err != nil || len(evs) != 1 {
		t.Fatalf("Unlogged: %v, %v; want the one event", evs, err)
	}
	if n := h.walSyncs(); n != before+1 {
		t.Errorf("Unlogged read an event and synced the WAL %d times after, want once", n-before)
	}
}

// TestWALSyncFails checks that a failed sync of the WAL fails the write whose commit it
// was to make durable, and every later write, without writing, and the reads of events to
// be logged: after a failed fsync, no later one vouches for what came before it.
func TestWALSyncFails(t *testing.T) {
	ctx := context.Background()
	s, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "iltod.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.SharedSecret(ctx, "before"); err != nil {
		t.Fatal(err)
	}
	failing := errors.New("the disk said no")
	s.wal.mu.Lock()
	s.wal.fsync = func(f *os.File) error {
		if strings.HasSuffix(f.Name(), "-wal") {
			return failing
		}
		return f.Sync()
	}
	s.wal.mu.Unlock()
	if _, err := s.SharedSecret(ctx, "unsynced"); !errors.Is(err, failing) {
		t.Fatalf("a write whose sync failed: %v, want the failure", err)
	}
	s.wal.mu.Lock()
	s.wal.fsync = nil // the disk works again; the store must not believe it
	s.wal.mu.Unlock()
	if _, err := s.SharedSecret(ctx, "after"); !errors.Is(err, failing) {
		t.Errorf("a write after a failed sync: %v, want the failure", err)
	}
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM secrets WHERE name = 'after'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("a write after a failed sync stored %d rows (%v); want none", n, err)
	}
	if err := s.wal.sync(); !errors.Is(err, failing) {
		t.Errorf("a sync after a failed one: %v, want the failure", err)
	}
}

// TestWALSyncFollowsTheFile checks that walSync syncs the file at the WAL's path when
// that is a new file, and syncs its directory then, and the database file when there is
// no WAL.
func TestWALSyncFollowsTheFile(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "iltod.db")
	if err := os.WriteFile(db, []byte("db"), 0o600); err != nil {
		t.Fatal(err)
	}
	var synced []string
	var inodes []uint64
	w := &walSync{db: db, fsync: func(f *os.File) error {
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		synced = append(synced, f.Name())
		inodes = append(inodes, fi.Sys().(*syscall.Stat_t).Ino)
		return f.Sync()
	}}
	defer w.close()
	inode := func(name string) uint64 {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Sys().(*syscall.Stat_t).Ino
	}
	last := func() (string, uint64) { return synced[len(synced)-1], inodes[len(inodes)-1] }

	if err := w.sync(); err != nil {
		t.Fatal(err)
	}
	if name, _ := last(); name != db || len(synced) != 1 {
		t.Errorf("with no WAL, synced %v; want the database file", synced)
	}

	wal := db + "-wal"
	if err := os.WriteFile(wal, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := w.sync(); err != nil {
		t.Fatal(err)
	}
	if len(synced) != 3 || synced[1] != dir || synced[2] != wal || inodes[2] != inode(wal) {
		t.Errorf("a new WAL: synced %v; want its directory, then it", synced)
	}
	if err := w.sync(); err != nil {
		t.Fatal(err)
	}
	if len(synced) != 4 || synced[3] != wal {
		t.Errorf("the same WAL again: synced %v; want it alone", synced)
	}

	// The WAL removed and made anew, as SQLite does when the last connection closes and
	// another opens: the new file is synced, not the one kept open.
	old := inode(wal)
	if err := os.Rename(wal, wal+".old"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(wal, []byte("two"), 0o600); err != nil {
		t.Fatal(err)
	}
	if inode(wal) == old {
		t.Fatal("the new WAL has the old one's inode")
	}
	if err := w.sync(); err != nil {
		t.Fatal(err)
	}
	if name, ino := last(); name != wal || ino != inode(wal) || synced[len(synced)-2] != dir {
		t.Errorf("a WAL made anew: synced %v (inodes %v); want its directory, then the file of inode %d", synced, inodes, inode(wal))
	}
}
