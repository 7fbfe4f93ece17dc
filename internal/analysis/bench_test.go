package analysis

import (
	"fmt"
	"testing"

	"github.com/iltod/iltod/internal/simulate"
	"github.com/iltod/iltod/internal/synth"
	"github.com/iltod/iltod/stats/forensics"
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
