// Package storetest is the conformance suite of iltod.Store. Every implementation runs
// Run from its own tests, so that the store on SQLite (the embedded default) and on
// PostgreSQL (internal/sqlstore) keep and return exactly the same things and fail in the
// same ways.
//
// The suite loads a small hand-built package (Fixture) and synthetic packages from
// internal/synth, and checks every method of the contract: round trips that compare each
// record in full, order, filtering and pagination of stations, form versions, error codes,
// conflicts and replacement, atomicity of CreateElection under failure and cancellation,
// cascading deletion, isolation between elections, consistency for readers during a load,
// and Summary against Package.Summarize.
//
// For the intake part of the contract (iltod.IntakeStore) it checks the round trip of
// submissions, devices, resolutions and events in full; the outcomes of AcceptReports
// (accepted, duplicate, conflicting, within a batch and across batches); that a batch is
// stored entirely or not at all, whichever step a cancellation interrupts; filtering and
// pagination of submissions; one-time enrollment codes under concurrent claims; log marks;
// that event sequence numbers are gapless and in commit order under concurrent writers,
// as a concurrent reader sees them; and that an election that has events can be neither
// deleted nor replaced.
//
// For official results (iltod.OfficialStore) it checks the round trip of releases and
// results in full, with the import event and the digest a verifier recomputes; that
// every release is kept and numbered in commit order, version 0 being the latest;
// filtering by contest, station and area and pagination by station; that results that
// fail iltod.CheckResults are refused and change nothing; that an import is stored
// entirely or not at all, whichever step a cancellation interrupts; and that 100,000
// stations × 8 candidates import within a few seconds (LargeElection).
//
// For the messaging channels (iltod.MessageStore) it checks the round trip of channel
// messages in full, their filtering by observer and time, the newest-first limit returned
// oldest first, increasing ids under concurrent writers, and deletion with their
// election; and one-time link codes: unknown, expired, of another election, and of
// several concurrent claims exactly one succeeding, which links the account.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/synth"
)

// Run runs the conformance suite against the store that open returns. Each subtest calls
// open once and MUST get a new, empty store of its own; open arranges with t.Cleanup for
// the store to be closed and its data removed. Subtests do not run in parallel with each
// other, but several of them use the store from many goroutines at once.
func Run(t *testing.T, open func(t *testing.T) iltod.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s iltod.Store)
	}{
		{"RoundTrip", testRoundTrip},
		{"RoundTripSynthetic", testRoundTripSynthetic},
		{"ElectionsOrder", testElectionsOrder},
		{"EmptyLists", testEmptyLists},
		{"StationsByArea", testStationsByArea},
		{"Pagination", testPagination},
		{"FormVersions", testFormVersions},
		{"NotFound", testNotFound},
		{"Conflict", testConflict},
		{"Replace", testReplace},
		{"Atomicity", testAtomicity},
		{"Cancelled", testCancelled},
		{"Delete", testDelete},
		{"TwoElections", testTwoElections},
		{"ConcurrentReaders", testConcurrentReaders},
		{"Summary", testSummary},
	}
	tests = append(tests, intakeTests...)
	tests = append(tests, officialTests...)
	tests = append(tests, adminTests...)
	tests = append(tests, totalsTests...)
	tests = append(tests, blobTests...)
	tests = append(tests, messageTests...)
	tests = append(tests, odkTests...)
	tests = append(tests, incidentTests...)
	tests = append(tests, followupTests...)
	tests = append(tests, clusterTests...)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

// cloneJSON copies v through its JSON encoding, which is how stores keep records.
func cloneJSON[T any](v *T) *T {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	out := new(T)
	if err := json.Unmarshal(b, out); err != nil {
		panic(err)
	}
	return out
}

// expected returns p as LoadPackage reads it back: stations in code order, forms in code
// and version order, and empty slices as nil.
func expected(p *iltod.Package) *iltod.Package {
	q := cloneJSON(p)
	q.Stations = sortedStations(q.Stations)
	iltod.SortForms(q.Forms)
	return normalize(q)
}

// normalize sets the empty top-level slices of p to nil, so that a store that returns
// empty slices compares equal to a package that holds nil ones.
func normalize(p *iltod.Package) *iltod.Package {
	if len(p.Areas) == 0 {
		p.Areas = nil
	}
	if len(p.Stations) == 0 {
		p.Stations = nil
	}
	if len(p.Contests) == 0 {
		p.Contests = nil
	}
	if len(p.Observers) == 0 {
		p.Observers = nil
	}
	if len(p.Forms) == 0 {
		p.Forms = nil
	}
	return p
}

func sortedStations(ss []iltod.Station) []iltod.Station {
	out := slices.Clone(ss)
	slices.SortFunc(out, func(a, b iltod.Station) int { return strings.Compare(a.Code, b.Code) })
	return out
}

func stationCodes(ss []iltod.Station) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.Code
	}
	return out
}

// equal reports a difference between got and want, showing both as JSON.
func equal[T any](t *testing.T, what string, got, want T) bool {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return true
	}
	t.Errorf("%s differs:\n got: %s\nwant: %s", what, show(got), show(want))
	return false
}

// equalList is equal for slices, treating nil and empty alike.
func equalList[T any](t *testing.T, what string, got, want []T) bool {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return true
	}
	return equal(t, what, got, want)
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	if len(b) > 3000 {
		return string(b[:3000]) + "…"
	}
	return string(b)
}

