package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
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

func runEnroll(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("enroll", stderr, "-election ID -observer CODE [flags]")
	var sc StoreConfig
	sc.register(fs, "data")
	election := fs.String("election", "", "the election")
	observer := fs.String("observer", "", "the observer's code")
	ttl := fs.Duration("ttl", app.DefaultEnrollmentTTL, "how long the code stays valid")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *election == "" || *observer == "" || fs.NArg() != 0 {
		return usagef("give -election ID and -observer CODE")
	}
	return withApp(ctx, sc, func(ctx context.Context, a *app.App) error {
		code, expires, err := a.IssueEnrollment(ctx, *election, *observer, *ttl)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "enrollment code for observer %s: %s (one use, valid until %s)\n", *observer, code, expires.Format(time.RFC3339))
		return nil
	})
}

func runDevices(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "revoke") {
		return usagef("usage: iltod devices list -election ID [-observer CODE] | iltod devices revoke -key KEY_ID -reason TEXT")
	}
	fs := newFlagSet("devices "+args[0], stderr, "[flags]")
	var sc StoreConfig
	sc.register(fs, "data")
	election := fs.String("election", "", "the election (list)")
	observer := fs.String("observer", "", "only this observer's devices (list)")
	key := fs.String("key", "", "the device's key id (revoke)")
	reason := fs.String("reason", "", "why (revoke)")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	return withApp(ctx, sc, func(ctx context.Context, a *app.App) error {
		if args[0] == "revoke" {
			if *key == "" {
				return usagef("give -key KEY_ID")
			}
			if err := a.RevokeDevice(ctx, *key, *reason); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "revoked device %s\n", *key)
			return nil
		}
		if *election == "" {
			return usagef("give -election ID")
		}
		ds, err := a.Devices(ctx, *election, *observer)
		if err != nil {
			return err
		}
		for _, d := range ds {
			state := "active"
			if d.Revoked != nil {
				state = "revoked " + d.Revoked.Format(time.RFC3339)
			}
			fmt.Fprintf(stdout, "%s  observer %s  enrolled %s  %s\n", d.KeyID, d.Observer, d.Enrolled.Format(time.RFC3339), state)
		}
		return nil
	})
}

func runReview(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("review", stderr, "-election ID -report ID -action verify|reject|quarantine|reopen -reason TEXT")
	var sc StoreConfig
	sc.register(fs, "data")
	election := fs.String("election", "", "the election")
	report := fs.String("report", "", "the report id")
	action := fs.String("action", "", "verify, reject, quarantine or reopen")
	reason := fs.String("reason", "", "why; recorded with the decision")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *election == "" || *report == "" || *action == "" {
		return usagef("give -election, -report, -action and -reason")
	}
	return withApp(ctx, sc, func(ctx context.Context, a *app.App) error {
		if err := a.Review(ctx, *election, *report, app.ReviewAction(*action), *reason); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "report %s: %s\n", *report, *action)
		return nil
	})
}

func runRecord(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("record", stderr, "-election ID -station CODE -form CODE [-resolve TAG -value JSON -reason TEXT]")
	var sc StoreConfig
	sc.register(fs, "data")
	election := fs.String("election", "", "the election")
	station := fs.String("station", "", "the station")
	form := fs.String("form", "", "the form")
	tag := fs.String("resolve", "", "resolve the conflict on this question tag")
	value := fs.String("value", "", "the resolved value, as JSON (a number, true, \"text\", null …)")
	reason := fs.String("reason", "", "why; recorded with the resolution")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *election == "" || *station == "" || *form == "" {
		return usagef("give -election, -station and -form")
	}
	return withApp(ctx, sc, func(ctx context.Context, a *app.App) error {
		if *tag != "" {
			var v iltod.Value
			if err := json.Unmarshal([]byte(*value), &v); err != nil {
				return usagef("-value: %v", err)
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
