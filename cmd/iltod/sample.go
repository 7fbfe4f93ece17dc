package main

import (
	"context"
	"fmt"
	"io"

	"github.com/iltod/iltod/internal/analysis"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/plaincsv"
	"github.com/iltod/iltod/stats/pvt"
)

func runSample(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("sample", stderr, "-election ID -size N -seed S [flags] | -in FILE … (see docs/analysis-cli.md)")
	var f electionFlags
	f.register(fs)
	by := fs.String("by", "region", `stratify by an area level ("region", "district" …), "stratum" (each station's own label) or "none"`)
	size := fs.Int("size", 0, "stations to draw, over all strata")
	seed := fs.Uint64("seed", 0, "the seed: record how it was chosen (dice rolled in public, a lottery number)")
	reserves := fs.Int("reserves", 3, "replacement stations listed per stratum")
	minimum := fs.Int("min-per-stratum", 2, "least stations drawn per stratum")
	note := fs.String("note", "", "why the sample is drawn, kept with it")
	show := fs.Bool("show", false, "print the stored sample instead of drawing one")
	if err := f.parse(fs, args); err != nil {
		return err
	}
	if !*show && (*size < 1 || *seed == 0) {
		return usagef("give -size N and a -seed other than 0 (or -show)")
	}
	return withApp(ctx, f.sc, func(ctx context.Context, a *app.App) error {
		var doc analysis.SampleDoc
		version := 0
		if *show {
			rec, d, err := a.Sample(ctx, f.election, 0)
			if err != nil {
				return err
			}
			doc, version = d, rec.Version
		} else {
			rec, d, err := a.DrawSample(ctx, f.election, *by, pvt.DrawOptions{Size: *size, Seed: *seed, Reserves: *reserves, MinPerStratum: *minimum}, *note)
			if err != nil {
				return err
			}
			doc, version = d, rec.Version
			fmt.Fprintf(stderr, "sample version %d saved with election %s and committed to the log\n", rec.Version, f.election)
		}
		t := plaincsv.SampleTable(doc.Sample)
		if !f.out.json && !f.out.csv {
			fmt.Fprintf(stdout, "PVT sample %d of %s: %d stations in %d strata by %s, seed %d, frame %s\n\n", version, f.election, doc.Sample.Size, len(doc.Sample.Strata), doc.StratifyBy, doc.Sample.Seed, doc.Sample.Frame)
		}
		return f.out.print(stdout, t, doc)
	})
}

const plainSampleUsage = `-in FILE -station COL [-stratum COL] -size N -seed S [-reserves R] [-min-per-stratum M] [-json|-csv]
   or: iltod sample -plan -in FILE -choices COL[,COL] -valid COL [-moe E] [-confidence C] [-report-rate R] [-json|-csv]

Draws a stratified PVT sample from the stations of FILE, in file order (the frame), with
pvt.Draw; -json prints the pvt.Sample, which pvt.Sample.Verify redraws from the same file.
With -plan, sizes a simple random sample from a previous election's results instead
(pvt.PlanSize): -choices names the choice that matters, or two choices for their margin.`

// plainSample draws a PVT sample from a frame file, or with -plan sizes one from a
// previous election's results.
func plainSample(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var p plainFlags
	fs := newFlagSet("sample", stderr, plainSampleUsage)
	p.register(fs, "in", "station", "stratum", "choices", "valid")
	plan := fs.Bool("plan", false, "size a sample from a previous election's results (FILE) instead of drawing one")
	var opt plaincsv.SampleOptions
	fs.IntVar(&opt.Size, "size", 0, "the number of stations to draw, over all strata")
	fs.Uint64Var(&opt.Seed, "seed", 0, "the seed of the draw: a number fixed in public beforehand (dice, a lottery draw); it is recorded with the sample")
	fs.IntVar(&opt.Reserves, "reserves", 0, "replacement stations to list per stratum")
	fs.IntVar(&opt.MinPerStratum, "min-per-stratum", 0, "the fewest stations drawn per stratum (0 means 2, the least that gives a variance)")
	var popt plaincsv.PlanOptions
	fs.Float64Var(&popt.MOE, "moe", 0.01, "-plan: the margin of error wanted, as a fraction (0.01 is ±1 point)")
	fs.Float64Var(&popt.Confidence, "confidence", 0.95, "-plan: the confidence level of the margin of error")
	fs.Float64Var(&popt.ReportRate, "report-rate", 0.9, "-plan: the share of sampled stations expected to report in time")
	set, err := p.parse(fs, args)
	if err != nil {
		return err
	}
	if *plan {
		if err := refuse(set, "-%s draws a sample; -plan only sizes one", "size", "seed", "reserves", "min-per-stratum", "stratum"); err != nil {
			return err
		}
		popt.In, popt.Columns = p.in, p.cols
		res, err := plaincsv.Plan(ctx, popt)
		return p.print(stdout, res, err)
	}
	if err := refuse(set, "-%s applies only with -plan", "choices", "valid", "moe", "confidence", "report-rate"); err != nil {
		return err
	}
	opt.In, opt.Columns = p.in, p.cols
	res, err := plaincsv.Sample(ctx, opt)
	return p.print(stdout, res, err)
}
