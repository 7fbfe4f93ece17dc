package svgchart

import (
	"encoding/xml"
	"hash/fnv"
	"html/template"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Colours. Text colours are at least 7:1 against white; mark colours at least 3:1.
const (
	textColour  = "#222"    // 15.9:1 on white
	mutedColour = "#555"    // 7.5:1 on white
	axisColour  = "#595959" // 7.0:1 on white
	gridColour  = "#e3e3e3"
	fontFamily  = "system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',sans-serif"
	fontSize    = 12.0
	defaultW    = 640
)

// palette is the default series colours: Okabe–Ito hues, colour-blind safe, each at
// least 3:1 against white (blue 5.2, vermillion 3.9, green 3.4, purple 3.1, ochre 4.9,
// grey 7.5).
var palette = []string{"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#8C6D00", "#555555"}

// dashes distinguishes line series without colour; series i uses dashes[i%len].
var dashes = []string{"", "7 4", "2 3", "9 3 2 3", "4 4", "12 3"}

// Axis describes one axis of a chart.
type Axis struct {
	// Label names the axis, e.g. "Turnout (%)"; it is drawn beside the axis.
	Label string
	// Min and Max give the range of the axis. When both are zero the range is chosen
	// from the data and widened to round tick values.
	Min, Max float64
	// Ticks are the values to label; nil chooses about five round values in range.
	// Ticks outside the range are not drawn.
	Ticks []float64
	// Unit is appended to numbers formatted by default, e.g. "%".
	Unit string
	// Format, if not nil, formats tick labels and values in tooltips instead of the
	// default (a compact decimal number followed by Unit).
	Format func(v float64) string
}

// scale maps data values in [lo, hi] to pixels in [p0, p1].
type scale struct{ lo, hi, p0, p1 float64 }

func (s scale) at(v float64) float64 {
	if s.hi == s.lo {
		return s.p0
	}
	return s.p0 + (v-s.lo)/(s.hi-s.lo)*(s.p1-s.p0)
}

// finite reports whether v is neither NaN nor infinite.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// niceStep returns a step of the form {1, 2, 5}·10^k giving about target intervals
// over span: span/target rounded to the nearest such step on a log scale.
func niceStep(span float64, target int) float64 {
	if !(span > 0) || !finite(span) {
		return 1
	}
	raw := span / float64(target)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	switch f := raw / mag; {
	case f < math.Sqrt2:
		return mag
	case f < math.Sqrt(10):
		return 2 * mag
	case f < math.Sqrt(50):
		return 5 * mag
	default:
		return 10 * mag
	}
}

// decimalsFor returns the number of decimals needed to write multiples of step.
func decimalsFor(step float64) int {
	d := 0
	for d < 6 && math.Abs(step*math.Pow(10, float64(d))-math.Round(step*math.Pow(10, float64(d)))) > 1e-9*math.Max(1, step*math.Pow(10, float64(d))) {
		d++
	}
	return d
}

// resolve returns the axis range and its ticks, using the data range [dlo, dhi] when
// the axis sets none. withZero includes 0 in an automatic range.
func (a Axis) resolve(dlo, dhi float64, withZero bool) (lo, hi float64, ticks []float64, dec int) {
	lo, hi = a.Min, a.Max
	var step float64
	if lo == 0 && hi == 0 || !finite(lo) || !finite(hi) {
		// Automatic: the data range, widened to multiples of the tick step.
		lo, hi = dlo, dhi
		if !finite(lo) || !finite(hi) || lo > hi {
			lo, hi = 0, 1
		}
		if withZero {
			lo, hi = math.Min(lo, 0), math.Max(hi, 0)
		}
		if lo == hi {
			if lo == 0 {
				hi = 1
			} else {
				lo, hi = lo-math.Abs(lo)/2, hi+math.Abs(hi)/2
			}
		}
		step = niceStep(hi-lo, 5)
		lo = math.Floor(lo/step+1e-9) * step
		hi = math.Ceil(hi/step-1e-9) * step
	} else {
		if lo > hi {
			lo, hi = hi, lo
		}
		if lo == hi {
			hi = lo + 1
		}
		step = niceStep(hi-lo, 5)
	}
	dec = decimalsFor(step)
	if a.Ticks != nil {
		for _, t := range a.Ticks {
			if finite(t) && t >= lo-1e-9 && t <= hi+1e-9 {
				ticks = append(ticks, t)
			}
		}
		dec = 0
		for _, t := range ticks {
			dec = max(dec, decimalsFor(t))
		}
		return lo, hi, ticks, dec
	}
	first := math.Ceil(lo/step - 1e-9)
	for k := first; k*step <= hi+step*1e-9 && len(ticks) < 50; k++ {
		ticks = append(ticks, k*step)
	}
	return lo, hi, ticks, dec
}

// tick formats an axis value for a tick label with dec decimals.
func (a Axis) tick(v float64, dec int) string {
	if a.Format != nil {
		return a.Format(v)
	}
	return strconv.FormatFloat(zero(v), 'f', dec, 64) + a.Unit
}

// value formats a data value for a label or tooltip with dec decimals, so that values
// written in a column line up.
func (a Axis) value(v float64, dec int) string {
	if a.Format != nil {
		return a.Format(v)
	}
	if !finite(v) {
		return "–"
	}
	return strconv.FormatFloat(zero(v), 'f', dec, 64) + a.Unit
}

// zero turns -0 into 0.
func zero(v float64) float64 {
	if v == 0 {
		return 0
	}
	return v
}

// compact formats v rounded to at most dec decimals, without trailing zeros.
func compact(v float64, dec int) string {
	if !finite(v) {
		return "0"
	}
	p := math.Pow(10, float64(dec))
	return strconv.FormatFloat(zero(math.Round(v*p)/p), 'f', -1, 64)
}

// num formats a coordinate with at most one decimal.
func num(v float64) string { return compact(v, 1) }

// valueDecimals returns the decimals used to show values: enough for the given values
// up to max.
func valueDecimals(vals ...float64) int {
	d := 0
	for _, v := range vals {
		if finite(v) {
			d = max(d, min(decimalsFor(v), 2))
		}
	}
	return d
}

// esc returns s escaped for XML text and attribute values; invalid UTF-8 and characters
// not allowed in XML become U+FFFD.
func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // writing to a strings.Builder never fails
	return b.String()
}

