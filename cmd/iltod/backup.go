package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/iltod/iltod/internal/backup"
	"github.com/iltod/iltod/locales"
)

// runBackup writes the store and the log to one file while the server runs (see
// package backup and docs/backup.md).
func runBackup(ctx context.Context, p *locales.Printer, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(p, "backup", stderr, "[flags] -out FILE", "cli.backup.about")
	var sc StoreConfig
	sc.register(fs, "data")
	out := fs.String("out", "", "cli.backup.flag_out")
	includeKey := fs.Bool("include-key", false, "cli.backup.flag_include_key")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() != 0 {
		return usageErr("cli.backup.need_data_out", nil)
	}
	m, err := backup.Write(ctx, backup.WriteConfig{DataDir: sc.DataDir, DSN: sc.DSN, Out: *out, IncludeKey: *includeKey})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, p.T("cli.backup.done", locales.Args{"File": *out, "Store": sc.describe(p),
		"Events": p.Int(int64(m.Events)), "Size": p.Int(int64(m.LogSize))}))
	if m.Key {
		fmt.Fprintln(stdout, p.T("cli.backup.key_included"))
	} else {
		fmt.Fprintln(stdout, p.T("cli.backup.key_excluded"))
	}
	return nil
}

// runRestore restores a backup into a new data directory (and PostgreSQL database),
// after proving it against the log's checkpoints.
func runRestore(ctx context.Context, p *locales.Printer, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(p, "restore", stderr, "[flags] -in FILE -data NEWDIR", "cli.restore.about")
	var sc StoreConfig
	sc.register(fs, "")
	in := fs.String("in", "", "cli.restore.flag_in")
	vkeyFile := fs.String("vkey", "", "cli.restore.flag_vkey")
	keyFile := fs.String("key", "", "cli.restore.flag_key")
	policyFile := fs.String("witness-policy", env(envPolicy, ""), "cli.restore.flag_policy")
	cpFile := fs.String("checkpoint", "", "cli.restore.flag_checkpoint")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *in == "" || sc.DataDir == "" || fs.NArg() != 0 {
		return usageErr("cli.restore.need_in_data", nil)
	}
	cfg := backup.RestoreConfig{In: *in, DataDir: sc.DataDir, DSN: sc.DSN}
	read := func(name string) ([]byte, error) {
		if name == "" {
			return nil, nil
		}
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, fail("cli.restore.read", locales.Args{"Err": err})
		}
		return b, nil
	}
	var err error
	var vkey []byte
	if vkey, err = read(*vkeyFile); err != nil {
		return err
	}
	cfg.VKey = strings.TrimSpace(string(vkey))
	if cfg.Key, err = read(*keyFile); err != nil {
		return err
	}
	if cfg.Policy, err = read(*policyFile); err != nil {
		return err
	}
	if cfg.Witnessed, err = read(*cpFile); err != nil {
		return err
	}
	r, err := backup.Restore(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, p.T("cli.restore.done", locales.Args{"Dir": sc.DataDir, "Store": sc.describe(p),
		"Events": p.Int(int64(r.Manifest.Events)), "Size": p.Int(int64(r.Checkpoint))}))
	if cfg.VKey == "" {
		fmt.Fprintln(stdout, p.T("cli.restore.no_vkey", locales.Args{"VKey": r.Manifest.VKey}))
	}
	if r.Witnessed > 0 {
		fmt.Fprintln(stdout, p.T("cli.restore.witnessed_ok", locales.Args{"Size": p.Int(int64(r.Witnessed))}))
	} else {
		fmt.Fprintln(stdout, p.T("cli.restore.no_witnessed"))
	}
	return nil
}
