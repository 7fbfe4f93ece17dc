package locales

import (
	"math"
	"testing"
	"time"

	"golang.org/x/text/number"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

func TestMatch(t *testing.T) {
	for tag, want := range map[string]string{
		"mn": "mn", "mn-MN": "mn", "MN": "mn", "mn_MN.UTF-8": "mn", "mn-Cyrl-MN": "mn",
		"en": "en", "en-GB": "en", "en_US.UTF-8": "en", "EN_us": "en", "en@euro": "en",
		"": Default, "C": Default, "C.UTF-8": Default, "POSIX": Default, "fr_FR.UTF-8": Default, "eng": Default,
	} {
		if got := Match(tag); got != want {
			t.Errorf("Match(%q) = %q, want %q", tag, got, want)
		}
	}
}

func TestFromEnv(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{}, Default},
		{map[string]string{"LANG": "en_US.UTF-8"}, "en"},
		{map[string]string{"LANG": "mn_MN.UTF-8"}, "mn"},
		{map[string]string{"LANG": "mn_MN.UTF-8", "LC_MESSAGES": "en_GB.UTF-8"}, "en"},
		{map[string]string{"LANG": "en_US.UTF-8", "LC_MESSAGES": "en_GB", "LC_ALL": "mn_MN"}, "mn"},
		{map[string]string{"LANG": "C.UTF-8"}, Default},
		{map[string]string{"LANG": "en_US.UTF-8", "LC_ALL": ""}, "en"},
	} {
		if got := FromEnv(func(k string) string { return c.env[k] }); got != c.want {
			t.Errorf("FromEnv(%v) = %q, want %q", c.env, got, c.want)
		}
	}
}

func TestNegotiate(t *testing.T) {
	for _, c := range []struct{ header, fallback, want string }{
		{"", "en", "en"},
		{"", "mn", "mn"},
		{"mn", "en", "mn"},
		{"mn-MN,mn;q=0.9,en;q=0.8", "en", "mn"},
		{"en-GB,en;q=0.9", "mn", "en"},
		{"fr, en;q=0.5, mn;q=0.7", "en", "mn"},
		{"fr-FR,fr;q=0.9", "mn", "mn"},
		{"mn;q=0, en;q=0.1", "mn", "en"},
		{"mn;q=0", "en", "en"},
		{"en;q=0.8, mn;q=0.8", "mn", "en"}, // equal weights: the first listed
		{"*", "mn", "mn"},
		{"mn;q=abc, en", "mn", "en"},
		{"mn;q=2", "en", "en"},
		{";;,,", "en", "en"},
		{"ru-RU, en;q=0.5, mn;q=0.6", "en", "mn"},
		{"EN-gb", "mn", "en"},
		{"en;q=bad, mn;q=0.1", "en", "mn"},
		{"fr, de;q=0.5", "en", "en"},
	} {
		if got := Negotiate(c.header, c.fallback); got != c.want {
			t.Errorf("Negotiate(%q, %q) = %q, want %q", c.header, c.fallback, got, c.want)
		}
	}
}

func TestFor(t *testing.T) {
	for lang, want := range map[string]string{"mn": "mn", "en": "en", "en-US": "en", "de": Default, "": Default} {
		if got := For(lang).Lang(); got != want {
			t.Errorf("For(%q).Lang() = %q, want %q", lang, got, want)
		}
	}
}

func TestT(t *testing.T) {
	if got, want := For("en").T("web.sign_out"), "Sign out"; got != want {
		t.Errorf("en web.sign_out = %q, want %q", got, want)
	}
	if got, want := For("mn").T("web.sign_out"), "Гарах"; got != want {
		t.Errorf("mn web.sign_out = %q, want %q", got, want)
	}
	if got, want := For("en").T("public.of", Args{"K": "3", "N": "7"}), "3 of 7"; got != want {
		t.Errorf("en public.of = %q, want %q", got, want)
	}
	// A Key value is written in the Printer's language.
	if got, want := For("mn").T("public.of", Args{"K": Key("web.sign_out"), "N": "7"}), "Гарах / 7"; got != want {
		t.Errorf("mn with a Key value = %q, want %q", got, want)
	}
	// Several Args merge, the later winning.
	if got, want := For("en").T("public.of", Args{"K": "3", "N": "7"}, Args{"N": "8"}), "3 of 8"; got != want {
		t.Errorf("merged args: %q, want %q", got, want)
	}
}

// TestNoBlank checks the fallbacks of a lookup: a message missing from a language is
// shown in English; an unknown key, or data that does not fill a placeholder in any
// language, shows the key.
func TestNoBlank(t *testing.T) {
	// Only the test adds a message to the fallback language alone: the catalogue test
	// forbids it in the files.
	catalogue.bundle.MustAddMessages(language.English, &i18n.Message{ID: "test.only_english", Other: "Only in English, {{.Name}}"})
	if got, want := For("mn").T("test.only_english", Args{"Name": "Bat"}), "Only in English, Bat"; got != want {
		t.Errorf("missing in mn: %q, want %q", got, want)
	}
	if got, want := For("mn").T("no.such.key"), "no.such.key"; got != want {
		t.Errorf("unknown key: %q, want %q", got, want)
	}
	if got, want := For("mn").N("no.such.key", 3), "no.such.key"; got != want {
		t.Errorf("unknown plural key: %q, want %q", got, want)
	}
	if got, want := For("mn").T("public.of", Args{"K": "3"}), "public.of"; got != want {
		t.Errorf("unfilled placeholder: %q, want %q", got, want)
	}
}

