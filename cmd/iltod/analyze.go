package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/iltod/iltod/internal/analysis"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/stats/pvt"
)

// hasInput reports whether args name a plain CSV input (-in), which selects the plain-file
// mode of an analysis command.
func hasInput(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && name == "in" {
			return true
		}
	}
	return false
}

// analysisFlags are the flags the analysis commands share on a loaded election.
type analysisFlags struct {
	sc       StoreConfig
	election string
	out      output
	opt      analysis.Options
	levels   string
}

func (f *analysisFlags) register(fs *flag.FlagSet) {
	f.sc.register(fs, "data")
	f.out.register(fs)
	fs.StringVar(&f.election, "election", "", "the election")
	fs.StringVar(&f.opt.Area, "area", "", "analyse this area (default: the whole election)")
	fs.StringVar(&f.opt.Contest, "contest", "", "only this contest")
	fs.StringVar(&f.levels, "levels", "1", `levels of areas below -area with their own figures, or "all"`)
	fs.Float64Var(&f.opt.Tolerance, "tolerance", 0, "discrepancy in votes above which a station is flagged")
}

func (f *analysisFlags) check(fs *flag.FlagSet) error {
	if f.election == "" || fs.NArg() != 0 {
		return usagef("give -election ID (or -in FILE for a plain CSV file)")
	}
	if f.levels == "all" {
		f.opt.Levels = -1
	} else if n, err := strconv.Atoi(f.levels); err != nil || n < 1 {
		return usagef(`-levels: a whole number from 1, or "all"`)
	} else {
		f.opt.Levels = n
	}
	return f.out.check()
}

// analyze runs the analysis of a loaded election with a progress display.
func (f *analysisFlags) analyze(ctx context.Context, stderr io.Writer, a *app.App) (*analysis.Report, error) {
	p := startProgress(stderr, "analysing "+f.election)
	defer p.stop()
	return a.Analyze(ctx, f.election, f.opt)
}

func runSample(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if hasInput(args) {
		return runPlain(ctx, "sample", args, stdout, stderr)
	}
	fs := newFlagSet("sample", stderr, "-election ID -size N -seed S [flags] | -in FILE … (see docs/analysis-cli.md)")
	var sc StoreConfig
	var out output
	sc.register(fs, "data")
	out.register(fs)
	election := fs.String("election", "", "the election")
	by := fs.String("by", "region", `stratify by an area level ("region", "district" …), "stratum" (each station's own label) or "none"`)
	size := fs.Int("size", 0, "stations to draw, over all strata")
	seed := fs.Uint64("seed", 0, "the seed: record how it was chosen (dice rolled in public, a lottery number)")
	reserves := fs.Int("reserves", 3, "replacement stations listed per stratum")
	minimum := fs.Int("min-per-stratum", 2, "least stations drawn per stratum")
	note := fs.String("note", "", "why the sample is drawn, kept with it")
	show := fs.Bool("show", false, "print the stored sample instead of drawing one")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *election == "" || fs.NArg() != 0 {
		return usagef("give -election ID (or -in FILE for a plain CSV file)")
	}
	if err := out.check(); err != nil {
		return err
	}
	if !*show && (*size < 1 || *seed == 0) {
		return usagef("give -size N and a -seed other than 0 (or -show)")
	}
	return withApp(ctx, sc, func(ctx context.Context, a *app.App) error {
		var doc analysis.SampleDoc
		version := 0
		if *show {
			rec, d, err := a.Sample(ctx, *election, 0)
			if err != nil {
				return err
			}
			doc, version = d, rec.Version
		} else {
			rec, d, err := a.DrawSample(ctx, *election, *by, pvt.DrawOptions{Size: *size, Seed: *seed, Reserves: *reserves, MinPerStratum: *minimum}, *note)
			if err != nil {
				return err
			}
			doc, version = d, rec.Version
			fmt.Fprintf(stderr, "sample version %d saved with election %s and committed to the log\n", rec.Version, *election)
		}
		t := &table{header: []string{"stratum", "station", "role"}}
		for _, st := range doc.Sample.Strata {
			for _, s := range st.Stations {
				t.add(st.Stratum, s, "sample")
			}
			for i, s := range st.Reserves {
				t.add(st.Stratum, s, "reserve "+strconv.Itoa(i+1))
			}
		}
		if !out.json && !out.csv {
			fmt.Fprintf(stdout, "PVT sample %d of %s: %d stations in %d strata by %s, seed %d, frame %s\n\n", version, *election, doc.Sample.Size, len(doc.Sample.Strata), doc.StratifyBy, doc.Sample.Seed, doc.Sample.Frame)
		}
		return out.print(stdout, t, doc)
	})
}

