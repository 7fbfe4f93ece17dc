package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/sms"
	"github.com/iltod/iltod/locales"
)

// runSMS runs one coded SMS through app.ReceiveMessage, as a gateway would, and prints
// the reply; with -link it issues a messenger link code instead. Coordinators test their
// forms with it before election day (docs/sms.md). The message counts: a report it makes
// is stored and logged like any other.
func runSMS(ctx context.Context, p *locales.Printer, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(p, "sms", stderr, "-election ID -from NUMBER [flags] TEXT", "cli.sms.about")
	var sc StoreConfig
	sc.register(fs, "data")
	election := fs.String("election", "", "cli.sms.election")
	from := fs.String("from", "", "cli.sms.from")
	transport := fs.String("transport", "sms", "cli.sms.transport")
	link := fs.String("link", "", "cli.sms.link")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *election != "" && *link != "" && *from == "" && fs.NArg() == 0 {
		return withApp(ctx, sc, func(ctx context.Context, a *app.App) error {
			code, expires, err := a.IssueLinkCode(ctx, *election, *link)
			if err != nil {
				return err
			}
			fmt.Fprintln(stdout, p.T("cli.sms.link_code", locales.Args{"Observer": *link, "Code": code, "Expires": expires.Format(time.RFC3339)}))
			return nil
		})
	}
	if *election == "" || *from == "" {
		return usageErr("cli.sms.need", nil)
	}
	if fs.NArg() != 1 {
		return usageErr("cli.sms.one_text", nil)
	}
	return withApp(ctx, sc, func(ctx context.Context, a *app.App) error {
		r, err := a.ReceiveMessage(ctx, *election, app.InboundMessage{Transport: *transport, From: *from,
			Text: fs.Arg(0), Gateway: "cli"})
		if err != nil {
			return err
		}
		enc, units := sms.Segment(r.Text)
		fmt.Fprintln(stdout, p.T("cli.sms.reply", locales.Args{"Lang": r.Lang, "Encoding": enc, "Units": units,
			"Limit": sms.Limit(enc), "Text": r.Text}))
		return nil
	})
}
