package main

import (
	"context"
	"fmt"
	"io"

	"github.com/iltod/iltod/demo"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/internal/qa"
)

// loadDemo loads the embedded demo package into m's store, replacing an earlier copy so
// that every demo starts from the same state.
func loadDemo(ctx context.Context, m *Main) error {
	p, err := electionpkg.Read(demo.Package(), qa.ValidateForms)
	if err != nil {
		return fmt.Errorf("read the embedded demo package: %w", err)
	}
	return m.App.LoadPackage(app.SystemContext(ctx), p, true)
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", stderr, "[flags]")
	var c ServeConfig
	c.Store.register(fs, "data/demo")
	c.register(fs, "127.0.0.1:8080")
	if err := parse(fs, args); err != nil {
		return err
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
	if err := loadDemo(ctx, m); err != nil {
		return err
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
