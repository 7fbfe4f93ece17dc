package storetest

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/synth"
)

// intakeTests check the iltod.IntakeStore part of the contract.
var intakeTests = []struct {
	name string
	fn   func(t *testing.T, s iltod.Store)
}{
	{"IntakeRoundTrip", testIntakeRoundTrip},
	{"AcceptOutcomes", testAcceptOutcomes},
	{"AcceptAtomicity", testAcceptAtomicity},
	{"SubmissionsQuery", testSubmissionsQuery},
	{"SubmissionsLimits", testSubmissionsLimits},
	{"Enrollment", testEnrollment},
	{"EnrollmentRace", testEnrollmentRace},
	{"Review", testReview},
	{"Events", testEvents},
	{"LogMarks", testLogMarks},
	{"GaplessConcurrent", testGaplessConcurrent},
	{"EventsOutliveElection", testEventsOutliveElection},
}

// eventTime is the time of the events the tests make, in a zone other than UTC and with
// nanoseconds: the store returns it in UTC, to the nanosecond.
var eventTime = time.Date(2024, 6, 29, 4, 30, 0, 987654321, time.FixedZone("ULAT", 8*3600))

// staffEvent returns an event of kind with a canonical JSON detail holding note, and its
// hash.
func staffEvent(election string, kind iltod.EventKind, subject, note string) iltod.Event {
	detail, err := json.Marshal(map[string]string{"note": note})
	if err != nil {
		panic(err)
	}
	return iltod.Event{Election: election, Kind: kind, Subject: subject, Hash: sha256.Sum256(detail),
		Time: eventTime, Detail: detail}
}

// storedEvent returns ev as the store keeps it with sequence number seq.
func storedEvent(ev iltod.Event, seq uint64) iltod.Event {
	ev.Seq, ev.Time, ev.LogIndex = seq, ev.Time.UTC(), nil
	return ev
}

// reportEvent returns the acceptance event of sub, as stored.
func reportEvent(sub iltod.Submission) iltod.Event {
	return iltod.Event{Seq: sub.Seq, Election: sub.Report.Election, Kind: iltod.EventReport, Subject: sub.Report.ID,
		Hash: sub.EnvelopeHash, Time: sub.Received.UTC()}
}

// storedSubmission returns sub as the store keeps it with sequence number seq.
func storedSubmission(sub iltod.Submission, seq uint64) iltod.Submission {
	sub.Seq, sub.Received = seq, sub.Received.UTC()
	return sub
}

// withEnvelope returns sub with other envelope bytes, and so another hash.
func withEnvelope(sub iltod.Submission, extra string) iltod.Submission {
	sub.Envelope = append(slices.Clone(sub.Envelope), extra...)
	sub.EnvelopeHash = sha256.Sum256(sub.Envelope)
	return sub
}

func lastSeq(t *testing.T, s iltod.Store) uint64 {
	t.Helper()
	n, err := s.LastSeq(t.Context())
	if err != nil {
		t.Fatalf("LastSeq: %v", err)
	}
	return n
}

func accept(t *testing.T, s iltod.Store, subs []iltod.Submission) []iltod.AcceptResult {
	t.Helper()
	res, err := s.AcceptReports(t.Context(), subs)
	if err != nil {
		t.Fatalf("AcceptReports of %d: %v", len(subs), err)
	}
	if len(res) != len(subs) {
		t.Fatalf("AcceptReports of %d returned %d results", len(subs), len(res))
	}
	return res
}

// allEvents returns every event of a store none of whose events is logged, checking
// that their sequence numbers are 1 … LastSeq.
func allEvents(t *testing.T, s iltod.Store) []iltod.Event {
	t.Helper()
	evs, err := s.Unlogged(t.Context(), 10_000)
	if err != nil {
		t.Fatalf("Unlogged: %v", err)
	}
	for i, ev := range evs {
		if ev.Seq != uint64(i+1) {
			t.Fatalf("the event at position %d of Unlogged has seq %d; want the sequence 1, 2, 3 … without gaps", i, ev.Seq)
		}
	}
	if n := lastSeq(t, s); n != uint64(len(evs)) {
		t.Fatalf("LastSeq = %d, but there are %d events", n, len(evs))
	}
	return evs
}

func testIntakeRoundTrip(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	create(t, s, Fixture("mn"), false)
	// Every byte value in the envelope: stores keep it as bytes, not text.
	envelope := make([]byte, 512)
	for i := range envelope {
		envelope[i] = byte(i)
	}
	one := iltod.Submission{
		Report: iltod.Report{
			ID: "01J1ROUND-trip_0001", Election: "mn", Station: "0101", Form: "RES", FormVersion: 1,
			Answers: map[string]iltod.Value{
				"NA": {}, "ZERO": iltod.IntValue(0), "NEG": iltod.IntValue(-5),
				"MAX": iltod.IntValue(iltod.MaxSafeInt), "MIN": iltod.IntValue(-iltod.MaxSafeInt),
				"YES": iltod.BoolValue(true), "NO": iltod.BoolValue(false), "EMPTY": iltod.StrValue(""),
				// Controls, NUL included, escapes, HTML, Cyrillic and a character beyond the BMP.
				"TEXT":   iltod.StrValue("Сүхбаатар \"quoted\" \\ <b>&amp; 😀 \x00\x1f\t\n\u2028"),
				"NONE":   iltod.ListValue([]string{}),
				"LIST":   iltod.ListValue([]string{"2", "1", "Ё", ""}),
				"EMPTY2": iltod.StrValue(" "),
			},
			DeviceTime: "2024-06-28T20:14:59+08:00",
		},
		Observer:     "101",
		Channel:      iltod.ChannelApp,
		Envelope:     envelope,
		EnvelopeHash: sha256.Sum256(envelope),
		DeviceKey:    strings.Repeat("ab", 32),
		Received:     time.Date(2024, 6, 29, 4, 15, 0, 987654321, time.FixedZone("ULAT", 8*3600)),
		Checks: []iltod.CheckResult{
			{Code: "over-voting", Outcome: iltod.CheckFail, Contest: "C01", Detail: "cast 1021 > registered 1000 + 5"},
			{Code: "v-le-reg", Outcome: iltod.CheckSkipped},
		},
		Status: iltod.Quarantined,
	}
	// Another channel: no device, no checks, a time in UTC, an empty answer set.
	two := iltod.Submission{
		Report: iltod.Report{ID: "sms-00000002", Election: "mn", Station: "UB2.1", Form: "OPEN",
			FormVersion: 2, Answers: map[string]iltod.Value{}},
		Observer: "0042", Channel: iltod.ChannelSMS, Envelope: []byte(`{"from":"+97699112233","text":"OP 1 2"}`),
		Received: time.Date(2024, 6, 28, 7, 0, 0, 1, time.UTC), Status: iltod.Unreviewed,
	}
	two.EnvelopeHash = sha256.Sum256(two.Envelope)
	subs := []iltod.Submission{one, two}
	res := accept(t, s, subs)
	if subs[0].Seq != 0 || !subs[0].Received.Equal(one.Received) || subs[0].Received.Location() == time.UTC {
		t.Errorf("AcceptReports changed the submissions passed to it")
	}
	want := []iltod.Submission{storedSubmission(one, 1), storedSubmission(two, 2)}
	for i := range want {
		if res[i].Outcome != iltod.Accepted {
			t.Errorf("submission %d: outcome %d, want Accepted", i, res[i].Outcome)
		}
		equal(t, fmt.Sprintf("AcceptReports' Stored %d", i), res[i].Stored, want[i])
		got, err := s.Submission(ctx, "mn", want[i].Report.ID)
		if err != nil {
			t.Fatalf("Submission: %v", err)
		}
		equal(t, "Submission "+want[i].Report.ID, got, want[i])
		got, err = s.Submission(ctx, "", want[i].Report.ID)
		if err != nil {
			t.Fatalf("Submission in any election: %v", err)
		}
		equal(t, "Submission in any election "+want[i].Report.ID, got, want[i])
		ev, err := s.Event(ctx, want[i].Seq)
		if err != nil {
			t.Fatalf("Event(%d): %v", want[i].Seq, err)
		}
		equal(t, "the acceptance event", ev, reportEvent(want[i]))
	}
	all, err := s.Submissions(ctx, "mn", iltod.SubmissionQuery{})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "Submissions", all, want)
	equal(t, "LastSeq", lastSeq(t, s), uint64(2))

	t.Run("caller owns results", func(t *testing.T) {
		got, err := s.Submission(ctx, "mn", one.Report.ID)
		if err != nil {
			t.Fatal(err)
		}
		got.Envelope[0] ^= 0xff
		got.Report.Answers["LIST"].List[0] = "scribbled"
		got.Checks[0].Detail = "scribbled"
		again, err := s.Submission(ctx, "mn", one.Report.ID)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "the submission after changing returned values", again, want[0])
	})
	t.Run("realistic", func(t *testing.T) {
		subs := Submissions(Fixture("mn"), 50, 1)
		res := accept(t, s, subs)
		for i, r := range res {
			if r.Outcome != iltod.Accepted {
				t.Fatalf("submission %d: outcome %d", i, r.Outcome)
			}
			want := storedSubmission(subs[i], uint64(3+i))
			equal(t, "Stored", r.Stored, want)
			got, err := s.Submission(ctx, "mn", subs[i].Report.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !equal(t, "Submission", got, want) {
				break
			}
			// The device's position, which a third of them carry, is kept to the micro-degree.
			if p := subs[i].Report.Position; p != nil && (got.Report.Position == nil || *got.Report.Position != *p) {
				t.Fatalf("submission %d: position %+v, want %+v", i, got.Report.Position, *p)
			}
		}
	})
}

