package analysis

import (
	"slices"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/simulate"
)

// TestMixedBodyProjection makes the synthetic election's list tier compensate for its
// constituency tier (mixed-member proportional) and checks that the official allocation
// and the PVT projection are of the whole body: each party's seats add up over the tiers,
// the body's size is its seats plus the overhang, and the projection's range, found by
// re-allocating the whole body, holds the official seats on honest results.
func TestMixedBodyProjection(t *testing.T) {
	f := newFixture(t, 20_000)
	contests := slices.Clone(f.p.Contests)
	mixed := false
	for i := range contests {
		if contests[i].System.Kind == iltod.ListPR && contests[i].Body != "" {
			contests[i].System.Mixed = iltod.MixedMMP
			contests[i].System.Method = iltod.SainteLague
			mixed = true
		}
	}
	if !mixed {
		t.Skip("the synthetic election has no list tier")
	}
	x, err := NewElection(f.p.Election, f.p.Areas, f.p.Stations, contests)
	if err != nil {
		t.Fatal(err)
	}
	obs, err := x.Prepare(f.truth.StationResults())
	if err != nil {
		t.Fatal(err)
	}
	off, err := simulate.Official(f.p, f.truth, simulate.Tampering{})
	if err != nil {
		t.Fatal(err)
	}
	official, err := x.Prepare(off)
	if err != nil {
		t.Fatal(err)
	}
	d := &fixture{p: f.p, truth: f.truth, x: x, obs: obs}
	r, err := Run(Input{Election: x, Sample: d.sample(t, 3000, 11), Observed: obs, Official: official}, Options{NoForensics: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Bodies) != 1 || r.Bodies[0].Official == nil || r.Bodies[0].PVT == nil {
		t.Fatalf("bodies: %+v", r.Bodies)
	}
	b := r.Bodies[0]
	for _, o := range []*SeatOutcome{b.Official, b.PVT} {
		total, over := 0, 0
		for _, n := range o.Parties {
			total += n
		}
		for _, n := range o.Overhang {
			over += n
		}
		if o.Size != b.Seats+over || total != o.Size-o.Unfilled {
			t.Errorf("size %d, overhang %d, seats %d, unfilled %d, parties add up to %d", o.Size, over, b.Seats, o.Unfilled, total)
		}
		for party, n := range o.Parties {
			sum := 0
			for _, tier := range o.Tiers {
				sum += tier[party]
			}
			if sum != n {
				t.Errorf("party %q: %d seats, %d over the tiers", party, n, sum)
			}
		}
	}
	for party, seats := range b.Official.Parties {
		if seats < b.PVT.Low[party] || seats > b.PVT.High[party] {
			t.Errorf("party %q: %d official seats outside the projection's range %d–%d", party, seats, b.PVT.Low[party], b.PVT.High[party])
		}
	}
	t.Logf("official %v (overhang %v), projected %v, range %v–%v", b.Official.Parties, b.Official.Overhang, b.PVT.Parties, b.PVT.Low, b.PVT.High)
}
