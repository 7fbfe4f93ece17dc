package storetest

import (
	"crypto/sha256"
	"sync"
	"testing"
	"time"

	"github.com/iltod/iltod"
)

// messageTests check the iltod.MessageStore part of the contract.
var messageTests = []struct {
	name string
	fn   func(t *testing.T, s iltod.Store)
}{
	{"ChannelMessages", testChannelMessages},
	{"LinkCodes", testLinkCodes},
}

func testChannelMessages(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	create(t, s, Fixture("mn"), false)
	create(t, s, Fixture("other"), false)
	base := time.Date(2024, 6, 28, 23, 40, 5, 123456789, time.FixedZone("ULAT", 8*3600))
	msg := func(election, observer, dir string, min int, text string) iltod.ChannelMessage {
		return iltod.ChannelMessage{Election: election, Observer: observer, Direction: dir, Transport: "sms",
			Gateway: "twilio", GatewayID: "SM" + text, Address: "+97699112233", Text: text,
			At: base.Add(time.Duration(min) * time.Minute), Status: "accepted"}
	}
	var want []iltod.ChannelMessage
	var last int64
	for i, m := range []iltod.ChannelMessage{
		msg("mn", "101", iltod.MessageIn, 0, "P 101 CB350"),
		msg("mn", "101", iltod.MessageOut, 0, "OK 7F3K"),
		msg("mn", "0042", iltod.MessageIn, 1, "p 0042 cb1"),
		msg("other", "101", iltod.MessageIn, 2, "elsewhere"),
		msg("mn", "101", iltod.MessageIn, 5, "P 101 CB351 @ note"),
	} {
		if i == 1 {
			m.Report, m.GatewayID, m.Status = "sms-0001", "", "reply"
		}
		id, err := s.AddChannelMessage(ctx, m)
		if err != nil {
			t.Fatalf("AddChannelMessage %d: %v", i, err)
		}
		if id <= last {
			t.Fatalf("message %d has id %d, not above %d", i, id, last)
		}
		last = id
		m.ID, m.At = id, m.At.UTC()
		if m.Election == "mn" {
			want = append(want, m)
		}
	}
	got, err := s.ChannelMessages(ctx, "mn", iltod.ChannelMessageQuery{})
	if err != nil {
		t.Fatal(err)
	}
	equalList(t, "every message of mn", got, want)
	got, err = s.ChannelMessages(ctx, "mn", iltod.ChannelMessageQuery{Observer: "101"})
	if err != nil {
		t.Fatal(err)
	}
	equalList(t, "the messages of 101", got, []iltod.ChannelMessage{want[0], want[1], want[3]})
	got, err = s.ChannelMessages(ctx, "mn", iltod.ChannelMessageQuery{Observer: "101", Since: base.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	equalList(t, "the messages of 101 since a minute later", got, []iltod.ChannelMessage{want[3]})
	got, err = s.ChannelMessages(ctx, "mn", iltod.ChannelMessageQuery{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	equalList(t, "the newest two, oldest first", got, []iltod.ChannelMessage{want[2], want[3]})
	got, err = s.ChannelMessages(ctx, "mn", iltod.ChannelMessageQuery{Observer: "900"})
	if err != nil || got == nil || len(got) != 0 {
		t.Errorf("an observer without messages: %v, %v; want an empty list", got, err)
	}

	_, err = s.AddChannelMessage(ctx, msg("nowhere", "101", iltod.MessageIn, 0, "x"))
	wantCode(t, "AddChannelMessage to an unknown election", err, iltod.ENotFound)
	_, err = s.AddChannelMessage(ctx, msg("mn", "101", "sideways", 0, "x"))
	wantCode(t, "AddChannelMessage with a bad direction", err, iltod.EInvalid)
	_, err = s.ChannelMessages(ctx, "nowhere", iltod.ChannelMessageQuery{})
	wantCode(t, "ChannelMessages of an unknown election", err, iltod.ENotFound)
	got, _ = s.ChannelMessages(ctx, "mn", iltod.ChannelMessageQuery{})
	equal(t, "messages after the refused ones", len(got), len(want))

	// Messages go with their election, which has no events.
	if err := s.DeleteElection(ctx, "other"); err != nil {
		t.Fatal(err)
	}
	create(t, s, Fixture("other"), false)
	got, err = s.ChannelMessages(ctx, "other", iltod.ChannelMessageQuery{})
	if err != nil || len(got) != 0 {
		t.Errorf("messages of a deleted and re-created election: %v, %v", got, err)
	}

	// Concurrent writers each get an id of their own.
	var wg sync.WaitGroup
	ids := make([]int64, 20)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, err := s.AddChannelMessage(ctx, msg("mn", "0042", iltod.MessageIn, 9, "c"))
			if err != nil {
				t.Error(err)
			}
			ids[i] = id
		}()
	}
	wg.Wait()
	seen := map[int64]bool{}
	for _, id := range ids {
		if id <= last || seen[id] {
			t.Errorf("concurrent message id %d repeats or is not above %d", id, last)
		}
		seen[id] = true
	}
}

func testLinkCodes(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	create(t, s, Fixture("mn"), false)
	issued := time.Date(2024, 6, 28, 8, 0, 0, 0, time.UTC)
	c := iltod.LinkCode{CodeHash: sha256.Sum256([]byte("code-1")), Election: "mn", Observer: "101",
		Issued: issued, Expires: issued.Add(24 * time.Hour)}
	if err := s.CreateLinkCode(ctx, c); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "the same code again", s.CreateLinkCode(ctx, c), iltod.EConflict)
	bad := c
	bad.CodeHash, bad.Observer = sha256.Sum256([]byte("code-2")), "777"
	wantCode(t, "a code for an unknown observer", s.CreateLinkCode(ctx, bad), iltod.ENotFound)
	bad.Election, bad.Observer = "nowhere", "101"
	wantCode(t, "a code for an unknown election", s.CreateLinkCode(ctx, bad), iltod.ENotFound)

	_, err := s.LinkedObserver(ctx, "mn", "telegram:42")
	wantCode(t, "an account not linked", err, iltod.ENotFound)
	_, err = s.ClaimLinkCode(ctx, "mn", sha256.Sum256([]byte("nope")), "telegram:42", issued.Add(time.Hour))
	wantCode(t, "an unknown code", err, iltod.ENotFound)
	expired := c
	expired.CodeHash, expired.Expires = sha256.Sum256([]byte("code-3")), issued.Add(time.Minute)
	if err := s.CreateLinkCode(ctx, expired); err != nil {
		t.Fatal(err)
	}
	_, err = s.ClaimLinkCode(ctx, "mn", expired.CodeHash, "telegram:42", issued.Add(time.Hour))
	wantCode(t, "an expired code", err, iltod.EConflict)
	_, err = s.ClaimLinkCode(ctx, "other", c.CodeHash, "telegram:42", issued.Add(time.Hour))
	wantCode(t, "a code of another election", err, iltod.ENotFound)

	// Of several claims at once exactly one succeeds.
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := s.ClaimLinkCode(ctx, "mn", c.CodeHash, "telegram:42", issued.Add(time.Hour))
			if err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
				equal(t, "the claimed code", got, c)
			} else if iltod.ErrorCodeOf(err) != iltod.EConflict {
				t.Errorf("a concurrent claim: %v", err)
			}
		}()
	}
	wg.Wait()
	equal(t, "successful claims", wins, 1)
	obs, err := s.LinkedObserver(ctx, "mn", "telegram:42")
	if err != nil || obs != "101" {
		t.Errorf("LinkedObserver = %q, %v; want 101", obs, err)
	}
	_, err = s.LinkedObserver(ctx, "other", "telegram:42")
	wantCode(t, "the account in another election", err, iltod.ENotFound)
}
