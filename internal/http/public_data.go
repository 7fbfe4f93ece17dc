package http

import (
	"context"
	"net/http"
)

// The open-data page (/e/{election}/data): the downloads of the API, the verifiable
// dataset and the log's tiles.

type pubData struct {
	pubCommon
	Election  string
	Releases  []pubRelease
	Official  []pubDownload
	Observed  []pubDownload
	Analysis  []pubDownload
	Reference []pubDownload
}

// pubDownload is one link to data: what it is, its format, and the address.
type pubDownload struct{ Label, Format, Href string }

func (ps *publicSite) data(w http.ResponseWriter, r *http.Request) {
	pe, p, ok := ps.start(w, r, "data")
	if !ok {
		return
	}
	e := &pe.e
	ps.s.renderCached(w, r, "public_data", p, func(ctx context.Context, p *page) error {
		rels, err := ps.s.app.OfficialReleases(ctx, e.ID)
		if err != nil {
			return err
		}
		lang := p.Lang
		d := &pubData{pubCommon: common(e, lang, "data"), Election: e.ID}
		api := "/api/v1/elections/" + e.ID
		for _, rel := range rels {
			d.Releases = append(d.Releases, pubRelease{
				Version: rel.Version, Source: rel.Source, Note: rel.Note,
				Published: rel.Published.UTC().Format("2006-01-02 15:04 UTC"),
				Results:   formatCount(lang, int64(rel.Results)), Totals: formatCount(lang, int64(rel.Totals)),
			})
		}
		if len(rels) > 0 {
			d.Official = []pubDownload{
				{tr(lang, "public.dl_official"), "CSV", api + "/official/latest?format=csv"},
				{tr(lang, "public.dl_official"), "NIST SP 1500-100 JSON", api + "/official/latest?format=nist"},
				{tr(lang, "public.dl_official"), "JSON", api + "/official/latest"},
				{tr(lang, "public.dl_releases"), "JSON", api + "/official"},
			}
		}
		d.Observed = []pubDownload{
			{tr(lang, "public.dl_observed"), "CSV", api + "/observed?format=csv"},
			{tr(lang, "public.dl_observed"), "NIST SP 1500-100 JSON", api + "/observed?format=nist"},
			{tr(lang, "public.dl_comparison"), "CSV", api + "/comparison?format=csv"},
			{tr(lang, "public.dl_comparison"), "JSON", api + "/comparison"},
		}
		d.Analysis = []pubDownload{
			{tr(lang, "public.dl_analysis"), "JSON", api + "/analysis"},
			{tr(lang, "public.dl_pvt"), "JSON", api + "/analysis/pvt"},
			{tr(lang, "public.dl_forensics"), "JSON", api + "/analysis/forensics"},
			{tr(lang, "public.dl_seats"), "JSON", api + "/analysis/seats"},
		}
		d.Reference = []pubDownload{
			{tr(lang, "public.dl_election"), "JSON", api},
			{tr(lang, "public.dl_areas"), "JSON", api + "/areas"},
			{tr(lang, "public.dl_stations"), "JSON", api + "/stations"},
			{tr(lang, "public.dl_contests"), "JSON", api + "/contests"},
			{tr(lang, "public.documented.dl_incidents"), "JSON", api + "/incidents"},
			{tr(lang, "public.documented.dl_incidents"), "CSV", api + "/incidents?format=csv"},
		}
		p.Data = d
		return nil
	})
}
