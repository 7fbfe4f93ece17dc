package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/demo"
	"github.com/iltod/iltod/internal/analysis"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/simulate"
	"github.com/iltod/iltod/stats/pvt"
)

// The demo's results verification: a PVT sample drawn before election day, and official
// results imported after it in which a few stations and one region's collation have been
// tampered with, for the analysis to find.
const (
	demoSampleSize  = 800
	demoSampleSeed  = 20240628 // election day, as a demonstration would announce it
	demoContest     = "LIST"
	demoRegion      = "MN-UB"
	demoRegionShare = 0.02
	demoMoved       = 60
	demoStations    = 4
)

// drawDemoSample draws and saves the demo's PVT sample, stratified by aimag.
func drawDemoSample(ctx context.Context, a *app.App, stdout io.Writer) error {
	rec, doc, err := a.DrawSample(app.SystemContext(ctx), demo.ElectionID, string(iltod.LevelRegion),
		pvt.DrawOptions{Size: demoSampleSize, Seed: demoSampleSeed, Reserves: 3},
		"demonstration sample, seeded with the date of election day")
	if err != nil {
		return fmt.Errorf("draw the PVT sample: %w", err)
	}
	fmt.Fprintf(stdout, "  PVT sample %d drawn before the polls open: %d stations in %d aimags, seed %d (committed to the log)\n",
		rec.Version, doc.Sample.Size, len(doc.Sample.Strata), doc.Sample.Seed)
	return nil
}

// importDemoOfficial imports simulated official results: the truth, except that demoMoved
// votes move from the runner-up to the leader at demoStations observed stations, and the
// published total of demoRegion moves demoRegionShare of its valid votes the same way. It
// returns the stations tampered with.
func importDemoOfficial(ctx context.Context, a *app.App, p *iltod.Package, stdout io.Writer) ([]string, error) {
	observed, err := a.ObservedResults(ctx, demo.ElectionID)
	if err != nil {
		return nil, err
	}
	// Tamper with stations observers reported on, spread over the station list, so that the
	// demo shows what observers can find; at unobserved stations only the PVT could.
	var seen []string
	for _, r := range observed {
		if r.Contest == demoContest && len(r.Votes) > 0 {
			seen = append(seen, r.Station)
		}
	}
	slices.Sort(seen)
	seen = slices.Compact(seen)
	var tampered []string
	for i := range demoStations {
		if len(seen) > 0 {
			tampered = append(tampered, seen[(2*i+1)*len(seen)/(2*demoStations)])
		}
	}
	truth := simulate.Truth(p, simulate.DefaultSeed)
	results, err := simulate.Official(p, truth, simulate.Tampering{
		Contest: demoContest, Stations: tampered, Moved: demoMoved, Region: demoRegion, Share: demoRegionShare,
	})
	if err != nil {
		return nil, err
	}
	rel, err := a.ImportOfficial(app.SystemContext(ctx), iltod.OfficialRelease{
		Election:  demo.ElectionID,
		Source:    "Simulated General Election Commission results (DEMONSTRATION: tampered on purpose)",
		Published: time.Now().UTC(),
		Note:      fmt.Sprintf("stations %s and the collated total of %s changed for the demonstration", strings.Join(tampered, ", "), demoRegion),
	}, results, map[string]any{"file": "simulated", "format": "demo"})
	if err != nil {
		return nil, fmt.Errorf("import the simulated official results: %w", err)
	}
	fmt.Fprintf(stdout, "  official results imported (release %d: %d station results, %d area totals); for the demonstration, %d stations and the collated total of %s were tampered with\n",
		rel.Version, rel.Results, rel.Totals, len(tampered), demoRegion)
	return tampered, nil
}

// printDemoVerification prints what the analysis makes of the demo's results.
func printDemoVerification(ctx context.Context, a *app.App, baseURL string, stdout io.Writer) error {
	rep, err := a.Analyze(ctx, demo.ElectionID, analysis.Options{Contest: demoContest, NoForensics: true})
	if err != nil {
		return err
	}
	if len(rep.Contests) == 0 {
		return fmt.Errorf("no analysis of contest %s", demoContest)
	}
	c := rep.Contests[0]
	top := c.Areas[0]
	fmt.Fprintf(stdout, "  results verification of %s (contest %s):\n", demo.ElectionID, demoContest)
	if top.PVT != nil && top.Official != nil {
		for k, e := range top.PVT.Shares {
			fmt.Fprintf(stdout, "    %-6s PVT %6s (95%%: %s)  official %6s  %s\n", c.Choices[k], pct(e.Value), interval(e.Low95, e.High95), pct(top.Official.Shares[k]), top.Checks[k].Verdict)
		}
	} else if top.PVTError != "" {
		fmt.Fprintf(stdout, "    no PVT estimate: %s\n", top.PVTError)
	}
	if cmp := top.Comparison; cmp != nil {
		var worst []string
		for _, d := range cmp.Match.Worst {
			worst = append(worst, fmt.Sprintf("%s (D = %g)", d.Station, d.D))
		}
		fmt.Fprintf(stdout, "    stations: %d of %d match exactly; largest discrepancies: %s\n", cmp.Match.Exact, cmp.Match.Stations, strings.Join(first(worst, 6), ", "))
		fmt.Fprintf(stdout, "    national comparison: %s\n", cmp.Verdict)
	}
	for _, ar := range c.Areas[1:] {
		if ar.Comparison != nil && ar.Comparison.Verdict == pvt.Inconsistent {
			for _, ct := range ar.Comparison.Choices {
				if ct.Diagnosis != nil && ct.Diagnosis.Verdict == pvt.Inconsistent {
					fmt.Fprintf(stdout, "    %s, %s: collation z = %.1f, paired z = %.1f: %s\n", ar.Area, ct.Choice, ct.Collation.Z, ct.Paired.Z, ct.Diagnosis.Note["en"])
				}
			}
		}
	}
	fmt.Fprintf(stdout, "  every analysis: %sapi/v1/elections/%s/analysis, or iltod pvt|compare|forensics|seats -election %s\n", baseURL, demo.ElectionID, demo.ElectionID)
	return nil
}

func first(xs []string, n int) []string {
	if len(xs) > n {
		return xs[:n]
	}
	return xs
}
