package topomap

import (
	"encoding/xml"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Options control Render. The zero value draws an unlabelled grey map 800 wide.
type Options struct {
	// Width is the width of the viewBox; 0 means 800. The height follows from the
	// projection and the legend.
	Width float64
	// Title is the map's accessible name and Desc its longer description.
	Title, Desc string
	// ID prefixes the ids of the map's own elements (title, description, hatching);
	// it must be unique within the page. Empty means "map".
	ID string
	// IDPrefix is put before each region's code to make its element id; empty means the
	// id is the code itself (id="MN-AR").
	IDPrefix string
	// Code maps a feature's ID to the region code used by the other options and written
	// as the path's id and data-code; nil means the ID itself (see ISOCode).
	Code func(id string) string
	// Fill returns a region's CSS colour, e.g. from Sequential; "" (or a nil Fill)
	// draws the region hatched as having no data.
	Fill func(code string) string
	// Label returns a region's tooltip and accessible name, e.g. "Архангай — 87%
	// reported"; nil or "" means the feature's Name, or its code if it has none.
	Label func(code string) string
	// Link returns the URL a region links to, or "" for none. Linked regions are
	// wrapped in <a>, so that keyboard users can reach them. Only relative URLs and
	// http and https URLs are linked.
	Link func(code string) string
	// Legend lists the colours to explain, below the map, headed by LegendTitle.
	Legend      []LegendEntry
	LegendTitle string
	// NoDataLabel, if not empty, adds the hatching to the legend under this label when
	// some region has no fill.
	NoDataLabel string
	// Tolerance is the simplification grid in pixels: positions are snapped to it and
	// positions that fall together are dropped. 0 means 0.5.
	Tolerance float64
}

// LegendEntry is one swatch of a map's legend.
type LegendEntry struct {
	Fill  string // CSS colour
	Label string
}

// ISOCode turns a Natural Earth admin-1 id into an ISO 3166-2 style code by replacing
// '.' with '-': "MN.AR" becomes "MN-AR". It suits Options.Code.
func ISOCode(id string) string { return strings.ReplaceAll(id, ".", "-") }

const (
	textColour = "#222"
	axisColour = "#595959"
	fontFamily = "system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',sans-serif"
)

// Render draws features as an SVG choropleth and returns the <svg> element, which is
// safe to place in an HTML page as is (template.HTML): all text and attribute values
// are escaped, and it has no scripts or style attributes.
//
// The projection is equirectangular with longitudes scaled by the cosine of the middle
// latitude, fitted to the width. Each feature is one path with fill-rule evenodd (so
// holes show the features within them), a white outline, an id and data-code from
// Options.Code and a <title> from Options.Label; with Options.Link it is wrapped in
// <a href> with an aria-label. The SVG has role="img", or role="group" when some region
// is linked so that its links stay reachable by assistive technology, and is labelled
// by its <title> and <desc>. Positions are snapped to a grid of Options.Tolerance pixels
// and written as relative integer moves, so shared borders stay shared and the output
// is small (Mongolia's 22 regions draw in about 25 KB).
func Render(features []Feature, opt Options) string {
	w := opt.Width
	if !(w > 0) || !finite(w) {
		w = 800
	}
	grid := opt.Tolerance
	if !(grid > 0) || !finite(grid) {
		grid = 0.5
	}
	id := opt.ID
	if id == "" {
		id = "map"
	}
	code := func(f Feature) string {
		if opt.Code != nil {
			return opt.Code(f.ID)
		}
		return f.ID
	}

	// Projection.
	lo := Point{math.Inf(1), math.Inf(1)}
	hi := Point{math.Inf(-1), math.Inf(-1)}
	for _, f := range features {
		if a, b, ok := f.Bounds(); ok {
			lo.Lon, lo.Lat = math.Min(lo.Lon, a.Lon), math.Min(lo.Lat, a.Lat)
			hi.Lon, hi.Lat = math.Max(hi.Lon, b.Lon), math.Max(hi.Lat, b.Lat)
		}
	}
	if lo.Lon > hi.Lon {
		lo, hi = Point{}, Point{1, 1}
	}
	const pad = 4.0
	k := math.Cos((lo.Lat + hi.Lat) / 2 * math.Pi / 180)
	if !(k > 0.05) {
		k = 0.05
	}
	spanX, spanY := (hi.Lon-lo.Lon)*k, hi.Lat-lo.Lat
	s := (w - 2*pad) / math.Max(spanX, 1e-9)
	if spanY*s > 4*w {
		s = 4 * w / math.Max(spanY, 1e-9)
	}
	mapH := spanY * s
	project := func(p Point) (int, int) {
		x := (p.Lon - lo.Lon) * k * s / grid
		y := (hi.Lat - p.Lat) * s / grid
		return int(math.Round(x)), int(math.Round(y))
	}

	// Legend layout.
	type item struct {
		fill, label string
		x, y        float64
	}
	var items []item
	noData := false
	for _, f := range features {
		if opt.Fill == nil || opt.Fill(code(f)) == "" {
			noData = true
		}
	}
	entries := opt.Legend
	if noData && opt.NoDataLabel != "" {
		entries = append(entries[:len(entries):len(entries)], LegendEntry{"", opt.NoDataLabel})
	}
	legendTop := pad + mapH + 12
	lx, ly := pad, legendTop
	if opt.LegendTitle != "" {
		ly += 20
	}
	for _, e := range entries {
		wd := 20 + textWidth(e.Label) + 16
		if lx > pad && lx+wd > w-pad {
			lx, ly = pad, ly+20
		}
		items = append(items, item{e.Fill, e.Label, lx, ly})
		lx += wd
	}
	h := pad + mapH + pad
	if len(items) > 0 || opt.LegendTitle != "" {
		h = ly + 20 + pad
	}

	linked := false
	if opt.Link != nil {
		for _, f := range features {
			if safeHref(opt.Link(code(f))) != "" {
				linked = true
			}
		}
	}
	role := "img"
	if linked {
		role = "group"
	}

	var b strings.Builder
	b.Grow(32 << 10)
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ` + num(w) + " " + num(h) + `" width="100%" role="` + role + `" class="topomap" aria-labelledby="` + esc(id) + `-t`)
	if opt.Desc != "" {
		b.WriteString(" " + esc(id) + "-d")
	}
	b.WriteString(`" font-family="` + fontFamily + `" font-size="12" fill="` + textColour + `">`)
	b.WriteString(`<title id="` + esc(id) + `-t">` + esc(opt.Title) + `</title>`)
	if opt.Desc != "" {
		b.WriteString(`<desc id="` + esc(id) + `-d">` + esc(opt.Desc) + `</desc>`)
	}
	hatch := esc(id) + "-nodata"
	if noData {
		// The hatching: grey lines 5 px apart, once in the regions' grid units and once
		// in pixels for the legend.
		b.WriteString(`<defs>`)
		for _, u := range []struct {
			id   string
			unit float64
		}{{hatch, 1 / grid}, {hatch + "-key", 1}} {
			size := num(5 * u.unit)
			b.WriteString(`<pattern id="` + u.id + `" width="` + size + `" height="` + size + `" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">` +
				`<rect width="` + size + `" height="` + size + `" fill="#f2f2f2"/><path d="M` + num(u.unit) + ` 0v` + size + `" stroke="#8c8c8c" stroke-width="` + num(u.unit) + `"/></pattern>`)
		}
		b.WriteString(`</defs>`)
	}
	b.WriteString(`<g class="regions" transform="translate(` + num(pad) + " " + num(pad) + `) scale(` + num(grid) + `)" stroke="#fff" stroke-width="` + num(1/grid) + `" stroke-linejoin="round" fill-rule="evenodd">`)
	for _, f := range features {
		c := code(f)
		fill := ""
		if opt.Fill != nil {
			fill = opt.Fill(c)
		}
		if fill == "" {
			fill = "url(#" + hatch + ")"
		}
		label := ""
		if opt.Label != nil {
			label = opt.Label(c)
		}
		if label == "" {
			label = f.Name
		}
		if label == "" {
			label = c
		}
		href := ""
		if opt.Link != nil {
			href = safeHref(opt.Link(c))
		}
		if href != "" {
			b.WriteString(`<a href="` + esc(href) + `" aria-label="` + esc(label) + `">`)
		}
		b.WriteString(`<path id="` + esc(opt.IDPrefix+c) + `" data-code="` + esc(c) + `" class="region" fill="` + esc(fill) + `" d="`)
		writePath(&b, f, project)
		b.WriteString(`"><title>` + esc(label) + `</title></path>`)
		if href != "" {
			b.WriteString(`</a>`)
		}
	}
	b.WriteString(`</g>`)

	if len(items) > 0 || opt.LegendTitle != "" {
		b.WriteString(`<g class="legend">`)
		if opt.LegendTitle != "" {
			b.WriteString(`<text x="` + num(pad) + `" y="` + num(legendTop+12) + `" font-weight="bold">` + esc(opt.LegendTitle) + `</text>`)
		}
		for _, it := range items {
			fill := esc(it.fill)
			if it.fill == "" {
				fill = "url(#" + hatch + "-key)"
			}
			b.WriteString(`<rect x="` + num(it.x) + `" y="` + num(it.y) + `" width="14" height="14" fill="` + fill + `" stroke="` + axisColour + `" stroke-width=".5"/>`)
			b.WriteString(`<text x="` + num(it.x+20) + `" y="` + num(it.y+11) + `">` + esc(it.label) + `</text>`)
		}
		b.WriteString(`</g>`)
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// writePath writes f's rings as path data in grid units: an absolute move to each
// ring's first position, then relative lines, dropping positions that snap onto the
// previous one and middle positions of straight runs. Rings that collapse to fewer than
// three positions are left out.
func writePath(b *strings.Builder, f Feature, project func(Point) (int, int)) {
	var pts [][2]int
	for _, poly := range f.Polygons {
		for _, r := range poly {
			pts = pts[:0]
			for _, p := range r {
				x, y := project(p)
				q := [2]int{x, y}
				if n := len(pts); n > 0 && pts[n-1] == q {
					continue
				}
				// Drop the middle of three positions in a straight line, same direction.
				if n := len(pts); n >= 2 {
					a, m := pts[n-2], pts[n-1]
					dx1, dy1, dx2, dy2 := m[0]-a[0], m[1]-a[1], q[0]-m[0], q[1]-m[1]
					if dx1*dy2 == dy1*dx2 && dx1*dx2+dy1*dy2 > 0 {
						pts[n-1] = q
						continue
					}
				}
				pts = append(pts, q)
			}
			if len(pts) > 1 && pts[len(pts)-1] == pts[0] {
				pts = pts[:len(pts)-1] // z closes the ring
			}
			if len(pts) < 3 {
				continue
			}
			b.WriteString("M" + strconv.Itoa(pts[0][0]) + " " + strconv.Itoa(pts[0][1]) + "l")
			for i := 1; i < len(pts); i++ {
				dx, dy := pts[i][0]-pts[i-1][0], pts[i][1]-pts[i-1][1]
				if i > 1 && dx >= 0 {
					b.WriteByte(' ')
				}
				b.WriteString(strconv.Itoa(dx))
				if dy >= 0 {
					b.WriteByte(' ')
				}
				b.WriteString(strconv.Itoa(dy))
			}
			b.WriteString("z")
		}
	}
}

// safeHref returns u if it is a relative URL or an http or https URL, and "" otherwise
// (javascript:, data: and other schemes).
func safeHref(u string) string {
	// Browsers ignore leading and embedded tabs, newlines and control characters when
	// they look for a scheme; so must we.
	var clean strings.Builder
	for _, r := range u {
		if r > ' ' && r != 0x7f {
			clean.WriteRune(r)
		}
	}
	c := strings.ToLower(clean.String())
	if c == "" {
		return ""
	}
	if i := strings.IndexAny(c, ":/?#"); i >= 0 && c[i] == ':' {
		if !strings.HasPrefix(c, "http:") && !strings.HasPrefix(c, "https:") {
			return ""
		}
	}
	return u
}

// esc escapes s for XML text and attribute values.
func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // writing to a strings.Builder never fails
	return b.String()
}

// num formats a coordinate with at most two decimals.
func num(v float64) string { return formatFloat(math.Round(v*100) / 100) }

// textWidth estimates the width in pixels of s at 12px.
func textWidth(s string) float64 { return float64(utf8.RuneCountInString(s)) * 7.2 }
