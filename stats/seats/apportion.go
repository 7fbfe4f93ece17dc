package seats

import (
	"cmp"
	"math"
	"math/big"
	"math/bits"
	"slices"
	"strconv"

	"github.com/iltod/iltod"
)

// Apportionment is the outcome of Apportion.
type Apportionment struct {
	// Seats holds the seats won by each list, by index. Without a Tie they add up to the
	// seats allocated.
	Seats []int
	// Tie, if not nil, is a tie that Ties could not break: Tie.Seats seats are still to
	// be given among the lists Tie.Among, and Seats holds only the seats not in dispute.
	Tie *Tie
}

// Tie is a tie left unbroken: Seats seats are to be given among the choices Among (indices,
// ascending), and there are more of them than seats (len(Among) > Seats ≥ 1).
type Tie struct {
	Among []int
	Seats int
}

// Ties says how to break a tie between choices with equal claims to a seat.
type Ties struct {
	// Rule is iltod.TieLot, iltod.TieMostVotes or iltod.TieBallotOrder; "" means TieLot.
	// TieMostVotes prefers the choice with more votes; TieBallotOrder the choice listed
	// earlier on the ballot. A rule that cannot separate the tied choices (equal votes, or
	// a choice with no ballot position) leaves the tie to the lot.
	Rule string
	// Ballot holds each choice's ballot position, 1 being first, by index. Nil, or a
	// position of 0 or less, means the choice has no position. Positions must be distinct.
	Ballot []int
	// Lot holds each choice's place in an order drawn by lot, 0 being drawn first and
	// preferred, by index. Nil, or a negative place, means no lot has been drawn for the
	// choice. Places must be distinct. The lot is the rule for TieLot and the last resort
	// for the other rules; a tie it cannot break either is left unbroken.
	Lot []int
}

// Apportion divides seats among lists in proportion to their votes (indexed as votes) by
// method, one of:
//
//   - iltod.DHondt, iltod.SainteLague, iltod.ModifiedSainteLague, iltod.HuntingtonHill:
//     divisor methods. Each seat in turn goes to the list with the greatest quotient
//     v/d(s), s being the seats it has won so far: D'Hondt d(s) = s+1; Sainte-Laguë
//     d(s) = 2s+1; modified Sainte-Laguë d(0) = 1.4, d(s) = 2s+1 for s ≥ 1;
//     Huntington–Hill d(s) = √(s(s+1)). Huntington–Hill's d(0) = 0 gives every list with
//     votes an infinite claim to its first seat: when there are at least as many seats
//     as lists with votes, every one of them first wins one seat; when there are fewer,
//     the first seats go to the lists with the most votes (as if d(0) were the same tiny
//     positive number for all), ties between equal votes going to Ties.
//   - iltod.Hare, iltod.Droop: quota methods with largest remainders. With V the total of
//     the votes and S the seats, Hare's quota is q = V/S (an exact fraction) and Droop's
//     q = ⌊V/(S+1)⌋ + 1. Each list first wins ⌊v/q⌋ seats; the seats left go one each to
//     the lists with the largest remainders v − q·⌊v/q⌋. With Hare fewer seats are left
//     than there are lists. With Droop, when there are few votes for many seats (fewer
//     than about S²), the quotas can leave as many seats as lists with votes or more; then
//     every list with votes wins one more seat, as often as that holds, before the rest
//     go by remainder. No law we know addresses that case. Hare keeps every list within
//     the floor and ceiling of its exact quota v·S/V (the quota rule) but can take a seat
//     from a list when seats are added (the Alabama paradox); Droop can give a list more
//     than the ceiling (votes 48, 8, 8 for 4 seats give 4, 0, 0 against an exact 3).
//
// A list with no votes wins no seat. To apply a threshold, set the votes of the lists
// below it to 0 before calling Apportion (see Eligible): the total V is then the votes of
// the lists above it.
//
// Comparisons are exact (see the package documentation). When lists tie for the last
// seats, ties decides; if it cannot, the Apportionment holds the seats not in dispute and
// its Tie says which lists contend for how many seats.
//
// Apportion returns an *iltod.Error with code iltod.EInvalid for an unknown method or tie
// rule, a negative number of seats or of votes, votes that add up beyond the range of
// int64, seats to allocate when no list has votes, and Ballot or Lot slices of the wrong
// length or with repeated positions.
func Apportion(method string, votes []int64, seats int, ties Ties) (Apportionment, error) {
	if err := checkApportion(method, votes, seats, ties); err != nil {
		return Apportionment{}, err
	}
	total, _ := sum(votes)
	if seats == 0 {
		return Apportionment{Seats: make([]int, len(votes))}, nil
	}
	if total == 0 {
		return Apportionment{}, iltod.E(iltod.EInvalid, "stats.seats.err_no_list_votes", map[string]any{"Seats": seats})
	}
	switch method {
	case iltod.Hare, iltod.Droop:
		return largestRemainder(method, votes, total, seats, ties), nil
	default:
		return highestAverages(method, votes, nil, seats, ties), nil
	}
}

