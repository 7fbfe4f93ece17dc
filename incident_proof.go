package iltod

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"time"

	"github.com/iltod/iltod/canonjson"
	"github.com/iltod/iltod/locales"
)

// IncidentDigestFormat names the form of IncidentDigest; the digest commits to it, so
// that a verifier can never read one form's digest as another's.
const IncidentDigestFormat = "iltod-incident-digest/2"

// The labels of an incident's parts that IncidentDigest commits to separately. Each
// piece of evidence is the part "evidence/PLAIN_SHA256" and each actor link the part
// "actor/CODE/ROLE".
const (
	PartNarrative  = "narrative"
	PartPlace      = "place"
	PartTime       = "time"
	PartRedactions = "redactions"
)

// EvidencePart returns the label of the part that is one piece of evidence.
func EvidencePart(plainSHA256 string) string { return "evidence/" + plainSHA256 }

// LinkPart returns the label of the part that is one actor link.
func LinkPart(l ActorLink) string { return "actor/" + l.Actor + "/" + string(l.Role) }

// IncidentPartSalt returns the salt of one part of an incident whose secret is the
// hex string secret (IncidentRecord.NarrativeSalt): HMAC-SHA256 keyed with the
// secret's bytes of "iltod-incident-part", a newline and the part's label. Publishing
// one part's salt reveals nothing of the secret, nor of any other part's salt.
func IncidentPartSalt(secret, label string) [32]byte {
	key, err := hex.DecodeString(secret)
	if err != nil {
		key = []byte(secret)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("iltod-incident-part\n" + label))
	return [32]byte(m.Sum(nil))
}

// incidentTime is the value of the part "time".
type incidentTime struct {
	Start    string `json:"start"`
	End      string `json:"end"`
	Reported string `json:"reported"`
}

func timeValue(in IncidentRecord) incidentTime {
	f := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	return incidentTime{f(in.Start), f(in.End), f(in.Reported)}
}

// linkValue is the value of an actor link's part: the evidence it rests on is named by
// those pieces' part hashes, so that a published link can be proved without naming
// the evidence that is hidden.
type linkValue struct {
	Actor    string    `json:"actor"`
	Role     ActorRole `json:"role"`
	Evidence []string  `json:"evidence"`
}

// partHash returns the SHA-256 of the canonical JSON {"part": label, "salt": hex salt,
// "value": value}.
func partHash(label string, salt [32]byte, value any) (string, error) {
	b, err := canonjson.Marshal(struct {
		Part  string `json:"part"`
		Salt  string `json:"salt"`
		Value any    `json:"value"`
	}{label, hex.EncodeToString(salt[:]), value})
	if err != nil {
		return "", err
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:]), nil
}

// incidentCommitment is what IncidentDigest hashes: the fields that are always
// published, and the part hashes of the rest, in the incident's order.
type incidentCommitment struct {
	Format        string         `json:"format"`
	ID            string         `json:"id"`
	Election      string         `json:"election"`
	Category      string         `json:"category"`
	Severity      string         `json:"severity"`
	Source        IncidentSource `json:"source"`
	Trust         Trust          `json:"trust"`
	Status        IncidentStatus `json:"status"`
	Redacted      bool           `json:"redacted"`
	RedactedKinds []string       `json:"redacted_kinds"`
	Narrative     string         `json:"narrative"`
	Place         string         `json:"place"`
	Time          string         `json:"time"`
	Evidence      []string       `json:"evidence"`
	Actors        []string       `json:"actors"`
	Redactions    string         `json:"redactions"`
}

func (c *incidentCommitment) digest() ([32]byte, error) {
	c.Format = IncidentDigestFormat
	if c.RedactedKinds == nil {
		c.RedactedKinds = []string{}
	}
	if c.Evidence == nil {
		c.Evidence = []string{}
	}
	if c.Actors == nil {
		c.Actors = []string{}
	}
	b, err := canonjson.Marshal(c)
	if err != nil {
		return [32]byte{}, err
	}
	return sha256.Sum256(b), nil
}

