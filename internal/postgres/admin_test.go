package postgres_test

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/storetest"
	"github.com/jackc/pgx/v5"
)

// TestEventsOfNoElection checks the triggers that replace the foreign key from events to
// elections (migration 0004): the database itself accepts an event of no election and
// still refuses an event of an unknown election, and the deletion, renaming or
// truncation of an election that has events, whatever SQL reaches it.
func TestEventsOfNoElection(t *testing.T) {
	dsn := freshSchema(t)
	s := open(t, dsn)
	ctx := t.Context()
	for _, id := range []string{"mn", "gone"} {
		if err := s.CreateElection(ctx, storetest.Fixture(id), false); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.AddEvent(ctx, iltod.Event{Election: "mn", Kind: iltod.EventStaff, Hash: [32]byte{1}, Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	detail := []byte(`{"actor":"admin","login":"bold"}`)
	if err := s.CreateStaff(ctx, iltod.StaffAccount{Login: "bold", Name: "Bold", Role: iltod.RoleAdmin},
		iltod.Event{Time: time.Now(), Detail: detail}); err != nil {
		t.Fatal(err)
	}
	ev, err := s.Event(ctx, 2)
	if err != nil || ev.Election != "" || ev.Hash != sha256.Sum256(detail) {
		t.Fatalf("the staff event: %+v, %v", ev, err)
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	hash := `'\x0101010101010101010101010101010101010101010101010101010101010101'`
	for _, q := range []string{
		`INSERT INTO events (seq, election, kind, subject, hash, time) VALUES (3, 'nope', 'staff', '', ` + hash + `, 't')`,
		`DELETE FROM elections WHERE id = 'mn'`,
		`UPDATE elections SET id = 'other' WHERE id = 'mn'`,
		`TRUNCATE elections CASCADE`,
		`UPDATE events SET election = 'mn' WHERE seq = 2`,
	} {
		if _, err := conn.Exec(ctx, q); err == nil {
			t.Errorf("%s: the database allowed it", q)
		}
	}
	for _, q := range []string{
		`INSERT INTO events (seq, election, kind, subject, hash, time) VALUES (3, '', 'staff', 'staff/x', ` + hash + `, '2024-06-30T00:00:00.000000000Z')`,
		`DELETE FROM elections WHERE id = 'gone'`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
}
