package http

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"strconv"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/analysis"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/locales"
)

// The station table (/e/{election}/stations): observers' and official results side by
// side, station by station, filtered by ?area=, ?contest= and ?differ=1, 100 a page.

// stationsPerPage is the number of station results on one page of the station table.
const stationsPerPage = 100

type pubStations struct {
	pubCommon
	Filter         pubFilter
	Rows           []pubStationRow
	Summary, Empty string
	Page, Pages    int
	PageOf         string
	Prev, Next     string
	CSV            string
	// HasPhotos is set when a row of the page has a protocol photo: the table then has a
	// column for them.
	HasPhotos bool
}

// pubFilter is the station table's filter form.
type pubFilter struct {
	Action, Lang            string
	AreaLabel, ContestLabel string
	DifferLabel, Submit     string
	Areas, Contests         []pubOption
	Differ                  bool
}

type pubStationRow struct {
	Station, Area, AreaHref, Contest string
	Exact                            bool
	Status                           string
	Figures                          []pubFigure
	// Photos are the photos of the station's posted result protocol.
	Photos []pubPhoto
}

// pubPhoto is one protocol photo beside a station's figures: its address, its alt text,
// a caption with the hash shortened, and the full hash as the title.
type pubPhoto struct {
	Src, Alt, Caption, Title string
}

type pubFigure struct {
	Label, Observed, Official, Diff string
	Differs                         bool
}

func (ps *publicSite) stations(w http.ResponseWriter, r *http.Request) {
	pe, p, ok := ps.start(w, r, "stations")
	if !ok {
		return
	}
	e := &pe.e
	snap, err := ps.snapshot(r.Context(), e.ID)
	if err != nil {
		ps.fail(w, r, e, err)
		return
	}
	q := r.URL.Query()
	area, contest, differ := q.Get("area"), q.Get("contest"), q.Get("differ") == "1"
	if area != "" {
		if _, ok := snap.pos[area]; !ok {
			ps.notFound(w, r, e, "error.no_area", locales.Args{"Election": e.ID, "Area": strconv.Quote(area)})
			return
		}
	}
	if contest != "" {
		if _, ok := pe.contest(contest); !ok {
			ps.notFound(w, r, e, "error.no_contest", locales.Args{"Election": e.ID, "Contest": strconv.Quote(contest)})
			return
		}
	}
	pageNo := 1
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			ps.fail(w, r, e, iltod.E(iltod.EInvalid, "error.page", nil))
			return
		}
		pageNo = n
	}
	ps.s.renderCached(w, r, "public_stations", p, func(ctx context.Context, p *page) error {
		rows, err := ps.s.app.Comparison(ctx, e.ID)
		if err != nil {
			return err
		}
		photos, err := ps.s.app.PublicStationPhotos(ctx, e.ID)
		if err != nil {
			return err
		}
		p.Data = buildStations(p.Lang, pe, snap, rows, photos, area, contest, differ, pageNo)
		return nil
	})
}

