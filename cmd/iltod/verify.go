package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/iltod/iltod/internal/tabular"
	"github.com/iltod/iltod/tlog"

	"github.com/iltod/iltod/locales"
)

// errVerifyFailed makes the exit code 1 after a FAILED verdict has been printed.
var errVerifyFailed = fail("cli.verify.failed_exit", nil)

// verifySynopsis is the synopsis of the verify commands; the message cli.verify.usage
// says what they read.
const verifySynopsis = `
  iltod verify receipt -vkey FILE [-policy FILE] [-log MIRROR] RECEIPT
  iltod verify envelope -vkey FILE [-policy FILE] [-log MIRROR] ENVELOPE RECEIPT
  iltod verify receipts -vkey FILE [-policy FILE] BUNDLE
  iltod verify dataset [-log MIRROR] DIR
  iltod verify dossier -vkey FILE [-policy FILE] FILE
  iltod verify consistency -vkey FILE [-policy FILE] -log DIR|URL OLD_CHECKPOINT NEW_CHECKPOINT`

// runVerify checks receipts, envelopes, datasets and the log's consistency offline,
// with package tlog. It prints one verdict line, "OK: …" or "FAILED: …", and after a
// failure the evidence; a failure exits with code 1.
func runVerify(ctx context.Context, p *locales.Printer, args []string, stdout, stderr io.Writer) error {
	usage := locales.Args{"Synopsis": verifySynopsis}
	if len(args) == 0 {
		return usageErr("cli.verify.usage", usage)
	}
	switch args[0] {
	case "receipt":
		return verifyReceipt(ctx, p, args[1:], stdout, stderr)
	case "envelope":
		return verifyEnvelope(ctx, p, args[1:], stdout, stderr)
	case "receipts":
		return verifyReceipts(p, args[1:], stdout, stderr)
	case "dataset":
		return verifyDataset(ctx, p, args[1:], stdout, stderr)
	case "consistency":
		return verifyConsistency(ctx, p, args[1:], stdout, stderr)
	case "dossier":
		return verifyDossier(p, args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(stderr, p.T("cli.verify.usage", usage))
		return nil
	}
	return usageErr("cli.verify.unknown", locales.Args{"Verification": fmt.Sprintf("%q", args[0]), "Synopsis": verifySynopsis})
}

// trustFlags are the flags naming what a verifier trusts.
type trustFlags struct {
	vkey, policy *string
}

func (tf *trustFlags) register(fs interface {
	String(name, value, usage string) *string
}) {
	tf.vkey = fs.String("vkey", "", "cli.flag.vkey")
	tf.policy = fs.String("policy", "", "cli.flag.policy")
}

func (tf *trustFlags) verifier() (*tlog.Verifier, error) {
	if *tf.vkey == "" {
		return nil, usageErr("cli.verify.give_vkey", nil)
	}
	vkey, err := readInput(*tf.vkey)
	if err != nil {
		return nil, err
	}
	var p *tlog.Policy
	if *tf.policy != "" {
		text, err := readInput(*tf.policy)
		if err != nil {
			return nil, err
		}
		if p, err = tlog.ParsePolicy(text); err != nil {
			return nil, fmt.Errorf("%s: %w", *tf.policy, err)
		}
	}
	return tlog.NewVerifier(string(vkey), p)
}

func readInput(name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(io.LimitReader(os.Stdin, 64<<20))
	}
	return os.ReadFile(name)
}

// readReceipt reads a receipt file: a promise, a tlog-proof, or the API's JSON receipt,
// from which it takes the promise.
func readReceipt(name string) ([]byte, error) {
	b, err := readInput(name)
	if err != nil {
		return nil, err
	}
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '{' {
		var r struct {
			Promise string `json:"promise"`
			Receipt *struct {
				Promise string `json:"promise"`
			} `json:"receipt"`
		}
		if err := json.Unmarshal(t, &r); err != nil {
			return nil, fail("cli.verify.not_receipt", locales.Args{"File": name, "Err": err})
		}
		if r.Receipt != nil {
			r.Promise = r.Receipt.Promise
		}
		if r.Promise == "" {
			return nil, fail("cli.verify.no_promise", locales.Args{"File": name})
		}
		return []byte(r.Promise), nil
	}
	return b, nil
}