// wantCode fails t unless err is an *iltod.Error with the given code.
func wantCode(t *testing.T, what string, err error, code iltod.ErrorCode) {
	t.Helper()
	var e *iltod.Error
	switch {
	case err == nil:
		t.Errorf("%s: got no error, want %s", what, code)
	case !errors.As(err, &e):
		t.Errorf("%s: got %T %v, want an *iltod.Error with code %s", what, err, err, code)
	case e.Code != code:
		t.Errorf("%s: got code %s (%v), want %s", what, e.Code, err, code)
	case e.Message == "":
		t.Errorf("%s: the error has no caller-safe message: %v", what, err)
	}
}

func create(t *testing.T, s iltod.Store, p *iltod.Package, replace bool) {
	t.Helper()
	if err := p.Validate(); err != nil {
		t.Fatalf("the test package %s is invalid: %v", p.Election.ID, err)
	}
	if err := s.CreateElection(t.Context(), p, replace); err != nil {
		t.Fatalf("CreateElection(%s, replace=%v): %v", p.Election.ID, replace, err)
	}
}

func load(t *testing.T, s iltod.Store, id string) *iltod.Package {
	t.Helper()
	p, err := iltod.LoadPackage(t.Context(), s, id)
	if err != nil {
		t.Fatalf("LoadPackage(%s): %v", id, err)
	}
	return normalize(p)
}

// snapshot is everything a store holds, read through its public methods.
type snapshot struct {
	Elections []iltod.Election
	Packages  map[string]*iltod.Package
	Summaries map[string]iltod.Summary
}

func takeSnapshot(t *testing.T, s iltod.Store) snapshot {
	t.Helper()
	es, err := s.Elections(t.Context())
	if err != nil {
		t.Fatalf("Elections: %v", err)
	}
	snap := snapshot{Elections: es, Packages: map[string]*iltod.Package{}, Summaries: map[string]iltod.Summary{}}
	for _, e := range es {
		snap.Packages[e.ID] = load(t, s, e.ID)
		sum, err := s.Summary(t.Context(), e.ID)
		if err != nil {
			t.Fatalf("Summary(%s): %v", e.ID, err)
		}
		snap.Summaries[e.ID] = sum
	}
	return snap
}

func testRoundTrip(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	const id = "mn-2024"
	p := Fixture(id)
	create(t, s, p, false)
	// The store must have copied what it keeps: changing p afterwards changes nothing.
	p.Stations[0].Name["en"] = "changed"
	p.Areas[0].Location.Lat = 1
	p.Forms[0].Questions[0].Min = nil
	want := Fixture(id)

	e, err := s.Election(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "Election", e, want.Election)
	if o := e.Observation; o == nil || e.GeofenceMetres() != 1500 || e.ClockSkew() != 10*time.Minute {
		t.Errorf("the election's observation settings were not kept: %+v", o)
	}

	t.Run("areas", func(t *testing.T) {
		got, err := s.Areas(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "Areas (load order)", got, want.Areas)
		for _, a := range want.Areas {
			got, err := s.Area(ctx, id, a.Code)
			if err != nil {
				t.Errorf("Area(%s): %v", a.Code, err)
				continue
			}
			equal(t, "Area "+a.Code, got, a)
		}
	})
	t.Run("stations", func(t *testing.T) {
		got, err := s.Stations(ctx, id, iltod.StationQuery{})
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "Stations (code order)", got, sortedStations(want.Stations))
		// Byte order, not a locale's: digits, then upper case, then lower case.
		equal(t, "station codes", stationCodes(got),
			[]string{"0101", "0104", "0201", "9-SEOUL", "SBD.9", "UB-R", "UB2.1", "UB2.2", "X1", "a.1", "x1"})
		for _, st := range want.Stations {
			got, err := s.Station(ctx, id, st.Code)
			if err != nil {
				t.Errorf("Station(%s): %v", st.Code, err)
				continue
			}
			equal(t, "Station "+st.Code, got, st)
		}
	})
	t.Run("contests", func(t *testing.T) {
		got, err := s.Contests(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "Contests (load order)", got, want.Contests)
		for _, c := range want.Contests {
			got, err := s.Contest(ctx, id, c.Code)
			if err != nil {
				t.Errorf("Contest(%s): %v", c.Code, err)
				continue
			}
			equal(t, "Contest "+c.Code, got, c)
		}
	})
	t.Run("observers", func(t *testing.T) {
		got, err := s.Observers(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "Observers (load order)", got, want.Observers)
		for _, o := range want.Observers {
			got, err := s.Observer(ctx, id, o.Code)
			if err != nil {
				t.Errorf("Observer(%s): %v", o.Code, err)
				continue
			}
			equal(t, "Observer "+o.Code, got, o)
		}
	})
	t.Run("forms", func(t *testing.T) {
		got, err := s.Forms(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		sorted := slices.Clone(want.Forms)
		iltod.SortForms(sorted)
		equal(t, "Forms (code, version order)", got, sorted)
		for _, f := range want.Forms {
			got, err := s.Form(ctx, id, f.Code, f.Version)
			if err != nil {
				t.Errorf("Form(%s, %d): %v", f.Code, f.Version, err)
				continue
			}
			equal(t, fmt.Sprintf("Form %s v%d", f.Code, f.Version), got, f)
		}
	})
	t.Run("package", func(t *testing.T) {
		equal(t, "LoadPackage", load(t, s, id), expected(want))
		es, err := s.Elections(ctx)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "Elections", es, []iltod.Election{want.Election})
	})
	t.Run("caller owns results", func(t *testing.T) {
		areas, err := s.Areas(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		areas[0].Name["en"] = "scribbled"
		areas[0].Location.Lat = -1
		f, err := s.Form(ctx, id, "RES", 1)
		if err != nil {
			t.Fatal(err)
		}
		*f.Questions[0].Min = 99
		equal(t, "LoadPackage after changing returned values", load(t, s, id), expected(want))
	})
}

