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
)

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "dataset" {
		return runExportDataset(ctx, args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "package" {
		return usagef("usage: iltod export package -election ID -out DIR | iltod export dataset -election ID -out DIR")
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

// runExportDataset writes the public, verifiable dataset of an election: a line for every
// accepted report that the log's current checkpoint covers — its envelope, or that it is
// withheld because it carries testimony (app.PublicEnvelopes decides) — with a copy of
// the log. Partners check it with "iltod verify dataset DIR".
func runExportDataset(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("export dataset", stderr, "-election ID -out DIR [flags]")
	var sc StoreConfig
	sc.register(fs, "data")
	id := fs.String("election", "", "the id of the election to export")
	out := fs.String("out", "", "the folder to write the dataset into (new or empty)")
	policyFile := fs.String("witness-policy", env(envPolicy, ""), "the witness policy the log runs under, to include and check")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *id == "" || *out == "" || fs.NArg() != 0 || sc.DataDir == "" {
		return usagef("give -election ID, -out DIR and the server's -data DIR (where the log is)")
	}
	vkey, err := os.ReadFile(filepath.Join(sc.DataDir, ledger.VKeyFile))
	if err != nil {
		return fmt.Errorf("read the log's verifier key: %w", err)
	}
	var policy []byte
	if *policyFile != "" {
		if policy, err = os.ReadFile(*policyFile); err != nil {
			return fmt.Errorf("read the witness policy: %w", err)
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
		fmt.Fprintf(stdout, "exported the dataset of election %s to %s and verified it: %d reports against checkpoint %d (of %d leaves), "+
			"%d with their envelope and %d withheld (they carry testimony; the log still commits to them)",
			*id, *out, sum.Reports, sum.Checkpoint.Size, sum.Leaves, sum.Envelopes, sum.Withheld)
		if sum.Omitted > 0 {
			fmt.Fprintf(stdout, "; %d newer reports are not yet covered by a checkpoint and were left out", sum.Omitted)
		}
		fmt.Fprintln(stdout)
		return nil
	})
}
