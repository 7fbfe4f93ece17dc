package main

import (
	"context"
	"fmt"
	"io"

	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/plaincsv"
	"github.com/iltod/iltod/internal/tabular"
	"github.com/iltod/iltod/locales"
	"github.com/iltod/iltod/stats/pvt"
)

func runPVT(ctx context.Context, p *locales.Printer, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(p, "pvt", stderr, "-election ID [-area CODE] [-contest CODE] [flags]", "")
	var f analysisFlags
	f.register(fs)
	if err := f.parse(fs, args); err != nil {
		return err
	}
	f.opt.NoForensics = true
	return withApp(ctx, f.sc, func(ctx context.Context, a *app.App) error {
		rep, err := f.analyze(ctx, p, stderr, a)
		if err != nil {
			return err
		}
		t := tabular.New(p, "contest", "area", "choice", "estimate", "95% interval", "99% interval", "reported", "official", "check")
		reported := func(e pvt.Estimate) tabular.Word {
			return tabular.Word{Code: fmt.Sprintf("%d/%d", e.Reported, e.Sampled), Key: "cli.pvt.reported", Args: locales.Args{"Reported": p.Int(int64(e.Reported)), "Sampled": p.Int(int64(e.Sampled))}}
		}
		var notes []string
		for _, c := range rep.Contests {
			for _, ar := range c.Areas {
				if ar.PVT == nil {
					t.Add(c.Contest, ar.Area, "-", tabular.Word{Code: "no_estimate: " + ar.PVTError.In(locales.Fallback), Key: "cli.pvt.no_estimate", Args: locales.Args{"Reason": ar.PVTError.In(p.Lang(), locales.Fallback)}}, "", "", "", "", "")
					continue
				}
				for k, e := range ar.PVT.Shares {
					var off, check any = "", ""
					if ar.Official != nil {
						off = tabular.Share(ar.Official.Shares[k])
						check = tabular.Code(ar.Checks[k].Verdict)
					}
					t.Add(c.Contest, ar.Area, c.Choices[k], tabular.Share(e.Value), tabular.Interval(p, e.Low95, e.High95), tabular.Interval(p, e.Low99, e.High99), reported(e), off, check)
				}
				if ar.PVT.Turnout != nil {
					e := ar.PVT.Turnout
					t.Add(c.Contest, ar.Area, tabular.Word{Code: "(turnout)", Key: "cli.pvt.turnout_row"}, tabular.Share(e.Value), tabular.Interval(p, e.Low95, e.High95), tabular.Interval(p, e.Low99, e.High99), reported(*e), "", "")
				}
				if ar.Area == rep.Area {
					notes = append(notes, fmt.Sprintf("%s: %s", c.Contest, ar.PVT.Winner.Note.In(p.Lang())))
					if ar.PVT.Runoff != nil {
						notes = append(notes, fmt.Sprintf("%s: %s", c.Contest, ar.PVT.Runoff.Call.Note.In(p.Lang())))
					}
				}
			}
		}
		if err := f.out.print(stdout, t, rep); err != nil {
			return err
		}
		f.out.notes(stdout, "", notes)
		return nil
	})
}

// plainPVT estimates a contest from the sampled stations of a file.
func plainPVT(ctx context.Context, p *locales.Printer, args []string, stdout, stderr io.Writer) error {
	var pf plainFlags
	fs := newFlagSet(p, "pvt", stderr, `-in FILE -station COL [-stratum COL] -choices COL,COL,… -valid COL [-cast COL -registered COL]
       (-population N | -strata FILE) [-majority 0.5] [-official CHOICE=SHARE,…] [-json|-csv]`, "cli.about.pvt")
	pf.register(fs, "in", "station", "stratum", "choices", "valid", "cast", "registered")
	var opt plaincsv.PVTOptions
	fs.IntVar(&opt.Population, "population", 0, "cli.flag.population")
	fs.StringVar(&opt.Strata, "strata", "", "cli.flag.strata")
	fs.Float64Var(&opt.Majority, "majority", 0, "cli.flag.majority_pvt")
	pf.sharesFlag(fs, &opt.Official, "official", "cli.flag.official_shares")
	if _, err := pf.parse(fs, args); err != nil {
		return err
	}
	opt.In, opt.Columns = pf.in, pf.cols
	res, err := plaincsv.PVT(ctx, opt)
	return pf.print(p, stdout, res, err)
}
