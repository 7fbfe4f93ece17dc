package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/locales"
)

// withApp opens the configured store, runs fn with an app acting as the system (the
// operator's own command line), and closes everything.
func withApp(ctx context.Context, sc StoreConfig, fn func(ctx context.Context, a *app.App) error) error {
	store, err := sc.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	a := app.New(store, nil)
	defer a.Close()
	return fn(app.SystemContext(ctx), a)
}

func runEnroll(ctx context.Context, p *locales.Printer, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(p, "enroll", stderr, "-election ID -observer CODE [flags]", "")
	var sc StoreConfig
	sc.register(fs, "data")
	election := fs.String("election", "", "cli.flag.election")
	observer := fs.String("observer", "", "cli.flag.observer")
	ttl := fs.Duration("ttl", app.DefaultEnrollmentTTL, "cli.flag.ttl")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *election == "" || *observer == "" || fs.NArg() != 0 {
		return usageErr("cli.enroll.give", nil)
	}
	return withApp(ctx, sc, func(ctx context.Context, a *app.App) error {
		code, expires, err := a.IssueEnrollment(ctx, *election, *observer, *ttl)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, p.T("cli.enroll.code", locales.Args{"Observer": *observer, "Code": code, "Expires": expires.Format(time.RFC3339)}))
		return nil
	})
}

func runDevices(ctx context.Context, p *locales.Printer, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "revoke") {
		return usageErr("cli.devices.usage", locales.Args{"Usage": "iltod devices list -election ID [-observer CODE] | iltod devices revoke -key KEY_ID -reason TEXT"})
	}
	fs := newFlagSet(p, "devices "+args[0], stderr, "[flags]", "")
	var sc StoreConfig
	sc.register(fs, "data")
	election := fs.String("election", "", "cli.flag.devices_election")
	observer := fs.String("observer", "", "cli.flag.devices_observer")
	key := fs.String("key", "", "cli.flag.key")
	reason := fs.String("reason", "", "cli.flag.revoke_reason")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	return withApp(ctx, sc, func(ctx context.Context, a *app.App) error {
		if args[0] == "revoke" {
			if *key == "" {
				return usageErr("cli.devices.give_key", nil)
			}
			if err := a.RevokeDevice(ctx, *key, *reason); err != nil {
				return err
			}
			fmt.Fprintln(stdout, p.T("cli.devices.revoked", locales.Args{"Key": *key}))
			return nil
		}
		if *election == "" {
			return usageErr("cli.devices.give_election", nil)
		}
		ds, err := a.Devices(ctx, *election, *observer)
		if err != nil {
			return err
		}
		for _, d := range ds {
			state := p.T("cli.devices.active")
			if d.Revoked != nil {
				state = p.T("cli.devices.revoked_at", locales.Args{"Time": d.Revoked.Format(time.RFC3339)})
			}
			fmt.Fprintf(stdout, "%s  %s\n", d.KeyID, p.T("cli.devices.line", locales.Args{"Observer": d.Observer, "Enrolled": d.Enrolled.Format(time.RFC3339), "State": state}))
		}
		return nil
	})
}

func runReview(ctx context.Context, p *locales.Printer, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(p, "review", stderr, "-election ID -report ID -action verify|reject|quarantine|reopen -reason TEXT", "")
	var sc StoreConfig
	sc.register(fs, "data")
	election := fs.String("election", "", "cli.flag.election")
	report := fs.String("report", "", "cli.flag.report")
	action := fs.String("action", "", "cli.flag.action")
	reason := fs.String("reason", "", "cli.flag.review_reason")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *election == "" || *report == "" || *action == "" {
		return usageErr("cli.review.give", nil)
	}
	return withApp(ctx, sc, func(ctx context.Context, a *app.App) error {
		if err := a.Review(ctx, *election, *report, app.ReviewAction(*action), *reason); err != nil {
			return err
		}
		fmt.Fprintln(stdout, p.T("cli.review.done", locales.Args{"Report": *report, "Action": *action}))
		return nil
	})
}

func runRecord(ctx context.Context, p *locales.Printer, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(p, "record", stderr, "-election ID -station CODE -form CODE [-resolve TAG -value JSON -reason TEXT]", "")
	var sc StoreConfig
	sc.register(fs, "data")
	election := fs.String("election", "", "cli.flag.election")
	station := fs.String("station", "", "cli.flag.station")
	form := fs.String("form", "", "cli.flag.form")
	tag := fs.String("resolve", "", "cli.flag.resolve")
	value := fs.String("value", "", "cli.flag.value")
	reason := fs.String("reason", "", "cli.flag.resolve_reason")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *election == "" || *station == "" || *form == "" {
		return usageErr("cli.record.give", nil)
	}
	return withApp(ctx, sc, func(ctx context.Context, a *app.App) error {
		if *tag != "" {
			var v iltod.Value
			if err := json.Unmarshal([]byte(*value), &v); err != nil {
				return usageErr("cli.record.value", locales.Args{"Err": err})
			}
			if err := a.Resolve(ctx, *election, *station, *form, *tag, v, *reason); err != nil {
				return err
			}
		}
		rec, err := a.StationRecord(ctx, *election, *station, *form)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rec)
	})
}
