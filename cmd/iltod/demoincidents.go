package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"filippo.io/age"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/demo"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/evidence"
	"github.com/iltod/iltod/internal/testimage"
	"github.com/iltod/iltod/locales"
)

// The demo's fictional incidents (demo/incidents.yaml), loaded through the app's own
// steps, with their evidence sealed to an age identity the demo makes for itself.

// DemoIdentityFile is the file of the demo's age identity, written next to the demo's
// data directory (never inside it: the server's data holds no key). A reviewer opens
// the demo's evidence with it: iltod evidence decrypt -identity FILE …
const DemoIdentityFile = "demo-evidence-identity.txt"

// demoIncidents is what seedDemoIncidents did.
type demoIncidents struct {
	// Identity is the file of the age identity evidence is sealed to, or "" when the
	// server was given its own recipients (-evidence-recipients).
	Identity string
	// IDs maps each incident's key in demo/incidents.yaml to its id; empty when the
	// store held incidents already and nothing was loaded.
	IDs map[string]string
	// Plaintexts are the evidence originals sealed, for tests that look for them.
	Plaintexts [][]byte
	// Total and Published count the election's incidents and those published.
	Total, Published int
}

// demoIdentity makes sure evidence can be sealed: with the server's own recipients if it
// has some, else with the demo's identity in dir (made there on first use). It returns the
// identity's file, or "" for the server's recipients.
func demoIdentity(p *locales.Printer, m *Main, dir string) (string, error) {
	if m.App.EvidenceSealing() {
		return "", nil
	}
	path := filepath.Join(dir, DemoIdentityFile)
	var id *age.X25519Identity
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		ids, err := evidence.ParseIdentities(bytes.NewReader(data))
		if err != nil {
			return "", fail("cli.demo_incidents.identity", locales.Args{"File": path, "Err": err})
		}
		for _, x := range ids {
			if xi, ok := x.(*age.X25519Identity); ok {
				id = xi
				break
			}
		}
		if id == nil {
			return "", fail("cli.demo_incidents.no_identity", locales.Args{"File": path})
		}
	case errors.Is(err, fs.ErrNotExist):
		id, err = age.GenerateX25519Identity()
		if err != nil {
			return "", fail("cli.demo_incidents.identity", locales.Args{"File": path, "Err": err})
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return "", fail("cli.demo_incidents.identity", locales.Args{"File": path, "Err": err})
		}
		body := "# " + p.T("cli.demo_incidents.identity_comment", locales.Args{"Recipient": id.Recipient().String()}) + "\n" + id.String() + "\n"
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			return "", fail("cli.demo_incidents.identity", locales.Args{"File": path, "Err": err})
		}
	default:
		return "", fail("cli.demo_incidents.identity", locales.Args{"File": path, "Err": err})
	}
	m.App.SetEvidenceRecipients([]age.Recipient{id.Recipient()})
	return path, nil
}

// seedDemoIncidents loads the demo's fictional actors, positions and incidents into the
// demo election, unless it holds incidents already, sealing evidence with demoIdentity's
// identity in identityDir. Every step is the app's, as the system actor, and logged.
func seedDemoIncidents(ctx context.Context, p *locales.Printer, m *Main, identityDir string) (*demoIncidents, error) {
	sys := app.SystemContext(ctx)
	e := demo.ElectionID
	out := &demoIncidents{IDs: map[string]string{}}
	var err error
	if out.Identity, err = demoIdentity(p, m, identityDir); err != nil {
		return nil, err
	}
	have, err := m.App.IncidentRecords(sys, e)
	if err != nil {
		return nil, err
	}
	if len(have) == 0 {
		if err := loadDemoIncidents(sys, m.App, out); err != nil {
			return nil, fail("cli.demo_incidents.load", locales.Args{"Err": err})
		}
	}
	all, err := m.App.IncidentRecords(sys, e)
	if err != nil {
		return nil, err
	}
	pub, err := m.App.PublishedIncidents(ctx, e)
	if err != nil {
		return nil, err
	}
	out.Total, out.Published = len(all), len(pub)
	return out, nil
}

