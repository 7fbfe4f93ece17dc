package storetest

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/iltod/iltod"
)

// totalsTests check the area totals of official releases: the collated totals an
// authority publishes for districts, regions and the country, stored with the station
// results of the same release (see iltod.StationResult). They check the round trip of
// releases that hold both kinds, or either kind only, with the digest a verifier
// recomputes from both; that OfficialQuery returns station results by default and totals
// only with Totals, filtered by contest and by area (the area and those below it) and
// paginated by area; and that totals of an unknown area, of an area in which the contest
// is not voted, or given twice, are refused and change nothing.
var totalsTests = []struct {
	name string
	fn   func(t *testing.T, s iltod.Store)
}{
	{"TotalsRoundTrip", testTotalsRoundTrip},
	{"TotalsVersions", testTotalsVersions},
	{"TotalsQuery", testTotalsQuery},
	{"TotalsInvalid", testTotalsInvalid},
}

// AreaTotals returns plausible collated totals of results, station results of p: for
// every area and every contest of a station result at or below it, the sum of each
// figure over those results (a figure no result gives is absent), capped at
// iltod.MaxResultCount. The totals come in a seeded, shuffled order. Each passes
// iltod.CheckResults: an area above a station that votes in a contest lies at, below or
// above one of the contest's areas.
func AreaTotals(p *iltod.Package, results []iltod.StationResult, seed uint64) []iltod.StationResult {
	areas := iltod.NewAreaIndex(p.Areas)
	areaOf := make(map[string]string, len(p.Stations))
	for _, st := range p.Stations {
		areaOf[st.Code] = st.Area
	}
	type key struct{ area, contest string }
	sums := map[key]*iltod.StationResult{}
	var order []key
	for i := range results {
		r := &results[i]
		if r.IsTotal() {
			continue
		}
		for _, a := range areas.Path(areaOf[r.Station]) {
			k := key{a, r.Contest}
			t := sums[k]
			if t == nil {
				t = &iltod.StationResult{Area: a, Contest: r.Contest, Counts: map[iltod.CountKind]int{}, Votes: map[string]int{}}
				sums[k] = t
				order = append(order, k)
			}
			for c, n := range r.Counts {
				t.Counts[c] = min(t.Counts[c]+n, iltod.MaxResultCount)
			}
			for c, n := range r.Votes {
				t.Votes[c] = min(t.Votes[c]+n, iltod.MaxResultCount)
			}
		}
	}
	out := make([]iltod.StationResult, 0, len(order))
	for _, k := range order {
		out = append(out, *sums[k])
	}
	rng := rand.New(rand.NewPCG(seed, 0x746f74))
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// split returns the station results and the area totals of rs, each sorted as a store
// returns them.
func split(rs []iltod.StationResult) (stations, totals []iltod.StationResult) {
	for _, r := range sortedResults(rs) {
		if r.IsTotal() {
			totals = append(totals, r)
		} else {
			stations = append(stations, r)
		}
	}
	return stations, totals
}

// mixed returns the station results of p for seed and their area totals, one of which
// the authority changed at collation, shuffled together.
func mixed(p *iltod.Package, seed uint64) []iltod.StationResult {
	stations := StationResults(p, seed)
	totals := AreaTotals(p, stations, seed)
	for c := range totals[0].Votes {
		totals[0].Votes[c] += 7 // a total is kept as published, whatever the stations add up to
		break
	}
	all := append(stations, totals...)
	rng := rand.New(rand.NewPCG(seed, 0x6d6978))
	rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	return all
}

// wantTotalsRelease returns r as the store must return it after importing rs, station
// results and area totals, as version with event seq.
func wantTotalsRelease(t *testing.T, r iltod.OfficialRelease, rs []iltod.StationResult, version int, seq uint64) iltod.OfficialRelease {
	t.Helper()
	w := wantRelease(t, r, rs, version, seq)
	stations, totals := split(rs)
	w.Results, w.Totals = len(stations), len(totals)
	return w
}

// totalsState is what a store holds of an election's official results, totals included.
type totalsState struct {
	Official officialState
	Totals   [][]iltod.StationResult
}

func takeTotals(t *testing.T, s iltod.Store, election string) totalsState {
	t.Helper()
	st := totalsState{Official: takeOfficial(t, s, election)}
	for _, r := range st.Official.Releases {
		st.Totals = append(st.Totals, officialResults(t, s, election, r.Version, iltod.OfficialQuery{Totals: true}))
	}
	return st
}

func testTotalsRoundTrip(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	p := Fixture("mn")
	create(t, s, p, false)
	rs := mixed(p, 1)
	wantStations, wantTotals := split(rs)
	if len(wantTotals) == 0 || len(wantStations) == 0 {
		t.Fatal("the test release lacks station results or totals")
	}
	before := lastSeq(t, s)
	r := release("mn", "General Election Commission, tables 4 and 5")
	got, err := s.ImportOfficial(ctx, r, rs, importEvent("results.csv"))
	if err != nil {
		t.Fatalf("ImportOfficial: %v", err)
	}
	want := wantTotalsRelease(t, r, rs, 1, before+1)
	equal(t, "the release ImportOfficial returns", got, want)
	equal(t, "OfficialReleases", releases(t, s, "mn"), []iltod.OfficialRelease{want})
	// The store must have copied what it keeps.
	for i := range rs {
		if rs[i].IsTotal() {
			rs[i].Votes["scribbled"] = 1
			break
		}
	}
	stations := officialResults(t, s, "mn", 0, iltod.OfficialQuery{})
	equal(t, "OfficialResults: station results by default", stations, wantStations)
	totals := officialResults(t, s, "mn", 0, iltod.OfficialQuery{Totals: true})
	equal(t, "OfficialResults with Totals", totals, wantTotals)
	equal(t, "OfficialResults of version 1 with Totals", officialResults(t, s, "mn", 1, iltod.OfficialQuery{Totals: true}), wantTotals)

	t.Run("event", func(t *testing.T) {
		e, err := s.Event(ctx, want.Seq)
		if err != nil {
			t.Fatal(err)
		}
		if e.Hash != want.Hash || e.Kind != iltod.EventImport || e.Subject != "official/1" {
			t.Errorf("the import event is %+v; want kind import, subject official/1 and hash %x", e, want.Hash)
		}
	})
	t.Run("verifiable", func(t *testing.T) {
		// The digest covers the totals: a verifier reads both kinds and recomputes it.
		doc, err := iltod.MarshalOfficial(releases(t, s, "mn")[0], append(slices.Clone(stations), totals...))
		if err != nil {
			t.Fatal(err)
		}
		if h := sha256.Sum256(doc); h != want.Hash {
			t.Errorf("the digest of the release as read back is %x, want %x", h, want.Hash)
		}
		if h, _ := iltod.OfficialDigest(want, stations); h == want.Hash {
			t.Error("the digest of the station results alone is the release's: it does not cover the totals")
		}
	})
	t.Run("caller owns results", func(t *testing.T) {
		totals[0].Votes["scribbled"] = 7
		totals[0].Counts[iltod.CountCast] = 1
		equal(t, "OfficialResults with Totals after changing returned values",
			officialResults(t, s, "mn", 0, iltod.OfficialQuery{Totals: true}), wantTotals)
	})
	t.Run("totals only", func(t *testing.T) {
		// An authority may publish only collated totals: a release of totals alone is one.
		_, only := split(mixed(p, 2))
		r := release("mn", "regional totals only")
		got := importOfficial(t, s, r, only)
		want := wantTotalsRelease(t, r, only, 2, before+2)
		equal(t, "the release of totals only", got, want)
		equalList(t, "its station results", officialResults(t, s, "mn", 2, iltod.OfficialQuery{}), nil)
		equal(t, "its totals", officialResults(t, s, "mn", 2, iltod.OfficialQuery{Totals: true}), only)
	})
}

func testTotalsVersions(t *testing.T, s iltod.Store) {
	p := Fixture("mn")
	create(t, s, p, false)
	v1 := mixed(p, 1)
	v2, _ := split(mixed(p, 2)) // station results only
	_, v3 := split(mixed(p, 3)) // totals only
	v3 = v3[:3]
	base := lastSeq(t, s)
	var want []iltod.OfficialRelease
	for i, rs := range [][]iltod.StationResult{v1, v2, v3} {
		r := release("mn", fmt.Sprintf("release %d", i+1))
		got := importOfficial(t, s, r, rs)
		w := wantTotalsRelease(t, r, rs, i+1, base+uint64(i)+1)
		equal(t, fmt.Sprintf("release %d", i+1), got, w)
		want = append(want, w)
	}
	if want[1].Totals != 0 || want[2].Results != 0 || want[2].Totals != 3 {
		t.Errorf("releases count %d/%d and %d/%d results/totals; want 0 totals in version 2, 0 results and 3 totals in version 3",
			want[1].Results, want[1].Totals, want[2].Results, want[2].Totals)
	}
	equal(t, "OfficialReleases", releases(t, s, "mn"), want)
	for i, rs := range [][]iltod.StationResult{v1, v2, v3} {
		stations, totals := split(rs)
		equalList(t, fmt.Sprintf("station results of version %d", i+1), officialResults(t, s, "mn", i+1, iltod.OfficialQuery{}), stations)
		equalList(t, fmt.Sprintf("totals of version %d", i+1), officialResults(t, s, "mn", i+1, iltod.OfficialQuery{Totals: true}), totals)
	}
	_, latest := split(v3)
	equal(t, "the totals of the latest release", officialResults(t, s, "mn", 0, iltod.OfficialQuery{Totals: true}), latest)
	_, err := s.OfficialResults(t.Context(), "mn", 4, iltod.OfficialQuery{Totals: true})
	wantCode(t, "OfficialResults of version 4 with Totals", err, iltod.ENotFound)
}

func testTotalsQuery(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	p := Fixture("mn")
	create(t, s, p, false)
	rs := mixed(p, 3)
	importOfficial(t, s, release("mn", "query"), rs)
	stations, all := split(rs)
	ix := iltod.NewAreaIndex(p.Areas)
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
		{"all", iltod.OfficialQuery{Totals: true}, func(iltod.StationResult) bool { return true }},
		{"contest", iltod.OfficialQuery{Totals: true, Contest: "C02"}, func(r iltod.StationResult) bool { return r.Contest == "C02" }},
		// UB2 has UB as a string prefix: its totals are not at or below UB.
		{"area UB", iltod.OfficialQuery{Totals: true, Area: "UB"}, func(r iltod.StationResult) bool { return ix.Within(r.Area, "UB") }},
		{"area UB2", iltod.OfficialQuery{Totals: true, Area: "UB2"}, func(r iltod.StationResult) bool { return ix.Within(r.Area, "UB2") }},
		{"area country", iltod.OfficialQuery{Totals: true, Area: "MN"}, func(iltod.StationResult) bool { return true }},
		{"area and contest", iltod.OfficialQuery{Totals: true, Area: "UB-BZD", Contest: "LIST"}, func(r iltod.StationResult) bool {
			return r.Contest == "LIST" && ix.Within(r.Area, "UB-BZD")
		}},
		{"after", iltod.OfficialQuery{Totals: true, After: "UB-BZD"}, func(r iltod.StationResult) bool { return r.Area > "UB-BZD" }},
		{"station", iltod.OfficialQuery{Totals: true, Station: "0101"}, func(iltod.StationResult) bool { return false }},
		{"unknown contest", iltod.OfficialQuery{Totals: true, Contest: "nope"}, func(iltod.StationResult) bool { return false }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := officialResults(t, s, "mn", 0, tc.q)
			want := filter(tc.keep)
			equalList(t, "OfficialResults", got, want)
			if tc.name == "area UB" && (len(got) == 0 || len(got) == len(all)) {
				t.Error("the test selects nothing, or everything")
			}
		})
	}
	t.Run("stations by default", func(t *testing.T) {
		equal(t, "OfficialResults without Totals", officialResults(t, s, "mn", 0, iltod.OfficialQuery{}), stations)
		for _, r := range officialResults(t, s, "mn", 0, iltod.OfficialQuery{Area: "MN", Contest: "PRES"}) {
			if r.IsTotal() {
				t.Fatalf("OfficialResults without Totals returned the total of area %s", r.Area)
			}
		}
	})
	t.Run("pages", func(t *testing.T) {
		checkPages(t, s, []int{1, 2, 3, 100}, []iltod.OfficialQuery{{Totals: true}, {Totals: true, Contest: "PRES"}, {Totals: true, Area: "UB"}},
			"areas", func(r iltod.StationResult) string { return r.Area })
	})
	t.Run("not found", func(t *testing.T) {
		_, err := s.OfficialResults(ctx, "mn", 0, iltod.OfficialQuery{Totals: true, Area: "nope"})
		wantCode(t, "OfficialResults with Totals of an unknown area", err, iltod.ENotFound)
		_, err = s.OfficialResults(ctx, "nope", 0, iltod.OfficialQuery{Totals: true})
		wantCode(t, "OfficialResults with Totals of an unknown election", err, iltod.ENotFound)
	})
}