// verdict prints the outcome of a verification in p's language, ok being what was
// verified, and returns the command's error. The evidence of a failure is printed as
// package tlog writes it.
func verdict(p *locales.Printer, stdout io.Writer, ok string, err error) error {
	var te *tlog.Error
	if errors.As(err, &te) {
		fmt.Fprintln(stdout, p.T("cli.verify.failed", locales.Args{"Reason": failureReason(p, te)}))
		if len(te.Evidence) > 0 {
			fmt.Fprintf(stdout, "\n%s\n%s", p.T("cli.verify.evidence"), strings.TrimPrefix(te.Report(), te.Error()+"\n"))
		}
		return errVerifyFailed
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, p.T("cli.verify.ok", locales.Args{"What": ok}))
	return nil
}

// failureReason says why a verification failed: package tlog's words, which are
// evidence and stay in English, after the kind of failure in p's language.
func failureReason(p *locales.Printer, te *tlog.Error) string {
	reason := te.Error()
	if p.Lang() != locales.Fallback {
		reason = p.T("error.tlog.detail", locales.Args{"Failure": p.T(te.Key()), "Detail": reason})
	}
	return reason
}

// cosigned says who cosigned a checkpoint, or "" if no one did.
func cosigned(p *locales.Printer, cosigners []string) string {
	if cosigners == nil {
		return ""
	}
	return p.T("cli.verify.cosigned", locales.Args{"Cosigners": strings.Join(cosigners, ", ")})
}

// describe says what a verified receipt shows, in p's language.
func describe(p *locales.Printer, v *tlog.Verified) string {
	kind := tabular.Word{Code: string(v.Leaf.Kind), Key: "cli.event." + string(v.Leaf.Kind)}.Text(p)
	what := p.T("cli.verify.leaf", locales.Args{"Kind": kind, "Seq": v.Leaf.Seq, "Election": v.Leaf.Election, "Hash": fmt.Sprintf("%x", v.Leaf.Hash)})
	if !v.Included {
		return p.T("cli.verify.promised", locales.Args{"Origin": v.Promise.Origin, "What": what, "Index": v.Index, "Received": v.Promise.Received.Format(time.RFC3339)})
	}
	return p.T("cli.verify.included", locales.Args{"What": what, "Index": v.Index, "Origin": v.Checkpoint.Origin, "Size": v.Checkpoint.Size,
		"Cosigned": cosigned(p, v.Checkpoint.Cosigners)})
}

func verifyReceipt(ctx context.Context, p *locales.Printer, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(p, "verify receipt", stderr, "-vkey FILE [-policy FILE] [-log MIRROR] RECEIPT", "cli.verify.receipt_about")
	var tf trustFlags
	tf.register(fs)
	loc := fs.String("log", "", "cli.mirror.flag_verify_log")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErr("cli.verify.one_receipt", nil)
	}
	v, err := tf.verifier()
	if err != nil {
		return err
	}
	receipt, err := readReceipt(fs.Arg(0))
	if err != nil {
		return err
	}
	if *loc != "" {
		return verifyInLog(ctx, p, v, *loc, receipt, nil, stdout)
	}
	res, err := v.VerifyReceipt(receipt)
	if err != nil {
		return verdict(p, stdout, "", err)
	}
	return verdict(p, stdout, describe(p, res), nil)
}

// verifyInLog checks a receipt against the copy of the log at loc, a mirror's URL or
// directory, without asking the log (tlog.Verifier.VerifyInLog); and, if envelope is
// not nil, that the receipt is the envelope's.
func verifyInLog(ctx context.Context, p *locales.Printer, v *tlog.Verifier, loc string, receipt, envelope []byte, stdout io.Writer) error {
	tiles, err := tlog.OpenTiles(mirrorLogURL(loc), nil)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if envelope != nil {
		if _, err := v.VerifyEnvelope(envelope, receipt); err != nil {
			return verdict(p, stdout, "", err)
		}
	}
	res, err := v.VerifyInLog(ctx, receipt, tiles)
	if err != nil {
		return verdict(p, stdout, "", err)
	}
	return verdict(p, stdout, p.T("cli.mirror.verified_in_log", locales.Args{"What": describe(p, res.Verified), "Log": loc,
		"Size": res.Checkpoint.Size, "Cosigned": cosigned(p, res.Checkpoint.Cosigners)}), nil)
}

// mirrorLogURL returns the URL of the log of a mirror or server given by its base URL
// (https://mirror.example.org/ → https://mirror.example.org/log/); a URL that already
// ends in /log or /log/, and a directory, are returned as they are.
func mirrorLogURL(loc string) string {
	if !strings.HasPrefix(loc, "http://") && !strings.HasPrefix(loc, "https://") {
		return loc
	}
	loc = strings.TrimSuffix(loc, "/")
	if !strings.HasSuffix(loc, "/log") {
		loc += "/log"
	}
	return loc + "/"
}

