package svgchart

import (
	"html/template"
	"math"
)

// Lines describes one or more series of points joined by lines, such as the cumulative
// share of votes against turnout.
type Lines struct {
	// ID prefixes the ids of the chart's elements; it must be unique within the page.
	// If empty, an id is derived from Title and Desc.
	ID string
	// Title is the chart's accessible name and Desc its longer description.
	Title, Desc string
	// X and Y are the axes; an unset range is chosen from the data. Points outside a
	// range set by the caller are clipped.
	X, Y Axis
	// Series are drawn in order; series i has the i-th palette colour (unless it sets
	// its own), the i-th dash pattern and the i-th marker shape (circle, square,
	// diamond, triangle).
	Series []Series
	// Width and Height give the size of the viewBox; 0 means 640 × 360.
	Width, Height int
}

// Series is one line of a Lines chart.
type Series struct {
	// Name labels the series in the legend and its points' tooltips; a chart whose
	// series are all unnamed has no legend.
	Name string
	// Points are joined in order; a point with a non-finite coordinate breaks the line.
	Points []Point
	// Colour is a CSS colour such as "#0072B2"; empty means the palette's.
	Colour string
}

// Point is a point of a Series, in axis units.
type Point struct{ X, Y float64 }

// marker writes a marker of shape i centred on (x, y), opening an element that the
// caller closes with closeMarker.
func marker(c *canvas, shape int, x, y float64) {
	switch shape % 4 {
	case 0:
		c.WriteString(`<circle cx="` + num(x) + `" cy="` + num(y) + `" r="3">`)
	case 1:
		c.WriteString(`<rect x="` + num(x-2.7) + `" y="` + num(y-2.7) + `" width="5.4" height="5.4">`)
	case 2:
		c.WriteString(`<path d="M` + num(x) + " " + num(y-3.8) + `l3.8 3.8-3.8 3.8-3.8-3.8z">`)
	default:
		c.WriteString(`<path d="M` + num(x) + " " + num(y-3.6) + `l3.6 6.2h-7.2z">`)
	}
}

func closeMarker(c *canvas, shape int) {
	switch shape % 4 {
	case 0:
		c.WriteString(`</circle>`)
	case 1:
		c.WriteString(`</rect>`)
	default:
		c.WriteString(`</path>`)
	}
}

// SVG draws the chart: a line per series, a tooltip per point (on a marker, of which
// about 20 a series are visible), and a legend naming each series by colour, dash and
// marker shape.
func (l Lines) SVG() template.HTML { return template.HTML(l.draw()) }

