package http

import (
	"cmp"
	"context"
	"html/template"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/incident"
	"github.com/iltod/iltod/internal/svgchart"
	"github.com/iltod/iltod/internal/topomap"
	"github.com/iltod/iltod/locales"
)

// The documented incidents of the incidents page: the published copies of verified,
// redacted incidents only (app.PublishedIncidents), on a map by aimag, on a timeline by
// day, counted by category, and listed one by one. Nothing here reads an incident whole:
// no reporter, no hidden field, no reason for hiding it ever reaches this code.

// pubDocumented is the documented-incidents part of the incidents page.
type pubDocumented struct {
	Total string
	None  bool
	// Map is the aimags coloured by their incidents, and MapLegend its legend; ByAimag
	// is the same as a table.
	Map       template.HTML
	MapLegend *pubLegend
	ByAimag   []pubFact
	// Unplaced counts the incidents whose place is withheld or lies in no aimag.
	Unplaced string
	// Timeline is the incidents by day (UTC) of their start, Days the same as a table;
	// Undated counts those whose time is withheld.
	Timeline template.HTML
	Days     []pubFact
	Undated  string
	// Categories counts by category, in the taxonomy's order, those with incidents.
	CatChart   template.HTML
	Categories []pubCategoryCount
	Incidents  []pubIncident
	// JSON and CSV are the addresses of the API's downloads of the same incidents.
	JSON, CSV string
	// Capped says that the list shows only the latest maxListedIncidents, or is "".
	Capped string
}

// maxListedIncidents bounds the incidents the page lists one by one; the downloads hold
// them all.
const maxListedIncidents = 300

type pubCategoryCount struct{ Group, Label, Value string }

// pubIncident is one published incident as the page lists it.
type pubIncident struct {
	Anchor, ID                 string
	Category, Group, Severity  string
	When, Place                string
	Narrative                  string
	Hidden                     []string
	Trust, TrustNote, Source   string
	LowTrust                   bool
	Actors                     []pubIncidentActor
	Evidence                   []pubIncidentEvidence
	Reported                   string
	TimeHidden, PlaceHidden    bool
	NarrativeHidden, HasDetail bool
}

type pubIncidentActor struct{ Name, Kind, Role string }

type pubIncidentEvidence struct {
	SHA256, Short, MediaType string
	// Image is the address of the published copy, or "".
	Image, ImageAlt, PublicSHA256 string
}

// publishedView is what the documented part is built from, read through the app's
// public methods only.
type publishedView struct {
	tax       *incident.Taxonomy
	incidents []iltod.IncidentRecord
	actors    map[string]app.PublicActor
	// stationArea maps the stations the incidents name to their area.
	stationArea map[string]string
}

// loadPublished reads what the documented part shows of election.
func loadPublished(ctx context.Context, a *app.App, election string) (*publishedView, error) {
	tax, err := a.Taxonomy(ctx, election)
	if err != nil {
		return nil, err
	}
	pub, err := a.PublishedIncidents(ctx, election)
	if err != nil {
		return nil, err
	}
	actors, err := a.PublishedActors(ctx, election)
	if err != nil {
		return nil, err
	}
	v := &publishedView{tax: tax, incidents: pub, actors: actors, stationArea: map[string]string{}}
	for _, in := range pub {
		if st := in.Place.Station; st != "" {
			if _, ok := v.stationArea[st]; ok {
				continue
			}
			s, err := a.Station(ctx, election, st)
			if err != nil && iltod.ErrorCodeOf(err) != iltod.ENotFound {
				return nil, err
			}
			v.stationArea[st] = s.Area
		}
	}
	return v, nil
}

// aimagOf returns the aimag (the area below the country) an incident's place lies in,
// or "" if its place is withheld or lies in no known aimag.
func (v *publishedView) aimagOf(snap *areaSnapshot, p iltod.Place) string {
	area := p.Area
	if p.Station != "" {
		area = v.stationArea[p.Station]
	}
	if area != "" {
		path := snap.index.Path(area)
		if len(path) >= 2 {
			if ar, ok := snap.index.Area(path[0]); ok && ar.Level == iltod.LevelCountry {
				return path[1]
			}
		}
		return ""
	}
	if p.Position != nil {
		return aimagAt(float64(p.Position.LonE6)/1e6, float64(p.Position.LatE6)/1e6)
	}
	return ""
}

