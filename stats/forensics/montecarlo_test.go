package forensics

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestBinomialSampler checks the sampler's draws against the binomial probabilities
// computed from log-gamma, by Pearson's chi-square with cells pooled so that each
// expects at least 20 draws, for every path: constant, inversion (np < 10), BTRS with and
// without its ratio table, and p > 1/2 drawn through 1 − p.
func TestBinomialSampler(t *testing.T) {
	cases := []struct {
		n   int
		p   float64
		tab bool
	}{
		{50, 0.1, false},     // inversion
		{2000, 0.002, false}, // inversion, large n
		{100, 0.95, false},   // inversion through 1 − p
		{40, 0.5, false},     // BTRS, np = 20
		{1000, 0.6, false},   // BTRS through 1 − p
		{1000, 0.6, true},    // BTRS with the ratio table
		{3000, 0.03, true},   // BTRS, np = 90
		{200, 0.99, true},    // inversion through 1 − p
	}
	const draws = 200_000
	for i, c := range cases {
		rng := rand.New(rand.NewPCG(11, uint64(i)))
		b := newBinomial(c.n, c.p)
		if c.tab {
			b.tabulate(nil)
		}
		hist := make([]int, c.n+1)
		for range draws {
			k := b.draw(rng)
			if k < 0 || k > c.n {
				t.Fatalf("Bin(%d, %g) drew %d", c.n, c.p, k)
			}
			hist[k]++
		}
		var chi2 float64
		df := -1
		var obs, exp float64
		for k := 0; k <= c.n; k++ {
			lp := lfact(float64(c.n)) - lfact(float64(k)) - lfact(float64(c.n-k)) +
				float64(k)*math.Log(c.p) + float64(c.n-k)*math.Log1p(-c.p)
			obs += float64(hist[k])
			exp += draws * math.Exp(lp)
			if exp >= 20 || k == c.n {
				chi2 += (obs - exp) * (obs - exp) / exp
				df++
				obs, exp = 0, 0
			}
		}
		p := ChiSquareSF(chi2, df)
		t.Logf("Bin(%d, %g) table=%v: χ² = %.1f on %d df, p = %.3f", c.n, c.p, c.tab, chi2, df, p)
		if p < 1e-3 {
			t.Errorf("Bin(%d, %g): draws do not fit the distribution, χ² = %.1f on %d df, p = %.2g", c.n, c.p, chi2, df, p)
		}
	}
	for _, c := range []struct {
		n    int
		p    float64
		want int
	}{{10, 0, 0}, {10, 1, 10}, {0, 0.5, 0}} {
		b := newBinomial(c.n, c.p)
		if k := b.draw(rand.New(rand.NewPCG(1, 1))); k != c.want {
			t.Errorf("Bin(%d, %g) drew %d, want %d", c.n, c.p, k, c.want)
		}
	}
}

func TestBitset(t *testing.T) {
	for _, n := range []int{1, 7, 100, 200, 997, 2000, 4321} {
		var s bitset
		s.wholePercents(n)
		for k := 0; k <= n; k++ {
			if s.has(k) != wholePercent(k, n) {
				t.Fatalf("n = %d, k = %d: bitset %v, wholePercent %v", n, k, s.has(k), wholePercent(k, n))
			}
		}
	}
}
