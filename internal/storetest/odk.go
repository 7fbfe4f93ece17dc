package storetest

import (
	"testing"

	"github.com/iltod/iltod"
)

// odkTests check the iltod.ODKStore part of the contract.
var odkTests = []struct {
	name string
	fn   func(t *testing.T, s iltod.Store)
}{
	{"ODKCredentials", testODKCredentials},
}

func testODKCredentials(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	create(t, s, Fixture("mn"), false)
	create(t, s, Fixture("b"), false)
	c := iltod.ODKCredential{Election: "mn", Observer: "101", Username: "101", HA1: "0123456789abcdef0123456789abcdef",
		Issued: eventTime, IssuedBy: "coordinator@example.org"}
	issue := staffEvent("", iltod.EventDevice, "observer/101", "issue-odk")
	if err := s.PutODKCredential(ctx, c, issue); err != nil {
		t.Fatalf("PutODKCredential: %v", err)
	}
	wantIssue := storedEvent(issue, 1)
	wantIssue.Election = "mn"
	if ev, err := s.Event(ctx, 1); err != nil || !equal(t, "the credential's event", ev, wantIssue) {
		t.Errorf("Event(1): %v", err)
	}
	want := c
	want.Issued = c.Issued.UTC()
	if got, err := s.ODKCredential(ctx, "mn", "101"); err != nil || !equal(t, "ODKCredential", got, want) {
		t.Errorf("ODKCredential: %v", err)
	}
	_, err := s.ODKCredential(ctx, "b", "101")
	wantCode(t, "ODKCredential in another election", err, iltod.ENotFound)

	// Issuing again replaces: the old username and HA1 stop working.
	c2 := c
	c2.Username, c2.HA1 = "obs-101", "fedcba9876543210fedcba9876543210"
	if err := s.PutODKCredential(ctx, c2, staffEvent("", iltod.EventDevice, "observer/101", "reissue")); err != nil {
		t.Fatalf("PutODKCredential again: %v", err)
	}
	_, err = s.ODKCredential(ctx, "mn", "101")
	wantCode(t, "the replaced username", err, iltod.ENotFound)
	if got, err := s.ODKCredential(ctx, "mn", "obs-101"); err != nil || got.HA1 != c2.HA1 || got.Observer != "101" {
		t.Errorf("the new credential: %+v, %v", got, err)
	}

	// Another observer may not take the username; unknown observers and elections are
	// refused; nothing is written by a refusal.
	other := c2
	other.Observer = "0042"
	wantCode(t, "a username taken", s.PutODKCredential(ctx, other, staffEvent("", iltod.EventDevice, "observer/0042", "x")), iltod.EConflict)
	nobody := c
	nobody.Observer, nobody.Username = "nobody", "nobody"
	wantCode(t, "an unknown observer", s.PutODKCredential(ctx, nobody, staffEvent("", iltod.EventDevice, "x", "x")), iltod.ENotFound)
	noElection := c
	noElection.Election = "nope"
	wantCode(t, "an unknown election", s.PutODKCredential(ctx, noElection, staffEvent("", iltod.EventDevice, "x", "x")), iltod.ENotFound)
	equal(t, "LastSeq after the refusals", lastSeq(t, s), uint64(2))
}
