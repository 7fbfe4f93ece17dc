package seats_test

import (
	"fmt"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/stats/seats"
)

// Four lists share 8 seats (a test vector of REFERENCE §5).
func ExampleApportion() {
	votes := []int64{100000, 80000, 30000, 20000}
	for _, method := range []string{iltod.DHondt, iltod.SainteLague, iltod.Hare, iltod.Droop} {
		a, err := seats.Apportion(method, votes, 8, seats.Ties{})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%-12s %v\n", method, a.Seats)
	}
	// Output:
	// dhondt       [4 3 1 0]
	// sainte_lague [3 3 1 1]
	// hare         [3 3 1 1]
	// droop        [4 3 1 0]
}

// The Alabama paradox: with Hare, one more seat costs two lists a seat each.
func ExampleApportion_alabama() {
	votes := []int64{1500, 1500, 900, 500, 500, 200}
	for _, n := range []int{25, 26} {
		a, _ := seats.Apportion(iltod.Hare, votes, n, seats.Ties{})
		fmt.Println(n, a.Seats)
	}
	// Output:
	// 25 [7 7 4 3 3 1]
	// 26 [8 8 5 2 2 1]
}

// A tie no rule breaks is reported with the seats not in dispute; a lot then decides.
func ExampleApportion_tie() {
	votes := []int64{200, 100} // D'Hondt: the second seat is 200/2 against 100.
	a, _ := seats.Apportion(iltod.DHondt, votes, 2, seats.Ties{Rule: iltod.TieLot})
	fmt.Println(a.Seats, a.Tie.Among, a.Tie.Seats)

	a, _ = seats.Apportion(iltod.DHondt, votes, 2, seats.Ties{Rule: iltod.TieLot, Lot: []int{1, 0}})
	fmt.Println(a.Seats, a.Tie == nil)

	a, _ = seats.Apportion(iltod.DHondt, votes, 2, seats.Ties{Rule: iltod.TieMostVotes})
	fmt.Println(a.Seats, a.Tie == nil)
	// Output:
	// [1 0] [0 1] 1
	// [1 1] true
	// [2 0] true
}

