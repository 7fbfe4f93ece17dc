package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/demo"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/internal/localca"
	"github.com/iltod/iltod/internal/qa"
	"github.com/iltod/iltod/internal/simulate"
	"github.com/iltod/iltod/internal/tabular"
	"github.com/iltod/iltod/locales"
)

// DemoOrigin names the demo's transparency log.
const DemoOrigin = "demo.iltod.invalid/log"

// loadDemo loads the embedded demo package into m's store, replacing an earlier copy
// that holds no reports. A copy that holds reports cannot be replaced (the log commits to
// them); loadDemo then keeps it and returns kept = true.
func loadDemo(ctx context.Context, m *Main) (kept bool, err error) {
	p, err := electionpkg.Read(demo.Package(), qa.ValidateForms)
	if err != nil {
		return false, fail("cli.demo.read_package", locales.Args{"Err": err})
	}
	err = m.App.LoadPackage(app.SystemContext(ctx), p, true)
	if iltod.ErrorCodeOf(err) == iltod.EConflict {
		if _, e := m.App.Election(ctx, p.Election.ID); e == nil {
			return true, nil
		}
	}
	return false, err
}

func runDemo(ctx context.Context, p *locales.Printer, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(p, "demo", stderr, "[flags]", "")
	var c ServeConfig
	c.Store.register(fs, "data/demo")
	c.register(fs, "127.0.0.1:8080", DemoOrigin)
	fresh := fs.Bool("fresh", false, "cli.flag.fresh")
	simulateDay := fs.Bool("simulate", true, "cli.flag.simulate")
	duration := fs.Duration("duration", simulate.DefaultDuration, "cli.flag.demo_duration")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *fresh {
		if c.Store.DSN != "" {
			return usageErr("cli.demo.fresh_sqlite", nil)
		}
		if err := os.RemoveAll(c.Store.DataDir); err != nil {
			return fail("cli.demo.remove", locales.Args{"Err": err})
		}
	}
	logger, err := newLogger(stderr, c.LogLevel)
	if err != nil {
		return err
	}
	defer tuneServerGC()()
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
		fmt.Fprintln(stdout, "iltod demo: "+p.T("cli.demo.continuing", locales.Args{"Dir": c.Store.DataDir}))
	}
	incidents, err := seedDemoIncidents(ctx, p, m, filepath.Dir(filepath.Clean(c.Store.DataDir)))
	if err != nil {
		return err
	}
	sum, err := m.App.Summary(ctx, demo.ElectionID)
	if err != nil {
		return err
	}
	if err := m.Serve(ctx); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "iltod demo: "+p.T("cli.demo.banner"))
	fmt.Fprintln(stdout, "  "+p.T("cli.demo.election", locales.Args{"Election": demo.ElectionID, "Stations": p.Int(int64(sum.Stations)),
		"Registered": p.Int(sum.Registered), "Contests": p.Int(int64(sum.Contests)), "Forms": p.Int(int64(sum.Forms)), "Store": c.Store.describe(p)}))
	fmt.Fprintln(stdout, "  "+p.T("cli.demo.serving", locales.Args{"URL": m.URL(), "API": m.URL() + "api/v1/elections/" + demo.ElectionID, "Log": m.URL() + "log/checkpoint"}))
	printDemoIncidents(p, m, incidents, stdout)
	if _, err := printDemoPhone(ctx, p, m, stdout); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "  "+p.T("cli.demo.stop"))
	if !kept {
		if err := createDemoStaff(ctx, p, m, stdout); err != nil {
			return err
		}
	}
	switch {
	case !*simulateDay:
	case kept:
		fmt.Fprintln(stdout, "  "+p.T("cli.demo.simulated_before"))
	default:
		if _, err := simulateElectionDay(ctx, p, m, *duration, stdout); err != nil {
			return err
		}
	}
	return m.Wait()
}

// simulateElectionDay runs the demo's election day against m's own server over HTTP,
// printing progress in p's language, and says what happened: it draws the PVT sample
// first, and after the day imports the simulated official results and prints what the
// analysis finds. It returns the stations whose official results were tampered with.
func simulateElectionDay(ctx context.Context, p *locales.Printer, m *Main, d time.Duration, stdout io.Writer) ([]string, error) {
	pkg, err := electionpkg.Read(demo.Package())
	if err != nil {
		return nil, err
	}
	if err := drawDemoSample(ctx, p, m.App, stdout); err != nil {
		return nil, err
	}
	fmt.Fprintln(stdout, "  "+p.T("cli.demo.simulating", locales.Args{"Duration": d.String()}))
	var last time.Time
	st, err := simulate.Run(ctx, simulate.Config{
		BaseURL: strings.TrimSuffix(m.URL(), "/"), Package: pkg, Duration: d, Client: m.selfClient(),
		Issue: func(ctx context.Context, observer string) (string, error) {
			code, _, err := m.App.IssueEnrollment(app.SystemContext(ctx), demo.ElectionID, observer, 0)
			return code, err
		},
		Progress: func(phase string, done, total int) {
			if now := time.Now(); now.Sub(last) > 5*time.Second || done == total {
				last = now
				fmt.Fprintf(stdout, "  %-8s %5s / %s\n", phaseName(p, phase), p.Int(int64(done)), p.Int(int64(total)))
			}
		},
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil
		}
		return nil, fail("cli.demo.simulate", locales.Args{"Err": err})
	}
	n := func(x int) string { return p.Int(int64(x)) }
	fmt.Fprintln(stdout, "  "+p.T("cli.demo.day_done", locales.Args{"Elapsed": st.Elapsed.Round(time.Second).String(), "Enrolled": n(st.Enrolled),
		"Accepted": n(st.Accepted), "Duplicate": n(st.Duplicate), "Flagged": n(st.Flagged)}))
	fmt.Fprintln(stdout, "  "+p.T("cli.demo.planned", locales.Args{"Silent": n(st.Silent), "Disagreements": n(st.Disagreements), "Typos": n(st.Typos),
		"Breaks": n(st.ArithmeticBreaks), "Incidents": n(st.Incidents)}))
	if st.Refused > 0 || st.Failed > 0 {
		fmt.Fprintln(stdout, "  "+p.T("cli.demo.warning", locales.Args{"Refused": n(st.Refused), "Failed": n(st.Failed), "Problems": strings.Join(st.Problems, "; ")}))
	}
	tampered, err := importDemoOfficial(ctx, p, m.App, pkg, stdout)
	if err != nil {
		return nil, err
	}
	return tampered, printDemoVerification(ctx, p, m.App, m.URL(), stdout)
}