// ApportionFrom gives seats more seats by a divisor method (not a quota method), as
// Apportion does, to lists that hold from[i] seats already: list i's first quotient is
// votes[i]/d(from[i]). It returns the seats added, by index. This is how Scotland's
// additional members are given, by D'Hondt with each party's divisor starting at the
// constituency seats it won in the region plus one (Scotland Act 1998, section 7).
//
// ApportionFrom returns the errors of Apportion, and an *iltod.Error with code
// iltod.EInvalid for a quota method, a from of another length than votes, or a negative
// number in it.
func ApportionFrom(method string, votes []int64, from []int, seats int, ties Ties) (Apportionment, error) {
	if err := checkApportion(method, votes, seats, ties); err != nil {
		return Apportionment{}, err
	}
	if !iltod.IsDivisor(method) {
		return Apportionment{}, iltod.E(iltod.EInvalid, "stats.seats.rules.err_from_quota", map[string]any{"Method": method})
	}
	if len(from) != len(votes) {
		return Apportionment{}, iltod.E(iltod.EInvalid, "stats.seats.rules.err_from_count", map[string]any{"Given": len(from), "Lists": len(votes)})
	}
	for i, n := range from {
		if n < 0 || n > maxFrom {
			return Apportionment{}, iltod.E(iltod.EInvalid, "stats.seats.rules.err_from_range", map[string]any{"List": i, "Seats": n, "Max": maxFrom})
		}
	}
	if total, _ := sum(votes); total == 0 && seats > 0 {
		return Apportionment{}, iltod.E(iltod.EInvalid, "stats.seats.err_no_list_votes", map[string]any{"Seats": seats})
	}
	return highestAverages(method, votes, from, seats, ties), nil
}

// maxFrom bounds the seats a list may hold already in ApportionFrom, so that divisors
// stay far from overflow.
const maxFrom = 1 << 30

func checkApportion(method string, votes []int64, seats int, ties Ties) error {
	switch method {
	case iltod.DHondt, iltod.SainteLague, iltod.ModifiedSainteLague, iltod.HuntingtonHill, iltod.Hare, iltod.Droop:
	default:
		return iltod.E(iltod.EInvalid, "stats.seats.err_method", map[string]any{"Method": strconv.Quote(method),
			"Methods": "dhondt, sainte_lague, modified_sainte_lague, huntington_hill, hare, droop"})
	}
	if seats < 0 {
		return iltod.E(iltod.EInvalid, "stats.seats.err_seats", map[string]any{"Seats": seats})
	}
	for i, v := range votes {
		if v < 0 {
			return iltod.E(iltod.EInvalid, "stats.seats.err_list_negative", map[string]any{"List": i, "Votes": v})
		}
	}
	if _, ok := sum(votes); !ok {
		return iltod.E(iltod.EInvalid, "stats.seats.err_votes_overflow", map[string]any{"Max": int64(math.MaxInt64)})
	}
	return ties.check(len(votes))
}

func (ts Ties) check(n int) error {
	switch ts.Rule {
	case "", iltod.TieLot, iltod.TieMostVotes, iltod.TieBallotOrder:
	default:
		return iltod.E(iltod.EInvalid, "stats.seats.err_tie_rule", map[string]any{"Rule": strconv.Quote(ts.Rule),
			"Rules": "lot, most_votes, ballot_order"})
	}
	for _, f := range []struct {
		name  string // the key of the order's messages: stats.seats.err_<name>_count, _twice
		order []int
		min   int
	}{{"ballot", ts.Ballot, 1}, {"lot", ts.Lot, 0}} {
		if f.order == nil {
			continue
		}
		if len(f.order) != n {
			return iltod.E(iltod.EInvalid, "stats.seats.err_"+f.name+"_count", map[string]any{"Given": len(f.order), "Choices": n})
		}
		seen := map[int]bool{}
		for _, p := range f.order {
			if p >= f.min && seen[p] {
				return iltod.E(iltod.EInvalid, "stats.seats.err_"+f.name+"_twice", map[string]any{"Position": p})
			}
			seen[p] = true
		}
	}
	return nil
}

