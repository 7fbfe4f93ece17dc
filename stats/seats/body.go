package seats

import (
	"fmt"
	"maps"
	"math"
	"math/big"
	"slices"
	"strconv"

	"github.com/iltod/iltod"
)

// ContestTotals is one contest of a body with its totals and options for Allocate.
type ContestTotals struct {
	Contest *iltod.Contest
	Totals  Totals
	Options Options
}

// BodyResult is the outcome of AllocateBody.
type BodyResult struct {
	Body string
	// Seats is the body's number of seats.
	Seats int
	// Parties maps a party code to the seats it won over all tiers. Seats won by
	// independent candidates (Choice.Party "") are counted under "".
	Parties map[string]int
	// Tiers maps a tier code to its seats by party, counted as in Parties.
	Tiers map[string]map[string]int
	// Overhang maps a party to the constituency seats it won beyond its proportional
	// share in a mixed-member proportional (mmp) contest, which it keeps; nil when no
	// party has any. Size is Seats plus all the overhang: the size of the body elected.
	Overhang map[string]int
	Size     int
	// Unfilled is the number of seats not filled (see Result.Unfilled), over all
	// contests; the seats in Parties add up to Size − Unfilled.
	Unfilled int
	// Contests holds each contest's Result, in the order given.
	Contests []Result
}

