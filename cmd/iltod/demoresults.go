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
	"github.com/iltod/iltod/internal/tabular"
	"github.com/iltod/iltod/locales"
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

// drawDemoSample draws and saves the demo's PVT sample, stratified by aimag, and says so
// in p's language, in which the note kept with the sample is written too.
func drawDemoSample(ctx context.Context, p *locales.Printer, a *app.App, stdout io.Writer) error {
	rec, doc, err := a.DrawSample(app.SystemContext(ctx), demo.ElectionID, string(iltod.LevelRegion),
		pvt.DrawOptions{Size: demoSampleSize, Seed: demoSampleSeed, Reserves: 3},
		p.T("cli.demo.sample_note"))
	if err != nil {
		return fail("cli.demo.draw", locales.Args{"Err": err})
	}
	fmt.Fprintln(stdout, "  "+p.T("cli.demo.sample", locales.Args{"Version": rec.Version, "Size": p.Int(int64(doc.Sample.Size)),
		"Strata": p.Int(int64(len(doc.Sample.Strata))), "Seed": doc.Sample.Seed}))
	return nil
}

// importDemoOfficial imports simulated official results, described in lang's words: the truth, except that demoMoved
// votes move from the runner-up to the leader at demoStations observed stations, and the
// published total of demoRegion moves demoRegionShare of its valid votes the same way. It
// returns the stations tampered with.
func importDemoOfficial(ctx context.Context, lang *locales.Printer, a *app.App, p *iltod.Package, stdout io.Writer) ([]string, error) {
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
		Source:    lang.T("cli.demo.release_source"),
		Published: time.Now().UTC(),
		Note:      lang.T("cli.demo.release_note", locales.Args{"Stations": strings.Join(tampered, ", "), "Region": demoRegion}),
	}, results, map[string]any{"file": "simulated", "format": "demo"})
	if err != nil {
		return nil, fail("cli.demo.import", locales.Args{"Err": err})
	}
	fmt.Fprintln(stdout, "  "+lang.T("cli.demo.imported", locales.Args{"Version": rel.Version, "Results": lang.Int(int64(rel.Results)),
		"Totals": lang.Int(int64(rel.Totals)), "Tampered": len(tampered), "Region": demoRegion}))
	return tampered, nil
}

// printDemoVerification prints what the analysis makes of the demo's results, in p's
// language.
func printDemoVerification(ctx context.Context, p *locales.Printer, a *app.App, baseURL string, stdout io.Writer) error {
	rep, err := a.Analyze(ctx, demo.ElectionID, analysis.Options{Contest: demoContest, NoForensics: true})
	if err != nil {
		return err
	}
	if len(rep.Contests) == 0 {
		return fail("cli.demo.no_analysis", locales.Args{"Contest": demoContest})
	}
	c := rep.Contests[0]
	top := c.Areas[0]
	fmt.Fprintln(stdout, "  "+p.T("cli.demo.verification", locales.Args{"Election": demo.ElectionID, "Contest": demoContest}))
	if top.PVT != nil && top.Official != nil {
		for k, e := range top.PVT.Shares {
			fmt.Fprintf(stdout, "    %-6s %s\n", c.Choices[k], p.T("cli.demo.share_line", locales.Args{"PVT": tabular.Percent(p, e.Value),
				"Interval": tabular.Interval(p, e.Low95, e.High95), "Official": tabular.Percent(p, top.Official.Shares[k]), "Verdict": tabular.Code(top.Checks[k].Verdict).Text(p)}))
		}
	} else if top.PVTError != nil {
		fmt.Fprintln(stdout, "    "+p.T("cli.demo.no_pvt", locales.Args{"Reason": top.PVTError.In(p.Lang(), locales.Fallback)}))
	}
	if cmp := top.Comparison; cmp != nil {
		var worst []string
		for _, d := range cmp.Match.Worst {
			worst = append(worst, fmt.Sprintf("%s (D = %s)", d.Station, p.Number(d.D, 0)))
		}
		fmt.Fprintln(stdout, "    "+p.T("cli.demo.match", locales.Args{"Exact": p.Int(int64(cmp.Match.Exact)), "Stations": p.Int(int64(cmp.Match.Stations)), "Worst": strings.Join(first(worst, 6), ", ")}))
		fmt.Fprintln(stdout, "    "+p.T("cli.demo.national", locales.Args{"Verdict": tabular.Code(cmp.Verdict).Text(p)}))
	}
	for _, ar := range c.Areas[1:] {
		if ar.Comparison != nil && ar.Comparison.Verdict == pvt.Inconsistent {
			for _, ct := range ar.Comparison.Choices {
				if ct.Diagnosis != nil && ct.Diagnosis.Verdict == pvt.Inconsistent {
					fmt.Fprintln(stdout, "    "+p.T("cli.demo.inconsistent", locales.Args{"Area": ar.Area, "Choice": ct.Choice,
						"Collation": p.Number(ct.Collation.Z, 1), "Paired": p.Number(ct.Paired.Z, 1), "Note": ct.Diagnosis.Note.In(p.Lang())}))
				}
			}
		}
	}
	fmt.Fprintln(stdout, "  "+p.T("cli.demo.every_analysis", locales.Args{"URL": baseURL + "api/v1/elections/" + demo.ElectionID + "/analysis",
		"Command": "iltod pvt|compare|forensics|seats -election " + demo.ElectionID}))
	return nil
}

func first(xs []string, n int) []string {
	if len(xs) > n {
		return xs[:n]
	}
	return xs
}
