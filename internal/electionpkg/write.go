package electionpkg

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/iltod/iltod"
)

// Write writes p as a package into dir, creating dir if needed and overwriting the
// package's files. Read of the result gives back p, except that names are NFC-normalised.
// p should be valid; Write does not check it. A demo election's manifest says so at its top.
func Write(dir string, p *iltod.Package) error {
	files, err := Files(p)
	if err != nil {
		return err
	}
	for _, f := range files {
		full := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return fmt.Errorf("write package: %w", err)
		}
		if err := os.WriteFile(full, f.Data, 0o644); err != nil {
			return fmt.Errorf("write package: %w", err)
		}
	}
	return nil
}

// File is one file of a package: its slash-separated name within the package, and content.
type File struct {
	Name string
	Data []byte
}

// Files renders p as the files of a package, the manifest first.
func Files(p *iltod.Package) ([]File, error) {
	langs := languages(p)
	var obs *observationHead
	if o := p.Election.Observation; o != nil {
		obs = &observationHead{}
		if o.GeofenceMetres != 0 {
			obs.GeofenceM = &o.GeofenceMetres
		}
		if o.ClockSkewSeconds != 0 {
			obs.ClockSkewS = &o.ClockSkewSeconds
		}
	}
	m := manifest{
		Format: Format,
		Election: electionHead{ID: p.Election.ID, Name: p.Election.Name, Date: p.Election.Date,
			Kind: p.Election.Kind, Country: p.Election.Country, Languages: p.Election.Languages, Demo: p.Election.Demo,
			Observation: obs},
		Parties: p.Election.Parties,
		Bodies:  p.Election.Bodies,
		Files:   manifestFiles{Areas: "areas.csv", Stations: "stations.csv"},
	}
	var out []File
	add := func(name string, data []byte, err error) error {
		if err != nil {
			return fmt.Errorf("render %s: %w", name, err)
		}
		out = append(out, File{Name: name, Data: data})
		return nil
	}
	data, err := areasCSV(p.Areas, langs)
	if err := add("areas.csv", data, err); err != nil {
		return nil, err
	}
	data, err = stationsCSV(p.Stations, langs)
	if err := add("stations.csv", data, err); err != nil {
		return nil, err
	}
	if len(p.Observers) > 0 {
		m.Files.Observers = "observers.csv"
		data, err := observersCSV(p.Observers)
		if err := add("observers.csv", data, err); err != nil {
			return nil, err
		}
	}
	if len(p.Contests) > 0 {
		m.Files.Contests = []string{"contests.yaml"}
		data, err := toYAML(contestsFile{Contests: p.Contests}, "")
		if err := add("contests.yaml", data, err); err != nil {
			return nil, err
		}
	}
	for _, f := range p.Forms {
		name := fmt.Sprintf("forms/%s-v%d.yaml", f.Code, f.Version)
		m.Files.Forms = append(m.Files.Forms, name)
		data, err := toYAML(f, "")
		if err := add(name, data, err); err != nil {
			return nil, err
		}
	}
	if len(p.Election.Taxonomy) > 0 {
		data, err := taxonomyYAML(p.Election.Taxonomy)
		if err := add(TaxonomyFile, data, err); err != nil {
			return nil, err
		}
	}
	head := "iltod election package: see docs/package-format.md"
	if p.Election.Demo {
		head = "DEMONSTRATION DATA: not a real election; parties, candidates and observers are fictional.\n" + head
	}
	data, err = toYAML(m, head)
	if err != nil {
		return nil, fmt.Errorf("render manifest: %w", err)
	}
	return append([]File{{Name: "election.yaml", Data: data}}, out...), nil
}

// languages lists the languages used in names: the election's own first, then any other.
func languages(p *iltod.Package) []string {
	langs := slices.Clone(p.Election.Languages)
	seen := map[string]bool{}
	for _, l := range langs {
		seen[l] = true
	}
	var extra []string
	note := func(t iltod.Text) {
		for l := range t {
			if !seen[l] {
				seen[l] = true
				extra = append(extra, l)
			}
		}
	}
	for _, a := range p.Areas {
		note(a.Name)
	}
	for _, s := range p.Stations {
		note(s.Name)
	}
	slices.Sort(extra)
	return append(langs, extra...)
}