// AllocateBody fills the seats of body b from its contests, each by Allocate, and adds
// them up by party (Choice.Party), tier by tier and over the body. Ties, runoffs and
// other unfilled seats are counted in Unfilled, not reported as errors.
//
// The tiers are parallel unless a rule joins them. The contests that are not list_pr
// (the constituencies) are allocated first; then each list_pr contest, with the Options
// it needs from the others:
//
//   - a threshold over the tier (iltod.ScopeTier) is tested on each party's votes over
//     all the list_pr contests of the contest's tier, against the sum of their bases, and
//     decides Options.Qualified; a party is exempt or a coalition if any of its lists is;
//   - System.QualifyWon counts the seats each party won in all the constituencies of
//     the body (Options.Won);
//   - a Mixed contest compensates for the seats won in the contests it names in
//     System.Compensates, or in all the constituencies of the body if it names none:
//     Options.Won holds them by list (a party's seats go to its first list in the
//     contest), Options.WonOthers the seats of candidates of no list.
//
// Options.Qualified, Won and WonOthers given in contests are replaced.
//
// Every tier of b must be given exactly its seats: the contests of a tier, each with
// Body b.Code and Tier that tier's code, have seats that add up to Tier.Seats.
// AllocateBody returns an *iltod.Error with code iltod.EInvalid when they do not, for a
// contest of another body or tier or given twice, and the first error of Allocate,
// wrapped.
func AllocateBody(b iltod.Body, contests []ContestTotals) (BodyResult, error) {
	bad := func(key string, data map[string]any) (BodyResult, error) {
		data["Body"] = b.Code
		return BodyResult{}, iltod.E(iltod.EInvalid, "stats.seats.err_body_"+key, data)
	}
	tierSeats := map[string]int{}
	for _, t := range b.Tiers {
		tierSeats[t.Code] = 0
	}
	seen := map[string]bool{}
	for i, ct := range contests {
		c := ct.Contest
		switch {
		case c == nil:
			return bad("contest_missing", map[string]any{"Index": i})
		case c.Body != b.Code:
			return bad("other_body", map[string]any{"Contest": c.Code, "Other": strconv.Quote(c.Body)})
		case seen[c.Code]:
			return bad("contest_twice", map[string]any{"Contest": c.Code})
		}
		if _, ok := tierSeats[c.Tier]; !ok {
			return bad("tier_unknown", map[string]any{"Contest": c.Code, "Tier": strconv.Quote(c.Tier)})
		}
		seen[c.Code] = true
		tierSeats[c.Tier] += c.Seats
	}
	for _, t := range b.Tiers {
		if tierSeats[t.Code] != t.Seats {
			return bad("tier_seats", map[string]any{"Tier": t.Code, "Seats": t.Seats, "Given": tierSeats[t.Code]})
		}
	}
	for _, ct := range contests {
		for _, code := range ct.Contest.System.Compensates {
			if !seen[code] {
				return BodyResult{}, iltod.E(iltod.EInvalid, "stats.seats.rules.err_compensates_unknown", map[string]any{"Body": b.Code, "Contest": ct.Contest.Code, "Other": strconv.Quote(code)})
			}
		}
	}
	out := BodyResult{Body: b.Code, Seats: b.Seats, Size: b.Seats, Tiers: map[string]map[string]int{}}
	for _, t := range b.Tiers {
		out.Tiers[t.Code] = map[string]int{}
	}
	results := make([]Result, len(contests))
	won := make([]map[string]int, len(contests)) // constituency seats by party
	allWon := map[string]int{}
	for i, ct := range contests {
		if ct.Contest.System.Kind == iltod.ListPR {
			continue
		}
		r, err := Allocate(ct.Contest, ct.Totals, ct.Options)
		if err != nil {
			return BodyResult{}, fmt.Errorf("body %s: %w", b.Code, err)
		}
		results[i], won[i] = r, PartySeats(ct.Contest, r)
		for party, n := range won[i] {
			allWon[party] += n
		}
	}
	qualified, err := TierQualified(contests, allWon)
	if err != nil {
		return BodyResult{}, fmt.Errorf("body %s: %w", b.Code, err)
	}
	for i, ct := range contests {
		c := ct.Contest
		if c.System.Kind != iltod.ListPR {
			continue
		}
		o := ct.Options
		o.Qualified = qualified[i]
		if s := c.System; s.Mixed != "" || s.QualifyWon > 0 {
			byParty := allWon
			if s.Mixed != "" && len(s.Compensates) > 0 {
				byParty = map[string]int{}
				for j, other := range contests {
					if slices.Contains(s.Compensates, other.Contest.Code) {
						for party, n := range won[j] {
							byParty[party] += n
						}
					}
				}
			}
			o.Won, o.WonOthers = map[string]int{}, 0
			for party, n := range byParty {
				if code, ok := firstList(c, party); ok && party != "" {
					o.Won[code] = n
				} else {
					o.WonOthers += n
				}
			}
		}
		r, err := Allocate(c, ct.Totals, o)
		if err != nil {
			return BodyResult{}, fmt.Errorf("body %s: %w", b.Code, err)
		}
		results[i] = r
		for code, n := range r.Overhang {
			if ch, _ := c.Choice(code); n > 0 {
				if out.Overhang == nil {
					out.Overhang = map[string]int{}
				}
				out.Overhang[ch.Party] += n
				out.Size += n
			}
		}
	}
	for i, ct := range contests {
		r := results[i]
		out.Contests = append(out.Contests, r)
		out.Unfilled += r.Unfilled
		tier := out.Tiers[ct.Contest.Tier]
		for party, n := range PartySeats(ct.Contest, r) {
			tier[party] += n
		}
	}
	tiers := make([]map[string]int, 0, len(b.Tiers))
	for _, t := range b.Tiers {
		tiers = append(tiers, out.Tiers[t.Code])
	}
	out.Parties = Parallel(tiers...)
	return out, nil
}

// PartySeats returns the seats of r, the Result of contest c, by party: each choice's
// seats go to its Choice.Party, independents' to "". Parties without seats are left out.
func PartySeats(c *iltod.Contest, r Result) map[string]int {
	out := map[string]int{}
	for _, ch := range c.Choices {
		if n := r.Seats[ch.Code]; n > 0 {
			out[ch.Party] += n
		}
	}
	return out
}

