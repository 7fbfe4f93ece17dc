package main

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/iltod/iltod/internal/analysis"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/plaincsv"
	"github.com/iltod/iltod/internal/tabular"
	"github.com/iltod/iltod/stats/pvt"
)

func runCompare(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("compare", stderr, "-election ID [-area CODE] [-contest CODE] [flags]")
	var f analysisFlags
	f.register(fs)
	stations := fs.Bool("stations", false, "list every station and figure, observers' against official, instead of the tests")
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
			t := &tabular.Table{Header: analysis.ComparisonHeader}
			for _, r := range rows {
				if f.opt.Contest != "" && r.Contest != f.opt.Contest {
					continue
				}
				for _, fig := range r.Figures {
					diff := ""
					if fig.Observed != nil && fig.Official != nil {
						diff = strconv.FormatInt(*fig.Observed-*fig.Official, 10)
					}
					t.Add(r.Station, r.Area, r.Contest, fig.Figure, numOrEmpty(fig.Observed), numOrEmpty(fig.Official), diff)
				}
			}
			return f.out.print(stdout, t, rows)
		}
		rep, err := f.analyze(ctx, stderr, a)
		if err != nil {
			return err
		}
		if rep.Official == nil {
			return fmt.Errorf("election %s has no official results: import them first (iltod import)", f.election)
		}
		t := &tabular.Table{Header: []string{"contest", "area", "stations", "exact", "flagged", "choice", "paired z", "collation z", "diagnosis"}}
		var worst []string
		for _, c := range rep.Contests {
			for _, ar := range c.Areas {
				cmp := ar.Comparison
				if cmp == nil {
					continue
				}
				m := cmp.Match
				if len(cmp.Choices) == 0 {
					t.Add(c.Contest, ar.Area, m.Stations, tabular.Percent(m.ExactRate), m.Flagged, "-", "", "", cmp.Note)
				}
				for _, ct := range cmp.Choices {
					pz, cz, d := "", "", ct.Error
					if ct.Paired != nil {
						pz = fmt.Sprintf("%.2f", ct.Paired.Z)
					}
					if ct.Collation != nil {
						cz = fmt.Sprintf("%.2f", ct.Collation.Z)
					}
					if ct.Diagnosis != nil {
						d = string(ct.Diagnosis.Verdict)
					}
					t.Add(c.Contest, ar.Area, m.Stations, tabular.Percent(m.ExactRate), m.Flagged, ct.Choice, pz, cz, d)
				}
				if ar.Area == rep.Area {
					for _, d := range m.Worst {
						worst = append(worst, fmt.Sprintf("  %s %s: D = %g", c.Contest, d.Station, d.D))
					}
				}
				for _, ct := range cmp.Choices {
					if ct.Diagnosis != nil && ct.Diagnosis.Verdict == pvt.Inconsistent {
						worst = append(worst, fmt.Sprintf("  %s %s %s: %s", c.Contest, ar.Area, ct.Choice, ct.Diagnosis.Note))
					}
				}
			}
		}
		if err := f.out.print(stdout, t, rep); err != nil {
			return err
		}
		if !f.out.json && !f.out.csv {
			fmt.Fprintf(stdout, "\nOfficial release %d (%s). Critical |z| per test: shared by each contest's choices at a 5%% false-alarm rate.\n", rep.Official.Version, rep.Official.Source)
			if len(worst) > 0 {
				fmt.Fprintln(stdout, "Largest discrepancies and inconsistent tests:")
				for _, w := range worst {
					fmt.Fprintln(stdout, w)
				}
			}
		}
		return nil
	})
}

func numOrEmpty(p *int64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatInt(*p, 10)
}

const plainCompareUsage = `-in OBSERVED -official OFFICIAL -station COL -choices COL,COL,… -valid COL [-stratum COL]
       [-tolerance T] [-official-share CHOICE=SHARE,…] [-json|-csv]

Compares observers' station results (OBSERVED, the sampled stations) with the official ones
(OFFICIAL, every station), paired by station code, with the same column names in both:
exact matches and discrepancies (pvt.Match), the paired and the collation test per choice
and where a difference lies (pvt.Diagnose). The official file's stations are the
population, by stratum (read from OFFICIAL) if -stratum is given. The official national
share is OFFICIAL's own total unless -official-share gives the published one. -csv prints
every flagged station; the table shows the first 20.`

// plainCompare compares observers' results with official ones, station by station and
// per choice.
func plainCompare(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var p plainFlags
	fs := newFlagSet("compare", stderr, plainCompareUsage)
	p.register(fs, "in", "station", "stratum", "choices", "valid")
	var opt plaincsv.CompareOptions
	fs.StringVar(&opt.Official, "official", "", "the official results `FILE`, every station, with the same columns as -in")
	fs.Float64Var(&opt.Tolerance, "tolerance", 0, "flag stations whose discrepancy D = Σ|observed − official| is above this (0 flags any difference)")
	sharesFlag(fs, &opt.OfficialShare, "official-share", "the published national shares, `CHOICE=SHARE,…`, when they differ from the official file's totals")
	if _, err := p.parse(fs, args); err != nil {
		return err
	}
	opt.In, opt.Columns = p.in, p.cols
	res, err := plaincsv.Compare(ctx, opt)
	return p.print(stdout, res, err)
}
