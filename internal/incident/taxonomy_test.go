package incident

import (
	"strings"
	"testing"

	"github.com/iltod/iltod"
)

func TestDefault(t *testing.T) {
	tx := Default()
	want := []string{"election.vote_buying", "election.intimidation", "election.state_resources",
		"election.observer_obstruction", "election.ballot_stuffing", "election.multiple_voting", "election.voter_list",
		"freedoms.journalist_attacked", "freedoms.media_closed", "freedoms.defamation_suit",
		"freedoms.protest_dispersed", "freedoms.speech_arrest", "freedoms.internet_shutdown"}
	for _, code := range want {
		c, ok := tx.Category(code)
		if !ok {
			t.Errorf("no category %s", code)
			continue
		}
		if c.Label["en"] == "" || c.Label["mn"] == "" {
			t.Errorf("%s: label %v lacks a language", code, c.Label)
		}
	}
	for _, s := range []string{"low", "medium", "high", "critical"} {
		if _, ok := tx.Severity(s); !ok {
			t.Errorf("no severity %s", s)
		}
	}
	if err := tx.Check("election.vote_buying", "high"); err != nil {
		t.Errorf("Check: %v", err)
	}
	if err := tx.Check("vote_buying", "high"); iltod.ErrorCodeOf(err) != iltod.EInvalid {
		t.Errorf("Check of a local code: %v", err)
	}
	if err := tx.Check("election.vote_buying", "extreme"); iltod.ErrorCodeOf(err) != iltod.EInvalid {
		t.Errorf("Check of an unknown severity: %v", err)
	}
}

func TestParseRejects(t *testing.T) {
	ok := "version: 1\nseverities: [{code: low, label: {en: Low}}]\ngroups: [{code: g, label: {en: G}, categories: [{code: c, label: {en: C}}]}]\n"
	if _, err := Parse(strings.NewReader(ok)); err != nil {
		t.Fatalf("Parse of a minimal taxonomy: %v", err)
	}
	for name, in := range map[string]string{
		"version":      strings.Replace(ok, "version: 1", "version: 2", 1),
		"syntax":       "version: [",
		"unknown key":  ok + "extra: 1\n",
		"bad code":     strings.Replace(ok, "code: c,", "code: C-1,", 1),
		"dup category": strings.Replace(ok, "[{code: c, label: {en: C}}]", "[{code: c, label: {en: C}}, {code: c, label: {en: D}}]", 1),
		"no label":     strings.Replace(ok, "{code: c, label: {en: C}}", "{code: c}", 1),
		"no severity":  strings.Replace(ok, "[{code: low, label: {en: Low}}]", "[]", 1),
		"no category":  strings.Replace(ok, "[{code: c, label: {en: C}}]", "[]", 1),
		"empty":        "",
	} {
		_, err := Parse(strings.NewReader(in))
		if iltod.ErrorCodeOf(err) != iltod.EInvalid {
			t.Errorf("%s: Parse = %v, want EInvalid", name, err)
			continue
		}
		if e, _ := err.(*iltod.Error); e == nil || e.Key == "" || strings.HasPrefix(e.Message, "error.") {
			t.Errorf("%s: error %v is not from the catalogue", name, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(string(defaultYAML))
	f.Add("version: 1\nseverities: [{code: low, label: {en: Low}}]\ngroups: []\n")
	f.Add("{")
	f.Fuzz(func(t *testing.T, in string) {
		tx, err := Parse(strings.NewReader(in))
		if err != nil {
			if iltod.ErrorCodeOf(err) != iltod.EInvalid {
				t.Fatalf("Parse: %v, want EInvalid", err)
			}
			return
		}
		if err := tx.Validate(); err != nil {
			t.Fatalf("a parsed taxonomy does not validate: %v", err)
		}
	})
}
