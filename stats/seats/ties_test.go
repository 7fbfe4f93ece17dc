package seats_test

import (
	"math"
	"slices"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/stats/seats"
)

// TestTies breaks the same ties under each rule. Quotients and remainders are worked by
// hand in each case's comment.
func TestTies(t *testing.T) {
	var (
		// D'Hondt, 2 seats: A 200 wins the first; then A's 200/2 = 100 ties with B's 100.
		dhondt = []int64{200, 100}
		// Hare, 2 seats: q = 4/2 = 2; A 3/2 = 1 r ½, B 1/2 = 0 r ½: a tie of remainders.
		hare = []int64{3, 1}
		// Equal votes: nothing but the lot can separate them.
		equal = []int64{100, 100}
	)
	for _, tc := range []struct {
		name     string
		method   string
		votes    []int64
		seats    int
		ties     seats.Ties
		want     []int
		tieAmong []int // nil: no tie left
		tieSeats int
	}{
		{"lot not drawn", iltod.DHondt, dhondt, 2, seats.Ties{Rule: iltod.TieLot}, []int{1, 0}, []int{0, 1}, 1},
		{"empty rule is lot", iltod.DHondt, dhondt, 2, seats.Ties{}, []int{1, 0}, []int{0, 1}, 1},
		{"lot drawn B first", iltod.DHondt, dhondt, 2, seats.Ties{Lot: []int{1, 0}}, []int{1, 1}, nil, 0},
		{"lot drawn A first", iltod.DHondt, dhondt, 2, seats.Ties{Lot: []int{0, 1}}, []int{2, 0}, nil, 0},
		{"lot drawn for A only", iltod.DHondt, dhondt, 2, seats.Ties{Lot: []int{0, -1}}, []int{1, 0}, []int{0, 1}, 1},
		{"most votes", iltod.DHondt, dhondt, 2, seats.Ties{Rule: iltod.TieMostVotes}, []int{2, 0}, nil, 0},
		{"ballot order B first", iltod.DHondt, dhondt, 2, seats.Ties{Rule: iltod.TieBallotOrder, Ballot: []int{2, 1}}, []int{1, 1}, nil, 0},
		{"ballot order A first", iltod.DHondt, dhondt, 2, seats.Ties{Rule: iltod.TieBallotOrder, Ballot: []int{1, 2}}, []int{2, 0}, nil, 0},
		{"ballot order unnumbered", iltod.DHondt, dhondt, 2, seats.Ties{Rule: iltod.TieBallotOrder, Ballot: []int{0, 1}}, []int{1, 0}, []int{0, 1}, 1},
		{"ballot order unnumbered, lot", iltod.DHondt, dhondt, 2, seats.Ties{Rule: iltod.TieBallotOrder, Ballot: []int{0, 1}, Lot: []int{1, 0}}, []int{1, 1}, nil, 0},

		{"Hare lot not drawn", iltod.Hare, hare, 2, seats.Ties{}, []int{1, 0}, []int{0, 1}, 1},
		{"Hare lot", iltod.Hare, hare, 2, seats.Ties{Lot: []int{1, 0}}, []int{1, 1}, nil, 0},
		{"Hare most votes", iltod.Hare, hare, 2, seats.Ties{Rule: iltod.TieMostVotes}, []int{2, 0}, nil, 0},
		{"Hare ballot order", iltod.Hare, hare, 2, seats.Ties{Rule: iltod.TieBallotOrder, Ballot: []int{2, 1}}, []int{1, 1}, nil, 0},
		// Droop, 1 seat: q = ⌊2/2⌋+1 = 2; both 0 r 1.
		{"Droop most votes cannot", iltod.Droop, []int64{1, 1}, 1, seats.Ties{Rule: iltod.TieMostVotes}, []int{0, 0}, []int{0, 1}, 1},

		{"most votes, equal votes", iltod.SainteLague, equal, 1, seats.Ties{Rule: iltod.TieMostVotes}, []int{0, 0}, []int{0, 1}, 1},
		{"most votes, equal votes, lot", iltod.SainteLague, equal, 1, seats.Ties{Rule: iltod.TieMostVotes, Lot: []int{1, 0}}, []int{0, 1}, nil, 0},
		{"Huntington–Hill first seats", iltod.HuntingtonHill, []int64{100, 100, 50}, 1, seats.Ties{}, []int{0, 0, 0}, []int{0, 1}, 1},
		{"Huntington–Hill first seats, ballot", iltod.HuntingtonHill, []int64{100, 100, 50}, 1, seats.Ties{Rule: iltod.TieBallotOrder, Ballot: []int{3, 2, 1}}, []int{0, 1, 0}, nil, 0},
		// Tied for seats 3 and 4: A 300/3, B 100, C 100. Most votes gives A one;
		// B and C are left tied for the other.
		{"most votes breaks part", iltod.DHondt, []int64{300, 100, 100}, 4, seats.Ties{Rule: iltod.TieMostVotes}, []int{3, 0, 0}, []int{1, 2}, 1},
		// Three lists tied, two seats left, all taken when enough seats remain.
		{"tie with enough seats", iltod.DHondt, []int64{300, 100, 100}, 5, seats.Ties{}, []int{3, 1, 1}, nil, 0},
		// Modified Sainte-Laguë: 100000/7 = 20000/1.4 exactly, for the eighth seat.
		{"exact tie", iltod.ModifiedSainteLague, []int64{100000, 80000, 30000, 20000}, 8, seats.Ties{}, []int{3, 3, 1, 0}, []int{0, 3}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := seats.Apportion(tc.method, tc.votes, tc.seats, tc.ties)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(a.Seats, tc.want) {
				t.Errorf("seats %v, want %v", a.Seats, tc.want)
			}
			switch {
			case tc.tieAmong == nil && a.Tie != nil:
				t.Errorf("tie %+v left, want none", *a.Tie)
			case tc.tieAmong != nil && a.Tie == nil:
				t.Errorf("no tie, want %v for %d", tc.tieAmong, tc.tieSeats)
			case tc.tieAmong != nil && (!slices.Equal(a.Tie.Among, tc.tieAmong) || a.Tie.Seats != tc.tieSeats):
				t.Errorf("tie %+v, want %v for %d", *a.Tie, tc.tieAmong, tc.tieSeats)
			}
		})
	}
}

func TestApportionErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		method string
		votes  []int64
		seats  int
		ties   seats.Ties
	}{
		{"unknown method", "jefferson", []int64{1}, 1, seats.Ties{}},
		{"negative seats", iltod.DHondt, []int64{1}, -1, seats.Ties{}},
		{"negative votes", iltod.DHondt, []int64{1, -1}, 1, seats.Ties{}},
		{"overflow", iltod.DHondt, []int64{1 << 62, 1 << 62}, 1, seats.Ties{}},
		{"no votes", iltod.Hare, []int64{0, 0}, 1, seats.Ties{}},
		{"unknown rule", iltod.DHondt, []int64{1}, 1, seats.Ties{Rule: "coin"}},
		{"short lot", iltod.DHondt, []int64{1, 2}, 1, seats.Ties{Lot: []int{0}}},
		{"repeated lot place", iltod.DHondt, []int64{1, 2}, 1, seats.Ties{Lot: []int{0, 0}}},
		{"repeated ballot position", iltod.DHondt, []int64{1, 2}, 1, seats.Ties{Ballot: []int{1, 1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := seats.Apportion(tc.method, tc.votes, tc.seats, tc.ties)
			if iltod.ErrorCodeOf(err) != iltod.EInvalid {
				t.Fatalf("err = %v, want an invalid error", err)
			}
		})
	}
	// Unnumbered choices and undrawn ones may repeat their "none".
	if _, err := seats.Apportion(iltod.DHondt, []int64{1, 2, 3}, 1, seats.Ties{Ballot: []int{0, 0, 1}, Lot: []int{-1, -1, 0}}); err != nil {
		t.Fatal(err)
	}
	// No seats: nothing to allocate, even without votes.
	a, err := seats.Apportion(iltod.DHondt, []int64{0, 0}, 0, seats.Ties{})
	if err != nil || !slices.Equal(a.Seats, []int{0, 0}) {
		t.Fatalf("0 seats: %v, %v", a.Seats, err)
	}
}

func TestEligible(t *testing.T) {
	got := seats.Eligible([]int64{499, 498, 500}, 9980, 0.05)
	if want := []bool{true, false, true}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	// 28 of 100 is exactly 28%, but in float64 0.28*100 is 28.000000000000004: a float
	// comparison would fail the list.
	if got := seats.Eligible([]int64{28, 27}, 100, 0.28); !slices.Equal(got, []bool{true, false}) {
		t.Fatalf("28%% of 100: got %v", got)
	}
	if got := seats.Eligible([]int64{0, 5}, 0, 0.05); slices.Contains(got, true) {
		t.Fatalf("a base of 0 passed %v", got)
	}
	if got := seats.Eligible([]int64{0, 5}, 10, math.NaN()); slices.Contains(got, true) {
		t.Fatalf("NaN passed %v", got)
	}
	if got := seats.Eligible([]int64{0, 5}, 0, 0); slices.Contains(got, false) {
		t.Fatalf("no threshold failed %v", got)
	}
}
