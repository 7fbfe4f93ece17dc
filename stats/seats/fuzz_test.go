package seats_test

import (
	"math/big"
	"slices"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/stats/seats"
)

var (
	divisorMethods = []string{iltod.DHondt, iltod.SainteLague, iltod.ModifiedSainteLague, iltod.HuntingtonHill}
	quotaMethods   = []string{iltod.Hare, iltod.Droop}
)

// fuzzVotes reads up to 12 lists' votes, two bytes each; when the first byte is a
// multiple of 4 they are scaled by 2⁴⁰ to reach the far end of int64.
func fuzzVotes(raw []byte) []int64 {
	var votes []int64
	for i := 0; i+1 < len(raw) && len(votes) < 12; i += 2 {
		votes = append(votes, int64(raw[i])<<8|int64(raw[i+1]))
	}
	if len(raw) > 0 && raw[0]%4 == 0 {
		for i := range votes {
			votes[i] <<= 40
		}
	}
	return votes
}

// fullTies breaks every tie: most votes, then a lot in index order.
func fullTies(n int) seats.Ties {
	lot := make([]int, n)
	for i := range lot {
		lot[i] = i
	}
	return seats.Ties{Rule: iltod.TieMostVotes, Lot: lot}
}

func total(s []int) int {
	n := 0
	for _, v := range s {
		n += v
	}
	return n
}

