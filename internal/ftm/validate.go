package ftm

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"golang.org/x/text/language"
)

// Entity is one FtM entity as FtM's JSON lines carry it:
// {"id": …, "schema": …, "properties": {name: [values…]}}.
type Entity struct {
	ID         string              `json:"id"`
	Schema     string              `json:"schema"`
	Properties map[string][]string `json:"properties"`
}

// ValidationError names the entity and, when there is one, the property
// that breaks a rule of the model.
type ValidationError struct {
	Entity   string
	Schema   string
	Property string
	Msg      string
}

func (e *ValidationError) Error() string {
	if e.Property == "" {
		return fmt.Sprintf("ftm: entity %q (%s): %s", e.Entity, e.Schema, e.Msg)
	}
	return fmt.Sprintf("ftm: entity %q (%s) property %s: %s", e.Entity, e.Schema, e.Property, e.Msg)
}

// Validate checks entities against the model and returns every breach it
// finds, in entity order then property name order; nil means they are
// valid. The rules: an id is present and unique; the schema exists and is
// not abstract; every property is declared on the schema or an ancestor
// (reverse stubs are refused, as FtM does); every value is well formed for
// the property's type (see ValidValue); every entity reference names an
// entity among those given whose schema is the property's range or a
// descendant of it; every required property, own or inherited, has a
// non-empty value.
func (m *Model) Validate(entities []Entity) []error {
	var errs []error
	byID := map[string]*Entity{}
	for i := range entities {
		e := &entities[i]
		if e.ID == "" {
			errs = append(errs, &ValidationError{Entity: e.ID, Schema: e.Schema, Msg: "missing id"})
			continue
		}
		if _, dup := byID[e.ID]; dup {
			errs = append(errs, &ValidationError{Entity: e.ID, Schema: e.Schema, Msg: "duplicate id"})
			continue
		}
		byID[e.ID] = e
	}
	for i := range entities {
		e := &entities[i]
		bad := func(prop, format string, args ...any) {
			errs = append(errs, &ValidationError{Entity: e.ID, Schema: e.Schema, Property: prop, Msg: fmt.Sprintf(format, args...)})
		}
		s := m.Schemas[e.Schema]
		if s == nil {
			bad("", "unknown schema")
			continue
		}
		if s.Abstract {
			bad("", "abstract schema")
		}
		names := make([]string, 0, len(e.Properties))
		for k := range e.Properties {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			p := s.Properties[k]
			if p == nil {
				if s.Stubs[k] {
					bad(k, "reverse property, set it on the other entity")
				} else {
					bad(k, "unknown property")
				}
				continue
			}
			for _, v := range e.Properties[k] {
				if err := ValidValue(p.Type, v); err != nil {
					bad(k, "%v", err)
					continue
				}
				if p.Type != "entity" {
					continue
				}
				target := byID[v]
				if target == nil {
					bad(k, "entity %q not found", v)
					continue
				}
				ts := m.Schemas[target.Schema]
				if ts == nil || !ts.IsA(p.Range) {
					bad(k, "entity %q is a %s, not a %s", v, target.Schema, p.Range)
				}
			}
		}
		for _, r := range s.Required {
			ok := false
			for _, v := range e.Properties[r] {
				if strings.TrimSpace(v) != "" {
					ok = true
				}
			}
			if !ok {
				bad(r, "required property missing")
			}
		}
	}
	return errs
}

var (
	dateRe     = regexp.MustCompile(`^(\d{4})(-(\d{2})(-(\d{2})(T(\d{2})(:(\d{2})(:(\d{2})(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?)?)?)?$`)
	checksumRe = regexp.MustCompile(`^[0-9a-f]{40}$`)
	mimeRe     = regexp.MustCompile(`^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$`)
)

// ftmCountries are the codes FtM's country type uses beyond ISO 3166-1
// alpha-2: territories, historic states and sub-national entities.
var ftmCountries = map[string]bool{
	"zz": true, "eu": true, "xk": true, "csxx": true, "yucs": true, "suhh": true,
	"ddde": true, "ge-ab": true, "ge-sos": true, "gb-eng": true,
	"gb-sct": true, "gb-wls": true, "gb-nir": true, "iq-kr": true, "so-som": true,
	"cy-trnc": true, "az-nk": true, "md-pmr": true, "ua-cri": true, "ua-dpr": true,
	"ua-lpr": true, "x-so": true,
}

