package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/demo"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/internal/qa"
)

// DemoOrigin names the demo's transparency log.
const DemoOrigin = "demo.iltod.invalid/log"

// loadDemo loads the embedded demo package into m's store, replacing an earlier copy
// that holds no reports. A copy that holds reports cannot be replaced (the log commits to
// them); loadDemo then keeps it and returns kept = true.
func loadDemo(ctx context.Context, m *Main) (kept bool, err error) {
	p, err := electionpkg.Read(demo.Package(), qa.ValidateForms)
	if err != nil {
		return false, fmt.Errorf("read the embedded demo package: %w", err)
	}
	err = m.App.LoadPackage(app.SystemContext(ctx), p, true)
	if iltod.ErrorCodeOf(err) == iltod.EConflict {
		if _, e := m.App.Election(ctx, p.Election.ID); e == nil {
			return true, nil
		}
	}
	return false, err
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", stderr, "[flags]")
	var c ServeConfig
	c.Store.register(fs, "data/demo")
	c.register(fs, "127.0.0.1:8080", DemoOrigin)
	fresh := fs.Bool("fresh", false, "delete the demo's data directory first and start over")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *fresh {
		if c.Store.DSN != "" {
			return usagef("-fresh works on the SQLite data directory only")
		}
		if err := os.RemoveAll(c.Store.DataDir); err != nil {
			return fmt.Errorf("remove the demo data: %w", err)
		}
	}
	logger, err := newLogger(stderr, c.LogLevel)
	if err != nil {
		return err
	}
	m := &Main{Config: c, Logger: logger}
	defer m.Close()
	if err := m.Open(ctx); err != nil {
		return err
	}
	kept, err := loadDemo(ctx, m)
	if err != nil {
		return err
	}
	if kept {
		fmt.Fprintf(stdout, "iltod demo: continuing with the reports already in %s (use -fresh to start over)\n", c.Store.DataDir)
	}
	sum, err := m.App.Summary(ctx, demo.ElectionID)
	if err != nil {
		return err
	}
	if err := m.Serve(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "iltod demo: DEMONSTRATION DATA (fictional parties, candidates and observers)\n"+
		"  election %s: %d stations, %d registered voters, %d contests, %d forms, stored in %s\n"+
		"  serving %s  (API: %sapi/v1/elections/%s)\n  press Ctrl-C to stop\n",
		demo.ElectionID, sum.Stations, sum.Registered, sum.Contests, sum.Forms, c.Store.describe(),
		m.URL(), m.URL(), demo.ElectionID)
	return m.Wait()
}
