package app

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/iltod/iltod/internal/sqlstore"
)

// TestLockIncidentAcrossInstances takes an incident's lock on one app and checks that
// another app over the same store, as another server instance, waits for it.
func TestLockIncidentAcrossInstances(t *testing.T) {
	store, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "iltod.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	a, b := New(store, nil), New(store, nil)
	defer a.Close()
	defer b.Close()
	unlock, err := a.lockIncident(context.Background(), "e1", "inc-1")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	if _, err := b.lockIncident(ctx, "e1", "inc-1"); err == nil {
		t.Fatal("a second instance took a held incident lock")
	}
	other, err := b.lockIncident(context.Background(), "e1", "inc-2")
	if err != nil {
		t.Fatalf("another incident's lock: %v", err)
	}
	other()
	got := make(chan error, 1)
	go func() {
		u, err := b.lockIncident(context.Background(), "e1", "inc-1")
		if err == nil {
			u()
		}
		got <- err
	}()
	time.Sleep(50 * time.Millisecond)
	unlock()
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting instance did not get the lock once it was released")
	}
}
