package main

import (
	"context"
	"fmt"
	"io"

	"github.com/iltod/iltod/internal/analysis"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/plaincsv"
	"github.com/iltod/iltod/locales"
	"github.com/iltod/iltod/stats/pvt"
)

func runSample(ctx context.Context, p *locales.Printer, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(p, "sample", stderr, "-election ID -size N -seed S [flags] | -in FILE …", "cli.about.sample_loaded")
	var f electionFlags
	f.register(fs)
	by := fs.String("by", "region", "cli.flag.by")
	size := fs.Int("size", 0, "cli.flag.size")
	seed := fs.Uint64("seed", 0, "cli.flag.seed_loaded")
	reserves := fs.Int("reserves", 3, "cli.flag.reserves")
	minimum := fs.Int("min-per-stratum", 2, "cli.flag.min_per_stratum_loaded")
	note := fs.String("note", "", "cli.flag.sample_note")
	show := fs.Bool("show", false, "cli.flag.show")
	if err := f.parse(fs, args); err != nil {
		return err
	}
	if !*show && (*size < 1 || *seed == 0) {
		return usageErr("cli.error.size_seed", nil)
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
			fmt.Fprintln(stderr, p.T("cli.sample.saved", locales.Args{"Version": rec.Version, "Election": f.election}))
		}
		t := plaincsv.SampleTable(p, doc.Sample)
		if !f.out.json && !f.out.csv {
			fmt.Fprintln(stdout, p.T("cli.sample.loaded_head", locales.Args{"Version": version, "Election": f.election, "Size": p.Int(int64(doc.Sample.Size)),
				"Strata": p.Int(int64(len(doc.Sample.Strata))), "By": doc.StratifyBy, "Seed": doc.Sample.Seed, "Frame": doc.Sample.Frame}))
			fmt.Fprintln(stdout)
		}
		return f.out.print(stdout, t, doc)
	})
}

// plainSample draws a PVT sample from a frame file, or with -plan sizes one from a
// previous election's results.
func plainSample(ctx context.Context, p *locales.Printer, args []string, stdout, stderr io.Writer) error {
	var pf plainFlags
	fs := newFlagSet(p, "sample", stderr, `-in FILE -station COL [-stratum COL] -size N -seed S [-reserves R] [-min-per-stratum M] [-json|-csv]
   | iltod sample -plan -in FILE -choices COL[,COL] -valid COL [-moe E] [-confidence C] [-report-rate R] [-json|-csv]`, "cli.about.sample")
	pf.register(fs, "in", "station", "stratum", "choices", "valid")
	plan := fs.Bool("plan", false, "cli.flag.plan")
	var opt plaincsv.SampleOptions
	fs.IntVar(&opt.Size, "size", 0, "cli.flag.size")
	fs.Uint64Var(&opt.Seed, "seed", 0, "cli.flag.seed")
	fs.IntVar(&opt.Reserves, "reserves", 0, "cli.flag.reserves")
	fs.IntVar(&opt.MinPerStratum, "min-per-stratum", 0, "cli.flag.min_per_stratum")
	var popt plaincsv.PlanOptions
	fs.Float64Var(&popt.MOE, "moe", 0.01, "cli.flag.moe")
	fs.Float64Var(&popt.Confidence, "confidence", 0.95, "cli.flag.confidence")
	fs.Float64Var(&popt.ReportRate, "report-rate", 0.9, "cli.flag.report_rate")
	set, err := pf.parse(fs, args)
	if err != nil {
		return err
	}
	if *plan {
		if err := refuse(set, "cli.error.plan_draw_flag", "size", "seed", "reserves", "min-per-stratum", "stratum"); err != nil {
			return err
		}
		popt.In, popt.Columns = pf.in, pf.cols
		res, err := plaincsv.Plan(ctx, popt)
		return pf.print(p, stdout, res, err)
	}
	if err := refuse(set, "cli.error.plan_only_flag", "choices", "valid", "moe", "confidence", "report-rate"); err != nil {
		return err
	}
	opt.In, opt.Columns = pf.in, pf.cols
	res, err := plaincsv.Sample(ctx, opt)
	return pf.print(p, stdout, res, err)
}