// textWidth estimates the width in pixels of s drawn at size.
func textWidth(s string, size float64) float64 {
	return float64(utf8.RuneCountInString(s)) * size * 0.6
}

// truncate shortens s to fit in width pixels at size, ending it with "…".
func truncate(s string, width, size float64) string {
	if textWidth(s, size) <= width {
		return s
	}
	n := int(width/(size*0.6)) - 1
	if n < 1 {
		return "…"
	}
	r := []rune(s)
	return string(r[:min(n, len(r))]) + "…"
}

// chartID returns id, or a stable id derived from the chart's kind and text.
func chartID(id, kind, title, desc string) string {
	if id != "" {
		return id
	}
	h := fnv.New32a()
	h.Write([]byte(kind + "\x00" + title + "\x00" + desc))
	return kind + "-" + strconv.FormatUint(uint64(h.Sum32()), 36)
}

// canvas accumulates SVG markup.
type canvas struct {
	strings.Builder
}

// open starts the <svg> element with its accessible name and description.
func (c *canvas) open(id, title, desc string, w, h float64) {
	c.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 `)
	c.WriteString(num(w) + " " + num(h))
	c.WriteString(`" width="100%" role="img" class="svgchart" aria-labelledby="`)
	c.WriteString(esc(id) + "-t")
	if desc != "" {
		c.WriteString(" " + esc(id) + "-d")
	}
	c.WriteString(`" font-family="` + fontFamily + `" font-size="12" fill="` + textColour + `">`)
	c.WriteString(`<title id="` + esc(id) + `-t">` + esc(title) + `</title>`)
	if desc != "" {
		c.WriteString(`<desc id="` + esc(id) + `-d">` + esc(desc) + `</desc>`)
	}
}

// close ends the <svg> element.
func (c *canvas) close() { c.WriteString(`</svg>`) }

// text draws s at (x, y); anchor is "start", "middle" or "end"; extra is raw attributes.
func (c *canvas) text(x, y float64, anchor, s, extra string) {
	c.WriteString(`<text x="` + num(x) + `" y="` + num(y) + `"`)
	if anchor != "" && anchor != "start" {
		c.WriteString(` text-anchor="` + anchor + `"`)
	}
	c.WriteString(extra + `>` + esc(s) + `</text>`)
}

// title writes a <title> child element.
func (c *canvas) title(s string) {
	c.WriteString(`<title>` + esc(s) + `</title>`)
}

// line draws a straight line.
func (c *canvas) line(x1, y1, x2, y2 float64, stroke string) {
	c.WriteString(`<path d="M` + num(x1) + " " + num(y1) + "L" + num(x2) + " " + num(y2) + `" stroke="` + stroke + `"/>`)
}

// rect writes the opening of a rect, without closing it; extra is raw attributes.
func (c *canvas) rect(x, y, w, h float64, fill, extra string) {
	c.WriteString(`<rect x="` + num(x) + `" y="` + num(y) + `" width="` + num(math.Max(w, 0)) + `" height="` + num(math.Max(h, 0)) + `" fill="` + esc(fill) + `"` + extra)
}

// xAxis draws ticks, tick labels, grid lines and the axis label along the bottom of the
// plot area (x0, y0)–(x1, y1).
func (c *canvas) xAxis(a Axis, s scale, ticks []float64, dec int, y0, y1 float64, grid bool) {
	c.WriteString(`<g class="axis x">`)
	for _, t := range ticks {
		x := s.at(t)
		if grid {
			c.line(x, y0, x, y1, gridColour)
		}
		c.line(x, y1, x, y1+4, axisColour)
		c.text(x, y1+16, "middle", a.tick(t, dec), "")
	}
	c.line(s.p0, y1, s.p1, y1, axisColour)
	if a.Label != "" {
		c.text((s.p0+s.p1)/2, y1+34, "middle", a.Label, ` fill="`+mutedColour+`"`)
	}
	c.WriteString(`</g>`)
}

