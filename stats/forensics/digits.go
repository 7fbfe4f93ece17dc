package forensics

import (
	"math"

	"github.com/iltod/iltod"
)

// DigitTest compares the distribution of one digit of a set of counts with its expected
// distribution by Pearson's chi-square test and by its mean.
type DigitTest struct {
	// Test names the test: "second-digit", "last-digit" or "zero-five".
	Test string `json:"test"`
	// Counts is the number of counts tested; Skipped those left out (too small, or negative).
	Counts  int `json:"counts"`
	Skipped int `json:"skipped"`
	// Observed[i] is the number of counts in category i and Expected[i] the expected
	// probability of category i. The categories are the digits 0–9, or for "zero-five"
	// {ends in 0 or 5, ends otherwise}.
	Observed []int     `json:"observed"`
	Expected []float64 `json:"expected"`
	// ChiSquare is Σ (O_i − N·E_i)² / (N·E_i), with DF = categories − 1 degrees of freedom,
	// and P = P(χ²_DF ≥ ChiSquare). With no counts, ChiSquare is 0 and P is 1.
	ChiSquare float64 `json:"chi_square"`
	DF        int     `json:"df"`
	P         float64 `json:"p"`
	// Mean is the mean digit (for "zero-five", the share ending in 0 or 5), ExpectedMean
	// its expectation, and MeanZ = (Mean − ExpectedMean) / (σ/√N), σ being the standard
	// deviation of one digit under the expected distribution.
	Mean         float64 `json:"mean"`
	ExpectedMean float64 `json:"expected_mean"`
	MeanZ        float64 `json:"mean_z"`
	// Note says what the test can and cannot show.
	Note iltod.Text `json:"note"`
}

// MinLastDigit is the smallest count that LastDigit and ZeroFive test: below it the last
// digit of a count is not close to uniform.
const MinLastDigit = 100

// BenfordSecond returns the second-digit Benford probabilities
// q(d) = Σ_{k=1..9} log10(1 + 1/(10k + d)) for d = 0..9. They are .11968 .11389 .10882
// .10433 .10031 .09668 .09337 .09035 .08757 .08500 to five places, with mean 4.187.
func BenfordSecond() []float64 {
	q := make([]float64, 10)
	for d := range q {
		for k := 1; k <= 9; k++ {
			q[d] += math.Log10(1 + 1/float64(10*k+d))
		}
	}
	return q
}

// SecondDigit tests the second significant digits of counts against Benford's law
// (BenfordSecond), as in Deckert, Myagkov and Ordeshook (2011), who show that the test is
// unreliable for election data; read it as a weak signal. Counts below 10 have no second
// digit and are skipped, as are negative counts. The counts are typically the votes of
// each candidate at each station, chosen by the caller.
func SecondDigit(counts []int) DigitTest {
	return digitTest("second-digit", counts, 10, secondDigit, BenfordSecond(), secondDigitNote)
}

// LastDigit tests the last digits of counts ≥ MinLastDigit against the uniform distribution
// (mean 4.5). Smaller and negative counts are skipped. It is a weak signal.
func LastDigit(counts []int) DigitTest {
	return digitTest("last-digit", counts, MinLastDigit, func(x int) int { return x % 10 }, uniformDigits(), lastDigitNote)
}

// ZeroFive tests the share of counts ≥ MinLastDigit ending in 0 or 5 against its
// expectation 0.2. Category 0 is "ends in 0 or 5" and category 1 the rest; Mean is the
// observed share. Smaller and negative counts are skipped. It is a weak signal.
func ZeroFive(counts []int) DigitTest {
	cat := func(x int) int {
		if x%5 == 0 {
			return 0
		}
		return 1
	}
	dt := digitTest("zero-five", counts, MinLastDigit, cat, []float64{0.2, 0.8}, zeroFiveNote)
	// digitTest averaged the category numbers (0 or 1); the share ending in 0 or 5 is the
	// complement, and its z is the negative of that mean's.
	if dt.Counts > 0 {
		dt.Mean = 1 - dt.Mean
		dt.MeanZ = -dt.MeanZ
	}
	dt.ExpectedMean = 0.2
	return dt
}

// secondDigit returns the second significant digit of x ≥ 10.
func secondDigit(x int) int {
	for x >= 100 {
		x /= 10
	}
	return x % 10
}

func digitTest(name string, counts []int, minCount int, digit func(int) int, expected []float64, n iltod.Text) DigitTest {
	observed := make([]int, len(expected))
	skipped := 0
	for _, x := range counts {
		if x < minCount {
			skipped++
			continue
		}
		observed[digit(x)]++
	}
	return finishDigitTest(name, observed, skipped, expected, n)
}

