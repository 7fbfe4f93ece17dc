package seats_test

import (
	"fmt"
	"maps"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/stats/seats"
)

// sgk2024 builds a body shaped like Mongolia's State Great Khural of 2024 (REFERENCE §6):
// 78 seats by block vote in 13 constituencies of the reported sizes, and 48 national list
// seats. The votes are made up. They are chosen so that the tiers add up to the reported
// result, MPP 68, DP 42, HUN 8, National Coalition 4, Civil Will–Green 4; how those seats
// split between the tiers here is invented too (constituencies MPP 50, DP 26, HUN 2;
// lists MPP 18, DP 16, HUN 6, NC 4, CWG 4). The test checks the mechanics of adding
// tiers, not the real election.
func sgk2024() (iltod.Body, []seats.ContestTotals) {
	body := iltod.Body{
		Code: "SGK", Name: iltod.Text{"en": "State Great Khural"}, Seats: 126,
		Tiers: []iltod.Tier{
			{Code: "district", Name: iltod.Text{"en": "Constituencies"}, Seats: 78},
			{Code: "list", Name: iltod.Text{"en": "National lists"}, Seats: 48},
		},
	}
	// Seats of constituencies 1–13 and the made-up winners by party.
	districts := []struct{ seats, mpp, dp, hun int }{
		{9, 6, 3, 0}, {10, 7, 3, 0}, {3, 2, 1, 0}, {8, 5, 3, 0}, {10, 6, 4, 0}, {7, 5, 2, 0},
		{7, 5, 2, 0}, {5, 3, 2, 0}, {3, 1, 1, 1}, {6, 3, 2, 1}, {5, 3, 2, 0}, {3, 2, 1, 0},
		{2, 2, 0, 0},
	}
	var in []seats.ContestTotals
	for n, d := range districts {
		c := &iltod.Contest{
			Code: fmt.Sprintf("C%02d", n+1), Name: iltod.Text{"en": fmt.Sprintf("Constituency %d", n+1)},
			Body: "SGK", Tier: "district", Areas: []string{fmt.Sprintf("A%02d", n+1)},
			Seats: d.seats, System: iltod.System{Kind: iltod.BlockVote},
		}
		votes := map[string]int64{}
		add := func(party string, slate, winners int) {
			for i := range slate {
				code := fmt.Sprintf("%s-%s-%d", c.Code, party, i+1)
				c.Choices = append(c.Choices, iltod.Choice{Code: code, Kind: iltod.Candidate, Name: iltod.Text{"en": code}, Party: party, Ballot: len(c.Choices) + 1})
				votes[code] = int64(1000 + len(c.Choices)) // losers
				if i < winners {
					votes[code] = int64(5000 + len(c.Choices)) // winners
				}
			}
		}
		// Full slates for MPP and DP, one candidate each for HUN and an independent.
		add("MPP", d.seats, d.mpp)
		add("DP", d.seats, d.dp)
		add("HUN", 1, d.hun)
		add("", 1, 0)
		in = append(in, seats.ContestTotals{Contest: c, Totals: seats.Totals{Votes: votes, Valid: 10000}})
	}
	// Lists: Hare above 4% of valid votes. The five lists above the threshold have
	// 480,000 votes, so the quota is exactly 10,000 and they win 18, 16, 6, 4, 4. The
	// sixth has 19,999 of 499,999 valid votes, 3.99999%: just below 4%.
	list := &iltod.Contest{
		Code: "LIST", Name: iltod.Text{"en": "National lists"}, Body: "SGK", Tier: "list",
		Areas: []string{"MN"}, Seats: 48,
		System: iltod.System{Kind: iltod.ListPR, Method: iltod.Hare, Threshold: 0.04, ThresholdBase: iltod.BaseValid},
	}
	listVotes := map[string]int64{}
	for i, p := range []struct {
		party string
		votes int64
	}{{"MPP", 180000}, {"DP", 160000}, {"HUN", 60000}, {"NC", 40000}, {"CWG", 40000}, {"SMALL", 19999}} {
		code := "L-" + p.party
		list.Choices = append(list.Choices, iltod.Choice{Code: code, Kind: iltod.PartyList, Name: iltod.Text{"en": p.party}, Party: p.party, Ballot: i + 1})
		listVotes[code] = p.votes
	}
	in = append(in, seats.ContestTotals{Contest: list, Totals: seats.Totals{Votes: listVotes, Valid: 499999}})
	return body, in
}