// Parallel adds up the seats of tiers by party, as a parallel system does: no seat of
// one tier depends on another. The tiers are not modified.
func Parallel(tiers ...map[string]int) map[string]int {
	out := map[string]int{}
	for _, t := range tiers {
		for party, n := range t {
			out[party] += n
		}
	}
	maps.DeleteFunc(out, func(_ string, n int) bool { return n == 0 })
	return out
}

// firstList returns the code of the first list of party in c.
func firstList(c *iltod.Contest, party string) (string, bool) {
	for _, ch := range c.Choices {
		if ch.Party == party {
			return ch.Code, true
		}
	}
	return "", false
}

// TierQualified decides, for every list_pr contest whose threshold is over its tier
// (iltod.ScopeTier), which of its lists take part: by Passes on their party's votes over
// all such contests of the tier, against the sum of the contests' bases, with won the
// constituency seats of each party in the body. It returns Options.Qualified by contest
// index (nil for other contests); AllocateBody calls it, and a caller that allocates
// the contests one by one can too. The sums are exact; a base or a party's votes beyond
// the range of int64 is an *iltod.Error with code iltod.EInvalid.
func TierQualified(contests []ContestTotals, won map[string]int) ([]map[string]bool, error) {
	type tally struct {
		votes             map[string]*big.Int
		exempt, coalition map[string]bool
		base              *big.Int
	}
	tiers := map[string]*tally{}
	for _, ct := range contests {
		c, t := ct.Contest, ct.Totals
		if c.System.Kind != iltod.ListPR || c.System.ThresholdScope != iltod.ScopeTier {
			continue
		}
		x := tiers[c.Tier]
		if x == nil {
			x = &tally{votes: map[string]*big.Int{}, exempt: map[string]bool{}, coalition: map[string]bool{}, base: new(big.Int)}
			tiers[c.Tier] = x
		}
		var lists int64
		for _, ch := range c.Choices {
			v := max(t.Votes[ch.Code], 0)
			if x.votes[ch.Party] == nil {
				x.votes[ch.Party] = new(big.Int)
			}
			x.votes[ch.Party].Add(x.votes[ch.Party], big.NewInt(v))
			x.exempt[ch.Party] = x.exempt[ch.Party] || ch.ThresholdExempt
			x.coalition[ch.Party] = x.coalition[ch.Party] || ch.Coalition
			if v > math.MaxInt64-lists {
				lists = math.MaxInt64
			} else {
				lists += v
			}
		}
		switch c.System.ThresholdBase {
		case iltod.BaseValid:
			x.base.Add(x.base, big.NewInt(t.Valid))
		case iltod.BaseValidAndBlank:
			x.base.Add(x.base, big.NewInt(t.Valid)).Add(x.base, big.NewInt(t.Blank))
		default:
			x.base.Add(x.base, big.NewInt(lists))
		}
	}
	out := make([]map[string]bool, len(contests))
	for i, ct := range contests {
		c := ct.Contest
		x := tiers[c.Tier]
		if c.System.Kind != iltod.ListPR || c.System.ThresholdScope != iltod.ScopeTier {
			continue
		}
		if !x.base.IsInt64() {
			return nil, iltod.E(iltod.EInvalid, "stats.seats.rules.err_tier_overflow", map[string]any{"Tier": c.Tier, "Max": int64(math.MaxInt64)})
		}
		out[i] = map[string]bool{}
		for _, ch := range c.Choices {
			v := x.votes[ch.Party]
			if !v.IsInt64() {
				return nil, iltod.E(iltod.EInvalid, "stats.seats.rules.err_tier_overflow", map[string]any{"Tier": c.Tier, "Max": int64(math.MaxInt64)})
			}
			party := ch
			party.ThresholdExempt, party.Coalition = x.exempt[ch.Party], x.coalition[ch.Party]
			out[i][ch.Code] = Passes(c.System, party, v.Int64(), x.base.Int64(), won[ch.Party])
		}
	}
	return out, nil
}