// sum adds up votes, reporting false on overflow. Votes must not be negative.
func sum(votes []int64) (int64, bool) {
	var t int64
	for _, v := range votes {
		if v > math.MaxInt64-t {
			return 0, false
		}
		t += v
	}
	return t, true
}

// highestAverages gives seats one at a time to the greatest quotient. When k lists share
// the greatest quotient and at least k seats remain, each of them wins one: after one
// wins, the others still hold the greatest quotient. When fewer remain, the tie rule
// chooses, and an unbroken tie takes all the remaining seats.
//
// from, if not nil, holds the seats each list holds already; the seats returned are
// those added.
func highestAverages(method string, votes []int64, from []int, seats int, ties Ties) Apportionment {
	won := make([]int, len(votes))
	copy(won, from)
	added := func() []int {
		for i := range from {
			won[i] -= from[i]
		}
		return won
	}
	top := make([]int, 0, len(votes))
	for left := seats; left > 0; {
		top = top[:0]
		for i, v := range votes {
			if v == 0 {
				continue
			}
			if len(top) == 0 {
				top = append(top, i)
				continue
			}
			switch j := top[0]; comparePriority(method, v, won[i], votes[j], won[j]) {
			case 1:
				top = append(top[:0], i)
			case 0:
				top = append(top, i)
			}
		}
		if len(top) <= left {
			for _, i := range top {
				won[i]++
			}
			left -= len(top)
			continue
		}
		winners, tie := ties.choose(top, left, votes)
		for _, i := range winners {
			won[i]++
		}
		return Apportionment{Seats: added(), Tie: tie}
	}
	return Apportionment{Seats: added()}
}

// comparePriority compares the quotients v1/d(s1) and v2/d(s2) of method exactly,
// returning -1, 0 or +1. Votes are positive.
func comparePriority(method string, v1 int64, s1 int, v2 int64, s2 int) int {
	switch method {
	case iltod.DHondt:
		return compareProducts(uint64(v1), uint64(s2)+1, uint64(v2), uint64(s1)+1)
	case iltod.SainteLague:
		return compareProducts(uint64(v1), 2*uint64(s2)+1, uint64(v2), 2*uint64(s1)+1)
	case iltod.ModifiedSainteLague:
		// Five times the divisors, so that all are integers: 7, 15, 25, 35, …
		d := func(s int) uint64 {
			if s == 0 {
				return 7
			}
			return 5 * (2*uint64(s) + 1)
		}
		return compareProducts(uint64(v1), d(s2), uint64(v2), d(s1))
	case iltod.HuntingtonHill:
		switch {
		case s1 == 0 && s2 == 0:
			return cmp.Compare(v1, v2)
		case s1 == 0:
			return 1
		case s2 == 0:
			return -1
		}
		// v1/√(s1(s1+1)) vs v2/√(s2(s2+1)) ⇔ v1²·s2(s2+1) vs v2²·s1(s1+1).
		l := new(big.Int).SetInt64(v1)
		l.Mul(l, l).Mul(l, new(big.Int).SetUint64(uint64(s2)*(uint64(s2)+1)))
		r := new(big.Int).SetInt64(v2)
		r.Mul(r, r).Mul(r, new(big.Int).SetUint64(uint64(s1)*(uint64(s1)+1)))
		return l.Cmp(r)
	}
	panic("seats: unknown divisor method " + method)
}

// compareProducts compares a·b with c·d in 128 bits.
func compareProducts(a, b, c, d uint64) int {
	h1, l1 := bits.Mul64(a, b)
	h2, l2 := bits.Mul64(c, d)
	if h1 != h2 {
		return cmp.Compare(h1, h2)
	}
	return cmp.Compare(l1, l2)
}