func TestParallelBody(t *testing.T) {
	body, in := sgk2024()
	r, err := seats.AllocateBody(body, in)
	if err != nil {
		t.Fatal(err)
	}
	wantDistrict := map[string]int{"MPP": 50, "DP": 26, "HUN": 2}
	wantList := map[string]int{"MPP": 18, "DP": 16, "HUN": 6, "NC": 4, "CWG": 4}
	want := map[string]int{"MPP": 68, "DP": 42, "HUN": 8, "NC": 4, "CWG": 4}
	if !maps.Equal(r.Tiers["district"], wantDistrict) {
		t.Errorf("constituencies %v, want %v", r.Tiers["district"], wantDistrict)
	}
	if !maps.Equal(r.Tiers["list"], wantList) {
		t.Errorf("lists %v, want %v", r.Tiers["list"], wantList)
	}
	if !maps.Equal(r.Parties, want) {
		t.Errorf("body %v, want %v", r.Parties, want)
	}
	if !maps.Equal(seats.Parallel(wantDistrict, wantList), want) {
		t.Errorf("Parallel does not add up")
	}
	if r.Unfilled != 0 || r.Seats != 126 || len(r.Contests) != 14 {
		t.Errorf("unfilled %d, seats %d, %d contests", r.Unfilled, r.Seats, len(r.Contests))
	}
	if last := r.Contests[13]; len(last.Excluded) != 1 || last.Excluded[0] != "L-SMALL" {
		t.Errorf("excluded %v", last.Excluded)
	}
}

// TestParallelBodyUnfilled: an independent's seat counts under "", and a tie leaves its
// seat unfilled in the body's totals.
func TestParallelBodyUnfilled(t *testing.T) {
	body, in := sgk2024()
	c13 := in[12] // 2 seats: MPP-1 and MPP-2 win with 5001 and 5002.
	votes := maps.Clone(c13.Totals.Votes)
	votes["C13--1"] = 6000                 // the independent tops the poll,
	votes["C13-DP-1"] = votes["C13-MPP-2"] // and a DP candidate ties MPP-2 for the other seat.
	in[12].Totals = seats.Totals{Votes: votes, Valid: 15000}
	r, err := seats.AllocateBody(body, in)
	if err != nil {
		t.Fatal(err)
	}
	if r.Unfilled != 1 || r.Contests[12].Outcome != seats.OutcomeTie {
		t.Fatalf("unfilled %d, C13 %+v", r.Unfilled, r.Contests[12])
	}
	if r.Parties[""] != 1 || r.Parties["MPP"] != 66 || r.Tiers["district"]["MPP"] != 48 {
		t.Fatalf("parties %v", r.Parties)
	}
	total := 0
	for _, n := range r.Parties {
		total += n
	}
	if total+r.Unfilled != 126 {
		t.Fatalf("%d seats and %d unfilled do not make 126", total, r.Unfilled)
	}
}

func TestAllocateBodyErrors(t *testing.T) {
	body, in := sgk2024()
	for _, tc := range []struct {
		name string
		in   []seats.ContestTotals
	}{
		{"missing contest", in[1:]},
		{"contest twice", append(in[:len(in):len(in)], in[0])},
		{"nil contest", append(in[:len(in):len(in)], seats.ContestTotals{})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := seats.AllocateBody(body, tc.in); iltod.ErrorCodeOf(err) != iltod.EInvalid {
				t.Fatalf("err = %v", err)
			}
		})
	}
	other := *in[0].Contest
	other.Body = "CITY"
	bad := append([]seats.ContestTotals{{Contest: &other, Totals: in[0].Totals}}, in[1:]...)
	if _, err := seats.AllocateBody(body, bad); iltod.ErrorCodeOf(err) != iltod.EInvalid {
		t.Fatalf("contest of another body: err = %v", err)
	}
}
