package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/dossier"
	"github.com/iltod/iltod/internal/incident"
	"github.com/iltod/iltod/internal/ledger"
	"github.com/iltod/iltod/internal/pdfprint"
	"github.com/iltod/iltod/locales"
	"github.com/iltod/iltod/tlog"
)

// dossierFormats are the forms iltod dossier writes.
var dossierFormats = []string{"json", "ftm", "html", "pdf"}

// runDossier lists the actors of an election that have a dossier (-list), or builds the
// dossier of one actor (-actor) from the store and the log in the data directory,
// verifies it against the log's key and witness policy, and writes it as JSON, FtM
// entities, printable HTML or PDF (see docs/dossier.md). A dossier that does not verify
// is not written: the verdict and its evidence are printed, and the exit code is 1.
func runDossier(ctx context.Context, p *locales.Printer, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(p, "dossier", stderr, "-election ID -list [-csv] | -election ID -actor CODE [-format json|ftm|html|pdf] [-out FILE] [flags]", "cli.dossier.about")
	var sc StoreConfig
	sc.register(fs, "data")
	election := fs.String("election", "", "cli.flag.election")
	list := fs.Bool("list", false, "cli.dossier.flag_list")
	asCSV := fs.Bool("csv", false, "cli.flag.csv")
	code := fs.String("actor", "", "cli.dossier.flag_actor")
	format := fs.String("format", "json", "cli.dossier.flag_format")
	out := fs.String("out", "", "cli.dossier.flag_out")
	policyFile := fs.String("witness-policy", env(envPolicy, ""), "cli.flag.dataset_policy")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *election == "" || *list == (*code != "") || fs.NArg() != 0 {
		return usageErr("cli.dossier.give", nil)
	}
	if *list {
		return withApp(ctx, sc, func(ctx context.Context, a *app.App) error {
			return listDossiers(ctx, p, a, *election, *asCSV, stdout)
		})
	}
	if !slices.Contains(dossierFormats, *format) {
		return usageErr("cli.dossier.bad_format", locales.Args{"Format": strconv.Quote(*format)})
	}
	if sc.DataDir == "" {
		return usageErr("cli.dossier.give", nil)
	}
	vkey, err := os.ReadFile(filepath.Join(sc.DataDir, ledger.VKeyFile))
	if err != nil {
		return fail("cli.dossier.read_vkey", locales.Args{"Err": err})
	}
	var policy *tlog.Policy
	if *policyFile != "" {
		text, err := os.ReadFile(*policyFile)
		if err != nil {
			return fail("cli.error.read_policy", locales.Args{"Err": err})
		}
		if policy, err = tlog.ParsePolicy(text); err != nil {
			return fail("cli.error.read_policy", locales.Args{"Err": err})
		}
	}
	v, err := tlog.NewVerifier(strings.TrimSpace(string(vkey)), policy)
	if err != nil {
		return fail("cli.dossier.read_vkey", locales.Args{"Err": err})
	}
	return withApp(ctx, sc, func(ctx context.Context, a *app.App) error {
		src, err := a.DossierSource(ctx, *election, *code)
		if err != nil {
			return err
		}
		tax, err := a.Taxonomy(ctx, *election)
		if err != nil {
			return err
		}
		tiles, err := tlog.OpenTiles(filepath.Join(sc.DataDir, LogDir), nil)
		if err != nil {
			return fail("cli.dossier.open_log", locales.Args{"Err": err})
		}
		prover, err := dossier.NewTilesProver(ctx, tiles, v)
		if err != nil {
			return fail("cli.dossier.open_log", locales.Args{"Err": err})
		}
		d, err := dossier.Build(ctx, src, prover, v.Origin(), time.Now())
		if errors.Is(err, dossier.ErrNotCovered) {
			return fail("cli.dossier.not_covered", locales.Args{"Err": err})
		}
		if err != nil {
			return fail("cli.dossier.open_log", locales.Args{"Err": err})
		}
		if _, err := dossier.Verify(d, v); err != nil {
			return dossierVerdict(p, stdout, d, nil, err)
		}
		return writeDossier(ctx, p, d, tax, *format, *out, stdout)
	})
}

