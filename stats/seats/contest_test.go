package seats_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/stats/seats"
)

// contest builds a valid contest with one choice per code, numbered on the ballot in the
// order given. List choices belong to the party of their code.
func contest(code string, seatsN int, sys iltod.System, codes ...string) *iltod.Contest {
	c := &iltod.Contest{
		Code:   code,
		Name:   iltod.Text{"en": code},
		Areas:  []string{"MN"},
		Seats:  seatsN,
		System: sys,
	}
	kind := iltod.Candidate
	if sys.Kind == iltod.ListPR {
		kind = iltod.PartyList
	}
	for i, ch := range codes {
		c.Choices = append(c.Choices, iltod.Choice{Code: ch, Kind: kind, Name: iltod.Text{"en": ch}, Party: ch, Ballot: i + 1})
	}
	return c
}

func allocate(t *testing.T, c *iltod.Contest, tot seats.Totals, o seats.Options) seats.Result {
	t.Helper()
	r, err := seats.Allocate(c, tot, o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestThresholdBases puts a list just above and one just below a 5% threshold on each
// base. Lists: A 4982, B 3000, C 500, D 499, E 498, F 501, adding up to 9980 list votes;
// 10,000 valid ballots (20 valid for no list) and 10 blank ones.
//
//	base            size    5% of it  pass
//	list_valid      9980    499       A B C D F  (D exactly at 5%, E just below)
//	valid           10000   500       A B C F    (C exactly at 5%, D just below)
//	valid_and_blank 10010   500.5     A B F      (F just above, C just below)
func TestThresholdBases(t *testing.T) {
	votes := map[string]int64{"A": 4982, "B": 3000, "C": 500, "D": 499, "E": 498, "F": 501}
	tot := seats.Totals{Votes: votes, Valid: 10000, Blank: 10}
	for _, tc := range []struct {
		base     string
		size     int64
		excluded []string
	}{
		{iltod.BaseListValid, 9980, []string{"E"}},
		{iltod.BaseValid, 10000, []string{"D", "E"}},
		{iltod.BaseValidAndBlank, 10010, []string{"C", "D", "E"}},
	} {
		t.Run(tc.base, func(t *testing.T) {
			sys := iltod.System{Kind: iltod.ListPR, Method: iltod.Hare, Threshold: 0.05, ThresholdBase: tc.base}
			c := contest("L", 20, sys, "A", "B", "C", "D", "E", "F")
			r := allocate(t, c, tot, seats.Options{})
			if r.Base != tc.base || r.BaseVotes != tc.size {
				t.Errorf("base %s of %d, want %s of %d", r.Base, r.BaseVotes, tc.base, tc.size)
			}
			if !slices.Equal(r.Excluded, tc.excluded) {
				t.Errorf("excluded %v, want %v", r.Excluded, tc.excluded)
			}
			// The lists above the threshold share the 20 seats by Hare among themselves:
			// the quota's total is their votes alone.
			var above []int64
			var codes []string
			for _, ch := range c.Choices {
				if !slices.Contains(tc.excluded, ch.Code) {
					above = append(above, votes[ch.Code])
					codes = append(codes, ch.Code)
				}
			}
			a, err := seats.Apportion(iltod.Hare, above, 20, seats.Ties{})
			if err != nil {
				t.Fatal(err)
			}
			for i, code := range codes {
				if r.Seats[code] != a.Seats[i] {
					t.Errorf("%s: %d seats, want %d", code, r.Seats[code], a.Seats[i])
				}
			}
			for _, code := range tc.excluded {
				if r.Seats[code] != 0 {
					t.Errorf("excluded %s won %d seats", code, r.Seats[code])
				}
			}
			if r.Outcome != seats.OutcomeElected || r.Unfilled != 0 {
				t.Errorf("outcome %s, %d unfilled", r.Outcome, r.Unfilled)
			}
			if got := r.Shares["A"]; got != 4982/float64(tc.size) {
				t.Errorf("share of A %v", got)
			}
		})
	}
}

// TestThresholdSeats works one case through: base valid, 10,000 valid ballots, a 5%
// threshold; D's 499 is excluded, and Hare shares 10 seats among A 6000, B 3000, C 501
// (V = 9501, q = 950.1): quotients 6.315, 3.158, 0.527 → 6, 3, 0 and one seat left, to C
// (largest remainder .527).
func TestThresholdSeats(t *testing.T) {
	sys := iltod.System{Kind: iltod.ListPR, Method: iltod.Hare, Threshold: 0.05, ThresholdBase: iltod.BaseValid}
	c := contest("L", 10, sys, "A", "B", "C", "D")
	r := allocate(t, c, seats.Totals{Votes: map[string]int64{"A": 6000, "B": 3000, "C": 501, "D": 499}, Valid: 10000}, seats.Options{})
	want := map[string]int{"A": 6, "B": 3, "C": 1, "D": 0}
	if !maps.Equal(r.Seats, want) || !slices.Equal(r.Elected, []string{"A", "B", "C"}) || !slices.Equal(r.Excluded, []string{"D"}) {
		t.Fatalf("seats %v elected %v excluded %v, want %v", r.Seats, r.Elected, r.Excluded, want)
	}
	// Every list below: no seats.
	sys.Threshold = 0.7
	r = allocate(t, contest("L", 10, sys, "A", "B", "C", "D"), seats.Totals{Votes: map[string]int64{"A": 6000, "B": 3000, "C": 501, "D": 499}, Valid: 10000}, seats.Options{})
	if r.Outcome != seats.OutcomeUnfilled || r.Unfilled != 10 || !strings.Contains(r.Reason["en"], "threshold") {
		t.Fatalf("%+v", r)
	}
}

// TestFPTPConditions uses Mongolia's 2016 conditions: at least 28% of valid votes and at
// least 50% turnout. The conditions are met exactly at 28% and 50% (28/100 is exact here,
// though 0.28*100 in float64 is 28.000000000000004).
func TestFPTPConditions(t *testing.T) {
	sys := iltod.System{Kind: iltod.FPTP, MinShare: 0.28, MinTurnout: 0.5}
	c := contest("C01", 1, sys, "A", "B", "C", "D")
	tot := func(a, cast int64) seats.Totals {
		rest := 10000 - a
		return seats.Totals{
			Votes: map[string]int64{"A": a, "B": rest / 3, "C": rest / 3, "D": rest - 2*(rest/3)},
			Valid: 10000, Blank: 0, Cast: cast, Registered: 20000,
		}
	}
	for _, tc := range []struct {
		name    string
		t       seats.Totals
		outcome seats.Outcome
		reason  []string
	}{
		{"exactly 28% and 50%", tot(2800, 10000), seats.OutcomeElected, nil},
		{"share just below", tot(2799, 10000), seats.OutcomeUnfilled, []string{"27.99% of valid votes", "28%"}},
		{"turnout just below", tot(2800, 9999), seats.OutcomeUnfilled, []string{"turnout is 49.99%", "50%"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "turnout just below" {
				// 9999 cast cannot hold 10000 valid ballots: lower both.
				tc.t.Valid = 9999
				tc.t.Votes["D"]--
			}
			r := allocate(t, c, tc.t, seats.Options{})
			if r.Outcome != tc.outcome {
				t.Fatalf("outcome %s (%s), want %s", r.Outcome, r.Reason["en"], tc.outcome)
			}
			for _, s := range tc.reason {
				if !strings.Contains(r.Reason["en"], s) {
					t.Errorf("reason %q lacks %q", r.Reason["en"], s)
				}
			}
			if tc.outcome == seats.OutcomeElected {
				if !slices.Equal(r.Elected, []string{"A"}) || r.Seats["A"] != 1 || r.Unfilled != 0 {
					t.Errorf("elected %v seats %v", r.Elected, r.Seats)
				}
			} else if len(r.Elected) != 0 || r.Unfilled != 1 || r.Seats["A"] != 0 {
				t.Errorf("elected %v unfilled %d", r.Elected, r.Unfilled)
			}
		})
	}
	// Both conditions unmet: both reasons.
	r := allocate(t, c, seats.Totals{Votes: map[string]int64{"A": 2000, "B": 1500}, Valid: 8000, Cast: 8000, Registered: 20000}, seats.Options{})
	if r.Outcome != seats.OutcomeUnfilled || !strings.Contains(r.Reason["en"], "turnout is 40.00%") || !strings.Contains(r.Reason["en"], "25.00% of valid votes") {
		t.Fatalf("outcome %s: %s", r.Outcome, r.Reason["en"])
	}
	// A turnout just under 50% is not shown rounded up to 50.00%.
	r = allocate(t, c, seats.Totals{Votes: map[string]int64{"A": 99999}, Valid: 99999, Cast: 99999, Registered: 200000}, seats.Options{})
	if !strings.Contains(r.Reason["en"], "turnout is 49.9995%") {
		t.Fatalf("reason %q", r.Reason["en"])
	}
	// Without conditions a plurality wins.
	plain := contest("C02", 1, iltod.System{Kind: iltod.FPTP}, "A", "B", "C")
	r = allocate(t, plain, seats.Totals{Votes: map[string]int64{"A": 30, "B": 40, "C": 30}, Valid: 100}, seats.Options{})
	if !slices.Equal(r.Elected, []string{"B"}) || r.Shares["B"] != 0.4 {
		t.Fatalf("elected %v shares %v", r.Elected, r.Shares)
	}
}

func TestFPTPTies(t *testing.T) {
	tot := seats.Totals{Votes: map[string]int64{"A": 40, "B": 40, "C": 20}, Valid: 100}
	for _, tc := range []struct {
		rule string
		lot  []string
		want []string // nil: a tie between A and B
	}{
		{iltod.TieLot, nil, nil},
		{iltod.TieLot, []string{"C", "B", "A"}, []string{"B"}},
		{iltod.TieMostVotes, nil, nil},
		{iltod.TieMostVotes, []string{"B", "A"}, []string{"B"}},
		{iltod.TieBallotOrder, nil, []string{"A"}},
	} {
		t.Run(fmt.Sprint(tc.rule, tc.lot), func(t *testing.T) {
			c := contest("C01", 1, iltod.System{Kind: iltod.FPTP, Ties: tc.rule}, "A", "B", "C")
			r := allocate(t, c, tot, seats.Options{Lot: tc.lot})
			if tc.want == nil {
				if r.Outcome != seats.OutcomeTie || !slices.Equal(r.Tied, []string{"A", "B"}) || r.TiedSeats != 1 || r.Unfilled != 1 {
					t.Fatalf("%+v", r)
				}
				return
			}
			if r.Outcome != seats.OutcomeElected || !slices.Equal(r.Elected, tc.want) {
				t.Fatalf("%+v", r)
			}
		})
	}
}

// TestBlockVote elects the top 3 of 6 candidates; C and D tie for the third seat.
func TestBlockVote(t *testing.T) {
	tot := seats.Totals{Votes: map[string]int64{"A": 500, "B": 400, "C": 300, "D": 300, "E": 100, "F": 0}, Valid: 600}
	for _, tc := range []struct {
		name    string
		rule    string
		lot     []string
		elected []string
	}{
		{"tie reported", iltod.TieLot, nil, []string{"A", "B"}},
		{"most votes cannot", iltod.TieMostVotes, nil, []string{"A", "B"}},
		{"lot", iltod.TieLot, []string{"D", "C"}, []string{"A", "B", "D"}},
		{"ballot order", iltod.TieBallotOrder, nil, []string{"A", "B", "C"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := contest("C09", 3, iltod.System{Kind: iltod.BlockVote, Ties: tc.rule}, "A", "B", "C", "D", "E", "F")
			r := allocate(t, c, tot, seats.Options{Lot: tc.lot})
			if !slices.Equal(r.Elected, tc.elected) {
				t.Errorf("elected %v, want %v", r.Elected, tc.elected)
			}
			if len(tc.elected) == 2 {
				if r.Outcome != seats.OutcomeTie || !slices.Equal(r.Tied, []string{"C", "D"}) || r.TiedSeats != 1 || r.Unfilled != 1 {
					t.Errorf("%+v", r)
				}
			} else if r.Outcome != seats.OutcomeElected || r.Unfilled != 0 {
				t.Errorf("%+v", r)
			}
			if r.Base != iltod.BaseValid || r.Shares["A"] != 500.0/600 {
				t.Errorf("base %s shares %v", r.Base, r.Shares)
			}
		})
	}
	// Fewer candidates with votes than seats.
	c := contest("C13", 3, iltod.System{Kind: iltod.BlockVote}, "A", "B", "C")
	r := allocate(t, c, seats.Totals{Votes: map[string]int64{"A": 5, "B": 3}, Valid: 6}, seats.Options{})
	if r.Outcome != seats.OutcomeUnfilled || r.Unfilled != 1 || !slices.Equal(r.Elected, []string{"A", "B"}) {
		t.Fatalf("%+v", r)
	}
}

// TestTwoRoundGeneric covers the rule apart from Mongolia's figures (see mongolia_test.go).
func TestTwoRoundGeneric(t *testing.T) {
	sys := iltod.System{Kind: iltod.TwoRound, Majority: 0.5, MajorityBase: iltod.BaseValid}
	c := contest("P", 1, sys, "A", "B", "C")
	// Exactly one half is not more than one half.
	r := allocate(t, c, seats.Totals{Votes: map[string]int64{"A": 50, "B": 30, "C": 20}, Valid: 100}, seats.Options{})
	if r.Outcome != seats.OutcomeRunoff || !slices.Equal(r.Runoff, []string{"A", "B"}) || r.Unfilled != 1 {
		t.Fatalf("%+v", r)
	}
	// A tie for second place is a tie for a place in the runoff.
	r = allocate(t, c, seats.Totals{Votes: map[string]int64{"A": 40, "B": 30, "C": 30}, Valid: 100}, seats.Options{})
	if r.Outcome != seats.OutcomeTie || !slices.Equal(r.Runoff, []string{"A"}) || !slices.Equal(r.Tied, []string{"B", "C"}) || r.TiedSeats != 1 ||
		!strings.HasPrefix(r.Reason["en"], "2 choices tie for 1 place in the runoff") {
		t.Fatalf("%+v", r)
	}
	// A lower majority lets the most votes win outright.
	low := contest("P", 1, iltod.System{Kind: iltod.TwoRound, Majority: 0.4, MajorityBase: iltod.BaseValid}, "A", "B", "C")
	r = allocate(t, low, seats.Totals{Votes: map[string]int64{"A": 41, "B": 39, "C": 20}, Valid: 100}, seats.Options{})
	if r.Outcome != seats.OutcomeElected || !slices.Equal(r.Elected, []string{"A"}) {
		t.Fatalf("%+v", r)
	}
	// One candidate without a majority has no one to face.
	r = allocate(t, c, seats.Totals{Votes: map[string]int64{"A": 40}, Valid: 100}, seats.Options{})
	if r.Outcome != seats.OutcomeUnfilled {
		t.Fatalf("%+v", r)
	}
}

func TestAllocateErrors(t *testing.T) {
	list := contest("L", 5, iltod.System{Kind: iltod.ListPR, Method: iltod.DHondt}, "A", "B")
	fptp := contest("C", 1, iltod.System{Kind: iltod.FPTP, MinTurnout: 0.5}, "A", "B")
	block := contest("B", 2, iltod.System{Kind: iltod.BlockVote}, "A", "B", "C")
	for _, tc := range []struct {
		name string
		c    *iltod.Contest
		t    seats.Totals
		o    seats.Options
		code iltod.ErrorCode
	}{
		{"invalid contest", contest("L", 0, iltod.System{Kind: iltod.ListPR, Method: iltod.DHondt}, "A"), seats.Totals{Valid: 1}, seats.Options{}, iltod.EInvalid},
		{"unknown choice", list, seats.Totals{Votes: map[string]int64{"Z": 1}, Valid: 1}, seats.Options{}, iltod.EInvalid},
		{"negative votes", list, seats.Totals{Votes: map[string]int64{"A": -1}, Valid: 1}, seats.Options{}, iltod.EInvalid},
		{"valid missing", list, seats.Totals{Votes: map[string]int64{"A": 10}}, seats.Options{}, iltod.EInvalid},
		{"cast below valid and blank", list, seats.Totals{Votes: map[string]int64{"A": 10}, Valid: 10, Blank: 2, Cast: 11}, seats.Options{}, iltod.EInvalid},
		{"turnout without registered", fptp, seats.Totals{Votes: map[string]int64{"A": 10}, Valid: 10, Cast: 10}, seats.Options{}, iltod.EInvalid},
		{"round for list", list, seats.Totals{Votes: map[string]int64{"A": 10}, Valid: 10}, seats.Options{Round: 2}, iltod.EInvalid},
		{"unknown lot choice", list, seats.Totals{Votes: map[string]int64{"A": 10}, Valid: 10}, seats.Options{Lot: []string{"Z"}}, iltod.EInvalid},
		{"repeated lot choice", list, seats.Totals{Votes: map[string]int64{"A": 10}, Valid: 10}, seats.Options{Lot: []string{"A", "A"}}, iltod.EInvalid},
		{"block candidate above valid", block, seats.Totals{Votes: map[string]int64{"A": 11}, Valid: 10}, seats.Options{}, iltod.EInvalid},
		{"block marks above seats × valid", block, seats.Totals{Votes: map[string]int64{"A": 10, "B": 10, "C": 1}, Valid: 10}, seats.Options{}, iltod.EInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := seats.Allocate(tc.c, tc.t, tc.o)
			if err == nil || iltod.ErrorCodeOf(err) != tc.code {
				t.Fatalf("err = %v, want code %s", err, tc.code)
			}
		})
	}
	// A block vote may have more marks than ballots.
	if _, err := seats.Allocate(block, seats.Totals{Votes: map[string]int64{"A": 10, "B": 10}, Valid: 10}, seats.Options{}); err != nil {
		t.Fatal(err)
	}
}

func TestDrawLot(t *testing.T) {
	codes := []string{"L-A", "L-B", "L-C", "L-D"}
	a := seats.DrawLot("beacon 2024-06-28T12:00Z", codes)
	rev := slices.Clone(codes)
	slices.Reverse(rev)
	b := seats.DrawLot("beacon 2024-06-28T12:00Z", rev)
	if !slices.Equal(a, b) {
		t.Fatalf("the order depends on the input order: %v, %v", a, b)
	}
	// Computed apart from Go, with
	//	printf '%s\0%s' 'beacon 2024-06-28T12:00Z' L-A | sha256sum
	// and so on: L-B 05fafe…, L-D 916fd5…, L-A c27d10…, L-C e65e82….
	if want := []string{"L-B", "L-D", "L-A", "L-C"}; !slices.Equal(a, want) {
		t.Fatalf("got %v, want %v", a, want)
	}
	if slices.Equal(a, seats.DrawLot("another seed", codes)) && slices.Equal(a, seats.DrawLot("a third seed", codes)) {
		t.Fatalf("the seed does not matter: %v", a)
	}
}
