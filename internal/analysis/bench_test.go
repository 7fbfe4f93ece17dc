package analysis

import (
	"fmt"
	"os"
	"reflect"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/iltod/iltod"

	"github.com/iltod/iltod/internal/simulate"
	"github.com/iltod/iltod/internal/synth"
	"github.com/iltod/iltod/stats/forensics"
	"github.com/iltod/iltod/stats/pvt"
)

// BenchmarkRun is the full analysis of a generated election: PVT for every contest at every
// area level, the comparison of observers' and official results, every forensic screen and
// the seat projection. Building the election and its results is not timed.
//
//	go test -run '^$' -bench Run -benchtime 3x ./internal/analysis
func BenchmarkRun(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("stations=%d", n), func(b *testing.B) {
			f := newFixture(b, n)
			in := Input{
				Election: f.x,
				Sample:   f.sample(b, min(n/10, 10_000), 1),
				Observed: f.obs,
				Official: f.official(b, simulate.Tampering{Contest: synth.ContestList, Region: "ZZ-03", Share: 0.01}),
			}
			b.ResetTimer()
			for b.Loop() {
				r, err := Run(in, Options{Levels: -1})
				if err != nil {
					b.Fatal(err)
				}
				if len(r.Contests) == 0 {
					b.Fatal("no contests")
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "stations/s")
		})
	}
}

