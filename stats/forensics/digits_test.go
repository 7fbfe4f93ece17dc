package forensics

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestBenfordSecondPublished compares q(d) with the table in REFERENCE §4, taken from
// the literature (e.g. Mebane; Deckert, Myagkov and Ordeshook 2011).
func TestBenfordSecondPublished(t *testing.T) {
	published := []float64{.11968, .11389, .10882, .10433, .10031, .09668, .09337, .09035, .08757, .08500}
	q := BenfordSecond()
	sum, mean := 0.0, 0.0
	for d, want := range published {
		if got := math.Round(q[d]*1e5) / 1e5; got != want {
			t.Errorf("q(%d) = %.7f, rounds to %.5f; published %.5f", d, q[d], got, want)
		}
		sum += q[d]
		mean += float64(d) * q[d]
	}
	if math.Abs(sum-1) > 1e-12 {
		t.Errorf("Σ q(d) = %.15f, want 1", sum)
	}
	if got := math.Round(mean*1000) / 1000; got != 4.187 {
		t.Errorf("mean second digit %.5f, published 4.187", mean)
	}
	if dt := SecondDigit([]int{12}); math.Abs(dt.ExpectedMean-mean) > 1e-12 {
		t.Errorf("SecondDigit's ExpectedMean = %g, want %g", dt.ExpectedMean, mean)
	}
}

// chiSquareSFClosed is the upper tail of χ²_ν in closed form (Abramowitz and Stegun
// 26.4.4 and 26.4.5): for ν even, e^(−x/2) Σ_{k<ν/2} (x/2)^k / k!; for ν odd,
// erfc(√(x/2)) + √(2x/π) e^(−x/2) Σ_{k=1}^{(ν−1)/2} x^(k−1) / (1·3·…·(2k−1)).
func chiSquareSFClosed(x float64, df int) float64 {
	if df%2 == 0 {
		term, sum := 1.0, 1.0
		for k := 1; k < df/2; k++ {
			term *= x / 2 / float64(k)
			sum += term
		}
		return math.Exp(-x/2) * sum
	}
	term, sum := 1.0, 0.0
	for k := 1; k <= (df-1)/2; k++ {
		if k > 1 {
			term *= x / float64(2*k-1)
		}
		sum += term
	}
	return math.Erfc(math.Sqrt(x/2)) + math.Sqrt(2*x/math.Pi)*math.Exp(-x/2)*sum
}

func TestChiSquareSF(t *testing.T) {
	for df := 1; df <= 20; df++ {
		for _, x := range []float64{0.01, 0.5, 1, 2, 3.5, 5, 9, 10.5, 16.919, 25, 40, 80} {
			got, want := ChiSquareSF(x, df), chiSquareSFClosed(x, df)
			if math.Abs(got-want) > 1e-12*math.Max(want, 1e-3) {
				t.Errorf("ChiSquareSF(%g, %d) = %.15g, closed form %.15g", x, df, got, want)
			}
		}
	}
	// Critical values from the NIST/SEMATECH e-Handbook's chi-square table, rounded to three
	// decimals: the tail probability must cross alpha within half a unit of the last place.
	for _, c := range []struct {
		x     float64
		df    int
		alpha float64
	}{
		{3.841, 1, 0.05}, {6.635, 1, 0.01}, {16.919, 9, 0.05}, {21.666, 9, 0.01},
		{27.877, 9, 0.001}, {18.307, 10, 0.05}, {3.325, 9, 0.95},
	} {
		if hi, lo := ChiSquareSF(c.x-0.0005, c.df), ChiSquareSF(c.x+0.0005, c.df); hi < c.alpha || lo > c.alpha {
			t.Errorf("ChiSquareSF(%g ± 0.0005, %d) = [%.6f, %.6f], table %g", c.x, c.df, lo, hi, c.alpha)
		}
	}
	if ChiSquareSF(0, 3) != 1 || ChiSquareSF(-1, 3) != 1 || !math.IsNaN(ChiSquareSF(1, 0)) {
		t.Error("ChiSquareSF's edge cases")
	}
}

// lastDigitData has 100 counts ≥ 100: 20 ending in 0, ten each ending in 1–8, none in 9,
// and three counts too small to test.
func lastDigitData() []int {
	var xs []int
	for i := range 20 {
		xs = append(xs, 100+10*i)
	}
	for d := 1; d <= 8; d++ {
		for i := range 10 {
			xs = append(xs, 1000+10*i+d)
		}
	}
	return append(xs, 5, 99, -3)
}

