package main

import (
	"context"
	"fmt"
	"io"

	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/locales"
)

// runODK runs `iltod odk credentials -election ID -observer CODE`: it issues the
// observer's OpenRosa (ODK Collect) username and password, replacing earlier ones, and
// prints them with the server URL's path. The password is shown this once.
func runODK(ctx context.Context, p *locales.Printer, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "credentials" {
		return usageErr("cli.odk.usage", locales.Args{"Usage": "iltod odk credentials -election ID -observer CODE"})
	}
	fs := newFlagSet(p, "odk credentials", stderr, "-election ID -observer CODE [flags]", "")
	var sc StoreConfig
	sc.register(fs, "data")
	election := fs.String("election", "", "cli.flag.election")
	observer := fs.String("observer", "", "cli.flag.observer")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *election == "" || *observer == "" || fs.NArg() != 0 {
		return usageErr("cli.odk.give", nil)
	}
	return withApp(ctx, sc, func(ctx context.Context, a *app.App) error {
		user, password, err := a.IssueODKCredentials(ctx, *election, *observer)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, p.T("cli.odk.credentials", locales.Args{"Observer": *observer, "Path": "/odk/" + *election + "/",
			"Username": user, "Password": password}))
		return nil
	})
}
