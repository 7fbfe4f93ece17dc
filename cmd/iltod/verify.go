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
	"strings"
	"time"

	"github.com/iltod/iltod/tlog"
)

// errVerifyFailed makes the exit code 1 after a FAILED verdict has been printed.
var errVerifyFailed = errors.New("verification failed")

const verifyUsage = `usage:
  iltod verify receipt -vkey FILE [-policy FILE] RECEIPT
  iltod verify envelope -vkey FILE [-policy FILE] ENVELOPE RECEIPT
  iltod verify dataset DIR
  iltod verify consistency -vkey FILE [-policy FILE] -log DIR|URL OLD_CHECKPOINT NEW_CHECKPOINT
A RECEIPT is a promise, a full receipt (tlog-proof), or the JSON receipt of the API;
"-" reads a file from standard input.`

// runVerify checks receipts, envelopes, datasets and the log's consistency offline,
// with package tlog. It prints one verdict line, "OK: …" or "FAILED: …", and after a
// failure the evidence; a failure exits with code 1.
func runVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usagef("%s", verifyUsage)
	}
	switch args[0] {
	case "receipt":
		return verifyReceipt(args[1:], stdout, stderr)
	case "envelope":
		return verifyEnvelope(args[1:], stdout, stderr)
	case "dataset":
		return verifyDataset(ctx, args[1:], stdout, stderr)
	case "consistency":
		return verifyConsistency(ctx, args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(stderr, verifyUsage)
		return nil
	}
	return usagef("unknown verification %q\n%s", args[0], verifyUsage)
}

// trustFlags are the flags naming what a verifier trusts.
type trustFlags struct {
	vkey, policy *string
}

func (tf *trustFlags) register(fs interface {
	String(name, value, usage string) *string
}) {
	tf.vkey = fs.String("vkey", "", "the log's verifier key file (log.vkey)")
	tf.policy = fs.String("policy", "", "a witness policy file (tlog-policy); checkpoints must satisfy its quorum")
}

func (tf *trustFlags) verifier() (*tlog.Verifier, error) {
	if *tf.vkey == "" {
		return nil, usagef("give the log's verifier key with -vkey FILE")
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
			return nil, fmt.Errorf("%s: not a receipt: %w", name, err)
		}
		if r.Receipt != nil {
			r.Promise = r.Receipt.Promise
		}
		if r.Promise == "" {
			return nil, fmt.Errorf("%s: the JSON receipt holds no promise", name)
		}
		return []byte(r.Promise), nil
	}
	return b, nil
}

// verdict prints the outcome of a verification and returns the command's error.
func verdict(stdout io.Writer, ok string, err error) error {
	var te *tlog.Error
	if errors.As(err, &te) {
		fmt.Fprintf(stdout, "FAILED: %s\n", te.Error())
		if len(te.Evidence) > 0 {
			fmt.Fprintf(stdout, "\nEvidence:\n%s", strings.TrimPrefix(te.Report(), te.Error()+"\n"))
		}
		return errVerifyFailed
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "OK: %s\n", ok)
	return nil
}

func describe(v *tlog.Verified) string {
	what := fmt.Sprintf("%s event %d of election %s (hash %x)", v.Leaf.Kind, v.Leaf.Seq, v.Leaf.Election, v.Leaf.Hash)
	if !v.Included {
		return fmt.Sprintf("the log %s promised, with its signature, to include %s as leaf %d; it was received %s. "+
			"This is a promise: check the full receipt for inclusion.",
			v.Promise.Origin, what, v.Index, v.Promise.Received.Format(time.RFC3339))
	}
	cos := ""
	if v.Checkpoint.Cosigners != nil {
		cos = fmt.Sprintf(", cosigned by %s", strings.Join(v.Checkpoint.Cosigners, ", "))
	}
	return fmt.Sprintf("%s is leaf %d of the log %s, included in its checkpoint of size %d%s",
		what, v.Index, v.Checkpoint.Origin, v.Checkpoint.Size, cos)
}

func verifyReceipt(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("verify receipt", stderr, "-vkey FILE [-policy FILE] RECEIPT")
	var tf trustFlags
	tf.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("give exactly one RECEIPT")
	}
	v, err := tf.verifier()
	if err != nil {
		return err
	}
	receipt, err := readReceipt(fs.Arg(0))
	if err != nil {
		return err
	}
	res, err := v.VerifyReceipt(receipt)
	if err != nil {
		return verdict(stdout, "", err)
	}
	return verdict(stdout, describe(res), nil)
}

func verifyEnvelope(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("verify envelope", stderr, "-vkey FILE [-policy FILE] ENVELOPE RECEIPT")
	var tf trustFlags
	tf.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usagef("give ENVELOPE and RECEIPT")
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
	res, err := v.VerifyEnvelope(envelope, receipt)
	if err != nil {
		return verdict(stdout, "", err)
	}
	return verdict(stdout, fmt.Sprintf("the envelope (SHA-256 %x) is the %s", sha256.Sum256(envelope), describe(res)), nil)
}

func verifyDataset(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("verify dataset", stderr, "DIR")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("give exactly one dataset folder")
	}
	dir := fs.Arg(0)
	sum, err := tlog.VerifyDataset(ctx, dir)
	if err != nil {
		return verdict(stdout, "", err)
	}
	scope := "all elections"
	if sum.Elections != nil {
		scope = "election " + strings.Join(sum.Elections, ", ")
	}
	cos := ""
	if sum.Checkpoint.Cosigners != nil {
		cos = fmt.Sprintf(", cosigned by %s", strings.Join(sum.Checkpoint.Cosigners, ", "))
	}
	reports := fmt.Sprintf("the %d envelopes match the %d reports of %s one to one; none is withheld", sum.Envelopes, sum.Reports, scope)
	if sum.Withheld > 0 {
		reports = fmt.Sprintf("the %d reports of %s are accounted for one to one: %d with an envelope that matches its leaf and %d withheld "+
			"(they carry testimony; their leaves still commit to them, but they cannot be checked here)",
			sum.Reports, scope, sum.Envelopes, sum.Withheld)
	}
	return verdict(stdout, fmt.Sprintf("dataset %s: the log %s at size %d%s; its %d leaves hash to the checkpoint's root and are numbered without a gap; %s",
		dir, sum.Checkpoint.Origin, sum.Leaves, cos, sum.Leaves, reports), nil)
}

func verifyConsistency(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("verify consistency", stderr, "-vkey FILE [-policy FILE] -log DIR|URL OLD_CHECKPOINT NEW_CHECKPOINT")
	var tf trustFlags
	tf.register(fs)
	loc := fs.String("log", "", "the log's tiles: a directory or an http(s) URL such as https://example.org/log/")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 || *loc == "" {
		return usagef("give -log DIR|URL, OLD_CHECKPOINT and NEW_CHECKPOINT")
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
		return verdict(stdout, "", err)
	}
	return verdict(stdout, fmt.Sprintf("the log %s grew from size %d to size %d without changing its first %d leaves",
		c.New.Origin, c.Old.Size, c.New.Size, c.Old.Size), nil)
}