func testAcceptOutcomes(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	create(t, s, Fixture("mn"), false)
	create(t, s, Fixture("other"), false)
	gen := Submissions(Fixture("mn"), 4, 2)
	a, b, c, d := gen[0], gen[1], gen[2], gen[3]
	res := accept(t, s, []iltod.Submission{a, b})
	stA, stB := storedSubmission(a, 1), storedSubmission(b, 2)
	equal(t, "the first batch", res, []iltod.AcceptResult{{Outcome: iltod.Accepted, Stored: stA}, {Outcome: iltod.Accepted, Stored: stB}})

	// The same id in another election is another report.
	aOther := a
	aOther.Report.Election = "other"
	// A repeat of a that arrived later: another received time, the same envelope.
	aLater := a
	aLater.Received = a.Received.Add(time.Hour)
	batch := []iltod.Submission{
		aLater,                // stored before, same envelope
		withEnvelope(a, " "),  // stored before, another envelope
		c,                     // new
		c,                     // repeated within the batch
		withEnvelope(c, "\n"), // repeated within the batch, another envelope
		d,                     // new
		b,                     // stored before
		aOther,                // new
		withEnvelope(d, "x"),  // repeated within the batch, another envelope
	}
	stC, stD, stAOther := storedSubmission(c, 3), storedSubmission(d, 4), storedSubmission(aOther, 5)
	res = accept(t, s, batch)
	equal(t, "the outcomes", res, []iltod.AcceptResult{
		{Outcome: iltod.Duplicate, Stored: stA},
		{Outcome: iltod.Conflicting, Stored: stA},
		{Outcome: iltod.Accepted, Stored: stC},
		{Outcome: iltod.Duplicate, Stored: stC},
		{Outcome: iltod.Conflicting, Stored: stC},
		{Outcome: iltod.Accepted, Stored: stD},
		{Outcome: iltod.Duplicate, Stored: stB},
		{Outcome: iltod.Accepted, Stored: stAOther},
		{Outcome: iltod.Conflicting, Stored: stD},
	})
	equal(t, "LastSeq", lastSeq(t, s), uint64(5))
	evs := allEvents(t, s)
	equal(t, "the events", evs, []iltod.Event{reportEvent(stA), reportEvent(stB), reportEvent(stC), reportEvent(stD), reportEvent(stAOther)})
	got, err := s.Submissions(ctx, "mn", iltod.SubmissionQuery{})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "the submissions of mn", got, []iltod.Submission{stA, stB, stC, stD})
	if got, err := s.Submission(ctx, "other", a.Report.ID); err != nil || !equal(t, "the report of other", got, stAOther) {
		t.Errorf("Submission(other): %v", err)
	}
	_, err = s.Submission(ctx, "", a.Report.ID)
	wantCode(t, "Submission in any election of an id stored in two", err, iltod.EConflict)

	t.Run("only repeats", func(t *testing.T) {
		res := accept(t, s, []iltod.Submission{b, withEnvelope(c, "y")})
		equal(t, "the outcomes", res, []iltod.AcceptResult{{Outcome: iltod.Duplicate, Stored: stB}, {Outcome: iltod.Conflicting, Stored: stC}})
		equal(t, "LastSeq", lastSeq(t, s), uint64(5))
	})
	t.Run("empty", func(t *testing.T) {
		res, err := s.AcceptReports(ctx, nil)
		if err != nil || len(res) != 0 {
			t.Errorf("AcceptReports(nil) = %v, %v; want no results and no error", res, err)
		}
		equal(t, "LastSeq", lastSeq(t, s), uint64(5))
	})
	t.Run("unknown election", func(t *testing.T) {
		more := Submissions(Fixture("mn"), 3, 3)
		more[2].Report.Election = "nope"
		_, err := s.AcceptReports(ctx, more)
		wantCode(t, "AcceptReports with a report of an unknown election", err, iltod.ENotFound)
		for _, sub := range more[:2] {
			_, err := s.Submission(ctx, "mn", sub.Report.ID)
			wantCode(t, "a report of the failed batch", err, iltod.ENotFound)
		}
		equal(t, "LastSeq after the failed batch", lastSeq(t, s), uint64(5))
		// No sequence number was consumed.
		res := accept(t, s, more[:1])
		equal(t, "the next report's Seq", res[0].Stored.Seq, uint64(6))
	})
}

// tripCtx is a context that is cancelled the n-th time the code under test asks whether
// it is: sweeping n cancels a call at every point where it could notice.
type tripCtx struct {
	context.Context
	left atomic.Int64
	once sync.Once
	done chan struct{}
}

func newTripCtx(parent context.Context, n int) *tripCtx {
	c := &tripCtx{Context: parent, done: make(chan struct{})}
	c.left.Store(int64(n))
	return c
}

func (c *tripCtx) tick() {
	if c.left.Add(-1) < 0 {
		c.once.Do(func() { close(c.done) })
	}
}

func (c *tripCtx) Done() <-chan struct{} {
	c.tick()
	return c.done
}

func (c *tripCtx) Err() error {
	c.tick()
	select {
	case <-c.done:
		return context.Canceled
	default:
		return nil
	}
}

