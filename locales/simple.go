package locales

import (
	"strconv"
	"strings"
)

// simpleTemplate is a message whose only actions are placeholders, {{.Name}}: most of
// the catalogue. T fills it by substitution, which gives exactly what the template
// engine gives for string and integer values at a small part of the cost; QA writes
// such messages for every check of every report.
type simpleTemplate struct {
	lits  []string // len(names)+1 literal parts, around the placeholders
	names []string
}

// parseSimple returns the simple template of text, or nil if text has any other action.
func parseSimple(text string) *simpleTemplate {
	t := &simpleTemplate{}
	for {
		i := strings.Index(text, "{{")
		if i < 0 {
			t.lits = append(t.lits, text)
			return t
		}
		j := strings.Index(text[i:], "}}")
		if j < 0 {
			return nil
		}
		name, ok := strings.CutPrefix(text[i+2:i+j], ".")
		if !ok || !identifier(name) {
			return nil
		}
		t.lits = append(t.lits, text[:i])
		t.names = append(t.names, name)
		text = text[i+j+2:]
	}
}

func identifier(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		switch {
		case c == '_', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// fill returns t filled with data, or false if a placeholder's value is missing or of
// a type other than a string or an integer: the template engine then decides.
func (t *simpleTemplate) fill(data Args) (string, bool) {
	if len(t.names) == 0 {
		return t.lits[0], true
	}
	var b strings.Builder
	b.WriteString(t.lits[0])
	for i, name := range t.names {
		switch v := data[name].(type) {
		case string:
			b.WriteString(v)
		case int:
			b.WriteString(strconv.Itoa(v))
		case int64:
			b.WriteString(strconv.FormatInt(v, 10))
		case int32:
			b.WriteString(strconv.FormatInt(int64(v), 10))
		case uint64:
			b.WriteString(strconv.FormatUint(v, 10))
		case uint32:
			b.WriteString(strconv.FormatUint(uint64(v), 10))
		default:
			return "", false
		}
		b.WriteString(t.lits[i+1])
	}
	return b.String(), true
}

// simpleTemplates returns the simple templates of lang's messages (their "other" form),
// by key.
func (c *loaded) simpleTemplates(lang string) map[string]*simpleTemplate {
	out := map[string]*simpleTemplate{}
	for key, m := range c.messages[lang] {
		if m.Other == "" {
			continue
		}
		if t := parseSimple(m.Other); t != nil {
			out[key] = t
		}
	}
	return out
}
