package forensics_test

import (
	"fmt"

	"github.com/iltod/iltod/stats/forensics"
)

// stations is a toy election: two stations report turnout and result as exact whole
// percentages (60% and 70%; 75% and 50%), the others do not.
var stations = []forensics.Station{
	{Code: "001", Area: "north", Registered: 1000, Issued: 600, Found: 600, Leader: 420},
	{Code: "002", Area: "north", Registered: 2000, Issued: 1500, Found: 1500, Leader: 750},
	{Code: "003", Area: "north", Registered: 1187, Issued: 702, Found: 699, Leader: 389},
	{Code: "004", Area: "south", Registered: 843, Issued: 517, Found: 517, Leader: 262},
	{Code: "005", Area: "south", Registered: 1432, Issued: 911, Found: 905, Leader: 577},
	{Code: "006", Area: "south", Registered: 96, Issued: 96, Found: 96, Leader: 96},
}

func ExampleIntegerPercentages() {
	res := forensics.IntegerPercentages(stations)
	x := res.Either
	fmt.Printf("%d stations (%d excluded)\n", res.Stations, res.Excluded.Total())
	fmt.Printf("X = %d, E[X] = %.2f, SD = %.2f, excess = %.2f, z = %.2f\n", x.Observed, x.Expected, x.SD, x.Excess, x.Z)
	fmt.Println(res.Note["en"][:41])
	// Output:
	// 5 stations (1 excluded)
	// X = 2, E[X] = 0.95, SD = 0.87, excess = 1.05, z = 1.21
	// Integer-percentage test (Kobak, Shpilkin
}

// With five independent stations each integer with probability about 0.19, P(X ≥ 2) is
// about 1 − 0.81⁵ − 5·0.19·0.81⁴ ≈ 0.24: two integer stations in five are no signal.
func ExampleIntegerPercentagesMC() {
	res := forensics.IntegerPercentagesMC(stations, 10_000, 1)
	x := res.Either
	fmt.Printf("X = %d, mean = %.2f ± %.2f, SD = %.2f, p = %.3f\n", x.Observed, x.Mean, x.MeanSE, x.SD, x.P)
	// Output:
	// X = 2, mean = 0.95 ± 0.01, SD = 0.87, p = 0.241
}

func ExampleTurnoutShare() {
	fp := forensics.TurnoutShare(stations)
	fmt.Printf("%d stations, %d with too few voters\n", fp.Stations, fp.Excluded.FewRegistered)
	fmt.Println("stations at 60% turnout and 70% share:", fp.Counts[60][70])
	for _, t := range []int{60, 64, 100} {
		c := fp.Curve[t]
		fmt.Printf("turnout ≤ %d%%: %d stations, %d of the leader's votes\n", t, c.Stations, c.Leader)
	}
	// Output:
	// 5 stations, 1 with too few voters
	// stations at 60% turnout and 70% share: 1
	// turnout ≤ 60%: 2 stations, 809 of the leader's votes
	// turnout ≤ 64%: 4 stations, 1648 of the leader's votes
	// turnout ≤ 100%: 5 stations, 2398 of the leader's votes
}

func ExampleBenfordSecond() {
	for d, q := range forensics.BenfordSecond() {
		fmt.Printf("%d: %.5f\n", d, q)
	}
	// Output:
	// 0: 0.11968
	// 1: 0.11389
	// 2: 0.10882
	// 3: 0.10433
	// 4: 0.10031
	// 5: 0.09668
	// 6: 0.09337
	// 7: 0.09035
	// 8: 0.08757
	// 9: 0.08500
}

func ExampleLastDigit() {
	// Votes per candidate per station, as a caller would gather them. The ten counts of
	// 100 or more end in 0 five times and in 2, 5, 7, 8 and 9 once each: χ² = 4² + 4·1 = 20.
	counts := []int{420, 180, 750, 750, 389, 310, 262, 255, 577, 328, 96, 0}
	dt := forensics.LastDigit(counts)
	fmt.Printf("%s: %d counts, %d skipped, χ² = %.1f on %d df, p = %.2f\n", dt.Test, dt.Counts, dt.Skipped, dt.ChiSquare, dt.DF, dt.P)
	zf := forensics.ZeroFive(counts)
	fmt.Printf("%s: share %.2f (expected %.1f), p = %.3f\n", zf.Test, zf.Mean, zf.ExpectedMean, zf.P)
	// Output:
	// last-digit: 10 counts, 2 skipped, χ² = 20.0 on 9 df, p = 0.02
	// zero-five: share 0.60 (expected 0.2), p = 0.002
}

func ExampleFlagStations() {
	f := forensics.FlagStations(stations, forensics.FlagOptions{MinAreaStations: 3})
	for _, fl := range []forensics.Flag{f.OverRegistered, f.NearUnanimous, f.AreaOutliers} {
		fmt.Printf("%s:", fl.Rule)
		for _, s := range fl.Stations {
			fmt.Printf(" %s (turnout %.1f%%, share %.1f%%)", s.Code, s.Turnout, s.Share)
		}
		fmt.Println()
	}
	// Output:
	// over-registered:
	// near-unanimous: 006 (turnout 100.0%, share 100.0%)
	// area-outlier: 002 (turnout 75.0%, share 50.0%)
}

func ExampleChiSquareSF() {
	// The 5% critical value of χ² on 9 degrees of freedom is 16.919.
	fmt.Printf("%.4f\n", forensics.ChiSquareSF(16.919, 9))
	// Output:
	// 0.0500
}
