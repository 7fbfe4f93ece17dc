package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/tabular"
	"github.com/iltod/iltod/locales"
)

// staffStdin is where -password-file - reads the password from; tests replace it.
var staffStdin io.Reader = os.Stdin

// staffSynopsis is the synopsis of the staff commands; the message cli.staff.usage says
// how to use them.
const staffSynopsis = `
  iltod staff add -login L -name N -role R [-areas A,B] -password-file F
  iltod staff list
  iltod staff reset -login L [-password-file F] [-totp]
  iltod staff disable|enable -login L
  iltod staff code -secret S`

// staffUsage returns the usage of the staff commands, for an error.
func staffUsage() error {
	return usageErr("cli.staff.usage", locales.Args{"Synopsis": staffSynopsis})
}

// runStaff manages the staff accounts of the console as the system actor (the operator on
// the server machine): it creates, lists, disables and enables them, and resets a
// password or a second factor. A new TOTP secret is printed once, with its otpauth URL for
// the person's authenticator app. "staff code" prints the current code of a secret, as an
// authenticator app would: for the demo and for tests, not for production use.
func runStaff(ctx context.Context, p *locales.Printer, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return staffUsage()
	}
	sub := args[0]
	fs := newFlagSet(p, "staff "+sub, stderr, "[flags]\n"+staffSynopsis, "cli.staff.password_rule")
	var sc StoreConfig
	if sub != "code" {
		sc.register(fs, "data")
	}
	var login, name, role, areas, pwFile, secret *string
	if sub != "list" && sub != "code" {
		login = fs.String("login", "", "cli.flag.login")
	}
	var newTOTP *bool
	switch sub {
	case "add":
		name = fs.String("name", "", "cli.flag.staff_name")
		role = fs.String("role", "", "cli.flag.role")
		areas = fs.String("areas", "", "cli.flag.areas")
		pwFile = fs.String("password-file", "", "cli.flag.password_file")
	case "reset":
		pwFile = fs.String("password-file", "", "cli.flag.new_password_file")
		newTOTP = fs.Bool("totp", false, "cli.flag.totp")
	case "code":
		secret = fs.String("secret", "", "cli.flag.secret")
	case "list", "disable", "enable":
	default:
		return usageErr("cli.staff.unknown", locales.Args{"Command": fmt.Sprintf("%q", sub), "Synopsis": staffSynopsis})
	}
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageErr("cli.staff.arguments", locales.Args{"Args": fmt.Sprintf("%q", fs.Args())})
	}
	switch sub {
	case "code":
		if *secret == "" {
			return usageErr("cli.staff.give_secret", nil)
		}
		code, err := totp.GenerateCode(strings.ToUpper(strings.ReplaceAll(*secret, " ", "")), time.Now())
		if err != nil {
			return usageErr("cli.staff.bad_secret", locales.Args{"Err": err})
		}
		fmt.Fprintln(stdout, code)
		return nil
	case "list":
		return withApp(ctx, sc, func(ctx context.Context, a *app.App) error { return staffList(ctx, p, a, stdout) })
	}
	if *login == "" {
		return usageErr("cli.staff.give_login", nil)
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
				return usageErr("cli.staff.give_add", nil)
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
			fmt.Fprintln(stdout, p.T("cli.staff.created", locales.Args{"Login": *login, "Role": *role}))
			printSecret(p, stdout, secret, url)
		case "reset":
			if password == nil && !*newTOTP {
				return usageErr("cli.staff.give_reset", nil)
			}
			secret, url, err := a.UpdateStaff(ctx, *login, app.StaffChange{Password: password, NewTOTP: *newTOTP})
			if err != nil {
				return err
			}
			if password != nil {
				fmt.Fprintln(stdout, p.T("cli.staff.new_password", locales.Args{"Login": *login}))
			}
			if *newTOTP {
				fmt.Fprintln(stdout, p.T("cli.staff.new_totp", locales.Args{"Login": *login}))
				printSecret(p, stdout, secret, url)
			}
		case "disable", "enable":
			disabled := sub == "disable"
			if _, _, err := a.UpdateStaff(ctx, *login, app.StaffChange{Disabled: &disabled}); err != nil {
				return err
			}
			fmt.Fprintln(stdout, p.T("cli.staff.done_"+sub, locales.Args{"Login": *login}))
		}
		return nil
	})
}

// staffList prints the accounts, never their secrets, headed in p's language.
func staffList(ctx context.Context, p *locales.Printer, a *app.App, stdout io.Writer) error {
	accts, err := a.StaffAccounts(ctx)
	if err != nil {
		return err
	}
	t := tabular.New(p, "login", "role", "areas", "state", "changed", "name")
	for _, ac := range accts {
		state := tabular.Word{Code: "active", Key: "cli.staff.active"}
		if ac.Disabled {
			state = tabular.Word{Code: "disabled", Key: "cli.staff.disabled"}
		}
		var areas any = strings.Join(ac.Areas, ",")
		if len(ac.Areas) == 0 {
			areas = tabular.Word{Code: "all", Key: "cli.staff.all_areas"}
		}
		t.Add(ac.Login, string(ac.Role), areas, state, ac.Updated.UTC().Format(time.RFC3339), ac.Name)
	}
	return tabular.Print(stdout, tabular.Text, t, nil)
}

// printSecret shows a new TOTP secret, the only time it is shown.
func printSecret(p *locales.Printer, w io.Writer, secret, url string) {
	fmt.Fprintln(w, p.T("cli.staff.secret", locales.Args{"Secret": secret}))
	fmt.Fprintln(w, p.T("cli.staff.otpauth", locales.Args{"URL": url}))
	fmt.Fprintln(w, p.T("cli.staff.secret_once"))
}

// readPassword reads a password from the first line of a file, or of standard input for
// "-"; the line's end is not part of it.
func readPassword(file string) (string, error) {
	var r io.Reader = staffStdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return "", fail("cli.staff.read_password", locales.Args{"Err": err})
		}
		defer f.Close()
		r = f
	}
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fail("cli.staff.read_password", locales.Args{"Err": err})
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", usageErr("cli.staff.empty_password", locales.Args{"File": file})
	}
	return pw, nil
}
