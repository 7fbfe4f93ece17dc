package forensics

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

func TestWholePercent(t *testing.T) {
	tests := []struct {
		k, n int
		want bool
	}{
		{0, 100, true},
		{37, 100, true},     // every k/100 is whole
		{1, 200, false},     // 0.5%
		{2, 200, true},      // 1%
		{1, 2000, true},     // 0.05%: the tolerance is inclusive
		{3, 2000, false},    // 0.15%
		{39, 2000, true},    // 1.95%
		{1, 2001, true},     // 0.04998%
		{1, 1999, false},    // 0.05003%
		{1, 3000, true},     // 0.0333%
		{2, 3000, false},    // 0.0667%
		{5, 1000, false},    // 0.5%
		{601, 1000, false},  // 60.1%
		{600, 1000, true},   // 60%
		{1000, 1000, true},  // 100%
		{614, 997, false},   // 61.585%
		{608, 997, true},    // 60.983%, 0.017 from 61
		{609, 997, false},   // 61.083%
		{1999, 2000, true},  // 99.95%
		{1997, 2000, false}, // 99.85%
	}
	for _, tt := range tests {
		if got := wholePercent(tt.k, tt.n); got != tt.want {
			t.Errorf("wholePercent(%d, %d) = %v, want %v", tt.k, tt.n, got, tt.want)
		}
		x := 100 * float64(tt.k) / float64(tt.n)
		if f := math.Abs(x-math.Round(x)) <= 0.05+1e-9; f != tt.want {
			t.Errorf("%d/%d: table says %v, floating point %v", tt.k, tt.n, tt.want, f)
		}
	}
}

// bruteWholePercentProb sums the binomial probabilities of every k with 100k/n within
// 0.05 of a whole number, each from log-gamma, with the rule read in floating point.
func bruteWholePercentProb(n int, q float64) float64 {
	sum := 0.0
	for k := 0; k <= n; k++ {
		x := 100 * float64(k) / float64(n)
		if math.Abs(x-math.Round(x)) > 0.05+1e-9 {
			continue
		}
		lg := lfact(float64(n)) - lfact(float64(k)) - lfact(float64(n-k))
		var lp float64
		switch {
		case q == 0 && k == 0:
			lp = 0
		case q == 0:
			continue
		default:
			lp = lg + float64(k)*math.Log(q) + float64(n-k)*math.Log1p(-q)
		}
		sum += math.Exp(lp)
	}
	return sum
}

func TestWholePercentProbMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cases := []struct {
		n int
		q float64
	}{
		{100, 0.5}, {200, 0.5}, {200, 0.01}, {101, 0.37}, {997, 0.61}, {2000, 0.3}, {2001, 0.99},
		{1500, 0}, {1500, 0.001}, {150, 0.99}, {5000, 0.55}, {12, 0.5}, {7, 0.3},
	}
	for range 40 {
		cases = append(cases, struct {
			n int
			q float64
		}{100 + rng.IntN(3000), rng.Float64()})
	}
	for _, c := range cases {
		got := wholePercentProb(c.n, c.q)
		want := bruteWholePercentProb(c.n, c.q)
		if math.Abs(got-want) > 1e-12 {
			t.Errorf("wholePercentProb(%d, %g) = %.15f, brute force %.15f", c.n, c.q, got, want)
		}
	}
}

func TestIntegerExclusions(t *testing.T) {
	st := []Station{
		{Code: "neg", Registered: 500, Issued: -1, Found: 300, Leader: 100},    // inconsistent
		{Code: "L>R", Registered: 500, Issued: 300, Found: 300, Leader: 301},   // inconsistent
		{Code: "small", Registered: 99, Issued: 50, Found: 50, Leader: 20},     // few registered
		{Code: "empty", Registered: 500, Issued: 0, Found: 0, Leader: 0},       // no ballots
		{Code: "over", Registered: 500, Issued: 501, Found: 501, Leader: 200},  // over registered
		{Code: "t>99", Registered: 1000, Issued: 991, Found: 991, Leader: 400}, // high turnout
		{Code: "r>99", Registered: 1000, Issued: 700, Found: 700, Leader: 694}, // high result
		{Code: "t=99", Registered: 1000, Issued: 990, Found: 990, Leader: 400}, // included: 99% exactly
		{Code: "r=99", Registered: 1000, Issued: 700, Found: 700, Leader: 693}, // included: 99% exactly
		{Code: "ok", Registered: 100, Issued: 61, Found: 60, Leader: 30},       // included
	}
	res := IntegerPercentages(st)
	want := Excluded{Inconsistent: 2, FewRegistered: 1, NoBallots: 1, OverRegistered: 1, HighTurnout: 1, HighResult: 1}
	if res.Excluded != want {
		t.Errorf("Excluded = %+v, want %+v", res.Excluded, want)
	}
	if res.Stations != 3 || res.Stations+res.Excluded.Total() != len(st) {
		t.Errorf("Stations = %d, want 3", res.Stations)
	}
	// t=99: turnout 99% and result 40.4% → integer turnout; r=99: 70% and 99% → both;
	// ok: 61% and 50% → both (and with V = 100 the turnout is integer with probability 1).
	if res.Turnout.Observed != 3 || res.Result.Observed != 2 || res.Either.Observed != 3 {
		t.Errorf("observed turnout %d, result %d, either %d; want 3, 2, 3", res.Turnout.Observed, res.Result.Observed, res.Either.Observed)
	}
	if res.Note["en"] == "" || res.Note["mn"] == "" {
		t.Error("the result carries no note in English and Mongolian")
	}
}

