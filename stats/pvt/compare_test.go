package pvt_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/iltod/iltod/stats/pvt"
)

func TestMatch(t *testing.T) {
	pairs := []pvt.Pair{
		{Station: "a", Observed: []float64{10, 20, 30}, Official: []float64{10, 20, 30}},
		{Station: "b", Observed: []float64{10, 20, 30}, Official: []float64{11, 20, 29}}, // D = 2
		{Station: "c", Observed: []float64{10, 20, 30}, Official: []float64{20, 10, 30}}, // D = 20
		{Station: "d", Observed: []float64{}, Official: []float64{}},
	}
	r, err := pvt.Match(pairs, 5)
	if err != nil {
		t.Fatal(err)
	}
	if r.Stations != 4 || r.Exact != 2 || r.ExactRate != 0.5 || r.Flagged != 1 {
		t.Errorf("Match = %+v", r)
	}
	wantD := []float64{0, 2, 20, 0}
	for i, d := range r.Discrepancies {
		if d.D != wantD[i] || d.Station != pairs[i].Station || d.Flagged != (wantD[i] > 5) {
			t.Errorf("station %d: %+v, want D = %v", i, d, wantD[i])
		}
	}
	if _, err := pvt.Match([]pvt.Pair{{Observed: []float64{1}, Official: []float64{1, 2}}}, 0); !errors.Is(err, pvt.ErrInvalid) {
		t.Errorf("ragged pair: %v", err)
	}
	if _, err := pvt.Match(pairs, -1); !errors.Is(err, pvt.ErrInvalid) {
		t.Errorf("negative tolerance: %v", err)
	}
}

// TestPairedHand checks the paired test on a hand example: three sampled stations out of
// 30, d = o − s for field 0 equal to −2, −4, 0 and m = 100, 200, 100:
//
//	D̂ = −6/400 = −0.015; residuals d − D̂m = −0.5, −1, 1.5; Σ² = 3.5; s² = 1.75;
//	Var = (1 − 3/30) · 1.75 / (3 · (400/3)²) = 0.9 · 1.75 · 3 / 160000 = 2.953125e-5
//	SE = 0.0054342…; z = −0.015 / SE = −2.7603…
func TestPairedHand(t *testing.T) {
	pairs := []pvt.Pair{
		{Station: "1", Observed: []float64{50, 50}, Official: []float64{52, 48}, Den: 100},
		{Station: "2", Observed: []float64{90, 110}, Official: []float64{94, 106}, Den: 200},
		{Station: "3", Observed: []float64{70, 30}, Official: []float64{70, 30}, Den: 100},
	}
	p, err := pvt.Paired(pairs, 0, pvt.SRS(30, 3), 0)
	if err != nil {
		t.Fatal(err)
	}
	se := math.Sqrt(2.953125e-5)
	if !near(p.Estimate.Value, -0.015, 1e-15) || !near(p.Estimate.SE, se, 1e-15) || !near(p.Z, -0.015/se, 1e-12) {
		t.Errorf("Paired = %+v, want D̂ = −0.015, SE = %v", p, se)
	}
	if p.Verdict != pvt.Inconsistent || p.Critical != pvt.Z95 {
		t.Errorf("verdict %v at %v", p.Verdict, p.Critical)
	}
	if p99, _ := pvt.Paired(pairs, 0, pvt.SRS(30, 3), pvt.Z99); p99.Verdict != pvt.Inconsistent {
		t.Errorf("at 99%%: %v (|z| = 2.76 > 2.576)", p99.Verdict)
	}
	if p3, _ := pvt.Paired(pairs, 0, pvt.SRS(30, 3), 3); p3.Verdict != pvt.Consistent {
		t.Errorf("at z = 3: %v", p3.Verdict)
	}
	if _, err := pvt.Paired(pairs, 2, pvt.SRS(30, 3), 0); !errors.Is(err, pvt.ErrInvalid) {
		t.Errorf("field out of range: %v", err)
	}
}