// loadDemoIncidents runs the steps of demo/incidents.yaml: actors, positions and
// occupancies, then each incident reported, its evidence sealed, reviewed to its status,
// linked to actors, given published copies of its images, and redacted.
func loadDemoIncidents(ctx context.Context, a *app.App, out *demoIncidents) error {
	d, err := demo.LoadIncidents()
	if err != nil {
		return err
	}
	e := demo.ElectionID
	demoStepReason := d.Reason
	for _, x := range d.Actors {
		act := iltod.Actor{Code: x.Code, Election: e, Kind: x.Kind, Name: x.Name, Country: x.Country, BirthDate: x.BirthDate, Notes: x.Notes}
		if err := a.PutActor(ctx, act, demoStepReason); err != nil {
			return fmt.Errorf("actor %s: %w", x.Code, err)
		}
	}
	for _, x := range d.Positions {
		if err := a.PutPosition(ctx, iltod.ActorPosition{Code: x.Code, Election: e, Body: x.Body, Title: x.Title}, demoStepReason); err != nil {
			return fmt.Errorf("position %s: %w", x.Code, err)
		}
	}
	for _, x := range d.Occupancies {
		start, err := time.Parse(time.DateOnly, x.Start)
		if err != nil {
			return fmt.Errorf("occupancy %s: %w", x.Actor, err)
		}
		if err := a.PutOccupancy(ctx, iltod.Occupancy{Election: e, Actor: x.Actor, Position: x.Position, Start: start}, demoStepReason); err != nil {
			return fmt.Errorf("occupancy %s: %w", x.Actor, err)
		}
	}
	observers, err := a.Observers(ctx, e)
	if err != nil {
		return err
	}
	for i, x := range d.Incidents {
		if err := loadDemoIncident(ctx, a, i, x, observers, d.Reason, out); err != nil {
			return fmt.Errorf("incident %s: %w", x.Key, err)
		}
	}
	return nil
}

