package app

import (
	"context"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/locales"
)

// The public side of incidents: what the public site and API may show of the published
// copies (PublishedIncidents), the actors their links name, and the published copies of
// their evidence images.

// PublicActor is what may be published of an actor that a published incident names:
// its code, kind and name, never its notes nor a person's birth date.
type PublicActor struct {
	Code string          `json:"code"`
	Kind iltod.ActorKind `json:"kind"`
	Name iltod.Text      `json:"name"`
}

// PublishedActors returns, by code, the actors that the links of an election's
// published incidents name, and nothing of any other actor. Public.
func (a *App) PublishedActors(ctx context.Context, election string) (map[string]PublicActor, error) {
	pub, err := a.PublishedIncidents(ctx, election)
	if err != nil {
		return nil, err
	}
	named := map[string]bool{}
	for _, in := range pub {
		for _, l := range in.Actors {
			named[l.Actor] = true
		}
	}
	out := map[string]PublicActor{}
	if len(named) == 0 {
		return out, nil
	}
	as, err := a.store.Actors(ctx, election)
	if err != nil {
		return nil, err
	}
	for _, act := range as {
		if named[act.Code] {
			out[act.Code] = PublicActor{Code: act.Code, Kind: act.Kind, Name: act.Name}
		}
	}
	return out, nil
}

// PublicEvidence returns the blob named publicSHA (lower-case hex) if the evidence of a
// published incident of election names it as its published copy (EvidenceRef.PublicSHA256),
// the evidence and the incident both published. Public. It never returns a ciphertext
// nor an original: a hash that is also an evidence's plaintext or ciphertext hash is
// refused. It returns ENotFound for any other hash, and for a copy not stored.
func (a *App) PublicEvidence(ctx context.Context, election, publicSHA string) (iltod.Blob, error) {
	none := iltod.E(iltod.ENotFound, "error.public_incident.no_evidence", locales.Args{"SHA256": publicSHA})
	sha, ok := iltod.PhotoHash(publicSHA)
	if !ok {
		return iltod.Blob{}, none
	}
	all, err := a.store.Incidents(ctx, election)
	if err != nil {
		return iltod.Blob{}, err
	}
	named, media := false, ""
	for _, in := range all {
		for _, ev := range in.Evidence {
			if ev.PlainSHA256 == publicSHA || ev.CipherSHA256 == publicSHA {
				return iltod.Blob{}, none
			}
		}
		p, ok := in.Published()
		if !ok {
			continue
		}
		for _, ev := range p.Evidence {
			if ev.PublicSHA256 == publicSHA {
				named, media = true, ev.PublicMediaType
			}
		}
	}
	if !named {
		return iltod.Blob{}, none
	}
	b, err := a.store.Blob(ctx, sha)
	if iltod.ErrorCodeOf(err) == iltod.ENotFound {
		return iltod.Blob{}, none
	}
	if err != nil {
		return iltod.Blob{}, err
	}
	b.MediaType = media
	return b, nil
}
