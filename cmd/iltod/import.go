package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/official"
	"github.com/iltod/iltod/locales"
)

func runImport(ctx context.Context, p *locales.Printer, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(p, "import", stderr, "-election ID -file FILE -source TEXT [flags]", "")
	var sc StoreConfig
	sc.register(fs, "data")
	election := fs.String("election", "", "cli.flag.election")
	file := fs.String("file", "", "cli.flag.import_file")
	format := fs.String("format", "", "cli.flag.import_format")
	layout := fs.String("layout", "", "cli.flag.layout")
	mappingFile := fs.String("mapping", "", "cli.flag.mapping")
	contest := fs.String("contest", "", "cli.flag.import_contest")
	source := fs.String("source", "", "cli.flag.source")
	published := fs.String("published", "", "cli.flag.published")
	note := fs.String("note", "", "cli.flag.release_note")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *election == "" || *file == "" || *source == "" || fs.NArg() != 0 {
		return usageErr("cli.import.give", nil)
	}
	pub := time.Now().UTC()
	if *published != "" {
		t, err := time.Parse(time.RFC3339, *published)
		if err != nil {
			t, err = time.Parse(time.DateOnly, *published)
		}
		if err != nil {
			return usageErr("cli.import.published", locales.Args{"Value": fmt.Sprintf("%q", *published)})
		}
		pub = t.UTC()
	}
	var m official.Mapping
	if *mappingFile != "" {
		data, err := os.ReadFile(*mappingFile)
		if err != nil {
			return err
		}
		if m, err = official.ParseMapping(filepath.Base(*mappingFile), data); err != nil {
			return err
		}
	}
	switch *layout {
	case "":
	case "long":
		m.Format = official.Long
	case "wide":
		m.Format = official.Wide
	default:
		return usageErr("cli.import.layout", nil)
	}
	if *contest != "" {
		m.ContestCode = *contest
	}
	kind := *format
	if kind == "" {
		kind = "csv"
		if strings.EqualFold(filepath.Ext(*file), ".json") {
			kind = "nist"
		}
	}
	if kind != "csv" && kind != "nist" {
		return usageErr("cli.import.format", nil)
	}
	f, err := os.Open(*file)
	if err != nil {
		return err
	}
	defer f.Close()
	name := filepath.Base(*file)
	return withApp(ctx, sc, func(ctx context.Context, a *app.App) error {
		pkg, err := a.PublicPackage(ctx, *election)
		if err != nil {
			return err
		}
		prog := startProgress(p, stderr, p.T("cli.progress.reading", locales.Args{"File": name}))
		var results []iltod.StationResult
		if kind == "nist" {
			results, _, err = official.ReadNIST(f, name, pkg, m)
		} else {
			results, err = official.ReadCSV(f, name, pkg, m)
		}
		prog.stop()
		if err != nil {
			return err // it lists every problem, and says nothing was imported
		}
		prog = startProgress(p, stderr, p.T("cli.progress.importing"))
		r, err := a.ImportOfficial(ctx, iltod.OfficialRelease{Election: *election, Source: *source, Published: pub, Note: *note},
			results, map[string]any{"file": name, "format": kind, "layout": string(m.Format)})
		prog.stop()
		if err != nil {
			return fail("cli.import.nothing", locales.Args{"Err": err})
		}
		fmt.Fprintln(stdout, p.T("cli.import.done", locales.Args{"Version": r.Version, "Election": r.Election, "Results": p.Int(int64(r.Results)),
			"Totals": p.Int(int64(r.Totals)), "File": name, "Hash": fmt.Sprintf("%x", r.Hash)}))
		return nil
	})
}
