package pvt_test

import (
	"errors"
	"fmt"

	"github.com/iltod/iltod/stats/pvt"
)

// A stratified sample: 2 of stratum A's 10 stations and 3 of B's 6 reported. The numbers
// are worked out by hand in estimate_test.go: R̂ = 13/33, Var = 798894/170772624.
func ExampleRatio() {
	units := []pvt.Unit{
		{Stratum: "A", Num: 3, Den: 10}, {Stratum: "A", Num: 5, Den: 10},
		{Stratum: "B", Num: 2, Den: 4}, {Stratum: "B", Num: 1, Den: 4}, {Stratum: "B", Num: 3, Den: 8},
	}
	d := pvt.Design{Strata: map[string]int{"A": 10, "B": 6}}
	e, err := pvt.Ratio(units, d)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("share %.4f, SE %.4f, 95%% %.4f to %.4f, from %d stations\n", e.Value, e.SE, e.Low95, e.High95, e.Reported)
	// Output: share 0.3939, SE 0.0684, 95% 0.2599 to 0.5280, from 5 stations
}

// The margin between two choices is one ratio with a_i = v1_i − v2_i, never the difference
// of two separately estimated shares with their errors combined. Five stations cannot call
// even a 15-point race.
//
// The printed figures (here and in the other examples) were recomputed independently from
// REFERENCE §1's formulas, outside Go.
func ExampleRatio_margin() {
	type result struct{ a, b, valid float64 }
	sample := []result{{120, 80, 210}, {95, 110, 215}, {140, 60, 205}, {100, 100, 208}, {130, 75, 212}}
	units := make([]pvt.Unit, len(sample))
	for i, r := range sample {
		units[i] = pvt.Unit{Num: r.a - r.b, Den: r.valid}
	}
	margin, err := pvt.Ratio(units, pvt.SRS(400, 5))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("margin %.1f points ± %.1f\n", 100*margin.Value, 100*(margin.High95-margin.Value))
	fmt.Println(pvt.CallWinner(margin, 0, 1, pvt.Z95).Verdict)
	// Output:
	// margin 15.2 points ± 16.4
	// undetermined
}

// Analyze estimates a whole contest in one call; here a two-round presidential contest whose
// majority rule counts blank ballots in the base, as Mongolia's does.
func ExampleAnalyze() {
	stations := []pvt.Station{
		{Stratum: "capital", Votes: []float64{310, 240, 50}, Valid: 600, Cast: 640, Registered: 1000, MajorityBase: 620},
		{Stratum: "capital", Votes: []float64{280, 260, 60}, Valid: 600, Cast: 630, Registered: 950, MajorityBase: 615},
		{Stratum: "capital", Votes: []float64{300, 230, 70}, Valid: 600, Cast: 625, Registered: 900, MajorityBase: 612},
		{Stratum: "rural", Votes: []float64{180, 90, 30}, Valid: 300, Cast: 320, Registered: 400, MajorityBase: 310},
		{Stratum: "rural", Votes: []float64{170, 100, 30}, Valid: 300, Cast: 315, Registered: 420, MajorityBase: 305},
		{Stratum: "rural", Votes: []float64{200, 70, 30}, Valid: 300, Cast: 330, Registered: 410, MajorityBase: 318},
	}
	d := pvt.Design{Strata: map[string]int{"capital": 60, "rural": 90}, Sampled: map[string]int{"capital": 3, "rural": 4}}
	r, err := pvt.Analyze(stations, d, pvt.Options{Majority: 0.5})
	if err != nil {
		fmt.Println(err)
		return
	}
	for j, s := range r.Shares {
		fmt.Printf("choice %d: %.1f%% (%.1f–%.1f)\n", j, 100*s.Value, 100*s.Low95, 100*s.High95)
	}
	fmt.Printf("turnout %.1f%%, %d of %d sampled stations reported\n", 100*r.Turnout.Value, r.Coverage.Reported, r.Coverage.Sampled)
	fmt.Printf("leader %d, margin over %d: %.1f points; %s\n", r.Leader, r.RunnerUp, 100*r.Margin.Value, r.Winner.Verdict)
	fmt.Printf("leader's share of valid+blank %.1f%%: %s\n", 100*r.Runoff.Share.Value, r.Runoff.Call.Verdict)
	// Output:
	// choice 0: 54.4% (51.5–57.4)
	// choice 1: 35.6% (32.6–38.5)
	// choice 2: 10.0% (8.9–11.1)
	// turnout 71.2%, 6 of 7 sampled stations reported
	// leader 0, margin over 1: 18.9 points; winner
	// leader's share of valid+blank 52.8%: runoff_not_needed
}

