package main

import (
	"context"
	"fmt"
	"io"

	"github.com/iltod/iltod/internal/analysis"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/plaincsv"
	"github.com/iltod/iltod/internal/tabular"
	"github.com/iltod/iltod/locales"
	"github.com/iltod/iltod/stats/pvt"
)

func runCompare(ctx context.Context, p *locales.Printer, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(p, "compare", stderr, "-election ID [-area CODE] [-contest CODE] [flags]", "")
	var f analysisFlags
	f.register(fs)
	stations := fs.Bool("stations", false, "cli.flag.stations")
	if err := f.parse(fs, args); err != nil {
		return err
	}
	f.opt.NoForensics = true
	return withApp(ctx, f.sc, func(ctx context.Context, a *app.App) error {
		if *stations {
			rows, err := a.Comparison(ctx, f.election)
			if err != nil {
				return err
			}
			t := tabular.New(p, analysis.ComparisonHeader...)
			for _, r := range rows {
				if f.opt.Contest != "" && r.Contest != f.opt.Contest {
					continue
				}
				for _, fig := range r.Figures {
					var diff any = ""
					if fig.Observed != nil && fig.Official != nil {
						diff = *fig.Observed - *fig.Official
					}
					t.Add(r.Station, r.Area, r.Contest, fig.Figure, numOrEmpty(fig.Observed), numOrEmpty(fig.Official), diff)
				}
			}
			return f.out.print(stdout, t, rows)
		}
		rep, err := f.analyze(ctx, p, stderr, a)
		if err != nil {
			return err
		}
		if rep.Official == nil {
			return fail("cli.compare.no_official", locales.Args{"Election": f.election})
		}
		t := tabular.New(p, "contest", "area", "stations", "exact", "flagged", "choice", "paired z", "collation z", "diagnosis")
		var worst []string
		for _, c := range rep.Contests {
			for _, ar := range c.Areas {
				cmp := ar.Comparison
				if cmp == nil {
					continue
				}
				m := cmp.Match
				if len(cmp.Choices) == 0 {
					t.Add(c.Contest, ar.Area, m.Stations, tabular.Share(m.ExactRate), m.Flagged, "-", "", "", cmp.Note)
				}
				for _, ct := range cmp.Choices {
					var pz, cz, d any = "", "", ct.Error
					if ct.Paired != nil {
						pz = tabular.Number{X: ct.Paired.Z, Decimals: 2}
					}
					if ct.Collation != nil {
						cz = tabular.Number{X: ct.Collation.Z, Decimals: 2}
					}
					if ct.Diagnosis != nil {
						d = tabular.Code(ct.Diagnosis.Verdict)
					}
					t.Add(c.Contest, ar.Area, m.Stations, tabular.Share(m.ExactRate), m.Flagged, ct.Choice, pz, cz, d)
				}
				if ar.Area == rep.Area {
					for _, d := range m.Worst {
						worst = append(worst, fmt.Sprintf("  %s %s: D = %s", c.Contest, d.Station, p.Number(d.D, 0)))
					}
				}
				for _, ct := range cmp.Choices {
					if ct.Diagnosis != nil && ct.Diagnosis.Verdict == pvt.Inconsistent {
						worst = append(worst, fmt.Sprintf("  %s %s %s: %s", c.Contest, ar.Area, ct.Choice, ct.Diagnosis.Note.In(p.Lang())))
					}
				}
			}
		}
		if err := f.out.print(stdout, t, rep); err != nil {
			return err
		}
		if !f.out.json && !f.out.csv {
			fmt.Fprintln(stdout)
			fmt.Fprintln(stdout, p.T("cli.compare.release", locales.Args{"Version": rep.Official.Version, "Source": rep.Official.Source}))
			if len(worst) > 0 {
				fmt.Fprintln(stdout, p.T("cli.compare.worst"))
				for _, w := range worst {
					fmt.Fprintln(stdout, w)
				}
			}
		}
		return nil
	})
}

// numOrEmpty is the cell of a figure that may not be given.
func numOrEmpty(n *int64) any {
	if n == nil {
		return ""
	}
	return *n
}

// plainCompare compares observers' results with official ones, station by station and
// per choice.
func plainCompare(ctx context.Context, p *locales.Printer, args []string, stdout, stderr io.Writer) error {
	var pf plainFlags
	fs := newFlagSet(p, "compare", stderr, `-in OBSERVED -official OFFICIAL -station COL -choices COL,COL,… -valid COL [-stratum COL]
       [-tolerance T] [-official-share CHOICE=SHARE,…] [-json|-csv]`, "cli.about.compare")
	pf.register(fs, "in", "station", "stratum", "choices", "valid")
	var opt plaincsv.CompareOptions
	fs.StringVar(&opt.Official, "official", "", "cli.flag.official_file")
	fs.Float64Var(&opt.Tolerance, "tolerance", 0, "cli.flag.tolerance_plain")
	pf.sharesFlag(fs, &opt.OfficialShare, "official-share", "cli.flag.official_share")
	if _, err := pf.parse(fs, args); err != nil {
		return err
	}
	opt.In, opt.Columns = pf.in, pf.cols
	res, err := plaincsv.Compare(ctx, opt)
	return pf.print(p, stdout, res, err)
}
