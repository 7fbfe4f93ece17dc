package dossier

import (
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/ftm"
	"github.com/iltod/iltod/internal/incident"
	"github.com/iltod/iltod/locales"
)

// Entities returns d as FollowTheMoney entities (see docs/ftm.md), in the order a
// reader meets them: the actor (Person, Organization or PublicBody); the bodies of
// their positions; each Position, and for a person each Occupancy; then per incident
// an Event involving the actor, an UnknownLink saying the actor's role in it, a
// Document (or Image) per published piece of evidence, with its SHA-256 in its notes,
// and a Documentation tying it to the event. The event's notes carry its provenance:
// the digest, the log's leaf index and the checkpoint. Labels are in p's language, from tax
// when it knows the category, and words from the catalogue in p's language. Ids derive from the election and the records' codes.
func Entities(d *Dossier, tax *incident.Taxonomy, p *locales.Printer) []ftm.Entity {
	lang := p.Lang()
	ns := "iltod/" + d.Election
	var out []ftm.Entity
	partyOf := func(a iltod.Actor) ftm.Entity {
		name := a.Name.In(lang)
		var aliases []string
		for _, l := range a.Name.Languages() {
			if v := a.Name[l]; v != "" && v != name {
				aliases = append(aliases, v)
			}
		}
		party := ftm.Party{Name: name, Aliases: aliases, Country: strings.ToLower(a.Country), Notes: a.Notes}
		switch a.Kind {
		case iltod.ActorPerson:
			e := ftm.Person(ns, a.Code, party)
			if a.BirthDate != "" {
				e.Properties["birthDate"] = []string{a.BirthDate}
			}
			return e
		case iltod.ActorPublicBody:
			return ftm.PublicBody(ns, a.Code, party)
		}
		return ftm.Organization(ns, a.Code, party)
	}
	actor := partyOf(d.Actor)
	out = append(out, actor)
	bodyIDs := map[string]string{}
	for _, b := range d.Bodies {
		e := partyOf(b)
		if b.Kind != iltod.ActorPerson {
			bodyIDs[b.Code] = e.ID
		}
		out = append(out, e)
	}
	if d.Actor.Kind != iltod.ActorPerson {
		bodyIDs[d.Actor.Code] = actor.ID
	}
	posIDs := map[string]string{}
	for _, pos := range d.Positions {
		e := ftm.Position(ns, pos.Code, pos.Title.In(lang), bodyIDs[pos.Body], strings.ToLower(d.Actor.Country))
		posIDs[pos.Code] = e.ID
		out = append(out, e)
	}
	if d.Actor.Kind == iltod.ActorPerson {
		for _, o := range d.Occupancies {
			if posIDs[o.Position] == "" {
				continue
			}
			out = append(out, ftm.Occupancy(ns, actor.ID, posIDs[o.Position], dateOf(o.Start), dateOf(o.End)))
		}
	}
	for _, e := range d.Incidents {
		in := e.Incident
		spec := ftm.EventSpec{
			Name:        fmt.Sprintf("%s (%s)", categoryLabel(tax, in.Category, lang), in.ID),
			Country:     strings.ToLower(d.Actor.Country),
			Location:    placeText(p, in.Place),
			Description: in.Narrative,
			Involved:    []string{actor.ID},
		}
		if in.End.IsZero() {
			spec.Date = timeOf(in.Start)
		} else {
			spec.StartDate, spec.EndDate = timeOf(in.Start), timeOf(in.End)
		}
		ev := ftm.Event(ns, in.ID, spec)
		digest, _ := e.Proof.Digest(in)
		ev.Properties["notes"] = append(ev.Properties["notes"],
			p.T("public.dossier.ftm.incident_note", locales.Args{"ID": in.ID, "Digest": hex.EncodeToString(digest[:])}),
			p.T("public.dossier.ftm.log_note", locales.Args{"Index": e.Log.Index, "Origin": d.Origin, "Size": checkpointSize(e.Log.Checkpoint)}))
		out = append(out, ev)
		for _, l := range in.Actors {
			if l.Actor != d.Actor.Code {
				continue
			}
			out = append(out, ftm.Entity{ID: ftm.ID(ns, "UnknownLink:"+in.ID+":"+l.Actor+":"+string(l.Role)), Schema: "UnknownLink",
				Properties: map[string][]string{"subject": {actor.ID}, "object": {ev.ID}, "role": {string(l.Role)}}})
		}
		for _, x := range in.Evidence {
			spec := ftm.DocumentSpec{FileName: "evidence-" + x.PlainSHA256[:16], MimeType: x.MediaType,
				Title: p.T("public.dossier.ftm.evidence_title", locales.Args{"Hash": x.PlainSHA256[:16]}), SHA256: x.PlainSHA256}
			var doc ftm.Entity
			if strings.HasPrefix(x.MediaType, "image/") {
				doc = ftm.Image(ns, spec)
			} else {
				doc = ftm.Document(ns, spec)
			}
			doc.Properties["notes"] = append(doc.Properties["notes"], p.T("public.dossier.ftm.cipher_note", locales.Args{"Hash": x.CipherSHA256}))
			if x.PublicSHA256 != "" {
				doc.Properties["notes"] = append(doc.Properties["notes"], p.T("public.dossier.ftm.public_note", locales.Args{"Hash": x.PublicSHA256, "MediaType": x.PublicMediaType}))
			}
			if !containsID(out, doc.ID) {
				out = append(out, doc)
			}
			out = append(out, ftm.Documentation(ns, doc.ID, ev.ID, "evidence"))
		}
	}
	return out
}

// WriteFTM writes Entities(d, tax, p) to w, one JSON entity a line.
func WriteFTM(w io.Writer, d *Dossier, tax *incident.Taxonomy, p *locales.Printer) error {
	fw := ftm.NewWriter(w)
	for _, e := range Entities(d, tax, p) {
		if err := fw.Write(e); err != nil {
			return err
		}
	}
	return fw.Flush()
}

func containsID(es []ftm.Entity, id string) bool {
	for _, e := range es {
		if e.ID == id {
			return true
		}
	}
	return false
}

func dateOf(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02")
}

func timeOf(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

// categoryLabel is the category's label in lang, or its code.
func categoryLabel(tax *incident.Taxonomy, code, lang string) string {
	if tax != nil {
		if c, ok := tax.Category(code); ok {
			if s := c.Label.In(lang); s != "" {
				return s
			}
		}
	}
	return code
}

func severityLabel(tax *incident.Taxonomy, code, lang string) string {
	if tax != nil {
		if s, ok := tax.Severity(code); ok {
			if l := s.Label.In(lang); l != "" {
				return l
			}
		}
	}
	return code
}

// placeText writes a place in p's language: a station's or area's code, or coordinates.
func placeText(p *locales.Printer, pl iltod.Place) string {
	switch {
	case pl.Station != "":
		return p.T("public.dossier.place_station", locales.Args{"Code": pl.Station})
	case pl.Area != "":
		return p.T("public.dossier.place_area", locales.Args{"Code": pl.Area})
	case pl.Position != nil:
		return p.T("public.dossier.place_point", locales.Args{"Lat": fmt.Sprintf("%.6f", float64(pl.Position.LatE6)/1e6),
			"Lon": fmt.Sprintf("%.6f", float64(pl.Position.LonE6)/1e6), "Accuracy": pl.Position.AccuracyM})
	}
	return ""
}

// checkpointSize returns the size line of a checkpoint note, or "?".
func checkpointSize(cp string) string {
	lines := strings.SplitN(cp, "\n", 3)
	if len(lines) < 2 {
		return "?"
	}
	return lines[1]
}
