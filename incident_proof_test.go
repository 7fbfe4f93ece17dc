package iltod_test

import (
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/iltod/iltod"
)

// proofIncident is a verified incident with two pieces of evidence, two links and a
// secret, ready to be redacted in turn.
func proofIncident() iltod.IncidentRecord {
	in := verifiedIncident()
	in.NarrativeSalt = hexOf("the incident's secret")
	in.End = in.Start.Add(time.Hour)
	in.Reported = in.Start.Add(2 * time.Hour)
	in.Evidence[0].PublicSHA256, in.Evidence[0].PublicMediaType = hexOf("public a"), "image/jpeg"
	in.Actors = append(in.Actors, iltod.ActorLink{Actor: "governor", Role: iltod.RoleResponsibleFor, Evidence: []string{hexOf("a"), hexOf("b")}})
	return in
}

// redactionCases are the redactions a reviewer may choose, each with something that must
// not come out with it.
var redactionCases = map[string]struct {
	rs     []iltod.Redaction
	secret string
}{
	"nothing":            {nil, ""},
	"narrative":          {[]iltod.Redaction{{Field: "narrative", Reason: "witness"}}, "secret-narrative"},
	"place":              {[]iltod.Redaction{{Field: "place", Reason: "a house"}}, `"UB"`},
	"time":               {[]iltod.Redaction{{Field: "time", Reason: "shift"}}, "2024-06-28"},
	"one evidence":       {[]iltod.Redaction{{Field: "evidence/" + hexOf("b"), Reason: "a face"}}, hexOf("b")},
	"all evidence":       {[]iltod.Redaction{{Field: "evidence", Reason: "faces"}}, hexOf("ca")},
	"one actor":          {[]iltod.Redaction{{Field: "actor/secret-actor", Reason: "minor"}}, "secret-actor"},
	"all actors":         {[]iltod.Redaction{{Field: "actors", Reason: "pending"}}, "governor"},
	"several, reordered": {[]iltod.Redaction{{Field: "time", Reason: "x"}, {Field: "narrative", Reason: "y"}, {Field: "evidence/" + hexOf("a"), Reason: "z"}}, "secret-narrative"},
}