func testRoundTripSynthetic(t *testing.T, s iltod.Store) {
	p := synth.Package(1500, 2)
	create(t, s, p, false)
	got := load(t, s, p.Election.ID)
	want := expected(p)
	equal(t, "Election", got.Election, want.Election)
	equal(t, "Areas", got.Areas, want.Areas)
	if equal(t, "station codes", stationCodes(got.Stations), stationCodes(want.Stations)) {
		for i := range want.Stations {
			if !equal(t, "Station "+want.Stations[i].Code, got.Stations[i], want.Stations[i]) {
				break
			}
		}
	}
	equal(t, "Contests", got.Contests, want.Contests)
	equal(t, "Observers", got.Observers, want.Observers)
	equal(t, "Forms", got.Forms, want.Forms)
}

func testElectionsOrder(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	es, err := s.Elections(ctx)
	if err != nil {
		t.Fatalf("Elections on an empty store: %v", err)
	}
	if len(es) != 0 {
		t.Fatalf("a new store holds %d elections", len(es))
	}
	for _, e := range []struct{ id, date string }{
		{"b-2024", "2024-06-28"}, {"z-2020", "2020-06-24"}, {"c-2025", "2025-01-01"}, {"a-2024", "2024-06-28"}, {"a-2024-2", "2024-06-28"},
	} {
		p := Fixture(e.id)
		p.Election.Date = e.date
		create(t, s, p, false)
	}
	es, err = s.Elections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.Date+" "+e.ID)
	}
	equal(t, "Elections order", got, []string{
		"2020-06-24 z-2020", "2024-06-28 a-2024", "2024-06-28 a-2024-2", "2024-06-28 b-2024", "2025-01-01 c-2025",
	})
}

// minimal returns a valid package with one area and nothing else.
func minimal(id string) *iltod.Package {
	return &iltod.Package{
		Election: iltod.Election{ID: id, Name: iltod.Text{"en": "Minimal"}, Date: "2030-01-01", Country: "ZZ", Languages: []string{"en"}},
		Areas:    []iltod.Area{{Code: "ZZ", Level: iltod.LevelCountry, Name: iltod.Text{"en": "Nowhere"}}},
	}
}

func testEmptyLists(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	p := minimal("empty")
	create(t, s, p, false)
	equal(t, "LoadPackage", load(t, s, "empty"), expected(p))
	if ss, err := s.Stations(ctx, "empty", iltod.StationQuery{Area: "ZZ"}); err != nil || len(ss) != 0 {
		t.Errorf("Stations(Area: ZZ) = %v, %v; want none", ss, err)
	}
	sum, err := s.Summary(ctx, "empty")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "Summary", sum, p.Summarize())
	for name, list := range map[string]func() (int, error){
		"Contests":  func() (int, error) { v, err := s.Contests(ctx, "empty"); return len(v), err },
		"Observers": func() (int, error) { v, err := s.Observers(ctx, "empty"); return len(v), err },
		"Forms":     func() (int, error) { v, err := s.Forms(ctx, "empty"); return len(v), err },
		"Stations":  func() (int, error) { v, err := s.Stations(ctx, "empty", iltod.StationQuery{}); return len(v), err },
	} {
		if n, err := list(); err != nil || n != 0 {
			t.Errorf("%s = %d records, %v; want none and no error", name, n, err)
		}
	}
}

