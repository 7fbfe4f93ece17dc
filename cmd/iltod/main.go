// Command iltod runs the iltod election-observation platform: it loads election packages,
// serves the API and pages, and runs a self-contained demonstration.
//
//	iltod demo                   load the Mongolia demo and serve it on 127.0.0.1:8080
//	iltod serve                  serve the elections in a data directory or PostgreSQL
//	iltod load DIR               check an election package and store it
//	iltod export package -election ID -out DIR
//	                             write an election back out as a package
//	iltod import -election ID -file FILE -source TEXT
//	                             import a release of official results
//	iltod sample|pvt|compare|forensics|seats -election ID
//	                             verify the results (or -in FILE on a plain CSV file)
//	iltod evidence keygen|seal|decrypt
//	                             make an age identity, seal or open evidence, off the server
//
// Run "iltod COMMAND -h" for a command's flags. Every command speaks Mongolian or English
// (-lang mn|en), by default the language of the environment (LC_ALL, LC_MESSAGES, LANG);
// its words are in the message catalogue, package locales. What it prints for programs
// (-json, -csv) is the same in every language.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/locales"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if code, ran := readersMain(ctx, os.Stdin, os.Stdout, os.Stderr); ran {
		os.Exit(code)
	}
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// runFunc runs a subcommand: it parses its own flags from args, and speaks p's language.
type runFunc func(ctx context.Context, p *locales.Printer, args []string, stdout, stderr io.Writer) error

// command is one subcommand; summary is the key of its one-line description.
type command struct {
	name    string
	summary string
	run     runFunc
}

func commands() []command {
	return []command{
		{"demo", "cli.cmd.demo", runDemo},
		{"serve", "cli.cmd.serve", runServe},
		{"load", "cli.cmd.load", runLoad},
		{"export", "cli.cmd.export", runExport},
		{"verify", "cli.cmd.verify", runVerify},
		{"enroll", "cli.cmd.enroll", runEnroll},
		{"devices", "cli.cmd.devices", runDevices},
		{"odk", "cli.odk.summary", runODK},
		{"review", "cli.cmd.review", runReview},
		{"record", "cli.cmd.record", runRecord},
		{"import", "cli.cmd.import", runImport},
		{"sample", "cli.cmd.sample", orPlain(runSample, plainSample)},
		{"pvt", "cli.cmd.pvt", orPlain(runPVT, plainPVT)},
		{"compare", "cli.cmd.compare", orPlain(runCompare, plainCompare)},
		{"forensics", "cli.cmd.forensics", orPlain(runForensics, plainForensics)},
		{"seats", "cli.cmd.seats", orPlain(runSeats, plainSeats)},
		{"bench", "cli.cmd.bench", runBench},
		{"staff", "cli.cmd.staff", runStaff},
		{"sms", "cli.sms.summary", runSMS},
		{"evidence", "cli.evidence.summary", runEvidence},
		{"dossier", "cli.dossier.summary", runDossier},
		{"mirror", "cli.mirror.summary", runMirror},
		{"backup", "cli.backup.summary", runBackup},
		{"restore", "cli.restore.summary", runRestore},
	}
}

// run executes the command line args and returns the process exit code: 0 on success,
// 1 on failure, 2 on a usage error. It speaks the language that -lang names, or else the
// one of the environment read with getenv (see locales.FromEnv).
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	p, err := language(args, getenv)
	if err != nil {
		fmt.Fprintf(stderr, "iltod: %s\n", errorText(p, err))
		return 2
	}
	// -lang may also come before the command: "iltod -lang mn forensics …".
	if len(args) > 0 {
		if name, _, hasValue := flagArg(args[0]); name == langFlag {
			n := 2 // -lang mn
			if hasValue {
				n = 1 // -lang=mn
			}
			args = args[min(n, len(args)):]
		}
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(p, stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, p, args[1:], stdout, stderr)
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, new(usageError)):
			fmt.Fprintf(stderr, "iltod %s: %s\n", c.name, errorText(p, err))
			return 2
		}
		fmt.Fprintf(stderr, "iltod %s: %s\n", c.name, errorText(p, err))
		return 1
	}
	fmt.Fprintln(stderr, "iltod: "+p.T("cli.unknown_command", locales.Args{"Command": fmt.Sprintf("%q", args[0])}))
	fmt.Fprintln(stderr)
	printUsage(p, stderr)
	return 2
}

// language returns the Printer of the language a command line asks for: the value of its
// -lang flag, wherever it stands before "--", or else the environment's. A -lang that
// names no language of the catalogue is a usage error, reported in the environment's.
func language(args []string, getenv func(string) string) (*locales.Printer, error) {
	env := locales.For(locales.FromEnv(getenv))
	for i, a := range args {
		if a == "--" {
			break
		}
		name, value, hasValue := flagArg(a)
		if name != langFlag {
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return env, nil // the flag package reports the missing value
			}
			value = args[i+1]
		}
		if !slices.Contains(locales.Languages, value) {
			return env, usageErr("cli.error.lang", locales.Args{"Value": fmt.Sprintf("%q", value), "Languages": strings.Join(locales.Languages, ", ")})
		}
		return locales.For(value), nil
	}
	return env, nil
}

// flagArg splits a command-line argument that is a flag, "-name=value" or "-name", into
// its name and value; name is "" for an argument that is not a flag.
func flagArg(arg string) (name, value string, hasValue bool) {
	if !strings.HasPrefix(arg, "-") {
		return "", "", false
	}
	return strings.Cut(strings.TrimLeft(arg, "-"), "=")
}

func printUsage(p *locales.Printer, w io.Writer) {
	fmt.Fprintln(w, "iltod: "+p.T("cli.tagline"))
	fmt.Fprintf(w, "\n%s\n\n%s\n", p.T("cli.usage_line", locales.Args{"Command": "COMMAND", "Synopsis": synopsisIn(p, "[flags]")}), p.T("cli.commands"))
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, p.T(c.summary))
	}
	fmt.Fprintln(w, "\n"+p.T("cli.help_hint"))
}

// usageError is a mistake in the command line, reported with exit code 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }

// In writes the error in p's language.
func (e usageError) In(p *locales.Printer) string { return p.Error(e.err) }

func (e usageError) Unwrap() error { return e.err }

// usageErr returns the usageError of the message key filled with args.
func usageErr(key string, args locales.Args) error { return usageError{locales.NewError(key, args)} }

// fail returns the error of the message key filled with args.
func fail(key string, args locales.Args) error { return locales.NewError(key, args) }

// errorText writes err for the person at the terminal, in p's language where the error
// can be: an error of the catalogue (locales.Localizer), or a domain error (iltod.Error)
// with a message key; anything else as its Error method writes it.
func errorText(p *locales.Printer, err error) string {
	if _, ok := err.(locales.Localizer); ok {
		return p.Error(err)
	}
	var e *iltod.Error
	if errors.As(err, &e) && e.Key != "" && error(e) == err {
		return iltod.ErrorMessageIn(err, p.Lang())
	}
	return err.Error()
}