// TestIncidentProofRoundTrip: for every redaction, the published copy and its proof,
// through JSON, recompute the whole incident's digest, and carry neither the secret nor
// the hidden parts.
func TestIncidentProofRoundTrip(t *testing.T) {
	for name, c := range redactionCases {
		in := proofIncident()
		in.Redactions = c.rs
		if err := in.Validate(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want, err := iltod.IncidentDigest(in)
		if err != nil {
			t.Fatal(err)
		}
		out, proof, ok := in.PublishedProof()
		if !ok {
			t.Fatalf("%s: not publishable", name)
		}
		// Through JSON, as a dossier carries them.
		b, _ := json.Marshal(struct {
			Incident iltod.IncidentRecord `json:"incident"`
			Proof    iltod.IncidentProof  `json:"proof"`
		}{out, proof})
		var back struct {
			Incident iltod.IncidentRecord `json:"incident"`
			Proof    iltod.IncidentProof  `json:"proof"`
		}
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		got, err := back.Proof.Digest(back.Incident)
		if err != nil || got != want {
			t.Errorf("%s: Digest = %x, %v; want %x\n%s", name, got, err, want, b)
		}
		for _, s := range []string{in.NarrativeSalt, "secret-reporter", "witness", "a face"} {
			if strings.Contains(string(b), s) {
				t.Errorf("%s: %q comes out with the published copy: %s", name, s, b)
			}
		}
		if c.secret != "" && strings.Contains(string(b), c.secret) {
			t.Errorf("%s: the hidden %q comes out: %s", name, c.secret, b)
		}
	}
}

// TestIncidentProofTamper: changing any published field of the copy, or the proof,
// gives another digest or an error, never the log's.
func TestIncidentProofTamper(t *testing.T) {
	in := proofIncident()
	in.Redactions = []iltod.Redaction{{Field: "evidence/" + hexOf("b"), Reason: "a face"}}
	want, _ := iltod.IncidentDigest(in)
	out, proof, _ := in.PublishedProof()
	if len(out.Evidence) != 1 || len(proof.Evidence) != 2 || proof.Evidence[1].Hash == "" {
		t.Fatalf("published %+v with proof %+v", out, proof)
	}
	pos := &iltod.Position{LatE6: 47_900_000, LonE6: 106_900_000, AccuracyM: 10}
	for name, mut := range map[string]func(*iltod.IncidentRecord, *iltod.IncidentProof){
		"id":                func(o *iltod.IncidentRecord, _ *iltod.IncidentProof) { o.ID = "i2" },
		"category":          func(o *iltod.IncidentRecord, _ *iltod.IncidentProof) { o.Category = "election.intimidation" },
		"severity":          func(o *iltod.IncidentRecord, _ *iltod.IncidentProof) { o.Severity = "high" },
		"source":            func(o *iltod.IncidentRecord, _ *iltod.IncidentProof) { o.Source = iltod.SourceStaff },
		"trust":             func(o *iltod.IncidentRecord, _ *iltod.IncidentProof) { o.Trust = iltod.TrustHigh },
		"narrative":         func(o *iltod.IncidentRecord, _ *iltod.IncidentProof) { o.Narrative += "." },
		"place":             func(o *iltod.IncidentRecord, _ *iltod.IncidentProof) { o.Place = iltod.Place{Position: pos} },
		"start":             func(o *iltod.IncidentRecord, _ *iltod.IncidentProof) { o.Start = o.Start.Add(time.Minute) },
		"end":               func(o *iltod.IncidentRecord, _ *iltod.IncidentProof) { o.End = time.Time{} },
		"evidence hash":     func(o *iltod.IncidentRecord, _ *iltod.IncidentProof) { o.Evidence[0].CipherSHA256 = hexOf("other") },
		"evidence media":    func(o *iltod.IncidentRecord, _ *iltod.IncidentProof) { o.Evidence[0].MediaType = "image/png" },
		"link role":         func(o *iltod.IncidentRecord, _ *iltod.IncidentProof) { o.Actors[0].Role = iltod.RoleCarriedOut },
		"link actor":        func(o *iltod.IncidentRecord, _ *iltod.IncidentProof) { o.Actors[1].Actor = "mayor" },
		"redaction kind":    func(o *iltod.IncidentRecord, _ *iltod.IncidentProof) { o.Redactions[0].Field = "place" },
		"redaction gone":    func(o *iltod.IncidentRecord, _ *iltod.IncidentProof) { o.Redactions = nil },
		"a link dropped":    func(o *iltod.IncidentRecord, _ *iltod.IncidentProof) { o.Actors = o.Actors[:1] },
		"hidden hash":       func(_ *iltod.IncidentRecord, p *iltod.IncidentProof) { p.Evidence[1].Hash = hexOf("x") },
		"redactions hash":   func(_ *iltod.IncidentRecord, p *iltod.IncidentProof) { p.Redactions = hexOf("x") },
		"salt":              func(_ *iltod.IncidentRecord, p *iltod.IncidentProof) { p.Narrative.Salt = hexOf("x") },
		"salt for a hash":   func(_ *iltod.IncidentRecord, p *iltod.IncidentProof) { p.Place = iltod.PartOpening{Hash: hexOf("x")} },
		"link evidence":     func(_ *iltod.IncidentRecord, p *iltod.IncidentProof) { p.Actors[1].Evidence = p.Actors[1].Evidence[:1] },
		"evidence slot cut": func(_ *iltod.IncidentRecord, p *iltod.IncidentProof) { p.Evidence = p.Evidence[:1] },
	} {
		o := out
		o.Evidence = append([]iltod.EvidenceRef(nil), out.Evidence...)
		o.Actors = append([]iltod.ActorLink(nil), out.Actors...)
		o.Redactions = append([]iltod.Redaction(nil), out.Redactions...)
		p := proof
		p.Evidence = append([]iltod.PartOpening(nil), proof.Evidence...)
		p.Actors = append([]iltod.LinkOpening(nil), proof.Actors...)
		mut(&o, &p)
		if got, err := p.Digest(o); err == nil && got == want {
			t.Errorf("%s: the tampered copy still gives the log's digest", name)
		}
	}
	if got, err := proof.Digest(out); err != nil || got != want {
		t.Fatalf("the untouched copy: %x, %v", got, err)
	}
}

// TestIncidentProofHidesRedactedParts: a hidden part travels as a bare hash. Without
// its salt, which is neither in the proof nor derivable from the published salts, the
// hash cannot confirm a guess, even the right one.
func TestIncidentProofHidesRedactedParts(t *testing.T) {
	in := proofIncident()
	in.Redactions = []iltod.Redaction{{Field: "narrative", Reason: "witness"}}
	out, proof, _ := in.PublishedProof()
	if out.Narrative != "" || out.NarrativeSalt != "" || proof.Narrative.Salt != "" || proof.Narrative.Hash == "" {
		t.Fatalf("narrative hidden: %q, proof %+v", out.Narrative, proof.Narrative)
	}
	// The right narrative, hashed under any salt the verifier holds, misses.
	salts := []string{"", proof.Place.Salt, proof.Time.Salt, proof.Evidence[0].Salt}
	for _, s := range salts {
		guess := out
		guess.Narrative = in.Narrative
		p := proof
		p.Narrative = iltod.PartOpening{Salt: s}
		if got, err := p.Digest(guess); err == nil {
			if want, _ := iltod.IncidentDigest(in); got == want {
				t.Errorf("the right narrative under the salt %q confirms the log's digest", s)
			}
		}
	}
	// The published salts are each their own: none is the secret or another's.
	seen := map[string]bool{}
	for _, s := range []string{proof.Place.Salt, proof.Time.Salt, proof.Evidence[0].Salt, proof.Evidence[1].Salt, proof.Actors[0].Salt, proof.Actors[1].Salt} {
		if len(s) != 64 || seen[s] || s == in.NarrativeSalt {
			t.Errorf("salt %q is empty, repeated or the secret", s)
		}
		seen[s] = true
	}
	// The narrative's real salt is what the secret derives; with it (which only the
	// organisation holds) the hash opens.
	ns := iltod.IncidentPartSalt(in.NarrativeSalt, iltod.PartNarrative)
	p := proof
	p.Narrative = iltod.PartOpening{Salt: hex.EncodeToString(ns[:])}
	guess := out
	guess.Narrative = in.Narrative
	if got, _ := p.Digest(guess); got != mustDigest(t, in) {
		t.Error("the narrative with its own salt does not open its hash")
	}
	// Incidents with another secret hash the same narrative differently.
	other := in
	other.NarrativeSalt = hexOf("another secret")
	_, op, _ := other.PublishedProof()
	if op.Narrative.Hash == proof.Narrative.Hash {
		t.Error("two secrets give one narrative hash: a hash would show equal narratives")
	}
}

func mustDigest(t *testing.T, in iltod.IncidentRecord) [32]byte {
	t.Helper()
	d, err := iltod.IncidentDigest(in)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestIncidentDigestParts: the digest changes with every part and field of the whole
// incident, and not with its reporter.
func TestIncidentDigestParts(t *testing.T) {
	in := proofIncident()
	d := mustDigest(t, in)
	for name, mut := range map[string]func(*iltod.IncidentRecord){
		"reported":       func(in *iltod.IncidentRecord) { in.Reported = in.Reported.Add(time.Second) },
		"redacted":       func(in *iltod.IncidentRecord) { in.Redacted = false },
		"reason":         func(in *iltod.IncidentRecord) { in.Redactions = []iltod.Redaction{{Field: "place", Reason: "y"}} },
		"public copy":    func(in *iltod.IncidentRecord) { in.Evidence[0].PublicSHA256 = hexOf("public b") },
		"link evidence":  func(in *iltod.IncidentRecord) { in.Actors[1].Evidence = in.Actors[1].Evidence[:1] },
		"order of links": func(in *iltod.IncidentRecord) { in.Actors[0], in.Actors[1] = in.Actors[1], in.Actors[0] },
	} {
		c := in
		c.Evidence = append([]iltod.EvidenceRef(nil), in.Evidence...)
		c.Actors = append([]iltod.ActorLink(nil), in.Actors...)
		mut(&c)
		if mustDigest(t, c) == d {
			t.Errorf("the digest does not change with the %s", name)
		}
	}
	c := in
	c.Redactions = []iltod.Redaction{{Field: "place", Reason: "x"}}
	d1 := mustDigest(t, c)
	c.Redactions = []iltod.Redaction{{Field: "place", Reason: "y"}}
	if mustDigest(t, c) == d1 {
		t.Error("the digest does not commit to the redactions' reasons")
	}
}
