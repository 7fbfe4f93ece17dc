package http

import (
	"bytes"
	"strings"
	"testing"

	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/topomap"
)

// TestCoverageLegend checks the map's HTML legend: the five steps of the colour scale the
// map uses, and the hatching only when an aimag has no stations; and that the map's SVG no
// longer draws a legend of its own, whose text shrank with the map.
func TestCoverageLegend(t *testing.T) {
	fs, err := mongoliaMap()
	if err != nil || len(fs) == 0 {
		t.Fatalf("the map of Mongolia: %d features, %v", len(fs), err)
	}
	cov := map[string]app.AreaCoverage{}
	for i, f := range fs {
		code := topomap.ISOCode(f.ID)
		cov[code] = app.AreaCoverage{Area: code, Stations: 10, Results: i % 11}
	}
	for _, lang := range pageLangs {
		l := coverageLegend(lang, cov)
		if l == nil || l.Title != tr(lang, "public.map_legend") {
			t.Fatalf("%s: legend %+v", lang, l)
		}
		want := []string{"0%", "25%", "50%", "75%", "100%"}
		if len(l.Entries) != len(want) {
			t.Fatalf("%s: %d entries, want %d (no hatching while every aimag has stations): %+v", lang, len(l.Entries), len(want), l.Entries)
		}
		for i, e := range l.Entries {
			if e.Label != want[i] || e.NoData || e.Fill != topomap.Sequential(float64(i)/4, 0, 1) {
				t.Errorf("%s: entry %d = %+v, want %s in the map's colour", lang, i, e, want[i])
			}
		}
	}

	empty := topomap.ISOCode(fs[0].ID)
	cov[empty] = app.AreaCoverage{Area: empty}
	l := coverageLegend("mn", cov)
	last := l.Entries[len(l.Entries)-1]
	if len(l.Entries) != 6 || !last.NoData || last.Label != tr("mn", "public.map_nodata") {
		t.Errorf("with %s without stations: entries %+v, want the hatching last", empty, l.Entries)
	}

	d := &pubResults{}
	svg := string(coverageMap("en", d, cov))
	if !strings.HasPrefix(svg, "<svg") || strings.Contains(svg, `class="legend"`) || strings.Contains(svg, tr("en", "public.map_legend")) {
		t.Errorf("the map's SVG draws a legend of its own:\n%.300s", svg)
	}

	// The template writes the legend as a list named by its title, with a swatch each.
	var b bytes.Buffer
	err = webTemplates.ExecuteTemplate(&b, "public_results", &page{Lang: "mn", Data: &pubResults{Map: svg1x1, MapLegend: l}})
	if err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, want := range []string{
		`<p id="map-legend-h">` + l.Title + `</p>`,
		`<ul aria-labelledby="map-legend-h">`,
		`fill="` + l.Entries[0].Fill + `"`,
		`<pattern id="map-legend-nodata"`,
		`fill="url(#map-legend-nodata)"`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the overview lacks %q", want)
		}
	}
	if n := strings.Count(html, `<svg class="swatch"`); n != len(l.Entries) {
		t.Errorf("the legend has %d swatches, want %d", n, len(l.Entries))
	}
}

// svg1x1 stands for a map in a page.
const svg1x1 = `<svg viewBox="0 0 1 1" role="img" aria-label="map"></svg>`
