package main

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/plaincsv"
	"github.com/iltod/iltod/internal/tabular"
)

func runForensics(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("forensics", stderr, "-election ID [-area CODE] [-contest CODE] [-mc N] [flags]")
	var f analysisFlags
	f.register(fs)
	mc := fs.Int("mc", 0, "add a Monte Carlo integer-percentage test with this many replications")
	seed := fs.Uint64("seed", 1, "the Monte Carlo seed")
	if err := f.parse(fs, args); err != nil {
		return err
	}
	if *mc < 0 || *mc > 100_000 {
		return usagef("-mc: 0 to 100000 replications")
	}
	f.opt.MonteCarlo, f.opt.Seed, f.opt.Levels = *mc, *seed, 0
	return withApp(ctx, f.sc, func(ctx context.Context, a *app.App) error {
		rep, err := f.analyze(ctx, stderr, a)
		if err != nil {
			return err
		}
		t := &tabular.Table{Header: []string{"contest", "source", "stations", "screen", "result", "z / p"}}
		var notes []string
		for _, c := range rep.Contests {
			fo := c.Forensics
			if fo == nil {
				continue
			}
			it := fo.Integer
			t.Add(c.Contest, fo.Source, fo.Stations, "integer percentages (leader "+fo.Leader+")", fmt.Sprintf("%d observed, %.1f expected", it.Either.Observed, it.Either.Expected), fmt.Sprintf("z = %.2f", it.Either.Z))
			if fo.IntegerMC != nil {
				t.Add(c.Contest, fo.Source, fo.Stations, fmt.Sprintf("integer percentages, Monte Carlo ×%d", fo.IntegerMC.Replications), fmt.Sprintf("%d observed, %.1f mean", fo.IntegerMC.Either.Observed, fo.IntegerMC.Either.Mean), fmt.Sprintf("p = %.3f", fo.IntegerMC.Either.P))
			}
			t.Add(c.Contest, fo.Source, fo.Stations, "second digit", fmt.Sprintf("χ² = %.1f", fo.SecondDigit.ChiSquare), fmt.Sprintf("p = %.3f", fo.SecondDigit.P))
			t.Add(c.Contest, fo.Source, fo.Stations, "last digit", fmt.Sprintf("χ² = %.1f", fo.LastDigit.ChiSquare), fmt.Sprintf("p = %.3f", fo.LastDigit.P))
			for _, fl := range []struct {
				name string
				n    int
			}{{"over-registered", len(fo.Flags.OverRegistered.Stations)}, {"near-unanimous", len(fo.Flags.NearUnanimous.Stations)}, {"turnout outliers in their area", len(fo.Flags.AreaOutliers.Stations)}} {
				t.Add(c.Contest, fo.Source, fo.Stations, "flag: "+fl.name, strconv.Itoa(fl.n)+" stations", "")
			}
			notes = append(notes, c.Contest+": "+fo.Integer.Note["en"])
		}
		if err := f.out.print(stdout, t, rep); err != nil {
			return err
		}
		f.out.notes(stdout, "Screens, never verdicts:", notes)
		return nil
	})
}

const plainForensicsUsage = `-in FILE -registered COL -cast COL -leader COL [-issued COL] [-station COL] [-area COL]
       [-choices COL,COL,…] [-mc N -seed S] [-json|-csv]

Screens station results (package forensics): integer percentages, the turnout × leader's
share fingerprint and its cumulative curve, second- and last-digit tests, and flags.
Without -issued, ballots issued are taken to be the ballots found (-cast). Screens point at
numbers worth a closer look; they are never verdicts. -csv prints the flagged stations.`

// plainForensics runs every screen of package forensics on the stations of a file.
func plainForensics(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var p plainFlags
	fs := newFlagSet("forensics", stderr, plainForensicsUsage)
	p.register(fs, "in", "station", "area", "registered", "cast", "issued", "choices", "leader")
	var opt plaincsv.ForensicsOptions
	fs.IntVar(&opt.MonteCarlo, "mc", 0, "also run the integer-percentage test with a Monte Carlo null of `N` replications")
	fs.Uint64Var(&opt.Seed, "seed", 1, "the seed of the Monte Carlo replications")
	set, err := p.parse(fs, args)
	if err != nil {
		return err
	}
	if set["seed"] && opt.MonteCarlo == 0 {
		return usagef("-seed applies only with -mc N")
	}
	opt.In, opt.Columns = p.in, p.cols
	opt.Progress = func(step string) func() { return startProgress(stderr, step).stop }
	res, err := plaincsv.Forensics(ctx, opt)
	return p.print(stdout, res, err)
}
