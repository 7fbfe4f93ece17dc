package app_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"path/filepath"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/canonjson"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/internal/sqlstore"
)

// FuzzDeviceIncident signs arbitrary canonical JSON payloads with an enrolled device and
// reports them as incidents: the app never panics, refuses with a client error code,
// and stores an incident exactly when it accepts one, as the device's observer's.
func FuzzDeviceIncident(f *testing.F) {
	ctx := context.Background()
	store, err := sqlstore.OpenSQLite(ctx, filepath.Join(f.TempDir(), "iltod.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { store.Close() })
	a := app.New(store, nil)
	f.Cleanup(func() { a.Close() })
	p, err := electionpkg.ReadDir("../../docs/example")
	if err != nil {
		f.Fatal(err)
	}
	sys := app.SystemContext(ctx)
	if err := a.LoadPackage(sys, p, false); err != nil {
		f.Fatal(err)
	}
	code, _, err := a.IssueEnrollment(sys, "example-2024", "1001", time.Hour)
	if err != nil {
		f.Fatal(err)
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	if _, err := a.Enroll(ctx, code, pub); err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		`{"category":"election.vote_buying","evidence":[],"id":"7b1f9a52-1c2d-4e5f-8a9b-0c1d2e3f4a5b","narrative":"Cash.","op":"incident","severity":"high","start":"2024-06-28T10:40:00+08:00","time":"2024-06-28T11:00:00+08:00"}`,
		`{"category":"election.vote_buying","evidence":["` + sum("x") + `"],"id":"7b1f9a52-1c2d-4e5f-8a9b-0c1d2e3f4a5c","narrative":"","op":"incident","position":{"accuracy_m":5,"lat_e6":47000000,"lon_e6":106000000},"severity":"low","start":"2024-06-28T10:40:00Z","time":"2024-06-28T11:00:00Z"}`,
		`{"op":"incident","station":"DA-002"}`,
		`{"op":"assignment","time":"2024-06-28T11:00:00Z"}`,
		`[]`,
	} {
		f.Add([]byte(s))
	}
	count := func() int {
		all, err := a.IncidentRecords(sys, "example-2024")
		if err != nil {
			f.Fatal(err)
		}
		return len(all)
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		doc, err := canonjson.Parse(payload)
		if err != nil {
			return
		}
		canonical, err := canonjson.Marshal(doc)
		if err != nil {
			return
		}
		env := &iltod.Envelope{Payload: canonical, Key: pub, Sig: ed25519.Sign(priv, iltod.RequestMessage(canonical))}
		before := count()
		rc, err := a.DeviceReportIncident(ctx, env.Bytes())
		after := count()
		if err != nil {
			switch iltod.ErrorCodeOf(err) {
			case iltod.EInvalid, iltod.ETooLarge, iltod.EForbidden, iltod.ENotAssigned, iltod.EConflict, iltod.ERateLimited:
			default:
				t.Fatalf("DeviceReportIncident(%s): %v", canonical, err)
			}
			if after != before {
				t.Fatalf("refused (%v) but stored an incident: %s", err, canonical)
			}
			return
		}
		in, err := a.Incident(sys, "example-2024", rc.ID)
		if err != nil || in.Reporter != "1001" || in.Source != iltod.SourceObserver || (after != before+1) != rc.Duplicate {
			t.Fatalf("accepted %s as %+v, stored %+v (%v), %d → %d incidents", canonical, rc, in, err, before, after)
		}
	})
}
