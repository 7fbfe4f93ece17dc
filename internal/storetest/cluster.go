package storetest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iltod/iltod"
)

// clusterTests check iltod.ClusterStore: what several server instances on one store
// coordinate through.
var clusterTests = []struct {
	name string
	fn   func(t *testing.T, s iltod.Store)
}{
	{"EventsFrom", testEventsFrom},
	{"Checkpoints", testCheckpoints},
	{"TOTPSteps", testTOTPSteps},
	{"RateLimits", testRateLimits},
	{"SharedSecrets", testSharedSecrets},
	{"SpentTokens", testSpentTokens},
}

func testEventsFrom(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	create(t, s, Fixture("mn"), false)
	if evs, err := s.EventsFrom(ctx, 1, 10); err != nil || len(evs) != 0 {
		t.Errorf("EventsFrom of a store without events = %v, %v", evs, err)
	}
	for i := range 5 {
		if _, err := s.AddEvent(ctx, staffEvent("mn", iltod.EventStaff, "election/mn", fmt.Sprint("event ", i))); err != nil {
			t.Fatal(err)
		}
	}
	evs, err := s.EventsFrom(ctx, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 3 || evs[0].Seq != 2 || evs[2].Seq != 4 {
		t.Errorf("EventsFrom(2, 3) gave %d events from %v", len(evs), evs)
	}
	for _, ev := range evs {
		want, err := s.Event(ctx, ev.Seq)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, fmt.Sprint("event ", ev.Seq), ev, want)
	}
	if evs, err := s.EventsFrom(ctx, 6, 10); err != nil || len(evs) != 0 {
		t.Errorf("EventsFrom past the last = %v, %v", evs, err)
	}
	_, err = s.EventsFrom(ctx, 1, 0)
	wantCode(t, "EventsFrom with limit 0", err, iltod.EInvalid)
}

func testCheckpoints(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	_, err := s.LatestCheckpoint(ctx)
	wantCode(t, "LatestCheckpoint of a new store", err, iltod.ENotFound)
	lock, err := s.TrySigner(ctx)
	if err != nil || lock == nil {
		t.Fatalf("TrySigner of a new store = %v, %v", lock, err)
	}
	if err := lock.Alive(ctx); err != nil {
		t.Errorf("Alive of a held lock: %v", err)
	}
	if other, err := s.TrySigner(ctx); err != nil || other != nil {
		t.Fatalf("a second TrySigner while the lock is held = %v, %v; want nil, nil", other, err)
	}
	at := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	cp := func(size uint64, text string) iltod.StoredCheckpoint {
		return iltod.StoredCheckpoint{Size: size, Note: []byte(text), Signer: "instance-a", Time: at.Add(time.Duration(size) * time.Second)}
	}
	for _, c := range []iltod.StoredCheckpoint{cp(0, "empty"), cp(5, "five"), cp(5, "five again, kept as it was"), cp(7, "seven")} {
		if err := lock.AddCheckpoint(ctx, c); err != nil {
			t.Fatalf("AddCheckpoint(%d, %q): %v", c.Size, c.Note, err)
		}
	}
	err = lock.AddCheckpoint(ctx, cp(6, "six"))
	wantCode(t, "AddCheckpoint smaller than the latest", err, iltod.EConflict)
	err = lock.AddCheckpoint(ctx, iltod.StoredCheckpoint{Size: 9, Signer: "x"})
	wantCode(t, "AddCheckpoint without a note", err, iltod.EInvalid)
	got, err := s.LatestCheckpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "LatestCheckpoint", got, cp(7, "seven"))
	if err := lock.AddCheckpoint(ctx, cp(7, "seven again")); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.LatestCheckpoint(ctx); string(got.Note) != "seven" {
		t.Errorf("a second checkpoint of size 7 replaced the first: %q", got.Note)
	}
	if err := lock.Release(); err != nil {
		t.Fatal(err)
	}
	if err := lock.Release(); err != nil {
		t.Errorf("a second Release: %v", err)
	}
	if err := lock.AddCheckpoint(ctx, cp(8, "eight")); err == nil {
		t.Error("AddCheckpoint through a released lock succeeded")
	}
	if err := lock.Alive(ctx); err == nil {
		t.Error("Alive of a released lock: no error")
	}
	next, err := s.TrySigner(ctx)
	if err != nil || next == nil {
		t.Fatalf("TrySigner after Release = %v, %v", next, err)
	}
	defer next.Release()
	if err := next.AddCheckpoint(ctx, cp(8, "eight")); err != nil {
		t.Fatal(err)
	}
	if got, err := s.LatestCheckpoint(ctx); err != nil || got.Size != 8 || got.Signer != "instance-a" {
		t.Errorf("LatestCheckpoint after another holder = %+v, %v", got, err)
	}
}

