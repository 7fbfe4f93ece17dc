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
//
// Run "iltod COMMAND -h" for a command's flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// command is one subcommand: it parses its own flags from args.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"demo", "load the Mongolia demo election and serve it", runDemo},
		{"serve", "serve the elections in a data directory or PostgreSQL", runServe},
		{"load", "check an election package and store it", runLoad},
		{"export", "write an election out (export package)", runExport},
		{"verify", "check receipts, envelopes, datasets and log consistency offline", runVerify},
		{"enroll", "issue a one-time code to enroll an observer's device", runEnroll},
		{"devices", "list or revoke observers' devices", runDevices},
		{"review", "verify, reject, quarantine or reopen a report", runReview},
		{"record", "show a station record, or resolve one of its conflicts", runRecord},
		{"import", "import a release of official results (CSV or NIST JSON)", runImport},
		{"sample", "draw the PVT sample, or size one from a previous election", orPlain(runSample, plainSample)},
		{"pvt", "estimate results from the PVT sample, with intervals and calls", orPlain(runPVT, plainPVT)},
		{"compare", "compare observers' and official results: matches, paired and collation tests", orPlain(runCompare, plainCompare)},
		{"forensics", "screen station results: integer percentages, fingerprint, digits, flags", orPlain(runForensics, plainForensics)},
		{"seats", "allocate seats from official results and project them from the PVT", orPlain(runSeats, plainSeats)},
		{"bench", "measure the public results page under load on loopback, against a static file", runBench},
		{"staff", "add, list, reset, disable or enable staff accounts; print a TOTP code (demo)", runStaff},
	}
}

// run executes the command line args and returns the process exit code: 0 on success,
// 1 on failure, 2 on a usage error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, new(usageError)):
			fmt.Fprintf(stderr, "iltod %s: %v\n", c.name, err)
			return 2
		}
		fmt.Fprintf(stderr, "iltod %s: %v\n", c.name, err)
		return 1
	}
	fmt.Fprintf(stderr, "iltod: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "iltod: election observation, results verification and accountability")
	fmt.Fprintln(w, "\nUsage: iltod COMMAND [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'iltod COMMAND -h' for a command's flags.")
}

// usageError is a mistake in the command line, reported with exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }
