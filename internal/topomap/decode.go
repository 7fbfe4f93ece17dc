// Package topomap draws choropleth maps as SVG on the server from TopoJSON, without a
// tile server or any script: Decode reads a topology, Features assembles its polygons,
// and Render projects them into an accessible SVG with one path per region.
//
// The functions are pure and safe for concurrent use; a Topology is immutable once
// decoded.
package topomap

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// Limits on what Decode accepts. Inputs beyond them fail with an error wrapping ErrLimit.
const (
	// MaxBytes is the largest input, 8 MiB.
	MaxBytes = 8 << 20
	// MaxArcs is the largest number of arcs in a topology.
	MaxArcs = 1 << 16
	// MaxPoints is the largest number of positions, counted once in the arcs and again
	// in the assembled rings (where an arc shared by two regions counts twice).
	MaxPoints = 1 << 20
	// MaxDepth is the deepest nesting of GeometryCollections.
	MaxDepth = 8
)

// ErrLimit is wrapped by the errors Decode returns for inputs beyond its limits.
var ErrLimit = errors.New("topomap: limit exceeded")

// Point is a position, in longitude and latitude for geographic topologies.
type Point struct{ Lon, Lat float64 }

// Ring is a closed ring of positions: its last position equals its first.
type Ring []Point

// Polygon is an exterior ring followed by its holes, if any.
type Polygon []Ring

// Feature is one Polygon or MultiPolygon geometry of a topology's object.
type Feature struct {
	// ID is the geometry's id (a number's decimal text), or "" if it has none.
	ID string
	// Name is properties.name, or "" if it is absent or not a string.
	Name string
	// Polygons are the feature's polygons: one for a Polygon, any number for a
	// MultiPolygon.
	Polygons []Polygon
}

// Bounds returns the smallest and largest longitude and latitude of f's positions; ok
// is false if f has none.
func (f Feature) Bounds() (lo, hi Point, ok bool) {
	lo = Point{math.Inf(1), math.Inf(1)}
	hi = Point{math.Inf(-1), math.Inf(-1)}
	for _, p := range f.Polygons {
		for _, r := range p {
			for _, q := range r {
				lo.Lon, lo.Lat = math.Min(lo.Lon, q.Lon), math.Min(lo.Lat, q.Lat)
				hi.Lon, hi.Lat = math.Max(hi.Lon, q.Lon), math.Max(hi.Lat, q.Lat)
				ok = true
			}
		}
	}
	return lo, hi, ok
}

// Topology is a decoded TopoJSON topology: for each named object, its polygonal features.
type Topology struct {
	objects map[string][]Feature
}

// Objects returns the names of the topology's objects, sorted.
func (t *Topology) Objects() []string {
	names := make([]string, 0, len(t.objects))
	for n := range t.objects {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Features returns the polygonal features of the named object in the order of its
// geometries, or nil if the topology has no such object. Point and line geometries are
// left out. The result is a fresh copy that the caller may modify.
func (t *Topology) Features(object string) []Feature {
	fs, ok := t.objects[object]
	if !ok {
		return nil
	}
	out := make([]Feature, len(fs))
	for i, f := range fs {
		out[i] = Feature{ID: f.ID, Name: f.Name, Polygons: make([]Polygon, len(f.Polygons))}
		for j, p := range f.Polygons {
			out[i].Polygons[j] = make(Polygon, len(p))
			for k, r := range p {
				out[i].Polygons[j][k] = slices.Clone(r)
			}
		}
	}
	return out
}

type rawTopology struct {
	Type      string                 `json:"type"`
	Transform *rawTransform          `json:"transform"`
	Arcs      [][][]float64          `json:"arcs"`
	Objects   map[string]rawGeometry `json:"objects"`
}

type rawTransform struct {
	Scale     []float64 `json:"scale"`
	Translate []float64 `json:"translate"`
}

type rawGeometry struct {
	Type       string          `json:"type"`
	ID         json.RawMessage `json:"id"`
	Properties json.RawMessage `json:"properties"`
	Arcs       json.RawMessage `json:"arcs"`
	Geometries []rawGeometry   `json:"geometries"`
}

// decoder holds the state of one Decode.
type decoder struct {
	arcs   [][]Point
	points int // positions assembled into rings so far
}

// Decode parses a TopoJSON topology (RFC-style "Topology" with optional quantization
// transform and delta-encoded arcs) and assembles the rings of every Polygon and
// MultiPolygon geometry, following negative arc indices ~i backwards. Geometries of
// other types are skipped.
//
// Decode returns an error if data is not a JSON Topology, if an arc index is out of
// range, an arc has fewer than two positions, consecutive arcs of a ring do not join,
// a ring is not closed or has fewer than four positions, a coordinate is not finite, or
// a limit (MaxBytes, MaxArcs, MaxPoints, MaxDepth) is exceeded; limit errors wrap ErrLimit.
func Decode(data []byte) (*Topology, error) {
	if len(data) > MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes is more than %d", ErrLimit, len(data), MaxBytes)
	}
	var raw rawTopology
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("topomap: %w", err)
	}
	if raw.Type != "Topology" {
		return nil, fmt.Errorf("topomap: type is %q, want \"Topology\"", raw.Type)
	}
	if len(raw.Arcs) > MaxArcs {
		return nil, fmt.Errorf("%w: %d arcs is more than %d", ErrLimit, len(raw.Arcs), MaxArcs)
	}
	var d decoder
	if err := d.decodeArcs(raw.Arcs, raw.Transform); err != nil {
		return nil, err
	}
	t := &Topology{objects: make(map[string][]Feature, len(raw.Objects))}
	for name, g := range raw.Objects {
		var fs []Feature
		if err := d.geometry(&g, 0, &fs); err != nil {
			return nil, fmt.Errorf("topomap: object %q: %w", name, err)
		}
		t.objects[name] = fs
	}
	return t, nil
}

