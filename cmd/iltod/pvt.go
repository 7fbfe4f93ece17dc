package main

import (
	"context"
	"fmt"
	"io"

	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/plaincsv"
	"github.com/iltod/iltod/internal/tabular"
)

func runPVT(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("pvt", stderr, "-election ID [-area CODE] [-contest CODE] [flags]")
	var f analysisFlags
	f.register(fs)
	if err := f.parse(fs, args); err != nil {
		return err
	}
	f.opt.NoForensics = true
	return withApp(ctx, f.sc, func(ctx context.Context, a *app.App) error {
		rep, err := f.analyze(ctx, stderr, a)
		if err != nil {
			return err
		}
		t := &tabular.Table{Header: []string{"contest", "area", "choice", "estimate", "95% interval", "99% interval", "reported", "official", "check"}}
		var notes []string
		for _, c := range rep.Contests {
			for _, ar := range c.Areas {
				if ar.PVT == nil {
					t.Add(c.Contest, ar.Area, "-", "no estimate: "+ar.PVTError, "", "", "", "", "")
					continue
				}
				for k, e := range ar.PVT.Shares {
					off, check := "", ""
					if ar.Official != nil {
						off = tabular.Percent(ar.Official.Shares[k])
						check = string(ar.Checks[k].Verdict)
					}
					t.Add(c.Contest, ar.Area, c.Choices[k], tabular.Percent(e.Value), tabular.Interval(e.Low95, e.High95), tabular.Interval(e.Low99, e.High99), fmt.Sprintf("%d/%d", e.Reported, e.Sampled), off, check)
				}
				if ar.PVT.Turnout != nil {
					e := ar.PVT.Turnout
					t.Add(c.Contest, ar.Area, "(turnout)", tabular.Percent(e.Value), tabular.Interval(e.Low95, e.High95), tabular.Interval(e.Low99, e.High99), fmt.Sprintf("%d/%d", e.Reported, e.Sampled), "", "")
				}
				if ar.Area == rep.Area {
					notes = append(notes, fmt.Sprintf("%s: %s", c.Contest, ar.PVT.Winner.Note))
					if ar.PVT.Runoff != nil {
						notes = append(notes, fmt.Sprintf("%s: %s", c.Contest, ar.PVT.Runoff.Call.Note))
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

const plainPVTUsage = `-in FILE -station COL [-stratum COL] -choices COL,COL,… -valid COL [-cast COL -registered COL]
       (-population N | -strata FILE) [-majority 0.5] [-official CHOICE=SHARE,…] [-json|-csv]

Estimates every choice's share of valid votes, the margin between the top two, turnout and
the calls a PVT supports, from the sampled stations in FILE (pvt.Analyze). A row whose valid
votes or a choice's votes are empty has not reported: it is skipped and counted. -strata
FILE has the columns stratum,population (the number of stations in each stratum).`

// plainPVT estimates a contest from the sampled stations of a file.
func plainPVT(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var p plainFlags
	fs := newFlagSet("pvt", stderr, plainPVTUsage)
	p.register(fs, "in", "station", "stratum", "choices", "valid", "cast", "registered")
	var opt plaincsv.PVTOptions
	fs.IntVar(&opt.Population, "population", 0, "the number of stations in the country, for a simple random sample")
	fs.StringVar(&opt.Strata, "strata", "", "a CSV `FILE` with columns stratum,population: the stations in each stratum")
	fs.Float64Var(&opt.Majority, "majority", 0, "the share of valid votes the leader must exceed to win in one round (0.5); calls whether a runoff is needed")
	sharesFlag(fs, &opt.Official, "official", "official shares to check, `CHOICE=SHARE,…` (0.52 or 52%)")
	if _, err := p.parse(fs, args); err != nil {
		return err
	}
	opt.In, opt.Columns = p.in, p.cols
	res, err := plaincsv.PVT(ctx, opt)
	return p.print(stdout, res, err)
}
