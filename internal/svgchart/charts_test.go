package svgchart

import (
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestHistogramProportional(t *testing.T) {
	counts := []float64{10, 20, 5, 0, 40, 35}
	h := Histogram{
		Title: "Last digits", Counts: counts, Expected: []float64{18, 18, 18, 18, 18, 18}, SD: []float64{3, 3, 3, 3, 3, 3},
		Highlight: func(i int) bool { return i%5 == 0 }, SeriesLabel: "Observed", HighlightLabel: "0 or 5", ExpectedLabel: "Expected ± 2 SD",
	}
	root := checkCommon(t, h.SVG(), "Last digits", "")
	bars := root.class("bars", "rect")
	if len(bars) != len(counts) {
		t.Fatalf("%d bars, want %d", len(bars), len(counts))
	}
	// Heights are proportional to the counts; bars share a baseline and are evenly spaced.
	unit := f(t, bars[1], "height") / counts[1]
	base := f(t, bars[0], "y") + f(t, bars[0], "height")
	step := f(t, bars[1], "x") - f(t, bars[0], "x")
	for i, b := range bars {
		if h := f(t, b, "height"); !near(h, counts[i]*unit, 0.11) {
			t.Errorf("bar %d height %v, want %v", i, h, counts[i]*unit)
		}
		if y := f(t, b, "y") + f(t, b, "height"); !near(y, base, 0.11) {
			t.Errorf("bar %d ends at %v, want baseline %v", i, y, base)
		}
		if x := f(t, b, "x"); !near(x-f(t, bars[0], "x"), float64(i)*step, 0.11) {
			t.Errorf("bar %d at x %v, want %v", i, x, f(t, bars[0], "x")+float64(i)*step)
		}
		want := barColour
		if i%5 == 0 {
			want = highlightColour
		}
		if b.Attr["fill"] != want {
			t.Errorf("bar %d fill %s, want %s", i, b.Attr["fill"], want)
		}
	}
	// The expectation step sits at 18 on the same scale.
	paths := root.class("expected", "path")
	if len(paths) != 2 {
		t.Fatalf("%d expectation paths, want band and step", len(paths))
	}
	m := regexp.MustCompile(`^M([\d.]+) ([\d.]+)h`).FindStringSubmatch(paths[1].Attr["d"])
	if y, _ := strconv.ParseFloat(m[2], 64); !near(base-y, 18*unit, 0.11) {
		t.Errorf("expected step at %v above the baseline, want %v", base-y, 18*unit)
	}
	// Tooltips say everything.
	tips := root.class("tips", "rect")
	if got, want := tips[0].title(), "0: Observed 10 (0 or 5); Expected ± 2 SD 18.0 ± 6.0"; got != want {
		t.Errorf("tooltip %q, want %q", got, want)
	}
}

func TestHistogramManyBins(t *testing.T) {
	counts := make([]float64, 101)
	for i := range counts {
		counts[i] = float64(50 + i%7)
	}
	h := Histogram{Title: "Stations by turnout", Counts: counts, Highlight: func(i int) bool { return i%5 == 0 }}
	svg := string(h.SVG())
	root := checkCommon(t, h.SVG(), "Stations by turnout", "")
	labels := root.class("axis x", "text")
	var got []string
	for _, l := range labels {
		got = append(got, l.Text)
	}
	if want := "0 10 20 30 40 50 60 70 80 90 100"; strings.Join(got, " ") != want {
		t.Errorf("x labels %q, want %q", got, want)
	}
	t.Logf("101-bin histogram: %d bytes", len(svg))
}

// affine checks that pixel positions px are an affine function of values v, and
// returns it.
func affine(t *testing.T, what string, v, px []float64) func(float64) float64 {
	t.Helper()
	// Fit through the two values furthest apart, so that rounding to 0.1 px matters least.
	lo, hi := 0, 0
	for i := range v {
		if v[i] < v[lo] {
			lo = i
		}
		if v[i] > v[hi] {
			hi = i
		}
	}
	a := (px[hi] - px[lo]) / (v[hi] - v[lo])
	fn := func(x float64) float64 { return px[lo] + a*(x-v[lo]) }
	for i := range v {
		if !near(px[i], fn(v[i]), 0.15) {
			t.Errorf("%s %d at %v, want %v", what, i, px[i], fn(v[i]))
		}
	}
	return fn
}

func TestIntervalsPositions(t *testing.T) {
	rows := []Interval{
		{Label: "Ардчилсан нам", Value: 30.2, Low95: 28.9, High95: 31.5, Low99: 28.4, High99: 32, Official: 30.8, HasOfficial: true},
		{Label: "Монгол Ардын Нам", Value: 55.6, Low95: 53.1, High95: 58.1, Low99: 52.3, High99: 58.9, Official: 60.4, HasOfficial: true},
		{Label: "ХҮН", Value: 10.5, Low95: 9.6, High95: 11.4, Low99: 9.3, High99: 11.7},
	}
	iv := Intervals{Title: "PVT", Axis: Axis{Min: 0, Max: 100, Unit: "%", Label: "Share of votes"}, Rows: rows}
	root := checkCommon(t, iv.SVG(), "PVT", "")
	est := root.all(func(n *node) bool { return n.Attr["class"] == "estimate" })[1:] // [0] is the legend's
	var v, px []float64
	for i, e := range est {
		v, px = append(v, rows[i].Value), append(px, f(t, e, "cx"))
	}
	x := affine(t, "estimate", v, px)
	if x0, x100 := x(0), x(100); x100 <= x0 {
		t.Fatalf("axis runs backwards: 0 at %v, 100 at %v", x0, x100)
	}
	for i, r := range root.all(func(n *node) bool { return n.Attr["class"] == "ci95" }) {
		if !near(f(t, r, "x"), x(rows[i].Low95), 0.15) || !near(f(t, r, "x")+f(t, r, "width"), x(rows[i].High95), 0.15) {
			t.Errorf("95%% interval %d spans %v+%v, want %v–%v", i, f(t, r, "x"), f(t, r, "width"), x(rows[i].Low95), x(rows[i].High95))
		}
	}
	off := root.all(func(n *node) bool { return n.Attr["class"] == "official" })[1:]
	if len(off) != 2 {
		t.Fatalf("%d official marks, want 2", len(off))
	}
	for i, o := range off {
		var ox float64
		fmt.Sscanf(o.Attr["d"], "M%g", &ox)
		if !near(ox, x(rows[i].Official), 0.11) {
			t.Errorf("official %d at %v, want %v", i, ox, x(rows[i].Official))
		}
	}
	tips := root.all(func(n *node) bool { return n.Name == "rect" && n.Attr["fill-opacity"] == "0" })
	if got, want := tips[1].title(), "Монгол Ардын Нам: Estimate 55.6%; 95% interval 53.1%–58.1%; 99% interval 52.3%–58.9%; Official 60.4%"; got != want {
		t.Errorf("tooltip %q, want %q", got, want)
	}
}

func TestBarsProportional(t *testing.T) {
	rows := []BarRow{{"MAN", []float64{50, 18}}, {"AN", []float64{26, 16}}, {"HUN", []float64{4, 4}}, {"Others", []float64{0, 2}}}
	b := Bars{Title: "Seats", Segments: []string{"Constituency", "List"}, Rows: rows}
	root := checkCommon(t, b.SVG(), "Seats", "")
	rects := root.class("bars", "rect")
	if len(rects) != 7 {
		t.Fatalf("%d segments, want 7 (zeros not drawn)", len(rects))
	}
	unit := f(t, rects[0], "width") / 50
	x0 := f(t, rects[0], "x")
	k := 0
	for _, r := range rows {
		acc := 0.0
		for s, v := range r.Values {
			if v == 0 {
				acc += v
				continue
			}
			rc := rects[k]
			k++
			if !near(f(t, rc, "x"), x0+acc*unit, 0.11) || !near(f(t, rc, "width"), v*unit, 0.11) {
				t.Errorf("%s segment %d at %v width %v, want %v width %v", r.Label, s, f(t, rc, "x"), f(t, rc, "width"), x0+acc*unit, v*unit)
			}
			if want := colour(nil, s); rc.Attr["fill"] != want {
				t.Errorf("%s segment %d fill %s, want %s", r.Label, s, rc.Attr["fill"], want)
			}
			acc += v
		}
	}
	if got, want := rects[0].title(), "MAN — Constituency: 50"; got != want {
		t.Errorf("tooltip %q, want %q", got, want)
	}
	// Totals are written at the end of each bar.
	var totals []string
	for _, n := range root.all(func(n *node) bool { return n.Name == "text" && n.Attr["font-weight"] == "bold" }) {
		totals = append(totals, n.Text)
	}
	if got := strings.Join(totals, " "); got != "68 42 8 2" {
		t.Errorf("totals %q", got)
	}

	// Simple bars have no legend.
	simple := Bars{Title: "Coverage", Axis: Axis{Min: 0, Max: 100, Unit: "%"}, Rows: []BarRow{{"Архангай", []float64{87.5}}}}
	root = checkCommon(t, simple.SVG(), "Coverage", "")
	if len(root.all(func(n *node) bool { return n.Attr["class"] == "legend" })) != 0 {
		t.Error("simple bars have a legend")
	}
}

func TestLinesPositions(t *testing.T) {
	var pts []Point
	for i := 0; i <= 100; i++ {
		x := float64(i)
		pts = append(pts, Point{x, math.Pow(x/100, 3)})
	}
	l := Lines{
		Title: "Cumulative", X: Axis{Label: "Turnout", Unit: "%"}, Y: Axis{Min: 0, Max: 1},
		Series: []Series{{Name: "Leader", Points: pts}, {Name: "Others", Points: []Point{{0, 0}, {100, 1}}}},
	}
	root := checkCommon(t, l.SVG(), "Cumulative", "")
	paths := root.class("series", "path")
	if len(paths) != 2 {
		t.Fatalf("%d series paths", len(paths))
	}
	coords := regexp.MustCompile(`-?[\d.]+`).FindAllString(paths[0].Attr["d"], -1)
	if len(coords) != 2*len(pts) {
		t.Fatalf("%d coordinates, want %d", len(coords), 2*len(pts))
	}
	var xs, ys, pxs, pys []float64
	for i, p := range pts {
		px, _ := strconv.ParseFloat(coords[2*i], 64)
		py, _ := strconv.ParseFloat(coords[2*i+1], 64)
		xs, ys, pxs, pys = append(xs, p.X), append(ys, p.Y), append(pxs, px), append(pys, py)
	}
	affine(t, "x", xs, pxs)
	y := affine(t, "y", ys[50:], pys[50:])
	if y(1) >= y(0) {
		t.Error("y axis points down")
	}
	if paths[1].Attr["stroke-dasharray"] == "" || paths[0].Attr["stroke"] == paths[1].Attr["stroke"] {
		t.Error("series are not told apart by dash and colour")
	}
	// Every point has a tooltip, visible marker or not.
	var tips int
	for _, n := range root.class("points", "circle") {
		if n.title() != "" {
			tips++
		}
	}
	if tips != len(pts) {
		t.Errorf("%d tooltips on the first series, want %d", tips, len(pts))
	}
	if got := root.class("points", "circle")[0].title(); got != "Leader: 0%, 0.00" {
		t.Errorf("first tooltip %q", got)
	}
}

func TestHeatLevels(t *testing.T) {
	for _, logScale := range []bool{false, true} {
		for m := 1; m <= 300; m++ {
			for n := 2; n <= 16; n++ {
				lv := newHeatLevels(m, n, logScale)
				next := 1
				for k := range n {
					lo, hi := lv.lo(k), lv.hi[k]
					if lo > hi {
						continue
					}
					if lo != next {
						t.Fatalf("max %d, %d levels, log %v: level %d starts at %d, want %d", m, n, logScale, k, lo, next)
					}
					for c := lo; c <= hi; c++ {
						if lv.level(c) != k {
							t.Fatalf("max %d: level(%d) = %d, want %d", m, c, lv.level(c), k)
						}
					}
					next = hi + 1
				}
				if next != m+1 {
					t.Fatalf("max %d, %d levels: levels end at %d", m, n, next-1)
				}
			}
		}
	}
}

// cellsFromPaths decodes the heat map's paths ("M x y.5 h w" then "m dx dy h w") back
// into the cells they cover, by display row and column, with their stroke colour.
func cellsFromPaths(t *testing.T, root *node) map[[2]int]string {
	t.Helper()
	got := map[[2]int]string{}
	tok := regexp.MustCompile(`[Mmh]|-?[\d.]+`)
	for _, p := range root.class("cells", "path") {
		toks := tok.FindAllString(p.Attr["d"], -1)
		var x, y float64
		for i := 0; i < len(toks); {
			switch toks[i] {
			case "M", "m":
				dx, _ := strconv.ParseFloat(toks[i+1], 64)
				dy, _ := strconv.ParseFloat(toks[i+2], 64)
				if toks[i] == "M" {
					x, y = dx, dy
				} else {
					x, y = x+dx, y+dy
				}
				i += 3
			case "h":
				w, _ := strconv.ParseFloat(toks[i+1], 64)
				for c := 0; c < int(w); c++ {
					key := [2]int{int(y - 0.5), int(x) + c}
					if _, dup := got[key]; dup {
						t.Errorf("cell %v drawn twice", key)
					}
					got[key] = p.Attr["stroke"]
				}
				x += w
				i += 2
			default:
				t.Fatalf("unexpected token %q", toks[i])
			}
		}
	}
	return got
}

func TestHeatmapCells(t *testing.T) {
	counts := [][]int{
		{0, 1, 1, 0},
		{9, 9, 0, 2},
		{0, 0, 0, 0},
	} // x bins 0..2, y bins 0..3
	h := Heatmap{Title: "Fingerprint", Counts: counts, Levels: 3, LegendLabel: "Stations"}
	root := checkCommon(t, h.SVG(), "Fingerprint", "")
	lv := newHeatLevels(9, 3, false)
	got := cellsFromPaths(t, root)
	want := map[[2]int]string{}
	for i, col := range counts {
		for j, c := range col {
			if c > 0 {
				want[[2]int{3 - j, i}] = lv.colours[lv.level(c)]
			}
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("cells drawn %v, want %v", got, want)
	}
	titles := map[string]bool{}
	for _, p := range root.class("cells", "path") {
		titles[p.title()] = true
	}
	if !titles["Stations: 1–3"] || !titles["Stations: 7–9"] || len(titles) != 2 {
		t.Errorf("level tooltips %v", titles)
	}

	// With a cell title and downsampling, every non-empty merged cell is a rect.
	h.CellTitle = func(c Cell) string { return fmt.Sprintf("%d–%d × %d–%d: %d", c.X0, c.X1, c.Y0, c.Y1, c.Count) }
	h.Downsample = 2
	root = checkCommon(t, h.SVG(), "Fingerprint", "")
	var tips []string
	for _, r := range root.class("cells", "rect") {
		tips = append(tips, fmt.Sprintf("%s@%s,%s", r.title(), r.Attr["x"], r.Attr["y"]))
	}
	if got, want := strings.Join(tips, " "), "0–2 × 2–4: 3@0,0 0–2 × 0–2: 19@0,1"; got != want {
		t.Errorf("merged cells %q, want %q", got, want)
	}
}

// denseFingerprint returns a 101 × 101 grid with every cell non-zero and random.
func denseFingerprint() [][]int {
	r := rand.New(rand.NewPCG(1, 2))
	g := make([][]int, 101)
	for i := range g {
		g[i] = make([]int, 101)
		for j := range g[i] {
			g[i][j] = 1 + r.IntN(500)
		}
	}
	return g
}

func TestHeatmapSize(t *testing.T) {
	g := denseFingerprint()
	axis := func(l string) Axis { return Axis{Label: l, Min: -0.5, Max: 100.5, Unit: "%"} }
	for _, tc := range []struct {
		name  string
		h     Heatmap
		limit int
	}{
		{"dense 101×101", Heatmap{Counts: g}, 300 << 10},
		{"dense 101×101 log", Heatmap{Counts: g, Log: true, Levels: 16}, 300 << 10},
		{"dense 101×101 downsample 2", Heatmap{Counts: g, Downsample: 2}, 100 << 10},
		{"dense 101×101 cell titles, downsample 3", Heatmap{Counts: g, Downsample: 3, CellTitle: func(c Cell) string {
			return fmt.Sprintf("%d–%d%%, %d–%d%%: %d", c.X0, c.X1-1, c.Y0, c.Y1-1, c.Count)
		}}, 300 << 10},
	} {
		tc.h.Title, tc.h.X, tc.h.Y, tc.h.LegendLabel = "Fingerprint", axis("Turnout"), axis("Leader's share"), "Stations"
		svg := tc.h.SVG()
		checkCommon(t, svg, "Fingerprint", "")
		t.Logf("%s: %d bytes", tc.name, len(svg))
		if len(svg) > tc.limit {
			t.Errorf("%s: %d bytes, want at most %d", tc.name, len(svg), tc.limit)
		}
	}
	// Every cell is drawn exactly once.
	root := parse(t, string(Heatmap{Counts: g}.SVG()))
	if n := len(cellsFromPaths(t, root)); n != 101*101 {
		t.Errorf("%d cells drawn, want %d", n, 101*101)
	}
}

func BenchmarkHeatmap101(b *testing.B) {
	h := Heatmap{Title: "Fingerprint", Counts: denseFingerprint(), X: Axis{Min: -0.5, Max: 100.5}, Y: Axis{Min: -0.5, Max: 100.5}}
	b.ReportAllocs()
	var n int
	for b.Loop() {
		n = len(h.SVG())
	}
	b.ReportMetric(float64(n), "bytes/svg")
}
