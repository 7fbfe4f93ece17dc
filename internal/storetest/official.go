package storetest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/synth"
)

// officialTests check the iltod.OfficialStore part of the contract.
var officialTests = []struct {
	name string
	fn   func(t *testing.T, s iltod.Store)
}{
	{"OfficialRoundTrip", testOfficialRoundTrip},
	{"OfficialVersions", testOfficialVersions},
	{"OfficialQuery", testOfficialQuery},
	{"OfficialInvalid", testOfficialInvalid},
	{"OfficialAtomicity", testOfficialAtomicity},
	{"OfficialConcurrent", testOfficialConcurrent},
	{"OfficialOutlivesElection", testOfficialOutlivesElection},
	{"OfficialLarge", testOfficialLarge},
}

// StationResults returns seeded, plausible official results for every station of p and
// every contest the station votes in, in a shuffled order. Some results give no ballot
// figures, some leave a choice out (not given, which is not 0), and some give 0.
func StationResults(p *iltod.Package, seed uint64) []iltod.StationResult {
	rng := rand.New(rand.NewPCG(seed, 0x6f6666))
	ix := iltod.NewResultIndex(p)
	var out []iltod.StationResult
	for _, st := range p.Stations {
		for _, c := range p.Contests {
			if !ix.VotesIn(st.Code, c.Code) {
				continue
			}
			n := len(out)
			reg := st.Registered
			if reg == 0 {
				reg = 100 + rng.IntN(2000)
			}
			cast := reg * (50 + rng.IntN(40)) / 100
			invalid := rng.IntN(cast/20 + 1)
			blank := rng.IntN(cast/50 + 1)
			valid := cast - invalid - blank
			r := iltod.StationResult{Station: st.Code, Contest: c.Code, Counts: map[iltod.CountKind]int{}, Votes: map[string]int{}}
			if n%7 != 3 {
				r.Counts[iltod.CountRegistered] = reg
				r.Counts[iltod.CountIssued] = cast + rng.IntN(3)
				r.Counts[iltod.CountCast] = cast
				r.Counts[iltod.CountValid] = valid
				r.Counts[iltod.CountInvalid] = invalid
				if n%3 == 0 {
					r.Counts[iltod.CountBlank] = blank
				}
			}
			marks := valid * max(c.Seats, 1)
			if c.System.Kind == iltod.ListPR {
				marks = valid
			}
			left := marks
			for j, ch := range c.Choices {
				v := 0
				if j == len(c.Choices)-1 {
					v = left
				} else if left > 0 {
					v = rng.IntN(left/2 + 1)
				}
				left -= v
				switch {
				case n%5 == 1 && j == 0:
					continue // not given
				case n%11 == 2 && j == 1:
					v = 0
				}
				r.Votes[ch.Code] = min(v, valid)
			}
			out = append(out, r)
		}
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// sortedResults returns a sorted deep copy of rs, as a store returns them.
func sortedResults(rs []iltod.StationResult) []iltod.StationResult {
	out := make([]iltod.StationResult, len(rs))
	for i := range rs {
		out[i] = rs[i].Clone()
		if out[i].Counts == nil {
			out[i].Counts = map[iltod.CountKind]int{}
		}
		if out[i].Votes == nil {
			out[i].Votes = map[string]int{}
		}
	}
	iltod.SortResults(out)
	return out
}

// officialTime is the published time of the test releases: in a zone other than UTC and
// with nanoseconds, which the store keeps.
var officialTime = time.Date(2024, 6, 29, 9, 15, 0, 123456789, time.FixedZone("ULAT", 8*3600))

func release(election, source string) iltod.OfficialRelease {
	return iltod.OfficialRelease{Election: election, Source: source, Published: officialTime,
		Note: "line one\nline two\twith a tab; Монгол"}
}

// importEvent returns the event a caller passes to ImportOfficial: its time and detail.
func importEvent(note string) iltod.Event {
	return iltod.Event{Time: eventTime, Detail: []byte(fmt.Sprintf(`{"file":%q}`, note)),
		// The store must overwrite these.
		Election: "other", Kind: iltod.EventStaff, Subject: "wrong", Hash: sha256.Sum256([]byte(note))}
}

func importOfficial(t *testing.T, s iltod.Store, r iltod.OfficialRelease, rs []iltod.StationResult) iltod.OfficialRelease {
	t.Helper()
	got, err := s.ImportOfficial(t.Context(), r, rs, importEvent(r.Source))
	if err != nil {
		t.Fatalf("ImportOfficial(%s, %d results): %v", r.Source, len(rs), err)
	}
	return got
}

func officialResults(t *testing.T, s iltod.Store, election string, version int, q iltod.OfficialQuery) []iltod.StationResult {
	t.Helper()
	got, err := s.OfficialResults(t.Context(), election, version, q)
	if err != nil {
		t.Fatalf("OfficialResults(%s, %d, %+v): %v", election, version, q, err)
	}
	return got
}

func releases(t *testing.T, s iltod.Store, election string) []iltod.OfficialRelease {
	t.Helper()
	got, err := s.OfficialReleases(t.Context(), election)
	if err != nil {
		t.Fatalf("OfficialReleases(%s): %v", election, err)
	}
	return got
}

// wantRelease returns r as the store must return it after importing rs as version with
// event seq.
func wantRelease(t *testing.T, r iltod.OfficialRelease, rs []iltod.StationResult, version int, seq uint64) iltod.OfficialRelease {
	t.Helper()
	r.Version, r.Seq, r.Results = version, seq, len(rs)
	r.Published, r.Imported = r.Published.UTC(), eventTime.UTC()
	h, err := iltod.OfficialDigest(r, rs)
	if err != nil {
		t.Fatalf("OfficialDigest: %v", err)
	}
	r.Hash = h
	return r
}

func testOfficialRoundTrip(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	p := Fixture("mn")
	create(t, s, p, false)
	create(t, s, Fixture("b"), false)
	rs := StationResults(p, 1)
	want := sortedResults(rs)
	before := lastSeq(t, s)
	ev := importEvent("results.csv")
	got, err := s.ImportOfficial(ctx, release("mn", "General Election Commission, table 4"), rs, ev)
	if err != nil {
		t.Fatalf("ImportOfficial: %v", err)
	}
	wantRel := wantRelease(t, release("mn", "General Election Commission, table 4"), rs, 1, before+1)
	equal(t, "the release ImportOfficial returns", got, wantRel)
	// The store must have copied what it keeps.
	rs[0].Votes["scribbled"] = 1
	rs[1].Counts[iltod.CountValid] = -5
	equal(t, "OfficialReleases", releases(t, s, "mn"), []iltod.OfficialRelease{wantRel})
	equalList(t, "OfficialReleases of another election", releases(t, s, "b"), nil)
	latest := officialResults(t, s, "mn", 0, iltod.OfficialQuery{})
	equal(t, "OfficialResults (latest)", latest, want)
	equal(t, "OfficialResults (version 1)", officialResults(t, s, "mn", 1, iltod.OfficialQuery{}), want)

	t.Run("event", func(t *testing.T) {
		e, err := s.Event(ctx, wantRel.Seq)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "the import event", e, iltod.Event{Seq: wantRel.Seq, Election: "mn", Kind: iltod.EventImport,
			Subject: "official/1", Hash: wantRel.Hash, Time: eventTime.UTC(), Detail: ev.Detail})
		equal(t, "LastSeq", lastSeq(t, s), before+1)
	})
	t.Run("verifiable", func(t *testing.T) {
		// Anyone holding the release and its results as the store returns them can
		// recompute the digest that the event, and so the log, commits to.
		doc, err := iltod.MarshalOfficial(releases(t, s, "mn")[0], latest)
		if err != nil {
			t.Fatal(err)
		}
		if sha256.Sum256(doc) != wantRel.Hash {
			t.Errorf("the digest of the release as read back is %x, want %x", sha256.Sum256(doc), wantRel.Hash)
		}
	})
	t.Run("caller owns results", func(t *testing.T) {
		latest[0].Votes["scribbled"] = 7
		latest[0].Counts[iltod.CountCast] = 1
		equal(t, "OfficialResults after changing returned values", officialResults(t, s, "mn", 0, iltod.OfficialQuery{}), want)
	})
	t.Run("other election untouched", func(t *testing.T) {
		_, err := s.OfficialResults(ctx, "b", 0, iltod.OfficialQuery{})
		wantCode(t, "OfficialResults of an election without releases", err, iltod.ENotFound)
		equal(t, "LoadPackage of the other election", load(t, s, "b"), expected(Fixture("b")))
	})
}

func testOfficialVersions(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	p := Fixture("mn")
	create(t, s, p, false)
	equalList(t, "OfficialReleases before any import", releases(t, s, "mn"), nil)
	_, err := s.OfficialResults(ctx, "mn", 0, iltod.OfficialQuery{})
	wantCode(t, "OfficialResults before any import", err, iltod.ENotFound)

	v1 := StationResults(p, 1)
	// Version 2 corrects some figures and leaves out stations that the authority had not
	// yet counted again; version 3 is a single result. Each release is complete in itself.
	var v2 []iltod.StationResult
	for i, r := range sortedResults(v1) {
		if i%4 == 0 {
			continue
		}
		if i%3 == 0 {
			for c := range r.Votes {
				r.Votes[c] += 10
			}
		}
		v2 = append(v2, r)
	}
	v3 := sortedResults(v1)[:1]
	v3[0].Counts = map[iltod.CountKind]int{iltod.CountBlank: 0}
	base := lastSeq(t, s)
	var want []iltod.OfficialRelease
	for i, rs := range [][]iltod.StationResult{v1, v2, v3} {
		r := release("mn", fmt.Sprintf("release %d", i+1))
		r.Published = officialTime.Add(time.Duration(i) * time.Hour)
		got := importOfficial(t, s, r, rs)
		w := wantRelease(t, r, rs, i+1, base+uint64(i)+1)
		equal(t, fmt.Sprintf("release %d", i+1), got, w)
		want = append(want, w)
	}
	equal(t, "OfficialReleases", releases(t, s, "mn"), want)
	for i, rs := range [][]iltod.StationResult{v1, v2, v3} {
		equal(t, fmt.Sprintf("OfficialResults version %d", i+1), officialResults(t, s, "mn", i+1, iltod.OfficialQuery{}), sortedResults(rs))
	}
	equal(t, "OfficialResults latest", officialResults(t, s, "mn", 0, iltod.OfficialQuery{}), sortedResults(v3))
	for _, v := range []int{4, -1, 1000} {
		_, err := s.OfficialResults(ctx, "mn", v, iltod.OfficialQuery{})
		wantCode(t, fmt.Sprintf("OfficialResults version %d", v), err, iltod.ENotFound)
	}
	if h := want[0].Hash; h == want[1].Hash || h == want[2].Hash || want[1].Hash == want[2].Hash {
		t.Error("two different releases have the same hash")
	}
	// The same results imported again are a new release: the history of imports is kept.
	again := importOfficial(t, s, release("mn", "release 1"), v1)
	if again.Version != 4 || again.Hash == want[0].Hash {
		t.Errorf("importing version 1's results again gave version %d with hash %x; want version 4 and a hash of its own (the version is covered)", again.Version, again.Hash)
	}
	allEvents(t, s)
}

func testOfficialQuery(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	p := Fixture("mn")
	create(t, s, p, false)
	rs := StationResults(p, 3)
	importOfficial(t, s, release("mn", "query"), rs)
	all := sortedResults(rs)
	ix := iltod.NewAreaIndex(p.Areas)
	areaOf := map[string]string{}
	for _, st := range p.Stations {
		areaOf[st.Code] = st.Area
	}
	filter := func(keep func(r iltod.StationResult) bool) []iltod.StationResult {
		var out []iltod.StationResult
		for _, r := range all {
			if keep(r) {
				out = append(out, r)
			}
		}
		return out
	}
	for _, tc := range []struct {
		name string
		q    iltod.OfficialQuery
		keep func(r iltod.StationResult) bool
	}{
		{"contest", iltod.OfficialQuery{Contest: "C02"}, func(r iltod.StationResult) bool { return r.Contest == "C02" }},
		{"station", iltod.OfficialQuery{Station: "a.1"}, func(r iltod.StationResult) bool { return r.Station == "a.1" }},
		// UB2 has UB as a string prefix: its stations are not at or below UB.
		{"area UB", iltod.OfficialQuery{Area: "UB"}, func(r iltod.StationResult) bool { return ix.Within(areaOf[r.Station], "UB") }},
		{"area UB2", iltod.OfficialQuery{Area: "UB2"}, func(r iltod.StationResult) bool { return ix.Within(areaOf[r.Station], "UB2") }},
		{"area country", iltod.OfficialQuery{Area: "MN"}, func(iltod.StationResult) bool { return true }},
		{"area and contest", iltod.OfficialQuery{Area: "UB-BZD", Contest: "LIST"}, func(r iltod.StationResult) bool {
			return r.Contest == "LIST" && ix.Within(areaOf[r.Station], "UB-BZD")
		}},
		{"after", iltod.OfficialQuery{After: "UB-R"}, func(r iltod.StationResult) bool { return r.Station > "UB-R" }},
		{"unknown station", iltod.OfficialQuery{Station: "nope"}, func(iltod.StationResult) bool { return false }},
		{"unknown contest", iltod.OfficialQuery{Contest: "nope"}, func(iltod.StationResult) bool { return false }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := officialResults(t, s, "mn", 0, tc.q)
			want := filter(tc.keep)
			equalList(t, "OfficialResults", got, want)
			if tc.name == "area UB" && len(got) == 0 {
				t.Error("the test selects nothing")
			}
		})
	}
	t.Run("pages", func(t *testing.T) {
		checkPages(t, s, []int{1, 2, 3, 5, 100}, []iltod.OfficialQuery{{}, {Contest: "PRES"}, {Area: "UB"}},
			"stations", func(r iltod.StationResult) string { return r.Station })
	})
	t.Run("not found", func(t *testing.T) {
		_, err := s.OfficialResults(ctx, "mn", 0, iltod.OfficialQuery{Area: "nope"})
		wantCode(t, "OfficialResults of an unknown area", err, iltod.ENotFound)
		_, err = s.OfficialResults(ctx, "nope", 0, iltod.OfficialQuery{})
		wantCode(t, "OfficialResults of an unknown election", err, iltod.ENotFound)
		_, err = s.OfficialReleases(ctx, "nope")
		wantCode(t, "OfficialReleases of an unknown election", err, iltod.ENotFound)
	})
}