func testStationsByArea(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	p := Fixture("mn")
	create(t, s, p, false)
	ix := iltod.NewAreaIndex(p.Areas)
	within := func(area string) []string {
		var out []string
		for _, st := range sortedStations(p.Stations) {
			if ix.Within(st.Area, area) {
				out = append(out, st.Code)
			}
		}
		return out
	}
	query := func(t *testing.T, q iltod.StationQuery) []string {
		t.Helper()
		got, err := s.Stations(ctx, "mn", q)
		if err != nil {
			t.Fatalf("Stations(%+v): %v", q, err)
		}
		return stationCodes(got)
	}
	for _, tc := range []struct {
		q    iltod.StationQuery
		want []string
	}{
		{iltod.StationQuery{Area: "MN"}, []string{"0101", "0104", "0201", "9-SEOUL", "SBD.9", "UB-R", "UB2.1", "UB2.2", "X1", "a.1", "x1"}},
		{iltod.StationQuery{Area: "UB"}, []string{"0101", "0104", "0201", "SBD.9", "UB-R", "X1", "a.1", "x1"}},
		{iltod.StationQuery{Area: "UB2"}, []string{"UB2.1", "UB2.2"}},
		{iltod.StationQuery{Area: "UB2-x.1"}, []string{"UB2.2"}},
		{iltod.StationQuery{Area: "UB-BZD"}, []string{"0101", "0104", "0201", "a.1", "x1"}},
		{iltod.StationQuery{Area: "UB-BZD.1"}, []string{"0101", "0104"}},
		{iltod.StationQuery{Area: "UB-SBD"}, []string{"SBD.9", "X1"}},
		{iltod.StationQuery{Area: "OCV"}, []string{"9-SEOUL"}},
		{iltod.StationQuery{Area: "UB", After: "0104", Limit: 2}, []string{"0201", "SBD.9"}},
		{iltod.StationQuery{Area: "UB", After: "UB-R"}, []string{"X1", "a.1", "x1"}},
		{iltod.StationQuery{Area: "UB-BZD.2"}, []string{"0201", "a.1"}},
		{iltod.StationQuery{Area: "UB", After: "x1"}, nil},
		{iltod.StationQuery{After: "0200"}, []string{"0201", "9-SEOUL", "SBD.9", "UB-R", "UB2.1", "UB2.2", "X1", "a.1", "x1"}},
		{iltod.StationQuery{After: "UB2.2", Limit: 1}, []string{"X1"}},
		{iltod.StationQuery{After: "~"}, nil},
	} {
		t.Run(fmt.Sprintf("%s after %q limit %d", tc.q.Area, tc.q.After, tc.q.Limit), func(t *testing.T) {
			equalList(t, "codes", query(t, tc.q), tc.want)
		})
	}
	t.Run("every area", func(t *testing.T) {
		for _, a := range p.Areas {
			equalList(t, "Stations in "+a.Code, query(t, iltod.StationQuery{Area: a.Code}), within(a.Code))
		}
	})
	t.Run("synthetic areas at each level", func(t *testing.T) {
		q := synth.Package(2000, 4)
		create(t, s, q, false)
		ix := iltod.NewAreaIndex(q.Areas)
		byLevel := map[iltod.Level][]string{}
		for _, a := range q.Areas {
			byLevel[a.Level] = append(byLevel[a.Level], a.Code)
		}
		for _, level := range iltod.Levels {
			codes := byLevel[level]
			// The first, a middle and the last area of the level.
			for _, code := range []string{codes[0], codes[len(codes)/2], codes[len(codes)-1]} {
				var want []string
				for _, st := range sortedStations(q.Stations) {
					if ix.Within(st.Area, code) {
						want = append(want, st.Code)
					}
				}
				got, err := s.Stations(ctx, q.Election.ID, iltod.StationQuery{Area: code, Limit: iltod.MaxStationLimit})
				if err != nil {
					t.Fatalf("Stations(%s): %v", code, err)
				}
				if len(want) == 0 {
					t.Fatalf("test data: no station in %s %s", level, code)
				}
				equalList(t, fmt.Sprintf("Stations in %s %s", level, code), stationCodes(got), want)
			}
		}
	})
}

// paginate reads every page of q and checks each page's size against the limit.
func paginate(t *testing.T, s iltod.Store, election string, q iltod.StationQuery, total int) []iltod.Station {
	t.Helper()
	limit := q.EffectiveLimit()
	var all []iltod.Station
	for pages := 0; ; pages++ {
		if pages > total/limit+2 {
			t.Fatalf("%+v: more pages than %d stations allow; pagination does not advance", q, total)
		}
		page, err := s.Stations(t.Context(), election, q)
		if err != nil {
			t.Fatalf("Stations(%+v): %v", q, err)
		}
		if len(page) > limit {
			t.Fatalf("Stations(%+v) returned %d stations, more than the limit %d", q, len(page), limit)
		}
		all = append(all, page...)
		if len(page) < limit {
			if len(page) == 0 && len(all) > 0 && len(all)%limit != 0 {
				t.Errorf("%+v: an empty page after a short one", q)
			}
			return all
		}
		q.After = page[len(page)-1].Code
	}
}

