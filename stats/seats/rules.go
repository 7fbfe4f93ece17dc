package seats

import (
	"fmt"
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
// lists are all past the threshold counts as one list with their votes, and its seats
// are then split among its lists by the same method. For a tie between units, an
// alliance's ballot position is its first list's, and its place in the lot its best
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
	a, err := Apportion(s.Method, uv, c.Seats, ut)
	if err != nil {
		return fmt.Errorf("contest %s: %w", c.Code, err)
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
		mv := make([]int64, len(lists))
		mt := Ties{Rule: in.ties.Rule, Ballot: make([]int, len(lists))}
		if in.ties.Lot != nil {
			mt.Lot = make([]int, len(lists))
		}
		for j, i := range lists {
			mv[j], mt.Ballot[j] = votes[i], in.ties.Ballot[i]
			if mt.Lot != nil {
				mt.Lot[j] = in.ties.Lot[i]
			}
		}
		split, err := Apportion(s.Method, mv, n, mt)
		if err != nil {
			return fmt.Errorf("contest %s: %w", c.Code, err)
		}
		for j, i := range lists {
			seats[i] = split.Seats[j]
		}
		if split.Tie != nil {
			for _, j := range split.Tie.Among {
				tied = append(tied, lists[j])
			}
			disputed += split.Tie.Seats
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
