package iltod_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/iltod/iltod"
)

func hexOf(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func verifiedIncident() iltod.IncidentRecord {
	return iltod.IncidentRecord{
		ID: "i1", Election: "e", Category: "election.vote_buying", Severity: "low",
		Start: time.Date(2024, 6, 28, 9, 0, 0, 0, time.UTC), Place: iltod.Place{Area: "UB"},
		Narrative: "secret-narrative", Source: iltod.SourceObserver, Reporter: "secret-reporter",
		Trust: iltod.TrustMedium, Status: iltod.IncidentVerified, Redacted: true,
		Evidence: []iltod.EvidenceRef{
			{PlainSHA256: hexOf("a"), CipherSHA256: hexOf("ca"), MediaType: "image/jpeg"},
			{PlainSHA256: hexOf("b"), CipherSHA256: hexOf("cb"), MediaType: "audio/ogg"},
		},
		Actors: []iltod.ActorLink{{Actor: "secret-actor", Role: iltod.RoleOrdered, Evidence: []string{hexOf("a")}}},
	}
}

func TestIncidentPublished(t *testing.T) {
	base := verifiedIncident()
	if err := base.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	for _, st := range []iltod.IncidentStatus{iltod.IncidentUnverified, iltod.IncidentCorroborated, iltod.IncidentRejected} {
		in := base
		in.Status = st
		if _, ok := in.Published(); ok {
			t.Errorf("a %s incident is publishable", st)
		}
	}
	unredacted := base
	unredacted.Redacted = false
	if _, ok := unredacted.Published(); ok {
		t.Error("a verified incident not yet redacted is publishable")
	}
	for field, secret := range map[string]string{
		"narrative":              "secret-narrative",
		"actors":                 "secret-actor",
		"actor/secret-actor":     "secret-actor",
		"evidence":               hexOf("b"),
		"evidence/" + hexOf("b"): hexOf("b"),
		// The link rests on a: redacting a removes it from the link too.
		"evidence/" + hexOf("a"): hexOf("a"),
		"place":                  `"UB"`,
		"time":                   "2024-06-28",
	} {
		in := base
		in.Redactions = []iltod.Redaction{{Field: field, Reason: "secret-reason"}}
		if err := in.Validate(); err != nil {
			t.Errorf("%s: Validate: %v", field, err)
		}
		out, ok := in.Published()
		if !ok {
			t.Fatalf("%s: not publishable", field)
		}
		b, _ := json.Marshal(out)
		for _, s := range []string{secret, "secret-reporter", "secret-reason"} {
			if strings.Contains(string(b), s) {
				t.Errorf("redacting %s: %q comes out: %s", field, s, b)
			}
		}
		if out.Category != base.Category {
			t.Errorf("redacting %s lost the category", field)
		}
	}
	// The original is not changed by publishing a copy.
	in := base
	in.Redactions = []iltod.Redaction{{Field: "evidence/" + hexOf("a"), Reason: "face"}}
	in.Published()
	if len(in.Evidence) != 2 {
		t.Error("Published changed the incident's evidence")
	}
}

func TestIncidentValidate(t *testing.T) {
	for name, mut := range map[string]func(*iltod.IncidentRecord){
		"two places":        func(in *iltod.IncidentRecord) { in.Place.Station = "S1" },
		"no place":          func(in *iltod.IncidentRecord) { in.Place = iltod.Place{} },
		"end before start":  func(in *iltod.IncidentRecord) { in.End = in.Start.Add(-time.Minute) },
		"bad source":        func(in *iltod.IncidentRecord) { in.Source = "rumour" },
		"bad status":        func(in *iltod.IncidentRecord) { in.Status = "maybe" },
		"short hash":        func(in *iltod.IncidentRecord) { in.Evidence[0].PlainSHA256 = "abc" },
		"link, no evidence": func(in *iltod.IncidentRecord) { in.Actors[0].Evidence = nil },
		"link, foreign evidence": func(in *iltod.IncidentRecord) {
			in.Actors[0].Evidence = []string{hexOf("zzz")}
		},
		"bad role":          func(in *iltod.IncidentRecord) { in.Actors[0].Role = "admired" },
		"unknown redaction": func(in *iltod.IncidentRecord) { in.Redactions = []iltod.Redaction{{Field: "category", Reason: "x"}} },
		"redaction, no reason": func(in *iltod.IncidentRecord) {
			in.Redactions = []iltod.Redaction{{Field: "narrative"}}
		},
		"bad position": func(in *iltod.IncidentRecord) {
			in.Place = iltod.Place{Position: &iltod.Position{LatE6: 91_000_000}}
		},
	} {
		in := verifiedIncident()
		in.Evidence = append([]iltod.EvidenceRef(nil), in.Evidence...)
		in.Actors = []iltod.ActorLink{{Actor: "a", Role: iltod.RoleOrdered, Evidence: []string{hexOf("a")}}}
		mut(&in)
		if err := in.Validate(); iltod.ErrorCodeOf(err) != iltod.EInvalid {
			t.Errorf("%s: Validate = %v, want EInvalid", name, err)
		}
	}
	if !iltod.NextStatusAllowed(iltod.IncidentUnverified, iltod.IncidentCorroborated) ||
		iltod.NextStatusAllowed(iltod.IncidentUnverified, iltod.IncidentVerified) ||
		iltod.NextStatusAllowed(iltod.IncidentRejected, iltod.IncidentUnverified) ||
		iltod.NextStatusAllowed(iltod.IncidentVerified, iltod.IncidentRejected) {
		t.Error("NextStatusAllowed does not follow unverified → corroborated → verified, or rejected")
	}
}

func TestIncidentDigest(t *testing.T) {
	in := verifiedIncident()
	in.NarrativeSalt = hexOf("salt")
	d, err := iltod.IncidentDigest(in)
	if err != nil {
		t.Fatal(err)
	}
	other := in
	other.Reporter = "someone else"
	if d2, _ := iltod.IncidentDigest(other); d2 != d {
		t.Error("the digest depends on the reporter, whom the log must not commit to")
	}
	for name, mut := range map[string]func(*iltod.IncidentRecord){
		"narrative": func(in *iltod.IncidentRecord) { in.Narrative += "." },
		"salt":      func(in *iltod.IncidentRecord) { in.NarrativeSalt = hexOf("pepper") },
		"status":    func(in *iltod.IncidentRecord) { in.Status = iltod.IncidentRejected },
		"evidence":  func(in *iltod.IncidentRecord) { in.Evidence = in.Evidence[:1] },
		"redaction": func(in *iltod.IncidentRecord) { in.Redactions = []iltod.Redaction{{Field: "place", Reason: "x"}} },
	} {
		c := in
		mut(&c)
		if d2, _ := iltod.IncidentDigest(c); d2 == d {
			t.Errorf("the digest does not change with the %s", name)
		}
	}
	// A published copy whose narrative is redacted carries no salt, so that a guessed
	// narrative cannot be checked against the log.
	in.Redactions = []iltod.Redaction{{Field: "narrative", Reason: "witness"}}
	if out, ok := in.Published(); !ok || out.NarrativeSalt != "" || out.Narrative != "" {
		t.Errorf("published with a redacted narrative: %+v", out)
	}
}