func ExampleCheckCoverage() {
	d := pvt.Design{
		Strata:  map[string]int{"north": 120, "south": 200},
		Sampled: map[string]int{"north": 6, "south": 10},
	}
	reporting := []string{"south", "north", "south", "south"}
	cov, err := pvt.CheckCoverage(d, reporting)
	for _, s := range cov.Strata {
		fmt.Printf("%s: %d of %d\n", s.Stratum, s.Reported, s.Sampled)
	}
	fmt.Println(errors.Is(err, pvt.ErrThinStratum))
	fmt.Println(err)
	// Output:
	// north: 1 of 6
	// south: 3 of 10
	// true
	// pvt: 1 strata have fewer than 2 reporting stations, no estimate: "north" 1 of 6 sampled; wait for reports or merge these strata with similar ones
}

func ExampleCallRunoff() {
	// Ghana 2020: CODEO's PVT gave the leader 50.98% ± 1.20 (REFERENCE §1); the official
	// result was 51.302%.
	ghana := pvt.Estimate{Value: 0.5098, SE: 0.0120 / pvt.Z95}
	fmt.Println(pvt.CallRunoff(ghana, 0.5, pvt.Z95).Note["en"])
	fmt.Println(pvt.CheckOfficial(ghana, 0.51302, pvt.Z95).Verdict)
	// Output:
	// The leader's share, 49.78% to 52.18%, includes 50.00%: the sample cannot tell whether a runoff is needed.
	// consistent
}

func ExampleVoterSampleSize() {
	// Peru 2001 (REFERENCE §1): 14,570,774 voters, p = 0.5, ±0.32 points at z = 2.58.
	n := pvt.VoterSampleSize(14570774, 0.5, 0.0032, 2.58)
	fmt.Printf("%d voters\n", int(n))
	// Output: 160717 voters
}

func ExamplePlanSize() {
	// A previous election's results: votes for the leading choice and valid votes at each
	// of (here only) twelve stations; a margin of error of ±5 points at 95%, and 90% of
	// sampled stations expected to report.
	previous := []pvt.Unit{
		{Num: 210, Den: 400}, {Num: 150, Den: 380}, {Num: 260, Den: 420}, {Num: 190, Den: 390},
		{Num: 120, Den: 300}, {Num: 230, Den: 410}, {Num: 170, Den: 360}, {Num: 250, Den: 440},
		{Num: 140, Den: 350}, {Num: 200, Den: 400}, {Num: 180, Den: 370}, {Num: 220, Den: 405},
	}
	plan, err := pvt.PlanSize(previous, 0.05, pvt.Z95, 0.9)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("P = %.4f, m̄ = %.1f, S_d² = %.1f\n", plan.P, plan.MeanDen, plan.Sd2)
	fmt.Printf("k0 = %.2f, k = %.2f, draw %d of %d stations\n", plan.K0, plan.K, plan.Draw, plan.Population)
	// Output:
	// P = 0.5016, m̄ = 385.4, S_d² = 752.1
	// k0 = 7.78, k = 4.72, draw 6 of 12 stations
}

