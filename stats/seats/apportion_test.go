package seats_test

import (
	"slices"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/stats/seats"
)

// TestReferenceVectors checks every test vector of REFERENCE §5, marked [checked] there.
func TestReferenceVectors(t *testing.T) {
	for _, tc := range []struct {
		votes  []int64
		seats  int
		method string
		want   []int
	}{
		{[]int64{100000, 80000, 30000, 20000}, 8, iltod.DHondt, []int{4, 3, 1, 0}},
		{[]int64{100000, 80000, 30000, 20000}, 8, iltod.SainteLague, []int{3, 3, 1, 1}},
		{[]int64{100000, 80000, 30000, 20000}, 8, iltod.Hare, []int{3, 3, 1, 1}},
		{[]int64{100000, 80000, 30000, 20000}, 8, iltod.Droop, []int{4, 3, 1, 0}},

		{[]int64{47000, 16000, 15800, 12000, 6100, 3100}, 10, iltod.Hare, []int{5, 2, 1, 1, 1, 0}},
		{[]int64{47000, 16000, 15800, 12000, 6100, 3100}, 10, iltod.Droop, []int{5, 2, 2, 1, 0, 0}},
		{[]int64{47000, 16000, 15800, 12000, 6100, 3100}, 10, iltod.DHondt, []int{5, 2, 2, 1, 0, 0}},
		{[]int64{47000, 16000, 15800, 12000, 6100, 3100}, 10, iltod.SainteLague, []int{4, 2, 2, 1, 1, 0}},

		// The Alabama paradox: one more seat, and the two lists of 500 lose one each.
		{[]int64{1500, 1500, 900, 500, 500, 200}, 25, iltod.Hare, []int{7, 7, 4, 3, 3, 1}},
		{[]int64{1500, 1500, 900, 500, 500, 200}, 26, iltod.Hare, []int{8, 8, 5, 2, 2, 1}},

		{[]int64{53000, 24000, 23000}, 7, iltod.SainteLague, []int{3, 2, 2}},
		{[]int64{53000, 24000, 23000}, 7, iltod.DHondt, []int{4, 2, 1}},

		{[]int64{720257, 323524, 257466, 213138, 144392, 88315}, 31, iltod.Hare, []int{13, 6, 5, 4, 2, 1}},
		{[]int64{720257, 323524, 257466, 213138, 144392, 88315}, 31, iltod.SainteLague, []int{12, 6, 4, 4, 3, 2}},
	} {
		a, err := seats.Apportion(tc.method, tc.votes, tc.seats, seats.Ties{})
		if err != nil {
			t.Errorf("%s %v %d seats: %v", tc.method, tc.votes, tc.seats, err)
			continue
		}
		if a.Tie != nil || !slices.Equal(a.Seats, tc.want) {
			t.Errorf("%s %v %d seats = %v (tie %+v), want %v", tc.method, tc.votes, tc.seats, a.Seats, a.Tie, tc.want)
		}
	}
}

// TestOtherDivisors checks modified Sainte-Laguë and Huntington–Hill against allocations
// worked by hand from their divisors.
func TestOtherDivisors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		method string
		votes  []int64
		seats  int
		want   []int
	}{
		// Quotients (divisors 1.4, 3, 5, 7): A 71429 33333 20000 14285.71; B 57143 26667
		// 16000; C 21429 10000; D 14285.71. The eighth seat is a tie: 100000/7 and
		// 20000/1.4 are both exactly 100000/7.
		{"modified Sainte-Laguë, exact tie", iltod.ModifiedSainteLague, []int64{100000, 80000, 30000, 20000}, 8, nil},
		// The first divisor 1.4 holds back a small list that plain Sainte-Laguë seats.
		// Sainte-Laguë: 53000 A, 24000 B, 23000 C, 17667 A, 10600 A, then B and D both at
		// 8000 take the last two seats: 3,2,1,1. Modified: D's first quotient is
		// 8000/1.4 = 5714; the seven greatest are 37857 A, 17667 A, 17143 B, 16429 C,
		// 10600 A, 8000 B, 7667 C: 3,2,2,0.
		{"Sainte-Laguë, small list", iltod.SainteLague, []int64{53000, 24000, 23000, 8000}, 7, []int{3, 2, 1, 1}},
		{"modified Sainte-Laguë, small list", iltod.ModifiedSainteLague, []int64{53000, 24000, 23000, 8000}, 7, []int{3, 2, 2, 0}},
		// Every list first wins a seat (4 seats); then v/√(s(s+1)) with s = 1: A 70711,
		// B 56569, C 21213, D 14142. Seat 5 to A (now 100000/√6 = 40825), 6 to B (32660),
		// 7 to A (100000/√12 = 28868), 8 to B (32660 > 28868).
		{"Huntington–Hill", iltod.HuntingtonHill, []int64{100000, 80000, 30000, 20000}, 8, []int{3, 3, 1, 1}},
		// One seat each, then A 35355, B 21213, C 3536: A, then B 21213 > A 20412.
		{"Huntington–Hill, small list seated", iltod.HuntingtonHill, []int64{50000, 30000, 5000}, 5, []int{2, 2, 1}},
		// Fewer seats than lists: the first seats go to the most votes.
		{"Huntington–Hill, seats < lists", iltod.HuntingtonHill, []int64{100, 300, 200}, 2, []int{0, 1, 1}},
		// A list without votes wins nothing, even under Huntington–Hill.
		{"Huntington–Hill, no votes", iltod.HuntingtonHill, []int64{100, 0, 200}, 4, []int{1, 0, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := seats.Apportion(tc.method, tc.votes, tc.seats, seats.Ties{})
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == nil {
				if a.Tie == nil {
					t.Fatalf("got %v, want a tie", a.Seats)
				}
				return
			}
			if a.Tie != nil || !slices.Equal(a.Seats, tc.want) {
				t.Fatalf("got %v (tie %+v), want %v", a.Seats, a.Tie, tc.want)
			}
		})
	}
}

// TestDroopQuotaRule shows that Droop's largest remainders, unlike Hare's, can give a
// list more than the ceiling of its exact quota v·S/V. Votes 48, 8, 8 for 4 seats:
// V = 64, q = ⌊64/5⌋+1 = 13; 48 = 3·13 r 9, 8 = 0·13 r 8 (twice); the seat left goes to
// the remainder 9, so the first list wins 4 seats, though its exact quota 48·4/64 is 3.
// Hare gives it its 3 (q = 16: 3 r 0, 0 r 8, 0 r 8) and leaves the last seat to a tie.
func TestDroopQuotaRule(t *testing.T) {
	votes := []int64{48, 8, 8}
	d, err := seats.Apportion(iltod.Droop, votes, 4, seats.Ties{})
	if err != nil || d.Tie != nil || !slices.Equal(d.Seats, []int{4, 0, 0}) {
		t.Fatalf("Droop: %v %+v %v", d.Seats, d.Tie, err)
	}
	h, err := seats.Apportion(iltod.Hare, votes, 4, seats.Ties{})
	if err != nil || h.Tie == nil || !slices.Equal(h.Seats, []int{3, 0, 0}) || !slices.Equal(h.Tie.Among, []int{1, 2}) {
		t.Fatalf("Hare: %v %+v %v", h.Seats, h.Tie, err)
	}
}
