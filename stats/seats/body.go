package seats

import (
	"fmt"
	"maps"
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
	// Unfilled is the number of seats not filled (see Result.Unfilled), over all
	// contests; the seats in Parties add up to Seats − Unfilled.
	Unfilled int
	// Contests holds each contest's Result, in the order given.
	Contests []Result
}

// AllocateBody fills the seats of body b from its contests, each by Allocate, and adds
// them up by party (Choice.Party), tier by tier and over the body: a parallel system,
// with no compensation between tiers. Ties, runoffs and other unfilled seats are counted
// in Unfilled, not reported as errors.
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
	out := BodyResult{Body: b.Code, Seats: b.Seats, Tiers: map[string]map[string]int{}}
	for _, t := range b.Tiers {
		out.Tiers[t.Code] = map[string]int{}
	}
	for _, ct := range contests {
		r, err := Allocate(ct.Contest, ct.Totals, ct.Options)
		if err != nil {
			return BodyResult{}, fmt.Errorf("body %s: %w", b.Code, err)
		}
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
