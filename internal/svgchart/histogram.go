package svgchart

import (
	"html/template"
	"math"
	"strconv"
)

// Histogram describes vertical bars for a sequence of bins, such as the counts of last
// digits 0–9 or of stations by whole turnout percentage 0–100, with an optional
// expectation under a null model drawn over them.
type Histogram struct {
	// ID prefixes the ids of the chart's elements; it must be unique within the page.
	// If empty, an id is derived from Title and Desc.
	ID string
	// Title is the chart's accessible name and Desc its longer description.
	Title, Desc string
	// XLabel names the bins, e.g. "Last digit".
	XLabel string
	// Y is the value axis; when its range is unset it runs from 0 to above the largest
	// count or expected value plus two standard deviations.
	Y Axis
	// Counts are the bar heights, one per bin.
	Counts []float64
	// Labels name the bins (Labels[i] for bin i) on the x axis and in tooltips; bins
	// without a label are named by their index. When the labels do not all fit, every
	// 2nd, 5th, 10th … bin is labelled.
	Labels []string
	// Expected, if not nil, is the expected count of each bin, drawn as a black step;
	// SD, if not nil, is its standard deviation, drawn as a grey band of ±2 SD.
	Expected, SD []float64
	// Highlight, if not nil, reports the bins to highlight (for example multiples of 5):
	// their bars are vermillion, marked by a triangle under the axis, and their labels
	// bold.
	Highlight func(bin int) bool
	// SeriesLabel, HighlightLabel and ExpectedLabel name the bars, the highlighted bars
	// and the expectation in the legend and tooltips, e.g. "Observed", "Multiple of 5",
	// "Expected ± 2 SD". Empty labels leave their entry out of the legend.
	SeriesLabel, HighlightLabel, ExpectedLabel string
	// Width and Height give the size of the viewBox; 0 means 640 × 320.
	Width, Height int
}

// Bar colours: the plain bar and the highlighted bar.
const (
	barColour       = "#0072B2"
	highlightColour = "#D55E00"
)

// SVG draws the histogram. Each bin carries a tooltip with its label, count, expected
// value and whether it is highlighted.
func (h Histogram) SVG() template.HTML { return template.HTML(h.draw()) }

