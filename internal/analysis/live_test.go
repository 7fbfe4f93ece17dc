package analysis

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/simulate"
	"github.com/iltod/iltod/internal/synth"
)

// liveWorld is the data a live analysis is fed, kept as plain results so that the full
// analysis can be run on the same data from scratch.
type liveWorld struct {
	f        *fixture
	rng      *rand.Rand
	observed map[string][]iltod.StationResult // station → its observers' results
	official map[string][]iltod.StationResult // station → its official results
	totals   []iltod.StationResult            // area totals of the release
	release  *iltod.OfficialRelease
	version  int
}

func byStation(results []iltod.StationResult) (map[string][]iltod.StationResult, []iltod.StationResult) {
	m := map[string][]iltod.StationResult{}
	var totals []iltod.StationResult
	for _, r := range results {
		if r.Area != "" {
			totals = append(totals, r)
			continue
		}
		m[r.Station] = append(m[r.Station], r)
	}
	return m, totals
}

func flatten(m map[string][]iltod.StationResult, extra []iltod.StationResult) []iltod.StationResult {
	var out []iltod.StationResult
	for _, st := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[st]...)
	}
	return append(out, extra...)
}

// full runs the whole analysis on the world's data from scratch.
func (w *liveWorld) full(t testing.TB, sample *Sample, opt Options) *Report {
	t.Helper()
	obs, err := w.f.x.Prepare(flatten(w.observed, nil))
	if err != nil {
		t.Fatal(err)
	}
	in := Input{Election: w.f.x, Sample: sample, Observed: obs, Release: w.release}
	if w.release != nil {
		if in.Official, err = w.f.x.Prepare(flatten(w.official, w.totals)); err != nil {
			t.Fatal(err)
		}
	}
	r, err := Run(in, opt)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// perturbed returns results with each count moved by a few, some votes moved between
// choices: a corrected or tampered result.
func (w *liveWorld) perturbed(rs []iltod.StationResult) []iltod.StationResult {
	out := make([]iltod.StationResult, len(rs))
	for i, r := range rs {
		r.Votes = maps.Clone(r.Votes)
		r.Counts = maps.Clone(r.Counts)
		for _, ch := range slices.Sorted(maps.Keys(r.Votes)) {
			if w.rng.IntN(3) == 0 {
				r.Votes[ch] = max(0, r.Votes[ch]+w.rng.IntN(41)-20)
			}
		}
		out[i] = r
	}
	return out
}

// TestLiveEqualsRun: a live analysis fed random batches of new reports, corrections
// (superseded reports), withdrawn results, changed official station results and whole
// new releases reports, after every batch, exactly what the full analysis of the same
// data from scratch reports, field by field, in five views (kinds of Options) of the same
// results, one of them opened midway.
func TestLiveEqualsRun(t *testing.T) {
	f := newFixture(t, 3000)
	sample := f.sample(t, 400, 5)
	truth := f.truth.StationResults()
	var region string
	for _, a := range f.x.Areas {
		if a.Level == iltod.LevelRegion {
			region = a.Code
		}
	}
	tampered := func(seed int) []iltod.StationResult {
		var stations []string
		for i := seed; i < len(f.p.Stations); i += 37 {
			stations = append(stations, f.p.Stations[i].Code)
		}
		off, err := simulate.Official(f.p, f.truth, simulate.Tampering{Contest: synth.ContestList, Stations: stations, Moved: 15 + seed, Region: region, Share: 0.01 * float64(seed%3)})
		if err != nil {
			t.Fatal(err)
		}
		return off
	}
	root := f.x.Root()
	var district string
	for _, a := range f.x.Areas {
		if a.Level == iltod.LevelDistrict {
			district = a.Code
			break
		}
	}
	views := []struct {
		name string
		opt  Options
	}{
		{"whole", Options{Levels: -1}},
		{"tolerance", Options{Levels: 2, Tolerance: 3, Worst: 5}},
		{"contest", Options{Contest: synth.ContestList, MonteCarlo: 20, Seed: 3}},
		{"district", Options{Area: district, Levels: -1}},
		{"no-forensics", Options{Area: root, NoForensics: true, MinSampled: 3}},
	}
	w := &liveWorld{f: f, rng: rand.New(rand.NewPCG(11, 12))}
	all, _ := byStation(truth)
	// Start with a third of the stations reported and no release.
	w.observed = map[string][]iltod.StationResult{}
	for st, rs := range all {
		if w.rng.IntN(3) == 0 {
			w.observed[st] = rs
		}
	}
	obs, err := f.x.Prepare(flatten(w.observed, nil))
	if err != nil {
		t.Fatal(err)
	}
	live, err := NewLive(Input{Election: f.x, Sample: sample, Observed: obs})
	if err != nil {
		t.Fatal(err)
	}
	check := func(step string, opened int) {
		t.Helper()
		for _, vc := range views[:opened] {
			v, err := live.View(vc.opt)
			if err != nil {
				t.Fatal(err)
			}
			got, err := v.Report()
			if err != nil {
				t.Fatal(err)
			}
			want := w.full(t, sample, vc.opt)
			if diff := firstDifference(reflect.ValueOf(got), reflect.ValueOf(want), "Report"); diff != "" {
				t.Fatalf("%s, view %s: live report differs from the full analysis: %s", step, vc.name, diff)
			}
		}
	}
	// Four views from the start; the last one opens after the first release.
	check("start", 4)
	codes := slices.Sorted(maps.Keys(all))
	changed := 0
	for batch := range 12 {
		if batch == 3 || batch == 8 {
			// The first release, then a new one that replaces it.
			w.version++
			w.official, w.totals = byStation(tampered(batch))
			w.release = &iltod.OfficialRelease{Election: f.p.Election.ID, Version: w.version}
			off, err := f.x.Prepare(flatten(w.official, w.totals))
			if err != nil {
				t.Fatal(err)
			}
			if err := live.SetRelease(w.release, off); err != nil {
				t.Fatal(err)
			}
		}
		for range 60 {
			st := codes[w.rng.IntN(len(codes))]
			switch r := w.rng.IntN(10); {
			case r < 5: // a new report, or the same station's again
				w.observed[st] = all[st]
			case r < 7: // a correction supersedes the station's results
				w.observed[st] = w.perturbed(all[st])
			case r < 8: // rejected: the station's results are withdrawn
				delete(w.observed, st)
			default: // the officials change a station's published results
				if w.release == nil {
					continue
				}
				w.official[st] = w.perturbed(all[st])
				if err := live.SetOfficial(st, w.official[st]); err != nil {
					t.Fatal(err)
				}
				changed++
				continue
			}
			if err := live.SetObserved(st, w.observed[st]); err != nil {
				t.Fatal(err)
			}
			changed++
		}
		opened := 4
		if batch >= 3 {
			opened = 5
		}
		check(fmt.Sprintf("batch %d", batch), opened)
	}
	if changed < 500 {
		t.Fatalf("only %d changes", changed)
	}
	if live.Views() != len(views) {
		t.Errorf("%d views kept, want %d", live.Views(), len(views))
	}
	// The data exercise what matters: estimates, comparisons that flag stations, the
	// screens and the seats.
	v, _ := live.View(views[0].opt)
	rep, _ := v.Report()
	top := rep.Contests[0].Areas[0]
	if top.PVT == nil || top.Comparison == nil || top.Comparison.Match.Flagged == 0 || len(top.Comparison.Match.Worst) == 0 {
		t.Errorf("the last report has no estimate or no flagged comparison: %+v", top)
	}
	if rep.Contests[0].Forensics == nil || rep.Contests[0].Forensics.Integer.Stations == 0 {
		t.Error("the last report has no screens")
	}
	if len(rep.Bodies) == 0 || rep.Bodies[0].Official == nil {
		t.Error("the last report projects no seats")
	}
}

// TestLiveRefusesBadResults: an invalid result changes nothing.
func TestLiveRefusesBadResults(t *testing.T) {
	f := newFixture(t, 3000)
	live, err := NewLive(Input{Election: f.x, Observed: f.obs})
	if err != nil {
		t.Fatal(err)
	}
	v, err := live.View(Options{})
	if err != nil {
		t.Fatal(err)
	}
	before, _ := v.Report()
	st := f.p.Stations[0].Code
	good, _ := byStation(f.truth.StationResults())
	bad := slices.Clone(good[st])
	bad = append(bad, iltod.StationResult{Station: st, Contest: "no-such-contest"})
	for _, rs := range [][]iltod.StationResult{
		bad,
		{{Station: f.p.Stations[1].Code, Contest: good[st][0].Contest}},
		{{Station: st, Contest: good[st][0].Contest, Votes: map[string]int{"no-such-choice": 3}}},
		append(slices.Clone(good[st]), good[st][0]),
	} {
		if err := live.SetObserved(st, rs); err == nil {
			t.Errorf("results %v accepted", rs)
		}
	}
	if err := live.SetObserved("no-such-station", nil); err == nil {
		t.Error("an unknown station accepted")
	}
	if err := live.SetOfficial(st, nil); err == nil {
		t.Error("an official change without a release accepted")
	}
	after, _ := v.Report()
	if diff := firstDifference(reflect.ValueOf(after), reflect.ValueOf(before), "Report"); diff != "" {
		t.Errorf("refused results changed the report: %s", diff)
	}
}

// firstDifference compares a and b field by field, NaN equal to NaN, and names the first
// field that differs, or returns "".
func firstDifference(a, b reflect.Value, path string) string {
	if a.IsValid() != b.IsValid() {
		return path + ": one is missing"
	}
	if !a.IsValid() {
		return ""
	}
	if a.Type() != b.Type() {
		return fmt.Sprintf("%s: types %s and %s", path, a.Type(), b.Type())
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return path + ": one is nil"
			}
			return ""
		}
		return firstDifference(a.Elem(), b.Elem(), path)
	case reflect.Struct:
		for i := range a.NumField() {
			if d := firstDifference(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); d != "" {
				return d
			}
		}
		return ""
	case reflect.Slice:
		if a.IsNil() != b.IsNil() {
			return fmt.Sprintf("%s: one is nil (%d and %d long)", path, a.Len(), b.Len())
		}
		fallthrough
	case reflect.Array:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: lengths %d and %d", path, a.Len(), b.Len())
		}
		for i := range a.Len() {
			if d := firstDifference(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
		return ""
	case reflect.Map:
		if a.IsNil() != b.IsNil() {
			return path + ": one map is nil"
		}
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: %d and %d keys", path, a.Len(), b.Len())
		}
		for _, k := range a.MapKeys() {
			if d := firstDifference(a.MapIndex(k), b.MapIndex(k), fmt.Sprintf("%s[%v]", path, k)); d != "" {
				return d
			}
		}
		return ""
	case reflect.Float32, reflect.Float64:
		x, y := a.Float(), b.Float()
		if x != y && !(x != x && y != y) {
			return fmt.Sprintf("%s: %v and %v", path, x, y)
		}
		return ""
	default:
		if a.CanInterface() && b.CanInterface() {
			if !reflect.DeepEqual(a.Interface(), b.Interface()) {
				return fmt.Sprintf("%s: %v and %v", path, a.Interface(), b.Interface())
			}
			return ""
		}
		if fmt.Sprint(a) != fmt.Sprint(b) {
			return fmt.Sprintf("%s: %v and %v", path, a, b)
		}
		return ""
	}
}