func commitmentOf(in IncidentRecord) incidentCommitment {
	c := incidentCommitment{ID: in.ID, Election: in.Election, Category: in.Category, Severity: in.Severity,
		Source: in.Source, Trust: in.Trust, Status: in.Status, Redacted: in.Redacted}
	for _, r := range in.Redactions {
		kind, _, _ := cutSlash(r.Field)
		c.RedactedKinds = append(c.RedactedKinds, kind)
	}
	return c
}

// incidentParts are the salts and hashes of every part of a whole incident.
type incidentParts struct {
	narrative, place, time, redactions partOf
	evidence, actors                   []partOf
	// linkEvidence holds, per link, the part hashes of the evidence it rests on.
	linkEvidence        [][]string
	evidenceHashByPlain map[string]string
}

type partOf struct {
	salt [32]byte
	hash string
}

func (in IncidentRecord) parts() (*incidentParts, error) {
	p := &incidentParts{evidenceHashByPlain: map[string]string{}}
	one := func(label string, value any) (partOf, error) {
		s := IncidentPartSalt(in.NarrativeSalt, label)
		h, err := partHash(label, s, value)
		return partOf{s, h}, err
	}
	var err error
	if p.narrative, err = one(PartNarrative, in.Narrative); err != nil {
		return nil, err
	}
	if p.place, err = one(PartPlace, in.Place); err != nil {
		return nil, err
	}
	if p.time, err = one(PartTime, timeValue(in)); err != nil {
		return nil, err
	}
	rs := in.Redactions
	if rs == nil {
		rs = []Redaction{}
	}
	if p.redactions, err = one(PartRedactions, rs); err != nil {
		return nil, err
	}
	for _, e := range in.Evidence {
		po, err := one(EvidencePart(e.PlainSHA256), e)
		if err != nil {
			return nil, err
		}
		p.evidence = append(p.evidence, po)
		p.evidenceHashByPlain[e.PlainSHA256] = po.hash
	}
	for _, l := range in.Actors {
		ev := make([]string, 0, len(l.Evidence))
		for _, h := range l.Evidence {
			eh, ok := p.evidenceHashByPlain[h]
			if !ok {
				// A link to evidence the incident lacks (Validate refuses it) is committed
				// to by the plain hash, so that the digest is still defined.
				eh = h
			}
			ev = append(ev, eh)
		}
		po, err := one(LinkPart(l), linkValue{Actor: l.Actor, Role: l.Role, Evidence: ev})
		if err != nil {
			return nil, err
		}
		p.actors = append(p.actors, po)
		p.linkEvidence = append(p.linkEvidence, ev)
	}
	return p, nil
}

// IncidentDigest returns the hash the log commits to for an incident (the Hash of its
// events): the SHA-256 of the canonical JSON of
//
//	{"format": IncidentDigestFormat, "id", "election", "category", "severity",
//	 "source", "trust", "status", "redacted",
//	 "redacted_kinds": the kind of field each redaction hides ("narrative", "actor" …),
//	 "narrative", "place", "time": part hashes,
//	 "evidence": [a part hash per piece of evidence, in order],
//	 "actors": [a part hash per actor link, in order],
//	 "redactions": the part hash of the redactions with their reasons}
//
// where a part hash is the SHA-256 of the canonical JSON {"part": label, "salt": hex,
// "value": the part}, its salt IncidentPartSalt of the incident's secret and the part's
// label, and an actor link's value names its evidence by their part hashes. The
// reporter and the secret are never in it. Whoever holds the whole incident can
// recompute it; whoever holds its published copy and its IncidentProof can too
// (IncidentProof.Digest), and learns nothing of the parts that were hidden.
func IncidentDigest(in IncidentRecord) ([32]byte, error) {
	p, err := in.parts()
	if err != nil {
		return [32]byte{}, err
	}
	c := commitmentOf(in)
	c.Narrative, c.Place, c.Time, c.Redactions = p.narrative.hash, p.place.hash, p.time.hash, p.redactions.hash
	for _, e := range p.evidence {
		c.Evidence = append(c.Evidence, e.hash)
	}
	for _, a := range p.actors {
		c.Actors = append(c.Actors, a.hash)
	}
	return c.digest()
}