func nameCols(langs []string) []string {
	cols := make([]string, len(langs))
	for i, l := range langs {
		cols[i] = "name_" + l
	}
	return cols
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func writeCSV(header []string, rows func(emit func([]string) error) error) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(header); err != nil {
		return nil, err
	}
	if err := rows(w.Write); err != nil {
		return nil, err
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

func areasCSV(areas []iltod.Area, langs []string) ([]byte, error) {
	hasLoc := slices.ContainsFunc(areas, func(a iltod.Area) bool { return a.Location != nil })
	header := append([]string{"code", "parent", "level"}, nameCols(langs)...)
	if hasLoc {
		header = append(header, "lat", "lon")
	}
	return writeCSV(header, func(emit func([]string) error) error {
		for _, a := range areas {
			row := []string{a.Code, a.Parent, string(a.Level)}
			for _, l := range langs {
				row = append(row, a.Name[l])
			}
			if hasLoc {
				row = append(row, pointCells(a.Location)...)
			}
			if err := emit(row); err != nil {
				return err
			}
		}
		return nil
	})
}

func pointCells(p *iltod.Point) []string {
	if p == nil {
		return []string{"", ""}
	}
	return []string{ftoa(p.Lat), ftoa(p.Lon)}
}

func stationsCSV(stations []iltod.Station, langs []string) ([]byte, error) {
	hasLoc := slices.ContainsFunc(stations, func(s iltod.Station) bool { return s.Location != nil })
	header := append([]string{"code", "area"}, nameCols(langs)...)
	header = append(header, "registered", "stratum")
	if hasLoc {
		header = append(header, "lat", "lon")
	}
	return writeCSV(header, func(emit func([]string) error) error {
		for _, s := range stations {
			row := []string{s.Code, s.Area}
			for _, l := range langs {
				row = append(row, s.Name[l])
			}
			row = append(row, strconv.Itoa(s.Registered), s.Stratum)
			if hasLoc {
				row = append(row, pointCells(s.Location)...)
			}
			if err := emit(row); err != nil {
				return err
			}
		}
		return nil
	})
}

func observersCSV(obs []iltod.Observer) ([]byte, error) {
	header := []string{"code", "name", "phones", "stations", "role", "supervisor"}
	// The optional columns are written only when an observer has a value in them, so
	// that a package without them reads as it was written.
	lang := slices.ContainsFunc(obs, func(o iltod.Observer) bool { return o.Lang != "" })
	pin := slices.ContainsFunc(obs, func(o iltod.Observer) bool { return o.PIN != "" })
	if lang {
		header = append(header, "lang")
	}
	if pin {
		header = append(header, "pin")
	}
	return writeCSV(header, func(emit func([]string) error) error {
		for _, o := range obs {
			row := []string{o.Code, o.Name, strings.Join(o.Phones, ";"), strings.Join(o.Stations, ";"), string(o.Role), o.Supervisor}
			if lang {
				row = append(row, o.Lang)
			}
			if pin {
				row = append(row, o.PIN)
			}
			if err := emit(row); err != nil {
				return err
			}
		}
		return nil
	})
}

// toYAML renders v through its JSON form, keeping field order, as block YAML in which
// small maps of plain values (names, points, systems) stay on one line.
func toYAML(v any, headComment string) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	n, err := jsonNode(dec)
	if err != nil {
		return nil, err
	}
	n.HeadComment = headComment
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// jsonNode builds a yaml.Node from the next JSON value of dec.
func jsonNode(dec *json.Decoder) (*yaml.Node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ := k.(string)
				val, err := jsonNode(dec)
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, val)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			if flat(n, 6) {
				n.Style = yaml.FlowStyle
			}
			return n, nil
		case '[':
			n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
			for dec.More() {
				val, err := jsonNode(dec)
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, val)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			if flat(n, 12) {
				n.Style = yaml.FlowStyle
			}
			return n, nil
		}
		return nil, fmt.Errorf("unexpected %v", t)
	case string:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: t}, nil
	case json.Number:
		tag := "!!int"
		if strings.ContainsAny(t.String(), ".eE") {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: t.String()}, nil
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(t)}, nil
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, nil
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

// flat reports whether n holds at most max plain or flow values, short enough for one line.
func flat(n *yaml.Node, max int) bool {
	if len(n.Content) > 2*max {
		return false
	}
	for _, c := range n.Content {
		if c.Kind != yaml.ScalarNode && c.Style != yaml.FlowStyle {
			return false
		}
	}
	return width(n) <= 100
}

// width estimates the length of n written on one line.
func width(n *yaml.Node) int {
	w := len(n.Value) + 4
	for _, c := range n.Content {
		w += width(c)
	}
	return w
}