// aimagAt returns the code of the aimag of Mongolia's map that holds the point, or "".
func aimagAt(lon, lat float64) string {
	fs, err := mongoliaMap()
	if err != nil {
		return ""
	}
	for _, f := range fs {
		for _, poly := range f.Polygons {
			if len(poly) > 0 && inRing(poly[0], lon, lat) && !slices.ContainsFunc(poly[1:], func(h topomap.Ring) bool { return inRing(h, lon, lat) }) {
				return topomap.ISOCode(f.ID)
			}
		}
	}
	return ""
}

// inRing reports whether the point lies inside the ring (even-odd rule).
func inRing(r topomap.Ring, x, y float64) bool {
	in := false
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		a, b := r[i], r[j]
		if (a.Lat > y) != (b.Lat > y) && x < (b.Lon-a.Lon)*(y-a.Lat)/(b.Lat-a.Lat)+a.Lon {
			in = !in
		}
	}
	return in
}

// buildDocumented builds the documented part of the incidents page in lang.
func buildDocumented(lang string, c *pubCommon, e *iltod.Election, snap *areaSnapshot, v *publishedView) *pubDocumented {
	n := func(k int) string { return formatCount(lang, int64(k)) }
	api := "/api/v1/elections/" + e.ID + "/incidents"
	d := &pubDocumented{Total: n(len(v.incidents)), None: len(v.incidents) == 0, JSON: api, CSV: api + "?format=csv"}
	if d.None {
		return d
	}
	p := locales.For(lang)

	// By aimag, and the map.
	byAimag := map[string]int{}
	unplaced := 0
	for _, in := range v.incidents {
		if a := v.aimagOf(snap, in.Place); a != "" {
			byAimag[a]++
		} else {
			unplaced++
		}
	}
	d.Unplaced = n(unplaced)
	most := 0
	for _, k := range byAimag {
		most = max(most, k)
	}
	aimagName := func(code string) string {
		if ar, ok := snap.index.Area(code); ok {
			return ar.Name.In(lang)
		}
		return code
	}
	if snap.root != nil {
		for _, code := range snap.index.Children(snap.root.Code) {
			if k := byAimag[code]; k > 0 {
				d.ByAimag = append(d.ByAimag, pubFact{aimagName(code), n(k)})
			}
		}
	}
	d.Map, d.MapLegend = incidentMap(lang, c, byAimag, most, aimagName)

	// By day.
	days := map[string]int{}
	undated := 0
	for _, in := range v.incidents {
		if in.Start.IsZero() {
			undated++
			continue
		}
		days[in.Start.UTC().Format(time.DateOnly)]++
	}
	d.Undated = n(undated)
	var dayKeys []string
	for k := range days {
		dayKeys = append(dayKeys, k)
	}
	slices.Sort(dayKeys)
	var dayRows []svgchart.BarRow
	for _, k := range dayKeys {
		d.Days = append(d.Days, pubFact{fmtDate(lang, k), n(days[k])})
		dayRows = append(dayRows, svgchart.BarRow{Label: fmtDate(lang, k), Values: []float64{float64(days[k])}})
	}
	if len(dayRows) > 0 {
		d.Timeline = svgchart.Bars{
			ID: "incidents-timeline", Title: tr(lang, "public.documented.timeline_title"),
			Desc: tr(lang, "public.documented.timeline_desc", locales.Args{"Total": n(len(v.incidents) - undated)}),
			Axis: countAxis(tr(lang, "public.documented.incidents_word"), dayRows), Rows: dayRows,
		}.SVG()
	}

	// By category, in the taxonomy's order.
	cats := map[string]int{}
	for _, in := range v.incidents {
		cats[in.Category]++
	}
	var catRows []svgchart.BarRow
	for _, g := range v.tax.Groups {
		for _, ct := range g.Categories {
			if k := cats[ct.Code]; k > 0 {
				label := ct.Label.In(lang, locales.Fallback)
				d.Categories = append(d.Categories, pubCategoryCount{g.Label.In(lang, locales.Fallback), label, n(k)})
				catRows = append(catRows, svgchart.BarRow{Label: label, Values: []float64{float64(k)}})
			}
		}
	}
	if len(catRows) > 0 {
		d.CatChart = svgchart.Bars{
			ID: "incidents-categories", Title: tr(lang, "public.documented.categories_title"),
			Desc: tr(lang, "public.documented.categories_desc", locales.Args{"Total": d.Total}),
			Axis: countAxis(tr(lang, "public.documented.incidents_word"), catRows), Rows: catRows,
		}.SVG()
	}

	// The list, latest first, at most maxListedIncidents of it.
	list := slices.Clone(v.incidents)
	slices.SortStableFunc(list, func(a, b iltod.IncidentRecord) int { return cmp.Compare(b.Start.Unix(), a.Start.Unix()) })
	if len(list) > maxListedIncidents {
		d.Capped = tr(lang, "public.documented.capped", locales.Args{"N": n(maxListedIncidents), "Total": d.Total})
		list = list[:maxListedIncidents]
	}
	for _, in := range list {
		d.Incidents = append(d.Incidents, buildPubIncident(lang, p, e, snap, v, in))
	}
	return d
}

