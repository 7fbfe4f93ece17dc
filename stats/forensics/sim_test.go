package forensics

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
)

// simElection draws n stations of an election without manipulation: 40 areas with their
// own mean turnout and leader's share, registers of a few hundred to a few thousand
// voters (log-normal, median 800), G ~ Bin(V, turnout), a few issued ballots not found
// (R = G − Bin(G, 0.003)) and L ~ Bin(R, share).
func simElection(rng *rand.Rand, n int) []Station {
	const areas = 40
	var at, as [areas]float64
	var names [areas]string
	for a := range areas {
		names[a] = fmt.Sprintf("A%02d", a)
		at[a] = 0.62 + 0.08*rng.NormFloat64()
		as[a] = 0.55 + 0.10*rng.NormFloat64()
	}
	st := make([]Station, n)
	for i := range st {
		a := rng.IntN(areas)
		v := int(math.Round(800 * math.Exp(0.5*rng.NormFloat64())))
		v = max(60, min(v, 4000))
		t := clamp(at[a]+0.05*rng.NormFloat64(), 0.2, 0.97)
		s := clamp(as[a]+0.06*rng.NormFloat64(), 0.05, 0.95)
		g := draw(rng, v, t)
		r := g - draw(rng, g, 0.003)
		l := draw(rng, r, s)
		st[i] = Station{Code: "S" + strconv.Itoa(i), Area: names[a], Registered: v, Issued: g, Found: r, Leader: l}
	}
	return st
}

func clamp(x, lo, hi float64) float64 { return max(lo, min(x, hi)) }

func draw(rng *rand.Rand, n int, p float64) int {
	b := newBinomial(n, p)
	return b.draw(rng)
}

// injectRounding picks round(frac·len(st)) stations at random and writes their turnout,
// their result or both (a third of the stations each) as whole percentages, as an
// official writing numbers to order would: G is set to the count nearest a whole
// percentage of V (the nearest one for which 100·G/V is integer), the ballots found and
// the leader's votes move with it, and then L is set the same way for a whole
// percentage of R. It returns the indices changed.
func injectRounding(rng *rand.Rand, st []Station, frac float64) []int {
	m := int(math.Round(frac * float64(len(st))))
	picked := rng.Perm(len(st))[:m]
	for _, i := range picked {
		s := &st[i]
		if s.Registered < MinRegistered || s.Found == 0 {
			continue
		}
		mode := rng.IntN(3) // 0: turnout, 1: result, 2: both
		if mode != 1 {
			g := roundToWhole(s.Issued, s.Registered)
			d := g - s.Issued
			s.Issued = g
			s.Found = max(1, s.Found+d)
			s.Leader = max(0, min(s.Leader+d, s.Found))
		}
		if mode != 0 {
			s.Leader = roundToWhole(s.Leader, s.Found)
		}
	}
	return picked
}

// roundToWhole returns the k' nearest to k with 100·k'/n within 0.05 of a whole number
// and at most 99% (so that the station stays in the test).
func roundToWhole(k, n int) int {
	for d := 0; ; d++ {
		for _, c := range []int{k - d, k + d} {
			if c >= 0 && 100*c <= 99*n && wholePercent(c, n) {
				return c
			}
		}
	}
}
