package seats

import (
	"cmp"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/iltod/iltod"
)

// Passes reports whether a list passes the threshold of system s: it has at least
// s.Threshold of base (s.CoalitionThreshold for a list marked ch.Coalition, if set), or it
// is marked ch.ThresholdExempt, or its party won at least s.QualifyWon constituency
// seats (won), when s.QualifyWon is positive. A system without a threshold passes every
// list. Shares are compared exactly, as Eligible compares them.
func Passes(s iltod.System, ch iltod.Choice, votes, base int64, won int) bool {
	switch {
	case s.Threshold <= 0, ch.ThresholdExempt:
		return true
	case s.QualifyWon > 0 && won >= s.QualifyWon:
		return true
	}
	t := s.Threshold
	if ch.Coalition && s.CoalitionThreshold > 0 {
		t = s.CoalitionThreshold
	}
	return Eligible([]int64{votes}, base, t)[0]
}

// below reports, by choice index, the lists below the threshold: by o.Qualified when it
// is given, else by Passes on the contest's own votes. It checks o's lists.
func (in *input) below(base int64, o Options) ([]bool, error) {
	c := in.c
	bad := func(key string, data map[string]any) ([]bool, error) {
		data["Contest"] = c.Code
		return nil, iltod.E(iltod.EInvalid, "stats.seats.rules.err_"+key, data)
	}
	for code, n := range o.Won {
		if _, ok := c.Choice(code); !ok {
			return bad("won_unknown", map[string]any{"Choice": strconv.Quote(code)})
		}
		if n < 0 || n > maxFrom {
			return bad("won_range", map[string]any{"Choice": code, "Seats": n, "Max": maxFrom})
		}
	}
	if o.WonOthers < 0 || o.WonOthers > maxFrom {
		return bad("won_others", map[string]any{"Seats": o.WonOthers, "Max": maxFrom})
	}
	for code := range o.Qualified {
		if _, ok := c.Choice(code); !ok {
			return bad("qualified_unknown", map[string]any{"Choice": strconv.Quote(code)})
		}
	}
	out := make([]bool, len(c.Choices))
	if o.Qualified == nil && c.System.ThresholdScope == iltod.ScopeTier {
		return bad("scope_tier", map[string]any{})
	}
	for i, ch := range c.Choices {
		if o.Qualified != nil {
			out[i] = !o.Qualified[ch.Code]
		} else {
			out[i] = !Passes(c.System, ch, in.votes[i], base, o.Won[ch.Code])
		}
	}
	return out, nil
}

