package main

// The analysis commands on plain CSV files (-in FILE): the flags they share and the
// wiring to package plaincsv, which reads the files, computes and prints.

import (
	"errors"
	"flag"
	"io"
	"strings"

	"github.com/iltod/iltod/internal/plaincsv"
	"github.com/iltod/iltod/internal/tabular"
)

// plainFlags are the flags of a plain-file command: the input file, the columns that
// hold each figure, and the output. A command registers only those it reads.
type plainFlags struct {
	in   string
	cols plaincsv.Columns
	out  output
}

// columnUsage describes each shared flag.
var columnUsage = map[string]string{
	"in":         "the input CSV `FILE` (gzip if it ends in .gz); its first row names the columns",
	"station":    "`COL`: the column of station codes (unique)",
	"stratum":    "`COL`: the column of stratum labels; without it the stations form one stratum",
	"registered": "`COL`: the column of registered voters",
	"cast":       "`COL`: the column of ballots found in the box (valid and invalid)",
	"issued":     "`COL`: the column of ballots issued to voters",
	"valid":      "`COL`: the column of valid votes",
	"choices":    "`COL,COL,…`: the columns of votes, one per choice; a choice's name is its column's",
	"area":       "`COL`: the column of areas whose stations are compared with each other (flags)",
	"leader":     "`COL`: the column of the leader's votes (the national winner)",
	"choice":     "`COL`: the column naming the choice (candidate or list)",
	"votes":      "`COL`: the column of votes",
	"party":      "`COL`: the column of the choice's party (optional)",
}

// register adds the shared flags names to fs, with the output flags. It panics on a name
// that is not a shared flag: that is a programming error.
func (p *plainFlags) register(fs *flag.FlagSet, names ...string) {
	for _, n := range names {
		switch v := p.cols.Field(n); {
		case n == "in":
			fs.StringVar(&p.in, n, "", columnUsage[n])
		case n == "choices":
			fs.Func(n, columnUsage[n], func(s string) error {
				p.cols.Choices = strings.Split(s, ",")
				return nil
			})
		case v == nil:
			panic("plainFlags: unknown flag " + n)
		default:
			fs.StringVar(v, n, "", columnUsage[n])
		}
	}
	p.out.register(fs)
}

// sharesFlag adds to fs the flag name, whose value CHOICE=SHARE,… it reads into *m.
func sharesFlag(fs *flag.FlagSet, m *map[string]float64, name, usage string) {
	fs.Func(name, usage, func(s string) (err error) {
		*m, err = plaincsv.ParseShares(s)
		return err
	})
}

// parse parses args, refuses positional arguments and checks the output flags. It
// returns the names of the flags given.
func (p *plainFlags) parse(fs *flag.FlagSet, args []string) (map[string]bool, error) {
	if err := parse(fs, args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, usagef("unexpected argument %q: every input is named by a flag (-in FILE)", fs.Arg(0))
	}
	if err := p.out.check(); err != nil {
		return nil, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set, nil
}

// refuse returns a usage error, format with the flag's name, for the first of flags that
// set holds; or nil.
func refuse(set map[string]bool, format string, flags ...string) error {
	for _, f := range flags {
		if set[f] {
			return usagef(format, f)
		}
	}
	return nil
}

// print prints res as the output flags ask, unless the analysis failed with err: a
// plaincsv.UsageError is a usage error (exit code 2).
func (p *plainFlags) print(stdout io.Writer, res interface {
	Print(io.Writer, tabular.Format) error
}, err error) error {
	if errors.As(err, new(*plaincsv.UsageError)) {
		return usageError{err.Error()}
	}
	if err != nil {
		return err
	}
	return res.Print(stdout, p.out.format())
}
