package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/demo"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/internal/qa"
	"github.com/iltod/iltod/internal/simulate"
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
	simulateDay := fs.Bool("simulate", true, "simulate election day against the server: devices enroll and report")
	duration := fs.Duration("duration", simulate.DefaultDuration, "real time onto which the simulated day (07:00 to 24:00) is mapped")
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
		"  serving %s  (API: %sapi/v1/elections/%s, log: %slog/checkpoint)\n  press Ctrl-C to stop\n",
		demo.ElectionID, sum.Stations, sum.Registered, sum.Contests, sum.Forms, c.Store.describe(),
		m.URL(), m.URL(), demo.ElectionID, m.URL())
	if !kept {
		if err := createDemoStaff(ctx, m, stdout); err != nil {
			return err
		}
	}
	switch {
	case !*simulateDay:
	case kept:
		fmt.Fprintln(stdout, "  election day was simulated in an earlier run; use -fresh to simulate it again")
	default:
		if _, err := simulateElectionDay(ctx, m, *duration, stdout); err != nil {
			return err
		}
	}
	return m.Wait()
}

// simulateElectionDay runs the demo's election day against m's own server over HTTP,
// printing progress, and says what happened: it draws the PVT sample first, and after the
// day imports the simulated official results and prints what the analysis finds. It
// returns the stations whose official results were tampered with.
func simulateElectionDay(ctx context.Context, m *Main, d time.Duration, stdout io.Writer) ([]string, error) {
	p, err := electionpkg.Read(demo.Package())
	if err != nil {
		return nil, err
	}
	if err := drawDemoSample(ctx, m.App, stdout); err != nil {
		return nil, err
	}
	fmt.Fprintf(stdout, "  simulating election day (07:00 to 24:00) in %s: devices enroll, then send checklists, incidents and results\n", d)
	var last time.Time
	st, err := simulate.Run(ctx, simulate.Config{
		BaseURL: strings.TrimSuffix(m.URL(), "/"), Package: p, Duration: d,
		Issue: func(ctx context.Context, observer string) (string, error) {
			code, _, err := m.App.IssueEnrollment(app.SystemContext(ctx), demo.ElectionID, observer, 0)
			return code, err
		},
		Progress: func(phase string, done, total int) {
			if now := time.Now(); now.Sub(last) > 5*time.Second || done == total {
				last = now
				fmt.Fprintf(stdout, "  %-8s %5d / %d\n", phase, done, total)
			}
		},
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil
		}
		return nil, fmt.Errorf("simulate election day: %w", err)
	}
	fmt.Fprintf(stdout, "  election day done in %s: %d devices enrolled, %d reports accepted (%d resent, answered as duplicates), %d flagged by QA checks\n"+
		"  planned: %d stations silent, %d with observers who disagree (%d fields in conflict), %d results that do not add up, %d incidents\n",
		st.Elapsed.Round(time.Second), st.Enrolled, st.Accepted, st.Duplicate, st.Flagged,
		st.Silent, st.Disagreements, st.Typos, st.ArithmeticBreaks, st.Incidents)
	if st.Refused > 0 || st.Failed > 0 {
		fmt.Fprintf(stdout, "  WARNING: %d refused and %d failed: %s\n", st.Refused, st.Failed, strings.Join(st.Problems, "; "))
	}
	tampered, err := importDemoOfficial(ctx, m.App, p, stdout)
	if err != nil {
		return nil, err
	}
	return tampered, printDemoVerification(ctx, m.App, m.URL(), stdout)
}

// createDemoStaff creates the demo's staff accounts, one per role (the coordinator limited
// to Ulaanbaatar), with a fresh random password and TOTP secret each, and prints them once:
// they exist only in the demo's own data directory.
func createDemoStaff(ctx context.Context, m *Main, stdout io.Writer) error {
	pw := make([]byte, 12)
	rand.Read(pw)
	password := "demo-" + hex.EncodeToString(pw)
	fmt.Fprintf(stdout, "  staff console: %sstaff/  (demonstration accounts; password %s for each; the code is `go run ./cmd/iltod staff code -secret SECRET`)\n", m.URL(), password)
	for _, a := range []struct {
		login string
		role  app.Role
		areas []string
	}{
		{"demo-admin", app.RoleAdmin, nil},
		{"demo-coordinator", app.RoleCoordinator, []string{"MN-UB"}},
		{"demo-analyst", app.RoleAnalyst, nil},
		{"demo-reviewer", app.RoleReviewer, nil},
		{"demo-clerk", app.RoleClerk, nil},
	} {
		secret, _, err := m.App.CreateStaff(app.SystemContext(ctx), app.NewStaff{Login: a.login, Name: "Demo " + string(a.role), Role: a.role, Areas: a.areas, Password: password})
		if iltod.ErrorCodeOf(err) == iltod.EConflict {
			fmt.Fprintf(stdout, "    %-17s already exists (reset it with iltod staff reset)\n", a.login)
			continue
		}
		if err != nil {
			return fmt.Errorf("create demo staff: %w", err)
		}
		fmt.Fprintf(stdout, "    %-17s %-12s TOTP secret %s\n", a.login, a.role, secret)
	}
	return nil
}
