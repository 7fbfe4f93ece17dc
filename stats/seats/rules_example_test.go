package seats_test

import (
	"fmt"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/stats/seats"
)

// A list exempt from the threshold: Germany's SSW, a party of the Danish minority, with
// 55,578 of 46,442,023 valid second votes in 2021 (0.12%), and Die Linke, 4.89%, which
// passed by winning three constituencies (Federal Elections Act §6(3)).
func ExamplePasses() {
	sys := iltod.System{Kind: iltod.ListPR, Method: iltod.SainteLague, Threshold: 0.05, ThresholdBase: iltod.BaseValid, QualifyWon: 3}
	const valid = 46442023
	fmt.Println(seats.Passes(sys, iltod.Choice{Code: "ssw", ThresholdExempt: true}, 55578, valid, 0))
	fmt.Println(seats.Passes(sys, iltod.Choice{Code: "ssw"}, 55578, valid, 0))
	fmt.Println(seats.Passes(sys, iltod.Choice{Code: "linke"}, 2270906, valid, 3))
	// Output:
	// true
	// false
	// true
}

// A threshold exemption in a contest: C, with 3% of the votes, is a national minority's
// list and keeps its seat under a 5% threshold; D, with 4%, does not.
func ExampleAllocate_thresholdExempt() {
	c := &iltod.Contest{Code: "L", Name: iltod.Text{"en": "L"}, Areas: []string{"all"}, Seats: 20,
		System: iltod.System{Kind: iltod.ListPR, Method: iltod.SainteLague, Threshold: 0.05, ThresholdBase: iltod.BaseValid}}
	for _, code := range []string{"A", "B", "C", "D"} {
		c.Choices = append(c.Choices, iltod.Choice{Code: code, Kind: iltod.PartyList, Name: iltod.Text{"en": code}, Party: code,
			ThresholdExempt: code == "C"})
	}
	r, _ := seats.Allocate(c, seats.Totals{Votes: map[string]int64{"A": 5300, "B": 3900, "C": 300, "D": 400}, Valid: 10000}, seats.Options{})
	fmt.Println(r.Seats, r.Excluded)
	// Output:
	// map[A:11 B:8 C:1 D:0] [D]
}

// Israel's 2022 surplus agreements: Likud and Religious Zionism count as one list for
// D'Hondt (the Bader-Ofer method), and Labor's agreement with Meretz lapses because
// Meretz is below 3.25%. Likud wins the seat that Labor would win without them.
func ExampleAllocate_alliances() {
	c := &iltod.Contest{Code: "knesset", Name: iltod.Text{"en": "Knesset"}, Areas: []string{"IL"}, Seats: 120,
		System: iltod.System{Kind: iltod.ListPR, Method: iltod.DHondt, Threshold: 0.0325, ThresholdBase: iltod.BaseValid,
			Alliances: [][]string{{"likud", "rz"}, {"yesh-atid", "nu"}, {"shas", "utj"}, {"labor", "meretz"}}}}
	votes := map[string]int64{"likud": 1115336, "yesh-atid": 847435, "rz": 516470, "nu": 432482, "shas": 392964,
		"utj": 280194, "yb": 213687, "raam": 194047, "hadash-taal": 178735, "labor": 175992, "meretz": 150696, "balad": 138093}
	for _, code := range []string{"likud", "yesh-atid", "rz", "nu", "shas", "utj", "yb", "raam", "hadash-taal", "labor", "meretz", "balad"} {
		c.Choices = append(c.Choices, iltod.Choice{Code: code, Kind: iltod.PartyList, Name: iltod.Text{"en": code}, Party: code})
	}
	r, _ := seats.Allocate(c, seats.Totals{Votes: votes, Valid: 4764742}, seats.Options{})
	fmt.Println(r.Seats["likud"], r.Seats["labor"], r.Lapsed, r.Alliances["likud+rz"])
	// Output:
	// 32 4 [labor+meretz] 46
}

