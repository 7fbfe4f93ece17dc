package svgchart

import (
	"html/template"
	"math"
)

// Intervals describes estimates with their 95% and 99% confidence intervals, one row
// each, with an optional official figure per row: a parallel vote tabulation's estimates
// against the official results.
type Intervals struct {
	// ID prefixes the ids of the chart's elements; it must be unique within the page.
	// If empty, an id is derived from Title and Desc.
	ID string
	// Title is the chart's accessible name and Desc its longer description.
	Title, Desc string
	// Axis is the horizontal value axis, in the units of the rows' values (for
	// percentages, multiply pvt.Estimate's fractions by 100 and set Unit "%"). An unset
	// range covers every interval and official figure.
	Axis Axis
	// Rows are drawn top to bottom.
	Rows []Interval
	// EstimateLabel, Interval95Label, Interval99Label and OfficialLabel name the marks
	// in the legend and tooltips; empty ones default to "Estimate", "95% interval",
	// "99% interval" and "Official".
	EstimateLabel, Interval95Label, Interval99Label, OfficialLabel string
	// Width is the width of the viewBox; 0 means 640. The height follows from the rows.
	Width int
}

// Interval is one row of an Intervals chart. Its fields match pvt.Estimate's.
type Interval struct {
	// Label names the row, e.g. a party; it is drawn left of the axis.
	Label string
	// Value is the estimate; [Low95, High95] and [Low99, High99] its intervals.
	Value, Low95, High95, Low99, High99 float64
	// Official is the official figure, drawn only if HasOfficial.
	Official    float64
	HasOfficial bool
}

// Interval colours.
const (
	ci95Colour     = "#0072B2"
	officialColour = "#D55E00"
)

// SVG draws the chart: per row a thin capped line for the 99% interval, a blue bar for
// the 95% interval, a vermillion diamond for the official figure and over it a white
// circle for the estimate, with the estimate written to the right and a tooltip giving
// all of them.
func (iv Intervals) SVG() template.HTML { return template.HTML(iv.draw()) }

func (iv Intervals) draw() string {
	names := [4]string{iv.EstimateLabel, iv.Interval95Label, iv.Interval99Label, iv.OfficialLabel}
	for i, d := range [4]string{"Estimate", "95% interval", "99% interval", "Official"} {
		if names[i] == "" {
			names[i] = d
		}
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	var vals []float64
	anyOfficial := false
	for _, r := range iv.Rows {
		for _, v := range []float64{r.Value, r.Low95, r.High95, r.Low99, r.High99} {
			if finite(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
				vals = append(vals, v)
			}
		}
		if r.HasOfficial && finite(r.Official) {
			anyOfficial = true
			lo, hi = math.Min(lo, r.Official), math.Max(hi, r.Official)
			vals = append(vals, r.Official)
		}
	}
	xlo, xhi, xt, xdec := iv.Axis.resolve(lo, hi, false)
	vdec := max(valueDecimals(vals...), xdec)

	items := []legendItem{
		{func(c *canvas, x, y float64) { estimateMark(c, x+7, y+7) }, names[0]},
		{func(c *canvas, x, y float64) { c.rect(x, y+3, 14, 8, ci95Colour, `/>`) }, names[1]},
		{func(c *canvas, x, y float64) { whisker(c, x, x+14, y+7) }, names[2]},
	}
	if anyOfficial {
		items = append(items, legendItem{func(c *canvas, x, y float64) { officialMark(c, x+7, y+7) }, names[3]})
	}

	w := float64(iv.Width)
	if w <= 0 {
		w = defaultW
	}
	labelW := 0.0
	for _, r := range iv.Rows {
		labelW = math.Max(labelW, textWidth(r.Label, fontSize))
	}
	labelW = math.Min(labelW, 0.35*w)
	valueW := 0.0
	for _, r := range iv.Rows {
		valueW = math.Max(valueW, textWidth(iv.Axis.value(r.Value, vdec), fontSize))
	}
	left := 8 + labelW + 12
	right := 12 + valueW + 8
	pw := math.Max(w-left-right, 40)
	pos, legendH := legendLayout(items, left, w-left-8)
	const rowH = 28.0
	top := 10 + legendH + 4
	ph := rowH * float64(max(len(iv.Rows), 1))
	bottom := 26.0
	if iv.Axis.Label != "" {
		bottom += 18
	}
	ht := top + ph + bottom

	id := chartID(iv.ID, "intervals", iv.Title, iv.Desc)
	var c canvas
	c.open(id, iv.Title, iv.Desc, w, ht)
	c.legend(items, pos, 8)
	sx := scale{xlo, xhi, left, left + pw}
	c.xAxis(iv.Axis, sx, xt, xdec, top, top+ph, true)
	clamp := func(v float64) float64 { return sx.at(math.Min(math.Max(v, xlo), xhi)) }

	c.WriteString(`<g class="rows">`)
	for i, r := range iv.Rows {
		cy := top + (float64(i)+0.5)*rowH
		c.WriteString(`<g class="row">`)
		c.text(left-12, cy+4, "end", truncate(r.Label, labelW, fontSize), "")
		if finite(r.Low99) && finite(r.High99) {
			whisker(&c, clamp(r.Low99), clamp(r.High99), cy)
		}
		if finite(r.Low95) && finite(r.High95) {
			x0, x1 := clamp(r.Low95), clamp(r.High95)
			c.rect(math.Min(x0, x1), cy-4, math.Abs(x1-x0), 8, ci95Colour, ` class="ci95"/>`)
		}
		if r.HasOfficial && finite(r.Official) {
			officialMark(&c, clamp(r.Official), cy)
		}
		if finite(r.Value) {
			estimateMark(&c, clamp(r.Value), cy)
			c.text(left+pw+12+valueW, cy+4, "end", iv.Axis.value(r.Value, vdec), "")
		}
		tip := r.Label + ": " + names[0] + " " + iv.Axis.value(r.Value, vdec) +
			"; " + names[1] + " " + iv.Axis.value(r.Low95, vdec) + "–" + iv.Axis.value(r.High95, vdec) +
			"; " + names[2] + " " + iv.Axis.value(r.Low99, vdec) + "–" + iv.Axis.value(r.High99, vdec)
		if r.HasOfficial && finite(r.Official) {
			tip += "; " + names[3] + " " + iv.Axis.value(r.Official, vdec)
		}
		c.rect(0, cy-rowH/2, w, rowH, "#fff", ` fill-opacity="0">`)
		c.title(tip)
		c.WriteString(`</rect></g>`)
	}
	c.WriteString(`</g>`)
	c.close()
	return c.String()
}

// whisker draws a horizontal line from x0 to x1 at y with end caps.
func whisker(c *canvas, x0, x1, y float64) {
	c.WriteString(`<path class="ci99" d="M` + num(x0) + " " + num(y) + "H" + num(x1) +
		"M" + num(x0) + " " + num(y-6) + "v12M" + num(x1) + " " + num(y-6) + `v12" stroke="` + axisColour + `" stroke-width="1.5" fill="none"/>`)
}

// estimateMark draws the estimate's circle centred on (x, y).
func estimateMark(c *canvas, x, y float64) {
	c.WriteString(`<circle class="estimate" cx="` + num(x) + `" cy="` + num(y) + `" r="4.5" fill="#fff" stroke="#000" stroke-width="2"/>`)
}

// officialMark draws the official figure's diamond centred on (x, y).
func officialMark(c *canvas, x, y float64) {
	c.WriteString(`<path class="official" d="M` + num(x) + " " + num(y-7) + `l6 7-6 7-6-7z" fill="` + officialColour + `" stroke="#000"/>`)
}
