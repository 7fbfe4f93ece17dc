package forensics

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
)

var benchData = struct {
	sync.Mutex
	m map[int][]Station
}{m: map[int][]Station{}}

// benchStations returns n simulated stations, the same for every benchmark.
func benchStations(n int) []Station {
	benchData.Lock()
	defer benchData.Unlock()
	if st, ok := benchData.m[n]; ok {
		return st
	}
	st := simElection(rand.New(rand.NewPCG(2026, uint64(n))), n)
	benchData.m[n] = st
	return st
}

// BenchmarkIntegerExact times the exact null of the integer-percentage test.
func BenchmarkIntegerExact(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("stations=%d", n), func(b *testing.B) {
			st := benchStations(n)
			b.ResetTimer()
			for b.Loop() {
				IntegerPercentages(st)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/station")
		})
	}
}

// BenchmarkIntegerMC times the Monte Carlo null with 1,000 replications on the same data.
func BenchmarkIntegerMC(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("stations=%d/replications=1000", n), func(b *testing.B) {
			st := benchStations(n)
			b.ResetTimer()
			for b.Loop() {
				IntegerPercentagesMC(st, 1000, 1)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/station")
		})
	}
}
