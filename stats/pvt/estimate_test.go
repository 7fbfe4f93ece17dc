package pvt_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/iltod/iltod/stats/pvt"
)

func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

// handUnits is a tiny stratified sample worked out by hand with REFERENCE §1's formulas:
//
//	stratum A: N_A = 10, n_A = 2: (a, m) = (3, 10), (5, 10)
//	stratum B: N_B = 6,  n_B = 3: (a, m) = (2, 4), (1, 4), (3, 8)
//
//	Ŷ = (10/2)·8 + (6/3)·6 = 52      X̂ = (10/2)·20 + (6/3)·16 = 132     R̂ = 52/132 = 13/33
//	A: d = 3 − 130/33 = −31/33, 5 − 130/33 = 35/33; d̄ = 2/33; deviations −1, +1; s²_A = 2
//	B: d = 14/33, −19/33, −5/33; d̄ = −10/99; deviations 52/99, −47/99, −5/99;
//	   s²_B = (2704 + 2209 + 25)/9801 / 2 = 2469/9801
//	Var = [10²·(1 − 2/10)·2/2 + 6²·(1 − 3/6)·(2469/9801)/3] / 132²
//	    = [80 + 14814/9801] / 17424 = 798894 / 170772624 = 0.0046781151…
//	SE  = 0.0683967481…
var handUnits = []pvt.Unit{
	{Stratum: "A", Num: 3, Den: 10}, {Stratum: "A", Num: 5, Den: 10},
	{Stratum: "B", Num: 2, Den: 4}, {Stratum: "B", Num: 1, Den: 4}, {Stratum: "B", Num: 3, Den: 8},
}

var handDesign = pvt.Design{Strata: map[string]int{"A": 10, "B": 6}, Sampled: map[string]int{"A": 3, "B": 3}}

func TestRatioHandExample(t *testing.T) {
	e, err := pvt.Ratio(handUnits, handDesign)
	if err != nil {
		t.Fatal(err)
	}
	wantR := 13.0 / 33
	wantVar := 798894.0 / 170772624
	if !near(e.Value, wantR, 1e-15) {
		t.Errorf("R̂ = %.17g, want 13/33 = %.17g", e.Value, wantR)
	}
	if !near(e.SE*e.SE, wantVar, 1e-15) {
		t.Errorf("Var = %.17g, want 798894/170772624 = %.17g", e.SE*e.SE, wantVar)
	}
	if !near(e.Low95, wantR-1.96*math.Sqrt(wantVar), 1e-14) || !near(e.High99, wantR+2.576*math.Sqrt(wantVar), 1e-14) {
		t.Errorf("intervals %+v", e)
	}
	if e.Reported != 5 || e.Sampled != 6 {
		t.Errorf("Reported, Sampled = %d, %d, want 5, 6", e.Reported, e.Sampled)
	}
	// Order of the units must not matter.
	rev := slices.Clone(handUnits)
	slices.Reverse(rev)
	e2, err := pvt.Ratio(rev, handDesign)
	if err != nil || !near(e2.Value, e.Value, 1e-15) || !near(e2.SE, e.SE, 1e-15) {
		t.Errorf("reversed units give %+v, %v", e2, err)
	}
}

// bruteRatio recomputes the stratified combined ratio estimator straight from the formula
// of REFERENCE §1, stratum by stratum, with no shared code.
func bruteRatio(units []pvt.Unit, N map[string]int) (r, se float64) {
	by := map[string][]pvt.Unit{}
	for _, u := range units {
		by[u.Stratum] = append(by[u.Stratum], u)
	}
	var Y, X float64
	for h, us := range by {
		w := float64(N[h]) / float64(len(us))
		for _, u := range us {
			Y += w * u.Num
			X += w * u.Den
		}
	}
	r = Y / X
	var v float64
	for h, us := range by {
		n := float64(len(us))
		var dbar float64
		for _, u := range us {
			dbar += (u.Num - r*u.Den) / n
		}
		var s2 float64
		for _, u := range us {
			d := u.Num - r*u.Den - dbar
			s2 += d * d / (n - 1)
		}
		Nh := float64(N[h])
		v += Nh * Nh * (1 - n/Nh) * s2 / n
	}
	return r, math.Sqrt(v / (X * X))
}

func TestRatioMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for trial := range 200 {
		H := 1 + rng.IntN(6)
		N := map[string]int{}
		var units []pvt.Unit
		for h := range H {
			name := string(rune('a' + h))
			n := 2 + rng.IntN(20)
			N[name] = n + rng.IntN(100)
			for range n {
				m := float64(50 + rng.IntN(800))
				units = append(units, pvt.Unit{Stratum: name, Num: math.Floor(m * rng.Float64()), Den: m})
			}
		}
		rng.Shuffle(len(units), func(i, j int) { units[i], units[j] = units[j], units[i] })
		e, err := pvt.Ratio(units, pvt.Design{Strata: N})
		if err != nil {
			t.Fatal(err)
		}
		r, se := bruteRatio(units, N)
		if !near(e.Value, r, 1e-12) || !near(e.SE, se, 1e-12*math.Max(1, se)) {
			t.Fatalf("trial %d: Ratio = %v ± %v, brute force %v ± %v", trial, e.Value, e.SE, r, se)
		}
	}
}

// With one stratum the combined ratio estimator must reduce to REFERENCE §1's SRS formula
// Var(p̂) = (1 − f)/(k m̄²) · Σ(a_i − p̂ m_i)²/(k − 1), f = k/K.
func TestRatioSRSFormula(t *testing.T) {
	units := []pvt.Unit{{Num: 120, Den: 300}, {Num: 80, Den: 310}, {Num: 200, Den: 350}, {Num: 150, Den: 290}}
	const K = 40
	k := float64(len(units))
	var sa, sm float64
	for _, u := range units {
		sa += u.Num
		sm += u.Den
	}
	p, mbar := sa/sm, sm/k
	var ss float64
	for _, u := range units {
		ss += (u.Num - p*u.Den) * (u.Num - p*u.Den)
	}
	want := math.Sqrt((1 - k/K) / (k * mbar * mbar) * ss / (k - 1))
	e, err := pvt.Ratio(units, pvt.SRS(K, 4))
	if err != nil {
		t.Fatal(err)
	}
	if !near(e.Value, p, 1e-15) || !near(e.SE, want, 1e-15) {
		t.Errorf("got %v ± %v, want %v ± %v", e.Value, e.SE, p, want)
	}
}

func TestRatioErrors(t *testing.T) {
	tests := []struct {
		name  string
		units []pvt.Unit
		d     pvt.Design
		thin  bool
	}{
		{"no strata", handUnits, pvt.Design{}, false},
		{"unknown stratum", []pvt.Unit{{Stratum: "Z", Num: 1, Den: 2}}, handDesign, false},
		{"negative den", []pvt.Unit{{Num: 1, Den: -2}, {Num: 1, Den: 2}}, pvt.SRS(10, 2), false},
		{"NaN num", []pvt.Unit{{Num: math.NaN(), Den: 2}, {Num: 1, Den: 2}}, pvt.SRS(10, 2), false},
		{"more units than stations", []pvt.Unit{{Num: 1, Den: 2}, {Num: 1, Den: 2}, {Num: 1, Den: 2}}, pvt.SRS(2, 2), false},
		{"zero denominators", []pvt.Unit{{Num: 0, Den: 0}, {Num: 0, Den: 0}}, pvt.SRS(10, 2), false},
		{"sampled above population", handUnits, pvt.Design{Strata: map[string]int{"A": 10, "B": 6}, Sampled: map[string]int{"A": 11}}, false},
		{"one report", []pvt.Unit{{Num: 1, Den: 2}}, pvt.SRS(10, 5), true},
		{"empty stratum", handUnits, pvt.Design{Strata: map[string]int{"A": 10, "B": 6, "C": 4}}, true},
		{"no units", nil, pvt.SRS(10, 5), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := pvt.Ratio(tt.units, tt.d)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.thin != errors.Is(err, pvt.ErrThinStratum) || tt.thin == errors.Is(err, pvt.ErrInvalid) {
				t.Errorf("error %q: thin = %v, want %v", err, errors.Is(err, pvt.ErrThinStratum), tt.thin)
			}
			var ce *pvt.CoverageError
			if tt.thin && !errors.As(err, &ce) {
				t.Errorf("error %q is not a *CoverageError", err)
			}
		})
	}
}