// allied allocates the seats of a list_pr contest with alliances: each alliance whose
// lists are all past the threshold counts as one list, and its seats are then split
// among its lists by the same method. By a divisor method the alliance is one list with
// their votes for all the seats; by a quota method each list keeps its own full quotas
// and the alliance pools their remainders (pooledRemainders). For a tie between units,
// an alliance's ballot position is its first list's, and its place in the lot its best
// placed list's.
func (in *input) allied(r *Result, votes []int64, below []bool) error {
	c, s := in.c, in.c.System
	index := make(map[string]int, len(c.Choices))
	for i, ch := range c.Choices {
		index[ch.Code] = i
	}
	var units [][]int // the lists of each unit, an alliance or a list alone
	name := map[int]string{}
	joined := make([]bool, len(c.Choices))
	for _, a := range s.Alliances {
		lists := make([]int, len(a))
		lapsed := false
		for j, code := range a {
			lists[j] = index[code]
			lapsed = lapsed || below[lists[j]]
		}
		if lapsed {
			r.Lapsed = append(r.Lapsed, strings.Join(a, "+"))
			continue
		}
		name[len(units)] = strings.Join(a, "+")
		units = append(units, lists)
		for _, i := range lists {
			joined[i] = true
		}
	}
	for i := range c.Choices {
		if !joined[i] {
			units = append(units, []int{i})
		}
	}
	uv := make([]int64, len(units))
	ut := Ties{Rule: in.ties.Rule, Ballot: make([]int, len(units))}
	if in.ties.Lot != nil {
		ut.Lot = make([]int, len(units))
	}
	for u, lists := range units {
		best, lot := 0, -1
		for _, i := range lists {
			uv[u] += votes[i]
			if b := in.ties.Ballot[i]; b > 0 && (best == 0 || b < best) {
				best = b
			}
			if in.ties.Lot != nil {
				if l := in.ties.Lot[i]; l >= 0 && (lot < 0 || l < lot) {
					lot = l
				}
			}
		}
		ut.Ballot[u] = best
		if ut.Lot != nil {
			ut.Lot[u] = lot
		}
	}
	var a Apportionment
	var split func(lists []int, n int) (Apportionment, error) // an alliance's n seats among its lists
	if iltod.IsDivisor(s.Method) {
		var err error
		if a, err = Apportion(s.Method, uv, c.Seats, ut); err != nil {
			return fmt.Errorf("contest %s: %w", c.Code, err)
		}
		split = func(lists []int, n int) (Apportionment, error) {
			mv := make([]int64, len(lists))
			for j, i := range lists {
				mv[j] = votes[i]
			}
			return Apportion(s.Method, mv, n, in.memberTies(lists))
		}
	} else {
		a, split = in.pooledRemainders(votes, units, uv, ut)
	}
	seats := make([]int, len(c.Choices))
	var tied []int
	disputed := 0
	if a.Tie != nil {
		for _, u := range a.Tie.Among {
			tied = append(tied, units[u]...)
		}
		disputed += a.Tie.Seats
	}
	for u, lists := range units {
		n := a.Seats[u]
		if len(lists) == 1 {
			seats[lists[0]] = n
			continue
		}
		if r.Alliances == nil {
			r.Alliances = map[string]int{}
		}
		r.Alliances[name[u]] = n
		if n == 0 {
			continue
		}
		sp, err := split(lists, n)
		if err != nil {
			return fmt.Errorf("contest %s: %w", c.Code, err)
		}
		for j, i := range lists {
			seats[i] = sp.Seats[j]
		}
		if sp.Tie != nil {
			for _, j := range sp.Tie.Among {
				tied = append(tied, lists[j])
			}
			disputed += sp.Tie.Seats
		}
	}
	for i, n := range seats {
		if n > 0 {
			r.Seats[c.Choices[i].Code] = n
			r.Elected = append(r.Elected, c.Choices[i].Code)
		}
	}
	if disputed > 0 {
		slices.Sort(tied)
		tied = slices.Compact(tied)
		in.tied(r, &Tie{Among: tied, Seats: disputed}, false)
		r.Unfilled = disputed
	}
	return nil
}

// memberTies returns the contest's ties restricted to lists, by their index in lists.
func (in *input) memberTies(lists []int) Ties {
	t := Ties{Rule: in.ties.Rule, Ballot: make([]int, len(lists))}
	if in.ties.Lot != nil {
		t.Lot = make([]int, len(lists))
	}
	for j, i := range lists {
		t.Ballot[j] = in.ties.Ballot[i]
		if t.Lot != nil {
			t.Lot[j] = in.ties.Lot[i]
		}
	}
	return t
}