// officialState is what a store holds of an election's official results.
type officialState struct {
	LastSeq  uint64
	Releases []iltod.OfficialRelease
	Results  [][]iltod.StationResult
}

func takeOfficial(t *testing.T, s iltod.Store, election string) officialState {
	t.Helper()
	st := officialState{LastSeq: lastSeq(t, s), Releases: releases(t, s, election)}
	for _, r := range st.Releases {
		st.Results = append(st.Results, officialResults(t, s, election, r.Version, iltod.OfficialQuery{}))
	}
	return st
}

func testOfficialInvalid(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	p := Fixture("mn")
	create(t, s, p, false)
	good := sortedResults(StationResults(p, 5))
	importOfficial(t, s, release("mn", "good"), good)
	before := takeOfficial(t, s, "mn")
	// with returns good with one result changed (or appended, for i = -1).
	with := func(i int, change func(r *iltod.StationResult)) []iltod.StationResult {
		rs := sortedResults(good)
		if i < 0 {
			rs = append(rs, iltod.StationResult{})
			i = len(rs) - 1
		}
		change(&rs[i])
		return rs
	}
	last := len(good) - 1
	for _, tc := range []struct {
		name    string
		release iltod.OfficialRelease
		results []iltod.StationResult
		index   int    // of the Problem, -1 for none expected
		field   string // of the Problem
	}{
		{"unknown station", release("mn", "x"), with(last, func(r *iltod.StationResult) { r.Station = "nope" }), last, "station"},
		{"unknown contest", release("mn", "x"), with(0, func(r *iltod.StationResult) { r.Contest = "C99" }), 0, "contest"},
		{"unknown choice", release("mn", "x"), with(3, func(r *iltod.StationResult) { r.Votes["C99-1"] = 4 }), 3, "votes.C99-1"},
		// UB2.1 lies in UB2, which votes in C02, not C01.
		{"station outside the contest", release("mn", "x"), with(-1, func(r *iltod.StationResult) {
			*r = iltod.StationResult{Station: "UB2.1", Contest: "C01", Votes: map[string]int{"C01-1": 1}}
		}), len(good), "contest"},
		{"duplicate", release("mn", "x"), with(-1, func(r *iltod.StationResult) { *r = good[2].Clone() }), len(good), ""},
		{"negative votes", release("mn", "x"), with(1, func(r *iltod.StationResult) {
			for c := range r.Votes {
				r.Votes[c] = -1
				break
			}
		}), 1, ""},
		{"count above the limit", release("mn", "x"), with(2, func(r *iltod.StationResult) { r.Counts[iltod.CountValid] = iltod.MaxResultCount + 1 }), 2, "counts.valid"},
		{"unknown count", release("mn", "x"), with(2, func(r *iltod.StationResult) { r.Counts["spoilt"] = 1 }), 2, "counts.spoilt"},
		{"no figure", release("mn", "x"), with(4, func(r *iltod.StationResult) { r.Counts, r.Votes = nil, nil }), 4, ""},
		{"bad code", release("mn", "x"), with(4, func(r *iltod.StationResult) { r.Votes["no/slash"] = 1 }), 4, "votes"},
		{"no results", release("mn", "x"), nil, -1, ""},
		{"no source", release("mn", " "), good, -1, ""},
		{"no published time", iltod.OfficialRelease{Election: "mn", Source: "x"}, good, -1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.ImportOfficial(ctx, tc.release, tc.results, importEvent("bad"))
			wantCode(t, "ImportOfficial", err, iltod.EInvalid)
			if tc.index >= 0 {
				var ps iltod.Problems
				if !errors.As(err, &ps) {
					t.Fatalf("the error holds no Problems: %v", err)
				}
				found := false
				for _, pr := range ps {
					if pr.Record == iltod.RecordResult && pr.Index == tc.index && (tc.field == "" || pr.Field == tc.field) {
						found = true
					}
				}
				if !found {
					t.Errorf("no problem with result %d, field %q: %v", tc.index, tc.field, err)
				}
			}
			equal(t, "the store after a refused import", takeOfficial(t, s, "mn"), before)
		})
	}
	t.Run("unknown election", func(t *testing.T) {
		r := release("nope", "x")
		_, err := s.ImportOfficial(ctx, r, good, importEvent("bad"))
		wantCode(t, "ImportOfficial of an unknown election", err, iltod.ENotFound)
		equal(t, "the store after a refused import", takeOfficial(t, s, "mn"), before)
	})
	t.Run("results of another election", func(t *testing.T) {
		// Election b has other stations: results valid for mn are not for b.
		other := minimal("b")
		create(t, s, other, false)
		_, err := s.ImportOfficial(ctx, release("b", "x"), good, importEvent("bad"))
		wantCode(t, "ImportOfficial of mn's results into b", err, iltod.EInvalid)
		equalList(t, "OfficialReleases of b", releases(t, s, "b"), nil)
		equal(t, "the store after a refused import", takeOfficial(t, s, "mn"), before)
	})
}