// incidentMap draws the aimags coloured by their published incidents, with its legend.
func incidentMap(lang string, c *pubCommon, byAimag map[string]int, most int, name func(string) string) (template.HTML, *pubLegend) {
	fs, err := mongoliaMap()
	if err != nil || len(fs) == 0 {
		return "", nil
	}
	hi := float64(max(most, 1))
	svg := topomap.Render(fs, topomap.Options{
		ID:    "incident-map",
		Title: tr(lang, "public.documented.map_title"),
		Desc:  tr(lang, "public.documented.map_desc"),
		Code:  topomap.ISOCode,
		Fill: func(code string) string {
			k := byAimag[code]
			if k == 0 {
				return noIncidentFill
			}
			return topomap.Sequential(float64(k), 0, hi)
		},
		Label: func(code string) string {
			return tr(lang, "public.documented.map_label", locales.Args{"Name": name(code), "N": formatCount(lang, int64(byAimag[code]))})
		},
		Link: func(code string) string {
			if byAimag[code] == 0 {
				return ""
			}
			return c.href("areas/" + code)
		},
	})
	l := &pubLegend{Title: tr(lang, "public.documented.map_legend")}
	l.Entries = append(l.Entries, pubLegendEntry{Fill: noIncidentFill, Label: formatCount(lang, 0)})
	if most <= 5 {
		// Few incidents: a swatch for every count, so that each colour on the map is
		// in the legend.
		for k := 1; k <= most; k++ {
			l.Entries = append(l.Entries, pubLegendEntry{Fill: topomap.Sequential(float64(k), 0, hi), Label: formatCount(lang, int64(k))})
		}
		return template.HTML(svg), l
	}
	for _, e := range topomap.SequentialLegend(0, hi, 5, func(v float64) string { return strconv.Itoa(int(v + 0.5)) }) {
		if e.Label == "0" {
			continue
		}
		l.Entries = append(l.Entries, pubLegendEntry{Fill: e.Fill, Label: e.Label})
	}
	return template.HTML(svg), l
}

// noIncidentFill is the colour of an aimag without a published incident: a light grey
// rather than white, so that its outline shows against the page.
const noIncidentFill = "#e3e7eb"

