package pvt_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/iltod/iltod/stats/pvt"
)

// benchContest returns k reporting stations of an 8-choice contest in 50 strata, every
// stratum a tenth sampled, the vote counts in one backing array.
func benchContest(k int) ([]pvt.Station, pvt.Design) {
	const C, H = 8, 50
	rng := rand.New(rand.NewPCG(uint64(k), 8))
	labels := make([]string, H)
	d := pvt.Design{Strata: map[string]int{}, Sampled: map[string]int{}}
	for h := range labels {
		labels[h] = fmt.Sprintf("region-%02d", h)
	}
	votes := make([]float64, C*k)
	stations := make([]pvt.Station, k)
	for i := range stations {
		h := labels[i*H/k] // stations grouped by stratum, as a sample usually is
		d.Strata[h] += 10
		d.Sampled[h]++
		reg := float64(300 + rng.IntN(1500))
		cast := float64(int(reg * (0.5 + 0.4*rng.Float64())))
		v := votes[i*C : (i+1)*C]
		var valid float64
		for j := range v {
			v[j] = float64(rng.IntN(int(cast)/(j+2) + 1))
			valid += v[j]
		}
		stations[i] = pvt.Station{Stratum: h, Votes: v, Valid: valid, Cast: cast, Registered: reg}
	}
	return stations, d
}

// BenchmarkAnalyze times a whole contest's PVT (8 shares, the margin, turnout, and the
// runoff share with its calls) over 100,000 and 1,000,000 reporting stations.
func BenchmarkAnalyze(b *testing.B) {
	for _, k := range []int{100_000, 1_000_000} {
		stations, d := benchContest(k)
		b.Run(fmt.Sprintf("stations=%d", k), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := pvt.Analyze(stations, d, pvt.Options{Majority: 0.5}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRatio times one ratio (one share) from units, including the conversion a caller
// would do, over 100,000 and 1,000,000 stations.
func BenchmarkRatio(b *testing.B) {
	for _, k := range []int{100_000, 1_000_000} {
		stations, d := benchContest(k)
		units := make([]pvt.Unit, k)
		b.Run(fmt.Sprintf("stations=%d", k), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for i := range stations {
					s := &stations[i]
					units[i] = pvt.Unit{Stratum: s.Stratum, Num: s.Votes[0], Den: s.Valid}
				}
				if _, err := pvt.Ratio(units, d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDraw times drawing a stratified sample of 10,000 from a frame of 1,000,000
// stations in 1,000 strata.
func BenchmarkDraw(b *testing.B) {
	frame := make([]pvt.FrameStation, 1_000_000)
	for i := range frame {
		frame[i] = pvt.FrameStation{Code: fmt.Sprintf("%07d", i), Stratum: fmt.Sprintf("s%03d", i/1000)}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := pvt.Draw(frame, pvt.DrawOptions{Size: 10_000, Seed: 1, Reserves: 5}); err != nil {
			b.Fatal(err)
		}
	}
}