func testPagination(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	// More stations than MaxStationLimit, so that the clamp can be seen.
	p := synth.Package(iltod.MaxStationLimit+321, 3)
	create(t, s, p, false)
	id := p.Election.ID
	want := sortedStations(p.Stations)

	for _, tc := range []struct {
		limit int
		all   bool // read every page, not only the first
	}{{0, true}, {-1, false}, {1, false}, {999, true}, {iltod.MaxStationLimit + 1, true}, {1 << 30, false}} {
		t.Run(fmt.Sprintf("limit %d", tc.limit), func(t *testing.T) {
			q := iltod.StationQuery{Limit: tc.limit}
			first, err := s.Stations(ctx, id, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(first) != q.EffectiveLimit() {
				t.Errorf("the first page holds %d stations, want %d", len(first), q.EffectiveLimit())
			}
			equal(t, "the first page", stationCodes(first), stationCodes(want[:len(first)]))
			if !tc.all {
				return
			}
			all := paginate(t, s, id, q, len(want))
			seen := map[string]bool{}
			for _, st := range all {
				if seen[st.Code] {
					t.Fatalf("station %s is returned twice", st.Code)
				}
				seen[st.Code] = true
			}
			if equal(t, "codes of all pages", stationCodes(all), stationCodes(want)) && tc.limit == 0 {
				equal(t, "stations of all pages", all, want)
			}
		})
	}
	t.Run("within an area", func(t *testing.T) {
		ix := iltod.NewAreaIndex(p.Areas)
		for _, tc := range []struct {
			area  string
			limit int
		}{{p.Areas[1].Code, 0}, {p.Areas[1].Code, 333}, {p.Areas[2].Code, 7}, {p.Areas[3].Code, 1}} {
			var in []string
			for _, st := range want {
				if ix.Within(st.Area, tc.area) {
					in = append(in, st.Code)
				}
			}
			all := paginate(t, s, id, iltod.StationQuery{Area: tc.area, Limit: tc.limit}, len(in))
			equal(t, fmt.Sprintf("pages of %s by %d", tc.area, tc.limit), stationCodes(all), in)
		}
	})
	t.Run("after", func(t *testing.T) {
		// After need not name a station: it is a position in code order.
		mid := want[len(want)/2].Code
		between := mid[:len(mid)-1] // a prefix sorts just before mid
		got, err := s.Stations(ctx, id, iltod.StationQuery{After: between, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(want, func(st iltod.Station) bool { return st.Code > between })
		equal(t, "after "+between, stationCodes(got), stationCodes(want[i:i+3]))
		got, err = s.Stations(ctx, id, iltod.StationQuery{After: want[len(want)-1].Code})
		if err != nil || len(got) != 0 {
			t.Errorf("after the last station: %d stations, %v; want none", len(got), err)
		}
	})
}

func testFormVersions(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	p := Fixture("mn")
	create(t, s, p, false)
	version := func(code string, v int) iltod.Form {
		for _, f := range p.Forms {
			if f.Code == code && f.Version == v {
				return f
			}
		}
		t.Fatalf("the fixture has no form %s v%d", code, v)
		return iltod.Form{}
	}
	for _, tc := range []struct {
		code       string
		ask, found int
	}{
		{"OPEN", 0, 2}, {"OPEN", 1, 1}, {"OPEN", 2, 2}, {"RES", 0, 1}, {"RES", 1, 1}, {"INC", 0, 1},
	} {
		got, err := s.Form(ctx, "mn", tc.code, tc.ask)
		if err != nil {
			t.Errorf("Form(%s, %d): %v", tc.code, tc.ask, err)
			continue
		}
		equal(t, fmt.Sprintf("Form(%s, %d)", tc.code, tc.ask), got, version(tc.code, tc.found))
	}
	for _, tc := range []struct {
		code    string
		version int
	}{{"OPEN", 3}, {"OPEN", -1}, {"RES", 2}, {"NOPE", 0}, {"NOPE", 1}, {"open", 0}} {
		_, err := s.Form(ctx, "mn", tc.code, tc.version)
		wantCode(t, fmt.Sprintf("Form(%s, %d)", tc.code, tc.version), err, iltod.ENotFound)
	}
	forms, err := s.Forms(ctx, "mn")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range forms {
		got = append(got, fmt.Sprintf("%s/%d", f.Code, f.Version))
	}
	equal(t, "Forms order", got, []string{"INC/1", "OPEN/1", "OPEN/2", "RES/1"})
}

func testNotFound(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	create(t, s, Fixture("mn"), false)
	for _, tc := range []struct {
		name    string
		missing string // what the message must name
		call    func() error
	}{
		// An unknown election, for every method.
		{"Election", "nope", func() error { _, err := s.Election(ctx, "nope"); return err }},
		{"Summary", "nope", func() error { _, err := s.Summary(ctx, "nope"); return err }},
		{"Areas", "nope", func() error { _, err := s.Areas(ctx, "nope"); return err }},
		{"Area", "nope", func() error { _, err := s.Area(ctx, "nope", "MN"); return err }},
		{"Stations", "nope", func() error { _, err := s.Stations(ctx, "nope", iltod.StationQuery{}); return err }},
		{"Stations in area", "nope", func() error { _, err := s.Stations(ctx, "nope", iltod.StationQuery{Area: "MN"}); return err }},
		{"Station", "nope", func() error { _, err := s.Station(ctx, "nope", "0101"); return err }},
		{"Contests", "nope", func() error { _, err := s.Contests(ctx, "nope"); return err }},
		{"Contest", "nope", func() error { _, err := s.Contest(ctx, "nope", "C01"); return err }},
		{"Forms", "nope", func() error { _, err := s.Forms(ctx, "nope"); return err }},
		{"Form", "nope", func() error { _, err := s.Form(ctx, "nope", "OPEN", 0); return err }},
		{"Observers", "nope", func() error { _, err := s.Observers(ctx, "nope"); return err }},
		{"Observer", "nope", func() error { _, err := s.Observer(ctx, "nope", "101"); return err }},
		{"DeleteElection", "nope", func() error { return s.DeleteElection(ctx, "nope") }},
		// An unknown record in a known election, including codes of another kind of record.
		{"Area unknown", "UB3", func() error { _, err := s.Area(ctx, "mn", "UB3"); return err }},
		{"Area named by a station code", "0101", func() error { _, err := s.Area(ctx, "mn", "0101"); return err }},
		{"Area by case", "ub", func() error { _, err := s.Area(ctx, "mn", "ub"); return err }},
		{"Stations in an unknown area", "UB3", func() error { _, err := s.Stations(ctx, "mn", iltod.StationQuery{Area: "UB3"}); return err }},
		{"Stations in a station", "0101", func() error { _, err := s.Stations(ctx, "mn", iltod.StationQuery{Area: "0101"}); return err }},
		{"Station unknown", "0102", func() error { _, err := s.Station(ctx, "mn", "0102"); return err }},
		{"Station named by an area code", "UB", func() error { _, err := s.Station(ctx, "mn", "UB"); return err }},
		{"Contest unknown", "C03", func() error { _, err := s.Contest(ctx, "mn", "C03"); return err }},
		{"Observer unknown", "102", func() error { _, err := s.Observer(ctx, "mn", "102"); return err }},
		{"Observer without leading zero", "42", func() error { _, err := s.Observer(ctx, "mn", "42"); return err }},
		{"Form unknown", "CLOSE", func() error { _, err := s.Form(ctx, "mn", "CLOSE", 0); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			wantCode(t, tc.name, err, iltod.ENotFound)
			if msg := iltod.ErrorMessageOf(err); err != nil && !strings.Contains(msg, tc.missing) {
				t.Errorf("the message %q does not name %q", msg, tc.missing)
			}
		})
	}
}

func testConflict(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	p := Fixture("mn")
	create(t, s, p, false)
	other := synth.Package(40, 1)
	other.Election.ID = "mn"
	err := s.CreateElection(ctx, other, false)
	wantCode(t, "CreateElection of an existing id", err, iltod.EConflict)
	if msg := iltod.ErrorMessageOf(err); !strings.Contains(msg, "mn") {
		t.Errorf("the message %q does not name the election", msg)
	}
	equal(t, "the stored election after a conflict", load(t, s, "mn"), expected(Fixture("mn")))
}

func testReplace(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	create(t, s, Fixture("keep"), false)
	create(t, s, Fixture("mn"), false)
	next := synth.Package(300, 5)
	next.Election.ID = "mn"
	create(t, s, next, true)

	equal(t, "the replaced election", load(t, s, "mn"), expected(next))
	sum, err := s.Summary(ctx, "mn")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "Summary of the replaced election", sum, next.Summarize())
	for _, f := range []func() error{
		func() error { _, err := s.Station(ctx, "mn", "0101"); return err },
		func() error { _, err := s.Area(ctx, "mn", "UB"); return err },
		func() error { _, err := s.Contest(ctx, "mn", "C02"); return err },
		func() error { _, err := s.Observer(ctx, "mn", "101"); return err },
	} {
		wantCode(t, "a record of the old election", f(), iltod.ENotFound)
	}
	equal(t, "another election", load(t, s, "keep"), expected(Fixture("keep")))
	es, err := s.Elections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "Elections", es, []iltod.Election{Fixture("keep").Election, next.Election})

	// Replacing an election that does not exist simply creates it.
	create(t, s, Fixture("fresh"), true)
	equal(t, "an election created with replace", load(t, s, "fresh"), expected(Fixture("fresh")))
}

// corruptions break a valid package in ways Validate would have caught, after the
// validation, so that the store fails partway through storing it.
var corruptions = []struct {
	name  string
	apply func(p *iltod.Package)
}{
	{"duplicate station", func(p *iltod.Package) { p.Stations = append(p.Stations, p.Stations[0]) }},
	{"duplicate area", func(p *iltod.Package) { p.Areas = append(p.Areas, p.Areas[len(p.Areas)-1]) }},
	{"duplicate contest", func(p *iltod.Package) { p.Contests = append(p.Contests, p.Contests[0]) }},
	{"duplicate observer", func(p *iltod.Package) { p.Observers = append(p.Observers, p.Observers[len(p.Observers)-1]) }},
	{"duplicate form version", func(p *iltod.Package) { p.Forms = append(p.Forms, p.Forms[0]) }},
}

func testAtomicity(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	create(t, s, Fixture("other"), false)
	create(t, s, Fixture("old"), false)
	for _, c := range corruptions {
		for _, tc := range []struct {
			id      string
			replace bool
			code    iltod.ErrorCode
		}{
			{"new", false, iltod.EInternal},
			{"new", true, iltod.EInternal},
			{"old", true, iltod.EInternal},
			{"old", false, iltod.EConflict},
		} {
			t.Run(fmt.Sprintf("%s into %s replace=%v", c.name, tc.id, tc.replace), func(t *testing.T) {
				before := takeSnapshot(t, s)
				p := synth.Package(300, 6)
				p.Election.ID = tc.id
				if err := p.Validate(); err != nil {
					t.Fatal(err)
				}
				c.apply(p)
				err := s.CreateElection(ctx, p, tc.replace)
				wantCode(t, "CreateElection of a broken package", err, tc.code)
				if msg := strings.ToLower(iltod.ErrorMessageOf(err)); tc.code == iltod.EInternal &&
					(strings.Contains(msg, "unique") || strings.Contains(msg, "constraint") || strings.Contains(msg, "duplicate")) {
					t.Errorf("the caller-safe message %q shows the database's error", msg)
				}
				equal(t, "the store after a failed CreateElection", takeSnapshot(t, s), before)
			})
		}
	}
	equal(t, "the old election at the end", load(t, s, "old"), expected(Fixture("old")))
}

func testCancelled(t *testing.T, s iltod.Store) {
	create(t, s, Fixture("old"), false)
	before := takeSnapshot(t, s)
	t.Run("before the call", func(t *testing.T) {
		for _, id := range []string{"old", "new"} {
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			p := synth.Package(200, 7)
			p.Election.ID = id
			if err := s.CreateElection(ctx, p, true); err == nil {
				t.Errorf("CreateElection(%s) with a cancelled context succeeded", id)
			}
			equal(t, "the store after a cancelled CreateElection", takeSnapshot(t, s), before)
		}
	})
	t.Run("during the call", func(t *testing.T) {
		// Cancel a large load part of the way through. Whether the store notices in
		// time depends on the machine, so either outcome is allowed, but not a mixture.
		p := synth.Package(20_000, 8)
		p.Election.ID = "old"
		ctx, cancel := context.WithCancel(t.Context())
		timer := time.AfterFunc(50*time.Millisecond, cancel)
		defer timer.Stop()
		err := s.CreateElection(ctx, p, true)
		cancel()
		after := takeSnapshot(t, s)
		if err != nil {
			t.Logf("cancelled in time: %v", err)
			equal(t, "the store after a cancelled CreateElection", after, before)
			return
		}
		t.Logf("the load finished before the cancellation")
		equal(t, "the store after a completed CreateElection", after.Packages["old"], expected(p))
	})
}

func testDelete(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	create(t, s, Fixture("a"), false)
	create(t, s, Fixture("b"), false)
	if err := s.DeleteElection(ctx, "a"); err != nil {
		t.Fatalf("DeleteElection: %v", err)
	}
	for name, f := range map[string]func() error{
		"Election":  func() error { _, err := s.Election(ctx, "a"); return err },
		"Summary":   func() error { _, err := s.Summary(ctx, "a"); return err },
		"Areas":     func() error { _, err := s.Areas(ctx, "a"); return err },
		"Area":      func() error { _, err := s.Area(ctx, "a", "UB"); return err },
		"Stations":  func() error { _, err := s.Stations(ctx, "a", iltod.StationQuery{Area: "UB"}); return err },
		"Station":   func() error { _, err := s.Station(ctx, "a", "0101"); return err },
		"Contests":  func() error { _, err := s.Contests(ctx, "a"); return err },
		"Contest":   func() error { _, err := s.Contest(ctx, "a", "C01"); return err },
		"Observers": func() error { _, err := s.Observers(ctx, "a"); return err },
		"Observer":  func() error { _, err := s.Observer(ctx, "a", "101"); return err },
		"Forms":     func() error { _, err := s.Forms(ctx, "a"); return err },
		"Form":      func() error { _, err := s.Form(ctx, "a", "OPEN", 0); return err },
		"again":     func() error { return s.DeleteElection(ctx, "a") },
	} {
		wantCode(t, name+" after DeleteElection", f(), iltod.ENotFound)
	}
	equal(t, "the other election", load(t, s, "b"), expected(Fixture("b")))
	es, err := s.Elections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "Elections", es, []iltod.Election{Fixture("b").Election})

	// Nothing of the deleted election is left behind: a new election with the same id
	// holds exactly its own records.
	p := synth.Package(100, 9)
	p.Election.ID = "a"
	create(t, s, p, false)
	equal(t, "a new election with the deleted id", load(t, s, "a"), expected(p))
	sum, err := s.Summary(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "its Summary", sum, p.Summarize())
}

