package sqlstore_test

import (
	"database/sql"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/sqlstore"
)

// TestSignerLockLost ends the PostgreSQL session that holds the signer lock, as a killed
// process or a restarted server would: the holder can no longer store a checkpoint or
// claim the lock, and another store takes it at once.
func TestSignerLockLost(t *testing.T) {
	dsn := freshSchema(t)
	ctx := t.Context()
	a := backends[1].store(t, dsn)
	b := backends[1].store(t, dsn)
	lock, err := a.TrySigner(ctx)
	if err != nil || lock == nil {
		t.Fatalf("TrySigner: %v, %v", lock, err)
	}
	defer lock.Release()
	if other, err := b.TrySigner(ctx); err != nil || other != nil {
		t.Fatalf("a second instance took a held lock: %v, %v", other, err)
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ended int
	if err := db.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' AND granted
		AND classid = $1 AND objid = hashtext(current_schema())::oid AND objsubid = 2`, sqlstore.SignerLockKey).Scan(&ended); err != nil || ended != 1 {
		t.Fatalf("end the holder's session: %d sessions, %v", ended, err)
	}
	cp := iltod.StoredCheckpoint{Size: 1, Note: []byte("one"), Signer: "a", Time: time.Now()}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		next, err := b.TrySigner(ctx)
		if err == nil && next != nil {
			defer next.Release()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the lock was not free within 5s of its session ending: %v", err)
		}
	}
	if err := lock.Alive(ctx); err == nil {
		t.Error("Alive after the session ended: no error")
	}
	if err := lock.AddCheckpoint(ctx, cp); err == nil {
		t.Error("AddCheckpoint after the session ended succeeded")
	}
	if _, err := a.LatestCheckpoint(ctx); iltod.ErrorCodeOf(err) != iltod.ENotFound {
		t.Errorf("a checkpoint was stored through a lost lock: %v", err)
	}
}