// FuzzApportion checks, for random votes and seats and every method:
//   - the seats add up to the seats to allocate, or, with a tie left, the seats not in
//     dispute and the tied seats do; a list without votes wins nothing;
//   - with most votes and then a lot as the tie rule, no tie is left;
//   - divisor methods: a list's seats never fall when its votes rise (population
//     monotonicity) nor anyone's when a seat is added (house monotonicity), and the
//     seats match an independent count of each list's quotients among the S greatest;
//   - Hare stays within the floor and ceiling of each list's exact quota v·S/V (the
//     quota rule); Droop stays above the floor when V ≥ S(S+1).
func FuzzApportion(f *testing.F) {
	f.Add([]byte{0x01, 0x86, 0xa0, 0x01, 0x38, 0x80, 0x75, 0x30, 0x4e, 0x20}, uint8(8), uint8(2), uint16(5000))
	f.Add([]byte{0x05, 0xdc, 0x05, 0xdc, 0x03, 0x84, 0x01, 0xf4, 0x01, 0xf4, 0x00, 0xc8}, uint8(25), uint8(5), uint16(1))
	f.Add([]byte{0x00, 0x64, 0x00, 0x64}, uint8(1), uint8(0), uint16(0))
	f.Add([]byte{0x00, 0x03, 0x00, 0x01, 0x00, 0x00}, uint8(200), uint8(1), uint16(7))
	f.Fuzz(func(t *testing.T, raw []byte, seatsN uint8, k uint8, delta uint16) {
		votes := fuzzVotes(raw)
		if len(votes) == 0 {
			return
		}
		n := int(seatsN)
		var V int64
		for _, v := range votes {
			V += v
		}
		for _, method := range append(slices.Clone(divisorMethods), quotaMethods...) {
			a, err := seats.Apportion(method, votes, n, seats.Ties{})
			if V == 0 {
				if (err == nil) != (n == 0) {
					t.Fatalf("%s: no votes, %d seats: err = %v", method, n, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s %v %d: %v", method, votes, n, err)
			}
			checkSum(t, method, votes, n, a)

			full, err := seats.Apportion(method, votes, n, fullTies(len(votes)))
			if err != nil {
				t.Fatal(err)
			}
			if full.Tie != nil {
				t.Fatalf("%s %v %d: tie %+v left with every tie rule", method, votes, n, *full.Tie)
			}
			checkSum(t, method, votes, n, full)

			if slices.Contains(divisorMethods, method) {
				i := int(k) % len(votes)
				more := slices.Clone(votes)
				more[i] += int64(delta)
				m, err := seats.Apportion(method, more, n, fullTies(len(votes)))
				if err != nil {
					t.Fatal(err)
				}
				if m.Seats[i] < full.Seats[i] {
					t.Fatalf("%s: list %d lost seats when its votes rose: %v %v → %v %v", method, i, votes, full.Seats, more, m.Seats)
				}
				h, err := seats.Apportion(method, votes, n+1, fullTies(len(votes)))
				if err != nil {
					t.Fatal(err)
				}
				for j := range votes {
					if h.Seats[j] < full.Seats[j] {
						t.Fatalf("%s: list %d lost a seat when seats rose from %d: %v → %v", method, j, n, full.Seats, h.Seats)
					}
				}
				if method != iltod.HuntingtonHill && a.Tie == nil {
					if want := countQuotients(method, votes, n); want != nil && !slices.Equal(a.Seats, want) {
						t.Fatalf("%s %v %d: %v, by counting quotients %v", method, votes, n, a.Seats, want)
					}
				}
			}
			if n > 0 && (method == iltod.Hare || method == iltod.Droop) {
				for j, v := range votes {
					// The exact quota v·S/V, its floor and its ceiling.
					q := new(big.Rat).SetFrac(new(big.Int).Mul(big.NewInt(v), big.NewInt(int64(n))), big.NewInt(V))
					lo := new(big.Int).Quo(q.Num(), q.Denom())
					hi := new(big.Int).Set(lo)
					if !q.IsInt() {
						hi.Add(hi, big.NewInt(1))
					}
					s := big.NewInt(int64(full.Seats[j]))
					if method == iltod.Hare && (s.Cmp(lo) < 0 || s.Cmp(hi) > 0) {
						t.Fatalf("Hare %v %d: list %d has %d seats, outside its quota %s", votes, n, j, full.Seats[j], q.FloatString(3))
					}
					// Droop can exceed the upper quota (TestDroopQuotaRule); it keeps
					// the lower one when V ≥ S(S+1), for then its quota is at most V/S.
					if method == iltod.Droop && V >= int64(n)*int64(n+1) && s.Cmp(lo) < 0 {
						t.Fatalf("Droop %v %d: list %d has %d seats, below its quota %s", votes, n, j, full.Seats[j], q.FloatString(3))
					}
				}
			}
		}
	})
}

func checkSum(t *testing.T, method string, votes []int64, n int, a seats.Apportionment) {
	t.Helper()
	got := total(a.Seats)
	if a.Tie != nil {
		if got+a.Tie.Seats != n || a.Tie.Seats < 1 || len(a.Tie.Among) <= a.Tie.Seats {
			t.Fatalf("%s %v %d: %v with tie %+v", method, votes, n, a.Seats, *a.Tie)
		}
	} else if got != n {
		t.Fatalf("%s %v %d: %v adds up to %d", method, votes, n, a.Seats, got)
	}
	for i, v := range votes {
		if v == 0 && a.Seats[i] > 0 {
			t.Fatalf("%s %v %d: list %d won %d seats without votes", method, votes, n, i, a.Seats[i])
		}
	}
}

// countQuotients allocates by listing every list's quotients v/d(s) for s < n as exact
// fractions and counting each list's among the n greatest: the textbook form of a
// divisor method, independent of Apportion's seat-by-seat loop. It returns nil when the
// n-th and n+1-th quotients are equal (a tie the rule would decide).
func countQuotients(method string, votes []int64, n int) []int {
	type quot struct {
		list int
		q    *big.Rat
	}
	var qs []quot
	for i, v := range votes {
		if v == 0 {
			continue
		}
		for s := 0; s < n; s++ {
			var d *big.Rat
			switch method {
			case iltod.DHondt:
				d = big.NewRat(int64(s)+1, 1)
			case iltod.SainteLague:
				d = big.NewRat(2*int64(s)+1, 1)
			case iltod.ModifiedSainteLague:
				d = big.NewRat(2*int64(s)+1, 1)
				if s == 0 {
					d = big.NewRat(7, 5)
				}
			}
			qs = append(qs, quot{i, new(big.Rat).Quo(new(big.Rat).SetInt64(v), d)})
		}
	}
	slices.SortStableFunc(qs, func(a, b quot) int { return b.q.Cmp(a.q) })
	if n < len(qs) && n > 0 && qs[n-1].q.Cmp(qs[n].q) == 0 {
		return nil
	}
	out := make([]int, len(votes))
	for _, q := range qs[:min(n, len(qs))] {
		out[q.list]++
	}
	return out
}
