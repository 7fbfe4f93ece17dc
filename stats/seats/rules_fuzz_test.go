package seats_test

import (
	"slices"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/stats/seats"
)

// FuzzApportionFrom checks, for random votes, seats held already and seats to add, by
// every divisor method: the seats added add up to the seats asked (or, with a tie, the
// seats not in dispute and the tied seats do); a list without votes gains nothing; and
// with seats held already all 0 the result is Apportion's. With a full tie rule no tie
// is left, and adding to a list's seats held never gives it more new seats.
func FuzzApportionFrom(f *testing.F) {
	// Scotland 2021, Highlands and Islands, in hundreds of votes: SNP 964 (6 held),
	// Con 608, LD 268 (2), Lab 227, Green 177.
	f.Add([]byte{0x03, 0xc4, 0x02, 0x60, 0x01, 0x0c, 0x00, 0xe3, 0x00, 0xb1}, []byte{6, 0, 2, 0, 0}, uint8(7))
	f.Add([]byte{0x00, 0x64, 0x00, 0x64}, []byte{0, 0}, uint8(3))
	f.Add([]byte{0x00, 0x00, 0x00, 0x05}, []byte{9, 0}, uint8(2))
	f.Fuzz(func(t *testing.T, raw, held []byte, seatsN uint8) {
		votes := fuzzVotes(raw)
		if len(votes) == 0 {
			return
		}
		from := make([]int, len(votes))
		for i := range from {
			if i < len(held) {
				from[i] = int(held[i])
			}
		}
		n := int(seatsN)
		var V int64
		for _, v := range votes {
			V += v
		}
		for _, method := range divisorMethods {
			a, err := seats.ApportionFrom(method, votes, from, n, seats.Ties{})
			if V == 0 {
				if (err == nil) != (n == 0) {
					t.Fatalf("%s: no votes, %d seats: err = %v", method, n, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: %v", method, err)
			}
			got := total(a.Seats)
			if a.Tie != nil {
				got += a.Tie.Seats
			}
			if got != n {
				t.Fatalf("%s: %v (tie %v) for %d seats", method, a.Seats, a.Tie, n)
			}
			for i, v := range votes {
				if v == 0 && a.Seats[i] != 0 {
					t.Fatalf("%s: list %d without votes gains %d", method, i, a.Seats[i])
				}
			}
			full, _ := seats.ApportionFrom(method, votes, from, n, fullTies(len(votes)))
			if full.Tie != nil {
				t.Fatalf("%s: a tie is left with a full tie rule: %v", method, full.Tie)
			}
			if slices.Max(from) == 0 {
				b, _ := seats.Apportion(method, votes, n, seats.Ties{})
				if !slices.Equal(a.Seats, b.Seats) {
					t.Fatalf("%s: from zero %v, Apportion %v", method, a.Seats, b.Seats)
				}
			}
			more := slices.Clone(from)
			more[0]++
			m, _ := seats.ApportionFrom(method, votes, more, n, fullTies(len(votes)))
			if m.Seats[0] > full.Seats[0] {
				t.Fatalf("%s: holding one more seat, list 0 gains %d > %d", method, m.Seats[0], full.Seats[0])
			}
		}
	})
}

// FuzzAllocateRules allocates random list votes with the rules of issue 18 switched on
// by the bits of rules: a threshold with exemptions, alliances of neighbouring lists,
// mmp or ams with random constituency seats. It checks that Allocate either refuses with
// an invalid-input error or gives no list below the threshold a seat; that an alliance's
// seats are its lists' seats; and that an mmp list's seats are its entitlement less its
// constituency seats, never negative, with overhang only where they exceed it.
func FuzzAllocateRules(f *testing.F) {
	f.Add([]byte{0x10, 0x00, 0x08, 0x00, 0x01, 0x00, 0x00, 0x30}, []byte{2, 0, 1, 0}, uint8(10), uint8(0x07))
	f.Add([]byte{0x01, 0x00, 0x01, 0x00, 0x01, 0x00}, []byte{0, 0, 0}, uint8(3), uint8(0x02))
	f.Add([]byte{0x40, 0x00, 0x02, 0x00, 0x20, 0x00}, []byte{5, 1, 0}, uint8(4), uint8(0x18))
	f.Fuzz(func(t *testing.T, raw, won []byte, seatsN uint8, rules uint8) {
		votes := fuzzVotes(raw)
		if len(votes) < 2 || seatsN == 0 {
			return
		}
		codes := make([]string, len(votes))
		for i := range codes {
			codes[i] = string(rune('A' + i))
		}
		methods := append(slices.Clone(divisorMethods), quotaMethods...)
		sys := iltod.System{Kind: iltod.ListPR, Method: methods[int(rules>>5)%len(methods)]}
		if rules&1 != 0 {
			sys.Threshold, sys.ThresholdBase = 0.1, iltod.BaseListValid
		}
		switch {
		case rules&0x08 != 0:
			sys.Mixed = iltod.MixedMMP
		case rules&0x10 != 0:
			sys.Mixed = iltod.MixedAMS
		case rules&2 != 0:
			sys.Alliances = [][]string{{"A", "B"}}
		}
		c := contest("F", int(seatsN), sys, codes...)
		if rules&4 != 0 {
			c.Choices[len(codes)-1].ThresholdExempt = true
		}
		tot := seats.Totals{Votes: map[string]int64{}}
		for i, v := range votes {
			tot.Votes[codes[i]] = v
			tot.Valid += v
		}
		o := seats.Options{Won: map[string]int{}}
		for i := range codes {
			if i < len(won) {
				o.Won[codes[i]] = int(won[i] % 16)
			}
		}
		r, err := seats.Allocate(c, tot, o)
		if err != nil {
			if iltod.ErrorCodeOf(err) != iltod.EInvalid {
				t.Fatalf("error of code %v: %v", iltod.ErrorCodeOf(err), err)
			}
			return
		}
		for _, code := range r.Excluded {
			if r.Seats[code] != 0 {
				t.Fatalf("%s below the threshold has %d seats", code, r.Seats[code])
			}
		}
		for name, n := range r.Alliances {
			if name == "A+B" && r.Outcome == seats.OutcomeElected && r.Seats["A"]+r.Seats["B"] != n {
				t.Fatalf("alliance %d seats, lists %d + %d", n, r.Seats["A"], r.Seats["B"])
			}
		}
		if sys.Mixed == iltod.MixedMMP && r.Outcome == seats.OutcomeElected {
			for _, code := range codes {
				e, w, s := r.Entitled[code], o.Won[code], r.Seats[code]
				if s < 0 || (s > 0 && s != e-w) || r.Overhang[code] > 0 && r.Overhang[code] != w-e {
					t.Fatalf("%s: entitled %d, won %d, list %d, overhang %d", code, e, w, s, r.Overhang[code])
				}
			}
		}
		if sys.Mixed == "" && r.Outcome == seats.OutcomeElected {
			n := 0
			for _, s := range r.Seats {
				n += s
			}
			if n != int(seatsN) {
				t.Fatalf("%d seats of %d", n, seatsN)
			}
		}
	})
}