func TestLastDigitHandMade(t *testing.T) {
	dt := LastDigit(lastDigitData())
	// Expected 10 in each digit: χ² = (20−10)²/10 + (0−10)²/10 = 20 on 9 df. The mean
	// digit is 360/100 = 3.6, against 4.5 with σ = √8.25: z = −0.9/(√8.25/10).
	if dt.Counts != 100 || dt.Skipped != 3 || dt.DF != 9 {
		t.Fatalf("Counts %d, Skipped %d, DF %d; want 100, 3, 9", dt.Counts, dt.Skipped, dt.DF)
	}
	if math.Abs(dt.ChiSquare-20) > 1e-12 {
		t.Errorf("χ² = %g, want 20", dt.ChiSquare)
	}
	if want := chiSquareSFClosed(20, 9); math.Abs(dt.P-want) > 1e-12 || math.Abs(dt.P-0.0179) > 1e-4 {
		t.Errorf("P = %g, want %g (0.0179)", dt.P, want)
	}
	if math.Abs(dt.Mean-3.6) > 1e-12 || math.Abs(dt.ExpectedMean-4.5) > 1e-12 {
		t.Errorf("Mean %g, expected %g; want 3.6 and 4.5", dt.Mean, dt.ExpectedMean)
	}
	if want := -0.9 / (math.Sqrt(8.25) / 10); math.Abs(dt.MeanZ-want) > 1e-12 {
		t.Errorf("MeanZ = %g, want %g", dt.MeanZ, want)
	}
}

func TestZeroFiveHandMade(t *testing.T) {
	dt := ZeroFive(lastDigitData())
	// 30 of 100 end in 0 or 5 (20 in 0, 10 in 5): χ² = (30−20)²/20 + (70−80)²/80 = 6.25
	// on 1 df, P = P(|Z| ≥ 2.5) = 0.012419; z = (0.3 − 0.2)/√(0.16/100) = 2.5.
	if dt.Counts != 100 || dt.Observed[0] != 30 || dt.Observed[1] != 70 {
		t.Fatalf("Counts %d, Observed %v; want 100, [30 70]", dt.Counts, dt.Observed)
	}
	if math.Abs(dt.ChiSquare-6.25) > 1e-12 || math.Abs(dt.P-math.Erfc(2.5/math.Sqrt2)) > 1e-12 || math.Abs(dt.P-0.012419) > 1e-6 {
		t.Errorf("χ² = %g, P = %g; want 6.25 and 0.012419", dt.ChiSquare, dt.P)
	}
	if math.Abs(dt.Mean-0.3) > 1e-12 || dt.ExpectedMean != 0.2 || math.Abs(dt.MeanZ-2.5) > 1e-12 {
		t.Errorf("Mean %g, ExpectedMean %g, MeanZ %g; want 0.3, 0.2, 2.5", dt.Mean, dt.ExpectedMean, dt.MeanZ)
	}
}

func TestSecondDigit(t *testing.T) {
	for _, c := range [][2]int{{10, 0}, {19, 9}, {99, 9}, {100, 0}, {1234, 2}, {987654, 8}} {
		if got := secondDigit(c[0]); got != c[1] {
			t.Errorf("secondDigit(%d) = %d, want %d", c[0], got, c[1])
		}
	}
	// 1,000 counts whose second digits occur 120, 114, 109, 104, 100, 97, 93, 90, 88, 85
	// times; χ² against the published q(d), to the precision of their five decimals.
	freq := []int{120, 114, 109, 104, 100, 97, 93, 90, 88, 85}
	published := []float64{.11968, .11389, .10882, .10433, .10031, .09668, .09337, .09035, .08757, .08500}
	var xs []int
	want := 0.0
	for d, f := range freq {
		for i := range f {
			xs = append(xs, (1+i%9)*100+d*10+i%10) // first digit 1–9, second digit d
		}
		e := 1000 * published[d]
		want += (float64(f) - e) * (float64(f) - e) / e
	}
	xs = append(xs, 7, -20)
	dt := SecondDigit(xs)
	if dt.Counts != 1000 || dt.Skipped != 2 {
		t.Fatalf("Counts %d, Skipped %d; want 1000, 2", dt.Counts, dt.Skipped)
	}
	for d, f := range freq {
		if dt.Observed[d] != f {
			t.Fatalf("Observed = %v, want %v", dt.Observed, freq)
		}
	}
	if math.Abs(dt.ChiSquare-want) > 2e-3 {
		t.Errorf("χ² = %.5f, want %.5f from the published table", dt.ChiSquare, want)
	}
	// Counts drawn log-uniformly over several decades follow Benford's law exactly.
	rng := rand.New(rand.NewPCG(5, 5))
	xs = xs[:0]
	for range 100_000 {
		xs = append(xs, int(math.Pow(10, 1+5*rng.Float64())))
	}
	if dt := SecondDigit(xs); dt.P < 1e-3 {
		t.Errorf("log-uniform counts fail the Benford test: χ² = %.1f, P = %.2g", dt.ChiSquare, dt.P)
	}
	if dt := SecondDigit(nil); dt.Counts != 0 || dt.P != 1 || dt.ChiSquare != 0 {
		t.Errorf("SecondDigit(nil) = %+v", dt)
	}
}
