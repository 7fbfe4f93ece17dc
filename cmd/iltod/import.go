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
)

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("import", stderr, "-election ID -file FILE -source TEXT [flags]")
	var sc StoreConfig
	sc.register(fs, "data")
	election := fs.String("election", "", "the election")
	file := fs.String("file", "", "the official results: CSV, or NIST SP 1500-100 v2 JSON (.json)")
	format := fs.String("format", "", `"csv" or "nist"; default from the file's extension`)
	layout := fs.String("layout", "", `CSV layout, "long" (default) or "wide"; overrides the mapping's`)
	mappingFile := fs.String("mapping", "", "a YAML or JSON file mapping the file's columns and values to the election's codes (docs/official-results.md)")
	contest := fs.String("contest", "", "the contest of every row, for a file with no contest column")
	source := fs.String("source", "", "where the figures come from: the authority and the document or URL (required)")
	published := fs.String("published", "", "when the authority published them: YYYY-MM-DD or RFC 3339 (default now)")
	note := fs.String("note", "", "a note kept with the release, e.g. what changed since the last")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *election == "" || *file == "" || *source == "" || fs.NArg() != 0 {
		return usagef("give -election ID, -file FILE and -source TEXT")
	}
	pub := time.Now().UTC()
	if *published != "" {
		t, err := time.Parse(time.RFC3339, *published)
		if err != nil {
			t, err = time.Parse(time.DateOnly, *published)
		}
		if err != nil {
			return usagef("-published %q: give YYYY-MM-DD or an RFC 3339 time", *published)
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
		return usagef(`-layout: "long" or "wide"`)
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
		return usagef(`-format: "csv" or "nist"`)
	}
	f, err := os.Open(*file)
	if err != nil {
		return err
	}
	defer f.Close()
	name := filepath.Base(*file)
	return withApp(ctx, sc, func(ctx context.Context, a *app.App) error {
		p, err := a.PublicPackage(ctx, *election)
		if err != nil {
			return err
		}
		prog := startProgress(stderr, "reading "+name)
		var results []iltod.StationResult
		if kind == "nist" {
			results, _, err = official.ReadNIST(f, name, p, m)
		} else {
			results, err = official.ReadCSV(f, name, p, m)
		}
		prog.stop()
		if err != nil {
			return err // it lists every problem, and says nothing was imported
		}
		prog = startProgress(stderr, "importing")
		r, err := a.ImportOfficial(ctx, iltod.OfficialRelease{Election: *election, Source: *source, Published: pub, Note: *note},
			results, map[string]any{"file": name, "format": kind, "layout": string(m.Format)})
		prog.stop()
		if err != nil {
			return fmt.Errorf("nothing imported: %w", err)
		}
		fmt.Fprintf(stdout, "imported official release %d of %s: %d station results and %d area totals from %s (sha256 %x)\n",
			r.Version, r.Election, r.Results, r.Totals, name, r.Hash)
		return nil
	})
}
