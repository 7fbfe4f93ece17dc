package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/iltod/iltod/internal/app"
)

// staffStdin is where -password-file - reads the password from; tests replace it.
var staffStdin io.Reader = os.Stdin

const staffUsage = `usage:
  iltod staff add -login L -name N -role R [-areas A,B] -password-file F
  iltod staff list
  iltod staff reset -login L [-password-file F] [-totp]
  iltod staff disable|enable -login L
  iltod staff code -secret S
A password is read from the file F, or from standard input when F is "-"; never from a flag.`

// runStaff manages the staff accounts of the console as the system actor (the operator on
// the server machine): it creates, lists, disables and enables them, and resets a
// password or a second factor. A new TOTP secret is printed once, with its otpauth URL for
// the person's authenticator app. "staff code" prints the current code of a secret, as an
// authenticator app would: for the demo and for tests, not for production use.
func runStaff(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usagef("%s", staffUsage)
	}
	sub := args[0]
	fs := newFlagSet("staff "+sub, stderr, "[flags]\n\n"+staffUsage)
	var sc StoreConfig
	if sub != "code" {
		sc.register(fs, "data")
	}
	var login, name, role, areas, pwFile, secret *string
	if sub != "list" && sub != "code" {
		login = fs.String("login", "", "the account's login")
	}
	var newTOTP *bool
	switch sub {
	case "add":
		name = fs.String("name", "", "the person's name, as other staff see it")
		role = fs.String("role", "", "admin, coordinator, analyst, reviewer or clerk")
		areas = fs.String("areas", "", "a coordinator's areas, codes separated by commas (none: every area)")
		pwFile = fs.String("password-file", "", `a file holding the password, or "-" for standard input`)
	case "reset":
		pwFile = fs.String("password-file", "", `a file holding the new password, or "-" for standard input`)
		newTOTP = fs.Bool("totp", false, "replace the second factor: a new TOTP secret, printed once")
	case "code":
		secret = fs.String("secret", "", "a TOTP secret, in base32")
	case "list", "disable", "enable":
	default:
		return usagef("unknown staff command %q\n%s", sub, staffUsage)
	}
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usagef("unexpected arguments %q", fs.Args())
	}
	switch sub {
	case "code":
		if *secret == "" {
			return usagef("give -secret S")
		}
		code, err := totp.GenerateCode(strings.ToUpper(strings.ReplaceAll(*secret, " ", "")), time.Now())
		if err != nil {
			return usagef("-secret: %v", err)
		}
		fmt.Fprintln(stdout, code)
		return nil
	case "list":
		return withApp(ctx, sc, func(ctx context.Context, a *app.App) error { return staffList(ctx, a, stdout) })
	}
	if *login == "" {
		return usagef("give -login L")
	}
	var password *string
	if pwFile != nil && *pwFile != "" {
		pw, err := readPassword(*pwFile)
		if err != nil {
			return err
		}
		password = &pw
	}
	return withApp(ctx, sc, func(ctx context.Context, a *app.App) error {
		switch sub {
		case "add":
			if *name == "" || *role == "" || password == nil {
				return usagef("give -login, -name, -role and -password-file")
			}
			n := app.NewStaff{Login: *login, Name: *name, Role: app.Role(*role), Password: *password}
			for _, ar := range strings.Split(*areas, ",") {
				if ar = strings.TrimSpace(ar); ar != "" {
					n.Areas = append(n.Areas, ar)
				}
			}
			secret, url, err := a.CreateStaff(ctx, n)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "created staff account %s (%s)\n", *login, *role)
			printSecret(stdout, secret, url)
		case "reset":
			if password == nil && !*newTOTP {
				return usagef("give -password-file F, -totp, or both")
			}
			secret, url, err := a.UpdateStaff(ctx, *login, app.StaffChange{Password: password, NewTOTP: *newTOTP})
			if err != nil {
				return err
			}
			if password != nil {
				fmt.Fprintf(stdout, "new password set for %s\n", *login)
			}
			if *newTOTP {
				fmt.Fprintf(stdout, "new second factor for %s\n", *login)
				printSecret(stdout, secret, url)
			}
		case "disable", "enable":
			disabled := sub == "disable"
			if _, _, err := a.UpdateStaff(ctx, *login, app.StaffChange{Disabled: &disabled}); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%sd staff account %s\n", sub, *login)
		}
		return nil
	})
}

// staffList prints the accounts, never their secrets.
func staffList(ctx context.Context, a *app.App, stdout io.Writer) error {
	accts, err := a.StaffAccounts(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "LOGIN\tROLE\tAREAS\tSTATE\tCHANGED\tNAME")
	for _, ac := range accts {
		state := "active"
		if ac.Disabled {
			state = "disabled"
		}
		areas := strings.Join(ac.Areas, ",")
		if areas == "" {
			areas = "all"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", ac.Login, ac.Role, areas, state, ac.Updated.UTC().Format(time.RFC3339), ac.Name)
	}
	return tw.Flush()
}

// printSecret shows a new TOTP secret, the only time it is shown.
func printSecret(w io.Writer, secret, url string) {
	fmt.Fprintf(w, "TOTP secret: %s\notpauth URL: %s\n", secret, url)
	fmt.Fprintln(w, "Add it to the person's authenticator app now: it is not shown again.")
}

// readPassword reads a password from the first line of a file, or of standard input for
// "-"; the line's end is not part of it.
func readPassword(file string) (string, error) {
	var r io.Reader = staffStdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return "", fmt.Errorf("read the password: %w", err)
		}
		defer f.Close()
		r = f
	}
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read the password: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", usagef("the password file %s is empty", file)
	}
	return pw, nil
}