// decodeArcs turns the arcs into absolute positions, undoing the delta encoding and the
// quantization transform if there is one.
func (d *decoder) decodeArcs(arcs [][][]float64, tr *rawTransform) error {
	sx, sy, tx, ty := 1.0, 1.0, 0.0, 0.0
	if tr != nil {
		if len(tr.Scale) != 2 || len(tr.Translate) != 2 {
			return errors.New("topomap: transform needs a scale and a translate of two numbers each")
		}
		sx, sy, tx, ty = tr.Scale[0], tr.Scale[1], tr.Translate[0], tr.Translate[1]
	}
	total := 0
	d.arcs = make([][]Point, len(arcs))
	for i, arc := range arcs {
		if len(arc) < 2 {
			return fmt.Errorf("topomap: arc %d has %d positions, want at least 2", i, len(arc))
		}
		if total += len(arc); total > MaxPoints {
			return fmt.Errorf("%w: arcs have more than %d positions", ErrLimit, MaxPoints)
		}
		pts := make([]Point, len(arc))
		var x, y float64
		for j, pos := range arc {
			if len(pos) < 2 {
				return fmt.Errorf("topomap: arc %d position %d has %d coordinates, want at least 2", i, j, len(pos))
			}
			if tr != nil {
				x, y = x+pos[0], y+pos[1]
				pts[j] = Point{x*sx + tx, y*sy + ty}
			} else {
				pts[j] = Point{pos[0], pos[1]}
			}
			if !finite(pts[j].Lon) || !finite(pts[j].Lat) {
				return fmt.Errorf("topomap: arc %d position %d is not finite", i, j)
			}
		}
		d.arcs[i] = pts
	}
	return nil
}

// geometry appends the features of g, and of its members if it is a collection, to fs.
func (d *decoder) geometry(g *rawGeometry, depth int, fs *[]Feature) error {
	switch g.Type {
	case "GeometryCollection":
		if depth >= MaxDepth {
			return fmt.Errorf("%w: collections nested more than %d deep", ErrLimit, MaxDepth)
		}
		for i := range g.Geometries {
			if err := d.geometry(&g.Geometries[i], depth+1, fs); err != nil {
				return err
			}
		}
		return nil
	case "Polygon", "MultiPolygon":
	case "Point", "MultiPoint", "LineString", "MultiLineString", "":
		return nil // not an area; "" is a null geometry
	default:
		return fmt.Errorf("unknown geometry type %q", g.Type)
	}
	f := Feature{ID: idText(g.ID), Name: nameOf(g.Properties)}
	var polys [][][]int
	if g.Type == "Polygon" {
		var rings [][]int
		if err := json.Unmarshal(nullToEmpty(g.Arcs), &rings); err != nil {
			return fmt.Errorf("polygon %q: arcs: %w", f.ID, err)
		}
		polys = [][][]int{rings}
	} else if err := json.Unmarshal(nullToEmpty(g.Arcs), &polys); err != nil {
		return fmt.Errorf("multipolygon %q: arcs: %w", f.ID, err)
	}
	for _, rings := range polys {
		var p Polygon
		for _, idx := range rings {
			r, err := d.ring(idx)
			if err != nil {
				return fmt.Errorf("%s %q: %w", g.Type, f.ID, err)
			}
			p = append(p, r)
		}
		if len(p) > 0 {
			f.Polygons = append(f.Polygons, p)
		}
	}
	*fs = append(*fs, f)
	return nil
}

// ring assembles a ring from arc indices; index i < 0 means arc ~i reversed. The first
// position of each arc after the first is dropped, being the last of the one before.
func (d *decoder) ring(idx []int) (Ring, error) {
	var r Ring
	for k, i := range idx {
		j := i
		if i < 0 {
			j = ^i
		}
		if j >= len(d.arcs) {
			return nil, fmt.Errorf("arc index %d out of range (%d arcs)", i, len(d.arcs))
		}
		arc := d.arcs[j]
		if d.points += len(arc); d.points > MaxPoints {
			return nil, fmt.Errorf("%w: rings have more than %d positions", ErrLimit, MaxPoints)
		}
		start := len(r)
		r = append(r, arc...)
		if i < 0 {
			slices.Reverse(r[start:])
		}
		if k > 0 {
			if r[start] != r[start-1] {
				return nil, fmt.Errorf("arc %d does not start where arc %d ends", i, idx[k-1])
			}
			r = slices.Delete(r, start, start+1)
		}
	}
	if len(r) < 4 {
		return nil, fmt.Errorf("ring %v has %d positions, want at least 4", idx, len(r))
	}
	if r[0] != r[len(r)-1] {
		return nil, fmt.Errorf("ring %v is not closed", idx)
	}
	return r, nil
}

// idText returns a geometry id as text: a string as is, a number as written.
func idText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// nameOf returns properties.name if it is a string.
func nameOf(props json.RawMessage) string {
	var p struct {
		Name json.RawMessage `json:"name"`
	}
	if json.Unmarshal(props, &p) != nil {
		return ""
	}
	var s string
	if json.Unmarshal(p.Name, &s) != nil {
		return ""
	}
	return s
}

// nullToEmpty maps a missing or null arcs member to an empty array.
func nullToEmpty(raw json.RawMessage) []byte {
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return []byte("[]")
	}
	return raw
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// formatFloat is strconv.FormatFloat(v, 'f', -1, 64) with -0 as 0.
func formatFloat(v float64) string {
	if v == 0 {
		v = 0
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}
