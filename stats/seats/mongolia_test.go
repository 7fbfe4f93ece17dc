package seats_test

import (
	"math"
	"slices"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/stats/seats"
)

// Mongolia's presidential rule (REFERENCE §5, §6): a candidate needs more than 50% of the
// valid ballots including blank ones; otherwise the top two go to a runoff, and a runoff
// without such a majority voids the election.
var mnPresident = iltod.System{Kind: iltod.TwoRound, Majority: 0.5, MajorityBase: iltod.BaseValidAndBlank}

// Figures of the 2021 presidential election as the head of the General Election
// Commission announced them on 10 June 2021, in press reports (Xinhua: 1,216,246 ballots
// cast, 59.35%, winner 67.76%; chinggis.info: the candidates' votes and blank ballots,
// with 2,049,379 registered): Khürelsükh 823,326, Enkhbat 246,968, Erdene 72,832;
// 71,937 blank ballots. They are secondary sources, not the GEC's own tables. Valid ballots other than blank ones are the candidates' votes,
// 1,143,126; the base valid_and_blank is 1,215,063, and the 1,183 ballots left of those
// cast are invalid. These give the published shares to two decimals: Khürelsükh 67.76%
// of valid ballots including blank (REFERENCE §6), 72.02% of the candidates' votes.
var mn2021 = seats.Totals{
	Votes:      map[string]int64{"KHURELSUKH": 823326, "ENKHBAT": 246968, "ERDENE": 72832},
	Valid:      1143126,
	Blank:      71937,
	Cast:       1216246,
	Registered: 2049379,
}

// The 2017 runoff: Battulga 611,226 and Enkhbold 497,067 (final figures; 55.15% and
// 44.85% of the candidates' votes). The final count of blank ballots is not in REFERENCE
// and we did not find it. Battulga's published 50.61% of valid ballots including blank
// pins it down: 611,226 / (1,108,293 + blank) rounds to 50.61% exactly when blank is
// between 99,306 and 99,544 (see TestMongolia2017RunoffBlankRange). We take 99,350, the
// number of blank ballots in the GEC's preliminary count of 8 July 2017 (reported by The
// UB Post with slightly lower candidate figures), which lies in that range.
const (
	battulga2017 = 611226
	enkhbold2017 = 497067
	blank2017    = 99350
)

func mn2017Runoff(blank int64) seats.Totals {
	return seats.Totals{
		Votes: map[string]int64{"BATTULGA": battulga2017, "ENKHBOLD": enkhbold2017},
		Valid: battulga2017 + enkhbold2017,
		Blank: blank,
	}
}

// round2 rounds a share to a percentage with two decimals, as published.
func round2(share float64) float64 { return math.Round(share*10000) / 100 }

func TestMongolia2021(t *testing.T) {
	c := contest("PRES-2021", 1, mnPresident, "KHURELSUKH", "ENKHBAT", "ERDENE")
	r := allocate(t, c, mn2021, seats.Options{})
	if r.Outcome != seats.OutcomeElected || !slices.Equal(r.Elected, []string{"KHURELSUKH"}) {
		t.Fatalf("%+v", r)
	}
	if r.Base != iltod.BaseValidAndBlank || r.BaseVotes != 1215063 {
		t.Errorf("base %s of %d", r.Base, r.BaseVotes)
	}
	for code, want := range map[string]float64{"KHURELSUKH": 67.76, "ENKHBAT": 20.33, "ERDENE": 5.99} {
		if got := round2(r.Shares[code]); got != want {
			t.Errorf("%s: %.2f%%, want %.2f%%", code, got, want)
		}
	}
	if got := round2(float64(mn2021.Cast) / float64(mn2021.Registered)); got != 59.35 {
		t.Errorf("turnout %.2f%%, want 59.35%%", got)
	}
	// On the candidates' votes alone (base valid) he has 72.02%.
	valid := mnPresident
	valid.MajorityBase = iltod.BaseValid
	r = allocate(t, contest("PRES-2021", 1, valid, "KHURELSUKH", "ENKHBAT", "ERDENE"), mn2021, seats.Options{})
	if got := round2(r.Shares["KHURELSUKH"]); got != 72.02 || r.Outcome != seats.OutcomeElected {
		t.Errorf("on base valid: %.2f%%, %s", got, r.Outcome)
	}
}

// TestMongolia2021Hypothetical keeps the candidates' votes of 2021 and adds blank
// ballots until the winner has 49.9% of valid ballots including blank: 823,326 / 0.499
// = 1,649,952 ballots, so 506,826 blank. That first round would have gone to a runoff
// between the top two, though he still has 72.02% of the candidates' votes.
func TestMongolia2021Hypothetical(t *testing.T) {
	tot := mn2021
	tot.Blank = 1649952 - tot.Valid
	tot.Cast = tot.Valid + tot.Blank + 1183
	c := contest("PRES-2021", 1, mnPresident, "KHURELSUKH", "ENKHBAT", "ERDENE")
	r := allocate(t, c, tot, seats.Options{})
	if got := round2(r.Shares["KHURELSUKH"]); got != 49.90 {
		t.Fatalf("share %.2f%%, want 49.90%%", got)
	}
	if r.Outcome != seats.OutcomeRunoff || !slices.Equal(r.Runoff, []string{"KHURELSUKH", "ENKHBAT"}) || len(r.Elected) != 0 || r.Unfilled != 1 {
		t.Fatalf("%+v", r)
	}
}

