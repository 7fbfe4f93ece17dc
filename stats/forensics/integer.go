package forensics

import (
	"math"
	"runtime"
	"sync"

	"github.com/iltod/iltod"
)

// Count compares an observed number of stations with its expectation under a null model.
type Count struct {
	// Observed is the number of stations in the data that satisfy the condition.
	Observed int `json:"observed"`
	// Expected is E[X] under the null model.
	Expected float64 `json:"expected"`
	// Variance is Var[X] under the null model; SD is its square root.
	Variance float64 `json:"variance"`
	SD       float64 `json:"sd"`
	// Excess is Observed − Expected.
	Excess float64 `json:"excess"`
	// Z is Excess / SD, or 0 when SD is 0.
	Z float64 `json:"z"`
}

func newCount(observed int, expected, variance float64) Count {
	c := Count{Observed: observed, Expected: expected, Variance: variance, SD: math.Sqrt(variance)}
	c.Excess = float64(observed) - expected
	if c.SD > 0 {
		c.Z = c.Excess / c.SD
	}
	return c
}

// IntegerTest is the result of the integer-percentage test.
type IntegerTest struct {
	// Stations is the number of stations included; Excluded counts the others.
	Stations int      `json:"stations"`
	Excluded Excluded `json:"excluded"`
	// Turnout counts stations whose turnout is a whole percentage, Result those whose
	// leader's result is, and Either — the test statistic X — those with either.
	Turnout Count `json:"turnout"`
	Result  Count `json:"result"`
	Either  Count `json:"either"`
	// Note says what the test can and cannot show.
	Note iltod.Text `json:"note"`
}

// IntegerPercentages runs the integer-percentage test of Kobak, Shpilkin and Pshenichnikov
// (2016) and computes its null expectation exactly.
//
// A station is included when R > 0, V ≥ MinRegistered, G/V ≤ 0.99 and L/R ≤ 0.99 and its
// counts are consistent (none negative, L ≤ R); others are counted in Excluded. A
// percentage 100·k/n is "integer" when it lies within 0.05 of a whole number (0.05
// included), decided exactly in integer arithmetic. The statistic X is the number of
// included stations whose turnout 100·G/V or result 100·L/R is integer.
//
// Null model: for each station, independently, G* ~ Binomial(V, G/V) and
// L* ~ Binomial(R, L/R), independent of each other. Then
//
//	p_t = Σ_{k : 100k/V integer} C(V,k) (G/V)^k (1−G/V)^(V−k),
//	p_r = the same sum for Binomial(R, L/R),
//	p   = 1 − (1−p_t)(1−p_r),
//
// and X is a sum of independent Bernoulli(p) variables, so E[X] = Σ p and
// Var[X] = Σ p(1−p) exactly (likewise Σ p_t, Σ p_t(1−p_t) for Turnout and so on). Each
// binomial sum is evaluated by the ratio recurrence pmf(k+1)/pmf(k) = (n−k)/(k+1)·q/(1−q)
// outward from the mode, normalised by the sum of all terms visited, and stopped when a
// term falls below 1e-18 of the mode's (about 9 standard deviations); the neglected mass is
// below 1e-15. Cost is O(√n) per station.
//
// The stations are processed in fixed blocks whose sums are added in order, so the
// result is the same whatever GOMAXPROCS is.
func IntegerPercentages(stations []Station) IntegerTest {
	parts := make([]integerPart, (len(stations)+integerBlock-1)/integerBlock)
	parallelBlocks(len(parts), func(b int) {
		p := &parts[b]
		for i := b * integerBlock; i < min(len(stations), (b+1)*integerBlock); i++ {
			t := NewIntegerTerm(&stations[i])
			p.add(&t)
		}
	})
	return sumIntegerParts(parts)
}

// IntegerTerm is one station's part in the integer-percentage test: whether it is
// included, why not, and its two probabilities. A caller that keeps the terms of many
// stations and changes a few at a time (a live analysis) computes each term once, and
// SumIntegerTerms gives the same IntegerTest as IntegerPercentages of those stations. The
// zero IntegerTerm stands for no station.
type IntegerTerm struct {
	present  bool
	excluded int8 // 0 for an included station, else 1 + the index of its Excluded field
	t, r     bool
	pt, pr   float64
}

// The Excluded field an excluded term counts in, 1-based as IntegerTerm.excluded.
const (
	exInconsistent = 1 + iota
	exFewRegistered
	exNoBallots
	exOverRegistered
	exHighTurnout
	exHighResult
)

// NewIntegerTerm returns the term of station s: O(√n) in its register and ballots.
func NewIntegerTerm(s *Station) IntegerTerm {
	var ex Excluded
	if !integerIncluded(s, &ex) {
		t := IntegerTerm{present: true}
		switch {
		case ex.Inconsistent > 0:
			t.excluded = exInconsistent
		case ex.FewRegistered > 0:
			t.excluded = exFewRegistered
		case ex.NoBallots > 0:
			t.excluded = exNoBallots
		case ex.OverRegistered > 0:
			t.excluded = exOverRegistered
		case ex.HighTurnout > 0:
			t.excluded = exHighTurnout
		default:
			t.excluded = exHighResult
		}
		return t
	}
	return IntegerTerm{
		present: true,
		t:       wholePercent(s.Issued, s.Registered),
		r:       wholePercent(s.Leader, s.Found),
		pt:      wholePercentProb(s.Registered, float64(s.Issued)/float64(s.Registered)),
		pr:      wholePercentProb(s.Found, float64(s.Leader)/float64(s.Found)),
	}
}

