package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/internal/qa"
	"github.com/iltod/iltod/internal/sms"
	"github.com/iltod/iltod/locales"
)

func runLoad(ctx context.Context, p *locales.Printer, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(p, "load", stderr, "[flags] DIR", "")
	var sc StoreConfig
	sc.register(fs, "data")
	replace := fs.Bool("replace", false, "cli.flag.replace")
	check := fs.Bool("check", false, "cli.flag.check")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErr("cli.load.one_folder", nil)
	}
	dir := fs.Arg(0)
	pkg, err := electionpkg.ReadDir(dir, qa.ValidateForms)
	if pe := (*electionpkg.Error)(nil); errors.As(err, &pe) {
		return packageProblems{pe}
	}
	if err != nil {
		return err
	}
	// Forms an observer could not type on a Cyrillic keyboard still load: warn only.
	for _, w := range sms.Warnings(pkg) {
		fmt.Fprintln(stderr, p.T("cli.load.sms.warning", locales.Args{"Problem": w.In(p.Lang())}))
	}
	sum := summary(p, pkg.Summarize())
	if *check {
		fmt.Fprintln(stdout, p.T("cli.load.valid", locales.Args{"Dir": dir, "Election": pkg.Election.ID, "Summary": sum}))
		return nil
	}
	store, err := sc.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	a := app.New(store, nil)
	if err := a.LoadPackage(app.SystemContext(ctx), pkg, *replace); err != nil {
		return err
	}
	fmt.Fprintln(stdout, p.T("cli.load.loaded", locales.Args{"Election": pkg.Election.ID, "Store": sc.describe(p), "Summary": sum}))
	return nil
}

// summary writes what a package holds, in p's language.
func summary(p *locales.Printer, s iltod.Summary) string {
	return p.T("cli.load.summary", locales.Args{"Areas": p.Int(int64(s.Areas)), "Stations": p.Int(int64(s.Stations)),
		"Registered": p.Int(s.Registered), "Contests": p.Int(int64(s.Contests)), "Observers": p.Int(int64(s.Observers)), "Forms": p.Int(int64(s.Forms))})
}

// packageProblems is the problems of an election package, listed under a heading in the
// reader's language. Each problem is written as "file:line: field: message"; the messages
// are those of package electionpkg and of the domain's validation.
type packageProblems struct{ err *electionpkg.Error }

func (e packageProblems) Error() string { return e.err.Error() }

func (e packageProblems) Unwrap() error { return e.err }

// In writes the problems in p's language.
func (e packageProblems) In(p *locales.Printer) string {
	var b strings.Builder
	b.WriteString(p.N("cli.load.problems", len(e.err.Problems)))
	for i, pr := range e.err.Problems {
		if i == electionpkg.MaxReported {
			b.WriteString("\n" + p.T("cli.load.more", locales.Args{"N": p.Int(int64(len(e.err.Problems) - i))}))
			break
		}
		b.WriteString("\n" + pr.In(p.Lang()))
	}
	return b.String()
}