// DemoPhoneTTL is how long the enrollment code `iltod demo` prints stays valid: longer
// than a demonstration runs.
const DemoPhoneTTL = 7 * 24 * time.Hour

// printDemoPhone prints, in p's language, how to report from a phone: the observer app's
// address, with -tls-auto where the local CA's certificate is and where phones download
// it, and a fresh enrollment code for an observer whose station has coordinates (so the
// app's position check has something to compare with). It returns the code.
func printDemoPhone(ctx context.Context, p *locales.Printer, m *Main, stdout io.Writer) (string, error) {
	pkg, err := electionpkg.Read(demo.Package())
	if err != nil {
		return "", fail("cli.demo.read_package", locales.Args{"Err": err})
	}
	observer, station := demoPhoneObserver(pkg)
	if observer == "" {
		return "", fail("cli.phone.no_observer", nil)
	}
	code, expires, err := m.App.IssueEnrollment(app.SystemContext(ctx), demo.ElectionID, observer, DemoPhoneTTL)
	if err != nil {
		return "", fail("cli.phone.issue", locales.Args{"Err": err})
	}
	base := m.phoneBase()
	fmt.Fprintln(stdout, "  "+p.T("cli.phone.observe", locales.Args{"URL": base + "observe/"}))
	if m.CA != nil {
		fmt.Fprintln(stdout, "    "+p.T("cli.phone.ca", locales.Args{"File": filepath.Join(m.CA.Dir, localca.CACertFile), "URL": base + "tls/ca.crt"}))
	} else if m.Cert == nil {
		fmt.Fprintln(stdout, "    "+p.T("cli.phone.plain"))
	}
	fmt.Fprintln(stdout, "    "+p.T("cli.phone.code", locales.Args{"Code": code, "Observer": observer, "Station": station,
		"Expires": expires.Format(time.RFC3339), "Link": base + "observe/#code=" + code}))
	return code, nil
}

// demoPhoneObserver returns the first static observer, by code, whose first station has
// coordinates, and that station; "" if there is none.
func demoPhoneObserver(pkg *iltod.Package) (observer, station string) {
	located := map[string]bool{}
	for _, s := range pkg.Stations {
		located[s.Code] = s.Location != nil
	}
	for _, o := range pkg.Observers {
		if o.Role != iltod.Static || len(o.Stations) == 0 || !located[o.Stations[0]] {
			continue
		}
		if observer == "" || o.Code < observer {
			observer, station = o.Code, o.Stations[0]
		}
	}
	return observer, station
}

// phaseName names a phase of the simulated day (see simulate.Config.Progress) in p's
// language; a phase the catalogue does not know by its code.
func phaseName(p *locales.Printer, phase string) string {
	return tabular.Word{Code: phase, Key: "cli.demo.phase_" + phase}.Text(p)
}

// createDemoStaff creates the demo's staff accounts, one per role (the coordinator limited
// to Ulaanbaatar), with a fresh random password and TOTP secret each, and prints them once:
// they exist only in the demo's own data directory.
func createDemoStaff(ctx context.Context, p *locales.Printer, m *Main, stdout io.Writer) error {
	pw := make([]byte, 12)
	rand.Read(pw)
	password := "demo-" + hex.EncodeToString(pw)
	fmt.Fprintln(stdout, "  "+p.T("cli.demo.staff", locales.Args{"URL": m.URL() + "staff/", "Password": password, "Command": "go run ./cmd/iltod staff code -secret SECRET"}))
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
			fmt.Fprintf(stdout, "    %-17s %s\n", a.login, p.T("cli.demo.staff_exists"))
			continue
		}
		if err != nil {
			return fail("cli.demo.create_staff", locales.Args{"Err": err})
		}
		fmt.Fprintf(stdout, "    %-17s %-12s %s\n", a.login, a.role, p.T("cli.demo.totp_secret", locales.Args{"Secret": secret}))
	}
	return nil
}
