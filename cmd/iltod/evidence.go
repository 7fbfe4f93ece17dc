package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"filippo.io/age"

	"github.com/iltod/iltod/internal/evidence"
	"github.com/iltod/iltod/locales"
)

// evidenceSynopsis is the synopsis of the evidence commands.
const evidenceSynopsis = `
  iltod evidence keygen -out FILE
  iltod evidence seal -recipients FILE -in FILE -out FILE
  iltod evidence decrypt -identity FILE -in FILE -out FILE`

// runEvidence works with sealed evidence off the server: "keygen" makes an age identity
// for a reviewer, "seal" encrypts a file to the organisation's recipients as the server
// does (for tests, and for clerks offline), "decrypt" opens a sealed file on a reviewer's
// machine. None of them opens a store.
func runEvidence(ctx context.Context, p *locales.Printer, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageErr("cli.evidence.usage", locales.Args{"Synopsis": evidenceSynopsis})
	}
	sub := args[0]
	fs := newFlagSet(p, "evidence "+sub, stderr, "[flags]\n"+evidenceSynopsis, "cli.evidence.about")
	var recipients, identity, in *string
	out := fs.String("out", "", "cli.evidence.flag_out")
	switch sub {
	case "keygen":
	case "seal":
		recipients = fs.String("recipients", "", "cli.evidence.flag_recipients")
		in = fs.String("in", "", "cli.evidence.flag_in")
	case "decrypt":
		identity = fs.String("identity", "", "cli.evidence.flag_identity")
		in = fs.String("in", "", "cli.evidence.flag_in_sealed")
	default:
		return usageErr("cli.evidence.unknown", locales.Args{"Command": fmt.Sprintf("%q", sub), "Synopsis": evidenceSynopsis})
	}
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageErr("cli.evidence.arguments", locales.Args{"Args": fmt.Sprintf("%q", fs.Args())})
	}
	if *out == "" || (in != nil && *in == "") || (recipients != nil && *recipients == "") || (identity != nil && *identity == "") {
		return usageErr("cli.evidence.give_"+sub, nil)
	}
	switch sub {
	case "keygen":
		id, err := age.GenerateX25519Identity()
		if err != nil {
			return fail("cli.evidence.keygen_failed", locales.Args{"Err": err})
		}
		text := "# " + p.T("cli.evidence.identity_comment", locales.Args{"Recipient": id.Recipient().String()}) + "\n" + id.String() + "\n"
		// O_EXCL: an identity is never overwritten, or the evidence sealed to it is lost.
		f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fail("cli.evidence.write", locales.Args{"File": *out, "Err": err})
		}
		if _, err := f.WriteString(text); err != nil {
			f.Close()
			return fail("cli.evidence.write", locales.Args{"File": *out, "Err": err})
		}
		if err := f.Close(); err != nil {
			return fail("cli.evidence.write", locales.Args{"File": *out, "Err": err})
		}
		fmt.Fprintln(stderr, p.T("cli.evidence.keygen_done", locales.Args{"File": *out}))
		fmt.Fprintln(stdout, id.Recipient().String())
		return nil
	case "seal":
		f, err := os.Open(*recipients)
		if err != nil {
			return fail("cli.evidence.read", locales.Args{"File": *recipients, "Err": err})
		}
		rs, err := evidence.ParseRecipients(f)
		f.Close()
		if err != nil {
			return err
		}
		plain, err := readEvidenceFile(*in)
		if err != nil {
			return err
		}
		s, err := evidence.Seal(plain, rs)
		if err != nil {
			return err
		}
		if err := writeNew(*out, s.Ciphertext); err != nil {
			return err
		}
		fmt.Fprintln(stdout, p.T("cli.evidence.sealed", locales.Args{"MediaType": s.MediaType, "PlainSHA256": hex.EncodeToString(s.PlainSHA256[:]), "CipherSHA256": hex.EncodeToString(s.CipherSHA256[:])}))
		return nil
	default: // decrypt
		f, err := os.Open(*identity)
		if err != nil {
			return fail("cli.evidence.read", locales.Args{"File": *identity, "Err": err})
		}
		ids, err := evidence.ParseIdentities(f)
		f.Close()
		if err != nil {
			return err
		}
		ct, err := readEvidenceFile(*in)
		if err != nil {
			return err
		}
		plain, err := evidence.Open(ct, ids)
		if err != nil {
			return err
		}
		if err := writeNew(*out, plain); err != nil {
			return err
		}
		sum := evidence.PlainHash(plain)
		fmt.Fprintln(stdout, p.T("cli.evidence.decrypted", locales.Args{"MediaType": evidence.MediaType(plain), "PlainSHA256": hex.EncodeToString(sum[:])}))
		return nil
	}
}

// readEvidenceFile reads a file of at most evidence.MaxEvidenceBytes (and a little more, for
// age's overhead).
func readEvidenceFile(file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fail("cli.evidence.read", locales.Args{"File": file, "Err": err})
	}
	defer f.Close()
	var b bytes.Buffer
	if _, err := io.Copy(&b, io.LimitReader(f, evidence.MaxEvidenceBytes+1<<20)); err != nil {
		return nil, fail("cli.evidence.read", locales.Args{"File": file, "Err": err})
	}
	return b.Bytes(), nil
}

// writeNew writes b to a new file, readable by its owner only; an existing file is left
// alone.
func writeNew(file string, b []byte) error {
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fail("cli.evidence.write", locales.Args{"File": file, "Err": err})
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(file)
		return fail("cli.evidence.write", locales.Args{"File": file, "Err": err})
	}
	if err := f.Close(); err != nil {
		os.Remove(file)
		return fail("cli.evidence.write", locales.Args{"File": file, "Err": err})
	}
	return nil
}
