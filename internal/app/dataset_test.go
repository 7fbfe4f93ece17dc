package app_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/internal/sqlstore"
	"github.com/iltod/iltod/tlog"
)

// TestPublicEnvelopes checks which envelopes the public dataset withholds: every report
// on an incident form, and every report with a non-empty answer to a text question of
// the form version it was filed on; the others are published as stored.
func TestPublicEnvelopes(t *testing.T) {
	ctx := context.Background()
	store, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "iltod.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	a := app.New(store, nil)
	t.Cleanup(func() { a.Close() })
	p, err := electionpkg.ReadDir("../../docs/example")
	if err != nil {
		t.Fatal(err)
	}
	// Version 2 of the opening checklist adds a free-text question; an incident form
	// has one too.
	var opening iltod.Form
	for _, f := range p.Forms {
		if f.Code == "opening" {
			opening = f
		}
	}
	if opening.Version != 1 {
		t.Fatalf("the example has no opening form version 1")
	}
	text := iltod.Question{Tag: "NT", Type: iltod.TextAnswer, Label: iltod.Text{"en": "Notes"}}
	opening2 := opening
	opening2.Version = 2
	opening2.SMSPrefix = ""
	opening2.Questions = append(slices.Clone(opening.Questions), text)
	incident := iltod.Form{Code: "incident", Version: 1, Kind: iltod.Incident, Name: iltod.Text{"en": "Incident"},
		Questions: []iltod.Question{
			{Tag: "SV", Type: iltod.SelectOne, Required: true, Label: iltod.Text{"en": "Severity"},
				Options: []iltod.Option{{Code: "1", Label: iltod.Text{"en": "Low"}}, {Code: "2", Label: iltod.Text{"en": "High"}}}},
			{Tag: "DS", Type: iltod.TextAnswer, Label: iltod.Text{"en": "Describe what happened"}},
		}}
	p.Forms = append(p.Forms, opening2, incident)
	if err := a.LoadPackage(app.SystemContext(ctx), p, false); err != nil {
		t.Fatal(err)
	}
	code, _, err := a.IssueEnrollment(app.SystemContext(ctx), "example-2024", "1001", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	if _, err := a.Enroll(ctx, code, pub); err != nil {
		t.Fatal(err)
	}

	const testimony = "The chairman, B. Dorj, told two observers to leave"
	s, b, i := iltod.StrValue, iltod.BoolValue, iltod.IntValue
	openingAnswers := func(extra map[string]iltod.Value) map[string]iltod.Value {
		m := map[string]iltod.Value{"AA": s("07:00"), "AB": b(true), "AC": i(9), "AD": s("1")}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	reports := []struct {
		name     string
		form     string
		version  int
		answers  map[string]iltod.Value
		withheld bool
	}{
		{"results", "results", 1, map[string]iltod.Value{"RV": i(1320), "BI": i(900), "BC": i(898), "CV": i(880), "CI": i(18),
			"C1": i(500), "C2": i(420), "C3": i(390), "C4": i(300), "LV": i(870), "PB": i(500), "PR": i(370)}, false},
		{"a checklist without a text question", "opening", 1, openingAnswers(nil), false},
		{"a text question not answered", "opening", 2, openingAnswers(nil), false},
		{"a text question answered empty", "opening", 2, openingAnswers(map[string]iltod.Value{"NT": s("")}), false},
		{"a text question answered", "opening", 2, openingAnswers(map[string]iltod.Value{"NT": s(testimony)}), true},
		{"an incident without a description", "incident", 1, map[string]iltod.Value{"SV": s("2")}, true},
		{"an incident with its description", "incident", 1, map[string]iltod.Value{"SV": s("2"), "DS": s(testimony + " again")}, true},
	}
	var want []tlog.DatasetEnvelope
	for k, r := range reports {
		env, err := iltod.SignReport(iltod.Report{ID: fmt.Sprintf("dataset-test-%04d", k), Election: "example-2024", Station: "UB-001",
			Form: r.form, FormVersion: r.version, DeviceTime: "2024-06-28T12:00:00+08:00", Answers: r.answers}, priv)
		if err != nil {
			t.Fatal(err)
		}
		res, err := a.Submit(ctx, [][]byte{env.Bytes()})
		if err != nil || res[0].Err != nil {
			t.Fatalf("%s: submit: %v %v", r.name, err, res[0].Err)
		}
		e := tlog.DatasetEnvelope{Seq: res[0].Receipt.Seq, Envelope: env.Bytes()}
		if r.withheld {
			e = tlog.DatasetEnvelope{Seq: res[0].Receipt.Seq, Withheld: tlog.WithheldTestimony}
		}
		want = append(want, e)
	}

	// Public: no actor in the context.
	got, err := a.PublicEnvelopes(ctx, "example-2024")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d envelopes, want %d", len(got), len(want))
	}
	for k := range want {
		g, w := got[k], want[k]
		if g.Seq != w.Seq || g.Withheld != w.Withheld || !bytes.Equal(g.Envelope, w.Envelope) {
			t.Errorf("%s: got seq %d withheld %q envelope %q; want seq %d withheld %q envelope %q",
				reports[k].name, g.Seq, g.Withheld, g.Envelope, w.Seq, w.Withheld, w.Envelope)
		}
		if g.Envelope == nil {
			continue
		}
		env, err := iltod.ParseEnvelope(g.Envelope)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(env.Payload, []byte("chairman")) {
			t.Errorf("%s: the testimony is published", reports[k].name)
		}
	}
	if _, err := a.PublicEnvelopes(ctx, "no-such-election"); iltod.ErrorCodeOf(err) != iltod.ENotFound {
		t.Errorf("an unknown election: %v", err)
	}
}