func runPVT(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if hasInput(args) {
		return runPlain(ctx, "pvt", args, stdout, stderr)
	}
	fs := newFlagSet("pvt", stderr, "-election ID [-area CODE] [-contest CODE] [flags]")
	var f analysisFlags
	f.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := f.check(fs); err != nil {
		return err
	}
	f.opt.NoForensics = true
	return withApp(ctx, f.sc, func(ctx context.Context, a *app.App) error {
		rep, err := f.analyze(ctx, stderr, a)
		if err != nil {
			return err
		}
		t := &table{header: []string{"contest", "area", "choice", "estimate", "95% interval", "99% interval", "reported", "official", "check"}}
		var notes []string
		for _, c := range rep.Contests {
			for _, ar := range c.Areas {
				if ar.PVT == nil {
					t.add(c.Contest, ar.Area, "-", "no estimate: "+ar.PVTError, "", "", "", "", "")
					continue
				}
				for k, e := range ar.PVT.Shares {
					off, check := "", ""
					if ar.Official != nil {
						off = pct(ar.Official.Shares[k])
						check = string(ar.Checks[k].Verdict)
					}
					t.add(c.Contest, ar.Area, c.Choices[k], pct(e.Value), interval(e.Low95, e.High95), interval(e.Low99, e.High99), fmt.Sprintf("%d/%d", e.Reported, e.Sampled), off, check)
				}
				if ar.PVT.Turnout != nil {
					e := ar.PVT.Turnout
					t.add(c.Contest, ar.Area, "(turnout)", pct(e.Value), interval(e.Low95, e.High95), interval(e.Low99, e.High99), fmt.Sprintf("%d/%d", e.Reported, e.Sampled), "", "")
				}
				if ar.Area == rep.Area {
					notes = append(notes, fmt.Sprintf("%s: %s", c.Contest, ar.PVT.Winner.Note["en"]))
					if ar.PVT.Runoff != nil {
						notes = append(notes, fmt.Sprintf("%s: %s", c.Contest, ar.PVT.Runoff.Call.Note["en"]))
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

func runCompare(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if hasInput(args) {
		return runPlain(ctx, "compare", args, stdout, stderr)
	}
	fs := newFlagSet("compare", stderr, "-election ID [-area CODE] [-contest CODE] [flags]")
	var f analysisFlags
	f.register(fs)
	stations := fs.Bool("stations", false, "list every station and figure, observers' against official, instead of the tests")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := f.check(fs); err != nil {
		return err
	}
	f.opt.NoForensics = true
	return withApp(ctx, f.sc, func(ctx context.Context, a *app.App) error {
		if *stations {
			rows, err := a.Comparison(ctx, f.election)
			if err != nil {
				return err
			}
			t := &table{header: analysis.ComparisonHeader}
			for _, r := range rows {
				if f.opt.Contest != "" && r.Contest != f.opt.Contest {
					continue
				}
				for _, fig := range r.Figures {
					diff := ""
					if fig.Observed != nil && fig.Official != nil {
						diff = strconv.FormatInt(*fig.Observed-*fig.Official, 10)
					}
					t.add(r.Station, r.Area, r.Contest, fig.Figure, numOrEmpty(fig.Observed), numOrEmpty(fig.Official), diff)
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
		t := &table{header: []string{"contest", "area", "stations", "exact", "flagged", "choice", "paired z", "collation z", "diagnosis"}}
		var worst []string
		for _, c := range rep.Contests {
			for _, ar := range c.Areas {
				cmp := ar.Comparison
				if cmp == nil {
					continue
				}
				m := cmp.Match
				if len(cmp.Choices) == 0 {
					t.add(c.Contest, ar.Area, m.Stations, pct(m.ExactRate), m.Flagged, "-", "", "", cmp.Note)
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
					t.add(c.Contest, ar.Area, m.Stations, pct(m.ExactRate), m.Flagged, ct.Choice, pz, cz, d)
				}
				if ar.Area == rep.Area {
					for _, d := range m.Worst {
						worst = append(worst, fmt.Sprintf("  %s %s: D = %g", c.Contest, d.Station, d.D))
					}
				}
				for _, ct := range cmp.Choices {
					if ct.Diagnosis != nil && ct.Diagnosis.Verdict == pvt.Inconsistent {
						worst = append(worst, fmt.Sprintf("  %s %s %s: %s", c.Contest, ar.Area, ct.Choice, ct.Diagnosis.Note["en"]))
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

func runForensics(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if hasInput(args) {
		return runPlain(ctx, "forensics", args, stdout, stderr)
	}
	fs := newFlagSet("forensics", stderr, "-election ID [-area CODE] [-contest CODE] [-mc N] [flags]")
	var f analysisFlags
	f.register(fs)
	mc := fs.Int("mc", 0, "add a Monte Carlo integer-percentage test with this many replications")
	seed := fs.Uint64("seed", 1, "the Monte Carlo seed")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := f.check(fs); err != nil {
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
		t := &table{header: []string{"contest", "source", "stations", "screen", "result", "z / p"}}
		var notes []string
		for _, c := range rep.Contests {
			fo := c.Forensics
			if fo == nil {
				continue
			}
			it := fo.Integer
			t.add(c.Contest, fo.Source, fo.Stations, "integer percentages (leader "+fo.Leader+")", fmt.Sprintf("%d observed, %.1f expected", it.Either.Observed, it.Either.Expected), fmt.Sprintf("z = %.2f", it.Either.Z))
			if fo.IntegerMC != nil {
				t.add(c.Contest, fo.Source, fo.Stations, fmt.Sprintf("integer percentages, Monte Carlo ×%d", fo.IntegerMC.Replications), fmt.Sprintf("%d observed, %.1f mean", fo.IntegerMC.Either.Observed, fo.IntegerMC.Either.Mean), fmt.Sprintf("p = %.3f", fo.IntegerMC.Either.P))
			}
			t.add(c.Contest, fo.Source, fo.Stations, "second digit", fmt.Sprintf("χ² = %.1f", fo.SecondDigit.ChiSquare), fmt.Sprintf("p = %.3f", fo.SecondDigit.P))
			t.add(c.Contest, fo.Source, fo.Stations, "last digit", fmt.Sprintf("χ² = %.1f", fo.LastDigit.ChiSquare), fmt.Sprintf("p = %.3f", fo.LastDigit.P))
			for _, fl := range []struct {
				name string
				n    int
			}{{"over-registered", len(fo.Flags.OverRegistered.Stations)}, {"near-unanimous", len(fo.Flags.NearUnanimous.Stations)}, {"turnout outliers in their area", len(fo.Flags.AreaOutliers.Stations)}} {
				t.add(c.Contest, fo.Source, fo.Stations, "flag: "+fl.name, strconv.Itoa(fl.n)+" stations", "")
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

func runSeats(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if hasInput(args) {
		return runPlain(ctx, "seats", args, stdout, stderr)
	}
	fs := newFlagSet("seats", stderr, "-election ID [flags]")
	var sc StoreConfig
	var out output
	sc.register(fs, "data")
	out.register(fs)
	election := fs.String("election", "", "the election")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *election == "" || fs.NArg() != 0 {
		return usagef("give -election ID (or -in FILE for a plain CSV file)")
	}
	if err := out.check(); err != nil {
		return err
	}
	return withApp(ctx, sc, func(ctx context.Context, a *app.App) error {
		rep, err := a.Analyze(ctx, *election, analysis.Options{NoForensics: true})
		if err != nil {
			return err
		}
		t := &table{header: []string{"body", "party", "official", "projected", "range"}}
		for _, b := range rep.Bodies {
			parties := map[string]bool{}
			for _, o := range []*analysis.SeatOutcome{b.Official, b.PVT} {
				if o != nil {
					for p := range o.Parties {
						parties[p] = true
					}
					for p := range o.Low {
						parties[p] = true
					}
				}
			}
			for _, p := range slices.Sorted(func(yield func(string) bool) {
				for p := range parties {
					if !yield(p) {
						return
					}
				}
			}) {
				off, proj, rng := "-", "-", ""
				if b.Official != nil {
					off = strconv.Itoa(b.Official.Parties[p])
				}
				if b.PVT != nil {
					proj = strconv.Itoa(b.PVT.Parties[p])
					rng = fmt.Sprintf("%d–%d", b.PVT.Low[p], b.PVT.High[p])
				}
				name := p
				if name == "" {
					name = "(independents)"
				}
				t.add(b.Body, name, off, proj, rng)
			}
			if b.OfficialError != "" {
				t.add(b.Body, "-", "no seats: "+b.OfficialError, "", "")
			}
			if b.PVTError != "" {
				t.add(b.Body, "-", "", "no projection: "+b.PVTError, "")
			}
		}
		if err := out.print(stdout, t, rep.Bodies); err != nil {
			return err
		}
		if !out.json && !out.csv {
			for _, b := range rep.Bodies {
				if b.PVT != nil {
					fmt.Fprintf(stdout, "\n%s: %s\n", b.Body, b.PVT.Note)
				}
			}
		}
		return nil
	})
}