func (h Histogram) draw() string {
	n := len(h.Counts)
	at := func(s []float64, i int) (float64, bool) {
		if i < len(s) && finite(s[i]) {
			return s[i], true
		}
		return 0, false
	}
	label := func(i int) string {
		if i < len(h.Labels) && h.Labels[i] != "" {
			return h.Labels[i]
		}
		return strconv.Itoa(i)
	}
	high := func(i int) bool { return h.Highlight != nil && h.Highlight(i) }

	dmax, dmin := 0.0, 0.0
	var vals []float64
	for i := range n {
		if v, ok := at(h.Counts, i); ok {
			dmax, dmin = math.Max(dmax, v), math.Min(dmin, v)
			vals = append(vals, v)
		}
		if e, ok := at(h.Expected, i); ok {
			sd, _ := at(h.SD, i)
			dmax = math.Max(dmax, e+2*math.Abs(sd))
		}
	}
	ylo, yhi, yt, ydec := h.Y.resolve(dmin, dmax, true)
	vdec := valueDecimals(vals...)

	var items []legendItem
	if h.SeriesLabel != "" {
		items = append(items, legendItem{boxSwatch(barColour), h.SeriesLabel})
	}
	anyHigh := false
	for i := range n {
		anyHigh = anyHigh || high(i)
	}
	if h.HighlightLabel != "" && anyHigh {
		items = append(items, legendItem{func(c *canvas, x, y float64) {
			c.rect(x, y, 14, 14, highlightColour, `/>`)
			c.WriteString(`<path d="M` + num(x+3) + " " + num(y+14) + `l4-7 4 7z" fill="#000"/>`)
		}, h.HighlightLabel})
	}
	if h.ExpectedLabel != "" && h.Expected != nil {
		items = append(items, legendItem{func(c *canvas, x, y float64) {
			c.rect(x, y+2, 14, 10, "#000", ` fill-opacity=".2"/>`)
			c.line(x, y+7, x+14, y+7, "#000")
		}, h.ExpectedLabel})
	}

	w, ht := float64(h.Width), float64(h.Height)
	if w <= 0 {
		w = defaultW
	}
	if ht <= 0 {
		ht = 320
	}
	left := 8 + tickWidth(h.Y, yt, ydec) + 8
	if h.Y.Label != "" {
		left += 20
	}
	pos, legendH := legendLayout(items, left, w-left-8)
	top := 10 + legendH
	bottom := 34.0
	if h.XLabel != "" {
		bottom += 18
	}
	pw := math.Max(w-left-12, 40)
	ph := math.Max(ht-top-bottom, 40)
	ht = top + ph + bottom
	bw := pw / float64(max(n, 1))
	gap := 0.0
	if bw >= 4 {
		gap = math.Min(bw*0.2, 8)
	}

	id := chartID(h.ID, "histogram", h.Title, h.Desc)
	var c canvas
	c.open(id, h.Title, h.Desc, w, ht)
	c.legend(items, pos, 8)
	sy := scale{ylo, yhi, top + ph, top}
	c.yAxis(h.Y, sy, yt, ydec, left, left+pw, true)
	clamp := func(v float64) float64 { return math.Min(math.Max(v, ylo), yhi) }
	base := sy.at(clamp(0))
	axisY := top + ph

	// Bars.
	c.WriteString(`<g class="bars">`)
	for i := range n {
		v, ok := at(h.Counts, i)
		if !ok {
			continue
		}
		y := sy.at(clamp(v))
		fill := barColour
		if high(i) {
			fill = highlightColour
		}
		c.rect(left+float64(i)*bw+gap/2, math.Min(y, base), bw-gap, math.Abs(base-y), fill, `/>`)
	}
	c.WriteString(`</g>`)

	// Expectation: a ±2 SD band and a step at the expected value.
	if h.Expected != nil {
		c.WriteString(`<g class="expected">`)
		var band, step canvas
		for i := range n {
			e, ok := at(h.Expected, i)
			if !ok {
				continue
			}
			x0 := left + float64(i)*bw
			if sd, ok := at(h.SD, i); ok && sd != 0 {
				y0, y1 := sy.at(clamp(e+2*math.Abs(sd))), sy.at(clamp(e-2*math.Abs(sd)))
				band.WriteString("M" + num(x0) + " " + num(y0) + "h" + num(bw) + "V" + num(y1) + "h" + num(-bw) + "z")
			}
			step.WriteString("M" + num(x0) + " " + num(sy.at(clamp(e))) + "h" + num(bw))
		}
		if band.Len() > 0 {
			c.WriteString(`<path d="` + band.String() + `" fill="#000" fill-opacity=".2"/>`)
		}
		c.WriteString(`<path d="` + step.String() + `" stroke="#000" stroke-width="2" fill="none"/>`)
		c.WriteString(`</g>`)
	}

	// X axis: baseline, highlight triangles, labels.
	c.WriteString(`<g class="axis x">`)
	c.line(left, axisY, left+pw, axisY, axisColour)
	var tri canvas
	for i := range n {
		if high(i) {
			tri.WriteString("M" + num(left+(float64(i)+0.5)*bw-3) + " " + num(axisY+8) + "l3-6 3 6z")
		}
	}
	if tri.Len() > 0 {
		c.WriteString(`<path d="` + tri.String() + `" fill="#000"/>`)
	}
	widest := 0.0
	for i := range n {
		widest = math.Max(widest, textWidth(label(i), fontSize))
	}
	every := 1
	for _, e := range []int{1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000} {
		every = e
		if float64((n+e-1)/e)*(widest+8) <= pw {
			break
		}
	}
	for i := 0; i < n; i += every {
		extra := ""
		if high(i) {
			extra = ` font-weight="bold"`
		}
		c.text(left+(float64(i)+0.5)*bw, axisY+22, "middle", label(i), extra)
	}
	if h.XLabel != "" {
		c.text(left+pw/2, axisY+40, "middle", h.XLabel, ` fill="`+mutedColour+`"`)
	}
	c.WriteString(`</g>`)

	// Tooltips: a transparent column per bin, easier to point at than a short bar.
	c.WriteString(`<g class="tips" fill="#fff" fill-opacity="0">`)
	for i := range n {
		v, ok := at(h.Counts, i)
		if !ok {
			continue
		}
		tip := label(i) + ": " + h.Y.value(v, vdec)
		if h.SeriesLabel != "" {
			tip = label(i) + ": " + h.SeriesLabel + " " + h.Y.value(v, vdec)
		}
		if high(i) && h.HighlightLabel != "" {
			tip += " (" + h.HighlightLabel + ")"
		}
		if e, ok := at(h.Expected, i); ok {
			name := h.ExpectedLabel
			if name == "" {
				name = "expected"
			}
			tip += "; " + name + " " + h.Y.value(e, max(vdec, 1))
			if sd, ok := at(h.SD, i); ok && sd != 0 {
				tip += " ± " + h.Y.value(2*math.Abs(sd), max(vdec, 1))
			}
		}
		c.WriteString(`<rect x="` + num(left+float64(i)*bw) + `" y="` + num(top) + `" width="` + num(bw) + `" height="` + num(ph) + `">`)
		c.title(tip)
		c.WriteString(`</rect>`)
	}
	c.WriteString(`</g>`)
	c.close()
	return c.String()
}