func (l Lines) draw() string {
	xmin, xmax := math.Inf(1), math.Inf(-1)
	ymin, ymax := math.Inf(1), math.Inf(-1)
	var xs, ys []float64
	named := false
	for _, s := range l.Series {
		named = named || s.Name != ""
		for _, p := range s.Points {
			if finite(p.X) && finite(p.Y) {
				xmin, xmax = math.Min(xmin, p.X), math.Max(xmax, p.X)
				ymin, ymax = math.Min(ymin, p.Y), math.Max(ymax, p.Y)
				xs, ys = append(xs, p.X), append(ys, p.Y)
			}
		}
	}
	xlo, xhi, xt, xdec := l.X.resolve(xmin, xmax, false)
	ylo, yhi, yt, ydec := l.Y.resolve(ymin, ymax, false)
	xv, yv := max(valueDecimals(xs...), xdec), max(valueDecimals(ys...), ydec+1)

	var items []legendItem
	if named {
		for i, s := range l.Series {
			col := s.Colour
			if col == "" {
				col = palette[i%len(palette)]
			}
			items = append(items, legendItem{func(c *canvas, x, y float64) {
				c.WriteString(`<path d="M` + num(x-4) + " " + num(y+7) + "h22" + `" stroke="` + esc(col) + `" stroke-width="2"`)
				if d := dashes[i%len(dashes)]; d != "" {
					c.WriteString(` stroke-dasharray="` + d + `"`)
				}
				c.WriteString(`/><g fill="` + esc(col) + `">`)
				marker(c, i, x+7, y+7)
				closeMarker(c, i)
				c.WriteString(`</g>`)
			}, s.Name})
		}
	}

	w, ht := float64(l.Width), float64(l.Height)
	if w <= 0 {
		w = defaultW
	}
	if ht <= 0 {
		ht = 360
	}
	left := 8 + tickWidth(l.Y, yt, ydec) + 8
	if l.Y.Label != "" {
		left += 20
	}
	right := math.Max(12, tickWidth(l.X, xt[len(xt)-1:], xdec)/2+4)
	pos, legendH := legendLayout(items, left+4, w-left-right)
	top := 12 + legendH
	bottom := 26.0
	if l.X.Label != "" {
		bottom += 18
	}
	pw := math.Max(w-left-right, 40)
	ph := math.Max(ht-top-bottom, 40)
	ht = top + ph + bottom

	id := chartID(l.ID, "lines", l.Title, l.Desc)
	var c canvas
	c.open(id, l.Title, l.Desc, w, ht)
	c.legend(items, pos, 8)
	sx := scale{xlo, xhi, left, left + pw}
	sy := scale{ylo, yhi, top + ph, top}
	c.xAxis(l.X, sx, xt, xdec, top, top+ph, true)
	c.yAxis(l.Y, sy, yt, ydec, left, left+pw, true)

	clip := esc(id) + "-clip"
	c.WriteString(`<clipPath id="` + clip + `">`)
	c.rect(left-4, top-4, pw+8, ph+8, "#fff", `/>`)
	c.WriteString(`</clipPath><g class="series" clip-path="url(#` + clip + `)" fill="none" stroke-width="2" stroke-linejoin="round">`)
	inside := func(p Point) bool {
		return p.X >= math.Min(xlo, xhi) && p.X <= math.Max(xlo, xhi) && p.Y >= math.Min(ylo, yhi) && p.Y <= math.Max(ylo, yhi)
	}
	for i, s := range l.Series {
		col := s.Colour
		if col == "" {
			col = palette[i%len(palette)]
		}
		var d canvas
		pen := false
		for _, p := range s.Points {
			if !finite(p.X) || !finite(p.Y) {
				pen = false
				continue
			}
			if pen {
				d.WriteString("L")
			} else {
				d.WriteString("M")
				pen = true
			}
			d.WriteString(num(sx.at(p.X)) + " " + num(sy.at(p.Y)))
		}
		c.WriteString(`<path d="` + d.String() + `" stroke="` + esc(col) + `"`)
		if da := dashes[i%len(dashes)]; da != "" {
			c.WriteString(` stroke-dasharray="` + da + `"`)
		}
		c.WriteString(`/>`)
	}
	c.WriteString(`</g>`)
	// Markers: every point has a tooltip; on a dense series only about 20 markers are
	// visible (staggered between series) and the others are transparent.
	for i, s := range l.Series {
		col := s.Colour
		if col == "" {
			col = palette[i%len(palette)]
		}
		every := max(1, (len(s.Points)+19)/20)
		offset := i * every / max(1, len(l.Series))
		for _, visible := range []bool{true, false} {
			open := false
			for j, p := range s.Points {
				if !finite(p.X) || !finite(p.Y) || !inside(p) || ((j+offset)%every == 0) != visible {
					continue
				}
				if !open {
					c.WriteString(`<g class="points" fill="` + esc(col) + `"`)
					if !visible {
						c.WriteString(` fill-opacity="0"`)
					}
					c.WriteString(`>`)
					open = true
				}
				marker(&c, i, sx.at(p.X), sy.at(p.Y))
				tip := l.X.value(p.X, xv) + ", " + l.Y.value(p.Y, yv)
				if s.Name != "" {
					tip = s.Name + ": " + tip
				}
				c.title(tip)
				closeMarker(&c, i)
			}
			if open {
				c.WriteString(`</g>`)
			}
		}
	}
	c.close()
	return c.String()
}