func testAcceptAtomicity(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	p := Fixture("mn")
	create(t, s, p, false)
	accept(t, s, Submissions(p, 5, 1))
	// stored counts the reports of batch that are stored.
	stored := func(batch []iltod.Submission) int {
		n := 0
		for _, sub := range batch {
			_, err := s.Submission(ctx, "mn", sub.Report.ID)
			switch iltod.ErrorCodeOf(err) {
			case "":
				n++
			case iltod.ENotFound:
			default:
				t.Fatalf("Submission: %v", err)
			}
		}
		return n
	}
	t.Run("cancelled before the call", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		batch := Submissions(p, 10, 2)
		if _, err := s.AcceptReports(ctx, batch); err == nil {
			t.Fatal("AcceptReports with a cancelled context succeeded")
		}
		if n := stored(batch); n != 0 {
			t.Errorf("%d reports stored by a cancelled call", n)
		}
		equal(t, "LastSeq", lastSeq(t, s), uint64(5))
	})
	t.Run("cancelled at every point", func(t *testing.T) {
		// Each attempt cancels one step later, until one completes. A failed attempt must
		// have stored nothing and consumed no sequence number; one whose commit went
		// through just before the cancellation was seen must have stored everything.
		const size = 20
		for n := 0; ; n++ {
			if n == 2000 {
				t.Fatalf("AcceptReports still failed after %d cancellation points", n)
			}
			before := lastSeq(t, s)
			batch := Submissions(p, size, uint64(1000+n))
			res, err := s.AcceptReports(newTripCtx(ctx, n), batch)
			after, got := lastSeq(t, s), stored(batch)
			if err == nil {
				for i, r := range res {
					if r.Outcome != iltod.Accepted || r.Stored.Seq != before+uint64(i)+1 {
						t.Fatalf("attempt %d: result %d is outcome %d seq %d; want Accepted seq %d", n, i, r.Outcome, r.Stored.Seq, before+uint64(i)+1)
					}
				}
				if after != before+size || got != size {
					t.Fatalf("attempt %d succeeded, but LastSeq went from %d to %d and %d of %d reports are stored", n, before, after, got, size)
				}
				t.Logf("the call completed after %d cancellation points", n)
				break
			}
			switch {
			case after == before && got == 0:
			case after == before+size && got == size:
				t.Logf("attempt %d: the commit went through before the cancellation was seen: %v", n, err)
			default:
				t.Fatalf("attempt %d failed (%v) but left LastSeq %d → %d and %d of %d reports stored: not all or nothing", n, err, before, after, got, size)
			}
		}
		allEvents(t, s)
	})
}

// seqs returns the report ids and sequence numbers of subs, for comparing lists.
func seqs(subs []iltod.Submission) []string {
	out := make([]string, len(subs))
	for i, sub := range subs {
		out[i] = fmt.Sprintf("%d %s", sub.Seq, sub.Report.ID)
	}
	return out
}

