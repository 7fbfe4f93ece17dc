package sqlstore_test

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/storetest"
)

// TestSubjectEvents checks on both databases that SubjectEvents returns the events of one
// subject of one election, in Seq order, within the limit, and refuses a limit below 1.
func TestSubjectEvents(t *testing.T) {
	each(t, func(t *testing.T, b backend) {
		ctx := t.Context()
		s := b.store(t, b.fresh(t))
		for _, id := range []string{"mn", "b"} {
			if err := s.CreateElection(ctx, storetest.Fixture(id), false); err != nil {
				t.Fatal(err)
			}
		}
		ev := func(election, subject, note string) iltod.Event {
			detail := []byte(`{"note":"` + note + `"}`)
			return iltod.Event{Election: election, Kind: iltod.EventIncident, Subject: subject, Hash: sha256.Sum256(detail),
				Time: time.Date(2024, 6, 28, 12, 0, 0, 0, time.UTC), Detail: detail}
		}
		in := storetest.SampleIncident("inc-1")
		if _, err := s.CreateIncident(ctx, in, ev("", "", "report")); err != nil {
			t.Fatal(err)
		}
		other := storetest.SampleIncident("inc-2")
		if _, err := s.CreateIncident(ctx, other, ev("", "", "report other")); err != nil {
			t.Fatal(err)
		}
		for _, e := range []iltod.Event{ev("mn", "incident/inc-1", "note 1"), ev("b", "incident/inc-1", "another election"), ev("mn", "incident/inc-1", "note 2")} {
			if _, err := s.AddEvent(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.SubjectEvents(ctx, "mn", "incident/inc-1", 10)
		if err != nil {
			t.Fatal(err)
		}
		var notes []string
		for i, e := range got {
			notes = append(notes, string(e.Detail))
			if i > 0 && e.Seq <= got[i-1].Seq || e.Election != "mn" || e.Subject != "incident/inc-1" {
				t.Errorf("event %d: %+v", i, e)
			}
		}
		want := []string{`{"note":"report"}`, `{"note":"note 1"}`, `{"note":"note 2"}`}
		if len(notes) != len(want) || notes[0] != want[0] || notes[1] != want[1] || notes[2] != want[2] {
			t.Errorf("the events of incident/inc-1: %q, want %q", notes, want)
		}
		if got, err := s.SubjectEvents(ctx, "mn", "incident/inc-1", 2); err != nil || len(got) != 2 || string(got[1].Detail) != want[1] {
			t.Errorf("limited to 2: %d events, %v", len(got), err)
		}
		if _, err := s.SubjectEvents(ctx, "mn", "incident/inc-1", 0); iltod.ErrorCodeOf(err) != iltod.EInvalid {
			t.Errorf("a limit of 0: %v, want invalid", err)
		}
		if got, err := s.SubjectEvents(ctx, "mn", "incident/none", 10); err != nil || len(got) != 0 {
			t.Errorf("an unknown subject: %d events, %v", len(got), err)
		}
	})
}
