// Package incident keeps the incident taxonomy as data: the categories an incident is
// filed under, grouped (election, freedoms), and the severities it may carry, each with
// a label in several languages. The default taxonomy is embedded (taxonomy.yaml); an
// election package may bring its own in the same format.
package incident

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/locales"
)

//go:embed taxonomy.yaml
var defaultYAML []byte

// MaxTaxonomySize is the largest taxonomy file Parse reads, in bytes.
const MaxTaxonomySize = 1 << 20

// Taxonomy is a set of incident categories in groups, and the severities.
type Taxonomy struct {
	Version    int        `yaml:"version" json:"version"`
	Severities []Severity `yaml:"severities" json:"severities"`
	Groups     []Group    `yaml:"groups" json:"groups"`
}

// Severity is one level of severity, listed from the least to the most severe.
type Severity struct {
	Code string `yaml:"code" json:"code"`
	// SMS is the severity's short code in an SMS incident report, or "" for none.
	SMS   string     `yaml:"sms,omitempty" json:"sms,omitempty"`
	Label iltod.Text `yaml:"label" json:"label"`
}

// Group holds related categories; its code prefixes theirs.
type Group struct {
	Code       string     `yaml:"code" json:"code"`
	Label      iltod.Text `yaml:"label" json:"label"`
	Categories []Category `yaml:"categories" json:"categories"`
}

// Category is one kind of incident. Its Code in the file is local to its group; Parse
// sets it to the full, stable code "GROUP.CODE", e.g. "election.vote_buying".
type Category struct {
	Code string `yaml:"code" json:"code"`
	// SMS is the category's short code in an SMS incident report, or "" for none.
	SMS   string     `yaml:"sms,omitempty" json:"sms,omitempty"`
	Label iltod.Text `yaml:"label" json:"label"`
}

var codeRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// Default returns a fresh copy of the embedded default taxonomy.
func Default() *Taxonomy {
	t, err := Parse(bytes.NewReader(defaultYAML))
	if err != nil {
		panic("incident: the embedded taxonomy is invalid: " + err.Error())
	}
	return t
}

// Parse reads a taxonomy in YAML and validates it. It returns an *iltod.Error with
// code EInvalid, whose message names the first problem, for malformed or invalid input.
func Parse(r io.Reader) (*Taxonomy, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxTaxonomySize+1))
	if err != nil {
		return nil, iltod.E(iltod.EInvalid, "error.incident.taxonomy_read", nil)
	}
	if len(b) > MaxTaxonomySize {
		return nil, iltod.E(iltod.EInvalid, "error.incident.taxonomy_too_large", locales.Args{"Max": MaxTaxonomySize})
	}
	var t Taxonomy
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&t); err != nil && !errors.Is(err, io.EOF) {
		return nil, iltod.E(iltod.EInvalid, "error.incident.taxonomy_syntax", nil)
	}
	for gi := range t.Groups {
		g := &t.Groups[gi]
		for ci := range g.Categories {
			c := &g.Categories[ci]
			if codeRe.MatchString(g.Code) && codeRe.MatchString(c.Code) {
				c.Code = g.Code + "." + c.Code
			} else {
				return nil, iltod.E(iltod.EInvalid, "error.incident.taxonomy_code", locales.Args{"Code": g.Code + "." + c.Code})
			}
		}
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	return &t, nil
}

// Validate checks a parsed taxonomy: version 1, at least one severity and one category,
// well-formed unique codes, and a valid label on each entry.
func (t *Taxonomy) Validate() error {
	if t.Version != 1 {
		return iltod.E(iltod.EInvalid, "error.incident.taxonomy_version", locales.Args{"Version": t.Version})
	}
	if len(t.Severities) == 0 {
		return iltod.E(iltod.EInvalid, "error.incident.taxonomy_no_severity", nil)
	}
	seen := map[string]bool{}
	check := func(code string, label iltod.Text) error {
		if seen[code] {
			return iltod.E(iltod.EInvalid, "error.incident.taxonomy_duplicate", locales.Args{"Code": code})
		}
		seen[code] = true
		if label.Validate() != nil {
			return iltod.E(iltod.EInvalid, "error.incident.taxonomy_label", locales.Args{"Code": code})
		}
		return nil
	}
	for _, s := range t.Severities {
		if !codeRe.MatchString(s.Code) {
			return iltod.E(iltod.EInvalid, "error.incident.taxonomy_code", locales.Args{"Code": s.Code})
		}
		if err := check("severity:"+s.Code, s.Label); err != nil {
			return err
		}
	}
	n := 0
	for _, g := range t.Groups {
		if !codeRe.MatchString(g.Code) {
			return iltod.E(iltod.EInvalid, "error.incident.taxonomy_code", locales.Args{"Code": g.Code})
		}
		if err := check(g.Code, g.Label); err != nil {
			return err
		}
		for _, c := range g.Categories {
			grp, local, ok := strings.Cut(c.Code, ".")
			if !ok || grp != g.Code || !codeRe.MatchString(local) {
				return iltod.E(iltod.EInvalid, "error.incident.taxonomy_code", locales.Args{"Code": c.Code})
			}
			if err := check(c.Code, c.Label); err != nil {
				return err
			}
			n++
		}
	}
	if n == 0 {
		return iltod.E(iltod.EInvalid, "error.incident.taxonomy_no_category", nil)
	}
	return t.validateShortCodes()
}

// Category returns the category with the full code, and whether there is one.
func (t *Taxonomy) Category(code string) (Category, bool) {
	for _, g := range t.Groups {
		for _, c := range g.Categories {
			if c.Code == code {
				return c, true
			}
		}
	}
	return Category{}, false
}

// Severity returns the severity with the code, and whether there is one.
func (t *Taxonomy) Severity(code string) (Severity, bool) {
	for _, s := range t.Severities {
		if s.Code == code {
			return s, true
		}
	}
	return Severity{}, false
}

// Check returns an EInvalid error unless category and severity are in t.
func (t *Taxonomy) Check(category, severity string) error {
	if _, ok := t.Category(category); !ok {
		return iltod.E(iltod.EInvalid, "error.incident.unknown_category", locales.Args{"Code": category})
	}
	if _, ok := t.Severity(severity); !ok {
		return iltod.E(iltod.EInvalid, "error.incident.unknown_severity", locales.Args{"Code": severity})
	}
	return nil
}

// JSON returns t as the JSON an election keeps (iltod.Election.Taxonomy).
func (t *Taxonomy) JSON() ([]byte, error) { return json.Marshal(t) }

// FromJSON reads a taxonomy that JSON wrote and validates it. It returns an
// *iltod.Error with code EInvalid for malformed or invalid input, or input over
// MaxTaxonomySize.
func FromJSON(b []byte) (*Taxonomy, error) {
	if len(b) > MaxTaxonomySize {
		return nil, iltod.E(iltod.EInvalid, "error.incident.taxonomy_too_large", locales.Args{"Max": MaxTaxonomySize})
	}
	var t Taxonomy
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return nil, iltod.E(iltod.EInvalid, "error.incident.taxonomy_syntax", nil)
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	return &t, nil
}