func loadDemoIncident(ctx context.Context, a *app.App, n int, x demo.DemoIncident, observers []iltod.Observer, demoStepReason string, out *demoIncidents) error {
	e := demo.ElectionID
	r := app.IncidentReport{Election: e, Category: x.Category, Severity: x.Severity, Narrative: x.Narrative, Source: x.Source,
		Place: iltod.Place{Station: x.Place.Station, Area: x.Place.Area}}
	var err error
	if r.Start, err = time.Parse(time.RFC3339, x.Start); err != nil {
		return err
	}
	if x.End != "" {
		if r.End, err = time.Parse(time.RFC3339, x.End); err != nil {
			return err
		}
	}
	if p := x.Place.Position; p != nil {
		r.Place.Position = &iltod.Position{LatE6: int64(p.Lat * 1e6), LonE6: int64(p.Lon * 1e6), AccuracyM: p.AccuracyM}
	}
	if x.Source == iltod.SourceObserver {
		r.Observer = demoReporter(observers, x.Place.Station)
	}
	var plains [][]byte
	for k, ev := range x.Evidence {
		var plain []byte
		switch ev.Kind {
		case "jpeg":
			if plain, _, err = testimage.CameraJPEG(demoPhoto(n, k)); err != nil {
				return err
			}
		case "text":
			plain = []byte(ev.Text + "\n")
		default:
			return fmt.Errorf("evidence kind %q", ev.Kind)
		}
		ref, err := a.SealEvidence(ctx, plain)
		if err != nil {
			return err
		}
		r.Evidence = append(r.Evidence, ref)
		plains = append(plains, plain)
	}
	out.Plaintexts = append(out.Plaintexts, plains...)
	in, err := a.ReportIncident(ctx, r)
	if err != nil {
		return err
	}
	out.IDs[x.Key] = in.ID
	var path []iltod.IncidentStatus
	switch x.Status {
	case iltod.IncidentUnverified:
	case iltod.IncidentCorroborated:
		path = []iltod.IncidentStatus{iltod.IncidentCorroborated}
	case iltod.IncidentVerified:
		path = []iltod.IncidentStatus{iltod.IncidentCorroborated, iltod.IncidentVerified}
	case iltod.IncidentRejected:
		path = []iltod.IncidentStatus{iltod.IncidentRejected}
	default:
		return fmt.Errorf("status %q", x.Status)
	}
	for _, to := range path {
		if err := a.VerifyIncident(ctx, e, in.ID, to, demoStepReason); err != nil {
			return err
		}
	}
	hash := func(k int) (string, error) {
		if k < 0 || k >= len(in.Evidence) {
			return "", fmt.Errorf("no evidence %d", k)
		}
		return in.Evidence[k].PlainSHA256, nil
	}
	for _, l := range x.Links {
		link := iltod.ActorLink{Actor: l.Actor, Role: l.Role}
		for _, k := range l.Evidence {
			h, err := hash(k)
			if err != nil {
				return err
			}
			link.Evidence = append(link.Evidence, h)
		}
		if err := a.LinkActor(ctx, e, in.ID, link, demoStepReason); err != nil {
			return err
		}
	}
	for _, k := range x.PublicCopy {
		h, err := hash(k)
		if err != nil {
			return err
		}
		if err := a.PublishEvidenceCopy(ctx, e, in.ID, h, plains[k], demoStepReason); err != nil {
			return err
		}
	}
	if x.Status != iltod.IncidentVerified || x.Unredacted {
		return nil
	}
	rs := slices.Clone(x.Redactions)
	for i, rd := range rs {
		if k, ok := strings.CutPrefix(rd.Field, "evidence/"); ok && len(k) < 4 {
			idx, err := strconv.Atoi(k)
			if err != nil {
				return err
			}
			if rs[i].Field, err = hash(idx); err != nil {
				return err
			}
			rs[i].Field = "evidence/" + rs[i].Field
		}
	}
	return a.RedactIncident(ctx, e, in.ID, rs, demoStepReason)
}

// demoReporter returns an observer of station, or the first observer.
func demoReporter(observers []iltod.Observer, station string) string {
	for _, o := range observers {
		if slices.Contains(o.Stations, station) {
			return o.Code
		}
	}
	if len(observers) > 0 {
		return observers[0].Code
	}
	return ""
}

// demoPhoto draws the demo's fictional photo k of incident n: bands of colour, nothing
// that could be mistaken for a real scene.
func demoPhoto(n, k int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 480, 320))
	for y := range 320 {
		for x := range 480 {
			band := (x/60 + y/40 + n + k) % 4
			c := []color.RGBA{{0x1f, 0x4e, 0x79, 0xff}, {0xd9, 0xa4, 0x41, 0xff}, {0xf2, 0xf2, 0xf2, 0xff}, {0x8c, 0x2d, 0x19, 0xff}}[band]
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// printDemoIncidents says where the demo's incidents are, and where its identity is.
func printDemoIncidents(p *locales.Printer, m *Main, d *demoIncidents, stdout io.Writer) {
	fmt.Fprintln(stdout, "  "+p.T("cli.demo_incidents.loaded", locales.Args{"Total": p.Int(int64(d.Total)), "Published": p.Int(int64(d.Published)),
		"URL": m.URL() + "e/" + demo.ElectionID + "/incidents", "API": m.URL() + "api/v1/elections/" + demo.ElectionID + "/incidents"}))
	if d.Identity != "" {
		fmt.Fprintln(stdout, "    "+p.T("cli.demo_incidents.identity_at", locales.Args{"File": d.Identity}))
	}
}