// TestIntegerExactFormula checks E and Var of X against the per-station probabilities,
// combined by hand.
func TestIntegerExactFormula(t *testing.T) {
	st := []Station{
		{Registered: 1000, Issued: 600, Found: 598, Leader: 300},
		{Registered: 2000, Issued: 1500, Found: 1500, Leader: 700},
		{Registered: 100, Issued: 55, Found: 55, Leader: 20}, // p_t = 1
	}
	var e, v float64
	for _, s := range st {
		pt := bruteWholePercentProb(s.Registered, float64(s.Issued)/float64(s.Registered))
		pr := bruteWholePercentProb(s.Found, float64(s.Leader)/float64(s.Found))
		p := pt + pr - pt*pr
		e += p
		v += p * (1 - p)
	}
	res := IntegerPercentages(st)
	if math.Abs(res.Either.Expected-e) > 1e-10 || math.Abs(res.Either.Variance-v) > 1e-10 {
		t.Errorf("E = %.12f, Var = %.12f; want %.12f, %.12f", res.Either.Expected, res.Either.Variance, e, v)
	}
	if res.Either.Observed != 3 {
		t.Errorf("Observed = %d, want 3 (60%%, 75%% and 55%% turnout)", res.Either.Observed)
	}
}

func zStats(zs []float64) (mean, sd float64, beyond3 int) {
	for _, z := range zs {
		mean += z
		if math.Abs(z) >= 3 {
			beyond3++
		}
	}
	mean /= float64(len(zs))
	for _, z := range zs {
		sd += (z - mean) * (z - mean)
	}
	return mean, math.Sqrt(sd / float64(len(zs)-1)), beyond3
}

// TestIntegerNullSimulated runs the test on 200 elections simulated without manipulation:
// z must behave like a standard normal variable (Kobak et al. 2016 calibrate the test the
// same way).
func TestIntegerNullSimulated(t *testing.T) {
	t.Parallel()
	const runs, stations = 200, 2000
	zs := make([]float64, runs)
	for i := range zs {
		st := simElection(rand.New(rand.NewPCG(100, uint64(i))), stations)
		zs[i] = IntegerPercentages(st).Either.Z
	}
	mean, sd, beyond := zStats(zs)
	t.Logf("null, %d elections of %d stations: z mean %.3f, sd %.3f, |z| ≥ 3 in %d", runs, stations, mean, sd, beyond)
	if beyond > 3 {
		t.Errorf("|z| ≥ 3 in %d of %d clean elections; a calibrated test gives about 0.5", beyond, runs)
	}
	if math.Abs(mean) > 0.25 || sd < 0.75 || sd > 1.2 {
		t.Errorf("z has mean %.3f and sd %.3f over clean elections; want about 0 and 1", mean, sd)
	}
}

// TestIntegerDetectsInjectedRounding writes the turnout and/or result of 2% of stations as
// whole percentages and checks that the test sees it. Its power grows with √stations: at
// 20,000 stations the excess is about 6 SD, at Mongolia's 2,200 only about 2 (logged).
func TestIntegerDetectsInjectedRounding(t *testing.T) {
	t.Parallel()
	power := func(runs, stations int) (detected int, mean float64) {
		zs := make([]float64, runs)
		for i := range zs {
			rng := rand.New(rand.NewPCG(200+uint64(stations), uint64(i)))
			st := simElection(rng, stations)
			injectRounding(rng, st, 0.02)
			zs[i] = IntegerPercentages(st).Either.Z
			if zs[i] > 3 {
				detected++
			}
		}
		mean, _, _ = zStats(zs)
		return detected, mean
	}
	const runs = 40
	detected, mean := power(runs, 20_000)
	t.Logf("2%% rounded, %d elections of 20,000 stations: z > 3 in %d, mean z %.2f", runs, detected, mean)
	if detected < runs-2 {
		t.Errorf("z > 3 in only %d of %d elections with 2%% of stations rounded", detected, runs)
	}
	if !testing.Short() && !raceEnabled {
		for _, n := range []int{2_200, 5_000} {
			d, m := power(runs, n)
			t.Logf("2%% rounded, %d elections of %d stations: z > 3 in %d, mean z %.2f", runs, n, d, m)
		}
	}
}