func testSubmissionsQuery(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	p := Fixture("mn")
	create(t, s, p, false)
	create(t, s, Fixture("b"), false)
	// The store does not read envelopes: the form may be changed without signing again.
	forms := []string{"RES", "OPEN", "INC"}
	subs := Submissions(p, 1234, 4)
	for i := range subs {
		subs[i].Report.Form = forms[i%3]
	}
	other := Submissions(Fixture("b"), 30, 5)
	var all []iltod.Submission // of mn, in Seq order
	for start := 0; start < len(subs); start += 500 {
		end := min(start+500, len(subs))
		for _, r := range accept(t, s, subs[start:end]) {
			all = append(all, r.Stored)
		}
		// Interleave the other election's reports, so that mn's Seqs have gaps.
		accept(t, s, other[start/50:start/50+10])
	}
	filter := func(q iltod.SubmissionQuery) []iltod.Submission {
		var out []iltod.Submission
		for _, sub := range all {
			if (q.Station == "" || sub.Report.Station == q.Station) && (q.Form == "" || sub.Report.Form == q.Form) && sub.Seq > q.AfterSeq {
				out = append(out, sub)
			}
		}
		limit := q.Limit
		if limit <= 0 {
			limit = 1000
		}
		return out[:min(limit, len(out))]
	}
	mid := all[len(all)/2].Seq
	for _, q := range []iltod.SubmissionQuery{
		{}, {Limit: -1}, {Limit: 1}, {Limit: 7}, {Limit: 5000},
		{Station: "0101"}, {Station: "UB2.1", Limit: 5000}, {Station: "nope"},
		{Form: "OPEN", Limit: 5000}, {Form: "open"},
		{Station: "9-SEOUL", Form: "INC", Limit: 5000},
		{AfterSeq: mid}, {AfterSeq: mid, Limit: 3}, {AfterSeq: mid - 1, Station: "0101", Form: "RES", Limit: 2},
		{AfterSeq: all[len(all)-1].Seq}, {AfterSeq: 1 << 63}, {AfterSeq: 1<<64 - 1},
	} {
		got, err := s.Submissions(ctx, "mn", q)
		if err != nil {
			t.Fatalf("Submissions(%+v): %v", q, err)
		}
		want := filter(q)
		if equalList(t, fmt.Sprintf("Submissions(%+v)", q), seqs(got), seqs(want)) && len(want) < 10 {
			equalList(t, fmt.Sprintf("Submissions(%+v) in full", q), got, want)
		}
	}
	t.Run("pages", func(t *testing.T) {
		for _, q := range []iltod.SubmissionQuery{{Limit: 100}, {Limit: 0}, {Station: "0101", Limit: 33}, {Form: "INC", Limit: 50}} {
			var pages []iltod.Submission
			for n := 0; ; n++ {
				if n > len(all) {
					t.Fatalf("%+v: pagination does not advance", q)
				}
				page, err := s.Submissions(ctx, "mn", q)
				if err != nil {
					t.Fatal(err)
				}
				pages = append(pages, page...)
				if len(page) == 0 {
					break
				}
				q.AfterSeq = page[len(page)-1].Seq
			}
			q.AfterSeq, q.Limit = 0, len(all)
			equal(t, fmt.Sprintf("all pages of %+v", q), seqs(pages), seqs(filter(q)))
		}
	})
	t.Run("other election", func(t *testing.T) {
		got, err := s.Submissions(ctx, "b", iltod.SubmissionQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 30 {
			t.Errorf("Submissions(b) returned %d, want 30", len(got))
		}
		for _, sub := range got {
			if sub.Report.Election != "b" {
				t.Fatalf("Submissions(b) returned a report of %s", sub.Report.Election)
			}
		}
	})
	t.Run("not found", func(t *testing.T) {
		_, err := s.Submissions(ctx, "nope", iltod.SubmissionQuery{})
		wantCode(t, "Submissions of an unknown election", err, iltod.ENotFound)
		_, err = s.Submission(ctx, "nope", subs[0].Report.ID)
		wantCode(t, "Submission of an unknown election", err, iltod.ENotFound)
		_, err = s.Submission(ctx, "mn", "no-such-report")
		wantCode(t, "Submission of an unknown id", err, iltod.ENotFound)
		_, err = s.Submission(ctx, "", "no-such-report")
		wantCode(t, "Submission of an unknown id in any election", err, iltod.ENotFound)
		_, err = s.Submission(ctx, "b", subs[0].Report.ID)
		wantCode(t, "Submission of a report of another election", err, iltod.ENotFound)
		got, err := s.Submissions(ctx, "b", iltod.SubmissionQuery{AfterSeq: 1 << 40})
		if err != nil || len(got) != 0 {
			t.Errorf("Submissions after the last = %d reports, %v; want none and no error", len(got), err)
		}
	})
}

func testSubmissionsLimits(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	p := synth.Package(100, 1)
	create(t, s, p, false)
	// More than the most one page may hold. Copies of one report with other ids: the
	// store does not read envelopes.
	tmpl := Submissions(p, 1, 1)[0]
	tmpl.Report.Answers = map[string]iltod.Value{"REG": iltod.IntValue(1)}
	const n = 10_050
	for start := 0; start < n; start += 1000 {
		batch := make([]iltod.Submission, min(1000, n-start))
		for i := range batch {
			batch[i] = tmpl
			batch[i].Report.ID = fmt.Sprintf("limit-%06d", start+i)
		}
		accept(t, s, batch)
	}
	for _, tc := range []struct{ limit, want int }{{0, 1000}, {-5, 1000}, {10_000, 10_000}, {10_001, 10_000}, {1 << 40, 10_000}} {
		got, err := s.Submissions(ctx, p.Election.ID, iltod.SubmissionQuery{Limit: tc.limit})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tc.want {
			t.Errorf("Submissions with limit %d returned %d, want %d", tc.limit, len(got), tc.want)
		}
		for i := 1; i < len(got); i++ {
			if got[i].Seq <= got[i-1].Seq {
				t.Fatalf("Submissions with limit %d: seq %d after %d", tc.limit, got[i].Seq, got[i-1].Seq)
			}
		}
	}
}

// device returns a device with a key derived from name.
func device(name string, enrolled time.Time) iltod.Device {
	h := sha256.Sum256([]byte(name))
	pub := ed25519.NewKeyFromSeed(h[:]).Public().(ed25519.PublicKey)
	return iltod.Device{KeyID: iltod.KeyID(pub), PublicKey: pub, Enrolled: enrolled}
}

// enrollment returns an enrollment code and its record, valid for a day from eventTime.
func enrollment(election, observer, code string) ([32]byte, iltod.Enrollment) {
	h := sha256.Sum256([]byte(code))
	return h, iltod.Enrollment{CodeHash: h, Election: election, Observer: observer, Issued: eventTime,
		Expires: eventTime.Add(24 * time.Hour), IssuedBy: "coordinator@example.org"}
}

func testEnrollment(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	create(t, s, Fixture("mn"), false)
	create(t, s, Fixture("b"), false)
	code, e := enrollment("mn", "101", "ABCD-EFGH")
	issue := staffEvent("mn", iltod.EventDevice, "observer/101", "issue")
	if err := s.CreateEnrollment(ctx, e, issue); err != nil {
		t.Fatalf("CreateEnrollment: %v", err)
	}
	if ev, err := s.Event(ctx, 1); err != nil || !equal(t, "the enrollment's event", ev, storedEvent(issue, 1)) {
		t.Errorf("Event(1): %v", err)
	}
	wantCode(t, "CreateEnrollment of a code twice", s.CreateEnrollment(ctx, e, issue), iltod.EConflict)
	_, e2 := enrollment("mn", "102", "NO-SUCH-OBSERVER")
	wantCode(t, "CreateEnrollment for an unknown observer", s.CreateEnrollment(ctx, e2, issue), iltod.ENotFound)
	_, e3 := enrollment("nope", "101", "NO-SUCH-ELECTION")
	wantCode(t, "CreateEnrollment in an unknown election", s.CreateEnrollment(ctx, e3, issue), iltod.ENotFound)
	equal(t, "LastSeq after the failures", lastSeq(t, s), uint64(1))

	// The device's election and observer, and its event's election, come from the code,
	// whatever the caller put there.
	d := device("phone", e.Expires.Add(-time.Nanosecond))
	d.Election, d.Observer = "b", "900"
	enroll := staffEvent("", iltod.EventDevice, d.KeyID, "enroll")
	got, err := s.ClaimEnrollment(ctx, code, d, enroll)
	if err != nil {
		t.Fatalf("ClaimEnrollment a nanosecond before the code expires: %v", err)
	}
	want := d
	want.Election, want.Observer, want.Enrolled = "mn", "101", d.Enrolled.UTC()
	equal(t, "the claimed device", got, want)
	if got, err := s.Device(ctx, d.KeyID); err != nil || !equal(t, "Device", got, want) {
		t.Errorf("Device: %v", err)
	}
	wantEnroll := storedEvent(enroll, 2)
	wantEnroll.Election = "mn"
	if ev, err := s.Event(ctx, 2); err != nil || !equal(t, "the claim's event", ev, wantEnroll) {
		t.Errorf("Event(2): %v", err)
	}

	// The same phone again (its answer was lost): the same device, and nothing written.
	lastBefore, _ := s.LastSeq(ctx)
	retry := d
	retry.Enrolled = d.Enrolled.Add(time.Minute)
	if got, err := s.ClaimEnrollment(ctx, code, retry, staffEvent("", iltod.EventDevice, d.KeyID, "enroll")); err != nil || !equal(t, "a retried claim", got, want) {
		t.Errorf("ClaimEnrollment retried with the same key: %v", err)
	}
	if last, _ := s.LastSeq(ctx); last != lastBefore {
		t.Errorf("a retried claim wrote event %d", last)
	}
	again := device("another phone", eventTime)
	_, err = s.ClaimEnrollment(ctx, code, again, staffEvent("", iltod.EventDevice, again.KeyID, "enroll"))
	wantCode(t, "ClaimEnrollment of a used code", err, iltod.EConflict)
	_, err = s.ClaimEnrollment(ctx, sha256.Sum256([]byte("unknown")), again, staffEvent("", iltod.EventDevice, again.KeyID, "enroll"))
	wantCode(t, "ClaimEnrollment of an unknown code", err, iltod.ENotFound)

	// Expiry is checked against d.Enrolled: at Expires the code has expired.
	code4, e4 := enrollment("mn", "0042", "EXPIRES")
	if err := s.CreateEnrollment(ctx, e4, issue); err != nil {
		t.Fatal(err)
	}
	late := device("late phone", e4.Expires)
	_, err = s.ClaimEnrollment(ctx, code4, late, staffEvent("", iltod.EventDevice, late.KeyID, "enroll"))
	wantCode(t, "ClaimEnrollment at the expiry", err, iltod.EConflict)
	// A key already enrolled, even in another election, is a conflict, and the code stays
	// unused.
	code5, e5 := enrollment("b", "0042", "SECOND-KEY")
	if err := s.CreateEnrollment(ctx, e5, staffEvent("b", iltod.EventDevice, "observer/0042", "issue")); err != nil {
		t.Fatal(err)
	}
	dup := device("phone", eventTime)
	_, err = s.ClaimEnrollment(ctx, code5, dup, staffEvent("", iltod.EventDevice, dup.KeyID, "enroll"))
	wantCode(t, "ClaimEnrollment of a key enrolled already", err, iltod.EConflict)
	equal(t, "LastSeq after the failed claims", lastSeq(t, s), uint64(4))
	fresh := device("fresh phone", eventTime)
	gotFresh, err := s.ClaimEnrollment(ctx, code5, fresh, staffEvent("", iltod.EventDevice, fresh.KeyID, "enroll"))
	if err != nil {
		t.Fatalf("ClaimEnrollment of a code whose earlier claim failed: %v", err)
	}
	equal(t, "LastSeq", lastSeq(t, s), uint64(5))
	// A third device of observer 101, enrolled earlier than the first.
	code6, e6 := enrollment("mn", "101", "THIRD")
	if err := s.CreateEnrollment(ctx, e6, issue); err != nil {
		t.Fatal(err)
	}
	early := device("tablet", eventTime.Add(-time.Minute))
	gotEarly, err := s.ClaimEnrollment(ctx, code6, early, staffEvent("", iltod.EventDevice, early.KeyID, "enroll"))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("lists", func(t *testing.T) {
		for _, tc := range []struct {
			election, observer string
			want               []iltod.Device
		}{
			{"mn", "", []iltod.Device{gotEarly, want}},
			{"mn", "101", []iltod.Device{gotEarly, want}},
			{"mn", "0042", nil},
			{"b", "", []iltod.Device{gotFresh}},
			{"b", "0042", []iltod.Device{gotFresh}},
		} {
			got, err := s.Devices(ctx, tc.election, tc.observer)
			if err != nil {
				t.Errorf("Devices(%s, %s): %v", tc.election, tc.observer, err)
				continue
			}
			equalList(t, fmt.Sprintf("Devices(%s, %s)", tc.election, tc.observer), got, tc.want)
		}
		_, err := s.Devices(ctx, "nope", "")
		wantCode(t, "Devices of an unknown election", err, iltod.ENotFound)
		_, err = s.Devices(ctx, "mn", "102")
		wantCode(t, "Devices of an unknown observer", err, iltod.ENotFound)
		_, err = s.Device(ctx, "no-such-key")
		wantCode(t, "Device of an unknown key", err, iltod.ENotFound)
	})
	t.Run("revoke", func(t *testing.T) {
		before := lastSeq(t, s)
		revoke := staffEvent("b", iltod.EventDevice, d.KeyID, "revoke")
		if err := s.RevokeDevice(ctx, d.KeyID, revoke); err != nil {
			t.Fatalf("RevokeDevice: %v", err)
		}
		got, err := s.Device(ctx, d.KeyID)
		if err != nil {
			t.Fatal(err)
		}
		revoked := want
		at := eventTime.UTC()
		revoked.Revoked = &at
		equal(t, "the revoked device", got, revoked)
		wantRevoke := storedEvent(revoke, before+1)
		wantRevoke.Election = "mn" // the device's, not the caller's
		if ev, err := s.Event(ctx, before+1); err != nil || !equal(t, "the revocation's event", ev, wantRevoke) {
			t.Errorf("Event(%d): %v", before+1, err)
		}
		wantCode(t, "RevokeDevice twice", s.RevokeDevice(ctx, d.KeyID, revoke), iltod.EConflict)
		wantCode(t, "RevokeDevice of an unknown key", s.RevokeDevice(ctx, "no-such-key", revoke), iltod.ENotFound)
		equal(t, "LastSeq after the failed revocations", lastSeq(t, s), before+1)
		// The others are untouched.
		if got, err := s.Device(ctx, early.KeyID); err != nil || got.Revoked != nil {
			t.Errorf("another device of the observer: %+v, %v", got, err)
		}
	})
	allEvents(t, s)
}

func testEnrollmentRace(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	create(t, s, Fixture("mn"), false)
	const claimers = 12
	t.Run("one code", func(t *testing.T) {
		code, e := enrollment("mn", "101", "RACE")
		if err := s.CreateEnrollment(ctx, e, staffEvent("mn", iltod.EventDevice, "observer/101", "issue")); err != nil {
			t.Fatal(err)
		}
		var wins, conflicts atomic.Int32
		var wg sync.WaitGroup
		for i := range claimers {
			wg.Go(func() {
				d := device(fmt.Sprintf("racer %d", i), eventTime)
				_, err := s.ClaimEnrollment(ctx, code, d, staffEvent("", iltod.EventDevice, d.KeyID, "enroll"))
				switch iltod.ErrorCodeOf(err) {
				case "":
					wins.Add(1)
				case iltod.EConflict:
					conflicts.Add(1)
				default:
					t.Errorf("claimer %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 || conflicts.Load() != claimers-1 {
			t.Errorf("%d claims of one code won and %d conflicted; want 1 and %d", wins.Load(), conflicts.Load(), claimers-1)
		}
		devs, err := s.Devices(ctx, "mn", "101")
		if err != nil || len(devs) != 1 {
			t.Errorf("Devices = %d, %v; want 1", len(devs), err)
		}
	})
	t.Run("one key", func(t *testing.T) {
		d := device("shared key", eventTime)
		var wins, conflicts atomic.Int32
		var wg sync.WaitGroup
		for i := range claimers {
			code, e := enrollment("mn", "0042", fmt.Sprintf("KEY-RACE-%d", i))
			if err := s.CreateEnrollment(ctx, e, staffEvent("mn", iltod.EventDevice, "observer/0042", "issue")); err != nil {
				t.Fatal(err)
			}
			wg.Go(func() {
				_, err := s.ClaimEnrollment(ctx, code, d, staffEvent("", iltod.EventDevice, d.KeyID, "enroll"))
				switch iltod.ErrorCodeOf(err) {
				case "":
					wins.Add(1)
				case iltod.EConflict:
					conflicts.Add(1)
				default:
					t.Errorf("claimer %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 || conflicts.Load() != claimers-1 {
			t.Errorf("%d claims of one key won and %d conflicted; want 1 and %d", wins.Load(), conflicts.Load(), claimers-1)
		}
	})
	// 2 + 2×claimers issues, and one claim each.
	evs := allEvents(t, s)
	if len(evs) != 1+claimers+2 {
		t.Errorf("%d events, want %d", len(evs), 1+claimers+2)
	}
}

func testReview(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	create(t, s, Fixture("mn"), false)
	subs := Submissions(Fixture("mn"), 3, 6)
	res := accept(t, s, subs)
	verify := staffEvent("", iltod.EventReview, subs[1].Report.ID, "verified")
	if err := s.SetStatus(ctx, "mn", subs[1].Report.ID, iltod.Verified, verify); err != nil {
		t.Fatalf("SetStatus: %v", err)
	}
	want := res[1].Stored
	want.Status = iltod.Verified
	if got, err := s.Submission(ctx, "mn", want.Report.ID); err != nil || !equal(t, "the verified report", got, want) {
		t.Errorf("Submission: %v", err)
	}
	wantVerify := storedEvent(verify, 4)
	wantVerify.Election = "mn"
	if ev, err := s.Event(ctx, 4); err != nil || !equal(t, "the review event", ev, wantVerify) {
		t.Errorf("Event(4): %v", err)
	}
	if got, err := s.Submission(ctx, "mn", subs[0].Report.ID); err != nil || got.Status != iltod.Unreviewed {
		t.Errorf("another report: %v, %v", got.Status, err)
	}
	wantCode(t, "SetStatus of an unknown report", s.SetStatus(ctx, "mn", "no-such-report", iltod.Rejected, verify), iltod.ENotFound)
	wantCode(t, "SetStatus in an unknown election", s.SetStatus(ctx, "nope", subs[0].Report.ID, iltod.Rejected, verify), iltod.ENotFound)
	equal(t, "LastSeq", lastSeq(t, s), uint64(4))

	t.Run("resolutions", func(t *testing.T) {
		values := []iltod.Value{iltod.IntValue(812), iltod.Value{}, iltod.ListValue([]string{"1", "2"}), iltod.StrValue("a\x00b"), iltod.BoolValue(false)}
		var want []iltod.Resolution
		for i, v := range values {
			r := iltod.Resolution{Election: "mn", Station: "0101", Form: "RES", Tag: []string{"C1", "C2"}[i%2], Value: v}
			ev := staffEvent("", iltod.EventReview, "0101/RES", fmt.Sprint("resolve ", i))
			if err := s.Resolve(ctx, r, ev); err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			r.Seq = lastSeq(t, s)
			want = append(want, r)
			wantEv := storedEvent(ev, r.Seq)
			wantEv.Election = "mn"
			if got, err := s.Event(ctx, r.Seq); err != nil || !equal(t, "the resolution's event", got, wantEv) {
				t.Errorf("Event(%d): %v", r.Seq, err)
			}
			// Another station's record, which must stay apart.
			if err := s.Resolve(ctx, iltod.Resolution{Election: "mn", Station: "0104", Form: "RES", Tag: "C1", Value: v},
				staffEvent("mn", iltod.EventReview, "0104/RES", fmt.Sprint("other ", i))); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.Resolutions(ctx, "mn", "0101", "RES")
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "Resolutions, latest last", got, want)
		// Both "": the whole election, by station, form and Seq.
		all, err := s.Resolutions(ctx, "mn", "", "")
		if err != nil {
			t.Fatal(err)
		}
		var other []iltod.Resolution
		for _, r := range all {
			if r.Station == "0104" {
				other = append(other, r)
			}
		}
		if len(all) != 2*len(values) || len(other) != len(values) || !equal(t, "all resolutions, station 0101 first", all[:len(values)], want) {
			t.Errorf("Resolutions of the whole election: %d, %d of 0104", len(all), len(other))
		}
		for i := 1; i < len(other); i++ {
			if other[i].Seq <= other[i-1].Seq || other[i].Form != "RES" {
				t.Errorf("station 0104's resolutions out of order: %+v", other)
			}
		}
		for _, q := range [][2]string{{"0101", "OPEN"}, {"0201", "RES"}, {"0101", "res"}, {"", "RES"}, {"0101", ""}} {
			got, err := s.Resolutions(ctx, "mn", q[0], q[1])
			if err != nil || len(got) != 0 {
				t.Errorf("Resolutions(%s, %s) = %v, %v; want none", q[0], q[1], got, err)
			}
		}
		_, err = s.Resolutions(ctx, "nope", "0101", "RES")
		wantCode(t, "Resolutions of an unknown election", err, iltod.ENotFound)
		before := lastSeq(t, s)
		err = s.Resolve(ctx, iltod.Resolution{Election: "nope", Station: "0101", Form: "RES", Tag: "C1"}, verify)
		wantCode(t, "Resolve in an unknown election", err, iltod.ENotFound)
		equal(t, "LastSeq after a failed Resolve", lastSeq(t, s), before)
	})
	allEvents(t, s)
}

func testEvents(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	create(t, s, Fixture("mn"), false)
	if n := lastSeq(t, s); n != 0 {
		t.Fatalf("LastSeq of a new store = %d, want 0", n)
	}
	if evs, err := s.Unlogged(ctx, 10); err != nil || len(evs) != 0 {
		t.Errorf("Unlogged of a new store = %v, %v; want none", evs, err)
	}
	_, err := s.Event(ctx, 1)
	wantCode(t, "Event of a new store", err, iltod.ENotFound)

	ev := staffEvent("mn", iltod.EventStaff, "election/mn", "official results imported")
	// Detail is kept byte for byte, even where it is not canonical JSON.
	ev.Detail = json.RawMessage(`{ "b": 1,  "a": "\u00e9" }`)
	ev.Hash = sha256.Sum256(ev.Detail)
	got, err := s.AddEvent(ctx, ev)
	if err != nil {
		t.Fatalf("AddEvent: %v", err)
	}
	equal(t, "AddEvent", got, storedEvent(ev, 1))
	bare := iltod.Event{Election: "mn", Kind: iltod.EventStaff, Subject: "", Time: time.Unix(0, 0)}
	got, err = s.AddEvent(ctx, bare)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "AddEvent of an event with no detail", got, storedEvent(bare, 2))
	for seq, want := range map[uint64]iltod.Event{1: storedEvent(ev, 1), 2: storedEvent(bare, 2)} {
		got, err := s.Event(ctx, seq)
		if err != nil {
			t.Fatalf("Event(%d): %v", seq, err)
		}
		equal(t, fmt.Sprintf("Event(%d)", seq), got, want)
	}
	_, err = s.AddEvent(ctx, staffEvent("nope", iltod.EventStaff, "", "x"))
	wantCode(t, "AddEvent in an unknown election", err, iltod.ENotFound)
	equal(t, "LastSeq", lastSeq(t, s), uint64(2))
	for _, seq := range []uint64{0, 3, 1 << 63, 1<<64 - 1} {
		_, err = s.Event(ctx, seq)
		wantCode(t, fmt.Sprintf("Event(%d)", seq), err, iltod.ENotFound)
	}
	t.Run("caller owns results", func(t *testing.T) {
		got, err := s.Event(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		got.Detail[0] = 'X'
		again, err := s.Event(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "the event after changing a returned one", again, storedEvent(ev, 1))
	})
}

func testLogMarks(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	create(t, s, Fixture("mn"), false)
	res := accept(t, s, Submissions(Fixture("mn"), 6, 7))
	for i := range 4 {
		if _, err := s.AddEvent(ctx, staffEvent("mn", iltod.EventStaff, "", fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	all := allEvents(t, s) // 10 events
	unlogged := func(limit int) []uint64 {
		t.Helper()
		evs, err := s.Unlogged(ctx, limit)
		if err != nil {
			t.Fatalf("Unlogged(%d): %v", limit, err)
		}
		out := []uint64{}
		for _, ev := range evs {
			if ev.LogIndex != nil {
				t.Errorf("Unlogged returned event %d, which has log index %d", ev.Seq, *ev.LogIndex)
			}
			out = append(out, ev.Seq)
		}
		return out
	}
	equal(t, "Unlogged(3)", unlogged(3), []uint64{1, 2, 3})
	equal(t, "Unlogged(1)", unlogged(1), []uint64{1})
	_, err := s.Unlogged(ctx, 0)
	wantCode(t, "Unlogged(0)", err, iltod.EInvalid)

	mark := func(marks ...iltod.LogMark) error { return s.MarkLogged(ctx, marks) }
	if err := mark(iltod.LogMark{Seq: 1, Index: 0}, iltod.LogMark{Seq: 2, Index: 1}, iltod.LogMark{Seq: 3, Index: 2}); err != nil {
		t.Fatalf("MarkLogged: %v", err)
	}
	equal(t, "Unlogged after marking 1-3", unlogged(100), []uint64{4, 5, 6, 7, 8, 9, 10})
	ev, err := s.Event(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := all[1]
	one := uint64(1)
	want.LogIndex = &one
	equal(t, "a marked event", ev, want)
	equal(t, "its submission's Seq", res[1].Stored.Seq, uint64(2))
	// A submission's log index is its acceptance event's: nil until marked.
	for _, tc := range []struct {
		election, id string
		want         *uint64
	}{{"mn", res[1].Stored.Report.ID, &one}, {"", res[1].Stored.Report.ID, &one}, {"mn", res[4].Stored.Report.ID, nil}} {
		got, err := s.SubmissionLogIndex(ctx, tc.election, tc.id)
		if err != nil {
			t.Fatalf("SubmissionLogIndex(%q, %q): %v", tc.election, tc.id, err)
		}
		equal(t, "SubmissionLogIndex of "+tc.id, got, tc.want)
	}
	_, err = s.SubmissionLogIndex(ctx, "mn", "no-such-report")
	wantCode(t, "SubmissionLogIndex of an unknown report", err, iltod.ENotFound)
	_, err = s.SubmissionLogIndex(ctx, "no-such-election", res[1].Stored.Report.ID)
	wantCode(t, "SubmissionLogIndex in an unknown election", err, iltod.ENotFound)

	// Marking again with the same index is a no-op, alone or with new marks.
	if err := mark(iltod.LogMark{Seq: 2, Index: 1}); err != nil {
		t.Errorf("MarkLogged with the same index again: %v", err)
	}
	if err := mark(iltod.LogMark{Seq: 3, Index: 2}, iltod.LogMark{Seq: 4, Index: 3}, iltod.LogMark{Seq: 4, Index: 3}); err != nil {
		t.Errorf("MarkLogged of a marked and a new event: %v", err)
	}
	equal(t, "Unlogged", unlogged(100), []uint64{5, 6, 7, 8, 9, 10})
	if err := s.MarkLogged(ctx, nil); err != nil {
		t.Errorf("MarkLogged(nil): %v", err)
	}
	// Each of these fails, and none of its marks is recorded: 5 and 6 stay unlogged.
	for _, tc := range []struct {
		name  string
		marks []iltod.LogMark
		code  iltod.ErrorCode
	}{
		{"another index", []iltod.LogMark{{Seq: 5, Index: 4}, {Seq: 2, Index: 7}}, iltod.EConflict},
		{"an index of another event", []iltod.LogMark{{Seq: 5, Index: 4}, {Seq: 6, Index: 1}}, iltod.EConflict},
		{"one index twice", []iltod.LogMark{{Seq: 5, Index: 4}, {Seq: 6, Index: 4}}, iltod.EConflict},
		{"one event twice", []iltod.LogMark{{Seq: 5, Index: 4}, {Seq: 5, Index: 5}}, iltod.EConflict},
		{"an unknown event", []iltod.LogMark{{Seq: 5, Index: 4}, {Seq: 11, Index: 10}}, iltod.ENotFound},
		{"a huge seq", []iltod.LogMark{{Seq: 5, Index: 4}, {Seq: 1<<64 - 1, Index: 10}}, iltod.ENotFound},
		// Runs, whose Seqs and indexes follow each other, as the sequencer marks them.
		{"a run over an event at another index", []iltod.LogMark{{Seq: 4, Index: 4}, {Seq: 5, Index: 5}}, iltod.EConflict},
		{"a run onto another event's index", []iltod.LogMark{{Seq: 5, Index: 3}, {Seq: 6, Index: 4}}, iltod.EConflict},
		{"a run past the last event", []iltod.LogMark{{Seq: 9, Index: 8}, {Seq: 10, Index: 9}, {Seq: 11, Index: 10}}, iltod.ENotFound},
		{"a run of huge seqs", []iltod.LogMark{{Seq: 1<<63 - 2, Index: 4}, {Seq: 1<<63 - 1, Index: 5}}, iltod.ENotFound},
	} {
		wantCode(t, "MarkLogged with "+tc.name, s.MarkLogged(ctx, tc.marks), tc.code)
		equal(t, "Unlogged after MarkLogged with "+tc.name, unlogged(100), []uint64{5, 6, 7, 8, 9, 10})
	}
	ev, err = s.Event(ctx, 2)
	if err != nil || ev.LogIndex == nil || *ev.LogIndex != 1 {
		t.Errorf("event 2 after the failed marks: %+v, %v; want log index 1", ev.LogIndex, err)
	}
	// A run of a marked event and a new one marks the new one.
	if err := mark(iltod.LogMark{Seq: 4, Index: 3}, iltod.LogMark{Seq: 5, Index: 4}); err != nil {
		t.Errorf("MarkLogged of a run of a marked and a new event: %v", err)
	}
	equal(t, "Unlogged after a run", unlogged(100), []uint64{6, 7, 8, 9, 10})
	// The sequencer's order: the leaf of event n at index n-1.
	var marks []iltod.LogMark
	for seq := uint64(5); seq <= 10; seq++ {
		marks = append(marks, iltod.LogMark{Seq: seq, Index: seq - 1})
	}
	if err := s.MarkLogged(ctx, marks); err != nil {
		t.Fatal(err)
	}
	equalList(t, "Unlogged when all are logged", unlogged(100), nil)
	for seq := uint64(1); seq <= 10; seq++ {
		ev, err := s.Event(ctx, seq)
		if err != nil || ev.LogIndex == nil || *ev.LogIndex != seq-1 {
			t.Errorf("Event(%d).LogIndex = %v, %v; want %d", seq, ev.LogIndex, err, seq-1)
		}
	}
	// New events are unlogged.
	more := accept(t, s, Submissions(Fixture("mn"), 2, 8))
	equal(t, "Unlogged after new reports", unlogged(100), []uint64{more[0].Stored.Seq, more[1].Stored.Seq})
	equal(t, "their Seqs", []uint64{more[0].Stored.Seq, more[1].Stored.Seq}, []uint64{11, 12})
}

func testGaplessConcurrent(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	elections := []string{"mn", "b"}
	for _, e := range elections {
		create(t, s, Fixture(e), false)
	}
	const workers, ops = 8, 50
	type expect struct {
		worker   int
		election string
		kind     iltod.EventKind
		subject  string
	}
	var mu sync.Mutex
	expected := map[[32]byte]expect{}    // by event hash, which every write makes unique
	order := make([][][32]byte, workers) // each worker's event hashes in the order it wrote them
	resolved := map[uint64][32]byte{}    // a resolution's Seq → its event's hash
	expectEvent := func(w int, election string, kind iltod.EventKind, subject string, h [32]byte) {
		mu.Lock()
		defer mu.Unlock()
		if _, ok := expected[h]; ok {
			panic("test: an event hash repeats")
		}
		expected[h] = expect{w, election, kind, subject}
		order[w] = append(order[w], h)
	}

	var done atomic.Bool
	var wg, readers sync.WaitGroup
	// A reader: at every moment, the events form the gapless sequence 1 … n, and n never
	// decreases, so a sequencer that follows the store never skips an event.
	readers.Go(func() {
		var last, reads uint64
		for !done.Load() {
			evs, err := s.Unlogged(ctx, 10_000)
			if err != nil {
				t.Errorf("reader: Unlogged: %v", err)
				return
			}
			for i, ev := range evs {
				if ev.Seq != uint64(i+1) {
					t.Errorf("reader: the events read at once are %d … with seq %d at position %d: a gap", evs[0].Seq, ev.Seq, i)
					return
				}
			}
			if uint64(len(evs)) < last {
				t.Errorf("reader: %d events after %d", len(evs), last)
				return
			}
			last = uint64(len(evs))
			n, err := s.LastSeq(ctx)
			if err != nil || n < last {
				t.Errorf("reader: LastSeq = %d, %v after reading %d events", n, err, last)
				return
			}
			reads++
		}
		t.Logf("the reader read the events %d times", reads)
	})
	for w := range workers {
		wg.Go(func() {
			election := elections[w%2]
			p := Fixture(election)
			pool := Submissions(p, ops*3, uint64(100+w))
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			var mine []iltod.Submission
			var keys []string
			fail := func(what string, err error) { t.Errorf("worker %d: %s: %v", w, what, err) }
			for i := range ops {
				switch i % 6 {
				case 0, 1:
					batch := pool[:1+i%3]
					pool = pool[len(batch):]
					res, err := s.AcceptReports(ctx, batch)
					if err != nil {
						fail("AcceptReports", err)
						return
					}
					for _, r := range res {
						expectEvent(w, election, iltod.EventReport, r.Stored.Report.ID, r.Stored.EnvelopeHash)
						mine = append(mine, r.Stored)
					}
				case 2:
					ev := staffEvent(election, iltod.EventStaff, "", fmt.Sprint(w, " ", i))
					got, err := s.AddEvent(ctx, ev)
					if err != nil {
						fail("AddEvent", err)
						return
					}
					if got.Seq == 0 || got.Hash != ev.Hash {
						t.Errorf("worker %d: AddEvent returned %+v", w, got)
					}
					expectEvent(w, election, ev.Kind, ev.Subject, ev.Hash)
				case 3:
					sub := mine[rng.IntN(len(mine))]
					ev := staffEvent("", iltod.EventReview, sub.Report.ID, fmt.Sprint(w, " ", i))
					if err := s.SetStatus(ctx, election, sub.Report.ID, iltod.Verified, ev); err != nil {
						fail("SetStatus", err)
						return
					}
					expectEvent(w, election, ev.Kind, ev.Subject, ev.Hash)
				case 4:
					r := iltod.Resolution{Election: election, Station: "0101", Form: "RES", Tag: fmt.Sprint("T", w), Value: iltod.IntValue(int64(i))}
					ev := staffEvent("", iltod.EventReview, "0101/RES", fmt.Sprint(w, " ", i))
					if err := s.Resolve(ctx, r, ev); err != nil {
						fail("Resolve", err)
						return
					}
					expectEvent(w, election, ev.Kind, ev.Subject, ev.Hash)
				case 5:
					if i%12 == 11 && len(keys) > 0 {
						key := keys[len(keys)-1]
						ev := staffEvent("", iltod.EventDevice, key, fmt.Sprint(w, " ", i))
						if err := s.RevokeDevice(ctx, key, ev); err != nil {
							fail("RevokeDevice", err)
							return
						}
						expectEvent(w, election, ev.Kind, ev.Subject, ev.Hash)
						continue
					}
					code, e := enrollment(election, "101", fmt.Sprint(w, " ", i))
					issue := staffEvent(election, iltod.EventDevice, "observer/101", fmt.Sprint(w, " issue ", i))
					if err := s.CreateEnrollment(ctx, e, issue); err != nil {
						fail("CreateEnrollment", err)
						return
					}
					expectEvent(w, election, issue.Kind, issue.Subject, issue.Hash)
					d := device(fmt.Sprint(w, " ", i), eventTime)
					ev := staffEvent("", iltod.EventDevice, d.KeyID, fmt.Sprint(w, " ", i))
					if _, err := s.ClaimEnrollment(ctx, code, d, ev); err != nil {
						fail("ClaimEnrollment", err)
						return
					}
					expectEvent(w, election, ev.Kind, ev.Subject, ev.Hash)
					keys = append(keys, d.KeyID)
				}
			}
		})
	}
	wg.Wait()
	done.Store(true)
	readers.Wait()
	if t.Failed() {
		return
	}

	evs := allEvents(t, s)
	if len(evs) != len(expected) {
		t.Errorf("%d events stored, %d written", len(evs), len(expected))
	}
	seqOf := map[[32]byte]uint64{}
	for _, ev := range evs {
		want, ok := expected[ev.Hash]
		switch {
		case !ok:
			t.Errorf("event %d was not written by any worker", ev.Seq)
		case seqOf[ev.Hash] != 0:
			t.Errorf("events %d and %d have one hash", seqOf[ev.Hash], ev.Seq)
		case ev.Election != want.election || ev.Kind != want.kind || ev.Subject != want.subject:
			t.Errorf("event %d is %s %s %q; worker %d wrote %s %s %q", ev.Seq, ev.Election, ev.Kind, ev.Subject,
				want.worker, want.election, want.kind, want.subject)
		}
		seqOf[ev.Hash] = ev.Seq
	}
	// Each worker wrote one call after another, so its events are in commit order.
	for w, hashes := range order {
		for i := 1; i < len(hashes); i++ {
			if seqOf[hashes[i]] <= seqOf[hashes[i-1]] {
				t.Errorf("worker %d: its event %d has seq %d, after its event %d with seq %d", w, i, seqOf[hashes[i]], i-1, seqOf[hashes[i-1]])
				break
			}
		}
	}
	// Every record's Seq is its event's.
	byseq := func(seq uint64) iltod.Event {
		if seq == 0 || seq > uint64(len(evs)) {
			t.Fatalf("seq %d is not an event's", seq)
		}
		return evs[seq-1]
	}
	for _, e := range elections {
		subs, err := s.Submissions(ctx, e, iltod.SubmissionQuery{Limit: 10_000})
		if err != nil {
			t.Fatal(err)
		}
		for _, sub := range subs {
			equal(t, "the event of report "+sub.Report.ID, byseq(sub.Seq), reportEvent(sub))
		}
		rs, err := s.Resolutions(ctx, e, "0101", "RES")
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != workers/2*((ops+1)/6) {
			t.Errorf("%d resolutions in %s, want %d", len(rs), e, workers/2*((ops+1)/6))
		}
		for _, r := range rs {
			ev := byseq(r.Seq)
			if ev.Kind != iltod.EventReview || ev.Election != e || ev.Subject != "0101/RES" {
				t.Errorf("resolution %d's event is %+v", r.Seq, ev)
			}
			resolved[r.Seq] = ev.Hash
		}
		devs, err := s.Devices(ctx, e, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range devs {
			n := 0
			for _, ev := range evs {
				if ev.Kind == iltod.EventDevice && ev.Subject == d.KeyID {
					n++
					if ev.Election != e {
						t.Errorf("device %s of %s: event %d is of %s", d.KeyID, e, ev.Seq, ev.Election)
					}
				}
			}
			if want := map[bool]int{false: 1, true: 2}[d.Revoked != nil]; n != want {
				t.Errorf("device %s has %d events, want %d", d.KeyID, n, want)
			}
		}
	}
	if len(resolved) == 0 {
		t.Error("no resolutions")
	}
}

func testEventsOutliveElection(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	for _, id := range []string{"mn", "keep", "enrolled", "empty"} {
		create(t, s, Fixture(id), false)
	}
	accept(t, s, Submissions(Fixture("mn"), 3, 9))
	_, e := enrollment("enrolled", "101", "ONLY-AN-ENROLLMENT")
	if err := s.CreateEnrollment(ctx, e, staffEvent("enrolled", iltod.EventDevice, "observer/101", "issue")); err != nil {
		t.Fatal(err)
	}
	// A batch that failed leaves no event, so "empty" may still go.
	failed := Submissions(Fixture("empty"), 2, 10)
	failed[1].Report.Election = "nope"
	if _, err := s.AcceptReports(ctx, failed); err == nil {
		t.Fatal("AcceptReports with an unknown election succeeded")
	}
	before := takeSnapshot(t, s)
	events := allEvents(t, s)
	subs, err := s.Submissions(ctx, "mn", iltod.SubmissionQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"mn", "enrolled"} {
		err := s.DeleteElection(ctx, id)
		wantCode(t, "DeleteElection of an election with events", err, iltod.EConflict)
		if msg := iltod.ErrorMessageOf(err); !strings.Contains(msg, id) {
			t.Errorf("the message %q does not name the election", msg)
		}
		wantCode(t, "CreateElection replacing an election with events", s.CreateElection(ctx, Fixture(id), true), iltod.EConflict)
		other := synth.Package(50, 1)
		other.Election.ID = id
		wantCode(t, "CreateElection replacing an election with events by another", s.CreateElection(ctx, other, true), iltod.EConflict)
	}
	equal(t, "the elections after the refusals", takeSnapshot(t, s), before)
	equal(t, "the events after the refusals", allEvents(t, s), events)
	got, err := s.Submissions(ctx, "mn", iltod.SubmissionQuery{})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "the reports after the refusals", got, subs)
	// Elections without events may still be replaced and deleted.
	create(t, s, Fixture("empty"), true)
	if err := s.DeleteElection(ctx, "empty"); err != nil {
		t.Errorf("DeleteElection of an election without events: %v", err)
	}
	if err := s.DeleteElection(ctx, "keep"); err != nil {
		t.Errorf("DeleteElection of an election without events: %v", err)
	}
	equal(t, "the events at the end", allEvents(t, s), events)
}

// Instances checks that several stores over one database — server instances sharing a
// PostgreSQL, or processes sharing a SQLite file — number their events 1, 2, 3 … without
// gaps and in commit order between them: each of them writes from several goroutines at
// once, and every event of every store is then found exactly once. The stores must be
// empty and share their data.
func Instances(t *testing.T, stores ...iltod.Store) {
	ctx := t.Context()
	create(t, stores[0], Fixture("mn"), false)
	const writers, writes = 4, 25
	var mu sync.Mutex
	written := map[[32]byte]bool{}
	var wg sync.WaitGroup
	for i, s := range stores {
		for w := range writers {
			wg.Go(func() {
				pool := Submissions(Fixture("mn"), writes, uint64(1000*i+w))
				var last uint64
				for j := range writes {
					var seq uint64
					var h [32]byte
					if j%2 == 0 {
						res, err := s.AcceptReports(ctx, pool[j:j+1])
						if err != nil {
							t.Errorf("store %d writer %d: AcceptReports: %v", i, w, err)
							return
						}
						seq, h = res[0].Stored.Seq, res[0].Stored.EnvelopeHash
					} else {
						ev, err := s.AddEvent(ctx, staffEvent("mn", iltod.EventStaff, "", fmt.Sprint(i, w, j)))
						if err != nil {
							t.Errorf("store %d writer %d: AddEvent: %v", i, w, err)
							return
						}
						seq, h = ev.Seq, ev.Hash
					}
					if seq <= last {
						t.Errorf("store %d writer %d: seq %d after its own %d", i, w, seq, last)
					}
					last = seq
					mu.Lock()
					written[h] = true
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	for i, s := range stores {
		evs := allEvents(t, s)
		if len(evs) != len(written) {
			t.Errorf("store %d holds %d events; %d were written", i, len(evs), len(written))
		}
		for _, ev := range evs {
			if !written[ev.Hash] {
				t.Errorf("store %d: event %d was not written", i, ev.Seq)
			}
		}
	}
}
