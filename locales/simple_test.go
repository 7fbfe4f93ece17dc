package locales

import (
	"fmt"
	"testing"

	"github.com/nicksnyder/go-i18n/v2/i18n"
)

// slow is localize without the fast path: what the template engine gives.
func (p *Printer) slow(key string, data Args) string {
	lc := &i18n.LocalizeConfig{MessageID: key, TemplateData: p.resolveKeys(data), TemplateParser: parser}
	if s, err := p.loc.Localize(lc); err == nil && s != "" {
		return s
	}
	if s, err := p.fallback.Localize(lc); err == nil && s != "" {
		return s
	}
	return key
}

// TestSimpleTemplatesAsEngine fills every message of the catalogue, in every language,
// with strings, with integers and with a placeholder missing, and checks that T gives
// exactly what the template engine gives; and that most messages take the fast path.
func TestSimpleTemplatesAsEngine(t *testing.T) {
	for _, lang := range Languages {
		p := For(lang)
		fast := 0
		for _, key := range Keys(lang) {
			names := map[string]bool{}
			if st := p.simple[key]; st != nil {
				fast++
				for _, n := range st.names {
					names[n] = true
				}
			}
			if st := p.fallbackSimple[key]; st != nil {
				for _, n := range st.names {
					names[n] = true
				}
			}
			strs, ints, missing := Args{}, Args{}, Args{}
			i := 0
			for n := range names {
				strs[n] = fmt.Sprintf("«%s %d»", n, i)
				ints[n] = int64(1000 + i)
				if i > 0 {
					missing[n] = "x"
				}
				i++
			}
			for _, data := range []Args{strs, ints, missing, nil} {
				if got, want := p.T(key, data), p.slow(key, data); got != want {
					t.Errorf("%s %s %v: T = %q, the engine %q", lang, key, data, got, want)
				}
			}
		}
		if n := len(Keys(lang)); fast < n/2 {
			t.Errorf("%s: %d of %d messages are simple templates", lang, fast, n)
		}
	}
	if got := For("en").T("no.such.key", Args{"X": 1}); got != "no.such.key" {
		t.Errorf("a missing key gives %q", got)
	}
}

func TestParseSimple(t *testing.T) {
	for _, c := range []struct {
		text   string
		simple bool
	}{
		{"plain", true},
		{"{{.A}} and {{.B_2}}", true},
		{"", true},
		{"{{.A}", false},
		{"{{ .A }}", false},
		{"{{.A | upper}}", false},
		{"{{if .A}}x{{end}}", false},
		{"{{.A.B}}", false},
		{"{{.2A}}", false},
		{"{{- .A}}", false},
	} {
		if got := parseSimple(c.text) != nil; got != c.simple {
			t.Errorf("parseSimple(%q) simple = %v, want %v", c.text, got, c.simple)
		}
	}
}

func FuzzSimpleTemplate(f *testing.F) {
	f.Add("{{.A}} of {{.B}}", "x", "y")
	f.Add("{{.A}}{{.A}}", "", "}}")
	f.Fuzz(func(t *testing.T, text, a, b string) {
		st := parseSimple(text)
		if st == nil {
			return
		}
		data := Args{"A": a, "B": b}
		got, ok := st.fill(data)
		want, err := renderEngine(text, data)
		if !ok {
			return
		}
		if err != nil || got != want {
			t.Fatalf("fill(%q, %q) = %q; the engine %q, %v", text, data, got, want, err)
		}
	})
}

func renderEngine(text string, data Args) (string, error) {
	pt, err := parser.Parse(text, "{{", "}}")
	if err != nil {
		return "", err
	}
	return pt.Execute(data)
}