// SumIntegerTerms returns the integer-percentage test of the stations whose terms are
// given, in order; zero terms (no station) are skipped. It equals IntegerPercentages of
// those stations exactly: the sums are taken in the same blocks and the same order.
func SumIntegerTerms(terms []IntegerTerm) IntegerTest {
	var parts []integerPart
	var p integerPart
	n := 0
	for i := range terms {
		t := &terms[i]
		if !t.present {
			continue
		}
		p.add(t)
		if n++; n == integerBlock {
			parts = append(parts, p)
			p, n = integerPart{}, 0
		}
	}
	if n > 0 {
		parts = append(parts, p)
	}
	return sumIntegerParts(parts)
}

// integerPart holds the sums of one block of stations.
type integerPart struct {
	n          int
	ex         Excluded
	ot, or, oe int
	et, er, ee float64
	vt, vr, ve float64
}

func (p *integerPart) add(t *IntegerTerm) {
	switch t.excluded {
	case 0:
	case exInconsistent:
		p.ex.Inconsistent++
		return
	case exFewRegistered:
		p.ex.FewRegistered++
		return
	case exNoBallots:
		p.ex.NoBallots++
		return
	case exOverRegistered:
		p.ex.OverRegistered++
		return
	case exHighTurnout:
		p.ex.HighTurnout++
		return
	default:
		p.ex.HighResult++
		return
	}
	p.n++
	if t.t {
		p.ot++
	}
	if t.r {
		p.or++
	}
	if t.t || t.r {
		p.oe++
	}
	pt, pr := t.pt, t.pr
	pe := 1 - (1-pt)*(1-pr)
	p.et += pt
	p.er += pr
	p.ee += pe
	p.vt += pt * (1 - pt)
	p.vr += pr * (1 - pr)
	p.ve += pe * (1 - pe)
}

// sumIntegerParts adds the blocks' sums in order and makes the test.
func sumIntegerParts(parts []integerPart) IntegerTest {
	var sum integerPart
	for _, p := range parts {
		sum.n += p.n
		sum.ex.add(p.ex)
		sum.ot += p.ot
		sum.or += p.or
		sum.oe += p.oe
		sum.et += p.et
		sum.er += p.er
		sum.ee += p.ee
		sum.vt += p.vt
		sum.vr += p.vr
		sum.ve += p.ve
	}
	return IntegerTest{
		Stations: sum.n,
		Excluded: sum.ex,
		Turnout:  newCount(sum.ot, sum.et, sum.vt),
		Result:   newCount(sum.or, sum.er, sum.vr),
		Either:   newCount(sum.oe, sum.ee, sum.ve),
		Note:     note(integerNote),
	}
}

// integerBlock is the number of stations in one block of work. It is fixed so that the
// order of floating-point additions, and the Monte Carlo random streams, do not depend on
// the number of goroutines.
const integerBlock = 2048

// integerIncluded applies the inclusion rules of the integer test, counting exclusions in e.
func integerIncluded(s *Station, e *Excluded) bool {
	if !s.screenable(e) {
		return false
	}
	switch {
	case 100*s.Issued > 99*s.Registered:
		e.HighTurnout++
	case 100*s.Leader > 99*s.Found:
		e.HighResult++
	default:
		return true
	}
	return false
}

// parallelBlocks calls f(b) for every b in [0, n), from up to GOMAXPROCS goroutines, and
// returns when all calls have returned.
func parallelBlocks(n int, f func(b int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for b := range n {
			f(b)
		}
		return
	}
	var (
		mu   sync.Mutex
		next int
		wg   sync.WaitGroup
	)
	for range workers {
		wg.Go(func() {
			for {
				mu.Lock()
				b := next
				next++
				mu.Unlock()
				if b >= n {
					return
				}
				f(b)
			}
		})
	}
	wg.Wait()
}

// pmfFloor is the ratio to the mode's probability below which binomial terms are dropped.
const pmfFloor = 1e-18

// wholePercentProb returns P(100·K/n is integer) for K ~ Binomial(n, q), n > 0.
func wholePercentProb(n int, q float64) float64 {
	if q <= 0 {
		return b2f(wholePercent(0, n))
	}
	if q >= 1 {
		return b2f(wholePercent(n, n))
	}
	mode := min(int(float64(n+1)*q), n)
	odds := q / (1 - q)
	step := 100 % n
	r0 := (100 * mode) % n
	hit, total := 0.0, 0.0

	// Upward from the mode: pmf(k+1) = pmf(k)·(n−k)/(k+1)·odds, with pmf(mode) taken as 1.
	f, r := 1.0, r0
	for k := mode; ; {
		total += f
		if 20*min(r, n-r) <= n {
			hit += f
		}
		if k == n {
			break
		}
		f *= odds * float64(n-k) / float64(k+1)
		if f < pmfFloor {
			break
		}
		k++
		if r += step; r >= n {
			r -= n
		}
	}
	// Downward: pmf(k−1) = pmf(k)·k/((n−k+1)·odds).
	f, r = 1.0, r0
	for k := mode; k > 0; {
		f *= float64(k) / (float64(n-k+1) * odds)
		if f < pmfFloor {
			break
		}
		k--
		if r -= step; r < 0 {
			r += n
		}
		total += f
		if 20*min(r, n-r) <= n {
			hit += f
		}
	}
	return hit / total
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
