package svgchart

import (
	"html/template"
	"math"
)

// Bars describes horizontal bars, simple or stacked: seats per party, incidents per
// category, reporting coverage per region.
type Bars struct {
	// ID prefixes the ids of the chart's elements; it must be unique within the page.
	// If empty, an id is derived from Title and Desc.
	ID string
	// Title is the chart's accessible name and Desc its longer description.
	Title, Desc string
	// Axis is the horizontal value axis; an unset range runs from 0 to above the largest
	// row total.
	Axis Axis
	// Segments name the parts of a stacked bar (Values[k] of every row is segment k) for
	// the legend and tooltips. With no segments, or one, the bars are simple and there
	// is no legend.
	Segments []string
	// Colours are the segments' CSS colours; missing ones come from the palette.
	Colours []string
	// Rows are drawn top to bottom.
	Rows []BarRow
	// Width is the width of the viewBox; 0 means 640. The height follows from the rows.
	Width int
}

// BarRow is one bar of a Bars chart.
type BarRow struct {
	// Label names the bar; it is drawn left of the axis.
	Label string
	// Values are the bar's segments, stacked left to right. Negative and non-finite
	// values count as 0.
	Values []float64
}

// SVG draws the chart: per row a bar of one rectangle per segment, the row's total at
// its end, each segment's value inside it where it fits (in black or white, whichever
// contrasts more), and a tooltip per segment.
func (b Bars) SVG() template.HTML { return template.HTML(b.draw()) }

func (b Bars) draw() string {
	value := func(v float64) float64 {
		if finite(v) && v > 0 {
			return v
		}
		return 0
	}
	stacked := len(b.Segments) > 1
	totals := make([]float64, len(b.Rows))
	var vals []float64
	maxTotal := 0.0
	for i, r := range b.Rows {
		for _, v := range r.Values {
			totals[i] += value(v)
			vals = append(vals, value(v))
		}
		maxTotal = math.Max(maxTotal, totals[i])
	}
	xlo, xhi, xt, xdec := b.Axis.resolve(0, maxTotal, true)
	vdec := valueDecimals(vals...)

	var items []legendItem
	if stacked {
		for k, s := range b.Segments {
			items = append(items, legendItem{boxSwatch(colour(b.Colours, k)), s})
		}
	}

	w := float64(b.Width)
	if w <= 0 {
		w = defaultW
	}
	labelW := 0.0
	for _, r := range b.Rows {
		labelW = math.Max(labelW, textWidth(r.Label, fontSize))
	}
	labelW = math.Min(labelW, 0.35*w)
	valueW := 0.0
	for _, t := range totals {
		valueW = math.Max(valueW, textWidth(b.Axis.value(t, vdec), fontSize))
	}
	left := 8 + labelW + 10
	right := math.Max(1.1*valueW+14, tickWidth(b.Axis, xt[len(xt)-1:], xdec)/2+4) // totals are bold
	pw := math.Max(w-left-right, 40)
	pos, legendH := legendLayout(items, left, w-left-8)
	const rowH, barH = 26.0, 18.0
	top := 10 + legendH + 4
	ph := rowH * float64(max(len(b.Rows), 1))
	bottom := 26.0
	if b.Axis.Label != "" {
		bottom += 18
	}
	ht := top + ph + bottom

	id := chartID(b.ID, "bars", b.Title, b.Desc)
	var c canvas
	c.open(id, b.Title, b.Desc, w, ht)
	c.legend(items, pos, 8)
	sx := scale{xlo, xhi, left, left + pw}
	c.xAxis(b.Axis, sx, xt, xdec, top, top+ph, true)
	clamp := func(v float64) float64 { return sx.at(math.Min(math.Max(v, xlo), xhi)) }

	c.WriteString(`<g class="bars">`)
	for i, r := range b.Rows {
		cy := top + (float64(i)+0.5)*rowH
		c.WriteString(`<g class="row">`)
		c.text(left-10, cy+4, "end", truncate(r.Label, labelW, fontSize), "")
		acc := 0.0
		for k, v := range r.Values {
			v = value(v)
			x0, x1 := clamp(acc), clamp(acc+v)
			acc += v
			if v == 0 {
				continue
			}
			fill := colour(b.Colours, k)
			c.rect(x0, cy-barH/2, x1-x0, barH, fill, ` stroke="#fff" stroke-width=".5">`)
			tip := r.Label + ": " + b.Axis.value(v, vdec)
			if stacked && k < len(b.Segments) {
				tip = r.Label + " — " + b.Segments[k] + ": " + b.Axis.value(v, vdec)
			}
			c.title(tip)
			c.WriteString(`</rect>`)
			if s := b.Axis.value(v, vdec); stacked && textWidth(s, 11)+6 <= x1-x0 {
				c.text((x0+x1)/2, cy+4, "middle", s, ` font-size="11" fill="`+contrastText(fill)+`"`)
			}
		}
		c.text(clamp(totals[i])+6, cy+4, "start", b.Axis.value(totals[i], vdec), ` font-weight="bold"`)
		c.WriteString(`</g>`)
	}
	c.WriteString(`</g>`)
	c.line(left, top, left, top+ph, axisColour)
	c.close()
	return c.String()
}