// New Zealand 2023: Te Pāti Māori, entitled to 4 of 120 seats by Sainte-Laguë, won 6
// electorates and keeps them: an overhang of 2. The contest's 49 seats are the list
// seats before overhang (120 less the 71 electorates decided).
func ExampleAllocate_mmp() {
	c := &iltod.Contest{Code: "party", Name: iltod.Text{"en": "Party vote"}, Areas: []string{"NZ"}, Seats: 49,
		System: iltod.System{Kind: iltod.ListPR, Method: iltod.SainteLague, Threshold: 0.05, ThresholdBase: iltod.BaseValid,
			QualifyWon: 1, Mixed: iltod.MixedMMP}}
	codes := []string{"national", "labour", "green", "act", "nzf", "tpm"}
	for _, code := range codes {
		c.Choices = append(c.Choices, iltod.Choice{Code: code, Kind: iltod.PartyList, Name: iltod.Text{"en": code}, Party: code})
	}
	votes := map[string]int64{"national": 1085851, "labour": 767540, "green": 330907, "act": 246473, "nzf": 173553, "tpm": 87844}
	won := map[string]int{"national": 43, "labour": 17, "green": 3, "act": 2, "tpm": 6}
	r, _ := seats.Allocate(c, seats.Totals{Votes: votes, Valid: 2852600}, seats.Options{Won: won})
	for _, code := range codes {
		fmt.Printf("%-8s entitled %2d  electorates %2d  list %2d  overhang %d\n", code, r.Entitled[code], won[code], r.Seats[code], r.Overhang[code])
	}
	// Output:
	// national entitled 48  electorates 43  list  5  overhang 0
	// labour   entitled 34  electorates 17  list 17  overhang 0
	// green    entitled 15  electorates  3  list 12  overhang 0
	// act      entitled 11  electorates  2  list  9  overhang 0
	// nzf      entitled  8  electorates  0  list  8  overhang 0
	// tpm      entitled  4  electorates  6  list  0  overhang 2
}

// Scotland 2021, Highlands and Islands: 7 additional members by D'Hondt, each party's
// divisor starting at its constituency seats plus one (SNP 6, Liberal Democrats 2).
func ExampleApportionFrom() {
	votes := []int64{96433, 60779, 26771, 22713, 17729} // SNP, Con, LD, Lab, Green
	a, _ := seats.ApportionFrom(iltod.DHondt, votes, []int{6, 0, 2, 0, 0}, 7, seats.Ties{})
	fmt.Println(a.Seats)
	// Output:
	// [1 4 0 1 1]
}

// A threshold over the tier, as in Poland's Sejm: R has 9.9% of district 1 but 4.95% of
// the country, below 5%, and wins nothing in district 1.
func ExampleAllocateBody_tierThreshold() {
	sys := iltod.System{Kind: iltod.ListPR, Method: iltod.DHondt, Threshold: 0.05, ThresholdBase: iltod.BaseValid, ThresholdScope: iltod.ScopeTier}
	district := func(code string, votes map[string]int64) seats.ContestTotals {
		c := &iltod.Contest{Code: code, Name: iltod.Text{"en": code}, Body: "sejm", Tier: "district", Areas: []string{code}, Seats: 10, System: sys}
		v := map[string]int64{}
		for _, p := range []string{"A", "B", "R"} {
			c.Choices = append(c.Choices, iltod.Choice{Code: code + "-" + p, Kind: iltod.PartyList, Name: iltod.Text{"en": p}, Party: p})
			v[code+"-"+p] = votes[p]
		}
		return seats.ContestTotals{Contest: c, Totals: seats.Totals{Votes: v, Valid: 100000}}
	}
	body := iltod.Body{Code: "sejm", Seats: 20, Tiers: []iltod.Tier{{Code: "district", Seats: 20}}}
	r, _ := seats.AllocateBody(body, []seats.ContestTotals{
		district("d1", map[string]int64{"A": 60100, "B": 30000, "R": 9900}),
		district("d2", map[string]int64{"A": 52000, "B": 48000}),
	})
	fmt.Println(r.Parties, r.Contests[0].Excluded)
	// Output:
	// map[A:12 B:8] [d1-R]
}