func testTOTPSteps(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	if n, err := s.TOTPStep(ctx, "alice"); err != nil || n != 0 {
		t.Fatalf("TOTPStep of a new login = %d, %v", n, err)
	}
	if err := s.UseTOTPStep(ctx, "alice", 100); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "the same step again", s.UseTOTPStep(ctx, "alice", 100), iltod.EConflict)
	wantCode(t, "an earlier step", s.UseTOTPStep(ctx, "alice", 99), iltod.EConflict)
	if err := s.UseTOTPStep(ctx, "bob", 100); err != nil {
		t.Errorf("another login's step: %v", err)
	}
	if n, err := s.TOTPStep(ctx, "alice"); err != nil || n != 100 {
		t.Errorf("TOTPStep = %d, %v; want 100", n, err)
	}
	// Of many instances offered the same code at once, exactly one succeeds.
	var ok, conflict atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch err := s.UseTOTPStep(ctx, "alice", 101); iltod.ErrorCodeOf(err) {
			case "":
				ok.Add(1)
			case iltod.EConflict:
				conflict.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 1 || conflict.Load() != 15 {
		t.Errorf("16 concurrent uses of one step: %d succeeded, %d conflicts; want 1 and 15", ok.Load(), conflict.Load())
	}
}

func testRateLimits(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	take := func(key string, at time.Time) time.Duration {
		t.Helper()
		w, err := s.TakeToken(ctx, key, 3, time.Minute, at)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	for i := range 3 {
		if w := take("ip:192.0.2.1", now); w != 0 {
			t.Fatalf("token %d of a burst of 3: wait %v", i+1, w)
		}
	}
	if w := take("ip:192.0.2.1", now); w != time.Minute {
		t.Errorf("a fourth token at once: wait %v, want 1m", w)
	}
	if w := take("ip:192.0.2.1", now.Add(30*time.Second)); w != 30*time.Second {
		t.Errorf("after 30s: wait %v, want 30s", w)
	}
	if w := take("ip:192.0.2.2", now); w != 0 {
		t.Errorf("another key: wait %v", w)
	}
	if w := take("ip:192.0.2.1", now.Add(time.Minute)); w != 0 {
		t.Errorf("after a minute: wait %v, want a token", w)
	}
	if err := s.ResetTokens(ctx, "ip:192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if w := take("ip:192.0.2.1", now.Add(time.Minute)); w != 0 {
			t.Fatalf("token %d after a reset: wait %v", i+1, w)
		}
	}
	_, err := s.TakeToken(ctx, "k", 0, time.Minute, now)
	wantCode(t, "TakeToken with burst 0", err, iltod.EInvalid)

	// Many instances taking at once take no more than the burst.
	var taken atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w, err := s.TakeToken(context.WithoutCancel(ctx), "login:alice", 5, time.Hour, now)
			if err != nil {
				t.Error(err)
			} else if w == 0 {
				taken.Add(1)
			}
		}()
	}
	wg.Wait()
	if taken.Load() != 5 {
		t.Errorf("20 concurrent takers of a burst of 5: %d tokens taken", taken.Load())
	}
}

func testSharedSecrets(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	a, err := s.SharedSecret(ctx, "form-tokens")
	if err != nil || len(a) != 32 {
		t.Fatalf("SharedSecret = %x, %v; want 32 bytes", a, err)
	}
	if b, err := s.SharedSecret(ctx, "form-tokens"); err != nil || string(b) != string(a) {
		t.Errorf("SharedSecret the second time = %x, %v; want %x", b, err, a)
	}
	if c, err := s.SharedSecret(ctx, "other"); err != nil || string(c) == string(a) {
		t.Errorf("another secret = %x, %v", c, err)
	}
}

func testSpentTokens(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	now := time.Now()
	until := now.Add(time.Hour)
	id := []byte("a token's MAC")
	if err := s.SpendToken(ctx, id, now, until); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "spending a token twice", s.SpendToken(ctx, id, now, until), iltod.EConflict)
	if err := s.ReleaseToken(ctx, id); err != nil {
		t.Fatal(err)
	}
	var ok atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch err := s.SpendToken(ctx, id, now, until); iltod.ErrorCodeOf(err) {
			case "":
				ok.Add(1)
			case iltod.EConflict:
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 1 {
		t.Errorf("16 concurrent spends of a released token: %d succeeded, want 1", ok.Load())
	}
	// A spent token whose time has passed is forgotten.
	old := []byte("an old token")
	if err := s.SpendToken(ctx, old, now, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "an old token within its time", s.SpendToken(ctx, old, now.Add(59*time.Second), until), iltod.EConflict)
	if err := s.SpendToken(ctx, old, now.Add(61*time.Second), until); err != nil {
		t.Errorf("spending a token past its time: %v", err)
	}
	wantCode(t, "an empty token", s.SpendToken(ctx, nil, now, until), iltod.EInvalid)
	wantCode(t, "a token of 65 bytes", s.SpendToken(ctx, make([]byte, 65), now, until), iltod.EInvalid)
}
