package main

import (
	"context"
	"fmt"
	"io"

	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/internal/qa"
)

func runLoad(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("load", stderr, "[flags] DIR")
	var sc StoreConfig
	sc.register(fs, "data")
	replace := fs.Bool("replace", false, "replace an election with the same id")
	check := fs.Bool("check", false, "only check the package; store nothing")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("give exactly one package folder")
	}
	dir := fs.Arg(0)
	p, err := electionpkg.ReadDir(dir, qa.ValidateForms)
	if err != nil {
		return err
	}
	s := p.Summarize()
	if *check {
		fmt.Fprintf(stdout, "%s: election %s is valid: %d areas, %d stations (%d registered voters), %d contests, %d observers, %d forms\n",
			dir, p.Election.ID, s.Areas, s.Stations, s.Registered, s.Contests, s.Observers, s.Forms)
		return nil
	}
	store, err := sc.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	a := app.New(store, nil)
	if err := a.LoadPackage(app.SystemContext(ctx), p, *replace); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "loaded election %s into %s: %d areas, %d stations (%d registered voters), %d contests, %d observers, %d forms\n",
		p.Election.ID, sc.describe(), s.Areas, s.Stations, s.Registered, s.Contests, s.Observers, s.Forms)
	return nil
}