// TestExactAgreesWithMonteCarlo compares the exact E[X] and Var[X] with 5,000 Monte Carlo
// replications on one simulated election.
func TestExactAgreesWithMonteCarlo(t *testing.T) {
	t.Parallel()
	st := simElection(rand.New(rand.NewPCG(7, 7)), 1000)
	injectRounding(rand.New(rand.NewPCG(7, 8)), st, 0.02)
	const reps = 5000
	ex := IntegerPercentages(st)
	mc := IntegerPercentagesMC(st, reps, 42)
	if mc.Stations != ex.Stations || mc.Excluded != ex.Excluded {
		t.Fatalf("MC included %d (%+v), exact %d (%+v)", mc.Stations, mc.Excluded, ex.Stations, ex.Excluded)
	}
	for _, c := range []struct {
		name string
		e    Count
		m    MCCount
	}{{"turnout", ex.Turnout, mc.Turnout}, {"result", ex.Result, mc.Result}, {"either", ex.Either, mc.Either}} {
		if c.e.Observed != c.m.Observed {
			t.Errorf("%s: observed %d exact, %d MC", c.name, c.e.Observed, c.m.Observed)
		}
		zMean := (c.m.Mean - c.e.Expected) / c.m.MeanSE
		varSE := c.e.Variance * math.Sqrt(2.0/(reps-1)) // SE of a sample variance, near-normal data
		zVar := (c.m.Variance - c.e.Variance) / varSE
		t.Logf("%s: E exact %.2f, MC %.2f ± %.2f (%.2f SE); Var exact %.2f, MC %.2f (%.2f SE); excess z exact %.2f, MC %.2f, MC p %.4f",
			c.name, c.e.Expected, c.m.Mean, c.m.MeanSE, zMean, c.e.Variance, c.m.Variance, zVar, c.e.Z, c.m.Z, c.m.P)
		if math.Abs(zMean) > 3 || math.Abs(zVar) > 3 {
			t.Errorf("%s: exact and MC disagree by %.2f SE (mean) and %.2f SE (variance)", c.name, zMean, zVar)
		}
	}
}

// TestIntegerIndependentOfGOMAXPROCS checks that the results, floating-point bits
// included, do not depend on the number of goroutines.
func TestIntegerIndependentOfGOMAXPROCS(t *testing.T) {
	st := simElection(rand.New(rand.NewPCG(3, 3)), 3*integerBlock+17)
	prev := runtime.GOMAXPROCS(1)
	ex1, mc1 := IntegerPercentages(st), IntegerPercentagesMC(st, 20, 9)
	runtime.GOMAXPROCS(4)
	ex4, mc4 := IntegerPercentages(st), IntegerPercentagesMC(st, 20, 9)
	runtime.GOMAXPROCS(prev)
	if ex1.Either != ex4.Either || ex1.Turnout != ex4.Turnout || ex1.Result != ex4.Result {
		t.Errorf("exact: %+v with 1 goroutine, %+v with 4", ex1.Either, ex4.Either)
	}
	if mc1.Either != mc4.Either || mc1.Turnout != mc4.Turnout || mc1.Result != mc4.Result {
		t.Errorf("MC: %+v with 1 goroutine, %+v with 4", mc1.Either, mc4.Either)
	}
	if mc5 := IntegerPercentagesMC(st, 20, 10); mc5.Either == mc1.Either {
		t.Errorf("MC with another seed gave the same result %+v", mc5.Either)
	}
}

func TestIntegerEmpty(t *testing.T) {
	res := IntegerPercentages(nil)
	if res.Stations != 0 || res.Either != (Count{}) {
		t.Errorf("IntegerPercentages(nil) = %+v", res)
	}
	mc := IntegerPercentagesMC(nil, 0, 1)
	if mc.Stations != 0 || mc.Either.P != 1 {
		t.Errorf("IntegerPercentagesMC(nil, 0, 1) = %+v", mc)
	}
}
