package main

import (
	"context"
	"fmt"
	"io"

	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/electionpkg"
)

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "package" {
		return usagef("usage: iltod export package -election ID -out DIR")
	}
	fs := newFlagSet("export package", stderr, "-election ID -out DIR [flags]")
	var sc StoreConfig
	sc.register(fs, "data")
	id := fs.String("election", "", "the id of the election to export")
	out := fs.String("out", "", "the folder to write the package into")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *id == "" || *out == "" || fs.NArg() != 0 {
		return usagef("give -election ID and -out DIR")
	}
	store, err := sc.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	p, err := app.New(store, nil).ExportPackage(app.SystemContext(ctx), *id)
	if err != nil {
		return err
	}
	if err := electionpkg.Write(*out, p); err != nil {
		return err
	}
	s := p.Summarize()
	note := ""
	if p.Election.Demo {
		note = " (demonstration data)"
	}
	fmt.Fprintf(stdout, "exported election %s%s to %s: %d areas, %d stations, %d contests, %d observers, %d forms\n"+
		"observers.csv holds observers' names and phone numbers: keep it private\n",
		p.Election.ID, note, *out, s.Areas, s.Stations, s.Contests, s.Observers, s.Forms)
	return nil
}
