package svgchart

import (
	"encoding/xml"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
)

// node is an element of a parsed SVG document.
type node struct {
	Name     string
	Attr     map[string]string
	Children []*node
	Text     string
}

// parse parses svg with encoding/xml, failing the test if it is not well-formed.
func parse(t testing.TB, svg string) *node {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	d.Strict = true
	var stack []*node
	var root *node
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%.600s", err, svg)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &node{Name: tok.Name.Local, Attr: map[string]string{}}
			for _, a := range tok.Attr {
				n.Attr[a.Name.Local] = a.Value
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, n)
			} else if root == nil {
				root = n
			} else {
				t.Fatal("more than one root element")
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].Text += string(tok)
			}
		}
	}
	if root == nil {
		t.Fatal("no root element")
	}
	return root
}

// all returns the elements below n (n included) for which keep is true, in document order.
func (n *node) all(keep func(*node) bool) []*node {
	var out []*node
	if keep(n) {
		out = append(out, n)
	}
	for _, c := range n.Children {
		out = append(out, c.all(keep)...)
	}
	return out
}

// class returns the elements with the given name inside a <g class="class"> (any depth).
func (n *node) class(class, name string) []*node {
	var out []*node
	for _, g := range n.all(func(x *node) bool { return x.Name == "g" && x.Attr["class"] == class }) {
		out = append(out, g.all(func(x *node) bool { return x.Name == name })...)
	}
	return out
}

func (n *node) title() string {
	for _, c := range n.Children {
		if c.Name == "title" {
			return c.Text
		}
	}
	return ""
}