// PartOpening opens one part of a published incident: its salt (lower-case hex) when
// the part is published, so that the verifier hashes the published value; or its part
// hash when the part is hidden, which without the salt reveals nothing of it. Exactly
// one is set.
type PartOpening struct {
	Salt string `json:"salt,omitempty"`
	Hash string `json:"hash,omitempty"`
}

// LinkOpening opens one actor link. A published link also lists the part hashes of all
// the evidence it rests on, in order, hidden pieces included: its published Evidence
// names only the pieces that are published.
type LinkOpening struct {
	Salt     string   `json:"salt,omitempty"`
	Hash     string   `json:"hash,omitempty"`
	Evidence []string `json:"evidence,omitempty"`
}

// IncidentProof is what proves a published copy of an incident (Published) against
// IncidentDigest: an opening for each part, in the whole incident's order. Evidence
// and Actors have a slot for every piece and link of the whole incident; the published
// ones fill the slots with salts in the published copy's order. Redactions is always a
// bare hash: the reasons are never published.
type IncidentProof struct {
	Narrative  PartOpening   `json:"narrative"`
	Place      PartOpening   `json:"place"`
	Time       PartOpening   `json:"time"`
	Evidence   []PartOpening `json:"evidence"`
	Actors     []LinkOpening `json:"actors"`
	Redactions string        `json:"redactions"`
}

// PublishedProof returns the published copy of in (see Published) and the proof that
// IncidentProof.Digest needs to recompute in's digest from that copy alone. ok is
// false, and nothing is returned, unless in may be published.
func (in IncidentRecord) PublishedProof() (out IncidentRecord, proof IncidentProof, ok bool) {
	out, ok = in.Published()
	if !ok {
		return IncidentRecord{}, IncidentProof{}, false
	}
	p, err := in.parts()
	if err != nil {
		return IncidentRecord{}, IncidentProof{}, false
	}
	hidden := map[string]bool{}
	for _, r := range in.Redactions {
		hidden[r.Field] = true
	}
	open := func(po partOf, hide bool) PartOpening {
		if hide {
			return PartOpening{Hash: po.hash}
		}
		return PartOpening{Salt: hex.EncodeToString(po.salt[:])}
	}
	proof.Narrative = open(p.narrative, hidden[PartNarrative])
	proof.Place = open(p.place, hidden[PartPlace])
	proof.Time = open(p.time, hidden[PartTime])
	proof.Redactions = p.redactions.hash
	proof.Evidence = []PartOpening{}
	for i, e := range in.Evidence {
		proof.Evidence = append(proof.Evidence, open(p.evidence[i], hidden["evidence"] || hidden[EvidencePart(e.PlainSHA256)]))
	}
	proof.Actors = []LinkOpening{}
	for i, l := range in.Actors {
		if hidden["actors"] || hidden["actor/"+l.Actor] {
			proof.Actors = append(proof.Actors, LinkOpening{Hash: p.actors[i].hash})
			continue
		}
		proof.Actors = append(proof.Actors, LinkOpening{Salt: hex.EncodeToString(p.actors[i].salt[:]), Evidence: slices.Clone(p.linkEvidence[i])})
	}
	return out, proof, true
}

