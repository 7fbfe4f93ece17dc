package topomap

import (
	"encoding/csv"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/iltod/iltod/demo/maps"
)

var svgDir = flag.String("svgdir", "", "write the rendered maps to this directory, to look at")

// regionCodes reads the codes of the demonstration package's regions (level=region).
func regionCodes(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("../../demo/mongolia2024/areas.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	var codes []string
	for _, r := range rows[1:] {
		if r[col["level"]] == "region" {
			codes = append(codes, r[col["code"]])
		}
	}
	slices.Sort(codes)
	return codes
}

func mongolia(t testing.TB) []Feature {
	t.Helper()
	topo, err := Decode(maps.Mongolia)
	if err != nil {
		t.Fatal(err)
	}
	if got := topo.Objects(); !slices.Equal(got, []string{"mng"}) {
		t.Fatalf("objects %v, want [mng]", got)
	}
	return topo.Features("mng")
}

func byCode(t *testing.T, fs []Feature, code string) Feature {
	t.Helper()
	for _, f := range fs {
		if ISOCode(f.ID) == code {
			return f
		}
	}
	t.Fatalf("no feature %s", code)
	return Feature{}
}

func TestMongolia(t *testing.T) {
	fs := mongolia(t)
	if len(fs) != 22 {
		t.Fatalf("%d features, want 22", len(fs))
	}
	var codes []string
	for _, f := range fs {
		codes = append(codes, ISOCode(f.ID))
		if f.Name == "" {
			t.Errorf("%s has no name", f.ID)
		}
		for _, p := range f.Polygons {
			for _, r := range p {
				if r[0] != r[len(r)-1] {
					t.Errorf("%s: ring not closed", f.ID)
				}
				for _, q := range r {
					if q.Lon < 87 || q.Lon > 120 || q.Lat < 41 || q.Lat > 52.5 {
						t.Fatalf("%s: %v is outside Mongolia", f.ID, q)
					}
				}
			}
		}
	}
	slices.Sort(codes)
	if want := regionCodes(t); !slices.Equal(codes, want) {
		t.Errorf("feature codes %v,\nregion codes %v", codes, want)
	}
	if got := byCode(t, fs, "MN-AR").Name; got != "Arhangay" {
		t.Errorf("MN-AR is named %q", got)
	}
	if Features := (&Topology{}).Features("nope"); Features != nil {
		t.Error("unknown object has features")
	}
}

// area returns the area in km² of the polygon's exterior less its holes, on a sphere
// of radius 6371 km (the ring integral of sin(lat) dlon, exact for great-circle-free
// rings drawn in lon/lat).
func area(p Polygon) float64 {
	const r = 6371.0
	ring := func(rg Ring) float64 {
		s := 0.0
		for i := 1; i < len(rg); i++ {
			a, b := rg[i-1], rg[i]
			dl := (b.Lon - a.Lon) * math.Pi / 180
			s += dl * (math.Sin(a.Lat*math.Pi/180) + math.Sin(b.Lat*math.Pi/180)) / 2
		}
		return math.Abs(s) * r * r
	}
	a := ring(p[0])
	for _, h := range p[1:] {
		a -= ring(h)
	}
	return a
}

// The arcs are decoded right if the areas come out as published: Mongolia is
// 1,564,116 km² (National Statistics Office) and Ulaanbaatar 4,704 km².
func TestMongoliaArea(t *testing.T) {
	fs := mongolia(t)
	total := 0.0
	for _, f := range fs {
		for _, p := range f.Polygons {
			total += area(p)
		}
	}
	if math.Abs(total-1564116)/1564116 > 0.02 {
		t.Errorf("Mongolia's area %.0f km², want 1,564,116 ± 2%%", total)
	}
	ub := 0.0
	for _, p := range byCode(t, fs, "MN-UB").Polygons {
		ub += area(p)
	}
	if math.Abs(ub-4704)/4704 > 0.25 {
		t.Errorf("Ulaanbaatar's area %.0f km², want 4,704 ± 25%%", ub)
	}
	t.Logf("areas: Mongolia %.0f km², Ulaanbaatar %.0f km²", total, ub)
}

// inside reports whether q is inside ring r (even-odd rule).
func inside(q Point, r Ring) bool {
	in := false
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		a, b := r[i], r[j]
		if (a.Lat > q.Lat) != (b.Lat > q.Lat) && q.Lon < (b.Lon-a.Lon)*(q.Lat-a.Lat)/(b.Lat-a.Lat)+a.Lon {
			in = !in
		}
	}
	return in
}