// Mongolia's 2017 presidential runoff: blank ballots count in the base, and Battulga's
// 611,226 votes are 50.61% of valid ballots including blank ones — more than half. The
// blank count is an assumption consistent with the published share (see the tests).
func ExampleAllocate() {
	c := &iltod.Contest{
		Code: "PRES-2", Name: iltod.Text{"en": "President, second round"}, Areas: []string{"MN"}, Seats: 1,
		System: iltod.System{Kind: iltod.TwoRound, Majority: 0.5, MajorityBase: iltod.BaseValidAndBlank},
		Choices: []iltod.Choice{
			{Code: "BATTULGA", Kind: iltod.Candidate, Name: iltod.Text{"en": "Kh. Battulga"}, Party: "DP"},
			{Code: "ENKHBOLD", Kind: iltod.Candidate, Name: iltod.Text{"en": "M. Enkhbold"}, Party: "MPP"},
		},
	}
	t := seats.Totals{
		Votes: map[string]int64{"BATTULGA": 611226, "ENKHBOLD": 497067},
		Valid: 611226 + 497067,
		Blank: 99350,
	}
	r, err := seats.Allocate(c, t, seats.Options{Round: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s %v: %.2f%% of %d\n", r.Outcome, r.Elected, 100*r.Shares["BATTULGA"], r.BaseVotes)

	t.Blank = 116609 // a hypothetical count that leaves him 49.90%
	r, _ = seats.Allocate(c, t, seats.Options{Round: 2})
	fmt.Printf("%s: %s\n", r.Outcome, r.Reason["en"])
	// Output:
	// elected [BATTULGA]: 50.61% of 1207643
	// void: no candidate has more than 50% of valid votes and blank ballots (the most votes are 49.90%): the runoff is void
}

// A list contest with a 5% threshold on valid votes: D's 4.99% wins nothing, and Hare
// shares the seats among the others' votes alone.
func ExampleAllocate_threshold() {
	c := &iltod.Contest{
		Code: "LIST", Name: iltod.Text{"en": "Lists"}, Areas: []string{"MN"}, Seats: 10,
		System: iltod.System{Kind: iltod.ListPR, Method: iltod.Hare, Threshold: 0.05, ThresholdBase: iltod.BaseValid},
	}
	for i, p := range []string{"A", "B", "C", "D"} {
		c.Choices = append(c.Choices, iltod.Choice{Code: p, Kind: iltod.PartyList, Name: iltod.Text{"en": p}, Party: p, Ballot: i + 1})
	}
	r, err := seats.Allocate(c, seats.Totals{
		Votes: map[string]int64{"A": 6000, "B": 3000, "C": 501, "D": 499},
		Valid: 10000,
	}, seats.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Seats["A"], r.Seats["B"], r.Seats["C"], r.Seats["D"], r.Excluded)
	// Output: 6 3 1 0 [D]
}

// First past the post with Mongolia's 2016 conditions: the leader needs 28% of valid
// votes and turnout must reach 50%.
func ExampleAllocate_fptp() {
	c := &iltod.Contest{
		Code: "C07", Name: iltod.Text{"en": "Constituency 7"}, Areas: []string{"C07"}, Seats: 1,
		System: iltod.System{Kind: iltod.FPTP, MinShare: 0.28, MinTurnout: 0.5},
		Choices: []iltod.Choice{
			{Code: "A", Kind: iltod.Candidate, Name: iltod.Text{"en": "A"}},
			{Code: "B", Kind: iltod.Candidate, Name: iltod.Text{"en": "B"}},
			{Code: "C", Kind: iltod.Candidate, Name: iltod.Text{"en": "C"}},
			{Code: "D", Kind: iltod.Candidate, Name: iltod.Text{"en": "D"}},
		},
	}
	t := seats.Totals{
		Votes: map[string]int64{"A": 2700, "B": 2600, "C": 2400, "D": 2300},
		Valid: 10000, Cast: 10200, Registered: 18000,
	}
	r, _ := seats.Allocate(c, t, seats.Options{})
	fmt.Printf("%s: %s\n", r.Outcome, r.Reason["en"])
	// Output: unfilled: the most votes are 27.00% of valid votes, less than the 28% required
}

// A parallel body: a constituency tier and a list tier, added up with no compensation.
func ExampleAllocateBody() {
	body := iltod.Body{
		Code: "SGK", Name: iltod.Text{"en": "Assembly"}, Seats: 5,
		Tiers: []iltod.Tier{
			{Code: "district", Name: iltod.Text{"en": "Constituency"}, Seats: 2},
			{Code: "list", Name: iltod.Text{"en": "Lists"}, Seats: 3},
		},
	}
	district := &iltod.Contest{
		Code: "C01", Name: iltod.Text{"en": "Constituency 1"}, Body: "SGK", Tier: "district",
		Areas: []string{"C01"}, Seats: 2, System: iltod.System{Kind: iltod.BlockVote},
		Choices: []iltod.Choice{
			{Code: "X1", Kind: iltod.Candidate, Name: iltod.Text{"en": "X1"}, Party: "X"},
			{Code: "X2", Kind: iltod.Candidate, Name: iltod.Text{"en": "X2"}, Party: "X"},
			{Code: "Y1", Kind: iltod.Candidate, Name: iltod.Text{"en": "Y1"}, Party: "Y"},
		},
	}
	list := &iltod.Contest{
		Code: "LIST", Name: iltod.Text{"en": "Lists"}, Body: "SGK", Tier: "list",
		Areas: []string{"MN"}, Seats: 3, System: iltod.System{Kind: iltod.ListPR, Method: iltod.DHondt},
		Choices: []iltod.Choice{
			{Code: "L-X", Kind: iltod.PartyList, Name: iltod.Text{"en": "X"}, Party: "X"},
			{Code: "L-Y", Kind: iltod.PartyList, Name: iltod.Text{"en": "Y"}, Party: "Y"},
		},
	}
	r, err := seats.AllocateBody(body, []seats.ContestTotals{
		{Contest: district, Totals: seats.Totals{Votes: map[string]int64{"X1": 600, "X2": 550, "Y1": 500}, Valid: 1000}},
		{Contest: list, Totals: seats.Totals{Votes: map[string]int64{"L-X": 520, "L-Y": 480}, Valid: 1000}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("constituency:", r.Tiers["district"])
	fmt.Println("lists:", r.Tiers["list"])
	fmt.Println("body:", r.Parties)
	// Output:
	// constituency: map[X:2]
	// lists: map[X:2 Y:1]
	// body: map[X:4 Y:1]
}

// A lot drawn from a public seed, for ties the tie rule cannot break.
func ExampleDrawLot() {
	fmt.Println(seats.DrawLot("beacon 2024-06-28T12:00Z", []string{"L-A", "L-B", "L-C", "L-D"}))
	// Output: [L-B L-D L-A L-C]
}