// yAxis draws ticks, tick labels, grid lines and the axis label along the left of the
// plot area whose x extent is [x0, x1].
func (c *canvas) yAxis(a Axis, s scale, ticks []float64, dec int, x0, x1 float64, grid bool) {
	c.WriteString(`<g class="axis y">`)
	for _, t := range ticks {
		y := s.at(t)
		if grid {
			c.line(x0, y, x1, y, gridColour)
		}
		c.line(x0-4, y, x0, y, axisColour)
		c.text(x0-7, y+4, "end", a.tick(t, dec), "")
	}
	c.line(x0, s.p0, x0, s.p1, axisColour)
	if a.Label != "" {
		cy := (s.p0 + s.p1) / 2
		c.text(0, 0, "middle", a.Label, ` transform="translate(14 `+num(cy)+`) rotate(-90)" fill="`+mutedColour+`"`)
	}
	c.WriteString(`</g>`)
}

// tickWidth returns the widest tick label of an axis.
func tickWidth(a Axis, ticks []float64, dec int) float64 {
	w := 0.0
	for _, t := range ticks {
		w = math.Max(w, textWidth(a.tick(t, dec), fontSize))
	}
	return w
}

// legendItem is one entry of a legend: a swatch drawn by draw at (x, y), the top left
// of a 14×14 box, and a label.
type legendItem struct {
	draw  func(c *canvas, x, y float64)
	label string
}

// legendLayout places items in rows of at most width pixels from x; it returns each
// item's position and the total height.
func legendLayout(items []legendItem, x, width float64) (pos [][2]float64, height float64) {
	const row = 20
	cx, cy := x, 0.0
	for _, it := range items {
		w := 14 + 6 + textWidth(it.label, fontSize) + 16
		if cx > x && cx+w > x+width {
			cx, cy = x, cy+row
		}
		pos = append(pos, [2]float64{cx, cy})
		cx += w
	}
	if len(items) == 0 {
		return nil, 0
	}
	return pos, cy + row
}

// legend draws items at the positions from legendLayout, offset by y.
func (c *canvas) legend(items []legendItem, pos [][2]float64, y float64) {
	if len(items) == 0 {
		return
	}
	c.WriteString(`<g class="legend">`)
	for i, it := range items {
		x, yy := pos[i][0], y+pos[i][1]
		it.draw(c, x, yy)
		c.text(x+20, yy+11, "start", it.label, "")
	}
	c.WriteString(`</g>`)
}

// boxSwatch returns a legend swatch drawing a filled square.
func boxSwatch(fill string) func(c *canvas, x, y float64) {
	return func(c *canvas, x, y float64) {
		c.rect(x, y, 14, 14, fill, ` stroke="`+axisColour+`" stroke-width=".5"/>`)
	}
}

// contrastText returns black or white, whichever contrasts more with the colour hex
// ("#rgb" or "#rrggbb"); it returns black for colours it cannot parse.
func contrastText(hex string) string {
	r, g, b, ok := parseHex(hex)
	if !ok {
		return "#000"
	}
	l := luminance(r, g, b)
	if (1.05)/(l+0.05) > (l+0.05)/0.05 {
		return "#fff"
	}
	return "#000"
}

// parseHex parses "#rgb" or "#rrggbb".
func parseHex(s string) (r, g, b float64, ok bool) {
	if len(s) == 4 && s[0] == '#' {
		s = "#" + s[1:2] + s[1:2] + s[2:3] + s[2:3] + s[3:4] + s[3:4]
	}
	if len(s) != 7 || s[0] != '#' {
		return 0, 0, 0, false
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return 0, 0, 0, false
	}
	return float64(v>>16&255) / 255, float64(v>>8&255) / 255, float64(v&255) / 255, true
}

// luminance is the WCAG relative luminance of an sRGB colour with components in [0, 1].
func luminance(r, g, b float64) float64 {
	f := func(c float64) float64 {
		if c <= 0.03928 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*f(r) + 0.7152*f(g) + 0.0722*f(b)
}

// colour returns the caller's colour i, or the default palette's.
func colour(colours []string, i int) string {
	if i < len(colours) && colours[i] != "" {
		return colours[i]
	}
	return palette[i%len(palette)]
}

// Chart is implemented by every chart of the package.
type Chart interface {
	// SVG draws the chart as a complete <svg> element.
	SVG() template.HTML
}

var (
	_ Chart = Heatmap{}
	_ Chart = Histogram{}
	_ Chart = Lines{}
	_ Chart = Intervals{}
	_ Chart = Bars{}
)