// largestRemainder implements the Hare and Droop quota methods. total is positive.
func largestRemainder(method string, votes []int64, total int64, seats int, ties Ties) Apportionment {
	won := make([]int, len(votes))
	rem := make([]uint64, len(votes))
	left := seats
	var withVotes []int
	for i, v := range votes {
		if v == 0 {
			continue
		}
		withVotes = append(withVotes, i)
		var q uint64
		if method == iltod.Hare {
			// v/(V/S) = v·S/V: integer part and remainder over V, in 128 bits. The
			// quotient is at most S, so the division cannot overflow.
			hi, lo := bits.Mul64(uint64(v), uint64(seats))
			q, rem[i] = bits.Div64(hi, lo, uint64(total))
		} else {
			droop := uint64(total)/(uint64(seats)+1) + 1
			q, rem[i] = uint64(v)/droop, uint64(v)%droop
		}
		won[i] = int(q)
		left -= int(q)
	}
	for left >= len(withVotes) {
		for _, i := range withVotes {
			won[i]++
		}
		left -= len(withVotes)
	}
	if left == 0 {
		return Apportionment{Seats: won}
	}
	winners, tie := pick(withVotes, left, func(a, b int) int { return cmp.Compare(rem[a], rem[b]) }, votes, ties)
	for _, i := range winners {
		won[i]++
	}
	return Apportionment{Seats: won, Tie: tie}
}

// pick chooses n of cands (n ≥ 0), greatest by claim first, breaking a tie at the n-th
// place by ties. It returns the chosen and, if the tie is left unbroken, the Tie.
func pick(cands []int, n int, claim func(a, b int) int, votes []int64, ties Ties) ([]int, *Tie) {
	if n >= len(cands) {
		return slices.Clone(cands), nil
	}
	if n == 0 {
		return nil, nil
	}
	c := slices.Clone(cands)
	slices.SortStableFunc(c, func(a, b int) int { return claim(b, a) })
	lo, hi := n-1, n
	for lo > 0 && claim(c[lo-1], c[n-1]) == 0 {
		lo--
	}
	for hi < len(c) && claim(c[hi], c[n-1]) == 0 {
		hi++
	}
	if hi == n {
		return c[:n], nil
	}
	winners, tie := ties.choose(c[lo:hi], n-lo, votes)
	return append(c[:lo:lo], winners...), tie
}

// choose picks n of the tied choices (0 < n < len(tied)) by the tie rule and then the
// lot. What neither separates is returned as a Tie.
func (ts Ties) choose(tied []int, n int, votes []int64) ([]int, *Tie) {
	type stage func(i int) (key int, ok bool) // lower keys are preferred
	lot := func(i int) (int, bool) {
		if ts.Lot == nil || ts.Lot[i] < 0 {
			return 0, false
		}
		return ts.Lot[i], true
	}
	var stages []stage
	switch ts.Rule {
	case iltod.TieMostVotes:
		// Rank by votes, most first, so that the key is an int on every platform.
		stages = append(stages, rankBy(tied, func(a, b int) int { return cmp.Compare(votes[b], votes[a]) }))
	case iltod.TieBallotOrder:
		stages = append(stages, func(i int) (int, bool) {
			if ts.Ballot == nil || ts.Ballot[i] <= 0 {
				return 0, false
			}
			return ts.Ballot[i], true
		})
	}
	stages = append(stages, lot)

	group := slices.Clone(tied)
	var winners []int
	for _, key := range stages {
		if !applies(key, group) {
			continue
		}
		slices.SortStableFunc(group, func(a, b int) int {
			ka, _ := key(a)
			kb, _ := key(b)
			return cmp.Compare(ka, kb)
		})
		k := func(j int) int { v, _ := key(group[j]); return v }
		lo, hi := n-1, n
		for lo > 0 && k(lo-1) == k(n-1) {
			lo--
		}
		for hi < len(group) && k(hi) == k(n-1) {
			hi++
		}
		winners = append(winners, group[:lo]...)
		if hi == n {
			return append(winners, group[lo:n]...), nil
		}
		group, n = group[lo:hi], n-lo
	}
	slices.Sort(group)
	return winners, &Tie{Among: group, Seats: n}
}

// applies reports whether key gives a key to every member of group.
func applies(key func(int) (int, bool), group []int) bool {
	for _, i := range group {
		if _, ok := key(i); !ok {
			return false
		}
	}
	return true
}

// rankBy returns a key that ranks the members of group by order (equal members share a
// rank).
func rankBy(group []int, order func(a, b int) int) func(int) (int, bool) {
	s := slices.Clone(group)
	slices.SortStableFunc(s, order)
	rank := make(map[int]int, len(s))
	for j, i := range s {
		if j > 0 && order(s[j-1], i) == 0 {
			rank[i] = rank[s[j-1]]
		} else {
			rank[i] = j
		}
	}
	return func(i int) (int, bool) { r, ok := rank[i]; return r, ok }
}
