package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/iltod/iltod/internal/ledger"
	"github.com/iltod/iltod/tlog"

	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/locales"
)

func runExport(ctx context.Context, p *locales.Printer, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "dataset" {
		return runExportDataset(ctx, p, args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "package" {
		return usageErr("cli.export.usage", locales.Args{"Usage": "iltod export package -election ID -out DIR | iltod export dataset -election ID -out DIR"})
	}
	fs := newFlagSet(p, "export package", stderr, "-election ID -out DIR [flags]", "")
	var sc StoreConfig
	sc.register(fs, "data")
	id := fs.String("election", "", "cli.flag.export_election")
	out := fs.String("out", "", "cli.flag.export_out")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *id == "" || *out == "" || fs.NArg() != 0 {
		return usageErr("cli.export.give", nil)
	}
	store, err := sc.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	pkg, err := app.New(store, nil).ExportPackage(app.SystemContext(ctx), *id)
	if err != nil {
		return err
	}
	if err := electionpkg.Write(*out, pkg); err != nil {
		return err
	}
	key := "cli.export.done"
	if pkg.Election.Demo {
		key = "cli.export.done_demo"
	}
	fmt.Fprintln(stdout, p.T(key, locales.Args{"Election": pkg.Election.ID, "Dir": *out, "Summary": summary(p, pkg.Summarize())}))
	fmt.Fprintln(stdout, p.T("cli.export.private", locales.Args{"File": "observers.csv"}))
	return nil
}

// runExportDataset writes the public, verifiable dataset of an election: a line for every
// accepted report that the log's current checkpoint covers — its envelope, or that it is
// withheld because it carries testimony (app.PublicEnvelopes decides) — with a copy of
// the log. Partners check it with "iltod verify dataset DIR".
func runExportDataset(ctx context.Context, p *locales.Printer, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(p, "export dataset", stderr, "-election ID -out DIR [flags]", "")
	var sc StoreConfig
	sc.register(fs, "data")
	id := fs.String("election", "", "cli.flag.export_election")
	out := fs.String("out", "", "cli.flag.dataset_out")
	policyFile := fs.String("witness-policy", env(envPolicy, ""), "cli.flag.dataset_policy")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *id == "" || *out == "" || fs.NArg() != 0 || sc.DataDir == "" {
		return usageErr("cli.export.give_dataset", nil)
	}
	vkey, err := os.ReadFile(filepath.Join(sc.DataDir, ledger.VKeyFile))
	if err != nil {
		return fail("cli.export.read_vkey", locales.Args{"Err": err})
	}
	var policy []byte
	if *policyFile != "" {
		if policy, err = os.ReadFile(*policyFile); err != nil {
			return fail("cli.error.read_policy", locales.Args{"Err": err})
		}
	}
	return withApp(ctx, sc, func(ctx context.Context, a *app.App) error {
		envs, err := a.PublicEnvelopes(ctx, *id)
		if err != nil {
			return err
		}
		sum, err := tlog.WriteDataset(ctx, *out, tlog.DatasetSource{
			LogDir: filepath.Join(sc.DataDir, LogDir), VKey: strings.TrimSpace(string(vkey)),
			Policy: policy, Elections: []string{*id},
		}, envs)
		if err != nil {
			return err
		}
		msg := p.T("cli.export.dataset", locales.Args{"Election": *id, "Dir": *out, "Reports": p.Int(int64(sum.Reports)),
			"Size": p.Int(int64(sum.Checkpoint.Size)), "Leaves": p.Int(int64(sum.Leaves)), "Envelopes": p.Int(int64(sum.Envelopes)), "Withheld": p.Int(int64(sum.Withheld))})
		if sum.Omitted > 0 {
			msg += " " + p.T("cli.export.omitted", locales.Args{"N": p.Int(int64(sum.Omitted))})
		}
		fmt.Fprintln(stdout, msg)
		return nil
	})
}
