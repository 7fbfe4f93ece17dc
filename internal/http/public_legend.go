package http

import (
	"math"
	"strconv"

	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/topomap"
)

// pubLegend is the legend of a map, which the template writes in HTML below the map, so
// that its text keeps the page's size when the map shrinks to a phone's width.
type pubLegend struct {
	Title   string
	Entries []pubLegendEntry
}

// pubLegendEntry is one swatch of a legend: a colour, or the hatching of regions without
// data when NoData is set.
type pubLegendEntry struct {
	Fill   string
	Label  string
	NoData bool
}

// coverageFill colours an aimag of the coverage map by the share of its stations with
// observers' results; "" (drawn hatched) for an aimag without stations.
func coverageFill(cov map[string]app.AreaCoverage) func(code string) string {
	return func(code string) string {
		c, ok := cov[code]
		if !ok || c.Stations == 0 {
			return ""
		}
		return topomap.Sequential(ratio(c.Results, c.Stations), 0, 1)
	}
}

// coverageLegend is the legend of coverageMap: five steps of its scale, and the hatching
// if an aimag has no stations; nil if the map cannot be drawn.
func coverageLegend(lang string, cov map[string]app.AreaCoverage) *pubLegend {
	fs, err := mongoliaMap()
	if err != nil || len(fs) == 0 {
		return nil
	}
	l := &pubLegend{Title: tr(lang, "public.map_legend")}
	for _, e := range topomap.SequentialLegend(0, 1, 5, func(v float64) string { return strconv.Itoa(int(math.Round(100*v))) + "%" }) {
		l.Entries = append(l.Entries, pubLegendEntry{Fill: e.Fill, Label: e.Label})
	}
	fill := coverageFill(cov)
	for _, f := range fs {
		if fill(topomap.ISOCode(f.ID)) == "" {
			l.Entries = append(l.Entries, pubLegendEntry{Label: tr(lang, "public.map_nodata"), NoData: true})
			break
		}
	}
	return l
}
