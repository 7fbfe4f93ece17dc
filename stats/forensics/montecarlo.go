package forensics

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/iltod/iltod"
)

// MCCount compares an observed number of stations with its distribution over Monte Carlo
// replications of the null model.
type MCCount struct {
	// Observed is the number of stations in the data that satisfy the condition.
	Observed int `json:"observed"`
	// Mean and Variance are the sample mean and the sample variance (divisor N−1) of the
	// number over the N replications; SD is the square root of Variance.
	Mean     float64 `json:"mean"`
	Variance float64 `json:"variance"`
	SD       float64 `json:"sd"`
	// MeanSE is the standard error of Mean, SD/√N.
	MeanSE float64 `json:"mean_se"`
	// Excess is Observed − Mean; Z is Excess / SD, or 0 when SD is 0.
	Excess float64 `json:"excess"`
	Z      float64 `json:"z"`
	// P is the one-sided Monte Carlo p-value (1 + #{replications ≥ Observed}) / (N + 1).
	P float64 `json:"p"`
}

// IntegerMC is the result of the integer-percentage test with a Monte Carlo null.
type IntegerMC struct {
	// Replications is N, and Seed the seed the replications were drawn with.
	Replications int    `json:"replications"`
	Seed         uint64 `json:"seed"`
	// Stations is the number of stations included; Excluded counts the others, by the
	// same rules as IntegerPercentages.
	Stations int      `json:"stations"`
	Excluded Excluded `json:"excluded"`
	// Turnout, Result and Either are as in IntegerTest.
	Turnout MCCount `json:"turnout"`
	Result  MCCount `json:"result"`
	Either  MCCount `json:"either"`
	// Note says what the test can and cannot show.
	Note iltod.Text `json:"note"`
}

// IntegerPercentagesMC runs the integer-percentage test with the null distribution of X
// estimated by Monte Carlo instead of computed exactly: replications times, every
// included station draws G* ~ Binomial(V, G/V) and L* ~ Binomial(R, L/R) independently
// and the replication's X* counts the stations whose 100·G*/V or 100·L*/R is integer.
// Inclusion and "integer" are as in IntegerPercentages. It exists to check the exact
// computation by another route (random draws instead of summed probabilities) and to
// give a p-value that needs no normal approximation. It is much slower: 1,000 replications cost some 40 to 80 times one
// exact computation on the same data (BenchmarkIntegerMC, BenchmarkIntegerExact).
//
// The draws use math/rand/v2's PCG, one stream per fixed block of stations keyed by
// (seed, block number), so the result depends only on the stations, replications and
// seed — not on GOMAXPROCS. Binomial variates come from Hörmann's (1993) BTRS
// transformed rejection when min(np, n(1−p)) ≥ 10 and from sequential inversion
// otherwise. IntegerPercentagesMC returns a result with no replications when
// replications < 1.
func IntegerPercentagesMC(stations []Station, replications int, seed uint64) IntegerMC {
	res := IntegerMC{Replications: max(replications, 0), Seed: seed, Note: note(integerMCNote)}
	nb := (len(stations) + integerBlock - 1) / integerBlock
	exs := make([]Excluded, nb)
	observed := make([][3]int, nb)
	var (
		mu    sync.Mutex
		total [3][]int64 // per replication: turnout, result, either
	)
	for i := range total {
		total[i] = make([]int64, res.Replications)
	}
	parallelBlocks(nb, func(b int) {
		rng := rand.New(rand.NewPCG(seed, uint64(b)))
		var counts [3][]int32
		for i := range counts {
			counts[i] = make([]int32, res.Replications)
		}
		var tset, rset bitset
		var tbuf, rbuf []float64
		for i := b * integerBlock; i < min(len(stations), (b+1)*integerBlock); i++ {
			s := &stations[i]
			if !integerIncluded(s, &exs[b]) {
				continue
			}
			t := wholePercent(s.Issued, s.Registered)
			r := wholePercent(s.Leader, s.Found)
			observed[b][0] += int(b2i(t))
			observed[b][1] += int(b2i(r))
			observed[b][2] += int(b2i(t || r))
			tset.wholePercents(s.Registered)
			rset.wholePercents(s.Found)
			tb := newBinomial(s.Registered, float64(s.Issued)/float64(s.Registered))
			rb := newBinomial(s.Found, float64(s.Leader)/float64(s.Found))
			tb.tabulate(tbuf)
			rb.tabulate(rbuf)
			tbuf, rbuf = tb.ratio, rb.ratio
			for j := range res.Replications {
				ti := tset.has(tb.draw(rng))
				ri := rset.has(rb.draw(rng))
				counts[0][j] += b2i(ti)
				counts[1][j] += b2i(ri)
				counts[2][j] += b2i(ti || ri)
			}
		}
		mu.Lock()
		for i := range counts {
			for j, c := range counts[i] {
				total[i][j] += int64(c)
			}
		}
		mu.Unlock()
	})
	var obs [3]int
	for b := range nb {
		res.Excluded.add(exs[b])
		for i := range obs {
			obs[i] += observed[b][i]
		}
	}
	res.Stations = len(stations) - res.Excluded.Total()
	res.Turnout = newMCCount(obs[0], total[0])
	res.Result = newMCCount(obs[1], total[1])
	res.Either = newMCCount(obs[2], total[2])
	return res
}

