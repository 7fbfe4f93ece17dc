package electionpkg_test

import (
	"reflect"
	"testing"

	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/internal/synth"
)

// BenchmarkRead100k reads a written package of 100,000 stations from disk: parsing and
// validation, the part of "iltod load" that comes before the store.
func BenchmarkRead100k(b *testing.B) {
	p := synth.Package(100_000, 1)
	dir := b.TempDir()
	if err := electionpkg.Write(dir, p); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		q, err := electionpkg.ReadDir(dir)
		if err != nil {
			b.Fatal(err)
		}
		if len(q.Stations) != 100_000 {
			b.Fatalf("read %d stations", len(q.Stations))
		}
	}
	b.ReportMetric(float64(b.N*100_000)/b.Elapsed().Seconds(), "stations/s")
}

// TestSynthRoundTrip writes and reads back a synthetic election with every feature the
// generator uses (several tiers, two form versions, supervisors).
func TestSynthRoundTrip(t *testing.T) {
	p := synth.Package(3_000, 7)
	dir := t.TempDir()
	if err := electionpkg.Write(dir, p); err != nil {
		t.Fatal(err)
	}
	q, err := electionpkg.ReadDir(dir)
	if err != nil {
		t.Fatalf("a written synthetic package does not read back: %v", err)
	}
	if !reflect.DeepEqual(p, q) {
		t.Errorf("the synthetic election changed in a write and read")
	}
}