func TestMongolia2017Runoff(t *testing.T) {
	c := contest("PRES-2017-2", 1, mnPresident, "BATTULGA", "ENKHBOLD")
	r := allocate(t, c, mn2017Runoff(blank2017), seats.Options{Round: 2})
	if r.Outcome != seats.OutcomeElected || !slices.Equal(r.Elected, []string{"BATTULGA"}) {
		t.Fatalf("%+v", r)
	}
	if got := round2(r.Shares["BATTULGA"]); got != 50.61 {
		t.Errorf("share of valid ballots incl. blank %.2f%%, want 50.61%%", got)
	}
	if got := round2(float64(battulga2017) / float64(battulga2017+enkhbold2017)); got != 55.15 {
		t.Errorf("share of candidate votes %.2f%%, want 55.15%%", got)
	}
	// A hypothetical 49.9%: 611,226 / 0.499 = 1,224,902 ballots (rounded up), so 116,609
	// blank. The runoff is then void, though Battulga still has 55.15% of the
	// candidates' votes and would win on the base valid.
	hypo := mn2017Runoff(1224902 - (battulga2017 + enkhbold2017))
	r = allocate(t, c, hypo, seats.Options{Round: 2})
	if got := round2(r.Shares["BATTULGA"]); got != 49.90 {
		t.Fatalf("hypothetical share %.2f%%, want 49.90%%", got)
	}
	if r.Outcome != seats.OutcomeVoid || len(r.Elected) != 0 || r.Unfilled != 1 {
		t.Fatalf("%+v", r)
	}
	valid := mnPresident
	valid.MajorityBase = iltod.BaseValid
	if r := allocate(t, contest("PRES-2017-2", 1, valid, "BATTULGA", "ENKHBOLD"), hypo, seats.Options{Round: 2}); r.Outcome != seats.OutcomeElected {
		t.Fatalf("on base valid: %+v", r)
	}
	// The same 49.9% in a first round sends the top two to a runoff.
	r = allocate(t, c, hypo, seats.Options{Round: 1})
	if r.Outcome != seats.OutcomeRunoff || !slices.Equal(r.Runoff, []string{"BATTULGA", "ENKHBOLD"}) {
		t.Fatalf("%+v", r)
	}
	// The exact edge: Battulga has more than half while blank < 2·611,226 − 1,108,293
	// = 114,159; at 114,159 he has exactly half, which is not more than half.
	if r := allocate(t, c, mn2017Runoff(114158), seats.Options{Round: 2}); r.Outcome != seats.OutcomeElected {
		t.Errorf("blank 114,158: %s", r.Outcome)
	}
	if r := allocate(t, c, mn2017Runoff(114159), seats.Options{Round: 2}); r.Outcome != seats.OutcomeVoid {
		t.Errorf("blank 114,159: %s", r.Outcome)
	}
}

// TestMongolia2017RunoffBlankRange derives the blank ballots consistent with the
// published 50.61%, the range assumed above, and checks that the rule elects Battulga
// anywhere in it.
func TestMongolia2017RunoffBlankRange(t *testing.T) {
	var lo, hi int64 = -1, -1
	for blank := int64(90000); blank <= 110000; blank++ {
		if round2(float64(battulga2017)/float64(battulga2017+enkhbold2017+blank)) == 50.61 {
			if lo < 0 {
				lo = blank
			}
			hi = blank
		}
	}
	if lo != 99306 || hi != 99544 {
		t.Fatalf("blank ballots giving 50.61%%: %d..%d, want 99306..99544", lo, hi)
	}
	c := contest("PRES-2017-2", 1, mnPresident, "BATTULGA", "ENKHBOLD")
	for _, blank := range []int64{lo, blank2017, hi} {
		if r := allocate(t, c, mn2017Runoff(blank), seats.Options{Round: 2}); r.Outcome != seats.OutcomeElected {
			t.Errorf("blank %d: %s", blank, r.Outcome)
		}
	}
}

// TestMongolia2017FirstRound uses the first round of 26 June 2017 (GEC preliminary count,
// Montsame, 27 June 2017): Battulga 517,478, Enkhbold 411,748, Ganbaatar 409,899, 1,849
// behind Enkhbold. The blank count is not in our sources; no one has a majority with any
// number of blank ballots (517,478 is 38.64% of the candidates' votes alone), so we take
// none. Battulga and Enkhbold go to the runoff.
func TestMongolia2017FirstRound(t *testing.T) {
	c := contest("PRES-2017-1", 1, mnPresident, "BATTULGA", "ENKHBOLD", "GANBAATAR")
	tot := seats.Totals{
		Votes: map[string]int64{"BATTULGA": 517478, "ENKHBOLD": 411748, "GANBAATAR": 409899},
		Valid: 517478 + 411748 + 409899,
	}
	r := allocate(t, c, tot, seats.Options{})
	if r.Outcome != seats.OutcomeRunoff || !slices.Equal(r.Runoff, []string{"BATTULGA", "ENKHBOLD"}) {
		t.Fatalf("%+v", r)
	}
}