func verifyEnvelope(ctx context.Context, p *locales.Printer, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(p, "verify envelope", stderr, "-vkey FILE [-policy FILE] [-log MIRROR] ENVELOPE RECEIPT", "cli.verify.receipt_about")
	var tf trustFlags
	tf.register(fs)
	loc := fs.String("log", "", "cli.mirror.flag_verify_log")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usageErr("cli.verify.envelope_receipt", nil)
	}
	v, err := tf.verifier()
	if err != nil {
		return err
	}
	envelope, err := readInput(fs.Arg(0))
	if err != nil {
		return err
	}
	receipt, err := readReceipt(fs.Arg(1))
	if err != nil {
		return err
	}
	if *loc != "" {
		return verifyInLog(ctx, p, v, *loc, receipt, envelope, stdout)
	}
	res, err := v.VerifyEnvelope(envelope, receipt)
	if err != nil {
		return verdict(p, stdout, "", err)
	}
	return verdict(p, stdout, p.T("cli.verify.envelope", locales.Args{"Hash": fmt.Sprintf("%x", sha256.Sum256(envelope)), "Receipt": describe(p, res)}), nil)
}

// verifyReceipts checks a receipts bundle (tlog.ReceiptBundle) that an observer's phone
// exported: each envelope against its receipt (tlog.Verifier.VerifyBundled). It prints a
// line per receipt and a summary, then the evidence of each failure; a failure, or a
// bundle without receipts, exits with code 1.
func verifyReceipts(p *locales.Printer, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(p, "verify receipts", stderr, "-vkey FILE [-policy FILE] BUNDLE", "cli.verify.receipts.about")
	var tf trustFlags
	tf.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErr("cli.verify.receipts.one_bundle", nil)
	}
	v, err := tf.verifier()
	if err != nil {
		return err
	}
	name := fs.Arg(0)
	b, err := readLimited(name, tlog.MaxReceiptBundleSize)
	if err != nil {
		return err
	}
	bundle, err := tlog.ParseReceiptBundle(b)
	if err != nil {
		return fail("cli.verify.receipts.not_bundle", locales.Args{"File": name, "Err": err})
	}
	if len(bundle.Receipts) == 0 {
		fmt.Fprintln(stdout, p.T("cli.verify.failed", locales.Args{"Reason": p.T("cli.verify.receipts.empty", locales.Args{"File": name})}))
		return errVerifyFailed
	}
	var failed []*tlog.Error
	var failedIDs []string
	for _, r := range bundle.Receipts {
		a := locales.Args{"ID": r.ID, "Election": r.Election, "Index": "-"}
		res, err := v.VerifyBundled(r)
		if err != nil {
			var te *tlog.Error
			if !errors.As(err, &te) {
				return err
			}
			if rc, perr := tlog.ParseReceipt([]byte(r.Proof)); perr == nil {
				a["Index"] = strconv.FormatUint(rc.Index, 10)
			}
			a["Reason"] = failureReason(p, te)
			fmt.Fprintln(stdout, p.T("cli.verify.receipts.bad", a))
			failed, failedIDs = append(failed, te), append(failedIDs, r.ID)
			continue
		}
		a["Index"] = strconv.FormatUint(res.Index, 10)
		if res.Included {
			a["Size"] = res.Checkpoint.Size
			fmt.Fprintln(stdout, p.T("cli.verify.receipts.included", a))
		} else {
			fmt.Fprintln(stdout, p.T("cli.verify.receipts.promised", a))
		}
	}
	n := len(bundle.Receipts)
	sum := locales.Args{"Total": p.Int(int64(n)), "OK": p.Int(int64(n - len(failed))), "Failed": p.Int(int64(len(failed)))}
	if len(failed) == 0 {
		fmt.Fprintln(stdout, p.T("cli.verify.ok", locales.Args{"What": p.T("cli.verify.receipts.all_ok", sum)}))
		return nil
	}
	fmt.Fprintln(stdout, p.T("cli.verify.failed", locales.Args{"Reason": p.T("cli.verify.receipts.some_failed", sum)}))
	for i, te := range failed {
		if len(te.Evidence) > 0 {
			fmt.Fprintf(stdout, "\n%s\n%s", p.T("cli.verify.receipts.evidence", locales.Args{"ID": failedIDs[i]}), strings.TrimPrefix(te.Report(), te.Error()+"\n"))
		}
	}
	return errVerifyFailed
}