func TestN(t *testing.T) {
	for _, c := range []struct {
		lang  string
		count int
		want  string
	}{
		{"en", 1, "differs by 1 vote in all"},
		{"en", 0, "differs by 0 votes in all"},
		{"en", 1200, "differs by 1,200 votes in all"},
		{"mn", 1, "нийт 1 саналаар зөрүүтэй"},
		{"mn", 1200, "нийт 1,200 саналаар зөрүүтэй"},
	} {
		if got := For(c.lang).N("public.differs_by", c.count); got != c.want {
			t.Errorf("%s N(%d) = %q, want %q", c.lang, c.count, got, c.want)
		}
	}
	// The caller's Args are not changed by N's Count.
	args := Args{}
	For("en").N("public.differs_by", 2, args)
	if len(args) != 0 {
		t.Errorf("N wrote into the caller's Args: %v", args)
	}
}

func TestText(t *testing.T) {
	got := Text("public.of", Args{"K": "1", "N": "2"})
	want := map[string]string{"en": "1 of 2", "mn": "1 / 2"}
	if len(got) != len(want) || got["en"] != want["en"] || got["mn"] != want["mn"] {
		t.Errorf("Text = %v, want %v", got, want)
	}
	gotN := TextN("public.differs_by", 1)
	if gotN["en"] != "differs by 1 vote in all" || gotN["mn"] != "нийт 1 саналаар зөрүүтэй" {
		t.Errorf("TextN = %v", gotN)
	}
}

// TestNumbers checks numbers against CLDR's symbols: English and Mongolian both group
// thousands with "," and write "." before decimals
// (https://www.unicode.org/cldr/charts/latest/by_type/numbers.symbols.html).
func TestNumbers(t *testing.T) {
	for _, lang := range Languages {
		p := For(lang)
		for _, c := range []struct{ got, want string }{
			{p.Int(0), "0"},
			{p.Int(999), "999"},
			{p.Int(1234567), "1,234,567"},
			{p.Int(-1234), "-1,234"},
			{p.Number(1234.5, 2), "1,234.50"},
			{p.Number(0.125, 1), "0.1"},
			{p.Percent(0.41234, 2), "41.23%"},
			{p.Percent(1, 1), "100.0%"},
			{p.Percent(0.5, 0), "50%"},
			{p.Percent(-0.0325, 2), "-3.25%"},
			{p.Number(-1234.567, 1), "-1,234.6"},
		} {
			if c.got != c.want {
				t.Errorf("%s: got %q, want %q", lang, c.got, c.want)
			}
		}
	}
}

// TestIntAgreesWithCLDR checks Int's own grouping against x/text's CLDR formatting.
func TestIntAgreesWithCLDR(t *testing.T) {
	for _, lang := range Languages {
		p := For(lang)
		if p.group == "" {
			t.Errorf("%s: the thousands separator was not learnt", lang)
		}
		for _, n := range []int64{0, 7, -7, 999, 1000, -1000, 12345, 999999, 1000000, -123456789, math.MaxInt64, math.MinInt64 + 1} {
			if got, want := p.Int(n), p.num.Sprint(number.Decimal(n)); got != want {
				t.Errorf("%s: Int(%d) = %q, CLDR %q", lang, n, got, want)
			}
		}
	}
}

func TestDate(t *testing.T) {
	d := time.Date(2024, time.June, 28, 23, 30, 0, 0, time.UTC)
	for lang, want := range map[string]string{"en": "28 June 2024", "mn": "2024 оны 6-р сарын 28"} {
		if got := For(lang).Date(d); got != want {
			t.Errorf("%s: Date = %q, want %q", lang, got, want)
		}
	}
	if got, want := For("mn").Date(time.Date(2028, time.December, 1, 0, 0, 0, 0, time.UTC)), "2028 оны 12-р сарын 1"; got != want {
		t.Errorf("mn: Date = %q, want %q", got, want)
	}
}

// TestNCached: N, which caches a message with a small count and no data, gives what the
// template engine gives, the first time and after.
func TestNCached(t *testing.T) {
	for _, lang := range Languages {
		p := For(lang)
		for _, key := range Keys(lang) {
			if !Plural(lang, key) {
				continue
			}
			for _, n := range []int{-1, 0, 1, 2, 5, 21, 101, maxCounted - 1, maxCounted} {
				want := p.n(key, n, nil)
				for range 2 {
					if got := p.N(key, n); got != want {
						t.Fatalf("%s %s %d: %q, want %q", lang, key, n, got, want)
					}
					if got := p.N(key, n, nil, Args{}); got != want {
						t.Fatalf("%s %s %d with empty data: %q, want %q", lang, key, n, got, want)
					}
				}
			}
			if got, want := p.N(key, 3, Args{"Count": "x"}), p.n(key, 3, []Args{{"Count": "x"}}); got != want {
				t.Fatalf("%s %s with data: %q, want %q", lang, key, got, want)
			}
		}
	}
}
