package dossier

import (
	"bytes"
	_ "embed"
	"encoding/hex"
	"errors"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/incident"
	"github.com/iltod/iltod/locales"
)

//go:embed dossier.html
var htmlSource string

// The element of a dossier's HTML that holds its JSON, which FromHTML reads back.
const (
	jsonOpen  = `<script type="application/json" id="iltod-dossier">`
	jsonClose = `</script>`
)

type htmlName struct{ Lang, Value string }

type htmlPosition struct{ Title, Body, From, Until string }

type htmlEvidence struct{ MediaType, Plain, Public string }

type htmlRecord struct {
	Subject, Leaf string
	Index         uint64
}

type htmlIncident struct {
	N                                                  int
	ID, Category, Roles, When, Where, Severity, Source string
	Narrative, Hidden, Digest, Leaf, Checkpoint        string
	Index                                              uint64
	Evidence                                           []htmlEvidence
}

type htmlPage struct {
	Lang                            string
	TitleArgs, MadeArgs, VerifyArgs locales.Args
	Actor                           iltod.Actor
	Names                           []htmlName
	Kind                            string
	Positions                       []htmlPosition
	Incidents                       []htmlIncident
	Records                         []htmlRecord
	JSON                            template.JS
}

// WriteHTML writes d as a printable HTML page in p's language, in the order sanctions
// submissions ask for: the actor's identity; their positions; their conduct, incident
// by incident, with dates, places and their role; then the evidence and its provenance
// (hashes, the incident's digest, the log's leaf, index and checkpoint). The page holds
// d's JSON in a <script type="application/json" id="iltod-dossier"> element, so that
// the page itself can be verified (FromHTML). It loads nothing from elsewhere.
func WriteHTML(w io.Writer, d *Dossier, tax *incident.Taxonomy, p *locales.Printer) error {
	lang := p.Lang()
	js, err := d.Marshal()
	if err != nil {
		return err
	}
	name := d.Actor.Name.In(lang)
	pg := htmlPage{
		Lang:       lang,
		TitleArgs:  locales.Args{"Name": name},
		MadeArgs:   locales.Args{"Election": d.Election, "Made": d.Made.UTC().Format(time.RFC3339), "Origin": d.Origin},
		VerifyArgs: locales.Args{"Command": "iltod verify dossier -vkey log.vkey FILE"},
		Actor:      d.Actor,
		Kind:       p.T("public.dossier.kind." + string(d.Actor.Kind)),
		JSON:       template.JS(bytes.TrimSpace(js)),
	}
	for _, l := range d.Actor.Name.Languages() {
		pg.Names = append(pg.Names, htmlName{l, d.Actor.Name[l]})
	}
	titles := map[string]iltod.ActorPosition{}
	for _, pos := range d.Positions {
		titles[pos.Code] = pos
	}
	bodies := map[string]string{d.Actor.Code: name}
	for _, b := range d.Bodies {
		bodies[b.Code] = b.Name.In(lang)
	}
	for _, o := range d.Occupancies {
		pos := titles[o.Position]
		until := dateOf(o.End)
		if until == "" {
			until = p.T("public.dossier.html.still")
		}
		body := bodies[pos.Body]
		if body == "" {
			body = pos.Body
		}
		pg.Positions = append(pg.Positions, htmlPosition{Title: pos.Title.In(lang), Body: body, From: dateOf(o.Start), Until: until})
	}
	for i, e := range d.Incidents {
		in := e.Incident
		var roles []string
		for _, l := range in.Actors {
			if l.Actor == d.Actor.Code {
				roles = append(roles, p.T("public.dossier.role."+string(l.Role)))
			}
		}
		var hidden []string
		for _, r := range in.Redactions {
			hidden = append(hidden, p.T("public.dossier.hidden."+r.Field))
		}
		when := p.T("public.dossier.html.hidden_value")
		switch {
		case !in.Start.IsZero() && !in.End.IsZero():
			when = p.T("public.dossier.html.span", locales.Args{"Start": timeOf(in.Start), "End": timeOf(in.End)})
		case !in.Start.IsZero():
			when = timeOf(in.Start)
		}
		where := placeText(p, in.Place)
		if where == "" {
			where = p.T("public.dossier.html.hidden_value")
		}
		narrative := in.Narrative
		if narrative == "" {
			narrative = p.T("public.dossier.html.hidden_value")
		}
		digest, _ := e.Proof.Digest(in)
		hi := htmlIncident{
			N: i + 1, ID: in.ID, Category: categoryLabel(tax, in.Category, lang), Roles: strings.Join(roles, "; "),
			When: when, Where: where, Severity: severityLabel(tax, in.Severity, lang),
			Source:    p.T("public.dossier.source."+string(in.Source)) + " — " + p.T("public.dossier.trust."+string(in.Trust)),
			Narrative: narrative, Hidden: strings.Join(hidden, "; "), Digest: hex.EncodeToString(digest[:]),
			Leaf: e.Log.Leaf, Index: e.Log.Index, Checkpoint: e.Log.Checkpoint,
		}
		for _, x := range in.Evidence {
			hi.Evidence = append(hi.Evidence, htmlEvidence{MediaType: x.MediaType, Plain: x.PlainSHA256, Public: x.PublicSHA256})
		}
		pg.Incidents = append(pg.Incidents, hi)
	}
	for _, r := range d.Records {
		pg.Records = append(pg.Records, htmlRecord{Subject: r.Subject, Leaf: r.Log.Leaf, Index: r.Log.Index})
	}
	t, err := template.New("dossier").Funcs(template.FuncMap{
		"T": func(key string, args ...locales.Args) string { return p.T(key, args...) },
	}).Parse(htmlSource)
	if err != nil {
		return err
	}
	return t.Execute(w, pg)
}

// FromHTML returns the dossier JSON that WriteHTML put in a page, or an error if the
// page holds none.
func FromHTML(page []byte) ([]byte, error) {
	_, rest, ok := bytes.Cut(page, []byte(jsonOpen))
	if !ok {
		return nil, errors.New("the page holds no dossier")
	}
	js, _, ok := bytes.Cut(rest, []byte(jsonClose))
	if !ok {
		return nil, errors.New("the page's dossier is not closed")
	}
	return js, nil
}
