package http

import (
	"context"
	"html/template"
	"net/http"

	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/svgchart"
	"github.com/iltod/iltod/locales"
)

// The incidents page (/e/{election}/incidents) has two parts, kept apart: the documented
// incidents, verified and redacted, that the organisation publishes one by one
// (public_incidents_view.go), and the incident forms of observers' checklists, counted by
// category and by region. Counts only for the latter: never an observer, never the
// testimony.

type pubIncidents struct {
	pubCommon
	Documented *pubDocumented
	Forms      []pubIncidentForm
	None       string
}

type pubIncidentForm struct {
	Anchor, Name, Question, Total string
	Chart                         template.HTML
	Categories                    []pubFact
	Columns                       []string
	RegionHead                    string
	Regions                       []pubIncidentRow
}

type pubIncidentRow struct {
	Name, Href, Total string
	Counts            []string
}

func (ps *publicSite) incidents(w http.ResponseWriter, r *http.Request) {
	pe, p, ok := ps.start(w, r, "incidents")
	if !ok {
		return
	}
	e := &pe.e
	snap, err := ps.snapshot(r.Context(), e.ID)
	if err != nil {
		ps.fail(w, r, e, err)
		return
	}
	ps.s.renderCached(w, r, "public_incidents", p, func(ctx context.Context, p *page) error {
		sums, err := ps.s.app.Incidents(ctx, e.ID)
		if err != nil {
			return err
		}
		d := buildIncidents(p.Lang, pe, snap, sums)
		v, err := loadPublished(ctx, ps.s.app, e.ID)
		if err != nil {
			return err
		}
		d.Documented = buildDocumented(p.Lang, &d.pubCommon, e, snap, v)
		p.Data = d
		return nil
	})
}

func buildIncidents(lang string, pe *publicElection, snap *areaSnapshot, sums []app.IncidentSummary) *pubIncidents {
	d := &pubIncidents{pubCommon: common(&pe.e, lang, "incidents")}
	if len(sums) == 0 {
		d.None = tr(lang, "public.incidents_no_form")
		return d
	}
	n := func(v int) string { return formatCount(lang, int64(v)) }
	var regions []string
	if snap.root != nil {
		regions = snap.index.Children(snap.root.Code)
	}
	for _, s := range sums {
		f := pubIncidentForm{
			Anchor: "incidents-" + s.Form, Name: s.Name.In(lang), Question: s.Label.In(lang), Total: n(s.Total),
		}
		var bars []svgchart.BarRow
		for _, c := range s.Categories {
			label := c.Label.In(lang)
			f.Categories = append(f.Categories, pubFact{label, n(c.Count)})
			f.Columns = append(f.Columns, label)
			bars = append(bars, svgchart.BarRow{Label: label, Values: []float64{float64(c.Count)}})
		}
		f.Chart = svgchart.Bars{
			ID: f.Anchor, Title: tr(lang, "public.incidents_chart_title", locales.Args{"Question": f.Question}),
			Desc: tr(lang, "public.incidents_chart_desc", locales.Args{"Total": f.Total}),
			Axis: svgchart.Axis{Label: tr(lang, "public.reports_word"), Min: 0}, Rows: bars,
		}.SVG()
		if len(regions) > 0 {
			if i, ok := snap.pos[regions[0]]; ok {
				f.RegionHead = levelLabel(lang, snap.areas[i].Level)
			}
		}
		for _, code := range regions {
			i, ok := snap.pos[code]
			if !ok {
				continue
			}
			row := pubIncidentRow{Name: snap.areas[i].Name.In(lang), Href: d.href("areas/" + code)}
			total := 0
			for _, c := range s.Categories {
				row.Counts = append(row.Counts, n(c.ByArea[code]))
				total += c.ByArea[code]
			}
			row.Total = n(total)
			f.Regions = append(f.Regions, row)
		}
		d.Forms = append(d.Forms, f)
	}
	return d
}