func testTotalsInvalid(t *testing.T, s iltod.Store) {
	ctx := t.Context()
	p := Fixture("mn")
	create(t, s, p, false)
	good := sortedResults(mixed(p, 5))
	importOfficial(t, s, release("mn", "good"), good)
	before := takeTotals(t, s, "mn")
	// with returns good with r appended.
	with := func(r iltod.StationResult) []iltod.StationResult {
		return append(sortedResults(good), r)
	}
	last := len(good)
	firstTotal := slices.IndexFunc(good, func(r iltod.StationResult) bool { return r.IsTotal() })
	// changed returns good with its first total changed.
	changed := func(change func(r *iltod.StationResult)) []iltod.StationResult {
		rs := sortedResults(good)
		change(&rs[firstTotal])
		return rs
	}
	for _, tc := range []struct {
		name    string
		results []iltod.StationResult
		index   int    // of the Problem
		field   string // of the Problem
	}{
		{"unknown area", with(iltod.StationResult{Area: "nope", Contest: "PRES", Votes: map[string]int{"P1": 1}}), last, "area"},
		// C01 is voted in UB: UB2 is neither within nor above it.
		{"area outside the contest", with(iltod.StationResult{Area: "UB2", Contest: "C01", Votes: map[string]int{"C01-1": 1}}), last, "contest"},
		// C02 is voted in UB2 and OCV: UB is neither within nor above either.
		{"region outside a constituency", with(iltod.StationResult{Area: "UB", Contest: "C02", Votes: map[string]int{"C02-1": 1}}), last, "contest"},
		{"duplicate", with(good[firstTotal].Clone()), last, ""},
		{"unknown choice", changed(func(r *iltod.StationResult) { r.Votes["C99-1"] = 1 }), firstTotal, "votes.C99-1"},
		{"negative total", changed(func(r *iltod.StationResult) { r.Counts[iltod.CountCast] = -1 }), firstTotal, "counts.cast"},
		{"station and area", with(iltod.StationResult{Station: "0101", Area: "UB", Contest: "PRES", Votes: map[string]int{"P1": 1}}), last, "area"},
		{"a station's code as area", with(iltod.StationResult{Area: "0101", Contest: "PRES", Votes: map[string]int{"P1": 1}}), last, "area"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.ImportOfficial(ctx, release("mn", "x"), tc.results, importEvent("bad"))
			wantCode(t, "ImportOfficial", err, iltod.EInvalid)
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
			equal(t, "the store after a refused import", takeTotals(t, s, "mn"), before)
		})
	}
}