// Ulaanbaatar is an enclave of Töv: a hole in Töv's polygon made of the same arc,
// reversed. This fails if arcs are decoded or reversed wrongly.
func TestUlaanbaatarInTov(t *testing.T) {
	fs := mongolia(t)
	ub, tov := byCode(t, fs, "MN-UB"), byCode(t, fs, "MN-TO")
	ulo, uhi, _ := ub.Bounds()
	tlo, thi, _ := tov.Bounds()
	if ulo.Lon <= tlo.Lon || ulo.Lat <= tlo.Lat || uhi.Lon >= thi.Lon || uhi.Lat >= thi.Lat {
		t.Errorf("Ulaanbaatar %v–%v is not inside Töv's bounds %v–%v", ulo, uhi, tlo, thi)
	}
	if uhi.Lon-ulo.Lon > 1.5 || uhi.Lat-ulo.Lat > 1 {
		t.Errorf("Ulaanbaatar spans %v–%v, too large", ulo, uhi)
	}
	// The city centre (Sükhbaatar Square) is in Ulaanbaatar, in Töv's hole, not in Töv.
	centre := Point{106.9176, 47.9189}
	if len(ub.Polygons) != 1 || !inside(centre, ub.Polygons[0][0]) {
		t.Error("the city centre is not in Ulaanbaatar")
	}
	if len(tov.Polygons) != 1 || len(tov.Polygons[0]) != 2 {
		t.Fatalf("Töv has %d polygons, want one with a hole", len(tov.Polygons))
	}
	if !inside(centre, tov.Polygons[0][0]) || !inside(centre, tov.Polygons[0][1]) {
		t.Error("the city centre is not within Töv's exterior and its hole")
	}
	hole := slices.Clone(tov.Polygons[0][1])
	slices.Reverse(hole)
	if !slices.Equal(hole, ub.Polygons[0][0]) {
		t.Error("Töv's hole is not Ulaanbaatar's ring reversed")
	}
}

func TestDecodeSmall(t *testing.T) {
	// A unit square split into two triangles sharing the diagonal, arc 1, which the
	// second uses backwards; quantized with scale 0.5 and delta-encoded.
	const topo = `{"type":"Topology","transform":{"scale":[0.5,0.5],"translate":[10,20]},
	"arcs":[[[0,0],[2,0],[0,2]],[[2,2],[-2,-2]],[[2,2],[-2,0],[0,-2]]],
	"objects":{"o":{"type":"GeometryCollection","geometries":[
	  {"type":"Polygon","id":"A","properties":{"name":"Ａ<&>"},"arcs":[[0,1]]},
	  {"type":"MultiPolygon","id":7,"arcs":[[[-2,2]]]},
	  {"type":"Point","coordinates":[0,0]},
	  {"type":null}
	]}}}`
	tp, err := Decode([]byte(topo))
	if err != nil {
		t.Fatal(err)
	}
	fs := tp.Features("o")
	if len(fs) != 2 {
		t.Fatalf("%d features, want 2", len(fs))
	}
	want := []Feature{
		{ID: "A", Name: "Ａ<&>", Polygons: []Polygon{{{{10, 20}, {11, 20}, {11, 21}, {10, 20}}}}},
		{ID: "7", Polygons: []Polygon{{{{10, 20}, {11, 21}, {10, 21}, {10, 20}}}}},
	}
	for i := range want {
		if got := fs[i]; got.ID != want[i].ID || got.Name != want[i].Name || !slices.EqualFunc(got.Polygons, want[i].Polygons, func(a, b Polygon) bool {
			return slices.EqualFunc(a, b, func(x, y Ring) bool { return slices.Equal(x, y) })
		}) {
			t.Errorf("feature %d = %+v, want %+v", i, got, want[i])
		}
	}
	// Features returns copies.
	fs[0].Polygons[0][0][0].Lon = 99
	if tp.Features("o")[0].Polygons[0][0][0].Lon != 10 {
		t.Error("Features shares memory with the topology")
	}
}