// buildStations gathers one page of the station table, with the stations' protocol photos
// (by station). A page past the last shows no rows and says so, with a link back to the
// first.
func buildStations(lang string, pe *publicElection, snap *areaSnapshot, all []analysis.StationComparison, photos map[string][]app.PhotoRef, area, contest string, differ bool, pageNo int) *pubStations {
	e := &pe.e
	d := &pubStations{pubCommon: common(e, lang, "stations"), Page: pageNo}
	d.CSV = "/api/v1/elections/" + e.ID + "/comparison?format=csv"

	// The filter form: the whole election and its regions, and the chosen area if deeper.
	f := pubFilter{Action: d.Base + "/stations", Lang: lang, Differ: differ}
	f.AreaLabel, f.ContestLabel = tr(lang, "public.filter_area"), tr(lang, "public.filter_contest")
	f.DifferLabel, f.Submit = tr(lang, "public.filter_differ"), tr(lang, "public.show")
	f.Areas = []pubOption{{Value: "", Label: tr(lang, "public.all_areas"), Selected: area == ""}}
	listed := map[string]bool{}
	for _, code := range snap.index.Children(snap.root.Code) {
		if i, ok := snap.pos[code]; ok {
			f.Areas = append(f.Areas, pubOption{Value: code, Label: snap.areas[i].Name.In(lang), Selected: code == area})
			listed[code] = true
		}
	}
	if area != "" && !listed[area] {
		f.Areas = append(f.Areas, pubOption{Value: area, Label: snap.areas[snap.pos[area]].Name.In(lang), Selected: true})
	}
	f.Contests = []pubOption{{Value: "", Label: tr(lang, "public.all_contests"), Selected: contest == ""}}
	for _, c := range byRank(pe.contests) {
		f.Contests = append(f.Contests, pubOption{Value: c.Code, Label: c.Name.In(lang), Selected: c.Code == contest})
	}
	d.Filter = f

	// The rows that pass the filter.
	var rows []*analysis.StationComparison
	for i := range all {
		sc := &all[i]
		if contest != "" && sc.Contest != contest {
			continue
		}
		if differ && sc.Exact {
			continue
		}
		if area != "" && !snap.index.Within(sc.Area, area) {
			continue
		}
		rows = append(rows, sc)
	}
	if differ {
		slices.SortStableFunc(rows, func(x, y *analysis.StationComparison) int { return cmp.Compare(y.D, x.D) })
	}
	d.Pages = max(1, (len(rows)+stationsPerPage-1)/stationsPerPage)
	d.PageOf = tr(lang, "public.page_of", locales.Args{"Page": strconv.Itoa(pageNo), "Pages": strconv.Itoa(d.Pages)})
	keep := []string{"area", area, "contest", contest}
	if differ {
		keep = append(keep, "differ", "1")
	}
	if pageNo > 1 {
		d.Prev = d.href("stations", append(keep, "page", strconv.Itoa(pageNo-1))...)
	}
	if len(rows) == 0 {
		if len(all) == 0 {
			d.Empty = tr(lang, "public.stations_none")
		} else {
			d.Empty = tr(lang, "public.stations_none_match")
		}
		d.Prev, d.Next = "", ""
		return d
	}
	if pageNo > d.Pages {
		d.Prev = d.href("stations", keep...)
		d.Empty = tr(lang, "public.page_past", locales.Args{"Pages": strconv.Itoa(d.Pages)})
		return d
	}
	if pageNo < d.Pages {
		d.Next = d.href("stations", append(keep, "page", strconv.Itoa(pageNo+1))...)
	}
	from, to := (pageNo-1)*stationsPerPage, min(pageNo*stationsPerPage, len(rows))
	d.Summary = tr(lang, "public.stations_summary", locales.Args{"From": formatCount(lang, int64(from+1)), "To": formatCount(lang, int64(to)), "Total": formatCount(lang, int64(len(rows)))})

	names := choiceNames(lang, e, pe.contests)
	contestName := make(map[string]string, len(pe.contests))
	for _, c := range pe.contests {
		contestName[c.Code] = c.Name.In(lang)
	}
	num := func(v *int64) string {
		if v == nil {
			return "—"
		}
		return formatCount(lang, *v)
	}
	for _, sc := range rows[from:to] {
		row := pubStationRow{Station: sc.Station, Contest: contestName[sc.Contest], Exact: sc.Exact}
		if i, ok := snap.pos[sc.Area]; ok {
			row.Area = snap.areas[i].Name.In(lang)
			row.AreaHref = d.href("areas/" + sc.Area)
		}
		if sc.Exact {
			row.Status = tr(lang, "public.same")
		} else {
			row.Status = locales.For(lang).N("public.differs_by", int(sc.D))
		}
		for _, fp := range sc.Figures {
			label := names[sc.Contest][fp.Figure]
			if label == "" {
				label = tr(lang, "public.figure_"+fp.Figure)
			}
			fig := pubFigure{Label: label, Observed: num(fp.Observed), Official: num(fp.Official)}
			if fp.Observed != nil && fp.Official != nil && *fp.Observed != *fp.Official {
				fig.Differs = true
				diff := *fp.Observed - *fp.Official
				fig.Diff = formatCount(lang, diff)
				if diff > 0 {
					fig.Diff = "+" + fig.Diff
				}
			}
			row.Figures = append(row.Figures, fig)
		}
		for _, ph := range photos[sc.Station] {
			row.Photos = append(row.Photos, pubPhoto{
				Src:     d.Base + "/photos/" + ph.Hex,
				Alt:     tr(lang, "public.photo.alt", locales.Args{"Station": sc.Station}),
				Caption: tr(lang, "public.photo.caption", locales.Args{"Short": ph.Short()}),
				Title:   tr(lang, "public.photo.title", locales.Args{"SHA256": ph.Hex}),
			})
			d.HasPhotos = true
		}
		d.Rows = append(d.Rows, row)
	}
	return d
}