func testOfficialAtomicity(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	p := Fixture("mn")
	create(t, s, p, false)
	rs := StationResults(p, 6)
	importOfficial(t, s, release("mn", "first"), rs)
	t.Run("cancelled before the call", func(t *testing.T) {
		before := takeOfficial(t, s, "mn")
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := s.ImportOfficial(ctx, release("mn", "cancelled"), rs, importEvent("x")); err == nil {
			t.Fatal("ImportOfficial with a cancelled context succeeded")
		}
		equal(t, "the store after a cancelled import", takeOfficial(t, s, "mn"), before)
	})
	t.Run("cancelled at every point", func(t *testing.T) {
		// Each attempt cancels one step later, until one completes. A failed attempt must
		// have stored nothing and consumed no sequence number or version; one whose commit
		// went through just before the cancellation was seen must have stored everything.
		for n := 0; ; n++ {
			if n == 2000 {
				t.Fatalf("ImportOfficial still failed after %d cancellation points", n)
			}
			before := takeOfficial(t, s, "mn")
			got, err := s.ImportOfficial(newTripCtx(ctx, n), release("mn", fmt.Sprint("attempt ", n)), rs, importEvent("x"))
			after := takeOfficial(t, s, "mn")
			complete := len(after.Releases) == len(before.Releases)+1 && after.LastSeq == before.LastSeq+1 &&
				equalResults(after.Results[len(after.Results)-1], sortedResults(rs))
			if err == nil {
				if !complete || got != after.Releases[len(after.Releases)-1] {
					t.Fatalf("attempt %d succeeded, but the store holds %d releases (was %d), LastSeq %d (was %d)",
						n, len(after.Releases), len(before.Releases), after.LastSeq, before.LastSeq)
				}
				t.Logf("the call completed after %d cancellation points", n)
				break
			}
			if !complete && !equalState(after, before) {
				t.Fatalf("attempt %d failed (%v) but the store changed: not all or nothing", n, err)
			}
			if complete {
				t.Logf("attempt %d: the commit went through before the cancellation was seen: %v", n, err)
			}
		}
		allEvents(t, s)
	})
	t.Run("cancelled during a large import", func(t *testing.T) {
		// Cancel a large import part of the way through. Whether the store notices in
		// time depends on the machine, so either outcome is allowed, but not a mixture.
		big := synth.Package(5_000, 9)
		create(t, s, big, false)
		id := big.Election.ID
		brs := StationResults(big, 9)
		before := takeOfficial(t, s, id)
		cctx, cancel := context.WithCancel(ctx)
		timer := time.AfterFunc(30*time.Millisecond, cancel)
		defer timer.Stop()
		_, err := s.ImportOfficial(cctx, release(id, "large"), brs, importEvent("x"))
		cancel()
		after := takeOfficial(t, s, id)
		if err != nil {
			t.Logf("cancelled in time: %v", err)
			equal(t, "the store after a cancelled import", after, before)
			return
		}
		t.Logf("the import finished before the cancellation")
		if len(after.Releases) != 1 || !equalResults(after.Results[0], sortedResults(brs)) {
			t.Error("the import succeeded, but the store does not hold its results")
		}
	})
}