func testTwoElections(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	a, b := Fixture("a"), Fixture("b")
	// The same codes with different content.
	b.Election.Name = iltod.Text{"en": "B"}
	for i := range b.Stations {
		b.Stations[i].Registered = i + 1
		b.Stations[i].Name = iltod.Text{"en": "B " + b.Stations[i].Code}
	}
	b.Areas[1].Name = iltod.Text{"en": "B region"}
	b.Observers = b.Observers[:1]
	b.Observers[0].Name = "B supervisor"
	b.Forms = b.Forms[:1]
	b.Forms[0].Name = iltod.Text{"en": "B results"}
	b.Contests[0].Name = iltod.Text{"en": "B constituency"}
	// A station of b moves to another area, which a's stations must not follow.
	b.Stations[0].Area = "OCV"
	create(t, s, a, false)
	create(t, s, b, false)

	equal(t, "a", load(t, s, "a"), expected(a))
	equal(t, "b", load(t, s, "b"), expected(b))
	for _, p := range []*iltod.Package{a, b} {
		id := p.Election.ID
		area, err := s.Area(ctx, id, p.Areas[1].Code)
		if err == nil {
			equal(t, "Area of "+id, area, p.Areas[1])
		}
		st, err2 := s.Station(ctx, id, p.Stations[0].Code)
		if err2 == nil {
			equal(t, "Station of "+id, st, p.Stations[0])
		}
		o, err3 := s.Observer(ctx, id, p.Observers[0].Code)
		if err3 == nil {
			equal(t, "Observer of "+id, o, p.Observers[0])
		}
		f, err4 := s.Form(ctx, id, p.Forms[0].Code, 0)
		if err4 == nil {
			equal(t, "Form of "+id, f, p.Forms[0])
		}
		c, err5 := s.Contest(ctx, id, p.Contests[0].Code)
		if err5 == nil {
			equal(t, "Contest of "+id, c, p.Contests[0])
		}
		if err := errors.Join(err, err2, err3, err4, err5); err != nil {
			t.Errorf("a record of %s: %v", id, err)
		}
	}
	for _, tc := range []struct {
		p    *iltod.Package
		area string
	}{{a, "UB"}, {b, "UB"}, {a, "OCV"}, {b, "OCV"}} {
		ix := iltod.NewAreaIndex(tc.p.Areas)
		var want []iltod.Station
		for _, st := range sortedStations(tc.p.Stations) {
			if ix.Within(st.Area, tc.area) {
				want = append(want, st)
			}
		}
		got, err := s.Stations(ctx, tc.p.Election.ID, iltod.StationQuery{Area: tc.area})
		if err != nil {
			t.Fatal(err)
		}
		equal(t, fmt.Sprintf("stations of %s in %s", tc.p.Election.ID, tc.area), got, want)
	}
	for _, p := range []*iltod.Package{a, b} {
		sum, err := s.Summary(ctx, p.Election.ID)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "Summary of "+p.Election.ID, sum, p.Summarize())
	}
	// Replacing and deleting one leaves the other alone.
	create(t, s, b, true)
	if err := s.DeleteElection(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	equal(t, "a after b is replaced and deleted", load(t, s, "a"), expected(a))
}

