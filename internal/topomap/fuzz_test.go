package topomap

import (
	"strings"
	"testing"

	"github.com/iltod/iltod/demo/maps"
)

// FuzzDecode checks that Decode never panics, and that whatever it accepts can be
// listed and rendered as well-formed SVG.
func FuzzDecode(f *testing.F) {
	f.Add(maps.Mongolia)
	f.Add([]byte(`{"type":"Topology","transform":{"scale":[0.5,0.5],"translate":[10,20]},"arcs":[[[0,0],[2,0],[0,2]],[[2,2],[-2,-2]]],"objects":{"o":{"type":"GeometryCollection","geometries":[{"type":"Polygon","id":"A","arcs":[[0,1]]},{"type":"MultiPolygon","id":1,"arcs":[[[0,1]],[[-2,-1]]]}]}}}`))
	f.Add([]byte(`{"type":"Topology","arcs":[[[0,0],[1,0],[1,1],[0,0]]],"objects":{"o":{"type":"Polygon","arcs":[[-1]],"properties":{"name":"x"}}}}`))
	f.Add([]byte(`{"type":"Topology","arcs":[],"objects":{"o":{"type":"GeometryCollection","geometries":[{"type":"GeometryCollection"}]}}}`))
	f.Add([]byte(`{"type":"Topology","arcs":[[[0,0],[1e300,0]]],"objects":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		topo, err := Decode(data)
		if err != nil {
			if topo != nil {
				t.Fatal("a topology with an error")
			}
			return
		}
		for _, name := range topo.Objects() {
			fs := topo.Features(name)
			svg := Render(fs, Options{Title: name, Code: ISOCode, Link: func(c string) string { return c }})
			parseSVG(t, svg)
			if strings.Contains(svg, "NaN") || strings.Contains(svg, "Inf") {
				t.Fatalf("non-finite number in %s", svg)
			}
		}
	})
}