// TestLiveLeaderChange: when a change of results hands the lead to another choice, every
// station's screens read the new leader, and the live report still equals Run's.
func TestLiveLeaderChange(t *testing.T) {
	f := newFixture(t, 3000)
	w := &liveWorld{f: f}
	w.observed, _ = byStation(f.truth.StationResults())
	obs, err := f.x.Prepare(flatten(w.observed, nil))
	if err != nil {
		t.Fatal(err)
	}
	live, err := NewLive(Input{Election: f.x, Observed: obs})
	if err != nil {
		t.Fatal(err)
	}
	opt := Options{Contest: synth.ContestList}
	v, err := live.View(opt)
	if err != nil {
		t.Fatal(err)
	}
	before, err := v.Report()
	if err != nil {
		t.Fatal(err)
	}
	leader := before.Contests[0].Forensics.Leader
	// Move the leader's votes to another choice at every station.
	for _, st := range slices.Sorted(maps.Keys(w.observed)) {
		rs := slices.Clone(w.observed[st])
		for i, r := range rs {
			if r.Contest != synth.ContestList {
				continue
			}
			r.Votes = maps.Clone(r.Votes)
			for _, ch := range slices.Sorted(maps.Keys(r.Votes)) {
				if ch != leader {
					r.Votes[ch] += r.Votes[leader]
					r.Votes[leader] = 0
					break
				}
			}
			rs[i] = r
		}
		w.observed[st] = rs
		if err := live.SetObserved(st, rs); err != nil {
			t.Fatal(err)
		}
	}
	got, err := v.Report()
	if err != nil {
		t.Fatal(err)
	}
	if got.Contests[0].Forensics.Leader == leader {
		t.Fatalf("the leader is still %s", leader)
	}
	if diff := firstDifference(reflect.ValueOf(got), reflect.ValueOf(w.full(t, nil, opt)), "Report"); diff != "" {
		t.Errorf("after the lead changed hands: %s", diff)
	}
}