func f(t testing.TB, n *node, attr string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(n.Attr[attr], 64)
	if err != nil {
		t.Fatalf("<%s %s=%q>: %v", n.Name, attr, n.Attr[attr], err)
	}
	return v
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// checkCommon checks what every chart must have and returns the parsed document.
func checkCommon(t *testing.T, svg template.HTML, title, desc string) *node {
	t.Helper()
	s := string(svg)
	root := parse(t, s)
	if root.Name != "svg" {
		t.Fatalf("root is <%s>", root.Name)
	}
	for k, want := range map[string]string{"role": "img", "width": "100%", "xmlns": ""} {
		if got, ok := root.Attr[k]; !ok || want != "" && got != want {
			t.Errorf("root %s = %q, want %q", k, got, want)
		}
	}
	if vb := strings.Fields(root.Attr["viewBox"]); len(vb) != 4 {
		t.Errorf("viewBox = %q", root.Attr["viewBox"])
	}
	if len(root.Children) == 0 || root.Children[0].Name != "title" || root.Children[0].Text != title {
		t.Errorf("first child is not <title>%s</title>", title)
	}
	if desc != "" && (len(root.Children) < 2 || root.Children[1].Name != "desc" || root.Children[1].Text != desc) {
		t.Errorf("second child is not <desc>%s</desc>", desc)
	}
	ids := strings.Fields(root.Attr["aria-labelledby"])
	if len(ids) == 0 || root.Children[0].Attr["id"] != ids[0] {
		t.Errorf("aria-labelledby %q does not name the title %q", ids, root.Children[0].Attr["id"])
	}
	for _, bad := range []string{"style=", "<style", "<script", "NaN", "Inf", "javascript:"} {
		if strings.Contains(s, bad) {
			t.Errorf("output contains %q", bad)
		}
	}
	return root
}

const hostile = `<script>alert("x")</script> & 'q' Архангай`

// charts returns one of each chart, with hostile text everywhere text goes.
func charts(text string) map[string]Chart {
	return map[string]Chart{
		"heatmap": Heatmap{
			Title: text, Desc: text, X: Axis{Label: text, Unit: text}, Y: Axis{Label: text},
			Counts: [][]int{{1, 2}, {0, 5}}, LegendLabel: text,
		},
		"heatmap-cells": Heatmap{
			Title: text, Desc: text, Counts: [][]int{{1, 2}, {0, 5}},
			CellTitle: func(c Cell) string { return text },
		},
		"histogram": Histogram{
			Title: text, Desc: text, XLabel: text, Y: Axis{Label: text},
			Counts: []float64{3, 1, 4}, Labels: []string{text, "1", "2"}, Expected: []float64{2, 2, 2}, SD: []float64{1, 1, 1},
			Highlight: func(i int) bool { return i == 0 }, SeriesLabel: text, HighlightLabel: text, ExpectedLabel: text,
		},
		"lines": Lines{
			Title: text, Desc: text, X: Axis{Label: text}, Y: Axis{Label: text},
			Series: []Series{{Name: text, Points: []Point{{0, 0}, {1, 1}}, Colour: `red" onload="x`}},
		},
		"intervals": Intervals{
			Title: text, Desc: text, Axis: Axis{Label: text},
			Rows:          []Interval{{Label: text, Value: 40, Low95: 38, High95: 42, Low99: 37, High99: 43, Official: 41, HasOfficial: true}},
			EstimateLabel: text, Interval95Label: text, Interval99Label: text, OfficialLabel: text,
		},
		"bars": Bars{
			Title: text, Desc: text, Axis: Axis{Label: text}, Segments: []string{text, text},
			Rows: []BarRow{{Label: text, Values: []float64{300, 200}}}, Colours: []string{`#000"/><script>`},
		},
	}
}

func TestCommon(t *testing.T) {
	for name, ch := range charts(hostile) {
		t.Run(name, func(t *testing.T) {
			svg := ch.SVG()
			root := checkCommon(t, svg, hostile, hostile)
			// Every piece of text survives escaping unchanged, Cyrillic as is.
			texts := root.all(func(n *node) bool { return strings.Contains(n.Text, "<script>") })
			if len(texts) < 2 {
				t.Errorf("hostile text round-trips in %d elements, want at least title and desc", len(texts))
			}
			if !strings.Contains(string(svg), "Архангай") {
				t.Error("Cyrillic is not written as UTF-8")
			}
			if strings.Contains(string(svg), "onload=") && !strings.Contains(string(svg), "onload=&#34;") {
				t.Error("attribute injection")
			}
			for _, n := range root.all(func(n *node) bool { return true }) {
				for k := range n.Attr {
					if strings.HasPrefix(strings.ToLower(k), "on") || k == "style" {
						t.Errorf("<%s> has attribute %s", n.Name, k)
					}
				}
			}
			if again := ch.SVG(); again != svg {
				t.Error("output is not deterministic")
			}
		})
	}
}

func TestEmptyAndNonFinite(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	cases := map[string]Chart{
		"heatmap-empty":   Heatmap{Title: "t"},
		"histogram-empty": Histogram{Title: "t"},
		"lines-empty":     Lines{Title: "t"},
		"intervals-empty": Intervals{Title: "t"},
		"bars-empty":      Bars{Title: "t"},
		"histogram-nan":   Histogram{Title: "t", Counts: []float64{nan, inf, 1}, Expected: []float64{nan, 1, inf}, SD: []float64{inf, nan, 1}},
		"lines-nan":       Lines{Title: "t", Series: []Series{{Points: []Point{{nan, 1}, {1, inf}, {2, 3}}}}},
		"intervals-nan":   Intervals{Title: "t", Rows: []Interval{{Label: "a", Value: nan, Low95: inf, High95: 1, HasOfficial: true, Official: nan}}},
		"bars-nan":        Bars{Title: "t", Rows: []BarRow{{Label: "a", Values: []float64{nan, -1, inf}}}},
		"axis-nan":        Lines{Title: "t", X: Axis{Min: nan, Max: inf}, Y: Axis{Min: 5, Max: 5}, Series: []Series{{Points: []Point{{1, 1}}}}},
		"heatmap-neg":     Heatmap{Title: "t", Counts: [][]int{{-1, 0}, {math.MaxInt, math.MaxInt}}, Downsample: 5},
	}
	for name, ch := range cases {
		t.Run(name, func(t *testing.T) { checkCommon(t, ch.SVG(), "t", "") })
	}
}

func TestPaletteContrast(t *testing.T) {
	ratio := func(hex string) float64 {
		r, g, b, ok := parseHex(hex)
		if !ok {
			t.Fatalf("bad colour %q", hex)
		}
		return 1.05 / (luminance(r, g, b) + 0.05)
	}
	for _, c := range append(append([]string{}, palette...), barColour, highlightColour, ci95Colour, officialColour) {
		if r := ratio(c); r < 3 {
			t.Errorf("mark colour %s has contrast %.2f:1 against white, want ≥ 3", c, r)
		}
	}
	for _, c := range []string{textColour, mutedColour, axisColour} {
		if r := ratio(c); r < 7 {
			t.Errorf("text colour %s has contrast %.2f:1 against white, want ≥ 7 (AAA)", c, r)
		}
	}
	// Text inside bars is black or white, whichever contrasts more: at least 4.5:1 on
	// every palette colour.
	for _, c := range palette {
		r, g, b, _ := parseHex(c)
		l := luminance(r, g, b)
		cr := (l + 0.05) / 0.05
		if contrastText(c) == "#fff" {
			cr = 1.05 / (l + 0.05)
		}
		if cr < 4.5 {
			t.Errorf("text on %s has contrast %.2f:1", c, cr)
		}
	}
}

func TestViridis(t *testing.T) {
	for _, tc := range []struct {
		t    float64
		want string
	}{{0, "#440154"}, {1, "#fde725"}, {0.5, "#21918c"}, {-3, "#440154"}, {7, "#fde725"}, {math.NaN(), "#440154"}, {0.05, "#461365"}} {
		if got := Viridis(tc.t); got != tc.want {
			t.Errorf("Viridis(%v) = %s, want %s", tc.t, got, tc.want)
		}
	}
}

func TestAxisResolve(t *testing.T) {
	for _, tc := range []struct {
		a          Axis
		dlo, dhi   float64
		zero       bool
		lo, hi     float64
		ticks      string
		firstLabel string
	}{
		{Axis{}, 3, 97, false, 0, 100, "0 20 40 60 80 100", "0"},
		{Axis{}, 0.12, 0.87, true, 0, 1, "0 0.2 0.4 0.6 0.8 1", "0.0"},
		{Axis{Min: 0, Max: 100, Unit: "%"}, 0, 0, false, 0, 100, "0 20 40 60 80 100", "0%"},
		{Axis{Min: -0.5, Max: 100.5}, 0, 0, false, -0.5, 100.5, "0 20 40 60 80 100", "0"},
		{Axis{Ticks: []float64{0, 5, 10, 99}}, 0, 10, false, 0, 10, "0 5 10", "0"},
		{Axis{}, 7, 7, false, 3, 11, "3 4 5 6 7 8 9 10 11", "3"},
		{Axis{}, 0, 0, true, 0, 1, "0 0.2 0.4 0.6 0.8 1", "0.0"},
	} {
		lo, hi, ticks, dec := tc.a.resolve(tc.dlo, tc.dhi, tc.zero)
		var s []string
		for _, v := range ticks {
			s = append(s, compact(v, 6))
		}
		if !near(lo, tc.lo, 1e-9) || !near(hi, tc.hi, 1e-9) || strings.Join(s, " ") != tc.ticks || tc.a.tick(ticks[0], dec) != tc.firstLabel {
			t.Errorf("%+v.resolve(%v, %v) = %v, %v, %v, %q; want %v, %v, %s, %q", tc.a, tc.dlo, tc.dhi, lo, hi, s, tc.a.tick(ticks[0], dec), tc.lo, tc.hi, tc.ticks, tc.firstLabel)
		}
	}
}
