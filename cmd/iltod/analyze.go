package main

import (
	"context"
	"flag"
	"io"
	"strconv"

	"github.com/iltod/iltod/internal/analysis"
	"github.com/iltod/iltod/internal/app"

	"github.com/iltod/iltod/locales"
)

// hasInput reports whether args name a plain CSV input (-in), which selects the plain-file
// mode of an analysis command.
func hasInput(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if name, _, _ := flagArg(a); name == "in" {
			return true
		}
	}
	return false
}

// orPlain returns the command that runs plain when its args name a plain CSV input (-in),
// and loaded, on a loaded election, otherwise.
func orPlain(loaded, plain runFunc) runFunc {
	return func(ctx context.Context, p *locales.Printer, args []string, stdout, stderr io.Writer) error {
		if hasInput(args) {
			return plain(ctx, p, args, stdout, stderr)
		}
		return loaded(ctx, p, args, stdout, stderr)
	}
}

// electionFlags are the flags every analysis command takes on a loaded election: where
// it is stored, which election, and how to print.
type electionFlags struct {
	sc       StoreConfig
	election string
	out      output
}

func (f *electionFlags) register(fs *flag.FlagSet) {
	f.sc.register(fs, "data")
	f.out.register(fs)
	fs.StringVar(&f.election, "election", "", "cli.flag.election")
}

// parse parses args and checks that they name an election and at most one output format.
func (f *electionFlags) parse(fs *flag.FlagSet, args []string) error {
	if err := parse(fs, args); err != nil {
		return err
	}
	if f.election == "" || fs.NArg() != 0 {
		return usageErr("cli.error.give_election", nil)
	}
	return f.out.check()
}

// analysisFlags are the flags of the analysis commands that analyse areas of a loaded
// election.
type analysisFlags struct {
	electionFlags
	opt    analysis.Options
	levels string
}

func (f *analysisFlags) register(fs *flag.FlagSet) {
	f.electionFlags.register(fs)
	fs.StringVar(&f.opt.Area, "area", "", "cli.flag.area")
	fs.StringVar(&f.opt.Contest, "contest", "", "cli.flag.contest")
	fs.StringVar(&f.levels, "levels", "1", "cli.flag.levels")
	fs.Float64Var(&f.opt.Tolerance, "tolerance", 0, "cli.flag.tolerance")
}

// parse parses args and checks them.
func (f *analysisFlags) parse(fs *flag.FlagSet, args []string) error {
	if err := f.electionFlags.parse(fs, args); err != nil {
		return err
	}
	if f.levels == "all" {
		f.opt.Levels = -1
	} else if n, err := strconv.Atoi(f.levels); err != nil || n < 1 {
		return usageErr("cli.error.levels", nil)
	} else {
		f.opt.Levels = n
	}
	return nil
}

// analyze runs the analysis of a loaded election with a progress display in p's language.
func (f *analysisFlags) analyze(ctx context.Context, p *locales.Printer, stderr io.Writer, a *app.App) (*analysis.Report, error) {
	prog := startProgress(p, stderr, p.T("cli.progress.analysing", locales.Args{"Election": f.election}))
	defer prog.stop()
	return a.Analyze(ctx, f.election, f.opt)
}