func TestDecodeErrors(t *testing.T) {
	poly := func(arcs, rings string) string {
		return `{"type":"Topology","arcs":` + arcs + `,"objects":{"o":{"type":"Polygon","arcs":` + rings + `}}}`
	}
	sq := `[[[0,0],[1,0],[1,1],[0,0]]]`
	deep := `{"type":"Polygon","arcs":[[0]]}`
	for range MaxDepth + 1 {
		deep = `{"type":"GeometryCollection","geometries":[` + deep + `]}`
	}
	for _, tc := range []struct {
		name, in, want string
		limit          bool
	}{
		{"not json", `{`, "unexpected end", false},
		{"not topology", `{"type":"FeatureCollection"}`, `type is "FeatureCollection"`, false},
		{"index out of range", poly(sq, `[[1]]`), "arc index 1 out of range", false},
		{"reversed index out of range", poly(sq, `[[-2]]`), "arc index -2 out of range", false},
		{"huge index", poly(sq, `[[-9223372036854775808]]`), "out of range", false},
		{"fractional index", poly(sq, `[[0.5]]`), "cannot unmarshal", false},
		{"short arc", poly(`[[[0,0]]]`, `[[0]]`), "arc 0 has 1 positions", false},
		{"short position", poly(`[[[0,0],[1]]]`, `[[0]]`), "position 1 has 1 coordinates", false},
		{"open ring", poly(`[[[0,0],[1,0],[1,1],[0,1]]]`, `[[0]]`), "not closed", false},
		{"small ring", poly(`[[[0,0],[1,0],[0,0]]]`, `[[0]]`), "want at least 4", false},
		{"arcs do not join", poly(`[[[0,0],[1,0]],[[5,5],[0,0]]]`, `[[0,1]]`), "does not start where", false},
		{"bad transform", `{"type":"Topology","transform":{"scale":[1]},"arcs":[],"objects":{}}`, "transform", false},
		{"overflow", `{"type":"Topology","transform":{"scale":[1e308,1],"translate":[0,0]},"arcs":[[[1e308,0],[1e308,0]]],"objects":{}}`, "not finite", false},
		{"unknown type", `{"type":"Topology","arcs":[],"objects":{"o":{"type":"Blob"}}}`, `unknown geometry type "Blob"`, false},
		{"too deep", `{"type":"Topology","arcs":` + sq + `,"objects":{"o":` + deep + `}}`, "nested", true},
		{"too large", `{"type":"Topology","x":"` + strings.Repeat("x", MaxBytes) + `"}`, "bytes", true},
		{"too many arcs", `{"type":"Topology","arcs":[` + strings.Repeat(`[[0,0],[0,0]],`, MaxArcs) + `[[0,0],[0,0]]],"objects":{}}`, "arcs is more than", true},
		{"too many ring points", poly(sq, `[[`+strings.Repeat("0,", MaxPoints/3)+`0]]`), "rings have more than", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode([]byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Decode: %v, want error containing %q", err, tc.want)
			}
			if errors.Is(err, ErrLimit) != tc.limit {
				t.Errorf("errors.Is(%v, ErrLimit) = %v, want %v", err, !tc.limit, tc.limit)
			}
		})
	}
}

