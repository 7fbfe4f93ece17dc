package main

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/plaincsv"
	"github.com/iltod/iltod/internal/tabular"
	"github.com/iltod/iltod/locales"
	"github.com/iltod/iltod/stats/forensics"
)

func runForensics(ctx context.Context, p *locales.Printer, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(p, "forensics", stderr, "-election ID [-area CODE] [-contest CODE] [-mc N] [flags]", "")
	var f analysisFlags
	f.register(fs)
	mc := fs.Int("mc", 0, "cli.flag.mc_loaded")
	seed := fs.Uint64("seed", 1, "cli.flag.mc_seed")
	if err := f.parse(fs, args); err != nil {
		return err
	}
	if *mc < 0 || *mc > 100_000 {
		return usageErr("cli.error.mc", nil)
	}
	f.opt.MonteCarlo, f.opt.Seed, f.opt.Levels = *mc, *seed, 0
	return withApp(ctx, f.sc, func(ctx context.Context, a *app.App) error {
		rep, err := f.analyze(ctx, p, stderr, a)
		if err != nil {
			return err
		}
		t := tabular.New(p, "contest", "source", "stations", "screen", "result", "z / p")
		z := func(x float64) tabular.Word {
			return tabular.Word{Code: "z=" + strconv.FormatFloat(x, 'f', 2, 64), Key: "cli.forensics.z", Args: locales.Args{"Z": p.Number(x, 2)}}
		}
		pval := func(x float64) tabular.Word {
			return tabular.Word{Code: "p=" + strconv.FormatFloat(x, 'f', 3, 64), Key: "cli.forensics.p", Args: locales.Args{"P": p.Number(x, 3)}}
		}
		chi2 := func(x float64) tabular.Word {
			return tabular.Word{Code: "chi2=" + strconv.FormatFloat(x, 'f', 1, 64), Key: "cli.forensics.chi2", Args: locales.Args{"Chi2": p.Number(x, 1)}}
		}
		var notes []string
		for _, c := range rep.Contests {
			fo := c.Forensics
			if fo == nil {
				continue
			}
			add := func(screen, result, stat any) { t.Add(c.Contest, fo.Source, fo.Stations, screen, result, stat) }
			it := fo.Integer.Either
			add(tabular.Word{Code: "integer", Key: "cli.forensics.screen_integer", Args: locales.Args{"Leader": fo.Leader}},
				tabular.Word{Code: fmt.Sprintf("observed=%d expected=%.1f", it.Observed, it.Expected), Key: "cli.forensics.observed_expected",
					Args: locales.Args{"Observed": p.Int(int64(it.Observed)), "Expected": p.Number(it.Expected, 1)}}, z(it.Z))
			if mc := fo.IntegerMC; mc != nil {
				e := mc.Either
				add(tabular.Word{Code: "integer_mc", Key: "cli.forensics.screen_mc", Args: locales.Args{"N": p.Int(int64(mc.Replications))}},
					tabular.Word{Code: fmt.Sprintf("observed=%d mean=%.1f", e.Observed, e.Mean), Key: "cli.forensics.observed_mean",
						Args: locales.Args{"Observed": p.Int(int64(e.Observed)), "Mean": p.Number(e.Mean, 1)}}, pval(e.P))
			}
			add(tabular.Code("second-digit"), chi2(fo.SecondDigit.ChiSquare), pval(fo.SecondDigit.P))
			add(tabular.Code("last-digit"), chi2(fo.LastDigit.ChiSquare), pval(fo.LastDigit.P))
			for _, fl := range []forensics.Flag{fo.Flags.OverRegistered, fo.Flags.NearUnanimous, fo.Flags.AreaOutliers} {
				n := len(fl.Stations)
				add(tabular.Word{Code: "flag:" + fl.Rule, Key: "cli.forensics.screen_flag", Args: locales.Args{"Rule": tabular.Code(fl.Rule).Text(p)}},
					tabular.Word{Code: strconv.Itoa(n), Key: "cli.forensics.stations", Args: locales.Args{"N": p.Int(int64(n))}}, "")
			}
			notes = append(notes, c.Contest+": "+fo.Integer.Note.In(p.Lang(), locales.Fallback))
		}
		if err := f.out.print(stdout, t, rep); err != nil {
			return err
		}
		f.out.notes(stdout, p.T("cli.forensics.notes_heading"), notes)
		return nil
	})
}

// plainForensics runs every screen of package forensics on the stations of a file.
func plainForensics(ctx context.Context, p *locales.Printer, args []string, stdout, stderr io.Writer) error {
	var pf plainFlags
	fs := newFlagSet(p, "forensics", stderr, `-in FILE -registered COL -cast COL -leader COL [-issued COL] [-station COL] [-area COL]
       [-choices COL,COL,…] [-mc N -seed S] [-json|-csv]`, "cli.about.forensics")
	pf.register(fs, "in", "station", "area", "registered", "cast", "issued", "choices", "leader")
	var opt plaincsv.ForensicsOptions
	fs.IntVar(&opt.MonteCarlo, "mc", 0, "cli.flag.mc")
	fs.Uint64Var(&opt.Seed, "seed", 1, "cli.flag.mc_seed")
	set, err := pf.parse(fs, args)
	if err != nil {
		return err
	}
	if set["seed"] && opt.MonteCarlo == 0 {
		return usageErr("cli.error.seed_without_mc", nil)
	}
	opt.In, opt.Columns = pf.in, pf.cols
	opt.Progress = func(step locales.Message) func() { return startProgress(p, stderr, step.In(p)).stop }
	res, err := plaincsv.Forensics(ctx, opt)
	return pf.print(p, stdout, res, err)
}