func testConcurrentReaders(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	old := Fixture("mn")
	create(t, s, old, false)
	next := synth.Package(1000, 10)
	next.Election.ID = "mn"
	big := synth.Package(2000, 11)
	sumOld, sumNext, sumBig := old.Summarize(), next.Summarize(), big.Summarize()

	var done atomic.Bool
	var reads atomic.Int64
	var wg sync.WaitGroup
	readers := 4
	for r := range readers {
		wg.Go(func() {
			for i := 0; !done.Load() || i < 3; i++ {
				sum, err := s.Summary(ctx, "mn")
				if err != nil {
					t.Errorf("reader %d: Summary(mn): %v", r, err)
					return
				}
				if !reflect.DeepEqual(sum, sumOld) && !reflect.DeepEqual(sum, sumNext) {
					t.Errorf("reader %d: Summary(mn) = %+v, neither the old nor the new election", r, sum)
					return
				}
				sum, err = s.Summary(ctx, big.Election.ID)
				switch {
				case iltod.ErrorCodeOf(err) == iltod.ENotFound:
				case err != nil:
					t.Errorf("reader %d: Summary(%s): %v", r, big.Election.ID, err)
					return
				case !reflect.DeepEqual(sum, sumBig):
					t.Errorf("reader %d: Summary of an election being loaded = %+v, want all of it or nothing", r, sum)
					return
				}
				ss, err := s.Stations(ctx, big.Election.ID, iltod.StationQuery{Limit: iltod.MaxStationLimit})
				switch {
				case iltod.ErrorCodeOf(err) == iltod.ENotFound:
				case err != nil:
					t.Errorf("reader %d: Stations(%s): %v", r, big.Election.ID, err)
					return
				case len(ss) != len(big.Stations):
					t.Errorf("reader %d: %d stations of an election being loaded, want all %d or none", r, len(ss), len(big.Stations))
					return
				}
				es, err := s.Elections(ctx)
				if err != nil || len(es) < 1 || len(es) > 2 {
					t.Errorf("reader %d: Elections = %d, %v", r, len(es), err)
					return
				}
				reads.Add(1)
			}
		})
	}
	writeErr := func() error {
		if err := s.CreateElection(ctx, big, false); err != nil {
			return fmt.Errorf("create: %w", err)
		}
		if err := s.CreateElection(ctx, next, true); err != nil {
			return fmt.Errorf("replace: %w", err)
		}
		if err := s.DeleteElection(ctx, big.Election.ID); err != nil {
			return fmt.Errorf("delete: %w", err)
		}
		return nil
	}()
	done.Store(true)
	wg.Wait()
	if writeErr != nil {
		t.Fatalf("writer: %v", writeErr)
	}
	if reads.Load() < int64(readers) {
		t.Errorf("only %d reads completed", reads.Load())
	}
	t.Logf("%d reads during the writes", reads.Load())
	equal(t, "the election after the writes", load(t, s, "mn"), expected(next))
}

func testSummary(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	p := Fixture("mn")
	create(t, s, p, false)
	sum, err := s.Summary(ctx, "mn")
	if err != nil {
		t.Fatal(err)
	}
	// Counted by hand from Fixture.
	equal(t, "Summary of the fixture", sum, iltod.Summary{
		Areas: 10, Stations: 11, Registered: 1_006_113, Contests: 4, Observers: 4, Forms: 4,
		ByLevel:  map[iltod.Level]int{iltod.LevelCountry: 1, iltod.LevelRegion: 3, iltod.LevelDistrict: 3, iltod.LevelSubdistrict: 3},
		BySystem: map[string]int{"block": 1, "fptp": 1, "list_pr": 1, "two_round": 1},
	})
	equal(t, "Summary and Summarize", sum, p.Summarize())

	q := synth.Package(2500, 12)
	create(t, s, q, false)
	sum, err = s.Summary(ctx, q.Election.ID)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "Summary of a synthetic election", sum, q.Summarize())
}
