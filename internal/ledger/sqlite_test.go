package ledger

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/sqlstore"
	"github.com/iltod/iltod/internal/storetest"
)

// diesBeforeMark is the SQLite store as seen by a process that dies right after
// Tessera appended its events and before the store recorded it: MarkLogged never
// reaches the store.
type diesBeforeMark struct{ *sqlstore.Store }

var errKilled = errors.New("killed before MarkLogged")

func (d diesBeforeMark) MarkLogged(context.Context, []iltod.LogMark) error { return errKilled }

// TestRestartRecoverySQLite is TestRestartRecovery on the real SQLite store.
func TestRestartRecoverySQLite(t *testing.T) {
	ctx := testCtx(t, 30*time.Second)
	dir := t.TempDir()
	store, err := sqlstore.OpenSQLite(ctx, filepath.Join(dir, "iltod.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	p := storetest.Fixture("mn-2024")
	if err := store.CreateElection(ctx, p, false); err != nil {
		t.Fatal(err)
	}
	add := func(i int) iltod.Event {
		detail := fmt.Appendf(nil, `{"action":"test","n":%d}`, i)
		ev, err := store.AddEvent(ctx, iltod.Event{Election: "mn-2024", Kind: iltod.EventStaff, Subject: "test",
			Hash: sha256.Sum256(detail), Time: time.Now().UTC().Truncate(time.Millisecond), Detail: detail})
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	before, err := store.LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 5; i++ {
		add(i)
	}
	total := before + 5

	cfg := testConfig(t, dir)
	_, err = Open(ctx, cfg, diesBeforeMark{store})
	if !errors.Is(err, errKilled) {
		t.Fatalf("Open with a store that dies before MarkLogged: %v", err)
	}
	if un, _ := store.Unlogged(ctx, 100); len(un) != int(total) {
		t.Fatalf("%d unlogged events after the crash, want %d", len(un), total)
	}

	l := openLedger(t, cfg, store)
	if un, _ := store.Unlogged(ctx, 100); len(un) != 0 {
		t.Fatalf("%d events unlogged after recovery", len(un))
	}
	for s := uint64(1); s <= total; s++ {
		ev, err := store.Event(ctx, s)
		if err != nil || ev.LogIndex == nil || *ev.LogIndex != s-1 {
			t.Fatalf("event %d: log index %v (%v), want %d", s, ev.LogIndex, err, s-1)
		}
	}
	size, err := l.reader.IntegratedSize(ctx)
	if err != nil || size != total {
		t.Fatalf("log size %d (%v) after recovery, want %d: events were appended twice", size, err, total)
	}
	last := add(6)
	l.Notify()
	if _, err := l.AwaitProof(ctx, last.Seq-1); err != nil {
		t.Fatal(err)
	}
	checkLeaves(t, cfg.Dir, l.VerifierKey(), last.Seq)
}