func ExampleDraw() {
	frame := []pvt.FrameStation{
		{Code: "01-001", Stratum: "north"}, {Code: "01-002", Stratum: "north"}, {Code: "01-003", Stratum: "north"},
		{Code: "01-004", Stratum: "north"}, {Code: "01-005", Stratum: "north"}, {Code: "01-006", Stratum: "north"},
		{Code: "02-001", Stratum: "south"}, {Code: "02-002", Stratum: "south"}, {Code: "02-003", Stratum: "south"},
		{Code: "02-004", Stratum: "south"}, {Code: "02-005", Stratum: "south"}, {Code: "02-006", Stratum: "south"},
		{Code: "02-007", Stratum: "south"}, {Code: "02-008", Stratum: "south"}, {Code: "02-009", Stratum: "south"},
	}
	s, err := pvt.Draw(frame, pvt.DrawOptions{Size: 5, Seed: 7, Reserves: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, st := range s.Strata {
		fmt.Printf("%s: %d of %d: %v, reserves %v\n", st.Stratum, len(st.Stations), st.Population, st.Stations, st.Reserves)
	}
	fmt.Println(s.Verify(frame))
	// Output:
	// north: 2 of 6: [01-006 01-002], reserves [01-004 01-005]
	// south: 3 of 9: [02-007 02-004 02-002], reserves [02-006 02-008]
	// <nil>
}

func ExampleMatch() {
	pairs := []pvt.Pair{
		{Station: "A-1", Observed: []float64{120, 80}, Official: []float64{120, 80}},
		{Station: "A-2", Observed: []float64{95, 110}, Official: []float64{96, 109}},
		{Station: "A-3", Observed: []float64{140, 60}, Official: []float64{180, 20}},
	}
	m, err := pvt.Match(pairs, 5)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("exact %d of %d (%.0f%%)\n", m.Exact, m.Stations, 100*m.ExactRate)
	for _, d := range m.Discrepancies {
		fmt.Println(d.Station, d.D, d.Flagged)
	}
	// Output:
	// exact 1 of 3 (33%)
	// A-1 0 false
	// A-2 2 false
	// A-3 80 true
}

// The paired test on the leading choice: officials credited it with more votes than the
// observers saw at two of four sampled stations — too few stations to rule out chance.
func ExamplePaired() {
	pairs := []pvt.Pair{
		{Station: "1", Observed: []float64{120, 80}, Official: []float64{124, 76}, Den: 200},
		{Station: "2", Observed: []float64{95, 110}, Official: []float64{95, 110}, Den: 205},
		{Station: "3", Observed: []float64{140, 60}, Official: []float64{143, 57}, Den: 200},
		{Station: "4", Observed: []float64{100, 100}, Official: []float64{100, 100}, Den: 200},
	}
	t, err := pvt.Paired(pairs, 0, pvt.SRS(200, 4), pvt.Z95)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("D̂ = %.4f, z = %.2f: %s\n", t.Estimate.Value, t.Z, t.Verdict)
	// Output: D̂ = -0.0087, z = -1.70: consistent
}

// The collation test needs only published figures: the official results of the sampled
// stations and the official national total.
func ExampleCollation() {
	official := []pvt.Unit{
		{Stratum: "u", Num: 30, Den: 100}, {Stratum: "u", Num: 50, Den: 100},
		{Stratum: "r", Num: 60, Den: 100}, {Stratum: "r", Num: 80, Den: 100},
	}
	d := pvt.Design{Strata: map[string]int{"u": 20, "r": 10}}
	p, err := pvt.Ratio(official, d)
	if err != nil {
		fmt.Println(err)
		return
	}
	t := pvt.Collation(p, 0.65, pvt.Z95)
	fmt.Printf("stations say %.3f ± %.3f, the national total %.3f: z = %.2f, %s\n", t.Estimate.Value, t.Estimate.SE, t.Official, t.Z, t.Verdict)
	// Output: stations say 0.500 ± 0.070, the national total 0.650: z = 2.15, inconsistent
}

func ExampleDiagnose() {
	paired := pvt.Test{Z: 0.4, Critical: pvt.Z95, Verdict: pvt.Consistent}
	collation := pvt.Test{Z: 5.0, Critical: pvt.Z95, Verdict: pvt.Inconsistent}
	fmt.Println(pvt.Diagnose(paired, collation).Note["en"])
	// Output: Stations agree with observers but the national total does not: the problem is in collation, not at the station.
}

func ExampleZ() {
	fmt.Printf("%.4f %.4f\n", pvt.Z(0.95), pvt.Z(0.99))
	// Output: 1.9600 2.5758
}