// A stratum that reported in full needs no second station: it adds no sampling variance.
func TestRatioCensusStratum(t *testing.T) {
	units := append(slices.Clone(handUnits), pvt.Unit{Stratum: "C", Num: 7, Den: 9})
	d := pvt.Design{Strata: map[string]int{"A": 10, "B": 6, "C": 1}}
	e, err := pvt.Ratio(units, d)
	if err != nil {
		t.Fatal(err)
	}
	want := (52.0 + 7) / (132 + 9)
	if !near(e.Value, want, 1e-15) {
		t.Errorf("R̂ = %v, want %v", e.Value, want)
	}
	// By hand: R̂ = 59/141 changes the residuals of B (A's two stations have equal m, so
	// their deviations stay −1, +1): d_B = 46/141, −95/141, −49/141, d̄_B = −98/423,
	// s²_B = 15511/59643; Var = [80 + 36·(1/2)·s²_B/3] / 141² = 1621502/395254161.
	if wantVar := 1621502.0 / 395254161; !near(e.SE*e.SE, wantVar, 1e-15) {
		t.Errorf("Var = %v, want %v", e.SE*e.SE, wantVar)
	}
}

func TestCheckCoverage(t *testing.T) {
	d := pvt.Design{Strata: map[string]int{"north": 40, "south": 60, "tiny": 1}, Sampled: map[string]int{"north": 4, "south": 6, "tiny": 1}}
	cov, err := pvt.CheckCoverage(d, []string{"south", "north", "south", "tiny", "south"})
	var ce *pvt.CoverageError
	if !errors.As(err, &ce) || len(ce.Thin) != 1 || ce.Thin[0].Stratum != "north" || ce.Thin[0].Reported != 1 || ce.Thin[0].Sampled != 4 {
		t.Fatalf("err = %v, want north thin with 1 of 4", err)
	}
	want := pvt.Coverage{
		Strata: []pvt.StratumCoverage{
			{Stratum: "north", Population: 40, Sampled: 4, Reported: 1},
			{Stratum: "south", Population: 60, Sampled: 6, Reported: 3},
			{Stratum: "tiny", Population: 1, Sampled: 1, Reported: 1},
		},
		Population: 101, Sampled: 11, Reported: 5,
	}
	if !slices.Equal(cov.Strata, want.Strata) || cov.Population != 101 || cov.Sampled != 11 || cov.Reported != 5 {
		t.Errorf("coverage = %+v, want %+v", cov, want)
	}
	if r := cov.Rate(); !near(r, 5.0/11, 1e-15) {
		t.Errorf("rate = %v", r)
	}
	if _, err := pvt.CheckCoverage(d, []string{"north", "north", "south", "south", "tiny"}); err != nil {
		t.Errorf("full coverage: %v", err)
	}
}

func TestZ(t *testing.T) {
	// Quantiles from standard normal tables.
	for _, c := range []struct{ level, z float64 }{{0.95, 1.959964}, {0.99, 2.575829}, {0.90, 1.644854}} {
		if got := pvt.Z(c.level); !near(got, c.z, 1e-6) {
			t.Errorf("Z(%v) = %v, want %v", c.level, got, c.z)
		}
	}
	if !math.IsNaN(pvt.Z(1)) || !math.IsNaN(pvt.Z(0)) {
		t.Error("Z outside (0, 1) is not NaN")
	}
}
