package main

// The analysis commands on plain CSV files (-in FILE): the flags they share and the
// wiring to package plaincsv, which reads the files, computes and prints.

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/iltod/iltod/internal/plaincsv"
	"github.com/iltod/iltod/internal/tabular"

	"github.com/iltod/iltod/locales"
)

// plainFlags are the flags of a plain-file command: the input file, the columns that
// hold each figure, and the output. A command registers only those it reads.
type plainFlags struct {
	in   string
	cols plaincsv.Columns
	out  output
	// after are run once the flags are parsed, to read flags whose value needs checking
	// (see sharesFlag).
	after []func() error
}

// register adds the shared flags names to fs, with the output flags. It panics on a name
// that is not a shared flag: that is a programming error.
func (p *plainFlags) register(fs *flag.FlagSet, names ...string) {
	for _, n := range names {
		switch v := p.cols.Field(n); {
		case n == "in":
			fs.StringVar(&p.in, n, "", "cli.flag.col_"+n)
		case n == "choices":
			fs.Func(n, "cli.flag.col_"+n, func(s string) error {
				p.cols.Choices = strings.Split(s, ",")
				return nil
			})
		case v == nil:
			panic("plainFlags: unknown flag " + n)
		default:
			fs.StringVar(v, n, "", "cli.flag.col_"+n)
		}
	}
	p.out.register(fs)
}

// sharesFlag adds to fs the flag name, whose value CHOICE=SHARE,… it reads into *m once
// the flags are parsed.
func (p *plainFlags) sharesFlag(fs *flag.FlagSet, m *map[string]float64, name, usage string) {
	s := fs.String(name, "", usage)
	p.after = append(p.after, func() (err error) {
		*m, err = plaincsv.ParseShares(name, *s)
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
		return nil, usageErr("cli.error.plain_argument", locales.Args{"Arg": fmt.Sprintf("%q", fs.Arg(0))})
	}
	if err := p.out.check(); err != nil {
		return nil, err
	}
	for _, f := range p.after {
		if err := f(); err != nil {
			return nil, usageError{err}
		}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set, nil
}

// refuse returns a usage error, the message key with the flag's name as {{.Flag}}, for
// the first of flags that set holds; or nil.
func refuse(set map[string]bool, key string, flags ...string) error {
	for _, f := range flags {
		if set[f] {
			return usageErr(key, locales.Args{"Flag": f})
		}
	}
	return nil
}

// print prints res as the output flags ask, for people in lang's words, unless the
// analysis failed with err: a plaincsv.UsageError is a usage error (exit code 2).
func (p *plainFlags) print(lang *locales.Printer, stdout io.Writer, res interface {
	Print(io.Writer, tabular.Format, *locales.Printer) error
}, err error) error {
	if errors.As(err, new(*plaincsv.UsageError)) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	return res.Print(stdout, p.out.format(), lang)
}
