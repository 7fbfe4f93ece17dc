package sms

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/iltod/iltod"
)

func TestParse(t *testing.T) {
	tests := []struct {
		text string
		want Message
		err  Reason
	}{
		{"EP 4821 AA1 AB2 BA350", Message{Prefix: "EP", Observer: "4821", Tokens: []string{"AA1", "AB2", "BA350"}}, ""},
		// Cyrillic look-alikes, lower case, commas, O and I inside the code.
		{"ер 48О1, аа1,ав2  ;ва350", Message{Prefix: "EP", Observer: "4801", Tokens: []string{"AA1", "AB2", "BA350"}}, ""},
		{"P4821 1234 CB350 @ хайрцаг задгай", Message{Prefix: "P", Observer: "4821", PIN: "1234", Tokens: []string{"CB350"}, Comment: "хайрцаг задгай"}, ""},
		{"р 4821 #17 к1 120", Message{Prefix: "P", Observer: "4821", Station: "17", Tokens: []string{"K1", "120"}}, ""},
		{"P 4821 # 01.17", Message{Prefix: "P", Observer: "4821", Station: "01.17", Tokens: []string{}}, ""},
		{"P 4821 I234 CB1", Message{Prefix: "P", Observer: "4821", PIN: "1234", Tokens: []string{"CB1"}}, ""},
		{"", Message{}, NoPrefix},
		{"  , ", Message{}, NoPrefix},
		{"4821 CB1", Message{}, NoPrefix},
		{"P", Message{}, NoObserver},
		{"P CB350", Message{}, NoObserver},
		{"P 4821 #", Message{}, BadStation},
		{"P 48\xff21", Message{}, InvalidUTF8},
		{strings.Repeat("P ", MaxText), Message{}, TooLong},
	}
	for _, tt := range tests {
		got, err := Parse(tt.text)
		if tt.err != "" {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Reason != tt.err {
				t.Errorf("Parse(%q) = %v, want %s", tt.text, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.text, err)
			continue
		}
		if got.Tokens == nil {
			got.Tokens = []string{}
		}
		if tt.want.Tokens == nil {
			tt.want.Tokens = []string{}
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Parse(%q) = %+v, want %+v", tt.text, got, tt.want)
		}
	}
}

func TestFields(t *testing.T) {
	tags := []string{"K1", "K12", "CB", "AD", "A"}
	multi := map[string]bool{"AD": true}
	tests := []struct {
		tokens []string
		want   []Field
		err    Reason
		tok    string
	}{
		{[]string{"CB350", "K1", "120", "K12", "7"}, []Field{{"CB", "350"}, {"K1", "120"}, {"K12", "7"}}, "", ""},
		{[]string{"K12O"}, []Field{{"K12", "O"}}, "", ""},
		{[]string{"AD1", "AD3"}, []Field{{"AD", "1.3"}}, "", ""},
		{[]string{"AD1.3", "A2"}, []Field{{"AD", "1.3"}, {"A", "2"}}, "", ""},
		{[]string{"CB1", "CB2"}, nil, TagTwice, "CB"},
		{[]string{"ZZ9", "CB1"}, nil, UnknownTag, "ZZ9"},
		{[]string{"350"}, nil, UnknownTag, "350"},
		{[]string{"CB", "K1", "3"}, nil, NoValue, "CB"},
		{[]string{"CB"}, nil, NoValue, "CB"},
	}
	for _, tt := range tests {
		got, err := Message{Tokens: tt.tokens}.Fields(tags, multi)
		if tt.err != "" {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Reason != tt.err || pe.Token != tt.tok {
				t.Errorf("Fields(%q) = %v, want %s %q", tt.tokens, err, tt.err, tt.tok)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Fields(%q) = %v, %v; want %v", tt.tokens, got, err, tt.want)
		}
	}
}

func TestValues(t *testing.T) {
	for s, want := range map[string]int64{"350": 350, "3O5": 305, "1L": 11, "-5": -5, "OO7": 7} {
		if n, ok := Number(s); !ok || n != want {
			t.Errorf("Number(%q) = %d, %v; want %d", s, n, ok, want)
		}
	}
	for _, s := range []string{"", "OO", "12A", "1234567890123456", "-"} {
		if n, ok := Number(s); ok {
			t.Errorf("Number(%q) = %d, want not a number", s, n)
		}
	}
	for s, want := range map[string]bool{"1": true, "Y": true, "y": true, "Т": true, "т": true, "0": false, "N": false, "Ү": false, "ү": false} {
		if yes, ok := YesNo(s); !ok || yes != want {
			t.Errorf("YesNo(%q) = %v, %v; want %v", s, yes, ok, want)
		}
	}
	for _, s := range []string{"2", "YES", "H", ""} {
		if _, ok := YesNo(s); ok {
			t.Errorf("YesNo(%q) accepted", s)
		}
	}
	for s, want := range map[string]string{"0715": "07:15", "715": "07:15", "07:15": "07:15", "O7I5": "07:15", "2359": "23:59"} {
		if got, ok := Time(s); !ok || got != want {
			t.Errorf("Time(%q) = %q, %v; want %q", s, got, ok, want)
		}
	}
	for _, s := range []string{"2400", "0760", "7", "12345", "ab:cd"} {
		if got, ok := Time(s); ok {
			t.Errorf("Time(%q) = %q, want refused", s, got)
		}
	}
	if got := List("1.3+4/5"); !reflect.DeepEqual(got, []string{"1", "3", "4", "5"}) {
		t.Errorf("List = %q", got)
	}
}

func TestTypeable(t *testing.T) {
	for _, s := range []string{"P", "EP", "CB", "K1", "PM12", "TX", "HC"} {
		if !Typeable(s) {
			t.Errorf("Typeable(%q) = false", s)
		}
	}
	// R, V, S, D have no Cyrillic look-alike; I, L and O read as digits.
	for _, s := range []string{"", "RV", "VS", "DS", "PHOTO", "IL", "L1", "p"} {
		if Typeable(s) {
			t.Errorf("Typeable(%q) = true", s)
		}
	}
}

func TestSegment(t *testing.T) {
	tests := []struct {
		text  string
		enc   string
		units int
	}{
		{"OK P 7F3K2Q", GSM7, 11},
		{"a€b", GSM7, 4},
		{"[x]", GSM7, 5},
		{"CB: 350 > 320", GSM7, 13},
		{"Хүлээн авлаа", UCS2, 12},
		{"ok 😀", UCS2, 5},
	}
	for _, tt := range tests {
		if enc, units := Segment(tt.text); enc != tt.enc || units != tt.units {
			t.Errorf("Segment(%q) = %s %d, want %s %d", tt.text, enc, units, tt.enc, tt.units)
		}
	}
	long := strings.Repeat("x", 200)
	if got := Fit(long); len(got) != 160 || !strings.HasSuffix(got, "...") {
		t.Errorf("Fit(200 x) = %d chars", len(got))
	}
	cyr := strings.Repeat("ж", 100)
	got := Fit(cyr)
	if enc, units := Segment(got); enc != UCS2 || units != 70 || !strings.HasSuffix(got, "…") {
		t.Errorf("Fit(100 ж) = %s %d %q", enc, units, got)
	}
	if got := Fit("short"); got != "short" {
		t.Errorf("Fit(short) = %q", got)
	}
	emoji := strings.Repeat("😀", 40)
	if got := Fit(emoji); !utf8.ValidString(got) {
		t.Errorf("Fit cut a character: %q", got)
	} else if _, units := Segment(got); units > 70 {
		t.Errorf("Fit(emoji) = %d units", units)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"EP 4821 AA1 AB2 BA350", "ер 48О1, аа1,ав2 ;ва350", "P4821 1234 #17 CB350 @ note", "Р 4821 СВ350 К1 120",
		"", "@", "#", "P 4821 #", "P 4821 AD1.3+4", "\xff", "P 0 0 # #",
	} {
		f.Add(s)
	}
	tags := []string{"AA", "AB", "BA", "CB", "K1", "K12", "AD"}
	f.Fuzz(func(t *testing.T, text string) {
		m, err := Parse(text)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error %T", text, err)
			}
			return
		}
		if m.Prefix == "" || m.Observer == "" {
			t.Fatalf("Parse(%q) = %+v without prefix or observer", text, m)
		}
		for _, r := range m.Observer + m.PIN {
			if r < '0' || r > '9' {
				t.Fatalf("Parse(%q): code or PIN %q holds a non-digit", text, m.Observer+m.PIN)
			}
		}
		fields, err := m.Fields(tags, map[string]bool{"AD": true})
		if err == nil {
			for _, fl := range fields {
				if fl.Value == "" {
					t.Fatalf("Fields of %q: tag %s without a value", text, fl.Tag)
				}
			}
		}
		if got := Fit(text); utf8.ValidString(text) {
			if enc, units := Segment(got); units > Limit(enc) {
				t.Fatalf("Fit(%q) = %d %s units", text, units, enc)
			}
		}
	})
}

func TestWarnings(t *testing.T) {
	p := &iltod.Package{Forms: []iltod.Form{
		{Code: "ok", SMSPrefix: "EP", Questions: []iltod.Question{{Tag: "AA", Type: iltod.Integer}, {Tag: "PHOTO", Type: iltod.Photo}, {Tag: "DS", Type: iltod.TextAnswer}}},
		{Code: "bad", SMSPrefix: "OP", Questions: []iltod.Question{{Tag: "RV", Type: iltod.Integer}, {Tag: "K1", Type: iltod.YesNo}}},
		{Code: "web-only", Questions: []iltod.Question{{Tag: "RV", Type: iltod.Integer}}},
	}}
	ws := Warnings(p)
	var got []string
	for _, w := range ws {
		got = append(got, w.Field+" "+w.Message)
	}
	want := []string{
		"sms_prefix form bad: the SMS prefix OP cannot be typed on both a Latin and a Cyrillic keyboard (use only A B E K M H P C T X)",
		"questions[0].tag form bad: the tag RV cannot be typed on both a Latin and a Cyrillic keyboard (use only A B E K M H P C T X and digits)",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Warnings = %q\nwant %q", got, want)
	}
}
