package iltod_test

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/iltod/iltod"
)

// TestMessageJSON checks that every shape of Message reads back as it was written, so
// that a stored QA result is shown later exactly as it was made.
func TestMessageJSON(t *testing.T) {
	for name, m := range map[string]iltod.Message{
		"literal":       iltod.Lit("CB 1021"),
		"empty literal": {},
		"odd literal":   iltod.Lit("<\"\\\x00é\u2028>"),
		"key":           iltod.Msg("qa.answer.required", nil),
		"key with args": iltod.Msg("qa.answer.above_max", map[string]iltod.Message{"Value": iltod.Lit("1200"), "Max": iltod.Lit("1000")}),
		"plural":        iltod.MsgN("qa.check.and_more", 0, map[string]iltod.Message{"List": iltod.Lit("A, B")}),
		"list":          iltod.Join("; ", iltod.Lit("a"), iltod.Msg("qa.rule.yes", nil)),
		"texts":         {Texts: iltod.Text{"en": "Too many", "mn": "Хэт олон"}},
		"nested": iltod.Msg("qa.rule.message", map[string]iltod.Message{
			"Message": {Texts: iltod.Text{"en": "Over 5% invalid"}},
			"Detail":  iltod.Join(", ", iltod.Msg("qa.rule.fails", map[string]iltod.Message{"Rule": iltod.Lit("A < B")})),
		}),
	} {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var got iltod.Message
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%s: %s does not read back: %v", name, b, err)
		}
		if !reflect.DeepEqual(got, m) {
			t.Errorf("%s: %s reads back as %#v, want %#v", name, b, got, m)
		}
		if got.In("mn") != m.In("mn") || got.English() != m.English() {
			t.Errorf("%s: reads back as another text", name)
		}
	}
	for _, bad := range []string{`{}`, `{"sep":", "}`, `3`, `{"key":1}`, `[]`} {
		var m iltod.Message
		if err := json.Unmarshal([]byte(bad), &m); err == nil {
			t.Errorf("%s read as a message: %#v", bad, m)
		}
	}
}

// TestMessageIn checks that a Message is written in the language asked for, arguments
// included, and that literals and a rule's own words are left as they were given.
func TestMessageIn(t *testing.T) {
	m := iltod.Msg("qa.rule.message", map[string]iltod.Message{
		"Message": {Texts: iltod.Text{"en": "Too many ballots", "mn": "Хэт олон хуудас"}},
		"Detail": iltod.Msg("qa.rule.fails_with", map[string]iltod.Message{
			"Rule":   iltod.Lit("CB <= RV"),
			"Values": iltod.Join(", ", iltod.Lit("CB = 1021"), iltod.Join("", iltod.Lit("answered(CV) = "), iltod.Msg("qa.rule.yes", nil))),
		}),
	})
	for lang, want := range map[string]string{
		"en": "Too many ballots: CB <= RV does not hold with CB = 1021, answered(CV) = yes",
		"mn": "Хэт олон хуудас: CB <= RV биелэхгүй байна: CB = 1021, answered(CV) = тийм",
	} {
		if got := m.In(lang); got != want {
			t.Errorf("In(%q) = %q, want %q", lang, got, want)
		}
	}
	// A rule message given in English only is shown in English to a Mongolian reader.
	en := iltod.Message{Texts: iltod.Text{"en": "Too many"}}
	if got := en.In("mn"); got != "Too many" {
		t.Errorf("English-only words in mn = %q", got)
	}
	if got := iltod.MsgN("qa.check.machine_manual_pass", 1, map[string]iltod.Message{"Tolerance": iltod.Lit("0")}).English(); got != "1 choice agrees within 0" {
		t.Errorf("plural one = %q", got)
	}
}

// TestProblemsIn checks the language of validation problems, and that ErrorMessageIn
// writes Problems in the reader's language, those without a Msg staying in English.
func TestProblemsIn(t *testing.T) {
	ps := iltod.Problems{
		iltod.Problemf("N", iltod.Msg("qa.answer.above_max", map[string]iltod.Message{"Value": iltod.Lit("1200"), "Max": iltod.Lit("1000")})),
		iltod.Problemf("CV", iltod.Msg("qa.answer.required", nil)),
		{Field: "X", Message: "an old English problem"},
	}
	if ps[0].Message != "1200 is above the maximum 1000" {
		t.Errorf("Problemf's Message = %q, want the English text", ps[0].Message)
	}
	if got, want := ps.Error(), "3 problems:\nN: 1200 is above the maximum 1000\nCV: an answer is required\nX: an old English problem"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got := ps.In("en"); got != ps.Error() {
		t.Errorf("In(en) = %q, differs from Error() %q", got, ps.Error())
	}
	mn := iltod.ErrorMessageIn(ps, "mn")
	for _, want := range []string{"3 алдаа:", "N: 1200 хэт их; хамгийн ихдээ 1000", "CV: хариулт оруулах шаардлагатай", "X: an old English problem"} {
		if !strings.Contains(mn, want) {
			t.Errorf("ErrorMessageIn(mn) = %q, lacks %q", mn, want)
		}
	}
	if got := iltod.ErrorMessageIn(ps[1:2], "mn"); got != "CV: хариулт оруулах шаардлагатай" {
		t.Errorf("one problem in mn = %q", got)
	}
	if got := iltod.ErrorCodeOf(errors.Join(ps)); got != iltod.EInvalid {
		t.Errorf("code of Problems = %s", got)
	}
}

// TestAppendJSONString holds AppendJSONString to what it promises: printable ASCII
// other than '"' and '\\' as it is, anything else exactly as json.Marshal writes it.
func TestAppendJSONString(t *testing.T) {
	want := func(s string) string {
		for i := 0; i < len(s); i++ {
			if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
				q, _ := json.Marshal(s)
				return string(q)
			}
		}
		return `"` + s + `"`
	}
	cases := []string{"", "CB 1021", "BC <= RV", "a & b > c", `say "hi"`, `back\slash`, "sum 3 × 4 <= 5",
		"tab\there", "\b\f\n\r\t\x00\x01\x1f\x7f", "Сонгогч <б>", "\xff\xfe", "a\xe2\x80", "\u2028\u2029",
		"😀 & <", "\ufffd", "x\u0085y", strings.Repeat("я<", 50)}
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "<", ">", "&", `"`, `\`, "\n", "\x01", "\x7f", "я", "×", "\u2028", "\xff", "\xe2", "😀", " "}
	for range 20000 {
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		cases = append(cases, b.String())
	}
	for _, s := range cases {
		if got := string(iltod.AppendJSONString([]byte("x"), s)); got != "x"+want(s) {
			t.Fatalf("%q: got %s, want x%s", s, got, want(s))
		}
	}
}
