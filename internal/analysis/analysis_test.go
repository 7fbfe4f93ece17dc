package analysis

import (
	"encoding/json"
	"slices"
	"sync"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/simulate"
	"github.com/iltod/iltod/internal/synth"
	"github.com/iltod/iltod/stats/pvt"
)

// fixture is a synthetic election with its true results, shared by the tests.
type fixture struct {
	p     *iltod.Package
	truth *simulate.Results
	x     *Election
	obs   *Results
}

var (
	fixtures   = map[int]*fixture{}
	fixturesMu sync.Mutex
)

func newFixture(t testing.TB, stations int) *fixture {
	fixturesMu.Lock()
	defer fixturesMu.Unlock()
	if f, ok := fixtures[stations]; ok {
		return f
	}
	p := synth.Package(stations, 7)
	truth := simulate.Truth(p, 7)
	x, err := NewElection(p.Election, p.Areas, p.Stations, p.Contests)
	if err != nil {
		t.Fatal(err)
	}
	obs, err := x.Prepare(truth.StationResults())
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{p: p, truth: truth, x: x, obs: obs}
	fixtures[stations] = f
	return f
}

func (f *fixture) sample(t testing.TB, size int, seed uint64) *Sample {
	d, err := f.x.Draw(string(iltod.LevelRegion), pvt.DrawOptions{Size: size, Seed: seed, Reserves: 2})
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.x.Place(d)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (f *fixture) official(t testing.TB, tm simulate.Tampering) *Results {
	off, err := simulate.Official(f.p, f.truth, tm)
	if err != nil {
		t.Fatal(err)
	}
	r, err := f.x.Prepare(off)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func contest(t *testing.T, r *Report, code string) *ContestReport {
	t.Helper()
	for i := range r.Contests {
		if r.Contests[i].Contest == code {
			return &r.Contests[i]
		}
	}
	t.Fatalf("no contest %s in report", code)
	return nil
}

func areaOf(t *testing.T, c *ContestReport, code string) *AreaReport {
	t.Helper()
	for i := range c.Areas {
		if c.Areas[i].Area == code {
			return &c.Areas[i]
		}
	}
	t.Fatalf("contest %s: no area %s", c.Contest, code)
	return nil
}

// TestHonestElection: with true official results, every PVT interval at the national
// level covers the true share, observers and officials match exactly everywhere, and no
// comparison test fires.
func TestHonestElection(t *testing.T) {
	f := newFixture(t, 20_000)
	r, err := Run(Input{Election: f.x, Sample: f.sample(t, 3000, 11), Observed: f.obs, Official: f.official(t, simulate.Tampering{})}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Contests) != len(f.p.Contests) {
		t.Fatalf("%d contests reported, want %d", len(r.Contests), len(f.p.Contests))
	}
	estimates, misses := 0, 0
	for _, c := range r.Contests {
		top := c.Areas[0]
		if top.PVT == nil {
			t.Fatalf("%s: no PVT: %s", c.Contest, top.PVTError)
		}
		truth := f.truth.Total(c.Contest)
		for k, code := range c.Choices {
			share := float64(truth.Votes[code]) / float64(truth.Valid)
			e := top.PVT.Shares[k]
			estimates++
			if share < e.Low95 || share > e.High95 {
				misses++
				t.Logf("%s/%s: true share %.4f outside the 95%% interval [%.4f, %.4f]", c.Contest, code, share, e.Low95, e.High95)
			}
			if got := top.Official.Shares[k]; abs(got-share) > 1e-12 {
				t.Errorf("%s/%s: official share %.6f, truth %.6f", c.Contest, code, got, share)
			}
		}
		if top.Official.Source != "published" {
			t.Errorf("%s: official figures from %q, want the published national total", c.Contest, top.Official.Source)
		}
		for _, a := range c.Areas {
			cmp := a.Comparison
			if cmp == nil {
				t.Fatalf("%s/%s: no comparison", c.Contest, a.Area)
			}
			if cmp.Match.Exact != cmp.Match.Stations || cmp.Match.Stations != a.Stations {
				t.Errorf("%s/%s: %d of %d stations match exactly, of %d", c.Contest, a.Area, cmp.Match.Exact, cmp.Match.Stations, a.Stations)
			}
			if cmp.Verdict == pvt.Inconsistent {
				t.Errorf("%s/%s: comparison fires on honest results: %s", c.Contest, a.Area, cmp.Note)
			}
		}
		if c.Forensics == nil || c.Forensics.Stations != top.Stations {
			t.Errorf("%s: forensics missing or incomplete", c.Contest)
		}
	}
	// 95% intervals miss 5% of the time; more than 10% + 2 of about 60 is a bug.
	if misses > estimates/10+2 {
		t.Errorf("%d of %d 95%% intervals miss the truth", misses, estimates)
	}
	if len(r.Bodies) != 1 || r.Bodies[0].Official == nil || r.Bodies[0].PVT == nil {
		t.Fatalf("bodies: %+v", r.Bodies)
	}
	b := r.Bodies[0]
	for party, seats := range b.Official.Parties {
		if seats < b.PVT.Low[party] || seats > b.PVT.High[party] {
			t.Errorf("party %q: %d official seats outside the projection's range %d–%d", party, seats, b.PVT.Low[party], b.PVT.High[party])
		}
	}
}

// TestTamperingFound: a few stations changed after the count and one region's total
// changed in collation are each found, where they are, and nowhere else.
func TestTamperingFound(t *testing.T) {
	f := newFixture(t, 20_000)
	tampered := []string{f.p.Stations[10].Code, f.p.Stations[5000].Code, f.p.Stations[17000].Code}
	region := "ZZ-03"
	off := f.official(t, simulate.Tampering{Contest: synth.ContestList, Stations: tampered, Moved: 40, Region: region, Share: 0.03})
	r, err := Run(Input{Election: f.x, Sample: f.sample(t, 3000, 11), Observed: f.obs, Official: off}, Options{Contest: synth.ContestList})
	if err != nil {
		t.Fatal(err)
	}
	c := contest(t, r, synth.ContestList)
	top := c.Areas[0]
	var worst []string
	for _, d := range top.Comparison.Match.Worst {
		worst = append(worst, d.Station)
	}
	slices.Sort(worst)
	want := slices.Sorted(slices.Values(tampered))
	if !slices.Equal(worst, want) {
		t.Errorf("flagged stations %v, want %v", worst, want)
	}
	for _, a := range c.Areas[1:] {
		got := a.Comparison.Verdict == pvt.Inconsistent
		if got != (a.Area == region) {
			t.Errorf("region %s: verdict %s (z of leader's collation test: %v)", a.Area, a.Comparison.Verdict, collationZ(a))
		}
	}
	reg := areaOf(t, c, region)
	collationOnly := false
	for _, ct := range reg.Comparison.Choices {
		if ct.Diagnosis != nil && ct.Diagnosis.Verdict == pvt.Inconsistent && ct.Paired.Verdict == pvt.Consistent && ct.Collation.Verdict == pvt.Inconsistent {
			collationOnly = true
		}
	}
	if !collationOnly {
		t.Errorf("region %s: no choice diagnosed as a collation problem: %+v", region, reg.Comparison.Choices)
	}
}

// TestCollationOnePercent: 1% of the national vote moved in collation is found by the
// collation test at 3,000 sampled stations, and the paired test stays quiet (the station
// results are true).
func TestCollationOnePercent(t *testing.T) {
	f := newFixture(t, 20_000)
	off := f.official(t, simulate.Tampering{Contest: synth.ContestList, Region: synth.Country, Share: 0.01})
	r, err := Run(Input{Election: f.x, Sample: f.sample(t, 3000, 5), Observed: f.obs, Official: off}, Options{Contest: synth.ContestList, Levels: 0})
	if err != nil {
		t.Fatal(err)
	}
	top := contest(t, r, synth.ContestList).Areas[0]
	if top.Comparison.Verdict != pvt.Inconsistent {
		t.Fatalf("1%% moved in collation not found: %s", top.Comparison.Note)
	}
	for _, ct := range top.Comparison.Choices {
		if ct.Paired.Verdict != pvt.Consistent {
			t.Errorf("%s: paired test fires on true station results: %s", ct.Choice, ct.Paired.Note["en"])
		}
	}
}

func collationZ(a AreaReport) []float64 {
	var z []float64
	for _, ct := range a.Comparison.Choices {
		if ct.Collation != nil {
			z = append(z, ct.Collation.Z)
		}
	}
	return z
}

// TestAreaScope: analysing one area gives the same figures for it as the whole-election
// run's row for that area, and refuses unknown areas and contests.
func TestAreaScope(t *testing.T) {
	f := newFixture(t, 20_000)
	in := Input{Election: f.x, Sample: f.sample(t, 3000, 11), Observed: f.obs, Official: f.official(t, simulate.Tampering{})}
	all, err := Run(in, Options{Contest: synth.ContestList, NoForensics: true})
	if err != nil {
		t.Fatal(err)
	}
	one, err := Run(in, Options{Area: "ZZ-02", Contest: synth.ContestList, NoForensics: true})
	if err != nil {
		t.Fatal(err)
	}
	a, b := *areaOf(t, contest(t, all, synth.ContestList), "ZZ-02"), contest(t, one, synth.ContestList).Areas[0]
	// The comparison's critical value differs by design: in the whole run the region
	// shares its false-alarm rate with the other regions.
	if a.Comparison.Tests <= b.Comparison.Tests {
		t.Errorf("region tests share alpha among %d tests in the whole run, %d alone", a.Comparison.Tests, b.Comparison.Tests)
	}
	ma, _ := json.Marshal(a.Comparison.Match)
	mb, _ := json.Marshal(b.Comparison.Match)
	if string(ma) != string(mb) {
		t.Errorf("matches differ:\n%s\n%s", ma, mb)
	}
	a.Comparison, b.Comparison = nil, nil
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Errorf("area ZZ-02 differs between the whole run and its own:\n%s\n%s", ja, jb)
	}
	if len(contest(t, one, synth.ContestList).Areas) < 2 {
		t.Error("no districts below ZZ-02")
	}
	if _, err := Run(in, Options{Area: "nowhere"}); iltod.ErrorCodeOf(err) != iltod.ENotFound {
		t.Errorf("unknown area: %v", err)
	}
	if _, err := Run(in, Options{Contest: "nothing"}); iltod.ErrorCodeOf(err) != iltod.ENotFound {
		t.Errorf("unknown contest: %v", err)
	}
}

// TestSampleMustFit: a sample drawn from another election's frame is refused, and so are
// results and samples prepared for another election.
func TestSampleMustFit(t *testing.T) {
	f := newFixture(t, 20_000)
	g := newFixture(t, 2_000)
	s := g.sample(t, 200, 1)
	if _, err := f.x.Place(s.Doc()); iltod.ErrorCodeOf(err) != iltod.EInvalid {
		t.Fatalf("foreign sample: %v", err)
	}
	if _, err := Run(Input{Election: f.x, Sample: s}, Options{}); err == nil {
		t.Fatal("a sample placed on another election was used")
	}
	if _, err := Run(Input{Election: f.x, Observed: g.obs}, Options{}); err == nil {
		t.Fatal("results prepared for another election were used")
	}
	if _, err := f.x.Prepare([]iltod.StationResult{{Station: "nowhere", Contest: synth.ContestList, Votes: map[string]int{}}}); err == nil {
		t.Fatal("a result for an unknown station was prepared")
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
