package locales

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"text/template/parse"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
)

// namespaces are the first segments a key may have (see the package documentation).
var namespaces = []string{"web", "public", "console", "status", "observe", "error", "qa", "stats", "cli", "format"}

// pluralForms are the CLDR plural categories of each language's cardinal numbers
// (https://www.unicode.org/cldr/charts/latest/supplemental/language_plural_rules.html):
// English and Mongolian both have "one" and "other". A language added to the catalogue
// needs its line here, taken from that table.
var pluralForms = map[string][]string{
	"en": {"one", "other"},
	"mn": {"one", "other"},
}

// forms returns m's plural forms that are set, by CLDR name.
func forms(m *i18n.Message) map[string]string {
	all := map[string]string{"zero": m.Zero, "one": m.One, "two": m.Two, "few": m.Few, "many": m.Many, "other": m.Other}
	maps.DeleteFunc(all, func(_, v string) bool { return v == "" })
	return all
}

// fields returns the template fields ({{.Name}} gives "Name") of every form of m.
func fields(t *testing.T, lang string, m *i18n.Message) []string {
	t.Helper()
	set := map[string]bool{}
	for form, src := range forms(m) {
		trees, err := parse.Parse(m.ID, src, "{{", "}}")
		if err != nil {
			t.Errorf("%s: %s (%s): %v", lang, m.ID, form, err)
			continue
		}
		for _, tree := range trees {
			walkFields(tree.Root, set)
		}
	}
	return slices.Sorted(maps.Keys(set))
}

func walkFields(n parse.Node, set map[string]bool) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			walkFields(c, set)
		}
	case *parse.ActionNode:
		walkFields(n.Pipe, set)
	case *parse.PipeNode:
		if n == nil {
			return
		}
		for _, c := range n.Cmds {
			walkFields(c, set)
		}
	case *parse.CommandNode:
		for _, a := range n.Args {
			walkFields(a, set)
		}
	case *parse.FieldNode:
		set[strings.Join(n.Ident, ".")] = true
	case *parse.IfNode:
		walkBranch(&n.BranchNode, set)
	case *parse.RangeNode:
		walkBranch(&n.BranchNode, set)
	case *parse.WithNode:
		walkBranch(&n.BranchNode, set)
	}
}

func walkBranch(n *parse.BranchNode, set map[string]bool) {
	walkFields(n.Pipe, set)
	walkFields(n.List, set)
	walkFields(n.ElseList, set)
}

// TestCatalogue holds every language to the fallback's keys: the same keys, the same
// placeholders, the plural forms its CLDR rule needs, and no empty message.
func TestCatalogue(t *testing.T) {
	base := catalogue.messages[Fallback]
	if len(base) < 100 {
		t.Fatalf("%s has %d messages; the embedded catalogue did not load", Fallback, len(base))
	}
	for _, lang := range Languages {
		if _, ok := pluralForms[lang]; !ok {
			t.Errorf("%s: no CLDR plural forms listed in pluralForms", lang)
		}
		msgs := catalogue.messages[lang]
		for key, m := range msgs {
			ns, _, _ := strings.Cut(key, ".")
			if !slices.Contains(namespaces, ns) {
				t.Errorf("%s: %s: namespace %q is none of %v", lang, key, ns, namespaces)
			}
			if _, ok := base[key]; !ok {
				t.Errorf("%s: %s is not in %s.toml (a key that is not used, or misspelt)", lang, key, Fallback)
			}
			fs := forms(m)
			for form, v := range fs {
				if strings.TrimSpace(v) == "" {
					t.Errorf("%s: %s (%s) is blank", lang, key, form)
				}
			}
			if m.Other == "" {
				t.Errorf("%s: %s has no text (or no \"other\" plural form)", lang, key)
			}
			if plural := len(fs) > 1 || m.One != ""; plural {
				got := slices.Sorted(maps.Keys(fs))
				if want := pluralForms[lang]; !slices.Equal(got, want) {
					t.Errorf("%s: %s has the plural forms %v; %s needs %v", lang, key, got, lang, want)
				}
			}
		}
		for key, bm := range base {
			m, ok := msgs[key]
			if !ok {
				t.Errorf("%s: %s is missing", lang, key)
				continue
			}
			if got, want := fields(t, lang, m), fields(t, Fallback, bm); !slices.Equal(got, want) {
				t.Errorf("%s: %s has the placeholders %v; %s has %v", lang, key, got, Fallback, want)
			}
			if (len(forms(m)) > 1) != (len(forms(bm)) > 1) {
				t.Errorf("%s: %s is a plural message in one language and not in the other", lang, key)
			}
		}
	}
}

// TestNestedTables checks how go-i18n reads TOML, which the catalogue's layout relies on:
// tables, subtables and dotted keys give dotted IDs; an inline table of CLDR forms is one
// plural message; and a key named like a plural form beside ordinary keys is refused.
func TestNestedTables(t *testing.T) {
	const src = `
[web]
sign_out = "Sign out"
menu.open = "Open the menu"
count = { one = "{{.Count}} report", other = "{{.Count}} reports" }

[web.signin]
title = "Sign in"
`
	msgs, err := i18n.ParseMessageBytes([]byte(src), toml.Unmarshal)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*i18n.Message{}
	for _, m := range msgs {
		got[m.ID] = m
	}
	for id, want := range map[string]string{
		"web.sign_out": "Sign out", "web.menu.open": "Open the menu", "web.signin.title": "Sign in",
		"web.count": "{{.Count}} reports",
	} {
		if m := got[id]; m == nil || m.Other != want {
			t.Errorf("%s: got %+v, want other=%q", id, m, want)
		}
	}
	if m := got["web.count"]; m == nil || m.One != "{{.Count}} report" {
		t.Errorf("web.count: got %+v, want a plural message", m)
	}
	if len(got) != 4 {
		t.Errorf("got %d messages, want 4: %v", len(got), slices.Sorted(maps.Keys(got)))
	}

	// "other" is a plural form: beside an ordinary key it makes the table ambiguous.
	if _, err := i18n.ParseMessageBytes([]byte("[console]\nother = \"Other\"\nname = \"Name\"\n"), toml.Unmarshal); err == nil {
		t.Error("a table mixing a plural form's name with ordinary keys parsed; the README's rule is wrong")
	}
}