func TestPairedEdges(t *testing.T) {
	agree := []pvt.Pair{
		{Observed: []float64{5}, Official: []float64{5}, Den: 5},
		{Observed: []float64{7}, Official: []float64{7}, Den: 7},
	}
	p, err := pvt.Paired(agree, 0, pvt.SRS(10, 2), 0)
	if err != nil || p.Z != 0 || p.Verdict != pvt.Consistent {
		t.Errorf("full agreement: %+v, %v", p, err)
	}
	// Every station observed (a census): no sampling error, any difference is real.
	census := []pvt.Pair{
		{Observed: []float64{5}, Official: []float64{6}, Den: 5},
		{Observed: []float64{7}, Official: []float64{7}, Den: 7},
	}
	p, err = pvt.Paired(census, 0, pvt.SRS(2, 2), 0)
	if err != nil || p.Z != -math.MaxFloat64 || p.Verdict != pvt.Inconsistent {
		t.Errorf("census: %+v, %v", p, err)
	}
}

// TestCollationHand: two strata, official station results of the sample, and a national
// figure. Stratum "u" (N = 20): (a, m) = (30, 100), (50, 100); "r" (N = 10): (60, 100),
// (80, 100). Ŷ = 10·80 + 5·140 = 1500, X̂ = 10·200 + 5·200 = 3000, p̂ = 0.5.
// Residuals d = a − 0.5m: u: −20, 0 (mean −10, s² = 200); r: 10, 30 (mean 20, s² = 200).
// Var = [20²·0.9·200/2 + 10²·0.8·200/2] / 3000² = (36000 + 8000) / 9e6 = 0.0048889;
// SE = 0.0699206. National 0.65: z = 0.15/SE = 2.1453 → inconsistent at 95%, not at 99%.
func TestCollationHand(t *testing.T) {
	units := []pvt.Unit{{"u", 30, 100}, {"u", 50, 100}, {"r", 60, 100}, {"r", 80, 100}}
	d := pvt.Design{Strata: map[string]int{"u": 20, "r": 10}}
	p, err := pvt.Ratio(units, d)
	if err != nil {
		t.Fatal(err)
	}
	c := pvt.Collation(p, 0.65, 0)
	se := math.Sqrt(44000.0 / 9e6)
	if !near(c.Estimate.Value, 0.5, 1e-15) || !near(c.Estimate.SE, se, 1e-15) || !near(c.Z, 0.15/se, 1e-12) || c.Official != 0.65 {
		t.Errorf("Collation = %+v", c)
	}
	if c.Verdict != pvt.Inconsistent || !strings.Contains(c.Note["en"], "collation") {
		t.Errorf("verdict %v, note %q", c.Verdict, c.Note)
	}
	if c99 := pvt.Collation(p, 0.65, pvt.Z99); c99.Verdict != pvt.Consistent {
		t.Errorf("at 99%%: %v", c99.Verdict)
	}
	if c := pvt.Collation(p, math.NaN(), 0); c.Verdict != pvt.Undetermined || c.Z != 0 {
		t.Errorf("NaN national: %+v", c)
	}
}

func TestDiagnose(t *testing.T) {
	ok := pvt.Test{Verdict: pvt.Consistent, Critical: pvt.Z95}
	bad := pvt.Test{Verdict: pvt.Inconsistent, Critical: pvt.Z99}
	for _, c := range []struct {
		paired, collation pvt.Test
		want              pvt.Verdict
		note              string
	}{
		{ok, ok, pvt.Consistent, "no sign of changes"},
		{ok, bad, pvt.Inconsistent, "the problem is in collation, not at the station"},
		{bad, ok, pvt.Inconsistent, "collation itself adds nothing"},
		{bad, bad, pvt.Inconsistent, "both at the stations and at collation"},
		{ok, pvt.Test{Verdict: pvt.Undetermined}, pvt.Undetermined, "could not be run"},
	} {
		d := pvt.Diagnose(c.paired, c.collation)
		if d.Verdict != c.want || !strings.Contains(d.Note["en"], c.note) || d.Choice != -1 {
			t.Errorf("Diagnose(%v, %v) = %+v", c.paired.Verdict, c.collation.Verdict, d)
		}
	}
}