// pathPoints returns the absolute positions in grid units of a path written by writePath.
func pathPoints(t *testing.T, d string) [][2]float64 {
	t.Helper()
	var pts [][2]float64
	tok := regexp.MustCompile(`[Mlz]|-?\d+`).FindAllString(d, -1)
	var x, y float64
	mode := ""
	for i := 0; i < len(tok); {
		switch tok[i] {
		case "M", "l", "z":
			mode = tok[i]
			i++
			continue
		}
		a, _ := strconv.ParseFloat(tok[i], 64)
		b, _ := strconv.ParseFloat(tok[i+1], 64)
		i += 2
		if mode == "M" {
			x, y = a, b
		} else if mode == "l" {
			x, y = x+a, y+b
		} else {
			t.Fatalf("numbers after %q", mode)
		}
		pts = append(pts, [2]float64{x, y})
	}
	return pts
}

type svgNode struct {
	name  string
	attr  map[string]string
	text  string
	depth int
}

// parseSVG checks that s is well-formed XML and returns its elements in order.
func parseSVG(t testing.TB, s string) []*svgNode {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	var out, stack []*svgNode
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &svgNode{name: tok.Name.Local, attr: map[string]string{}, depth: len(stack)}
			for _, a := range tok.Attr {
				n.attr[a.Name.Local] = a.Value
			}
			out, stack = append(out, n), append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(tok)
			}
		}
	}
	if len(out) == 0 || out[0].name != "svg" {
		t.Fatal("no <svg> root")
	}
	return out
}