// BenchmarkPrepare is the step before Run that the app does once per refresh of its
// inputs: indexing observers' and official results (two million station results and
// area totals for a million stations).
func BenchmarkPrepare(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("stations=%d", n), func(b *testing.B) {
			f := newFixture(b, n)
			obs := f.truth.StationResults()
			off, err := simulate.Official(f.p, f.truth, simulate.Tampering{})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if _, err := f.x.Prepare(obs); err != nil {
					b.Fatal(err)
				}
				if _, err := f.x.Prepare(off); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkIntegerExactVsMC compares the integer-percentage test's exact expectation with
// a Monte Carlo of 1,000 replications on the same stations (the list contest's official
// results of a 100,000-station election).
func BenchmarkIntegerExactVsMC(b *testing.B) {
	f := newFixture(b, 100_000)
	in := Input{Election: f.x, Official: f.official(b, simulate.Tampering{})}
	r, err := Run(in, Options{Contest: synth.ContestList, NoForensics: true})
	if err != nil {
		b.Fatal(err)
	}
	_ = r
	official := in.Official.src
	c := f.x.contestIndex(synth.ContestList)
	members := make([]int, len(f.x.voters[c]))
	for i := range members {
		members[i] = i
	}
	var stations []forensics.Station
	for _, pos := range members {
		t := official.at(c, pos)
		stations = append(stations, forensics.Station{Registered: int(t.figures[fRegistered]), Issued: int(t.figures[fIssued]), Found: int(t.cast()), Leader: int(t.votes[0])})
	}
	b.Run("exact", func(b *testing.B) {
		for b.Loop() {
			forensics.IntegerPercentages(stations)
		}
	})
	b.Run("mc1000", func(b *testing.B) {
		for b.Loop() {
			forensics.IntegerPercentagesMC(stations, 1000, 1)
		}
	})
}

// BenchmarkLive measures what a live analysis costs after 1,000 new reports against a
// full analysis of the same data, in the same run, on a synthetic election of 1,000,000
// stations with a PVT sample of 10,000 and an official release: every area of every
// level, the comparison, every screen and the seats. It prints incremental/full, the
// median time of an update (1,000 SetObserved and a Report) over the median time of Run,
// and checks that the live report after the last update equals Run's field by field.
//
//	go test -run '^$' -bench Live -benchtime 1x ./internal/analysis
func BenchmarkLive(b *testing.B) {
	const batch, batches, fulls = 1_000, 5, 3
	n := 1_000_000
	if s, err := strconv.Atoi(os.Getenv("ILTOD_BENCH_STATIONS")); err == nil && s >= 10*batches*batch {
		n = s // a smaller election, to try the benchmark out
	}
	p := synth.Package(n, 7)
	x, err := NewElection(p.Election, p.Areas, p.Stations, p.Contests)
	if err != nil {
		b.Fatal(err)
	}
	truth := simulate.Truth(p, 7)
	var tampered []string
	for i := 0; i < n; i += 997 {
		tampered = append(tampered, p.Stations[i].Code)
	}
	// One source at a time, so that the raw results of both never coexist.
	off, err := simulate.Official(p, truth, simulate.Tampering{Contest: synth.ContestList, Stations: tampered, Moved: 30, Region: "ZZ-03", Share: 0.01})
	if err != nil {
		b.Fatal(err)
	}
	official, err := x.Prepare(off)
	if err != nil {
		b.Fatal(err)
	}
	off = nil
	all := truth.StationResults()
	truth = nil
	// Withhold batches of 1,000 stations' reports, spread over the election: each timed
	// update brings one batch in.
	withheld := map[string]int{}
	for i := range batches * batch {
		withheld[p.Stations[(i*7919)%n].Code] = i / batch
	}
	news := make([]map[string][]iltod.StationResult, batches)
	for i := range news {
		news[i] = map[string][]iltod.StationResult{}
	}
	var reported []iltod.StationResult
	for _, r := range all {
		if k, ok := withheld[r.Station]; ok {
			news[k][r.Station] = append(news[k][r.Station], r)
		} else {
			reported = append(reported, r)
		}
	}
	// The observers' results after the last batch, for Run; then the raw results can go.
	final, err := x.Prepare(all)
	if err != nil {
		b.Fatal(err)
	}
	all = nil
	d, err := x.Draw(string(iltod.LevelRegion), pvt.DrawOptions{Size: 10_000, Seed: 1, Reserves: 2})
	if err != nil {
		b.Fatal(err)
	}
	sample, err := x.Place(d)
	if err != nil {
		b.Fatal(err)
	}
	obs, err := x.Prepare(reported)
	if err != nil {
		b.Fatal(err)
	}
	opt := Options{Levels: -1}
	live, err := NewLive(Input{Election: x, Sample: sample, Observed: obs, Official: official, Release: &iltod.OfficialRelease{Version: 1}})
	if err != nil {
		b.Fatal(err)
	}
	view, err := live.View(opt)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := view.Report(); err != nil { // the screens are built on the first report
		b.Fatal(err)
	}
	obs, reported = nil, nil
	runtime.GC()
	b.ResetTimer()
	var incremental []time.Duration
	// ILTOD_LIVE_PROFILE names a file for the CPU profile of the updates alone.
	if name := os.Getenv("ILTOD_LIVE_PROFILE"); name != "" {
		pf, err := os.Create(name)
		if err != nil {
			b.Fatal(err)
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			b.Fatal(err)
		}
		defer pf.Close()
	}
	for k := range batches {
		start := time.Now()
		for st, rs := range news[k] {
			if err := live.SetObserved(st, rs); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := view.Report(); err != nil {
			b.Fatal(err)
		}
		incremental = append(incremental, time.Since(start))
	}
	pprof.StopCPUProfile()
	in := Input{Election: x, Sample: sample, Observed: final, Official: official, Release: &iltod.OfficialRelease{Version: 1}}
	var full []time.Duration
	var want *Report
	for range fulls {
		runtime.GC()
		start := time.Now()
		if want, err = Run(in, opt); err != nil {
			b.Fatal(err)
		}
		full = append(full, time.Since(start))
	}
	b.StopTimer()
	got, err := view.Report()
	if err != nil {
		b.Fatal(err)
	}
	if diff := firstDifference(reflect.ValueOf(got), reflect.ValueOf(want), "Report"); diff != "" {
		b.Fatalf("the live report differs from the full analysis: %s", diff)
	}
	slices.Sort(incremental)
	slices.Sort(full)
	inc, all1 := incremental[len(incremental)/2], full[len(full)/2]
	ratio := inc.Seconds() / all1.Seconds()
	fmt.Printf("updates of %d reports %v; full analyses %v\nincremental/full = %.4f (median update %v, median full %v)\n", batch, incremental, full, ratio, inc, all1)
	b.ReportMetric(ratio, "incremental/full")
	b.ReportMetric(inc.Seconds()*1000, "ms/update")
	b.ReportMetric(all1.Seconds()*1000, "ms/full")
}