// Digest recomputes IncidentDigest of the whole incident from its published copy pub
// and p. It fails, saying what disagrees, when p does not fit pub: an opening that is
// neither a salt nor a hash, or not 64 hex digits; a hidden part that pub still holds;
// more or fewer published pieces of evidence or links than p has salts for; a
// published link whose evidence is not what its opening says. A pub changed in any
// published field gives another digest, which the caller compares with the log's.
func (p IncidentProof) Digest(pub IncidentRecord) ([32]byte, error) {
	c := commitmentOf(pub)
	for _, r := range pub.Redactions {
		if kind, _, _ := cutSlash(r.Field); r.Reason != "" || r.Field != kind {
			return [32]byte{}, proofErr("redaction", locales.Args{"Field": r.Field})
		}
	}
	if pub.Reporter != "" || pub.NarrativeSalt != "" {
		return [32]byte{}, proofErr("secret", nil)
	}
	var err error
	part := func(name string, o PartOpening, value any, empty bool) (string, error) {
		switch {
		case o.Salt != "" && o.Hash != "" || o.Salt == "" && o.Hash == "":
			return "", proofErr("opening", locales.Args{"Part": name})
		case o.Hash != "":
			if !hexSHARe.MatchString(o.Hash) {
				return "", proofErr("opening", locales.Args{"Part": name})
			}
			if !empty {
				return "", proofErr("hidden_shown", locales.Args{"Part": name})
			}
			return o.Hash, nil
		}
		salt, ok := hex32(o.Salt)
		if !ok {
			return "", proofErr("opening", locales.Args{"Part": name})
		}
		return partHash(name, salt, value)
	}
	if c.Narrative, err = part(PartNarrative, p.Narrative, pub.Narrative, pub.Narrative == ""); err != nil {
		return [32]byte{}, err
	}
	if c.Place, err = part(PartPlace, p.Place, pub.Place, pub.Place == Place{}); err != nil {
		return [32]byte{}, err
	}
	tv := timeValue(pub)
	if c.Time, err = part(PartTime, p.Time, tv, tv == incidentTime{}); err != nil {
		return [32]byte{}, err
	}
	if !hexSHARe.MatchString(p.Redactions) {
		return [32]byte{}, proofErr("opening", locales.Args{"Part": PartRedactions})
	}
	c.Redactions = p.Redactions
	byHash := map[string]string{} // published evidence: part hash → plain SHA-256
	next := 0
	for i, o := range p.Evidence {
		if o.Salt != "" && next >= len(pub.Evidence) {
			return [32]byte{}, proofErr("evidence_count", locales.Args{"Have": len(pub.Evidence), "Opened": i + 1})
		}
		var e EvidenceRef
		label := "evidence"
		if o.Salt != "" {
			e = pub.Evidence[next]
			label = EvidencePart(e.PlainSHA256)
		}
		h, err := part(label, o, e, true)
		if err != nil {
			return [32]byte{}, err
		}
		if o.Salt != "" {
			byHash[h] = e.PlainSHA256
			next++
		}
		c.Evidence = append(c.Evidence, h)
	}
	if next != len(pub.Evidence) {
		return [32]byte{}, proofErr("evidence_count", locales.Args{"Have": len(pub.Evidence), "Opened": next})
	}
	next = 0
	for i, o := range p.Actors {
		if o.Salt != "" && next >= len(pub.Actors) {
			return [32]byte{}, proofErr("link_count", locales.Args{"Have": len(pub.Actors), "Opened": i + 1})
		}
		if o.Salt == "" {
			if len(o.Evidence) > 0 {
				return [32]byte{}, proofErr("opening", locales.Args{"Part": "actors"})
			}
			h, err := part("link", PartOpening{Hash: o.Hash}, nil, true)
			if err != nil {
				return [32]byte{}, err
			}
			c.Actors = append(c.Actors, h)
			continue
		}
		l := pub.Actors[next]
		next++
		var shown []string
		for _, h := range o.Evidence {
			if !hexSHARe.MatchString(h) {
				return [32]byte{}, proofErr("opening", locales.Args{"Part": LinkPart(pub.Actors[next-1])})
			}
			if plain, ok := byHash[h]; ok {
				shown = append(shown, plain)
			}
		}
		if !slices.Equal(shown, l.Evidence) {
			return [32]byte{}, proofErr("link_evidence", locales.Args{"Actor": l.Actor, "Role": string(l.Role)})
		}
		ev := o.Evidence
		if ev == nil {
			ev = []string{}
		}
		h, err := part(LinkPart(l), PartOpening{Salt: o.Salt}, linkValue{Actor: l.Actor, Role: l.Role, Evidence: ev}, true)
		if err != nil {
			return [32]byte{}, err
		}
		c.Actors = append(c.Actors, h)
	}
	if next != len(pub.Actors) {
		return [32]byte{}, proofErr("link_count", locales.Args{"Have": len(pub.Actors), "Opened": next})
	}
	return c.digest()
}

func hex32(s string) ([32]byte, bool) {
	var out [32]byte
	if !hexSHARe.MatchString(s) {
		return out, false
	}
	hex.Decode(out[:], []byte(s))
	return out, true
}

// proofErr is an error of IncidentProof.Digest: the message error.incident_proof.KEY.
func proofErr(key string, args locales.Args) error {
	return E(EInvalid, "error.incident_proof."+key, args)
}