// pooledRemainders allocates by a quota method with alliances: each list first wins its
// own full quotas, as Apportion computes them; the seats left go by largest remainder
// to units (alliances and lists alone), an alliance's remainder being the sum of its
// lists'. It returns the seats of each unit, and split, which gives an alliance's seats
// to its lists: their own full quotas, and the seats the alliance won by its pooled
// remainder to its lists with the largest remainders. Remainders are summed exactly in
// 128 bits. With Droop, when the quotas leave at least as many seats as units with votes,
// every such unit first wins one more seat, as often as that holds (see Apportion).
func (in *input) pooledRemainders(votes []int64, units [][]int, uv []int64, ut Ties) (Apportionment, func([]int, int) (Apportionment, error)) {
	c := in.c
	total, _ := sum(votes)
	seats := uint64(c.Seats)
	full := make([]int, len(votes))
	rem := make([]uint64, len(votes))
	left := c.Seats
	for i, v := range votes {
		if v == 0 {
			continue
		}
		var q uint64
		if c.System.Method == iltod.Hare {
			hi, lo := bits.Mul64(uint64(v), seats)
			q, rem[i] = bits.Div64(hi, lo, uint64(total))
		} else {
			droop := uint64(total)/(seats+1) + 1
			q, rem[i] = uint64(v)/droop, uint64(v)%droop
		}
		full[i] = int(q)
		left -= int(q)
	}
	type wide struct{ hi, lo uint64 }
	urem := make([]wide, len(units))
	out := Apportionment{Seats: make([]int, len(units))}
	var withVotes []int
	for u, lists := range units {
		for _, i := range lists {
			var carry uint64
			urem[u].lo, carry = bits.Add64(urem[u].lo, rem[i], 0)
			urem[u].hi += carry
			out.Seats[u] += full[i]
		}
		if uv[u] > 0 {
			withVotes = append(withVotes, u)
		}
	}
	extra := make([]int, len(units))
	for len(withVotes) > 0 && left >= len(withVotes) {
		for _, u := range withVotes {
			extra[u]++
		}
		left -= len(withVotes)
	}
	byRem := func(a, b int) int {
		if x := cmp.Compare(urem[a].hi, urem[b].hi); x != 0 {
			return x
		}
		return cmp.Compare(urem[a].lo, urem[b].lo)
	}
	winners, tie := pick(withVotes, left, byRem, uv, ut)
	for _, u := range winners {
		extra[u]++
	}
	for u := range units {
		out.Seats[u] += extra[u]
	}
	out.Tie = tie
	split := func(lists []int, n int) (Apportionment, error) {
		sp := Apportionment{Seats: make([]int, len(lists))}
		var cands []int
		for j, i := range lists {
			sp.Seats[j] = full[i]
			if votes[i] > 0 {
				cands = append(cands, j)
			}
		}
		more := n
		for _, k := range sp.Seats {
			more -= k
		}
		for len(cands) > 0 && more >= len(cands) {
			for _, j := range cands {
				sp.Seats[j]++
			}
			more -= len(cands)
		}
		mv := make([]int64, len(lists))
		for j, i := range lists {
			mv[j] = votes[i]
		}
		w, t := pick(cands, more, func(a, b int) int { return cmp.Compare(rem[lists[a]], rem[lists[b]]) }, mv, in.memberTies(lists))
		for _, j := range w {
			sp.Seats[j]++
		}
		sp.Tie = t
		return sp, nil
	}
	return out, split
}

// mmp allocates a mixed-member proportional contest: the lists past the threshold with
// votes share the body's seats (the contest's, and the constituency seats in Options.Won
// and Options.WonOthers), less the constituency seats won by candidates of no such list;
// each list's seats are its share less the constituency seats its party won, never fewer
// than none, and a party that won more keeps them as overhang.
func (in *input) mmp(r *Result, votes []int64, o Options) error {
	c := in.c
	size, others := c.Seats+o.WonOthers, o.WonOthers
	for i, ch := range c.Choices {
		w := o.Won[ch.Code]
		size += w
		if votes[i] == 0 {
			others += w
		}
	}
	r.Entitled = make(map[string]int, len(c.Choices))
	r.Overhang = map[string]int{}
	a, err := Apportion(c.System.Method, votes, max(size-others, 0), in.ties)
	if err != nil {
		return fmt.Errorf("contest %s: %w", c.Code, err)
	}
	for i, ch := range c.Choices {
		e, w := a.Seats[i], o.Won[ch.Code]
		r.Entitled[ch.Code] = e
		if votes[i] == 0 {
			continue
		}
		if w > e {
			r.Overhang[ch.Code] = w - e
		}
		if n := e - w; n > 0 {
			r.Seats[ch.Code] = n
			r.Elected = append(r.Elected, ch.Code)
		}
	}
	if a.Tie != nil {
		in.tied(r, a.Tie, false)
		r.Unfilled = a.Tie.Seats
	}
	return nil
}

// ams allocates an additional-member contest: its seats go by its divisor method, each
// list's divisors starting from the constituency seats its party won (Options.Won).
func (in *input) ams(r *Result, votes []int64, o Options) error {
	c := in.c
	from := make([]int, len(c.Choices))
	for i, ch := range c.Choices {
		from[i] = o.Won[ch.Code]
	}
	a, err := ApportionFrom(c.System.Method, votes, from, c.Seats, in.ties)
	if err != nil {
		return fmt.Errorf("contest %s: %w", c.Code, err)
	}
	for i, n := range a.Seats {
		if n > 0 {
			r.Seats[c.Choices[i].Code] = n
			r.Elected = append(r.Elected, c.Choices[i].Code)
		}
	}
	if a.Tie != nil {
		in.tied(r, a.Tie, false)
		r.Unfilled = a.Tie.Seats
	}
	return nil
}
