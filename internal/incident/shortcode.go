package incident

import (
	"regexp"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/locales"
)

// Short codes name categories and severities in an SMS incident report (docs/sms.md):
// an observer types "VB" for vote buying, "H" for high. They are optional; a category
// without one cannot be reported by SMS.

var shortRe = regexp.MustCompile(`^[A-Z]{1,4}$`)

// validateShortCodes checks that each short code given is 1 to 4 Latin capitals and
// unique among the severities, and among the categories.
func (t *Taxonomy) validateShortCodes() error {
	bad := func(code string) error {
		return iltod.E(iltod.EInvalid, "error.incident.taxonomy_code", locales.Args{"Code": code})
	}
	seen := map[string]bool{}
	for _, s := range t.Severities {
		if s.SMS == "" {
			continue
		}
		if !shortRe.MatchString(s.SMS) || seen[s.SMS] {
			return bad(s.SMS)
		}
		seen[s.SMS] = true
	}
	seen = map[string]bool{}
	for _, g := range t.Groups {
		for _, c := range g.Categories {
			if c.SMS == "" {
				continue
			}
			if !shortRe.MatchString(c.SMS) || seen[c.SMS] {
				return bad(c.SMS)
			}
			seen[c.SMS] = true
		}
	}
	return nil
}

// CategoryByShort returns the category whose short code is short (upper case), and
// whether there is one.
func (t *Taxonomy) CategoryByShort(short string) (Category, bool) {
	for _, g := range t.Groups {
		for _, c := range g.Categories {
			if c.SMS != "" && c.SMS == short {
				return c, true
			}
		}
	}
	return Category{}, false
}

// SeverityByShort returns the severity whose short code is short (upper case), and
// whether there is one.
func (t *Taxonomy) SeverityByShort(short string) (Severity, bool) {
	for _, s := range t.Severities {
		if s.SMS != "" && s.SMS == short {
			return s, true
		}
	}
	return Severity{}, false
}

// DefaultSeverity is the severity an incident gets when its reporter names none: the
// middle one of the list (medium, in the default taxonomy).
func (t *Taxonomy) DefaultSeverity() Severity {
	return t.Severities[(len(t.Severities)-1)/2]
}

// ShortCodes returns the categories' short codes in taxonomy order, for a reply that
// lists them.
func (t *Taxonomy) ShortCodes() []string {
	var out []string
	for _, g := range t.Groups {
		for _, c := range g.Categories {
			if c.SMS != "" {
				out = append(out, c.SMS)
			}
		}
	}
	return out
}
