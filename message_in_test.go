package iltod

import (
	"testing"

	"github.com/iltod/iltod/locales"
)

// TestMessageInFast: In, which fills simple catalogue messages itself, writes what the
// catalogue's T and N write (in), whatever the message: missing arguments, unknown keys,
// messages that are not simple templates, plural forms, lists, given words.
func TestMessageInFast(t *testing.T) {
	n := func(v int) *int { return &v }
	lit := Lit
	for _, m := range []Message{
		{},
		lit("CB 1021"),
		Msg("qa.check.over_voting_pass", map[string]Message{"Figures": lit("CB 1"), "Registered": lit("2"),
			"Source": Msg("qa.source.answer", map[string]Message{"Tag": lit("RV")}), "Allowance": lit("0")}),
		Msg("qa.check.over_voting_pass", map[string]Message{"Figures": lit("CB 1")}), // arguments missing
		Msg("qa.check.over_voting_pass", nil),
		Msg("qa.source.register", nil),
		Msg("qa.source.register", map[string]Message{"Extra": lit("x")}),
		Msg("no.such.key", map[string]Message{"A": lit("a")}),
		Msg("qa.absent.not_answered", map[string]Message{"Tags": lit("")}),
		Msg("qa.rule.message", map[string]Message{"Message": {Texts: Text{"en": "Too many", "mn": "Хэт олон"}},
			"Detail": Msg("qa.rule.fails", map[string]Message{"Rule": lit("A < B")})}),
		Msg("qa.rule.message", map[string]Message{"Message": {Texts: Text{"fr": "trop"}}, "Detail": lit("")}),
		MsgN("qa.check.and_more", 3, map[string]Message{"List": lit("A, B")}),
		{Key: "qa.check.device_clock.seconds", N: n(1)},
		{Key: "qa.check.device_clock.minutes", N: n(15)},
		Msg("qa.check.device_clock.ahead_pass", map[string]Message{"Skew": MsgN("qa.check.device_clock.seconds", 2, nil),
			"Tolerance": MsgN("qa.check.device_clock.minutes", 15, nil)}),
		Join(" = ", lit("LV 870"), Join("", Join("", lit("sum("), lit("PB, PR"), lit(")")), lit(" 870"))),
		{List: []Message{}, Sep: ", "},
		Msg("qa.check.tally_manual", map[string]Message{"Detail": {List: []Message{}}}),
		Msg("format.date", nil),
	} {
		for _, lang := range append(locales.Languages, "fr", "") {
			if got, want := m.In(lang), m.in(lang); got != want {
				t.Errorf("%+v in %q: %q, want %q", m, lang, got, want)
			}
		}
	}
}
