package seats

import (
	"math"
	"math/big"
	"strconv"
)

// Eligible reports, for each list, whether its votes reach the threshold: votes[i] ≥
// threshold × base, compared exactly with threshold read as the shortest decimal that
// prints as the same float64 (so 0.04 is 4/100). A threshold of 0 or less passes every
// list, including lists with no votes; a positive threshold on a base of 0 passes none,
// and so does a threshold that is NaN or +Inf.
func Eligible(votes []int64, base int64, threshold float64) []bool {
	ok := make([]bool, len(votes))
	for i, v := range votes {
		switch {
		case threshold <= 0:
			ok[i] = true
		case math.IsNaN(threshold) || math.IsInf(threshold, 1):
			ok[i] = false
		default:
			ok[i] = atLeast(v, base, threshold)
		}
	}
	return ok
}

// decimal returns share as the exact fraction of its shortest decimal form. share must be
// finite.
func decimal(share float64) *big.Rat {
	r, ok := new(big.Rat).SetString(strconv.FormatFloat(share, 'g', -1, 64))
	if !ok {
		panic("seats: share is not a finite number: " + strconv.FormatFloat(share, 'g', -1, 64))
	}
	return r
}

// compareShare compares v/base with share exactly, returning -1, 0 or +1. base must be
// positive.
func compareShare(v, base int64, share float64) int {
	r := decimal(share)
	// v/base vs num/den ⇔ v·den vs num·base (base and den are positive).
	l := new(big.Int).Mul(big.NewInt(v), r.Denom())
	return l.Cmp(new(big.Int).Mul(r.Num(), big.NewInt(base)))
}

// atLeast reports v ≥ share × base exactly. A base of 0 satisfies no positive share.
func atLeast(v, base int64, share float64) bool {
	if base <= 0 {
		return share <= 0
	}
	return compareShare(v, base, share) >= 0
}

// moreThan reports v > share × base exactly. A base of 0 satisfies nothing.
func moreThan(v, base int64, share float64) bool {
	if base <= 0 {
		return false
	}
	return compareShare(v, base, share) > 0
}

// ratio returns v/base for display, or 0 when base is 0.
func ratio(v, base int64) float64 {
	if base == 0 {
		return 0
	}
	return float64(v) / float64(base)
}