func equalResults(a, b []iltod.StationResult) bool {
	return (len(a) == 0 && len(b) == 0) || reflect.DeepEqual(a, b)
}

func equalState(a, b officialState) bool {
	return reflect.DeepEqual(a, b)
}

func testOfficialConcurrent(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	p := Fixture("mn")
	create(t, s, p, false)
	const workers = 6
	results := make([][]iltod.StationResult, workers)
	got := make([]iltod.OfficialRelease, workers)
	var wg sync.WaitGroup
	for w := range workers {
		results[w] = StationResults(p, uint64(100+w))
		wg.Go(func() {
			var err error
			if got[w], err = s.ImportOfficial(ctx, release("mn", fmt.Sprint("worker ", w)), results[w], importEvent("x")); err != nil {
				t.Errorf("worker %d: %v", w, err)
			}
		})
		// Reports accepted meanwhile interleave their events with the imports'.
		wg.Go(func() {
			if _, err := s.AcceptReports(ctx, Submissions(p, 3, uint64(w+1))); err != nil {
				t.Errorf("AcceptReports: %v", err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	evs := allEvents(t, s)
	rels := releases(t, s, "mn")
	if len(rels) != workers {
		t.Fatalf("%d releases, want %d", len(rels), workers)
	}
	for i, r := range rels {
		if r.Version != i+1 {
			t.Errorf("release %d has version %d", i, r.Version)
		}
		if i > 0 && r.Seq <= rels[i-1].Seq {
			t.Errorf("version %d has event %d, not after version %d's %d: versions are not in commit order", r.Version, r.Seq, i, rels[i-1].Seq)
		}
		w := slices.IndexFunc(got, func(g iltod.OfficialRelease) bool { return g.Version == r.Version })
		if w < 0 {
			t.Errorf("no worker got version %d", r.Version)
			continue
		}
		equal(t, fmt.Sprintf("release %d", r.Version), r, got[w])
		equal(t, fmt.Sprintf("results of release %d", r.Version), officialResults(t, s, "mn", r.Version, iltod.OfficialQuery{}), sortedResults(results[w]))
		digest, err := iltod.OfficialDigest(r, results[w])
		if err != nil || digest != r.Hash || evs[r.Seq-1].Hash != r.Hash || evs[r.Seq-1].Kind != iltod.EventImport {
			t.Errorf("release %d: hash %x, recomputed %x (%v), event %+v", r.Version, r.Hash, digest, err, evs[r.Seq-1])
		}
	}
}

func testOfficialOutlivesElection(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	p := Fixture("mn")
	create(t, s, p, false)
	importOfficial(t, s, release("mn", "x"), StationResults(p, 8))
	before := takeOfficial(t, s, "mn")
	wantCode(t, "DeleteElection after an import", s.DeleteElection(ctx, "mn"), iltod.EConflict)
	wantCode(t, "CreateElection(replace) after an import", s.CreateElection(ctx, Fixture("mn"), true), iltod.EConflict)
	equal(t, "the store after refused deletions", takeOfficial(t, s, "mn"), before)
}

// LargeElection returns a synthetic election of n stations with an added contest, BIG,
// in which every station votes for one of 8 candidates, and one result per station for it
// with registered, cast, valid and invalid ballots and the 8 candidates' votes.
func LargeElection(n int, seed uint64) (*iltod.Package, []iltod.StationResult) {
	p := synth.Package(n, int64(seed))
	big := iltod.Contest{Code: "BIG", Name: iltod.Text{"en": "Eight candidates"}, Areas: []string{synth.Country}, Seats: 1,
		System: iltod.System{Kind: iltod.FPTP}}
	for i := 1; i <= 8; i++ {
		big.Choices = append(big.Choices, iltod.Choice{Code: fmt.Sprintf("BIG-%d", i), Kind: iltod.Candidate, Ballot: i,
			Name: iltod.Text{"en": fmt.Sprintf("Candidate %d", i)}})
	}
	p.Contests = append(p.Contests, big)
	rng := rand.New(rand.NewPCG(seed, 8))
	rs := make([]iltod.StationResult, len(p.Stations))
	for i, st := range p.Stations {
		cast := st.Registered * (40 + rng.IntN(50)) / 100
		invalid := rng.IntN(cast/30 + 1)
		r := iltod.StationResult{Station: st.Code, Contest: "BIG", Votes: make(map[string]int, 8),
			Counts: map[iltod.CountKind]int{iltod.CountRegistered: st.Registered, iltod.CountCast: cast,
				iltod.CountValid: cast - invalid, iltod.CountInvalid: invalid}}
		left := cast - invalid
		for j := 1; j <= 8; j++ {
			v := left
			if j < 8 {
				v = rng.IntN(left/2 + 1)
			}
			left -= v
			r.Votes[fmt.Sprintf("BIG-%d", j)] = v
		}
		rs[i] = r
	}
	return p, rs
}

// largeBudget is how long testOfficialLarge's import of 100,000 stations × 8 candidates
// may take, and so may the reading back: a few seconds (on a 2-core machine both take
// under 3 s). The race detector slows the stores' own code, SQLite's included, tenfold or
// more, so under it the test imports a tenth as many stations with the same budget.
const largeBudget = 10 * time.Second

func testOfficialLarge(t *testing.T, s iltod.Store) {
	if testing.Short() {
		t.Skip("a large import: skipped in short mode")
	}
	ctx := t.Context()
	n := 100_000
	if raceEnabled {
		n = 10_000
	}
	p, rs := LargeElection(n, 1)
	create(t, s, p, false)
	start := time.Now()
	r, err := s.ImportOfficial(ctx, release(p.Election.ID, "large"), rs, importEvent("large.csv"))
	took := time.Since(start)
	if err != nil {
		t.Fatalf("ImportOfficial of %d results: %v", len(rs), err)
	}
	t.Logf("imported %d stations × 8 candidates in %v (%.0f results/s)", n, took, float64(n)/took.Seconds())
	if took > largeBudget {
		t.Errorf("importing %d stations × 8 candidates took %v; want under %v", n, took, largeBudget)
	}
	start = time.Now()
	got := officialResults(t, s, p.Election.ID, 0, iltod.OfficialQuery{})
	t.Logf("read %d results back in %v", len(got), time.Since(start))
	if took := time.Since(start); took > largeBudget {
		t.Errorf("reading %d results took %v; want under %v", n, took, largeBudget)
	}
	want := sortedResults(rs)
	if len(got) != len(want) {
		t.Fatalf("read %d results back, want %d", len(got), len(want))
	}
	for i := range want {
		if !equal(t, "result "+want[i].Station, got[i], want[i]) {
			break
		}
	}
	if h, err := iltod.OfficialDigest(r, got); err != nil || h != r.Hash {
		t.Errorf("the digest of the results read back is %x (%v), want %x", h, err, r.Hash)
	}
}

// BenchmarkImportOfficial imports a release of 100,000 stations × 8 candidates (see
// LargeElection) into s, once per iteration, each a new version, and reports results/s.
// s must be empty. Run it with -benchtime 1x or 3x.
func BenchmarkImportOfficial(b *testing.B, s iltod.Store) {
	p, rs := LargeElection(100_000, 1)
	if err := s.CreateElection(b.Context(), p, false); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		if _, err := s.ImportOfficial(b.Context(), release(p.Election.ID, fmt.Sprint("bench ", i)), rs, importEvent("bench")); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(rs))/b.Elapsed().Seconds(), "results/s")
}

// BenchmarkOfficialResults reads back a release of 100,000 stations × 8 candidates, and
// reports results/s. s must be empty.
func BenchmarkOfficialResults(b *testing.B, s iltod.Store) {
	p, rs := LargeElection(100_000, 1)
	if err := s.CreateElection(b.Context(), p, false); err != nil {
		b.Fatal(err)
	}
	if _, err := s.ImportOfficial(b.Context(), release(p.Election.ID, "bench"), rs, importEvent("bench")); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		got, err := s.OfficialResults(b.Context(), p.Election.ID, 0, iltod.OfficialQuery{})
		if err != nil || len(got) != len(rs) {
			b.Fatalf("%d results, %v", len(got), err)
		}
	}
	b.ReportMetric(float64(b.N*len(rs))/b.Elapsed().Seconds(), "results/s")
}

// checkPages pages through release 1 of election "mn" with each query at each limit, and
// checks that no page holds more than limit distinct keys (stations, or areas for
// totals), that paging ends, and that the pages together equal the unpaged answer.
func checkPages(t *testing.T, s iltod.Store, limits []int, queries []iltod.OfficialQuery, noun string, key func(iltod.StationResult) string) {
	t.Helper()
	for _, limit := range limits {
		for _, q := range queries {
			var got []iltod.StationResult
			q.Limit = limit
			for pages := 0; ; pages++ {
				if pages > 100 {
					t.Fatal("pagination does not end")
				}
				page := officialResults(t, s, "mn", 1, q)
				if len(page) == 0 {
					break
				}
				keys := map[string]bool{}
				for _, r := range page {
					keys[key(r)] = true
				}
				if len(keys) > limit {
					t.Fatalf("a page with limit %d holds %d %s", limit, len(keys), noun)
				}
				got = append(got, page...)
				q.After = key(page[len(page)-1])
			}
			q.After, q.Limit = "", 0
			equal(t, fmt.Sprintf("all pages of %+v with limit %d", q, limit), got, officialResults(t, s, "mn", 1, q))
		}
	}
}