// readLimited reads the file name ("-" for standard input), refusing one of more than max
// bytes.
func readLimited(name string, max int64) ([]byte, error) {
	var r io.Reader = os.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fail("cli.verify.receipts.too_large", locales.Args{"File": name, "Max": max})
	}
	return b, nil
}

func verifyDataset(ctx context.Context, p *locales.Printer, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(p, "verify dataset", stderr, "[-log MIRROR] DIR", "")
	loc := fs.String("log", "", "cli.mirror.flag_verify_log")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErr("cli.verify.one_dataset", nil)
	}
	dir := fs.Arg(0)
	sum, err := tlog.VerifyDataset(ctx, dir)
	if err != nil {
		return verdict(p, stdout, "", err)
	}
	if *loc != "" {
		if err := datasetInLog(ctx, dir, *loc); err != nil {
			return verdict(p, stdout, "", err)
		}
	}
	scope := p.T("cli.verify.all_elections")
	if sum.Elections != nil {
		scope = p.T("cli.verify.elections", locales.Args{"Elections": strings.Join(sum.Elections, ", ")})
	}
	args2 := locales.Args{"Envelopes": p.Int(int64(sum.Envelopes)), "Reports": p.Int(int64(sum.Reports)), "Scope": scope, "Withheld": p.Int(int64(sum.Withheld))}
	reports := p.T("cli.verify.dataset_all", args2)
	if sum.Withheld > 0 {
		reports = p.T("cli.verify.dataset_withheld", args2)
	}
	ok := p.T("cli.verify.dataset", locales.Args{"Dir": dir, "Origin": sum.Checkpoint.Origin, "Leaves": p.Int(int64(sum.Leaves)),
		"Cosigned": cosigned(p, sum.Checkpoint.Cosigners), "Reports": reports})
	if *loc != "" {
		ok = p.T("cli.mirror.dataset_in_log", locales.Args{"Dataset": ok, "Log": *loc})
	}
	return verdict(p, stdout, ok, nil)
}

// datasetInLog checks that the dataset in dir (already verified on its own) is a view
// of the log copy at loc: the copy's checkpoint verifies under the dataset's key and
// policy, and its tiles prove the dataset's checkpoint consistent with it.
func datasetInLog(ctx context.Context, dir, loc string) error {
	vkey, err := os.ReadFile(filepath.Join(dir, tlog.DatasetVKey))
	if err != nil {
		return err
	}
	var pol *tlog.Policy
	if text, err := os.ReadFile(filepath.Join(dir, tlog.DatasetPolicy)); err == nil {
		if pol, err = tlog.ParsePolicy(text); err != nil {
			return err
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	v, err := tlog.NewVerifier(string(vkey), pol)
	if err != nil {
		return err
	}
	cp, err := os.ReadFile(filepath.Join(dir, tlog.DatasetCheckpoint))
	if err != nil {
		return err
	}
	tiles, err := tlog.OpenTiles(mirrorLogURL(loc), nil)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	latest, err := tiles.ReadCheckpoint(ctx)
	if err != nil {
		return err
	}
	_, err = v.VerifyConsistency(ctx, cp, latest, tiles)
	return err
}

func verifyConsistency(ctx context.Context, p *locales.Printer, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(p, "verify consistency", stderr, "-vkey FILE [-policy FILE] -log DIR|URL OLD_CHECKPOINT NEW_CHECKPOINT", "")
	var tf trustFlags
	tf.register(fs)
	loc := fs.String("log", "", "cli.flag.log")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 || *loc == "" {
		return usageErr("cli.verify.give_consistency", nil)
	}
	v, err := tf.verifier()
	if err != nil {
		return err
	}
	older, err := readInput(fs.Arg(0))
	if err != nil {
		return err
	}
	newer, err := readInput(fs.Arg(1))
	if err != nil {
		return err
	}
	tiles, err := tlog.OpenTiles(*loc, nil)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	c, err := v.VerifyConsistency(ctx, older, newer, tiles)
	if err != nil {
		return verdict(p, stdout, "", err)
	}
	return verdict(p, stdout, p.T("cli.verify.consistent", locales.Args{"Origin": c.New.Origin, "Old": c.Old.Size, "New": c.New.Size}), nil)
}
