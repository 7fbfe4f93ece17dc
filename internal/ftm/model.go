// Package ftm holds iltod's FollowTheMoney (FtM) support: a model loaded
// from the FtM schema files, a validator for entities against that model,
// and a writer of FtM entities as JSON lines, the format FtM tools read.
//
// The package is self-contained: it reads the upstream schema YAML files
// as they are published and knows nothing of iltod's stores.
package ftm

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"

	"go.yaml.in/yaml/v3"
)

// Property is one property of a schema, as declared in the schema files.
type Property struct {
	Name string
	// Type is the FtM property type (name, string, text, date, entity,
	// url, country, identifier, checksum …). Empty in the files means
	// "string", and Type holds "string" then.
	Type string
	// Range is, for entity properties, the schema the target must be (or
	// descend from).
	Range string
	// Schema is the schema that declares the property.
	Schema string
	// Reverse is the name of the stub property that FtM adds to Range; it
	// is set on the range schema, never in data.
	Reverse string
}

// Schema is one schema with its inheritance resolved.
type Schema struct {
	Name     string
	Abstract bool
	// Extends lists the direct parents, in file order.
	Extends []string
	// Properties holds the schema's own and inherited properties.
	Properties map[string]*Property
	// Required holds the schema's own and inherited required properties,
	// sorted.
	Required []string
	// Stubs holds the reverse property names that other schemas' entity
	// properties define on this schema or its ancestors; FtM refuses them
	// in data.
	Stubs map[string]bool
	// ancestors holds the schema itself and every ancestor.
	ancestors map[string]bool
}

// IsA reports whether s is the schema named other or descends from it.
func (s *Schema) IsA(other string) bool { return s.ancestors[other] }

// Model is a loaded FtM model.
type Model struct {
	Schemas map[string]*Schema
}

type rawProperty struct {
	Type    string `yaml:"type"`
	Range   string `yaml:"range"`
	Reverse struct {
		Name string `yaml:"name"`
	} `yaml:"reverse"`
}

type rawSchema struct {
	Extends    []string               `yaml:"extends"`
	Abstract   bool                   `yaml:"abstract"`
	Required   []string               `yaml:"required"`
	Properties map[string]rawProperty `yaml:"properties"`
}

// LoadModel reads every *.yaml and *.yml file at the root of fsys, each
// mapping schema names to their definitions, and resolves inheritance:
// properties and required properties are inherited from every ancestor
// (multiple inheritance), a schema's own declaration overriding an
// inherited one. It fails on unreadable YAML, a duplicate schema, an
// unknown parent, an inheritance cycle, an entity property whose range is
// unknown, or a required property that the schema does not have.
func LoadModel(fsys fs.FS) (*Model, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("ftm: read schema directory: %w", err)
	}
	raws := map[string]rawSchema{}
	for _, e := range entries {
		ext := path.Ext(e.Name())
		if e.IsDir() || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		b, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("ftm: %w", err)
		}
		var doc map[string]rawSchema
		if err := yaml.Unmarshal(b, &doc); err != nil {
			return nil, fmt.Errorf("ftm: %s: %w", e.Name(), err)
		}
		for name, rs := range doc {
			if _, dup := raws[name]; dup {
				return nil, fmt.Errorf("ftm: %s: schema %s defined twice", e.Name(), name)
			}
			raws[name] = rs
		}
	}
	if len(raws) == 0 {
		return nil, errors.New("ftm: no schema files found")
	}
	m := &Model{Schemas: map[string]*Schema{}}
	state := map[string]int{} // 1 resolving, 2 done
	var resolve func(name string) (*Schema, error)
	resolve = func(name string) (*Schema, error) {
		switch state[name] {
		case 1:
			return nil, fmt.Errorf("ftm: inheritance cycle through %s", name)
		case 2:
			return m.Schemas[name], nil
		}
		rs, ok := raws[name]
		if !ok {
			return nil, fmt.Errorf("ftm: unknown schema %s", name)
		}
		state[name] = 1
		s := &Schema{Name: name, Abstract: rs.Abstract, Extends: rs.Extends,
			Properties: map[string]*Property{}, Stubs: map[string]bool{},
			ancestors: map[string]bool{name: true}}
		req := map[string]bool{}
		for _, p := range rs.Extends {
			ps, err := resolve(p)
			if err != nil {
				return nil, fmt.Errorf("%w (parent of %s)", err, name)
			}
			for a := range ps.ancestors {
				s.ancestors[a] = true
			}
			for k, v := range ps.Properties {
				if _, ok := s.Properties[k]; !ok {
					s.Properties[k] = v
				}
			}
			for _, r := range ps.Required {
				req[r] = true
			}
		}
		for k, rp := range rs.Properties {
			t := rp.Type
			if t == "" {
				t = "string"
			}
			s.Properties[k] = &Property{Name: k, Type: t, Range: rp.Range, Schema: name, Reverse: rp.Reverse.Name}
		}
		for _, r := range rs.Required {
			req[r] = true
		}
		for r := range req {
			if _, ok := s.Properties[r]; !ok {
				return nil, fmt.Errorf("ftm: schema %s requires unknown property %s", name, r)
			}
			s.Required = append(s.Required, r)
		}
		sort.Strings(s.Required)
		m.Schemas[name] = s
		state[name] = 2
		return s, nil
	}
	for name := range raws {
		if _, err := resolve(name); err != nil {
			return nil, err
		}
	}
	// Entity ranges must exist; reverse names become stubs on the range
	// and, by inheritance, on its descendants.
	for _, s := range m.Schemas {
		for _, p := range s.Properties {
			if p.Type != "entity" {
				continue
			}
			if _, ok := m.Schemas[p.Range]; !ok {
				return nil, fmt.Errorf("ftm: %s.%s: unknown range %q", p.Schema, p.Name, p.Range)
			}
			if p.Reverse == "" {
				continue
			}
			for _, t := range m.Schemas {
				if t.IsA(p.Range) {
					if _, own := t.Properties[p.Reverse]; !own {
						t.Stubs[p.Reverse] = true
					}
				}
			}
		}
	}
	return m, nil
}

// Schema returns the named schema, or nil.
func (m *Model) Schema(name string) *Schema { return m.Schemas[name] }