// notISO are two-letter codes that golang.org/x/text counts as regions
// but ISO 3166-1 does not assign to a country: exceptionally reserved
// (ac, cp, dg, ea, ic, ta, ez, un …) or withdrawn (an, cs, dd, su, yu,
// for which FtM has its own longer codes).
var notISO = map[string]bool{
	"ac": true, "cp": true, "cq": true, "dg": true, "ea": true, "ez": true, "ic": true,
	"ta": true, "un": true, "fq": true, "nt": true, "pc": true, "an": true, "cs": true,
	"dd": true, "su": true, "yu": true,
}

// ValidValue checks one value against an FtM property type. Types iltod
// does not check in detail (name, string, text, identifier, address …)
// only refuse empty values. Checked types:
//   - date: an ISO 8601 prefix: YYYY, YYYY-MM, YYYY-MM-DD, then optionally
//     THH, THH:MM, THH:MM:SS with fraction and zone, each part in range;
//   - country: an ISO 3166-1 alpha-2 code in lower case, or one of the
//     extra codes FtM uses (zz, eu, xk, gb-sct …);
//   - url: an absolute http, https, ftp or mailto URL;
//   - entity: a non-empty id without spaces;
//   - checksum: a lower-case SHA-1 hex digest, as the schema describes
//     contentHash ("SHA1 hash of the data");
//   - mimetype: type/subtype in lower case;
//   - number: a decimal number.
func ValidValue(typ, v string) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("empty %s value", typ)
	}
	switch typ {
	case "date":
		if !validDate(v) {
			return fmt.Errorf("invalid date %q", v)
		}
	case "country":
		if !validCountry(v) {
			return fmt.Errorf("invalid country %q", v)
		}
	case "url":
		u, err := url.Parse(v)
		if err != nil || !u.IsAbs() {
			return fmt.Errorf("invalid url %q", v)
		}
		switch u.Scheme {
		case "http", "https", "ftp":
			if u.Host == "" {
				return fmt.Errorf("invalid url %q", v)
			}
		case "mailto":
		default:
			return fmt.Errorf("invalid url %q", v)
		}
	case "entity":
		if strings.ContainsAny(v, " \t\r\n") {
			return fmt.Errorf("invalid entity id %q", v)
		}
	case "checksum":
		if !checksumRe.MatchString(v) {
			return fmt.Errorf("invalid checksum %q (want SHA-1 hex)", v)
		}
	case "mimetype":
		if !mimeRe.MatchString(v) {
			return fmt.Errorf("invalid mime type %q", v)
		}
	case "number":
		if _, err := fmt.Sscan(v, new(float64)); err != nil || strings.ContainsAny(v, " \t") {
			return fmt.Errorf("invalid number %q", v)
		}
	}
	return nil
}

func validDate(v string) bool {
	g := dateRe.FindStringSubmatch(v)
	if g == nil {
		return false
	}
	// Fill the missing parts with their smallest value and let time check
	// the ranges (month 1–12, day of that month, hour, minute, second).
	mo, d, h, mi, s := "01", "01", "00", "00", "00"
	if g[3] != "" {
		mo = g[3]
	}
	if g[5] != "" {
		d = g[5]
	}
	if g[7] != "" {
		h = g[7]
	}
	if g[9] != "" {
		mi = g[9]
	}
	if g[11] != "" {
		s = g[11]
	}
	_, err := time.Parse("2006-01-02T15:04:05", g[1]+"-"+mo+"-"+d+"T"+h+":"+mi+":"+s)
	return err == nil
}

func validCountry(v string) bool {
	if ftmCountries[v] {
		return true
	}
	if len(v) != 2 || strings.ToLower(v) != v || v[0] < 'a' || v[0] > 'z' || v[1] < 'a' || v[1] > 'z' {
		return false
	}
	if notISO[v] {
		return false
	}
	r, err := language.ParseRegion(v)
	if err != nil {
		return false
	}
	return r.IsCountry() && strings.EqualFold(r.Canonicalize().String(), v)
}