// finishDigitTest makes the test from the counts in each category and the number skipped.
func finishDigitTest(name string, observed []int, skipped int, expected []float64, n iltod.Text) DigitTest {
	dt := DigitTest{
		Test:     name,
		Observed: observed,
		Expected: expected,
		DF:       len(expected) - 1,
		P:        1,
		Skipped:  skipped,
		Note:     note(n),
	}
	for _, o := range observed {
		dt.Counts += o
	}
	var mu, m2 float64
	for d, q := range expected {
		mu += float64(d) * q
		m2 += float64(d*d) * q
	}
	dt.ExpectedMean = mu
	if dt.Counts == 0 {
		return dt
	}
	n64 := float64(dt.Counts)
	var sum float64
	for d, o := range dt.Observed {
		e := n64 * expected[d]
		dt.ChiSquare += (float64(o) - e) * (float64(o) - e) / e
		sum += float64(d * o)
	}
	dt.P = ChiSquareSF(dt.ChiSquare, dt.DF)
	dt.Mean = sum / n64
	dt.MeanZ = (dt.Mean - mu) / math.Sqrt((m2-mu*mu)/n64)
	return dt
}

// DigitTally counts the digits that SecondDigit and LastDigit test, for a caller that adds
// and removes counts as results change: its tests equal SecondDigit and LastDigit of the
// counts added and not removed, in any order. Its zero value is empty.
type DigitTally struct {
	second, last               [10]int
	secondSkipped, lastSkipped int
}

// Add adds count x n times; n = -1 removes a count added before.
func (t *DigitTally) Add(x, n int) {
	if x < 10 {
		t.secondSkipped += n
	} else {
		t.second[secondDigit(x)] += n
	}
	if x < MinLastDigit {
		t.lastSkipped += n
	} else {
		t.last[x%10] += n
	}
}

// SecondDigit is SecondDigit of the counts tallied.
func (t *DigitTally) SecondDigit() DigitTest {
	return finishDigitTest("second-digit", append([]int(nil), t.second[:]...), t.secondSkipped, BenfordSecond(), secondDigitNote)
}

// LastDigit is LastDigit of the counts tallied.
func (t *DigitTally) LastDigit() DigitTest {
	return finishDigitTest("last-digit", append([]int(nil), t.last[:]...), t.lastSkipped, uniformDigits(), lastDigitNote)
}

func uniformDigits() []float64 {
	uniform := make([]float64, 10)
	for i := range uniform {
		uniform[i] = 0.1
	}
	return uniform
}

// ChiSquareSF returns P(χ²_df ≥ x), the upper tail of the chi-square distribution with df
// degrees of freedom: Q(df/2, x/2), the regularised upper incomplete gamma function. It
// returns 1 for x ≤ 0 and NaN for df < 1. Against the closed forms for df = 1..20 its
// error is below 1e-12 relative, or 1e-15 absolute where P < 1e-3.
func ChiSquareSF(x float64, df int) float64 {
	switch {
	case df < 1 || math.IsNaN(x):
		return math.NaN()
	case x <= 0:
		return 1
	}
	return gammaQ(float64(df)/2, x/2)
}

// gammaQ returns the regularised upper incomplete gamma function Q(a, x) = Γ(a, x)/Γ(a) for
// a > 0 and x > 0: by the series for P = 1 − Q when x < a + 1, and otherwise by the
// continued fraction for Q evaluated with the modified Lentz method (Press et al.,
// Numerical Recipes, §6.2).
func gammaQ(a, x float64) float64 {
	lga, _ := math.Lgamma(a)
	front := math.Exp(a*math.Log(x) - x - lga)
	if x < a+1 {
		// P(a, x) = e^(−x) x^a / Γ(a) · Σ_n x^n / (a (a+1) … (a+n)).
		ap, del := a, 1/a
		sum := del
		for range 1000 {
			ap++
			del *= x / ap
			sum += del
			if math.Abs(del) < math.Abs(sum)*1e-16 {
				break
			}
		}
		return 1 - sum*front
	}
	// Q(a, x) = e^(−x) x^a / Γ(a) · 1/(x+1−a− 1·(1−a)/(x+3−a− 2·(2−a)/(x+5−a− …))).
	const tiny = 1e-300
	b := x + 1 - a
	c := 1 / tiny
	d := 1 / b
	h := d
	for i := 1; i <= 1000; i++ {
		an := -float64(i) * (float64(i) - a)
		b += 2
		d = an*d + b
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = b + an/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < 1e-16 {
			break
		}
	}
	return front * h
}