func newMCCount(observed int, xs []int64) MCCount {
	c := MCCount{Observed: observed}
	n := float64(len(xs))
	if len(xs) == 0 {
		c.P = 1
		return c
	}
	var sum float64
	ge := 0
	for _, x := range xs {
		sum += float64(x)
		if x >= int64(observed) {
			ge++
		}
	}
	c.Mean = sum / n
	if len(xs) > 1 {
		var ss float64
		for _, x := range xs {
			d := float64(x) - c.Mean
			ss += d * d
		}
		c.Variance = ss / (n - 1)
	}
	c.SD = math.Sqrt(c.Variance)
	c.MeanSE = c.SD / math.Sqrt(n)
	c.Excess = float64(observed) - c.Mean
	if c.SD > 0 {
		c.Z = c.Excess / c.SD
	}
	c.P = float64(1+ge) / (n + 1)
	return c
}

func b2i(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

// bitset marks the k in [0, n] for which 100·k/n is integer.
type bitset []uint64

func (s *bitset) wholePercents(n int) {
	words := n/64 + 1
	if cap(*s) < words {
		*s = make(bitset, words)
	}
	*s = (*s)[:words]
	clear(*s)
	step, r := 100%n, 0
	for k := 0; k <= n; k++ {
		if 20*min(r, n-r) <= n {
			(*s)[k>>6] |= 1 << (k & 63)
		}
		if r += step; r >= n {
			r -= n
		}
	}
}

func (s bitset) has(k int) bool { return s[k>>6]&(1<<(k&63)) != 0 }

// binomial draws variates from Binomial(n, p).
type binomial struct {
	n    int
	flip bool // draw n − K' with K' ~ Binomial(n, 1−p), so that the p used is ≤ 1/2
	kind int  // constant, inversion or btrs

	// constant: the value.
	k int
	// p/(1−p), and for inversion pmf(0).
	odds, p0 float64
	// btrs: Hörmann's constants, with hm = ln m! + ln (n−m)! for the mode m, and
	// ratio[k−lo] = pmf(k)/pmf(m) for the k in [lo, lo+len(ratio)) where it is ≥ 1e-30.
	a, b, c, vr, alpha, lpq, m, hm float64
	lo                             int
	ratio                          []float64
}

const (
	binConstant = iota
	binInversion
	binBTRS
)

// newBinomial prepares draws from Binomial(n, p).
func newBinomial(n int, p float64) binomial {
	switch {
	case p <= 0 || n == 0:
		return binomial{n: n, kind: binConstant, k: 0}
	case p >= 1:
		return binomial{n: n, kind: binConstant, k: n}
	}
	s := binomial{n: n}
	if p > 0.5 {
		s.flip, p = true, 1-p
	}
	q := 1 - p
	np := float64(n) * p
	s.odds = p / q
	if np < 10 {
		s.kind = binInversion
		s.p0 = math.Exp(float64(n) * math.Log1p(-p))
		return s
	}
	s.kind = binBTRS
	spq := math.Sqrt(np * q)
	s.b = 1.15 + 2.53*spq
	s.a = -0.0873 + 0.0248*s.b + 0.01*p
	s.c = np + 0.5
	s.vr = 0.92 - 4.2/s.b
	s.alpha = (2.83 + 5.1/s.b) * spq
	s.lpq = math.Log(p / q)
	s.m = math.Floor(float64(n+1) * p)
	s.hm = lfact(s.m) + lfact(float64(n)-s.m)

	return s
}

// tabulate stores the ratios pmf(k)/pmf(m) in buf (reused if large enough), which makes
// later draws faster; a sampler worth many draws should be tabulated. buf stays in use
// until the sampler is dropped.
func (s *binomial) tabulate(buf []float64) {
	if s.kind != binBTRS {
		return
	}
	// The ratios pmf(k)/pmf(m), by the recurrence pmf(k+1)/pmf(k) = (n−k)/(k+1)·p/q, spare
	// the log-gamma calls of the rejection step for every k but the most unlikely.
	n, m, odds := s.n, int(s.m), s.odds
	s.ratio = buf[:0]
	f := 1.0
	for k := m; k > 0; k-- {
		f *= float64(k) / (float64(n-k+1) * odds)
		if f < 1e-30 {
			break
		}
		s.ratio = append(s.ratio, f)
	}
	s.lo = m - len(s.ratio)
	slices.Reverse(s.ratio)
	f = 1
	for k := m; k <= n; k++ {
		s.ratio = append(s.ratio, f)
		f *= odds * float64(n-k) / float64(k+1)
		if f < 1e-30 {
			break
		}
	}
}

func (s *binomial) draw(rng *rand.Rand) int {
	var k int
	switch s.kind {
	case binConstant:
		return s.k
	case binInversion:
		k = s.inversion(rng)
	default:
		k = s.btrs(rng)
	}
	if s.flip {
		return s.n - k
	}
	return k
}

// inversion searches the distribution function upward from 0.
func (s *binomial) inversion(rng *rand.Rand) int {
	for {
		u := rng.Float64()
		f := s.p0
		for k := 0; k <= s.n; k++ {
			if u < f {
				return k
			}
			u -= f
			f *= s.odds * float64(s.n-k) / float64(k+1)
		}
		// Rounding left u beyond the last term: draw again.
	}
}

// btrs is algorithm BTRS of Hörmann (1993).
func (s *binomial) btrs(rng *rand.Rand) int {
	n := float64(s.n)
	for {
		u := rng.Float64() - 0.5
		v := rng.Float64()
		us := 0.5 - math.Abs(u)
		if us == 0 {
			continue
		}
		kf := math.Floor((2*s.a/us+s.b)*u + s.c)
		if kf < 0 || kf > n {
			continue
		}
		k := int(kf)
		if us >= 0.07 && v <= s.vr {
			return k
		}
		// Accept when v·alpha/(a/us² + b) ≤ pmf(k)/pmf(m).
		v *= s.alpha / (s.a/(us*us) + s.b)
		if i := k - s.lo; i >= 0 && i < len(s.ratio) {
			if v <= s.ratio[i] {
				return k
			}
			continue
		}
		if math.Log(v) <= s.hm-lfact(kf)-lfact(n-kf)+(kf-s.m)*s.lpq {
			return k
		}
	}
}

// lfact returns ln x! for a whole number x ≥ 0.
func lfact(x float64) float64 {
	v, _ := math.Lgamma(x + 1)
	return v
}
