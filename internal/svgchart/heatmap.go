package svgchart

import (
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Heatmap describes a two-dimensional histogram of counts, such as the turnout ×
// vote-share "fingerprint" of an election (stats/forensics.Fingerprint: 101 × 101 bins).
type Heatmap struct {
	// ID prefixes the ids of the chart's elements; it must be unique within the page.
	// If empty, an id is derived from Title and Desc.
	ID string
	// Title is the chart's accessible name and Desc its longer description.
	Title, Desc string
	// X and Y are the axes. The bins of each axis divide [Min, Max] into equal parts;
	// when Min and Max are both zero the range is [0, number of bins]. For 1% bins
	// centred on whole percentages 0…100, use Min −0.5 and Max 100.5.
	X, Y Axis
	// Counts[i][j] is the count in x bin i and y bin j, so that a
	// forensics.Fingerprint's Counts[turnout][share] plots turnout across and share up.
	// Rows may differ in length; missing, zero and negative counts are not drawn.
	Counts [][]int
	// Downsample, if above 1, merges blocks of Downsample × Downsample bins into one
	// cell (adding their counts) to make the output smaller. When the number of bins is
	// not a multiple of Downsample, the last cell of each axis extends past Max.
	Downsample int
	// Levels is the number of colour levels, 2 to 16; 0 means 8.
	Levels int
	// Log spaces the levels' bounds geometrically rather than evenly, which suits counts
	// with a long tail.
	Log bool
	// LegendLabel names what is counted, e.g. "Polling stations"; it heads the legend
	// and begins each level's tooltip.
	LegendLabel string
	// CellTitle, if not nil, gives every drawn cell its own tooltip with the text it
	// returns. This costs about 70 bytes a cell; without it, cells of one colour level
	// share the level's tooltip and the output is about 7 bytes a cell.
	CellTitle func(c Cell) string
	// Width is the width of the viewBox; 0 means 640.
	Width int
}

// Cell is one drawn cell of a Heatmap: the bins [X0, X1) × [Y0, Y1) and their total count.
type Cell struct {
	X0, X1, Y0, Y1 int
	Count          int
}

// heatLevels are the colour levels of a heat map: level k holds counts in
// [lo(k), hi[k]], where lo(0) = 1 and lo(k) = hi[k−1]+1; a level may be empty.
type heatLevels struct {
	hi      []int
	colours []string
}

func newHeatLevels(maxCount, n int, logScale bool) heatLevels {
	lv := heatLevels{hi: make([]int, n), colours: make([]string, n)}
	for k := range n {
		var h float64
		if logScale {
			h = math.Floor(math.Pow(float64(maxCount), float64(k+1)/float64(n)) + 1e-9)
		} else {
			h = math.Floor(float64(maxCount) * float64(k+1) / float64(n))
		}
		lv.hi[k] = int(h)
		if k > 0 && lv.hi[k] < lv.hi[k-1] {
			lv.hi[k] = lv.hi[k-1]
		}
		// Darker means more: the fewest are light green, the most dark purple.
		t := 0.88
		if n > 1 {
			t = 0.88 * (1 - float64(k)/float64(n-1))
		}
		lv.colours[k] = Viridis(t)
	}
	lv.hi[n-1] = maxCount
	return lv
}

// level returns the level of count c ≥ 1.
func (lv heatLevels) level(c int) int {
	for k, h := range lv.hi {
		if c <= h {
			return k
		}
	}
	return len(lv.hi) - 1
}

// lo returns the smallest count of level k.
func (lv heatLevels) lo(k int) int {
	if k == 0 {
		return 1
	}
	return lv.hi[k-1] + 1
}

// label returns the range of counts of level k, e.g. "4–9" or "5".
func (lv heatLevels) label(k int) string {
	lo, hi := lv.lo(k), lv.hi[k]
	if lo == hi {
		return strconv.Itoa(lo)
	}
	return strconv.Itoa(lo) + "–" + strconv.Itoa(hi)
}

// SVG draws the heat map. Each cell with a positive count is filled with the viridis
// colour of its level (darker means more), the cells of one level forming a single path
// with the level's range as its tooltip; a legend lists every non-empty level's range.
func (h Heatmap) SVG() template.HTML { return template.HTML(h.draw()) }

func (h Heatmap) draw() string {
	k := max(h.Downsample, 1)
	nx, ny := len(h.Counts), 0
	for _, col := range h.Counts {
		ny = max(ny, len(col))
	}
	nx, ny = max(nx, 1), max(ny, 1)
	nxc, nyc := (nx+k-1)/k, (ny+k-1)/k
	cells := make([]int, nxc*nyc) // cells[I*nyc+J]
	maxCount := 0
	for i, col := range h.Counts {
		for j, c := range col {
			if c > 0 {
				p := &cells[(i/k)*nyc+j/k]
				if *p > math.MaxInt-c {
					*p = math.MaxInt
				} else {
					*p += c
				}
				maxCount = max(maxCount, *p)
			}
		}
	}
	nLevels := h.Levels
	if nLevels == 0 {
		nLevels = 8
	}
	nLevels = min(max(nLevels, 2), 16)
	lv := newHeatLevels(max(maxCount, 1), nLevels, h.Log)

	xa, ya := h.X, h.Y
	if xa.Min == 0 && xa.Max == 0 || !finite(xa.Min) || !finite(xa.Max) || xa.Min >= xa.Max {
		xa.Min, xa.Max = 0, float64(nx)
	}
	if ya.Min == 0 && ya.Max == 0 || !finite(ya.Min) || !finite(ya.Max) || ya.Min >= ya.Max {
		ya.Min, ya.Max = 0, float64(ny)
	}
	xlo, xhi, xt, xdec := xa.resolve(0, 0, false)
	ylo, yhi, yt, ydec := ya.resolve(0, 0, false)
	xext := xlo + float64(nxc*k)*(xhi-xlo)/float64(nx)
	yext := ylo + float64(nyc*k)*(yhi-ylo)/float64(ny)

	// Legend entries, most first, then the empty cells.
	type entry struct{ label, fill string }
	var legend []entry
	legendW := textWidth(h.LegendLabel, fontSize)
	if maxCount > 0 {
		for l := nLevels - 1; l >= 0; l-- {
			if lv.lo(l) <= lv.hi[l] {
				legend = append(legend, entry{lv.label(l), lv.colours[l]})
			}
		}
	}
	legend = append(legend, entry{"0", "#fff"})
	for _, e := range legend {
		legendW = math.Max(legendW, 20+textWidth(e.label, fontSize))
	}

	w := float64(h.Width)
	if w <= 0 {
		w = defaultW
	}
	left := 8 + tickWidth(ya, yt, ydec) + 8
	if ya.Label != "" {
		left += 20
	}
	right := legendW + 24
	top, bottom := 10.0, 26.0
	if xa.Label != "" {
		bottom += 18
	}
	pw := math.Max(w-left-right, 40)
	ph := pw * float64(nyc) / float64(nxc)
	ph = math.Min(math.Max(ph, 40), 1.5*pw)
	legendH := 24 + 18*float64(len(legend))
	height := top + math.Max(ph, legendH) + bottom

	id := chartID(h.ID, "heatmap", h.Title, h.Desc)
	var c canvas
	c.Grow(4096 + 8*nxc*nyc/2)
	c.open(id, h.Title, h.Desc, w, height)

	sx := scale{xlo, xext, left, left + pw}
	sy := scale{ylo, yext, top + ph, top}
	c.xAxis(xa, sx, xt, xdec, top, top+ph, true)
	c.yAxis(ya, sy, yt, ydec, left, left+pw, true)

	cw, ch := pw/float64(nxc), ph/float64(nyc)
	transform := `translate(` + num(left) + " " + num(top) + `) scale(` + compact(cw, 4) + " " + compact(ch, 4) + `)`
	levelTitle := func(l int) string {
		if h.LegendLabel == "" {
			return lv.label(l)
		}
		return h.LegendLabel + ": " + lv.label(l)
	}
	if h.CellTitle != nil {
		c.WriteString(`<g class="cells" transform="` + transform + `" shape-rendering="crispEdges">`)
		for l := range nLevels {
			open := false
			for r := range nyc {
				J := nyc - 1 - r
				for I := range nxc {
					n := cells[I*nyc+J]
					if n <= 0 || lv.level(n) != l {
						continue
					}
					if !open {
						c.WriteString(`<g fill="` + lv.colours[l] + `">`)
						open = true
					}
					cell := Cell{X0: I * k, X1: min((I+1)*k, nx), Y0: J * k, Y1: min((J+1)*k, ny), Count: n}
					c.WriteString(`<rect x="` + strconv.Itoa(I) + `" y="` + strconv.Itoa(r) + `" width="1" height="1">`)
					c.title(h.CellTitle(cell))
					c.WriteString(`</rect>`)
				}
			}
			if open {
				c.WriteString(`</g>`)
			}
		}
		c.WriteString(`</g>`)
	} else {
		// Each run of same-level cells in a row is a horizontal stroke one cell thick,
		// moved to relative to the end of the previous run: "m2 0h3".
		c.WriteString(`<g class="cells" transform="` + transform + `" fill="none" stroke-width="1" shape-rendering="crispEdges">`)
		paths := make([]strings.Builder, nLevels)
		pen := make([][2]int, nLevels)
		started := make([]bool, nLevels)
		for r := range nyc {
			J := nyc - 1 - r
			for I := 0; I < nxc; {
				n := cells[I*nyc+J]
				if n <= 0 {
					I++
					continue
				}
				l := lv.level(n)
				end := I + 1
				for end < nxc && cells[end*nyc+J] > 0 && lv.level(cells[end*nyc+J]) == l {
					end++
				}
				p := &paths[l]
				if !started[l] {
					p.WriteString("M" + strconv.Itoa(I) + " " + num(float64(r)+0.5))
					started[l] = true
				} else {
					p.WriteString("m" + strconv.Itoa(I-pen[l][0]) + " " + strconv.Itoa(r-pen[l][1]))
				}
				p.WriteString("h" + strconv.Itoa(end-I))
				pen[l] = [2]int{end, r}
				I = end
			}
		}
		for l := range nLevels {
			if !started[l] {
				continue
			}
			c.WriteString(`<path stroke="` + lv.colours[l] + `" d="` + paths[l].String() + `">`)
			c.title(levelTitle(l))
			c.WriteString(`</path>`)
		}
		c.WriteString(`</g>`)
	}
	c.rect(left, top, pw, ph, "none", ` stroke="`+axisColour+`"/>`)

	// Legend: a column of swatches to the right of the plot.
	lx := left + pw + 16
	c.WriteString(`<g class="legend">`)
	ly := top + 10
	if h.LegendLabel != "" {
		c.text(lx, ly, "start", h.LegendLabel, ` font-weight="bold"`)
	}
	ly += 10
	for _, e := range legend {
		c.rect(lx, ly, 14, 14, e.fill, ` stroke="`+axisColour+`" stroke-width=".5"/>`)
		c.text(lx+20, ly+11, "start", e.label, "")
		ly += 18
	}
	c.WriteString(`</g>`)
	c.close()
	return c.String()
}