// writeDossier writes d in format to the file out, or to stdout when out is "". A PDF
// written to a file has its JSON written beside it, as out.json.
func writeDossier(ctx context.Context, p *locales.Printer, d *dossier.Dossier, tax *incident.Taxonomy, format, out string, stdout io.Writer) error {
	var buf bytes.Buffer
	var err error
	switch format {
	case "json":
		var b []byte
		b, err = d.Marshal()
		buf.Write(b)
	case "ftm":
		err = dossier.WriteFTM(&buf, d, tax, p)
	case "html", "pdf":
		err = dossier.WriteHTML(&buf, d, tax, p)
		if err == nil && format == "pdf" {
			var pdf []byte
			if pdf, err = pdfprint.Print(ctx, buf.Bytes()); err != nil {
				return err
			}
			buf.Reset()
			buf.Write(pdf)
		}
	}
	if err != nil {
		return err
	}
	if out == "" {
		_, err := stdout.Write(buf.Bytes())
		return err
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return fail("cli.dossier.write", locales.Args{"File": out, "Err": err})
	}
	fmt.Fprintln(stdout, p.T("cli.dossier.written", locales.Args{"Actor": d.Actor.Code, "Incidents": p.Int(int64(len(d.Incidents))), "Origin": d.Origin, "File": out}))
	if format == "pdf" {
		js, err := d.Marshal()
		if err != nil {
			return err
		}
		if err := os.WriteFile(out+".json", js, 0o644); err != nil {
			return fail("cli.dossier.write", locales.Args{"File": out + ".json", "Err": err})
		}
		fmt.Fprintln(stdout, p.T("cli.dossier.json_beside", locales.Args{"File": out + ".json"}))
	}
	return nil
}

// listDossiers prints the actors of election that have a dossier: a line each, or CSV
// with the header code,name,incidents, the name in English where the registry has it
// (CSV is the same in every language).
func listDossiers(ctx context.Context, p *locales.Printer, a *app.App, election string, asCSV bool, stdout io.Writer) error {
	actors, err := a.DossierActors(ctx, election)
	if err != nil {
		return err
	}
	if asCSV {
		w := csv.NewWriter(stdout)
		w.Write([]string{"code", "name", "incidents"})
		for _, x := range actors {
			w.Write([]string{x.Actor.Code, x.Actor.Name.In("en"), strconv.Itoa(x.Incidents)})
		}
		w.Flush()
		return w.Error()
	}
	if len(actors) == 0 {
		fmt.Fprintln(stdout, p.T("cli.dossier.none_listed", locales.Args{"Election": election}))
		return nil
	}
	for _, x := range actors {
		fmt.Fprintln(stdout, p.T("cli.dossier.list_line", locales.Args{"Code": x.Actor.Code, "Name": x.Actor.Name.In(p.Lang()), "Incidents": p.Int(int64(x.Incidents))}))
	}
	return nil
}

// verifyDossier checks a dossier offline (dossier.Verify): the JSON that iltod dossier
// writes, or the HTML page that holds it.
func verifyDossier(p *locales.Printer, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(p, "verify dossier", stderr, "-vkey FILE [-policy FILE] FILE", "cli.dossier.verify_about")
	var tf trustFlags
	tf.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErr("cli.dossier.verify_one", nil)
	}
	v, err := tf.verifier()
	if err != nil {
		return err
	}
	name := fs.Arg(0)
	b, err := readLimited(name, dossier.MaxSize)
	if err != nil {
		return err
	}
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '<' {
		if b, err = dossier.FromHTML(t); err != nil {
			return fail("cli.dossier.not_dossier", locales.Args{"File": name, "Err": err})
		}
	}
	d, err := dossier.Parse(b)
	if err != nil {
		return fail("cli.dossier.not_dossier", locales.Args{"File": name, "Err": err})
	}
	res, err := dossier.Verify(d, v)
	return dossierVerdict(p, stdout, d, res, err)
}

// dossierVerdict prints the outcome of verifying d, as verdict does for receipts: OK
// with what was verified, or FAILED with the kind of failure in p's language, the
// English detail, and the evidence of the log's failure, if any.
func dossierVerdict(p *locales.Printer, stdout io.Writer, d *dossier.Dossier, res *dossier.Verified, err error) error {
	var de *dossier.Error
	if errors.As(err, &de) {
		fmt.Fprintln(stdout, p.T("cli.verify.failed", locales.Args{"Reason": p.T("cli.dossier.failed", locales.Args{"Kind": p.T(de.Key()), "Detail": de.Error()})}))
		var te *tlog.Error
		if errors.As(err, &te) && len(te.Evidence) > 0 {
			fmt.Fprintf(stdout, "\n%s\n%s", p.T("cli.verify.evidence"), strings.TrimPrefix(te.Report(), te.Error()+"\n"))
		}
		return errVerifyFailed
	}
	if err != nil {
		return err
	}
	var cps []string
	for _, c := range res.Checkpoints {
		cps = append(cps, p.T("cli.dossier.checkpoint", locales.Args{"Size": c.Size, "Cosigned": cosigned(p, c.Cosigners)}))
	}
	fmt.Fprintln(stdout, p.T("cli.verify.ok", locales.Args{"What": p.T("cli.dossier.verified", locales.Args{
		"Actor": d.Actor.Code, "Election": d.Election, "Incidents": p.Int(int64(res.Incidents)), "Records": p.Int(int64(res.Records)), "Origin": d.Origin,
		"Checkpoints": strings.Join(cps, ", ")})}))
	return nil
}