func TestRender(t *testing.T) {
	fs := mongolia(t)
	reported := map[string]float64{"MN-AR": 87, "MN-UB": 99.5, "MN-TO": 62}
	names := map[string]string{"MN-AR": "Архангай", "MN-UB": "Улаанбаатар", "MN-TO": "Төв"}
	opt := Options{
		Title: "Мэдээлсэн хэсгүүд / Stations reported", Desc: "Share of sampled stations that reported, by aimag.",
		Code: ISOCode,
		Fill: func(c string) string {
			if v, ok := reported[c]; ok {
				return Sequential(v, 0, 100)
			}
			return ""
		},
		Label: func(c string) string {
			if v, ok := reported[c]; ok {
				return names[c] + " — " + strconv.FormatFloat(v, 'f', -1, 64) + "% reported"
			}
			return ""
		},
		Legend:      SequentialLegend(0, 100, 5, func(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) + "%" }),
		LegendTitle: "Reported",
		NoDataLabel: "No reports",
	}
	svg := Render(fs, opt)
	t.Logf("Mongolia map: %d bytes", len(svg))
	if *svgDir != "" {
		full := opt
		full.Fill = func(c string) string { return Sequential(float64(c[3]-'A')*4, 0, 100) }
		full.Link = func(c string) string { return "/regions/" + c }
		for name, s := range map[string]string{"map.svg": svg, "map-full.svg": Render(fs, full)} {
			if err := os.WriteFile(filepath.Join(*svgDir, name), []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(svg) > 60<<10 {
		t.Errorf("map is %d bytes, want under 60 KB", len(svg))
	}
	if strings.Contains(svg, "style=") || strings.Contains(svg, "<style") || strings.Contains(svg, "<script") {
		t.Error("output has a style attribute, style element or script")
	}
	if Render(fs, opt) != svg {
		t.Error("output is not deterministic")
	}
	els := parseSVG(t, svg)
	if els[0].attr["role"] != "img" || els[0].attr["width"] != "100%" || els[0].attr["viewBox"] == "" {
		t.Errorf("root attributes %v", els[0].attr)
	}
	if els[1].name != "title" || els[1].text != opt.Title || els[2].name != "desc" || els[2].text != opt.Desc {
		t.Error("title and desc are not the first children")
	}
	paths := map[string]*svgNode{}
	var titles []string
	for i, n := range els {
		if n.name == "path" && n.attr["class"] == "region" {
			if n.attr["id"] != n.attr["data-code"] {
				t.Errorf("id %q, data-code %q", n.attr["id"], n.attr["data-code"])
			}
			paths[n.attr["id"]] = n
			titles = append(titles, els[i+1].text)
		}
	}
	if len(paths) != 22 {
		t.Fatalf("%d region paths, want 22", len(paths))
	}
	for _, c := range regionCodes(t) {
		if paths[c] == nil {
			t.Errorf("no path for %s", c)
		}
	}
	if !slices.Contains(titles, "Архангай — 87% reported") || !slices.Contains(titles, "Dzavhan") {
		t.Errorf("titles %q", titles)
	}
	if got := paths["MN-DZ"].attr["fill"]; got != "url(#map-nodata)" {
		t.Errorf("region without data filled %q", got)
	}
	if got, want := paths["MN-AR"].attr["fill"], Sequential(87, 0, 100); got != want {
		t.Errorf("MN-AR filled %q, want %q", got, want)
	}

	// Ulaanbaatar's drawn outline is small and inside Töv's.
	bounds := func(code string) (lo, hi [2]float64) {
		lo, hi = [2]float64{math.Inf(1), math.Inf(1)}, [2]float64{math.Inf(-1), math.Inf(-1)}
		for _, p := range pathPoints(t, paths[code].attr["d"]) {
			lo = [2]float64{math.Min(lo[0], p[0]), math.Min(lo[1], p[1])}
			hi = [2]float64{math.Max(hi[0], p[0]), math.Max(hi[1], p[1])}
		}
		return lo, hi
	}
	ulo, uhi := bounds("MN-UB")
	tlo, thi := bounds("MN-TO")
	if !(ulo[0] > tlo[0] && ulo[1] > tlo[1] && uhi[0] < thi[0] && uhi[1] < thi[1]) {
		t.Errorf("Ulaanbaatar %v–%v is not inside Töv %v–%v", ulo, uhi, tlo, thi)
	}
	if uw, tw := uhi[0]-ulo[0], thi[0]-tlo[0]; uw > tw/4 || uw < 4 {
		t.Errorf("Ulaanbaatar is %v grid units wide, Töv %v", uw, tw)
	}
	// The whole map fits the viewBox.
	vb := strings.Fields(els[0].attr["viewBox"])
	w, _ := strconv.ParseFloat(vb[2], 64)
	for code := range paths {
		lo, hi := bounds(code)
		if lo[0]*0.5+4 < 0 || hi[0]*0.5+4 > w {
			t.Errorf("%s spans x %v–%v (grid), outside the viewBox width %v", code, lo[0], hi[0], w)
		}
	}
}

func TestRenderLinks(t *testing.T) {
	fs := mongolia(t)
	svg := Render(fs, Options{
		Title: "Regions",
		Code:  ISOCode,
		Fill:  func(string) string { return `#000" onmouseover="x` },
		Label: func(c string) string { return `<b>"` + c + `"</b>` },
		Link: func(c string) string {
			switch c {
			case "MN-UB":
				return "javascript:alert(1)"
			case "MN-TO":
				return " jAvAscript\t:alert(1)"
			case "MN-AR":
				return "data:text/html,x"
			case "MN-BO":
				return "https://example.org/r?a=1&b=2"
			}
			return "/regions/" + c
		},
	})
	els := parseSVG(t, svg)
	if els[0].attr["role"] != "group" {
		t.Errorf("a map with links has role %q, want group", els[0].attr["role"])
	}
	hrefs := map[string]string{}
	for i, n := range els {
		if n.name == "a" {
			p := els[i+1]
			hrefs[p.attr["data-code"]] = n.attr["href"]
			if n.attr["aria-label"] != `<b>"`+p.attr["data-code"]+`"</b>` {
				t.Errorf("aria-label %q", n.attr["aria-label"])
			}
		}
		for k := range n.attr {
			if strings.HasPrefix(k, "on") {
				t.Errorf("<%s> has %s", n.name, k)
			}
		}
	}
	if len(hrefs) != 19 || hrefs["MN-UB"] != "" || hrefs["MN-TO"] != "" || hrefs["MN-AR"] != "" ||
		hrefs["MN-BO"] != "https://example.org/r?a=1&b=2" || hrefs["MN-DZ"] != "/regions/MN-DZ" {
		t.Errorf("links %v", hrefs)
	}
}

func TestRenderDegenerate(t *testing.T) {
	for name, fs := range map[string][]Feature{
		"none":  nil,
		"empty": {{ID: "x"}},
		"point": {{ID: "x", Polygons: []Polygon{{{{1, 1}, {1, 1}, {1, 1}, {1, 1}}}}}},
		"pole":  {{ID: "x", Polygons: []Polygon{{{{0, 89.9}, {180, 89.9}, {180, 90}, {0, 89.9}}}}}},
		"line":  {{ID: "x", Polygons: []Polygon{{{{0, 0}, {0, 10}, {0, 0}, {0, 0}}}}}},
	} {
		t.Run(name, func(t *testing.T) {
			svg := Render(fs, Options{Title: "t", Width: math.NaN(), Tolerance: -1, NoDataLabel: "none"})
			parseSVG(t, svg)
			if strings.Contains(svg, "NaN") || strings.Contains(svg, "Inf") {
				t.Errorf("non-finite numbers in %s", svg)
			}
		})
	}
}

func TestSequential(t *testing.T) {
	for _, tc := range []struct {
		v, lo, hi float64
		want      string
	}{
		{0, 0, 100, "#edf8b1"}, {100, 0, 100, "#081d58"}, {-5, 0, 100, "#edf8b1"}, {500, 0, 100, "#081d58"},
		{math.NaN(), 0, 1, ""}, {3, 2, 2, Sequential(0.5, 0, 1)}, {math.Inf(1), 0, 1, "#081d58"},
	} {
		if got := Sequential(tc.v, tc.lo, tc.hi); got != tc.want {
			t.Errorf("Sequential(%v, %v, %v) = %q, want %q", tc.v, tc.lo, tc.hi, got, tc.want)
		}
	}
	// Darker as v grows.
	prev := 2.0
	for v := 0.0; v <= 1; v += 0.05 {
		r, g, b, err := rgb(Sequential(v, 0, 1))
		if err != nil {
			t.Fatal(err)
		}
		l := 0.2126*float64(r) + 0.7152*float64(g) + 0.0722*float64(b)
		if l >= prev*255 {
			t.Errorf("Sequential(%v) is not darker than the value before", v)
		}
		prev = l / 255
	}
	leg := SequentialLegend(0, 100, 3, func(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) + "%" })
	if len(leg) != 3 || leg[1].Label != "50%" || leg[1].Fill != Sequential(50, 0, 100) {
		t.Errorf("legend %v", leg)
	}
}

// rgb parses "#rrggbb".
func rgb(hex string) (r, g, b int, err error) {
	v, err := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	return int(v >> 16 & 255), int(v >> 8 & 255), int(v & 255), err
}

func TestSafeHref(t *testing.T) {
	for in, want := range map[string]string{
		"/r/MN-AR": "/r/MN-AR", "r?x=a:b": "r?x=a:b", "#top": "#top", "HTTPS://x.org": "HTTPS://x.org",
		"javascript:x": "", "\x01java\nscript:x": "", "vbscript:x": "", "data:x": "", "": "", "mailto:a@b": "",
	} {
		if got := safeHref(in); got != want {
			t.Errorf("safeHref(%q) = %q, want %q", in, got, want)
		}
	}
}

func BenchmarkRenderMongolia(b *testing.B) {
	fs := mongolia(b)
	opt := Options{Code: ISOCode, Fill: func(c string) string { return Sequential(float64(len(c)), 0, 10) }}
	var n int
	for b.Loop() {
		n = len(Render(fs, opt))
	}
	b.ReportMetric(float64(n), "bytes/svg")
}

func BenchmarkDecodeMongolia(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(maps.Mongolia); err != nil {
			b.Fatal(err)
		}
	}
}