// buildPubIncident builds one listed incident from its published copy.
func buildPubIncident(lang string, p *locales.Printer, e *iltod.Election, snap *areaSnapshot, v *publishedView, in iltod.IncidentRecord) pubIncident {
	out := pubIncident{Anchor: "incident-" + in.ID, ID: in.ID, Narrative: in.Narrative}
	out.Category, out.Group = in.Category, ""
	if ct, ok := v.tax.Category(in.Category); ok {
		out.Category = ct.Label.In(lang, locales.Fallback)
	}
	for _, g := range v.tax.Groups {
		if slices.ContainsFunc(g.Categories, func(c incident.Category) bool { return c.Code == in.Category }) {
			out.Group = g.Label.In(lang, locales.Fallback)
		}
	}
	out.Severity = in.Severity
	if s, ok := v.tax.Severity(in.Severity); ok {
		out.Severity = s.Label.In(lang, locales.Fallback)
	}
	for _, r := range in.Redactions {
		out.Hidden = append(out.Hidden, trOr(lang, "public.documented.hidden_"+r.Field, r.Field))
		switch r.Field {
		case "time":
			out.TimeHidden = true
		case "place":
			out.PlaceHidden = true
		case "narrative":
			out.NarrativeHidden = true
		}
	}
	if !in.Start.IsZero() {
		out.When = p.Date(in.Start.UTC()) + " " + in.Start.UTC().Format("15:04") + " UTC"
		if !in.End.IsZero() && !in.End.Equal(in.Start) {
			out.When = tr(lang, "public.documented.span", locales.Args{"From": out.When, "To": p.Date(in.End.UTC()) + " " + in.End.UTC().Format("15:04") + " UTC"})
		}
		out.Reported = p.Date(in.Reported.UTC())
	}
	switch pl := in.Place; {
	case pl.Station != "":
		area := v.stationArea[pl.Station]
		name := area
		if ar, ok := snap.index.Area(area); ok {
			name = ar.Name.In(lang)
		}
		out.Place = tr(lang, "public.documented.place_station", locales.Args{"Station": pl.Station, "Area": name})
	case pl.Area != "":
		name := pl.Area
		if ar, ok := snap.index.Area(pl.Area); ok {
			name = ar.Name.In(lang)
		}
		out.Place = name
	case pl.Position != nil:
		out.Place = tr(lang, "public.documented.place_point", locales.Args{
			"Lat": p.Number(float64(pl.Position.LatE6)/1e6, 3), "Lon": p.Number(float64(pl.Position.LonE6)/1e6, 3)})
	}
	out.Trust = trOr(lang, "public.documented.trust_"+string(in.Trust), string(in.Trust))
	out.Source = trOr(lang, "public.documented.source_"+string(in.Source), string(in.Source))
	out.LowTrust = in.Trust == iltod.TrustLow
	if out.LowTrust {
		out.TrustNote = tr(lang, "public.documented.trust_low_note")
	}
	for _, l := range in.Actors {
		act, ok := v.actors[l.Actor]
		if !ok {
			continue
		}
		out.Actors = append(out.Actors, pubIncidentActor{
			Name: act.Name.In(lang, locales.Fallback),
			Kind: trOr(lang, "public.documented.actor_"+string(act.Kind), string(act.Kind)),
			Role: trOr(lang, "public.documented.role_"+string(l.Role), string(l.Role)),
		})
	}
	for i, ev := range in.Evidence {
		pe := pubIncidentEvidence{SHA256: ev.PlainSHA256, Short: ev.PlainSHA256[:12], MediaType: ev.MediaType}
		if ev.PublicSHA256 != "" {
			pe.PublicSHA256 = ev.PublicSHA256
			pe.Image = "/e/" + e.ID + "/evidence/" + ev.PublicSHA256
			pe.ImageAlt = tr(lang, "public.documented.evidence_alt", locales.Args{"N": i + 1, "Category": out.Category})
		}
		out.Evidence = append(out.Evidence, pe)
	}
	out.HasDetail = len(out.Actors) > 0 || len(out.Evidence) > 0
	return out
}

// countAxis is the axis of a chart of counts: whole numbers only, from 0 to the largest
// bar, about five ticks apart, so that a chart of few incidents shows no "0.5".
func countAxis(label string, rows []svgchart.BarRow) svgchart.Axis {
	most := 1.0
	for _, r := range rows {
		for _, v := range r.Values {
			most = max(most, v)
		}
	}
	step := math.Ceil(most / 5)
	hi := math.Ceil(most/step) * step
	var ticks []float64
	for v := 0.0; v <= hi; v += step {
		ticks = append(ticks, v)
	}
	return svgchart.Axis{Label: label, Min: 0, Max: hi, Ticks: ticks, Format: func(v float64) string { return strconv.Itoa(int(v)) }}
}
